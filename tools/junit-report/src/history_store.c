/* The history store: its schema and migrations, recording a run, pruning and reading back.
 * The same SQL serves SQLite and PostgreSQL (history_db.h); only the auto-numbered key, a
 * table kept in its key's order and the locking BEGIN differ: the migrations name the first
 * two {{ID}} and {{CLUSTERED}}. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_db.h"
#include "history_store.h"
#include "strtab.h"
#include "util.h"

#include "itest/clock.h"
#include "itest/redact.h"

/* The schema's migrations, in order; version i + 1 is migrations[i]. A migration once shipped
 * never changes (a store records which it has); a change is a new one. */
static const struct {
    const char *name, *sql;
} migrations[] = {
    {"runs_cases_results_measurements",
     "CREATE TABLE history_runs ("
     " id {{ID}},"
     " recorded_at TEXT NOT NULL,"
     " commit_sha TEXT NOT NULL DEFAULT '',"
     " branch TEXT NOT NULL DEFAULT '',"
     " wall_seconds DOUBLE PRECISION,"
     " case_seconds DOUBLE PRECISION,"
     " jobs INTEGER,"
     " tests INTEGER NOT NULL, passed INTEGER NOT NULL, failed INTEGER NOT NULL,"
     " errored INTEGER NOT NULL, skipped INTEGER NOT NULL);"
     "CREATE TABLE history_run_meta ("
     " run_id BIGINT NOT NULL REFERENCES history_runs (id),"
     " key TEXT NOT NULL, value TEXT NOT NULL,"
     " PRIMARY KEY (run_id, key));"
     "CREATE TABLE history_cases ("
     " id BIGINT PRIMARY KEY,"
     " suite TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '');"
     "CREATE TABLE history_results ("
     " run_id BIGINT NOT NULL REFERENCES history_runs (id),"
     " case_id BIGINT NOT NULL REFERENCES history_cases (id),"
     " outcome SMALLINT NOT NULL,"
     " seconds DOUBLE PRECISION,"
     " category TEXT, signature TEXT,"
     " PRIMARY KEY (run_id, case_id)){{CLUSTERED}};"
     "CREATE TABLE history_measurements ("
     " run_id BIGINT NOT NULL REFERENCES history_runs (id),"
     " case_id BIGINT NOT NULL REFERENCES history_cases (id),"
     " name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,"
     " PRIMARY KEY (run_id, case_id, name)){{CLUSTERED}};"},
};
#define SCHEMA_VERSION (sizeof migrations / sizeof *migrations)

struct history {
    const struct history_db_ops *ops;
    void *db;
    char *name; /* redacted */
    double wait_seconds;
};

/* Runs a transaction (fn), again while it lost a race to another recorder (-2), until
 * --history-wait is up. */
static int retried(struct history *h, int (*fn)(struct history *, void *, char *, size_t),
                   void *arg, char *err, size_t errlen)
{
    double deadline = itest_now_s() + h->wait_seconds, pause = 0.005;
    int rc;
    while ((rc = fn(h, arg, err, errlen)) == -2 && itest_now_s() < deadline) {
        itest_sleep_s(pause);
        pause = pause < 0.1 ? pause * 2 : pause;
    }
    return rc;
}

const char *history_name(const struct history *h)
{
    return h->name;
}

int64_t history_case_id(const char *suite, const char *name)
{
    /* the key is stored: the seed and hash_bytes must never change (units_test pins a value) */
    uint64_t h = hash_bytes(suite, strlen(suite), 0x6974657374ULL);
    h = hash_bytes(name, strlen(name), h);
    return (int64_t)(h >> 1);
}

static int exec(struct history *h, const char *sql, int n, const char *const *params,
                history_row_fn row, void *ud, char *err, size_t errlen)
{
    return h->ops->exec(h->db, sql, n, params, row, ud, err, errlen);
}

static void rollback(struct history *h)
{
    char ignored[256];
    exec(h, "ROLLBACK", 0, NULL, NULL, NULL, ignored, sizeof ignored);
}

static int first_number(void *ud, const struct history_row *row)
{
    *(double *)ud = row->ops->number(row, 0);
    return 0;
}

/* The migrations table, then every migration the store lacks, each in the transaction that
 * records it; a store newer than this program is refused untouched. */
static int migrate(struct history *h, void *unused, char *err, size_t errlen)
{
    (void)unused;
    double have = NAN;
    int rc = exec(h, h->ops->begin, 0, NULL, NULL, NULL, err, errlen);
    if (rc == 0 && h->ops->migrate_lock)
        rc = exec(h, h->ops->migrate_lock, 0, NULL, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h,
                  "CREATE TABLE IF NOT EXISTS history_migrations ("
                  " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                  0, NULL, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h, "SELECT max(version) FROM history_migrations", 0, NULL, first_number, &have,
                  err, errlen);
    size_t version = isnan(have) ? 0 : (size_t)have;
    if (rc == 0 && version > SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "%s: the history store has schema version %zu; this itest-report knows "
                 "versions up to %zu (a newer itest-report wrote it): nothing was written",
                 h->name, version, (size_t)SCHEMA_VERSION);
        rc = -1;
    }
    for (size_t v = version; rc == 0 && v < SCHEMA_VERSION; v++) {
        struct buf sql = {0};
        const char *s = migrations[v].sql, *at;
        while ((at = strstr(s, "{{"))) {
            buf_add(&sql, s, (size_t)(at - s));
            int id = strncmp(at, "{{ID}}", 6) == 0;
            buf_puts(&sql, id ? h->ops->id_column : h->ops->clustered);
            s = at + (id ? 6 : 13);
        }
        buf_puts(&sql, s);
        char number[24], when[32];
        snprintf(number, sizeof number, "%zu", v + 1);
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        const char *params[] = {number, migrations[v].name, when};
        rc = exec(h, sql.data, 0, NULL, NULL, NULL, err, errlen);
        buf_free(&sql);
        if (rc == 0)
            rc = exec(h,
                      "INSERT INTO history_migrations (version, name, applied_at) "
                      "VALUES ($1, $2, $3)",
                      3, params, NULL, NULL, err, errlen);
    }
    if (rc == 0)
        rc = exec(h, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
    if (rc != 0)
        rollback(h);
    return rc;
}

static int is_url(const char *where)
{
    return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

int history_open(struct history **out, const char *where, double wait_seconds, char *err,
                 size_t errlen)
{
    struct history *h = xcalloc(1, sizeof *h);
    if (is_url(where)) {
        h->ops = &history_pg_ops;
        h->db = history_pg_open(where, wait_seconds, err, errlen);
        h->name = itest_redact(where);
    } else {
        h->ops = &history_sqlite_ops;
        h->db = history_sqlite_open(where, wait_seconds, err, errlen);
        h->name = xstrdup(where);
    }
    if (!h->name)
        h->name = xstrdup("(the history store)");
    h->wait_seconds = wait_seconds;
    if (!h->db || retried(h, migrate, NULL, err, errlen) != 0) {
        history_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

void history_close(struct history *h)
{
    if (!h)
        return;
    if (h->db)
        h->ops->close(h->db);
    free(h->name);
    free(h);
}

/* Multi-row inserts of up to the backend's batch_rows (at most BATCH: under both databases'
 * limit on parameters). */
#define BATCH 400

struct batch {
    struct history *h;
    const char *head; /* "INSERT INTO t (a, b) VALUES " */
    const char *tail; /* " ON CONFLICT ..." or "" */
    int columns;
    size_t limit;  /* rows per statement */
    char **values; /* columns * BATCH, owned */
    size_t rows;
};

static void batch_init(struct batch *b, struct history *h, const char *head, const char *tail,
                       int columns)
{
    *b = (struct batch){.h = h, .head = head, .tail = tail, .columns = columns};
    b->limit =
        h->ops->batch_rows > 0 && h->ops->batch_rows < BATCH ? (size_t)h->ops->batch_rows : BATCH;
    b->values = xcalloc((size_t)columns * BATCH, sizeof *b->values);
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->rows * (size_t)b->columns; i++) {
        free(b->values[i]);
        b->values[i] = NULL;
    }
    b->rows = 0;
}

static int batch_flush(struct batch *b, char *err, size_t errlen)
{
    if (b->rows == 0)
        return 0;
    struct buf sql = {0};
    buf_puts(&sql, b->head);
    int p = 1;
    for (size_t r = 0; r < b->rows; r++) {
        buf_puts(&sql, r ? ", (" : "(");
        for (int c = 0; c < b->columns; c++)
            buf_printf(&sql, c ? ", $%d" : "$%d", p++);
        buf_putc(&sql, ')');
    }
    buf_puts(&sql, b->tail);
    int rc = exec(b->h, sql.data, p - 1, (const char *const *)b->values, NULL, NULL, err, errlen);
    buf_free(&sql);
    batch_clear(b);
    return rc;
}

/* Adds one row (columns values, NULL for SQL NULL; copied). */
static int batch_add(struct batch *b, const char *const *row, char *err, size_t errlen)
{
    for (int c = 0; c < b->columns; c++)
        b->values[b->rows * (size_t)b->columns + (size_t)c] = row[c] ? xstrdup(row[c]) : NULL;
    if (++b->rows == b->limit)
        return batch_flush(b, err, errlen);
    return 0;
}

static void batch_free(struct batch *b)
{
    batch_clear(b);
    free(b->values);
}

static char *number_text(char out[40], double v)
{
    snprintf(out, 40, "%.17g", v);
    return out;
}

static int read_id(void *ud, const struct history_row *row)
{
    *(int64_t *)ud = row->ops->integer(row, 0);
    return 0;
}

struct case_key {
    int64_t id;
    size_t index;
};

static int cmp_case_key(const void *a, const void *b)
{
    const struct case_key *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The run's cases, inserted in key order (two recorders lock shared rows in the same order and
 * never deadlock), labels kept current. */
static int record_cases(struct history *h, const struct history_run_in *run,
                        const struct case_key *keys, char *err, size_t errlen)
{
    struct batch b;
    batch_init(&b, h, "INSERT INTO history_cases (id, suite, name, labels) VALUES ",
               " ON CONFLICT (id) DO UPDATE SET labels = excluded.labels", 4);
    int rc = 0;
    for (size_t i = 0; i < run->ncases && rc == 0; i++) {
        /* a run with one case twice (another producer's file) records it once */
        if (i > 0 && keys[i].id == keys[i - 1].id)
            continue;
        const struct history_case_in *c = &run->cases[keys[i].index];
        char id[40];
        snprintf(id, sizeof id, "%lld", (long long)keys[i].id);
        const char *row[] = {id, c->suite, c->name, c->labels ? c->labels : ""};
        rc = batch_add(&b, row, err, errlen);
    }
    if (rc == 0)
        rc = batch_flush(&b, err, errlen);
    batch_free(&b);
    return rc;
}

static int record_results(struct history *h, const struct history_run_in *run, const char *rid,
                          const struct case_key *keys, char *err, size_t errlen)
{
    struct batch b;
    batch_init(&b, h,
               "INSERT INTO history_results (run_id, case_id, outcome, seconds, category, "
               "signature) VALUES ",
               "", 6);
    int rc = 0;
    for (size_t i = 0; i < run->ncases && rc == 0; i++) {
        if (i > 0 && keys[i].id == keys[i - 1].id)
            continue;
        const struct history_case_in *c = &run->cases[keys[i].index];
        char id[40], outcome[8], secs[40];
        snprintf(id, sizeof id, "%lld", (long long)keys[i].id);
        snprintf(outcome, sizeof outcome, "%d", c->outcome);
        const char *row[] = {rid,
                             id,
                             outcome,
                             c->seconds >= 0 ? number_text(secs, c->seconds) : NULL,
                             c->category && *c->category ? c->category : NULL,
                             c->signature && *c->signature ? c->signature : NULL};
        rc = batch_add(&b, row, err, errlen);
    }
    if (rc == 0)
        rc = batch_flush(&b, err, errlen);
    batch_free(&b);
    return rc;
}

static int record_measures(struct history *h, const struct history_run_in *run, const char *rid,
                           char *err, size_t errlen)
{
    struct batch b;
    batch_init(&b, h, "INSERT INTO history_measurements (run_id, case_id, name, value) VALUES ",
               " ON CONFLICT (run_id, case_id, name) DO NOTHING", 4);
    int rc = 0;
    for (size_t i = 0; i < run->nmeasures && rc == 0; i++) {
        const struct history_measure_in *m = &run->measures[i];
        if (!isfinite(m->value) || m->case_index >= run->ncases)
            continue;
        const struct history_case_in *c = &run->cases[m->case_index];
        char id[40], value[40];
        snprintf(id, sizeof id, "%lld", (long long)history_case_id(c->suite, c->name));
        const char *row[] = {rid, id, m->name, number_text(value, m->value)};
        rc = batch_add(&b, row, err, errlen);
    }
    if (rc == 0)
        rc = batch_flush(&b, err, errlen);
    batch_free(&b);
    return rc;
}

static int record_meta(struct history *h, const struct history_run_in *run, const char *rid,
                       char *err, size_t errlen)
{
    struct batch b;
    batch_init(&b, h, "INSERT INTO history_run_meta (run_id, key, value) VALUES ",
               " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value", 3);
    int rc = 0;
    for (size_t i = 0; i < run->nmeta && rc == 0; i++) {
        const char *eq = strchr(run->meta[i], '=');
        if (!eq)
            continue;
        char *key = xstrndup(run->meta[i], (size_t)(eq - run->meta[i]));
        const char *row[] = {rid, key, eq + 1};
        rc = batch_add(&b, row, err, errlen);
        free(key);
        /* one statement may not name the same key twice: PostgreSQL refuses that */
        if (rc == 0)
            rc = batch_flush(&b, err, errlen);
    }
    batch_free(&b);
    return rc;
}

struct record_job {
    const struct history_run_in *run;
    const struct case_key *keys;
    const char *const *params;
    int64_t id;
};

static int record_tx(struct history *h, void *arg, char *err, size_t errlen)
{
    struct record_job *j = arg;
    j->id = -1;
    int rc = exec(h, h->ops->begin, 0, NULL, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h,
                  "INSERT INTO history_runs (recorded_at, commit_sha, branch, wall_seconds, "
                  "case_seconds, jobs, tests, passed, failed, errored, skipped) VALUES ($1, $2, "
                  "$3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                  11, j->params, read_id, &j->id, err, errlen);
    char rid[40];
    snprintf(rid, sizeof rid, "%lld", (long long)j->id);
    if (rc == 0)
        rc = record_cases(h, j->run, j->keys, err, errlen);
    if (rc == 0)
        rc = record_results(h, j->run, rid, j->keys, err, errlen);
    if (rc == 0)
        rc = record_measures(h, j->run, rid, err, errlen);
    if (rc == 0)
        rc = record_meta(h, j->run, rid, err, errlen);
    if (rc == 0)
        rc = exec(h, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
    if (rc != 0)
        rollback(h);
    return rc;
}

int history_record(struct history *h, const struct history_run_in *run, int64_t *run_id, char *err,
                   size_t errlen)
{
    struct case_key *keys = xmalloc((run->ncases + 1) * sizeof *keys);
    for (size_t i = 0; i < run->ncases; i++)
        keys[i] = (struct case_key){history_case_id(run->cases[i].suite, run->cases[i].name), i};
    qsort(keys, run->ncases, sizeof *keys, cmp_case_key);

    char wall[40], sum[40], jobs[16], counts[5][24];
    snprintf(jobs, sizeof jobs, "%d", run->jobs);
    const size_t n[5] = {run->tests, run->passed, run->failed, run->errored, run->skipped};
    for (int i = 0; i < 5; i++)
        snprintf(counts[i], sizeof counts[i], "%zu", n[i]);
    const char *params[] = {run->recorded_at,
                            run->commit ? run->commit : "",
                            run->branch ? run->branch : "",
                            run->wall_seconds >= 0 ? number_text(wall, run->wall_seconds) : NULL,
                            run->case_seconds >= 0 ? number_text(sum, run->case_seconds) : NULL,
                            run->jobs > 0 ? jobs : NULL,
                            counts[0],
                            counts[1],
                            counts[2],
                            counts[3],
                            counts[4]};
    struct record_job job = {.run = run, .keys = keys, .params = params};
    int rc = retried(h, record_tx, &job, err, errlen);
    free(keys);
    if (rc == 0)
        *run_id = job.id;
    return rc == 0 ? 0 : -1;
}

struct prune_job {
    size_t keep, removed;
};

static int prune_tx(struct history *h, void *arg, char *err, size_t errlen)
{
    struct prune_job *j = arg;
    size_t keep = j->keep;
    char k[24];
    snprintf(k, sizeof k, "%zu", keep);
    const char *params[] = {k};
    double before = NAN, after = NAN;
    /* the oldest run kept; every run below it goes, with what refers to it */
    static const char *const steps[] = {
        "DELETE FROM history_measurements WHERE run_id < (SELECT coalesce(min(id), 0) FROM "
        "(SELECT id FROM history_runs ORDER BY id DESC LIMIT $1) AS kept)",
        "DELETE FROM history_results WHERE run_id < (SELECT coalesce(min(id), 0) FROM "
        "(SELECT id FROM history_runs ORDER BY id DESC LIMIT $1) AS kept)",
        "DELETE FROM history_run_meta WHERE run_id < (SELECT coalesce(min(id), 0) FROM "
        "(SELECT id FROM history_runs ORDER BY id DESC LIMIT $1) AS kept)",
        "DELETE FROM history_runs WHERE id < (SELECT coalesce(min(id), 0) FROM "
        "(SELECT id FROM history_runs ORDER BY id DESC LIMIT $1) AS kept)",
        "DELETE FROM history_cases WHERE NOT EXISTS (SELECT 1 FROM history_results r WHERE "
        "r.case_id = history_cases.id)"};
    int rc = exec(h, h->ops->begin, 0, NULL, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h, "SELECT count(*) FROM history_runs", 0, NULL, first_number, &before, err,
                  errlen);
    for (size_t i = 0; i < sizeof steps / sizeof *steps && rc == 0; i++)
        rc = exec(h, steps[i], i < 4 ? 1 : 0, params, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h, "SELECT count(*) FROM history_runs", 0, NULL, first_number, &after, err,
                  errlen);
    if (rc == 0)
        rc = exec(h, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
    else
        rollback(h);
    if (rc == 0)
        j->removed = (size_t)(before - after);
    return rc;
}

int history_prune(struct history *h, size_t keep, size_t *removed, char *err, size_t errlen)
{
    struct prune_job job = {.keep = keep};
    int rc = retried(h, prune_tx, &job, err, errlen);
    *removed = job.removed;
    return rc == 0 ? 0 : -1;
}

/* ---- reading back ---- */

struct loader {
    struct history_data *d;
    size_t cap;
};

static char *dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

static int64_t row_id(const struct history_row *row, int col)
{
    return row->ops->integer(row, col);
}

static int load_run(void *ud, const struct history_row *row)
{
    struct loader *l = ud;
    grow(&l->d->runs, &l->cap, l->d->nruns + 1, sizeof *l->d->runs);
    double jobs = row->ops->number(row, 6);
    l->d->runs[l->d->nruns++] = (struct history_run){
        .id = row->ops->integer(row, 0),
        .recorded_at = dup_or_empty(row->ops->text(row, 1)),
        .commit = dup_or_empty(row->ops->text(row, 2)),
        .branch = dup_or_empty(row->ops->text(row, 3)),
        .wall_seconds = row->ops->number(row, 4),
        .case_seconds = row->ops->number(row, 5),
        .jobs = isnan(jobs) ? 0 : (int)jobs,
    };
    return 0;
}

static int load_case(void *ud, const struct history_row *row)
{
    struct loader *l = ud;
    grow(&l->d->cases, &l->cap, l->d->ncases + 1, sizeof *l->d->cases);
    l->d->cases[l->d->ncases++] = (struct history_case){
        .id = row_id(row, 0),
        .suite = dup_or_empty(row->ops->text(row, 1)),
        .name = dup_or_empty(row->ops->text(row, 2)),
        .labels = dup_or_empty(row->ops->text(row, 3)),
    };
    return 0;
}

/* Index of id in an array sorted by id of n records of size bytes whose first member is their
 * int64_t id (history_case, history_run), or -1. */
static long find_id(const void *base, size_t n, size_t size, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at;
        memcpy(&at, (const char *)base + mid * size, sizeof at);
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t at = 0;
    if (lo < n)
        memcpy(&at, (const char *)base + lo * size, sizeof at);
    return lo < n && at == id ? (long)lo : -1;
}

static long case_index(const struct history_data *d, int64_t id)
{
    return find_id(d->cases, d->ncases, sizeof *d->cases, id);
}

static long run_index(const struct history_data *d, int64_t id)
{
    return find_id(d->runs, d->nruns, sizeof *d->runs, id);
}

static int load_result(void *ud, const struct history_row *row)
{
    struct loader *l = ud;
    struct history_data *d = l->d;
    long r = run_index(d, row_id(row, 0)), c = case_index(d, row_id(row, 1));
    if (r < 0 || c < 0)
        return 0;
    size_t cell = (size_t)c * d->nruns + (size_t)r;
    d->outcome[cell] = (uint8_t)row->ops->number(row, 2);
    d->seconds[cell] = (float)row->ops->number(row, 3);
    return 0;
}

static int load_failure(void *ud, const struct history_row *row)
{
    struct loader *l = ud;
    long c = case_index(l->d, row_id(row, 0));
    if (c < 0)
        return 0;
    struct history_case *hc = &l->d->cases[c];
    free(hc->category);
    free(hc->signature);
    hc->category = dup_or_empty(row->ops->text(row, 1));
    hc->signature = dup_or_empty(row->ops->text(row, 2));
    return 0;
}

static int load_measure(void *ud, const struct history_row *row)
{
    struct loader *l = ud;
    struct history_data *d = l->d;
    long r = run_index(d, row_id(row, 0)), c = case_index(d, row_id(row, 1));
    const char *name = row->ops->text(row, 2);
    if (r < 0 || c < 0 || !name)
        return 0;
    /* rows come ordered by case and name: a new series starts when either changes */
    struct history_series *s = d->nmeasures ? &d->measures[d->nmeasures - 1] : NULL;
    if (!s || s->case_index != (uint32_t)c || strcmp(s->name, name) != 0) {
        grow(&d->measures, &l->cap, d->nmeasures + 1, sizeof *d->measures);
        s = &d->measures[d->nmeasures++];
        s->case_index = (uint32_t)c;
        s->name = xstrdup(name);
        s->values = xmalloc(d->nruns * sizeof *s->values);
        for (size_t i = 0; i < d->nruns; i++)
            s->values[i] = NAN;
    }
    s->values[r] = (float)row->ops->number(row, 3);
    return 0;
}

/* Cases that ran in none of the runs read (older ones the store keeps) leave the matrix. */
static void drop_absent_cases(struct history_data *d)
{
    size_t kept = 0;
    for (size_t c = 0; c < d->ncases; c++) {
        const uint8_t *row = d->outcome + c * d->nruns;
        size_t r = 0;
        while (r < d->nruns && row[r] == HISTORY_ABSENT)
            r++;
        if (r == d->nruns) {
            free(d->cases[c].suite);
            free(d->cases[c].name);
            free(d->cases[c].labels);
            continue;
        }
        if (kept != c) {
            d->cases[kept] = d->cases[c];
            memmove(d->outcome + kept * d->nruns, row, d->nruns);
            memmove(d->seconds + kept * d->nruns, d->seconds + c * d->nruns,
                    d->nruns * sizeof *d->seconds);
        }
        kept++;
    }
    d->ncases = kept;
}

static int cmp_run(const void *a, const void *b)
{
    const struct history_run *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_case(const void *a, const void *b)
{
    const struct history_case *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct load_job {
    size_t max_runs;
    struct history_data *d;
};

static int load_tx(struct history *h, void *arg, char *err, size_t errlen)
{
    struct load_job *j = arg;
    size_t max_runs = j->max_runs;
    struct history_data *d = j->d;
    memset(d, 0, sizeof *d);
    struct loader l = {.d = d};
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", max_runs);
    const char *lp[] = {limit};
    /* one transaction: a recorder committing meanwhile does not tear the picture (SQLite's
     * read snapshot; PostgreSQL's REPEATABLE READ) */
    int rc = exec(h, h->ops->begin_read, 0, NULL, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = exec(h,
                  "SELECT id, recorded_at, commit_sha, branch, wall_seconds, case_seconds, jobs "
                  "FROM history_runs ORDER BY id DESC LIMIT $1",
                  1, lp, load_run, &l, err, errlen);
    if (rc != 0 || d->nruns == 0) {
        if (rc == 0)
            exec(h, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
        else
            rollback(h);
        return rc;
    }
    qsort(d->runs, d->nruns, sizeof *d->runs, cmp_run);
    char first[24], last[24];
    snprintf(first, sizeof first, "%lld", (long long)d->runs[0].id);
    snprintf(last, sizeof last, "%lld", (long long)d->runs[d->nruns - 1].id);
    const char *fp[] = {first}, *latest[] = {last};
    l.cap = 0;
    rc = exec(h, "SELECT id, suite, name, labels FROM history_cases ORDER BY id", 0, NULL,
              load_case, &l, err, errlen);
    if (rc == 0) {
        if (d->ncases)
            qsort(d->cases, d->ncases, sizeof *d->cases, cmp_case);
        size_t cells = d->ncases * d->nruns;
        d->outcome = xmalloc(cells ? cells : 1);
        memset(d->outcome, HISTORY_ABSENT, cells);
        d->seconds = xmalloc((cells ? cells : 1) * sizeof *d->seconds);
        for (size_t i = 0; i < cells; i++)
            d->seconds[i] = NAN;
        rc = exec(h,
                  "SELECT run_id, case_id, outcome, seconds FROM history_results WHERE run_id "
                  ">= $1",
                  1, fp, load_result, &l, err, errlen);
    }
    if (rc == 0)
        drop_absent_cases(d);
    if (rc == 0)
        rc = exec(h,
                  "SELECT case_id, category, signature FROM history_results WHERE run_id = $1 "
                  "AND category IS NOT NULL",
                  1, latest, load_failure, &l, err, errlen);
    l.cap = 0;
    if (rc == 0)
        rc = exec(h,
                  "SELECT run_id, case_id, name, value FROM history_measurements WHERE run_id "
                  ">= $1 ORDER BY case_id, name, run_id",
                  1, fp, load_measure, &l, err, errlen);
    if (rc == 0)
        rc = exec(h, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
    else
        rollback(h);
    if (rc != 0)
        history_data_free(d);
    return rc;
}

int history_load(struct history *h, size_t max_runs, struct history_data *d, char *err,
                 size_t errlen)
{
    struct load_job job = {.max_runs = max_runs, .d = d};
    return retried(h, load_tx, &job, err, errlen) == 0 ? 0 : -1;
}

void history_data_free(struct history_data *d)
{
    for (size_t i = 0; i < d->nruns; i++) {
        free(d->runs[i].recorded_at);
        free(d->runs[i].commit);
        free(d->runs[i].branch);
    }
    for (size_t i = 0; i < d->ncases; i++) {
        free(d->cases[i].suite);
        free(d->cases[i].name);
        free(d->cases[i].labels);
        free(d->cases[i].category);
        free(d->cases[i].signature);
    }
    for (size_t i = 0; i < d->nmeasures; i++) {
        free(d->measures[i].name);
        free(d->measures[i].values);
    }
    free(d->runs);
    free(d->cases);
    free(d->outcome);
    free(d->seconds);
    free(d->measures);
    memset(d, 0, sizeof *d);
}
