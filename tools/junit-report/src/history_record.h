/* The run being reported, as the history store records it: every case's final outcome, time,
 * category and signature, its measurements, and when, which commit and branch (--run-meta, or
 * the CI's own variables), the wall time and the jobs. */
#ifndef REPORT_HISTORY_RECORD_H
#define REPORT_HISTORY_RECORD_H

#include "history_store.h"
#include "report.h"

struct history_run_build {
    struct history_run_in run;
    struct history_case_in *cases;
    struct history_measure_in *measures;
    struct buf names; /* the cases' full names, NUL-separated */
    char recorded_at[40];
};

/* meta: "key=value" (--run-meta; commit, branch, recorded_at and jobs are taken from it). */
void history_run_build(struct history_run_build *b, const struct report_context *r,
                       const char *const *meta, size_t nmeta);
void history_run_build_free(struct history_run_build *b);

/* The commit and branch a CI names in its variables (GitHub, GitLab, Jenkins, Buildkite,
 * CircleCI), or "" when none does. */
const char *history_ci_commit(void);
const char *history_ci_branch(void);

#endif
