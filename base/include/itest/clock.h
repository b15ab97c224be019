/* Clocks and locale-free number formatting, the same in every program. */
#ifndef ITEST_CLOCK_H
#define ITEST_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Seconds on the monotonic clock, for measuring elapsed time. */
double itest_now_s(void);
/* Nanoseconds on the monotonic clock, and on the wall clock. */
uint64_t itest_now_ns(void);
uint64_t itest_wall_ns(void);

/* Sleeps s seconds (fractions count), resuming after signals; nothing for s <= 0. */
void itest_sleep_s(double s);

/* Formats value with '.' as the decimal point whatever the locale, shortest of %.10g. */
void itest_format_double(char buf[static 32], double value);
/* Formats seconds as "S.mmm" (milliseconds) with '.' whatever the locale. */
void itest_format_seconds(char buf[static 32], double seconds);
/* "2026-11-21T10:00:00.123Z" for a wall time in nanoseconds; buf needs 32 bytes. */
void itest_format_rfc3339(char *buf, size_t len, uint64_t wall_ns);
/* Reads an RFC 3339 date-time ("2026-11-21T10:00:00Z", "...T10:00:00.5+01:00") into Unix
 * nanoseconds. Strict: the 'T' and the offset are required, every field in its range, and the
 * time within what 64-bit nanoseconds hold (1677..2262). Returns 0, or -1 when text is not one. */
int itest_parse_rfc3339(const char *text, int64_t *wall_ns);

#endif
