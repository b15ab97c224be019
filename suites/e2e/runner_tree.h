/* The runner's workspace mode (runner_tree.c): its work in the slot's git working tree. */
#ifndef E2E_RUNNER_TREE_H
#define E2E_RUNNER_TREE_H

#include "runner.h"

/* Waits until the task after_task ended; fails with STEP_DEPENDENCY unless it succeeded. */
int runner_wait_for_dependency(struct runner_result *res, const struct runner_options *opt);

/* The workspace mode's work between the LLM's reply and the uploads: branch, the reply's
 * files, make, make test, the lease checked, commit, push. */
int runner_work_in_tree(struct runner_result *res, const struct runner_options *opt,
                        const char *reply);

/* The lease on the slot still held (GET /slots lists it); else a [workspace] failure naming
 * when it was found lost. */
int runner_check_lease(struct runner_result *res, const char *when);

#endif
