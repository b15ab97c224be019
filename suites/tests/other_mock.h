/* Test helper: a second, private itest-mock that plays "a real deployment" for the suites'
 * self-tests (their URL variables point at it, so the suites treat it as real). */
#ifndef SUITES_TESTS_OTHER_MOCK_H
#define SUITES_TESTS_OTHER_MOCK_H

/* Starts itest-mock with args (e.g. "--service llm --api-key k") in the background; returns its
 * state file's path (static), failing the case if it does not come up. */
const char *other_mock_start(const char *args);
/* The URL of service name ("llm", "task-registry", ...) of the mock started last. */
const char *other_mock_url(const char *service);
/* Stops it (safe when none runs). For teardowns. */
int other_mock_stop(void **state);

/* Runs exe with env and args; returns the exit status, output in *out. */
int run_suite(char **out, const char *env, const char *exe, const char *args);
/* The "<suite>: P passed, F failed, S skipped" numbers of a run's output; -1 when missing. */
void summary_counts(const char *out, const char *suite, int *passed, int *failed, int *skipped);
/* How many cases exe lists with label in --list-properties, and their names as --filter
 * arguments (static). */
int cases_with_label(const char *exe, const char *label, const char **filters);

/* Runs exe's cases labelled faults with ITEST_MOCK_FAULTS=off and fails unless every one of
 * them (at least at_least) fails; returns the filters that select them. */
const char *expect_fault_cases_fail_without_faults(const char *exe, const char *suite,
                                                   int at_least);

#endif
