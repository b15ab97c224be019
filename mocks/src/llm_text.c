#include "llm_text.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80; /* UTF-8 sequences stay inside words */
}

size_t llm_token_end(const char *text, size_t pos)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t i = pos;
    /* leading spaces belong to the token that follows, as in BPE vocabularies */
    while (t[i] == ' ')
        i++;
    if (!t[i])
        return i;
    if (!word_byte(t[i]))
        return i + 1;
    /* a word of up to 6 bytes is one token; a longer one gives 4 bytes at a time (looking
     * only 7 bytes ahead keeps long words linear) */
    size_t start = i;
    while (word_byte(t[i]) && i - start < 7)
        i++;
    if (i - start <= 6)
        return i;
    size_t end = start + 4;
    while (end < i && (t[end] & 0xc0) == 0x80)
        end++; /* never split a UTF-8 sequence */
    return end;
}

size_t llm_count_tokens(const char *text)
{
    size_t n = 0;
    for (size_t pos = 0; text[pos]; pos = llm_token_end(text, pos))
        n++;
    return n;
}

size_t llm_prefix_bytes(const char *text, size_t max_tokens)
{
    size_t pos = 0;
    for (size_t n = 0; text[pos] && n < max_tokens; n++)
        pos = llm_token_end(text, pos);
    return pos;
}

char *llm_default_reply(const char *conversation, const char *prompt)
{
    uint64_t h = mock_hash(conversation, strlen(conversation), 0);
    /* echo the start of the prompt, cut at a character boundary */
    size_t n = strlen(prompt);
    if (n > 160) {
        n = 160;
        while (n > 0 && ((unsigned char)prompt[n] & 0xc0) == 0x80)
            n--;
    }
    char *reply = NULL;
    if (asprintf(&reply, "This is itest-mock reply %08llx to: %.*s%s",
                 (unsigned long long)(h & 0xffffffffu), (int)n, prompt,
                 n < strlen(prompt) ? "..." : "") < 0)
        return NULL;
    return reply;
}

/* A vector that carries no meaning: unit noise seeded by the text. */
static void noise(float *out, size_t dims, const char *text, size_t len)
{
    uint64_t state = mock_hash(text, len, 0x5eed) | 1;
    for (size_t i = 0; i < dims; i++) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        double u = (double)((state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
        out[i] = (float)(u * 2 - 1);
    }
}

/* Adds one word as two signed features (feature hashing): texts that share words share
 * features, so their cosine grows with the words they share. */
static void add_word(float *out, size_t dims, const char *word, size_t len)
{
    char lower[64];
    const char *text = word;
    if (len <= sizeof lower) { /* case-insensitive; a longer word hashes as written */
        for (size_t i = 0; i < len; i++)
            lower[i] = (char)tolower((unsigned char)word[i]);
        text = lower;
    }
    uint64_t h = mock_hash(text, len, 0xfea7);
    for (int k = 0; k < 2; k++, h >>= 32) {
        uint32_t part = (uint32_t)h;
        out[(part >> 1) % dims] += part & 1 ? 1.0f : -1.0f;
    }
}

void llm_embedding(float *out, size_t dims, const char *text, size_t len)
{
    memset(out, 0, dims * sizeof *out);
    size_t words = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && !word_byte((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && word_byte((unsigned char)text[i]))
            i++;
        if (i > start) {
            add_word(out, dims, text + start, i - start);
            words++;
        }
    }
    double norm = 0;
    for (size_t i = 0; i < dims; i++)
        norm += (double)out[i] * out[i];
    if (!words || norm == 0) { /* no words (or their features cancelled out) */
        noise(out, dims, text, len);
        norm = 0;
        for (size_t i = 0; i < dims; i++)
            norm += (double)out[i] * out[i];
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < dims; i++)
        out[i] = (float)(out[i] / norm);
}
