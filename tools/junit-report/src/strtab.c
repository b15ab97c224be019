#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    /* FNV-1a, eight bytes at a time where it can */
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *s++) * 0x100000001b3ULL;
    /* murmur3's finalizer: the table index takes the low bits, which the multiplications above
     * leave weak (names that differ in a few digits would otherwise cluster) */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

void strtab_init(struct strtab *t)
{
    memset(t, 0, sizeof *t);
    t->data = reserve(STRTAB_RESERVE);
    if (t->data) {
        t->reserved = 1;
        t->cap = STRTAB_RESERVE;
    }
    strtab_add(t, "", 0);
}

void strtab_free(struct strtab *t)
{
    if (t->reserved)
        unreserve(t->data, STRTAB_RESERVE);
    else
        free(t->data);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

uint32_t strtab_add(struct strtab *t, const char *s, size_t n)
{
    if (t->len + n + 1 > UINT32_MAX) { /* offsets are 32 bits; the reservation ends here too */
        fprintf(stderr, "itest-report: more than 4 GiB of names and messages; cannot continue\n");
        exit(2);
    }
    grow(&t->data, &t->cap, t->len + n + 1, 1);
    uint32_t off = (uint32_t)t->len;
    if (n)
        memcpy(t->data + off, s, n);
    t->data[off + n] = '\0';
    t->len += n + 1;
    return off;
}

static void rehash(struct strtab *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slots = xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < t->nslots; i++) {
        uint32_t off = t->slots[i];
        if (!off)
            continue;
        const char *s = t->data + off;
        size_t j = hash_bytes(s, strlen(s), 0) & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = off;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

uint32_t strtab_intern(struct strtab *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if ((t->used + 1) * 2 > t->nslots)
        rehash(t);
    size_t j = hash_bytes(s, n, 0) & (t->nslots - 1);
    for (;; j = (j + 1) & (t->nslots - 1)) {
        uint32_t off = t->slots[j];
        if (!off)
            break;
        const char *have = t->data + off;
        if (memcmp(have, s, n) == 0 && have[n] == '\0')
            return off;
    }
    uint32_t off = strtab_add(t, s, n);
    t->slots[j] = off;
    t->used++;
    return off;
}
