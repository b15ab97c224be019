#include "util.h"

#include "itest/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

static uint32_t id_salt;
static pthread_once_t salt_once = PTHREAD_ONCE_INIT;

static void make_salt(void)
{
    id_salt = (uint32_t)(mock_hash(&(uint64_t){itest_wall_ns()}, 8, (uint64_t)getpid()) | 1u);
}

void mock_id_format(char *buf, size_t len, uint64_t seq)
{
    pthread_once(&salt_once, make_salt);
    snprintf(buf, len, "%08x-0000-4000-8000-%012llx", id_salt, (unsigned long long)seq);
}

int64_t mock_id_parse(const char *text)
{
    pthread_once(&salt_once, make_salt);
    unsigned salt;
    unsigned long long seq;
    int used = 0;
    if (!text || strlen(text) != 36 ||
        sscanf(text, "%8x-0000-4000-8000-%12llx%n", &salt, &seq, &used) != 2 || used != 36 ||
        salt != id_salt)
        return -1;
    char again[40];
    mock_id_format(again, sizeof again, seq);
    return strcmp(again, text) == 0 ? (int64_t)seq : -1; /* rejects upper case and signs */
}

char *mock_base64(const void *data, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = data;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    char *p = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *p++ = abc[v >> 18 & 63];
        *p++ = abc[v >> 12 & 63];
        *p++ = abc[v >> 6 & 63];
        *p++ = abc[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        *p++ = abc[v >> 18 & 63];
        *p++ = abc[v >> 12 & 63];
        *p++ = i + 1 < len ? abc[v >> 6 & 63] : '=';
        *p++ = '=';
    }
    *p = '\0';
    return out;
}

void mock_hex(char *out, const unsigned char *digest, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    out[2 * len] = '\0';
}

uint64_t mock_hash(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

double mock_random(void)
{
    static __thread uint64_t state;
    if (!state)
        state = itest_now_ns() ^ ((uint64_t)pthread_self() << 1) ^ 0x9e3779b97f4a7c15ull;
    /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}
