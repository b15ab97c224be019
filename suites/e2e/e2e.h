/* What the e2e suite's cases share: checking that the four systems agree on a runner's result,
 * and giving back what successful workflows left (their rows and artifacts) after each case. */
#ifndef E2E_H
#define E2E_H

#include "runner.h"

#include "itest/check.h"

/* A prompt the LLM answers with C code (the mock's rule matches it). */
#define E2E_PROMPT "Write a C function that counts the words in a string."

/* Fails the case with the runner's failure unless the workflow succeeded. */
#define e2e_expect_success(res) e2e_expect_success_at(__FILE__, __LINE__, res)
void e2e_expect_success_at(const char *file, int line, struct runner_result *res);

/* The four systems agree on a success: the registry's task succeeded with its events and
 * artifact record, the store holds the exact bytes with their sha256, the database has the
 * task, the LLM call and the artifact, and the slot is back in the pool. */
#define e2e_verify_succeeded(res) e2e_verify_succeeded_at(__FILE__, __LINE__, res)
void e2e_verify_succeeded_at(const char *file, int line, struct runner_result *res);

/* The runner failed at step with category, and left nothing half-done: the task failed (or
 * cancelled) with a task.failed event naming the step and category, no artifact, no database
 * row, no slot; in the workspace mode also no branch itest/<task> in the bare repository and
 * the slot's working tree gone. */
#define e2e_verify_failed(res, step, category)                                                     \
    e2e_verify_failed_at(__FILE__, __LINE__, res, step, category)
void e2e_verify_failed_at(const char *file, int line, struct runner_result *res,
                          enum runner_step step, const char *category);

/* The workspace mode's success on every system: the registry's task succeeded with the events
 * task.started, tests.passed, commit.pushed, artifact.uploaded (patch, then log) and
 * task.succeeded and both artifacts recorded; the store holds the patch (naming the commit) and
 * the test log byte for byte; the database the commit row and both artifact rows; the bare
 * repository's branch itest/<task> is the commit, whose parent is the base and which changes
 * exactly files (sorted, NULL-terminated); the slot is free and its working tree gone. */
#define e2e_verify_committed(res, files) e2e_verify_committed_at(__FILE__, __LINE__, res, files)
void e2e_verify_committed_at(const char *file, int line, struct runner_result *res,
                             const char *const *files);

/* The task's registry events include one of type whose message contains message_part (NULL:
 * any message). */
bool e2e_has_event(const char *task_id, const char *type, const char *message_part);

/* The repository the workspace cases ask the pool for: E2E_REPO, else "wordcount" (the
 * fixture's seed). */
const char *e2e_repo(void);

/* Setup of the workspace cases: e2e_setup's, and against a real pool a skip unless E2E_REPO
 * names its repository of the wordcount seed. */
int e2e_workspace_setup(void **state);

/* The bare repository the slot's repo URL names (file:// or a path), into buf; NULL when it is
 * not on this machine. */
const char *e2e_bare_path(const struct runner_result *res, char *buf, size_t len);

/* Remembers a successful workflow's task for the teardown to remove its rows and artifact.
 * Thread-safe. */
void e2e_track(const struct runner_result *res);

/* Setup of every case: with E2E_LLM_API=responses, skips unless the LLM target offers the
 * Responses API (LLM_PROFILE says). */
int e2e_setup(void **state);

/* Teardown of every case: removes tracked rows and artifacts, clears the case's mock faults. */
int e2e_teardown(void **state);

#endif
