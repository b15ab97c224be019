/* A reading session of the JUnit reader (private to junit_parse.c and junit_session.c): what
 * the SAX events have built so far (the suites open, the case being read, its failure, output
 * and measurements) and the first error. junit_session.c turns libxml2's events into cases of
 * the model; junit_parse.c drives the readings. */
#ifndef REPORT_JUNIT_SESSION_H
#define REPORT_JUNIT_SESSION_H

#include <stddef.h>

#include <libxml/parser.h>

#include "case_pipe.h"
#include "dart.h"
#include "junit_dialect.h"
#include "model.h"
#include "util.h"

#define CHUNK (128u * 1024)
#define MAX_DEPTH 256 /* libxml2's own limit when it builds trees; SAX has none */
#define MAX_SUITES 64
#define BODY_MAX 4096    /* head of a failure text kept for categories and the example */
#define OUTPUT_KEEP 2048 /* tail of a case's output kept for cases without failure text */
#define WRAPPER "<itest-report-input>"
#define PIPE_FROM (4u << 20) /* inputs larger than this use a second thread */

struct suite_frame {
    struct buf name, labels, model;
    size_t nmetrics; /* suite-level measurement properties, kept in metric_names/values */
};

struct named_value {
    struct buf name, value;
};

struct session {
    struct model *m;
    struct case_pipe *pipe; /* large inputs: cases go to a second thread */
    xmlParserCtxtPtr ctxt;
    const xmlChar *names[N_COUNT];
    const char *name;
    int wrapped;
    size_t wrap_at; /* byte offset on line 1 where the wrapper went in */

    int depth;
    enum junit_kind kinds[MAX_DEPTH];
    int lines[MAX_DEPTH];
    char root[64];
    int saw_junit;

    struct suite_frame suites[MAX_SUITES];
    int nsuites;
    struct named_value suite_metrics[32];
    size_t nsuite_metrics;

    int in_case;
    struct buf name_, classname, labels, model, message, body, output, skip, status;
    double seconds;
    int has_time, failures, errors, skipped, flaky, body_done, first_is_error;
    struct named_value metrics[32];
    size_t nmetrics;
    struct dart_scan dart;

    struct buf prop_name, prop_value;
    int prop_has_value, prop_in_case;

    int failed; /* an error was recorded */
    int err_line, err_col, err_code;
    char err[400];
};

/* Records the first error (line, column, libxml2's code or our own negative one) and stops the
 * parser. */
void junit_session_fail(struct session *p, int line, int col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The SAX2 handlers, with p as their context. */
xmlSAXHandler junit_session_handler(void);
/* Ready for another reading of the same input. */
void junit_session_reset(struct session *p);
void junit_session_free(struct session *p);

#endif
