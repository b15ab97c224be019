/* The two databases a history store lives in, behind one small interface: statements with
 * text parameters ($1, $2, ... in both dialects) whose rows come back to a callback. The store
 * (history_store.c) writes its SQL once for both. */
#ifndef REPORT_HISTORY_DB_H
#define REPORT_HISTORY_DB_H

#include <stddef.h>
#include <stdint.h>

struct history_row;
/* Called once per row; a non-zero return stops the statement and is returned by exec. */
typedef int (*history_row_fn)(void *ud, const struct history_row *row);

struct history_db_ops {
    const char *id_column;    /* an auto-numbered 64-bit primary key in this dialect */
    const char *clustered;    /* after a CREATE TABLE: rows kept in primary key order */
    const char *begin;        /* a transaction that takes the write lock at once */
    const char *begin_read;   /* a read-only transaction that sees one snapshot */
    const char *migrate_lock; /* run after begin by a migration, so that two never race */
    int batch_rows; /* rows per INSERT: many save PostgreSQL round trips; SQLite is quickest
                       stepping one prepared single-row statement */
    /* params: NULL is SQL NULL. Returns 0, the callback's positive value, -1 with err, or -2
     * with err when the database was busy or the transaction lost a race: rolled back, it may
     * be tried again. */
    int (*exec)(void *db, const char *sql, int nparams, const char *const *params,
                history_row_fn row, void *ud, char *err, size_t errlen);
    const char *(*text)(const struct history_row *row, int col); /* NULL for SQL NULL */
    double (*number)(const struct history_row *row, int col);    /* NAN for SQL NULL */
    int64_t (*integer)(const struct history_row *row, int col);  /* -1 for SQL NULL */
    void (*close)(void *db);
};

struct history_row {
    const struct history_db_ops *ops;
    void *impl;
};

/* Opens an SQLite file, creating it; busy waits up to wait_seconds. NULL with err on failure. */
void *history_sqlite_open(const char *path, double wait_seconds, char *err, size_t errlen);
extern const struct history_db_ops history_sqlite_ops;

/* Connects to a PostgreSQL URL; waits up to wait_seconds for the connection and for locks.
 * NULL with err on failure. */
void *history_pg_open(const char *url, double wait_seconds, char *err, size_t errlen);
extern const struct history_db_ops history_pg_ops;

#endif
