/* Everything the reports show, computed once from the model: totals, failure categories and
 * groups, timing per suite and label, slowest cases, flaky cases, per-model pass rates,
 * budgets, the comparison with a baseline, and the measurements. */
#ifndef REPORT_ANALYSIS_H
#define REPORT_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct timing_row {
    const char *name;
    size_t count; /* cases that ran (skipped ones carry no time) */
    size_t failed;
    double total, mean, min, max, p50, p95, p99;
};

struct model_row {
    const char *model;
    size_t tests, passed, failed, errored, skipped, flaky;
    double pass_rate; /* passed / (tests - skipped), -1 when all skipped */
};

struct budget {
    char *name;
    double limit, actual;
    int found, violated;
};

struct affected {
    const char *suite;
    size_t failures;
};

struct baseline_case {
    uint32_t test;
    int before_outcome; /* enum outcome, or -1 when the baseline lacks the case */
    double before, after;
};

struct analysis {
    size_t tests, passed, failed, errored, skipped, flaky, runs;
    double seconds;      /* the sum of case times */
    double wall_seconds; /* first suite start to last suite end (timestamps), -1 unknown */
    int jobs;            /* cases run at once (--jobs), 0 unknown */
    double efficiency;   /* seconds / (wall_seconds * jobs) */
    size_t inputs, input_errors, repaired_inputs;
    size_t failures; /* failure occurrences across runs */

    size_t *category_failures; /* per category of the classifier */
    uint32_t *groups;          /* group indices: category order, then count descending */
    size_t ngroups;
    uint32_t *group_head;   /* per group: index + 1 of its first failure, 0 = none */
    uint32_t *failure_next; /* per failure: index + 1 of the next one in its group */
    struct affected *affected;
    size_t naffected;

    struct timing_row *suites, *labels;
    size_t nsuites, nlabels;
    uint32_t *slowest;
    size_t nslowest;
    uint32_t *flaky_tests;
    size_t nflaky;
    struct model_row *models;
    size_t nmodels;
    struct budget *budgets;
    size_t nbudgets, budget_violations;

    int has_baseline;
    const char *baseline_path;
    struct baseline_case *new_failures, *fixed, *slower;
    size_t nnew_failures, nfixed, nslower;
    double slower_percent;

    uint32_t *metrics; /* metric indices, one per (case, name), by case */
    size_t nmetrics;
};

struct baseline;

/* budgets: "NAME=SECONDS" strings already checked by the caller. */
void analyse(struct analysis *a, struct model *m, char *const *budgets, size_t nbudgets,
             size_t slowest, const struct baseline *base, double slower_percent);
void analysis_free(struct analysis *a);
/* The run's shape: its wall time from the suites' timestamps, and with jobs its efficiency. */
void analyse_run_shape(struct analysis *a, const struct model *m, int jobs);

double test_seconds(const struct test *t); /* mean over its runs */

#endif
