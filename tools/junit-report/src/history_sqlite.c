/* The history store in an SQLite file: write-ahead logging so that readers never wait for a
 * recorder, a busy timeout so that recorders queue for the write lock instead of failing, and
 * the last statements kept prepared (a run's batched inserts repeat the same text). */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_db.h"
#include "lib_load.h"
#include "util.h"

#include "itest/clock.h"

/* SQLite's functions, loaded on first use (lib_load.h) */
#define SQLITE_FUNCTIONS(X)                                                                        \
    X(sqlite3_open_v2)                                                                             \
    X(sqlite3_busy_timeout)                                                                        \
    X(sqlite3_exec)                                                                                \
    X(sqlite3_errmsg)                                                                              \
    X(sqlite3_prepare_v2)                                                                          \
    X(sqlite3_reset)                                                                               \
    X(sqlite3_clear_bindings)                                                                      \
    X(sqlite3_finalize)                                                                            \
    X(sqlite3_bind_text)                                                                           \
    X(sqlite3_bind_null)                                                                           \
    X(sqlite3_step)                                                                                \
    X(sqlite3_column_text)                                                                         \
    X(sqlite3_column_type)                                                                         \
    X(sqlite3_column_double)                                                                       \
    X(sqlite3_column_int64)                                                                        \
    X(sqlite3_close)
#define DECLARE(name) __typeof__(name) *name;
#define NAME(name) #name,
static struct {
    SQLITE_FUNCTIONS(DECLARE)
} lib;
static const char *const lib_names[] = {SQLITE_FUNCTIONS(NAME)};

#define CACHED 8

struct sqlite_db {
    sqlite3 *db;
    char *path;
    double wait_seconds;
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[CACHED];
    size_t next; /* the slot reused next */
};

static void sqlite_error(struct sqlite_db *s, int rc, char *err, size_t errlen)
{
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        snprintf(err, errlen,
                 "%s: the history store is locked by another process (waited %g s; "
                 "--history-wait SECS waits longer)",
                 s->path, s->wait_seconds);
    else
        snprintf(err, errlen, "%s: %s", s->path, lib.sqlite3_errmsg(s->db));
}

/* Runs a script, waiting out a busy database: switching to WAL and a first read of the WAL
 * index can answer SQLITE_BUSY at once, without calling the busy handler, while another
 * connection opens the file. Scripts (pragmas, BEGIN, the migrations) are safe to run again:
 * a busy one did nothing. */
static int script(struct sqlite_db *s, const char *sql)
{
    double deadline = itest_now_s() + s->wait_seconds;
    int rc;
    while ((rc = lib.sqlite3_exec(s->db, sql, NULL, NULL, NULL)) == SQLITE_BUSY &&
           itest_now_s() < deadline)
        itest_sleep_s(0.01);
    return rc;
}

void *history_sqlite_open(const char *path, double wait_seconds, char *err, size_t errlen)
{
    char why[512];
    if (lib_load("libsqlite3.so.0", "libsqlite3-0", lib_names, (void **)&lib,
                 sizeof lib_names / sizeof *lib_names, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    struct sqlite_db *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->wait_seconds = wait_seconds;
    int rc = lib.sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = lib.sqlite3_busy_timeout(s->db, (int)(wait_seconds * 1000.0));
    /* WAL lets a report read while another job records; NORMAL sync is safe under WAL */
    if (rc == SQLITE_OK)
        rc = script(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
    if (rc != SQLITE_OK) {
        if (s->db)
            sqlite_error(s, rc, err, errlen);
        else
            snprintf(err, errlen, "%s: cannot open: out of memory", path);
        history_sqlite_ops.close(s);
        return NULL;
    }
    return s;
}

static sqlite3_stmt *prepared(struct sqlite_db *s, const char *sql, int *rc)
{
    for (size_t i = 0; i < CACHED; i++)
        if (s->cache[i].sql && strcmp(s->cache[i].sql, sql) == 0) {
            lib.sqlite3_reset(s->cache[i].stmt);
            lib.sqlite3_clear_bindings(s->cache[i].stmt);
            return s->cache[i].stmt;
        }
    sqlite3_stmt *stmt = NULL;
    *rc = lib.sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
    if (*rc != SQLITE_OK)
        return NULL;
    size_t slot = s->next++ % CACHED;
    free(s->cache[slot].sql);
    lib.sqlite3_finalize(s->cache[slot].stmt);
    s->cache[slot].sql = xstrdup(sql);
    s->cache[slot].stmt = stmt;
    return stmt;
}

/* -2 (the transaction may be tried again) for a busy or locked database, else -1 */
static int failure(int rc)
{
    rc &= 0xff; /* the primary code of an extended one */
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -2 : -1;
}

static int sqlite_exec(void *db, const char *sql, int nparams, const char *const *params,
                       history_row_fn row, void *ud, char *err, size_t errlen)
{
    struct sqlite_db *s = db;
    int rc = SQLITE_OK;
    /* a script without parameters (the migrations) runs as it is */
    if (nparams == 0 && !row) {
        rc = script(s, sql);
        if (rc != SQLITE_OK) {
            sqlite_error(s, rc, err, errlen);
            return failure(rc);
        }
        return 0;
    }
    sqlite3_stmt *stmt = prepared(s, sql, &rc);
    if (!stmt) {
        sqlite_error(s, rc, err, errlen);
        return failure(rc);
    }
    for (int i = 0; i < nparams; i++) {
        rc = params[i] ? lib.sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC)
                       : lib.sqlite3_bind_null(stmt, i + 1);
        if (rc != SQLITE_OK) {
            sqlite_error(s, rc, err, errlen);
            return -1;
        }
    }
    struct history_row r = {.ops = &history_sqlite_ops, .impl = stmt};
    while ((rc = lib.sqlite3_step(stmt)) == SQLITE_ROW) {
        int stop = row ? row(ud, &r) : 0;
        if (stop) {
            lib.sqlite3_reset(stmt);
            return stop;
        }
    }
    if (rc != SQLITE_DONE) {
        sqlite_error(s, rc, err, errlen);
        lib.sqlite3_reset(stmt);
        return failure(rc);
    }
    lib.sqlite3_reset(stmt);
    return 0;
}

static const char *sqlite_text(const struct history_row *row, int col)
{
    return (const char *)lib.sqlite3_column_text(row->impl, col);
}

static double sqlite_number(const struct history_row *row, int col)
{
    if (lib.sqlite3_column_type(row->impl, col) == SQLITE_NULL)
        return NAN;
    return lib.sqlite3_column_double(row->impl, col);
}

static int64_t sqlite_integer(const struct history_row *row, int col)
{
    if (lib.sqlite3_column_type(row->impl, col) == SQLITE_NULL)
        return -1;
    return lib.sqlite3_column_int64(row->impl, col);
}

static void sqlite_close(void *db)
{
    struct sqlite_db *s = db;
    if (!s)
        return;
    for (size_t i = 0; i < CACHED; i++) {
        free(s->cache[i].sql);
        lib.sqlite3_finalize(s->cache[i].stmt);
    }
    lib.sqlite3_close(s->db);
    free(s->path);
    free(s);
}

const struct history_db_ops history_sqlite_ops = {
    .id_column = "INTEGER PRIMARY KEY",
    .clustered = " WITHOUT ROWID",
    .begin = "BEGIN IMMEDIATE",
    .begin_read = "BEGIN", /* a read transaction reads one snapshot of the WAL */
    .batch_rows = 1,
    .exec = sqlite_exec,
    .text = sqlite_text,
    .number = sqlite_number,
    .integer = sqlite_integer,
    .close = sqlite_close,
};
