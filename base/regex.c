/* Regular expressions from users' input; see itest/regex.h. */
#include "itest/regex.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The upper bound of a {m}, {m,} or {m,n} at p (p at '{'), and its length in *n; 0 when p is
 * not one (a literal brace). */
static unsigned long bound_at(const char *p, size_t *n)
{
    size_t k = strspn(p + 1, "0123456789,");
    if (k == 0 || p[1 + k] != '}' || p[1] == ',')
        return 0;
    *n = k + 2;
    const char *comma = memchr(p + 1, ',', k);
    /* {m,}: as many as m at least; bounded by the largest number written */
    unsigned long m = strtoul(p + 1, NULL, 10);
    unsigned long hi = comma && comma[1] != '}' ? strtoul(comma + 1, NULL, 10) : m;
    return hi > m ? hi : m ? m : 1;
}

/* Why pattern is refused before compiling, or NULL. */
static const char *refused(const char *p)
{
    enum { DEPTH = 64 };
    unsigned long group[DEPTH] = {1}; /* the largest copy count inside each open group */
    int depth = 0;
    int after = 0;          /* 0: an atom or nothing, 1: a quantifier, 2: a lazy quantifier */
    unsigned long last = 1; /* the copy count of the atom just read (a group's is its inside) */
    for (; *p; p++) {
        size_t n = 0;
        unsigned long hi;
        if (*p == '\\' && p[1]) {
            p++;
            after = 0, last = 1;
        } else if (*p == '[') { /* a class, to its ']' ("[]...]" and "[^]...]" hold one) */
            p += p[1] == '^';
            p += p[1] == ']';
            /* a backslash is literal in a POSIX class: "[\\]**" is a class, then "**" */
            while (p[1] && p[1] != ']')
                p++;
            p += p[1] == ']';
            after = 0, last = 1;
        } else if (*p == '(') {
            if (++depth >= DEPTH)
                return "nests groups deeper than 64";
            group[depth] = 1;
            after = 0, last = 1;
        } else if (*p == ')' && depth > 0) {
            last = group[depth--];
            after = 0;
        } else if (*p == '*' || *p == '+' || (*p == '{' && (hi = bound_at(p, &n)) > 0)) {
            if (after)
                return "repeats a quantifier (\"**\", \"+*\", \"{2}{3}\"): nothing to repeat";
            if (*p == '{') {
                if (hi > ITEST_REGEX_MAX_REPEAT || last * hi > ITEST_REGEX_MAX_REPEAT)
                    return "nests {m,n} bounds past 10000 copies";
                last *= hi;
                p += n - 1;
            }
            after = 1;
        } else if (*p == '?') {
            if (after == 2)
                return "repeats a quantifier (\"**\", \"+*\", \"{2}{3}\"): nothing to repeat";
            after = after == 1 ? 2 : 1;
        } else {
            after = 0, last = 1;
        }
        if (last > group[depth])
            group[depth] = last;
    }
    return NULL;
}

int itest_regex_compile(regex_t *rx, const char *pattern, int cflags, char *err, size_t len)
{
    const char *why =
        strlen(pattern) > ITEST_REGEX_MAX ? "is longer than 1000 bytes" : refused(pattern);
    if (why) {
        snprintf(err, len, "%s", why);
        return -1;
    }
    int rc = regcomp(rx, pattern, cflags);
    if (rc != 0) {
        regerror(rc, rx, err, len);
        return -2;
    }
    return 0;
}
