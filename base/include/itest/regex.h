/* POSIX extended regular expressions written by users (fault paths, reply rules, JSON Schema
 * patterns, prompt validators, catalogue messages): glibc's regcomp() takes some that cost it
 * seconds to compile, so they are refused first. */
#ifndef ITEST_REGEX_H
#define ITEST_REGEX_H

#include <regex.h>
#include <stddef.h>

#define ITEST_REGEX_MAX 1000         /* bytes of pattern */
#define ITEST_REGEX_MAX_REPEAT 10000 /* copies a nest of {m,n} bounds may ask for */

/* Refuses, before compiling, a pattern longer than ITEST_REGEX_MAX, one that stacks quantifiers
 * ("a**", "a+*", "a{2}{3}": "nothing to repeat" in ECMA-262 and PCRE, exponential for glibc), or
 * nested {m,n} bounds whose product passes ITEST_REGEX_MAX_REPEAT; then regcomp(pattern,
 * cflags). Returns 0 (free with regfree), -1 when refused or -2 when regcomp() failed, with why
 * in err either way. */
int itest_regex_compile(regex_t *rx, const char *pattern, int cflags, char *err, size_t len);

#endif
