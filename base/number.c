/* Strict number parsing and the bad-value message; see itest/number.h. */
#include "itest/number.h"

#include "itest/redact.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Numbers are read in the C locale: a user's LC_NUMERIC must not turn "2.5" into 2. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod in the C locale; *end past the number. */
static double c_strtod(const char *text, char **end)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale ? strtod_l(text, end, c_locale) : strtod(text, end);
}

int itest_parse_long(long long *out, const char *text, long long min, long long max)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A number at the start of text: its value and where it ends, or -1. */
static int leading_double(double *out, const char **rest, const char *text)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -1;
    /* no hexadecimal, infinity or NaN: "0x10" or "inf" in a variable is a mistake */
    const char *p = text + (*text == '-' || *text == '+');
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return -1;
    char *end;
    errno = 0;
    double v = c_strtod(text, &end);
    if (errno || end == text || !isfinite(v))
        return -1;
    *out = v;
    *rest = end;
    return 0;
}

int itest_parse_double(double *out, const char *text, double min, double max)
{
    double v;
    const char *rest;
    if (leading_double(&v, &rest, text) != 0 || *rest || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int itest_parse_size(uint64_t *out, const char *text, uint64_t min, uint64_t max)
{
    if (!text || !isdigit((unsigned char)*text))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return -1;
    unsigned long long mult = 1;
    switch (*end) {
    case 'K':
    case 'k':
        mult = 1ull << 10;
        break;
    case 'M':
    case 'm':
        mult = 1ull << 20;
        break;
    case 'G':
    case 'g':
        mult = 1ull << 30;
        break;
    default:
        break;
    }
    if (mult > 1)
        end++;
    if (*end || v > UINT64_MAX / mult || v * mult < min || v * mult > max)
        return -1;
    *out = v * mult;
    return 0;
}

int itest_parse_seconds(double *out, const char *text, double min, double max)
{
    double v;
    const char *rest;
    if (leading_double(&v, &rest, text) != 0)
        return -1;
    if (strcmp(rest, "ms") == 0)
        v /= 1000.0;
    else if (strcmp(rest, "m") == 0)
        v *= 60.0;
    else if (*rest && strcmp(rest, "s") != 0)
        return -1;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *itest_bad_value(char *buf, size_t len, const char *name, const char *value,
                            const char *expected)
{
    char *redacted = itest_redact(value ? value : "");
    char shown[128];
    size_t n = 0;
    const char *v = redacted ? redacted : "(unprintable)";
    for (; v[n] && n < 120; n++)
        shown[n] = (unsigned char)v[n] < 0x20 || v[n] == 0x7f ? '?' : v[n];
    shown[n] = '\0';
    snprintf(buf, len, "%s='%s%s' is not %s", name, shown, v[n] ? "..." : "", expected);
    free(redacted);
    return buf;
}

int itest_usage_bad_value(const char *program, const char *name, const char *value,
                          const char *expected)
{
    char msg[512];
    fprintf(stderr, "%s: %s (see %s --help)\n", program,
            itest_bad_value(msg, sizeof msg, name, value, expected), program);
    return 2;
}
