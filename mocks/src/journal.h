/* The request journal: a bounded ring of the last requests a service received (WireMock's
 * "request journal"), searchable by method, path and scope. Memory is fixed at creation. */
#ifndef MOCK_JOURNAL_H
#define MOCK_JOURNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define MOCK_JOURNAL_BODY_BYTES 512

struct mock_journal_entry {
    uint64_t id; /* set by mock_journal_add */
    uint64_t wall_ns;
    char method[12];
    char path[256];
    char scope[128];      /* "" when the request carried no X-Itest-Scope */
    char request_id[128]; /* the X-Request-Id it carried, or "": a gateway passes it on */
    int status;           /* 0 when the connection was closed without a response */
    char fault[40];       /* the fault obeyed, or "" */
    uint64_t fault_id;
    double delay_ms;
    double duration_ms;
    uint64_t body_size;
    uint16_t body_len; /* bytes kept of the body */
    char body[MOCK_JOURNAL_BODY_BYTES];
};

struct mock_journal_query {
    const char *method;  /* NULL: any */
    const char *path;    /* exact path, or NULL */
    regex_t *path_regex; /* whole-path match, or NULL */
    const char *scope;   /* NULL: any; "" only unscoped requests */
};

struct mock_journal;

struct mock_journal *mock_journal_new(size_t capacity);
void mock_journal_free(struct mock_journal *j);
void mock_journal_add(struct mock_journal *j, struct mock_journal_entry *e);
/* Matching entries, oldest first, at most limit (0: all kept) as {"requests": [...], "meta":
 * {"total": received ever, "kept": in the ring, "capacity": N}}. */
cJSON *mock_journal_find(struct mock_journal *j, const struct mock_journal_query *q, size_t limit);
size_t mock_journal_count(struct mock_journal *j, const struct mock_journal_query *q);
/* Forgets the entries of one scope, or all when scope is NULL. Returns how many. */
size_t mock_journal_clear(struct mock_journal *j, const char *scope);

#endif
