/* The fault catalogue (fixtures/data/fault-catalogue.json), read and expanded into one entry per
 * injected fault: each kind on each endpoint, and each target-level fault. */
#ifndef ITEST_TEETH_CATALOGUE_H
#define ITEST_TEETH_CATALOGUE_H

#include <stddef.h>

enum teeth_how {
    TEETH_FAULT,     /* a global fault profile on one mock service (itest-mock --faults) */
    TEETH_DOWN,      /* a service (or "postgres") stopped */
    TEETH_SCHEMA,    /* SQL run on the target schema before the cases */
    TEETH_HOLD_POOL, /* every PgBouncer server connection held in an open transaction */
};

struct teeth_entry {
    char *id; /* "task-registry POST /tasks: http_500" */
    enum teeth_how how;
    char *service; /* FAULT and DOWN: the service (DOWN also "postgres") */
    char *faults;  /* FAULT: the --faults file's text, a JSON array */
    char *sql;     /* SCHEMA */
    char **cases;  /* "suite.case" */
    size_t ncases;
    char *category; /* as itest-report names it */
};

struct teeth_catalogue {
    struct teeth_entry *entries;
    size_t n;
    size_t not_applicable; /* kind × endpoint pairs the catalogue rules out, with a reason */
};

/* Reads and expands path. Returns 0, or -1 with "path: where: problem" in err. */
int teeth_catalogue_load(const char *path, struct teeth_catalogue *out, char *err, size_t len);

void teeth_catalogue_free(struct teeth_catalogue *c);

#endif
