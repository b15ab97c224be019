/* Clocks and dates (itest/clock.h): RFC 3339 written and read back, strictly. */
#include "itest/check.h"
#include "itest/clock.h"
#include "itest/suite.h"

#include <stdio.h>
#include <string.h>

static void rfc3339_round_trips(void **state)
{
    (void)state;
    uint64_t now = itest_wall_ns() / 1000000u * 1000000u; /* the format keeps milliseconds */
    char text[40];
    itest_format_rfc3339(text, sizeof text, now);
    int64_t back = 0;
    itest_check(itest_parse_rfc3339(text, &back) == 0, "'%s' did not read back", text);
    itest_check(back == (int64_t)now, "'%s' read back as %lld, written from %llu", text,
                (long long)back, (unsigned long long)now);
}

static void rfc3339_reads_offsets_and_fractions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long long ns;
    } good[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01t00:00:01z", 1000000000ll},
        {"2026-12-01T22:00:00.5Z", 1796162400500000000ll},
        {"2026-12-01T23:00:00+01:00", 1796162400000000000ll},
        {"2026-12-01T21:30:00.123456789-00:30", 1796162400123456789ll},
        {"2024-02-29T00:00:00Z", 1709164800000000000ll},
        {"1969-12-31T23:59:59Z", -1000000000ll},
        {"2262-01-01T00:00:00Z", 9214646400000000000ll},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int64_t ns = 0;
        itest_check(itest_parse_rfc3339(good[i].text, &ns) == 0, "'%s' was refused", good[i].text);
        itest_check(ns == good[i].ns, "'%s' read as %lld, expected %lld", good[i].text,
                    (long long)ns, good[i].ns);
    }
}

static void rfc3339_is_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "2026-12-01", "2026-12-01 22:00:00Z", "2026-12-01T22:00:00", "1796162400",
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-12-01T24:00:00Z", "2026-12-01T22:60:00Z", "2026-12-01T22:00:00.Z",
        "2026-12-01T22:00:00+0100", "2026-12-01T22:00:00Z ", "26-12-01T22:00:00Z",
        "2026-12-01T22:00:00+24:00",
        /* past what 64-bit nanoseconds hold (found by fuzz.number) */
        "2426-12-01T22:00:00Z", "1600-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t ns = 7;
        itest_check(itest_parse_rfc3339(bad[i], &ns) == -1, "'%s' was taken", bad[i]);
        itest_check(ns == 7, "'%s' changed the value", bad[i]);
    }
    int64_t ns;
    itest_check(itest_parse_rfc3339(NULL, &ns) == -1, "NULL was taken");
}

static const struct itest_case cases[] = {
    ITEST_CASE(rfc3339_round_trips),
    ITEST_CASE(rfc3339_reads_offsets_and_fractions),
    ITEST_CASE(rfc3339_is_strict),
};

ITEST_SUITE_MAIN(cases)
