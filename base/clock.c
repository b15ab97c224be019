/* Clocks and locale-free formatting; see itest/clock.h. */
#include "itest/clock.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double itest_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t itest_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t itest_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void itest_sleep_s(double s)
{
    if (!(s > 0))
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void itest_format_seconds(char buf[static 32], double seconds)
{
    if (!(seconds >= 0) || seconds > 1e12)
        seconds = 0;
    long long ms = llround(seconds * 1000.0);
    snprintf(buf, 32, "%lld.%03lld", ms / 1000, ms % 1000);
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void itest_format_double(char buf[static 32], double value)
{
    /* %g follows LC_NUMERIC; format under the C locale so '.' is the decimal point. Numbers are
     * formatted from several threads, so the locale object is made once. */
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    snprintf(buf, 32, "%.10g", value);
    if (old)
        uselocale(old);
}

void itest_format_rfc3339(char *buf, size_t len, uint64_t wall_ns)
{
    time_t secs = (time_t)(wall_ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", base, (unsigned)(wall_ns / 1000000u % 1000u));
}

/* Reads exactly n digits at *p into *out, advancing *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, const char *one_of)
{
    if (!**p || !strchr(one_of, **p))
        return false;
    (*p)++;
    return true;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard Hinnant's). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int itest_parse_rfc3339(const char *text, int64_t *wall_ns)
{
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!text || !digits(&p, 4, &year) || !expect(&p, "-") || !digits(&p, 2, &month) ||
        !expect(&p, "-") || !digits(&p, 2, &day) || !expect(&p, "Tt") || !digits(&p, 2, &hour) ||
        !expect(&p, ":") || !digits(&p, 2, &minute) || !expect(&p, ":") || !digits(&p, 2, &second))
        return -1;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 60)
        return -1;
    int64_t frac_ns = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        int64_t scale = 100000000;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac_ns += scale * (*p - '0');
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, &oh) || !expect(&p, ":") || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t secs =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
    /* nanoseconds since 1970 in 64 bits reach from 1677 to 2262: a time outside is refused */
    if (secs <= INT64_MIN / 1000000000 || secs >= INT64_MAX / 1000000000)
        return -1;
    *wall_ns = secs * 1000000000 + frac_ns;
    return 0;
}
