/* Running an entry's cases and judging the outcome: each named case must fail (or error) with
 * the expected category as itest-report classifies it, and no suite may crash or hang. */
#ifndef ITEST_TEETH_CHECK_H
#define ITEST_TEETH_CHECK_H

#include "target.h"

#include <stdbool.h>
#include <stddef.h>

struct teeth_suite {
    const char *name, *exe;
};

struct teeth_case_result {
    char *id;       /* suite.case */
    char *outcome;  /* passed, failed, errored, skipped, or "missing" (not in the report) */
    char *category; /* NULL when none */
    char *message;  /* first line of the failure or skip message, NULL when none */
};

struct teeth_outcome {
    struct teeth_case_result *cases;
    size_t n;
    bool broken; /* a suite crashed, hung or could not be judged: text in problem */
    char problem[512];
};

/* Runs cases ("suite.case") with dir as the suites' state directory and env added, writes their
 * JUnit under dir and classifies it with itest-report. 0, or -1 when the run could not be made
 * (out->problem says why). */
int teeth_check_run(const struct teeth_tools *t, const struct teeth_suite *suites, size_t nsuites,
                    const char *dir, char *const *cases, size_t ncases, char *const env[],
                    struct teeth_outcome *out);

/* Runs every case of every suite, as teeth_check_run does. */
int teeth_check_run_all(const struct teeth_tools *t, const struct teeth_suite *suites,
                        size_t nsuites, const char *dir, char *const env[],
                        struct teeth_outcome *out);

void teeth_outcome_free(struct teeth_outcome *o);

/* The suite named by "suite.case", or NULL. */
const struct teeth_suite *teeth_suite_of(const struct teeth_suite *suites, size_t n,
                                         const char *id);

#endif
