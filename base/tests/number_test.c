/* Strict numbers (itest/number.h): whole texts only, ranges, sizes and durations, and the one
 * bad-value message with the value redacted. */
#include "itest/check.h"
#include "itest/number.h"
#include "itest/suite.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static void whole_numbers_are_strict(void **state)
{
    (void)state;
    long long v = 7;
    assert_int_equal(itest_parse_long(&v, "42", 0, 100), 0);
    assert_int_equal(v, 42);
    assert_int_equal(itest_parse_long(&v, "-3", -5, 5), 0);
    assert_int_equal(v, -3);
    static const char *const bad[] = {
        "", " 1", "1 ", "1x", "0x10", "1.0", "101", "-6", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = 7;
        itest_check(itest_parse_long(&v, bad[i], -5, 100) == -1, "'%s' was taken", bad[i]);
        itest_check(v == 7, "'%s' changed the value", bad[i]);
    }
    assert_int_equal(itest_parse_long(&v, NULL, 0, 1), -1);
}

static void decimals_ignore_the_locale(void **state)
{
    (void)state;
    double d;
    assert_int_equal(itest_parse_double(&d, "2.5", 0, 10), 0);
    assert_true(d == 2.5);
    /* a decimal comma locale must not turn 2.5 into 2 */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        assert_int_equal(itest_parse_double(&d, "2.5", 0, 10), 0);
        assert_true(d == 2.5);
        assert_int_equal(itest_parse_double(&d, "2,5", 0, 10), -1);
        setlocale(LC_NUMERIC, "C");
    }
    static const char *const bad[] = {"",      "abc", "1e999", "nan", "inf",
                                      "0x1p3", " 1",  "1s",    "11",  "-0.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        itest_check(itest_parse_double(&d, bad[i], 0, 10) == -1, "'%s' was taken", bad[i]);
    assert_int_equal(itest_parse_double(&d, "1e1", 0, 10), 0);
    assert_true(d == 10);
}

static void sizes_take_binary_suffixes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t value;
    } good[] = {{"512", 512}, {"64K", 64 << 10}, {"8m", 8 << 20}, {"1G", 1ull << 30}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        uint64_t v = 0;
        itest_check(itest_parse_size(&v, good[i].text, 0, UINT64_MAX) == 0, "'%s' refused",
                    good[i].text);
        itest_check(v == good[i].value, "'%s' read as %llu", good[i].text, (unsigned long long)v);
    }
    static const char *const bad[] = {"", "-1", "12X", "1KB", "K", "99999999999G", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint64_t v;
        itest_check(itest_parse_size(&v, bad[i], 0, UINT64_MAX) == -1, "'%s' was taken", bad[i]);
    }
    uint64_t v;
    assert_int_equal(itest_parse_size(&v, "0", 1, 10), -1);
}

static void durations_take_units(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double seconds;
    } good[] = {{"1.5", 1.5}, {"2s", 2}, {"250ms", 0.25}, {"2m", 120}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        double v = 0;
        itest_check(itest_parse_seconds(&v, good[i].text, 0, 1000) == 0, "'%s' refused",
                    good[i].text);
        itest_check(v == good[i].seconds, "'%s' read as %g", good[i].text, v);
    }
    static const char *const bad[] = {"", "s", "2h", "1 s", "-1", "2sec"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v;
        itest_check(itest_parse_seconds(&v, bad[i], 0, 1000) == -1, "'%s' was taken", bad[i]);
    }
}

static void bad_values_read_the_same_everywhere(void **state)
{
    (void)state;
    char msg[512];
    itest_bad_value(msg, sizeof msg, "--port", "x", "a port number 0..65535");
    assert_string_equal(msg, "--port='x' is not a port number 0..65535");
    itest_bad_value(msg, sizeof msg, "DATABASE_URL", "postgresql://u:hunter2@db/x", "a URL");
    assert_string_equal(msg, "DATABASE_URL='postgresql://u:***@db/x' is not a URL");
    itest_bad_value(msg, sizeof msg, "X", "a\tb\nc", "text");
    assert_string_equal(msg, "X='a?b?c' is not text");
    char long_value[300];
    memset(long_value, 'v', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    itest_bad_value(msg, sizeof msg, "Y", long_value, "short");
    itest_check(strlen(msg) < 150 && strstr(msg, "...' is not short"), "%s", msg);
}

static const struct itest_case cases[] = {
    ITEST_CASE(whole_numbers_are_strict),
    ITEST_CASE(decimals_ignore_the_locale),
    ITEST_CASE(sizes_take_binary_suffixes),
    ITEST_CASE(durations_take_units),
    ITEST_CASE(bad_values_read_the_same_everywhere),
};

ITEST_SUITE_MAIN(cases)
