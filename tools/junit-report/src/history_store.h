/* The result history: every recorded run, its cases' outcomes, times, failure categories and
 * signatures, and its measurements, in an SQLite file or a PostgreSQL database with the same
 * schema (history_schema.c). A run is recorded in one transaction, so that two jobs recording
 * at once never lose or mix one; a store of a schema this program does not know is refused
 * before anything is written. */
#ifndef REPORT_HISTORY_STORE_H
#define REPORT_HISTORY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct history; /* an open store */

/* One case of the run being recorded. outcome is an enum outcome (model.h). */
struct history_case_in {
    const char *suite, *name, *labels; /* labels "a;b" or "" */
    int outcome;
    double seconds;                   /* negative: no time */
    const char *category, *signature; /* "" unless it failed */
};

struct history_measure_in {
    size_t case_index; /* into the run's cases */
    const char *name;
    double value;
};

struct history_run_in {
    const char *recorded_at;     /* RFC 3339, UTC */
    const char *commit, *branch; /* "" when unknown */
    const char *const *meta;     /* further "key=value" facts */
    size_t nmeta;
    double wall_seconds, case_seconds; /* negative: unknown */
    int jobs;                          /* 0: unknown */
    size_t tests, passed, failed, errored, skipped;
    const struct history_case_in *cases;
    size_t ncases;
    const struct history_measure_in *measures;
    size_t nmeasures;
};

/* What a trend report reads back: the last runs, oldest first, and a case × run matrix. */
struct history_run {
    int64_t id;
    char *recorded_at, *commit, *branch;
    double wall_seconds, case_seconds; /* NAN: unknown */
    int jobs;
};

struct history_case {
    int64_t id;
    char *suite, *name, *labels;
    char *category, *signature; /* of its failure in the latest run, or NULL */
};

#define HISTORY_ABSENT 0xff /* the case did not run in that run */

struct history_series {
    uint32_t case_index;
    char *name;
    float *values; /* one per run, NAN where absent */
};

struct history_data {
    struct history_run *runs;
    size_t nruns;
    struct history_case *cases; /* sorted by id */
    size_t ncases;
    uint8_t *outcome; /* [case * nruns + run]: enum outcome or HISTORY_ABSENT */
    float *seconds;   /* [case * nruns + run]: NAN where absent or without time */
    struct history_series *measures;
    size_t nmeasures;
};

/* Opens where (a file path, or a postgresql:// or postgres:// URL), creating or upgrading its
 * schema; waits up to wait_seconds for a lock another recorder holds. Returns 0, or -1 with a
 * message naming the store (its password redacted) in err. */
int history_open(struct history **h, const char *where, double wait_seconds, char *err,
                 size_t errlen);
/* Records one run in one transaction; its id in *run_id. */
int history_record(struct history *h, const struct history_run_in *run, int64_t *run_id, char *err,
                   size_t errlen);
/* Removes every run but the newest keep. *removed: how many went. */
int history_prune(struct history *h, size_t keep, size_t *removed, char *err, size_t errlen);
/* Reads the newest max_runs runs. */
int history_load(struct history *h, size_t max_runs, struct history_data *out, char *err,
                 size_t errlen);
void history_data_free(struct history_data *d);
void history_close(struct history *h);
/* The store as a report may name it: the path, or the URL without its password. */
const char *history_name(const struct history *h);

/* A case's key in the store: a 63-bit hash of its suite and name. */
int64_t history_case_id(const char *suite, const char *name);

#endif
