/* Trends over the recorded runs (history_store.h): per case the pass rate and the flip rate (a
 * flaky ranking that needs no retries), the run and commit where each current failure's streak
 * began, cases whose duration moved and measurements that moved (a Mann-Whitney U test between
 * the recent runs and the earlier ones, with a least relative change; docs/report.md), and the
 * pass rate per run, suite and label. */
#ifndef REPORT_TRENDS_H
#define REPORT_TRENDS_H

#include <stddef.h>
#include <stdint.h>

#include "history_store.h"

#define TRENDS_SCHEMA "itest-trends/1"

struct trend_options {
    size_t recent;      /* runs in the recent window (default 10) */
    double min_change;  /* least relative change of the median that counts (0.2) */
    double max_p;       /* the test's two-sided p-value must be below this (0.01) */
    double min_seconds; /* a duration change smaller than this is noise (0.005 s) */
};

struct case_trend {
    uint32_t index; /* into history_data.cases */
    size_t ran;     /* runs it ran in (not skipped, not absent) */
    size_t passed, failed, flips;
    double pass_rate, flip_rate; /* flip_rate: flips / (ran - 1); 0 when ran < 2 */
    /* a current failure: its streak began at run streak_start (index into runs); streak_open:
     * it began at or before the oldest run read */
    int failing;
    size_t streak_start, streak_length;
    int streak_open;
};

struct change {
    uint32_t index;       /* a case, or a measurement series */
    double before, after; /* medians of the earlier and the recent window */
    double ratio;         /* after / before - 1 */
    double p;             /* two-sided p-value */
    size_t n_before, n_after;
};

struct rate_series {
    char *name;
    double *rate; /* one per run: passed / ran, NAN when nothing ran */
};

struct trends {
    const struct history_data *d;
    struct trend_options opt;
    struct case_trend *cases; /* one per history case */
    uint32_t *flaky;          /* cases with two flips or more, by flip rate descending */
    size_t nflaky;
    uint32_t *failing; /* currently failing, longest streak first */
    size_t nfailing;
    struct change *durations, *measures;
    size_t ndurations, nmeasures;
    double *pass_rate; /* per run, over every case */
    struct rate_series *suites, *labels;
    size_t nsuites, nlabels;
};

void trend_options_default(struct trend_options *o);
void trends_compute(struct trends *t, const struct history_data *d, const struct trend_options *o);
void trends_free(struct trends *t);

/* The Mann-Whitney U test of a against b: the two-sided p-value (normal approximation with the
 * tie correction). Exposed for the unit tests. */
double mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
double median(double *v, size_t n); /* sorts v */

#endif
