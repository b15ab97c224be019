/* Regular expressions from users (itest/regex.h): what glibc would take seconds to compile is
 * refused at once, what ECMA-262 and POSIX both take compiles, and a broken one names the
 * problem. */
#include "itest/check.h"
#include "itest/clock.h"
#include "itest/regex.h"
#include "itest/suite.h"

#include <stdio.h>
#include <string.h>

static void costly_patterns_are_refused_at_once(void **state)
{
    (void)state;
    char stars[200] = "^(/", deep[400] = "";
    memset(stars + 3, '*', 120); /* what fuzz.mock_definitions found: 12 s in regcomp */
    strcat(stars, "v1/.*)$");
    for (int i = 0; i < 70; i++)
        strcat(deep, "(");
    static const struct {
        const char *pattern, *why;
    } table[] = {
        {"a**", "repeats a quantifier"},
        {"a+*", "repeats a quantifier"},
        {"a*??", "repeats a quantifier"},
        {"a{2}{3}", "repeats a quantifier"},
        {"^(a{1,1000}){1,1000}$", "nests {m,n} bounds past 10000 copies"},
        {"((a{1,100}){1,100}){1,100}", "nests {m,n} bounds past 10000 copies"},
        {"a{1,20000}", "nests {m,n} bounds past 10000 copies"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table + 2; i++) {
        const char *p = i < sizeof table / sizeof *table    ? table[i].pattern
                        : i == sizeof table / sizeof *table ? stars
                                                            : deep;
        const char *why = i < sizeof table / sizeof *table    ? table[i].why
                          : i == sizeof table / sizeof *table ? "repeats a quantifier"
                                                              : "nests groups deeper than 64";
        regex_t rx;
        char err[200] = "";
        double start = itest_now_s();
        int rc = itest_regex_compile(&rx, p, REG_EXTENDED | REG_NOSUB, err, sizeof err);
        double took = itest_now_s() - start;
        itest_check(rc == -1 && strstr(err, why), "%.60s: expected refusal \"%s\", got %d \"%s\"",
                    p, why, rc, err);
        itest_check(took < 0.1, "%.60s: refusing took %.3f s", p, took);
    }
    char big[1100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    regex_t rx;
    char err[200];
    itest_check(itest_regex_compile(&rx, big, REG_EXTENDED, err, sizeof err) == -1 &&
                    strstr(err, "longer than 1000 bytes"),
                "a 1099-byte pattern: %s", err);
}

static void ordinary_patterns_compile(void **state)
{
    (void)state;
    static const char *const good[] = {"^/v1/(chat/completions|responses)$",
                                       "/tasks/[^/]+",
                                       "a*?b+?c??",
                                       "[*+]+",
                                       "\\*+",
                                       "a{2,3}?",
                                       "(a{1,100}){1,100}",
                                       "(a*)*b",
                                       "[]*]*",
                                       "^[a-z]{1}x*$"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        regex_t rx;
        char err[200] = "";
        itest_check(itest_regex_compile(&rx, good[i], REG_EXTENDED | REG_NOSUB, err, sizeof err) ==
                        0,
                    "%s was refused: %s", good[i], err);
        regfree(&rx);
    }
    regex_t rx;
    char err[200] = "";
    itest_check(itest_regex_compile(&rx, "a(b", REG_EXTENDED, err, sizeof err) == -2 && *err,
                "an unclosed group should fail in regcomp with its message, got \"%s\"", err);
}

static const struct itest_case cases[] = {
    ITEST_CASE(costly_patterns_are_refused_at_once),
    ITEST_CASE(ordinary_patterns_compile),
};

ITEST_SUITE_MAIN(cases)
