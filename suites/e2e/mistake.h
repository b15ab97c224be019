/* The runner's deliberate mistakes, for runner-teeth (suites/e2e/runner-teeth): with
 * ITEST_RUNNER_MISTAKE=NAME the runner leaves out one of its handlings, so that the case
 * guarding it can be shown to fail. Unset in every normal run. */
#ifndef E2E_MISTAKE_H
#define E2E_MISTAKE_H

#include <stdbool.h>

/* Whether ITEST_RUNNER_MISTAKE names this mistake. */
bool runner_mistake(const char *name);

#endif
