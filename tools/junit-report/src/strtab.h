/* One arena for every string the report keeps (names, labels, signatures), addressed by
 * 32-bit offsets so that a test record stays small; offset 0 is the empty string. Interned
 * strings are stored once. */
#ifndef REPORT_STRTAB_H
#define REPORT_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
    char *data;
    size_t len, cap;
    uint32_t *slots; /* open addressing over interned offsets; 0 = free */
    size_t nslots, used;
    int reserved; /* data is a reservation of STRTAB_RESERVE bytes (util.h: reserve) */
};
#define STRTAB_RESERVE ((size_t)UINT32_MAX + 1)

void strtab_init(struct strtab *t);
void strtab_free(struct strtab *t);
/* Appends a copy of s[0..n) and its NUL; returns its offset. */
uint32_t strtab_add(struct strtab *t, const char *s, size_t n);
/* The offset of an equal interned string, adding it when new. */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t n);
static inline const char *strtab_get(const struct strtab *t, uint32_t off)
{
    return t->data + off;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

#endif
