/* The report formats. Each writes the whole analysis; the terminal summary is the short one. */
#ifndef REPORT_REPORT_H
#define REPORT_REPORT_H

#include <stdio.h>

#include "analysis.h"
#include "model.h"

struct trends;

#define REPORT_SCHEMA "itest-report/2"
#define MARKDOWN_LIMIT 65000 /* GitHub's step summary takes up to 1 MiB; keep well under */

struct report_context {
    const struct model *m;
    const struct analysis *a;
    const char *title;
    const char *const *facts; /* "name=value" (--fact): the run's commit, host, targets, ... */
    size_t nfacts;
    int markdown_measurements;   /* list the measurements in the Markdown too */
    const struct trends *trends; /* --history: the recorded runs' trends, or NULL */
    const char *history_name;    /* the store, its password redacted */
};

/* The trends section of each format (report_trends.c); nothing without --history. */
void report_trends_text(FILE *f, const struct report_context *r);
void report_trends_markdown(FILE *f, const struct report_context *r);
void report_trends_json(FILE *f, const struct report_context *r); /* a member, then a comma */
void report_trends_html(FILE *f, const struct report_context *r);
/* The run's wall time, case time and parallel efficiency, where the inputs give them. */
void report_run_shape_text(FILE *f, const struct analysis *a);
void report_run_shape_json(FILE *f, const struct analysis *a); /* a member, then a comma */

void report_text(FILE *f, const struct report_context *r);
void report_markdown(FILE *f, const struct report_context *r); /* may exceed the limit */
int report_markdown_file(const char *path, const struct report_context *r); /* truncates */
void report_json(FILE *f, const struct report_context *r);
void report_html(FILE *f, const struct report_context *r);
void report_junit(FILE *f, const struct report_context *r);
void report_csv(FILE *f, const struct report_context *r);

/* Shared by the writers */
const char *report_category(const struct report_context *r, const struct test *t);
void report_test_id(const struct report_context *r, const struct test *t, struct buf *out);
const struct failure *report_failure(const struct report_context *r, const struct test *t);
/* One measurement as a reader wants it: the unit its name ends with split off and the value at
 * sensible precision ("p95_ms", "12.5049" -> "p95 12.5 ms"; "requests", "117" -> "requests
 * 117"). */
void report_measurement(struct buf *out, const char *name, const char *value);
/* The name of a "name=value" fact (its length in *len) and its value. */
const char *report_fact(const char *fact, size_t *len);

#endif
