/* Generated histories with known answers for the history tests: run r's JUnit file, written
 * from a few rules (a case that turns flaky or starts failing at a run, a slowdown from a run,
 * uniform noise on every time), recorded through the real itest-report. */
#ifndef REPORT_HISTORY_GEN_H
#define REPORT_HISTORY_GEN_H

#include <cjson/cJSON.h>

struct history_gen {
    int cases, runs;
    int flaky_case, flaky_from;     /* fails on odd runs from flaky_from (0: none) */
    int failing_case, failing_from; /* fails from failing_from on (0: none) */
    int slow_case, slow_from;       /* its time (and case 3's p95_ms x1.5) from slow_from */
    double slowdown, noise;         /* factor; +-noise as a fraction, uniform */
};

/* Writes run r's JUnit file; returns its path (one of 4 static buffers, reused in turn). */
const char *history_gen_file(const struct history_gen *g, int r);
/* Records every run into store (commit "commit-R"), failing the case when one cannot be. */
void history_gen_record(const struct history_gen *g, const char *store);
/* The --json report's "trends" object of the store (detached; free with cJSON_Delete). */
cJSON *history_gen_trends(const char *store, const char *extra_args);
/* procs processes at once, each recording per runs of its own cases (process p fails p of
 * its 10), then checks the store: every run there, each with its own process's pass rate. */
void history_gen_concurrent(const char *store, int procs, int per);
/* The first column of an SQLite query's first row, as a number. */
long history_gen_count(const char *store, const char *sql);

#endif
