/* What itest-report knows after reading its inputs: one record per distinct test (suite,
 * class, name) with its runs folded in, the failures with their category and signature group,
 * and the measurements. Memory grows with distinct tests and failure groups, not with input
 * size. Inputs are read one after another; a file that has to be read again (see
 * junit_parse.h) is rolled back first. */
#ifndef REPORT_MODEL_H
#define REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "strtab.h"
#include "util.h"

/* Within one file the worst outcome of a test wins, in this order. */
enum outcome { OUT_PASSED, OUT_SKIPPED, OUT_FAILED, OUT_ERRORED, OUT_FLAKY };
const char *outcome_name(enum outcome o);

struct metric_in {
    const char *name, *value;
};

/* One <testcase> as the parser read it; strings belong to the parser. */
struct case_in {
    const char *suite, *classname, *name;
    const char *labels; /* "a;b" or NULL */
    const char *model;  /* from a `model` property, or NULL */
    double seconds;
    int has_time;
    enum outcome outcome;
    int flaky_reruns;  /* Surefire flakyFailure/flakyError elements */
    int error_element; /* the first was an <error>: an exception, not a failed check */
    const char *message, *body, *output; /* failure text: attribute, element text, output tail */
    const char *skip_message;
    const struct metric_in *metrics;
    size_t nmetrics;
};

struct test {
    uint32_t suite, classname, name; /* strtab offsets */
    uint32_t labels, model;          /* interned, 0 = none */
    uint32_t last_file;              /* file index + 1 of the latest run */
    uint32_t failure;                /* index + 1 into failures of the latest failure */
    uint32_t skip_message;           /* offset, 0 = none */
    float seconds;                   /* summed over runs */
    uint16_t runs, flaky_reruns;
    uint8_t seen;         /* outcome bits of the earlier files */
    uint8_t file_outcome; /* outcome in file last_file */
    uint8_t has_time;
    uint8_t final; /* filled by analysis */
};

#define MAX_TESTS ((size_t)1 << 24) /* distinct tests: 16.7 million */

struct failure {
    uint32_t test, group;
    uint32_t message; /* the first line, at most FAILURE_MESSAGE_MAX bytes */
    uint32_t file;    /* file index + 1 */
};
#define FAILURE_MESSAGE_MAX 300

struct group {
    uint32_t signature, example; /* example: the first failure text, at most 1 KB */
    uint32_t count;
    uint16_t category;
};

struct metric {
    uint32_t test, name, value; /* value as written */
};

struct input {
    char *name;
    int error;     /* could not be read or parsed */
    char *message; /* "file:line:column: text" when error */
    size_t cases;
    size_t repaired; /* characters the lenient re-read had to fix */
};

struct undo {
    uint32_t index;
    struct test saved;
};

struct model {
    struct strtab str;
    struct classifier *classifier;
    struct test *tests; /* a reservation (util.h) when the system grants one */
    size_t ntests, captests;
    int tests_reserved;
    uint64_t *test_slots; /* hash << 32 | index + 1: probing never touches a test record */
    size_t ntest_slots;
    struct failure *failures;
    size_t nfailures, capfailures;
    struct group *groups;
    size_t ngroups, capgroups;
    uint32_t *group_slots;
    size_t ngroup_slots;
    struct metric *metrics;
    size_t nmetrics, capmetrics;
    struct input *inputs;
    size_t ninputs, capinputs;
    /* consecutive cases mostly share their suite, class and labels: the last ones interned */
    struct buf last_suite, last_class, last_labels;
    uint32_t last_suite_off, last_class_off, last_labels_off;
    /* plain cases wait here while their hash slot is prefetched (see model.c) */
    struct pending *pending;
    size_t pending_head, npending;
    /* rollback of the file being read */
    size_t mark_tests, mark_failures, mark_groups, mark_metrics;
    struct undo *undo;
    size_t nundo, capundo;
    /* the run's span from the suites' timestamp and time attributes, Unix nanoseconds */
    int64_t span_start, span_end;
    int has_span;
};

void model_init(struct model *m, struct classifier *c);
void model_free(struct model *m);
/* Starts a new input; returns its index. */
size_t model_begin_input(struct model *m, const char *name);
/* Forgets everything the current input added, so that it can be read again. */
void model_rollback_input(struct model *m);
/* Records one test case of the current input. */
void model_add_case(struct model *m, const struct case_in *c);
/* Finishes recording the cases added so far; the readers call it at the end of each input. */
void model_flush(struct model *m);
/* Widens the run's span by a suite that started at timestamp (RFC 3339; without an offset, as
 * CTest and GoogleTest write it, taken as UTC) and took seconds. */
void model_add_span(struct model *m, const char *timestamp, size_t len, double seconds);
/* "suite.class.name" as CTest, GoogleTest and our own suites spell a test. */
void model_full_name(const struct model *m, const struct test *t, struct buf *out);

#endif
