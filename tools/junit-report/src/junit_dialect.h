/* What the JUnit dialects mean (CTest, cmocka, pytest, GoogleTest, Surefire, jest-junit, mocha,
 * go-junit-report, ours): which elements the reader looks at, how a case's suite, class and name
 * are told apart, which words of a status attribute mean what, which properties carry labels,
 * models and measurements, and how times are written. The reader (junit_parse.c) asks; nothing
 * here parses XML. */
#ifndef REPORT_JUNIT_DIALECT_H
#define REPORT_JUNIT_DIALECT_H

#include <stddef.h>

#include <libxml/xmlstring.h>

#include "model.h"
#include "util.h"

/* What an element is to the reader. */
enum junit_kind {
    K_OTHER,
    K_WRAPPER,
    K_SUITES,
    K_SUITE,
    K_CASE,
    K_PROPERTIES,
    K_PROPERTY,
    K_FAILURE,
    K_ERROR,
    K_SKIPPED,
    K_FLAKY,
    K_RERUN,
    K_OUTPUT,
    K_IGNORED_TEXT,
};

/* The element and attribute names the reader looks for; junit_name_text[] spells them. */
enum junit_name {
    N_TESTSUITES,
    N_TESTSUITE,
    N_TESTCASE,
    N_PROPERTIES,
    N_PROPERTY,
    N_FAILURE,
    N_ERROR,
    N_SKIPPED,
    N_SYSTEM_OUT,
    N_SYSTEM_ERR,
    N_FLAKY_FAILURE,
    N_FLAKY_ERROR,
    N_RERUN_FAILURE,
    N_RERUN_ERROR,
    A_NAME,
    A_CLASSNAME,
    A_TIME,
    A_STATUS,
    A_RESULT,
    A_MESSAGE,
    A_VALUE,
    A_TIMESTAMP,
    N_COUNT
};
extern const char *const junit_name_text[N_COUNT];

/* The kind of element `name` inside an element of kind parent. names[] are the interned names
 * (libxml2's dictionary hands them out, so a pointer comparison decides). */
enum junit_kind junit_kind_of(const xmlChar *const names[N_COUNT], const xmlChar *name,
                              enum junit_kind parent);

/* A case's outcome from its failure, error and skipped elements and its status attribute
 * (CTest: run|fail|notrun|disabled; GoogleTest: run|notrun with result completed|skipped|...). */
enum outcome junit_outcome(int failures, int errors, int skipped, const char *status);

/* The suite, class and name of a case from the innermost named suite, its classname and name
 * attributes, and whether it carried a status attribute (CTest names a case "<suite>.<case>" in
 * both; mocha swaps name and classname; GoogleTest's NonTestSuiteFailure has no name). The
 * results point into the inputs or into scratch. */
void junit_identify(const char *suite, const char *classname, const char *name, int has_status,
                    struct buf *scratch, const char **out_suite, const char **out_classname,
                    const char **out_name);

/* What a <property> carries. */
enum junit_property { P_OTHER, P_LABELS, P_MODEL, P_MEASUREMENT };
/* The property's meaning; for a measurement, *measurement is the name after "measurement.". */
enum junit_property junit_property_kind(const char *name, const char **measurement);

/* Parses a JUnit time: "1.5", "0,013", "1,234.5", "1.234,5", " 2 "; -1 when it is none. */
double junit_parse_time(const char *s, size_t n);

#endif
