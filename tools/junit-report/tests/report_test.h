/* Helpers for itest-report's tests: run the real program, read what it wrote. */
#ifndef REPORT_TEST_H
#define REPORT_TEST_H

#include <cjson/cJSON.h>

#include "itest/suite.h"
#include "shell.h"

/* REPORT_EXE, DATA_DIR (tests/data), WORK_DIR and SCHEMA_PATH come from CMake. */

/* Runs `itest-report ARGS` (ARGS as a shell fragment, run in WORK_DIR) with stderr merged;
 * returns its exit status, the output in *out. */
int report_run(char **out, const char *fmt, ...) ITEST_PRINTF(2, 3);
/* Runs a shell command line, measuring the child's peak RSS in KiB. Returns the exit status. */
int run_measured(const char *cmdline, long *maxrss_kb, char **out);
/* A path under WORK_DIR unique to the running case: "<work>/<case>-<name>" (static buffer of
 * 8 per process, reused in turn). */
const char *work_path(const char *name);
/* Writes text to a file, failing the case when it cannot. */
void write_text(const char *path, const char *text);
/* Parses a JSON file, failing the case (with the parser's position) when it cannot. */
cJSON *read_json(const char *path);
/* The case of that id in a --json report's "cases", or NULL. */
const cJSON *json_case(const cJSON *report, const char *id);
/* A number member of an object (fails the case when missing). */
double json_number(const cJSON *obj, const char *name);

#endif
