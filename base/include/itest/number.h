/* Strict parsing of the numbers that flags and environment variables carry, and the one message
 * every program gives for a value it cannot take.
 *
 * The whole text must be the number: no leading or trailing blanks or other characters, no
 * overflow, within [min, max]. Functions return 0 with *out set, or -1 leaving *out alone.
 */
#ifndef ITEST_NUMBER_H
#define ITEST_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* A decimal whole number ("42", "-3"). */
int itest_parse_long(long long *out, const char *text, long long min, long long max);
/* A finite decimal number ("2.5", "1e3"), always with '.' as the decimal point. */
int itest_parse_double(double *out, const char *text, double min, double max);
/* A size in bytes with an optional binary suffix: "512", "64K", "8M", "1G" (either case). */
int itest_parse_size(uint64_t *out, const char *text, uint64_t min, uint64_t max);
/* A duration in seconds: "1.5" or "1.5s", "250ms", "2m" (minutes). */
int itest_parse_seconds(double *out, const char *text, double min, double max);

/* The message for a value a flag or variable cannot take: "NAME='VALUE' is not EXPECTED", e.g.
 * "--port='x' is not a port number 0..65535" or "INTEGRATION_TEST_TIMEOUT='abc' is not a number
 * of seconds 0.001..86400". The value is shown redacted (itest_redact), control characters as
 * '?', cut at 120 bytes. Writes to buf and returns it. */
const char *itest_bad_value(char *buf, size_t len, const char *name, const char *value,
                            const char *expected);

/* For a program's command line: prints "PROGRAM: " and itest_bad_value()'s message and
 * " (see PROGRAM --help)" to standard error, and returns 2 (bad usage). */
int itest_usage_bad_value(const char *program, const char *name, const char *value,
                          const char *expected);

#endif
