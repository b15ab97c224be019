/* Small helpers shared by the mock services: ids, base64, hex, a stable hash, random numbers.
 * Clocks, times and number parsing are itest::base's (itest/clock.h, itest/number.h). */
#ifndef MOCK_UTIL_H
#define MOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Ids look like UUIDs but encode a sequence number, so a lookup needs no hash table:
 * "<8 hex salt>-0000-4000-8000-<12 hex seq>". mock_id_parse() returns the sequence, or -1
 * when the text is not an id of this process (other salt, other shape). */
void mock_id_format(char *buf, size_t len, uint64_t seq);
int64_t mock_id_parse(const char *text);

/* Base64 (RFC 4648, padded) of len bytes; malloc'd, NUL-terminated. */
char *mock_base64(const void *data, size_t len);

/* Lower-case hex of a 32-byte digest into out[65]. */
void mock_hex(char *out, const unsigned char *digest, size_t len);

/* FNV-1a, for stable pseudo-random values derived from text. */
uint64_t mock_hash(const void *data, size_t len, uint64_t seed);

/* A thread-safe uniform random number in [0, 1). */
double mock_random(void);

#endif
