/* Clocks and locale-free formatting; see itest/clock.h. */
#include "itest/clock.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
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
