/* The fault catalogue (fixtures/data/fault-catalogue.json), read and expanded into one entry per
 * injected fault: each kind on each endpoint, and each target-level fault. The mutation catalogue
 * (mutations.h) fills the same entries, one per contract mutation. */
#ifndef ITEST_TEETH_CATALOGUE_H
#define ITEST_TEETH_CATALOGUE_H

#include <stddef.h>
#include <cjson/cJSON.h>

enum teeth_how {
    TEETH_FAULT,     /* a global fault profile on one mock service (itest-mock --faults) */
    TEETH_DOWN,      /* a service (or "postgres") stopped */
    TEETH_SCHEMA,    /* SQL run on the target schema before the cases */
    TEETH_HOLD_POOL, /* every PgBouncer server connection held in an open transaction */
    TEETH_MUTATION,  /* a contract clause broken in the mock (itest-mock --mutate) */
    TEETH_GATEWAY,   /* the gateway fixture with a backend faulted or down, or nginx down */
};

struct teeth_entry {
    char *id; /* "task-registry POST /tasks: http_500" */
    enum teeth_how how;
    char *service; /* FAULT and DOWN: the service (DOWN also "postgres"); GATEWAY: the backend,
                      or "nginx" */
    char *faults;  /* FAULT, GATEWAY: the --faults file's text, a JSON array; GATEWAY without:
                      the server is down */
    char *sql;     /* SCHEMA */
    char **cases;  /* "suite.case" */
    size_t ncases;
    char *category; /* as itest-report names it */
    /* MUTATION */
    char *mutation;      /* the mock's name for it */
    char *message;       /* a POSIX extended regex the first line of each failure must match */
    void *message_regex; /* regex_t*, compiled, case-insensitive */
};

/* A catalogue entry not injected, with the reason why (a mutation not observable on the wire). */
struct teeth_ruled_out {
    char *id, *reason;
};

struct teeth_catalogue {
    struct teeth_entry *entries;
    size_t n;
    size_t not_applicable; /* kind × endpoint pairs the catalogue rules out, with a reason */
    struct teeth_ruled_out *ruled_out; /* mutations ruled out, with the reason */
    size_t n_ruled_out;
};

/* Reads and expands path. Returns 0, or -1 with "path: where: problem" in err. */
int teeth_catalogue_load(const char *path, struct teeth_catalogue *out, char *err, size_t len);

void teeth_catalogue_free(struct teeth_catalogue *c);

/* Adds an empty entry to c (zeroed) and returns it. */
struct teeth_entry *teeth_catalogue_add(struct teeth_catalogue *c);
/* Reads "cases": at least one "suite.case" name, into e. Returns 0, or -1 with
 * "path: where: problem" in err. */
int teeth_read_cases(const char *path, const char *where, const cJSON *list, struct teeth_entry *e,
                     char *err, size_t len);

#endif
