/* The runner's workspace mode: its work in the slot's git working tree; see runner.h. */
#include "runner_tree.h"
#include "runner_calls.h"
#include "mistake.h"
#include "workspace.h"

#include "itest/clock.h"
#include "itest/code_check.h"
#include "itest/file.h"
#include "itest/git.h"
#include "itest/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DEPENDENCY_WAIT_S 120.0
#define DEFAULT_BUILD_TIMEOUT_S 60.0
#define DEFAULT_OUTPUT_MAX (256 * 1024)
#define DEFAULT_FILE_SIZE_MAX (1024 * 1024)

static void pause_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int runner_wait_for_dependency(struct runner_result *res, const struct runner_options *opt)
{
    char url[URL_MAX];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks/%s", opt->after_task);
    double budget = opt->dependency_wait_s > 0 ? opt->dependency_wait_s : DEFAULT_DEPENDENCY_WAIT_S;
    double until = itest_now_s() + budget;
    for (;;) {
        cJSON *task = NULL;
        if (runner_call(res, STEP_DEPENDENCY, "GET", url, NULL, 200, -1, &task, NULL) != 0)
            return -1;
        char status[32];
        snprintf(status, sizeof status, "%s",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(task, "status"))
                     ?: "(none)");
        cJSON_Delete(task);
        if (strcmp(status, "succeeded") == 0)
            return 0;
        if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0)
            return runner_fail(res, STEP_DEPENDENCY, RUNNER_CATEGORY_DEPENDENCY,
                               "task %s, which this task builds on, ended %s: this task never ran",
                               opt->after_task, status);
        if (itest_now_s() > until)
            return runner_fail(res, STEP_DEPENDENCY, "timeout",
                               "task %s, which this task builds on, was still %s after %.0f s",
                               opt->after_task, status, budget);
        pause_s(0.1);
    }
}

int runner_check_lease(struct runner_result *res, const char *when)
{
    if (runner_mistake("no_lease_check"))
        return 0;
    char url[URL_MAX];
    runner_url_of(url, ITEST_REPO_POOL, "/slots");
    cJSON *slots = NULL;
    if (runner_call(res, STEP_WORKSPACE, "GET", url, NULL, 200, -1, &slots, NULL) != 0)
        return -1;
    bool held = false;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(slots, "items"))
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "slot_id"));
        held |= id && strcmp(id, res->slot_id) == 0;
    }
    cJSON_Delete(slots);
    if (held)
        return 0;
    return runner_fail(res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE,
                       "slot %s is no longer leased %s (its lease ran out?): its working tree %s "
                       "is not the runner's any more",
                       res->slot_id, when, res->workspace);
}

/* An event the runner posts on its way to a failure; a failed post is a cleanup failure, not
 * the task's. */
static void note(struct runner_result *res, enum runner_step step, const char *type,
                 const char *message)
{
    struct runner_result scratch = {0};
    memcpy(scratch.task_id, res->task_id, sizeof scratch.task_id);
    if (runner_post_event(&scratch, step, type, message) != 0 && !res->cleanup_failed) {
        res->cleanup_failed = true;
        snprintf(res->cleanup_error, sizeof res->cleanup_error, "%s", scratch.error);
    }
}

/* Whether the base commit builds, in a clone of its own (the tree holds the reply's files):
 * tells a repository that never built from a reply that broke it. 1: it builds, 0: it does not
 * (make's first error in why), -1: the check could not run (why). */
static int base_builds(const struct runner_result *res, double timeout_s, char *why, size_t len)
{
    char dir[] = "/tmp/itest-e2e-base-XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(why, len, "mkdtemp: cannot make a directory for the base's build");
        return -1;
    }
    char tree[sizeof dir + 8], err[1024];
    snprintf(tree, sizeof tree, "%s/tree", dir);
    int out = -1;
    struct itest_child_result r = {0};
    if (itest_git_clone(res->workspace, tree, false, err, sizeof err) != 0) {
        snprintf(why, len, "%s", err);
    } else if (workspace_make(&r, tree, NULL, timeout_s, 64 * 1024, err, sizeof err) != 0) {
        snprintf(why, len, "%s", err);
    } else {
        out = itest_child_status(&r) == 0;
        if (!out)
            workspace_first_failure(r.output, why, len);
    }
    itest_child_result_free(&r);
    itest_remove_tree(dir);
    return out;
}

static int count_ok_lines(const char *log)
{
    int n = 0;
    for (const char *l = log; l && *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
        n += strncmp(l, "ok ", 3) == 0;
    return n;
}

/* make, then make test: the build's and the tests' verdicts. */
static int build_and_test(struct runner_result *res, const struct runner_options *opt)
{
    double timeout = opt->build_timeout_s > 0 ? opt->build_timeout_s : DEFAULT_BUILD_TIMEOUT_S;
    if (runner_mistake("no_time_limit"))
        timeout = 20; /* a bound of its own, not the task's */
    size_t output_max = opt->output_max ? opt->output_max : DEFAULT_OUTPUT_MAX;
    char err[1024], said[256];
    struct itest_child_result r = {0};
    double t0 = itest_now_s();
    int rc = workspace_make(&r, res->workspace, NULL, timeout, output_max, err, sizeof err);
    res->build_s = itest_now_s() - t0;
    if (rc != 0)
        return runner_fail(res, STEP_BUILD, "other", "make did not start in %s: %s", res->workspace,
                           err);
    if (r.timed_out) {
        itest_child_result_free(&r);
        note(res, STEP_BUILD, "build.failed", "make hung");
        return runner_fail(res, STEP_BUILD, "timeout",
                           "make in %s hung: killed at its %.0f s limit", res->workspace, timeout);
    }
    if (itest_child_status(&r) != 0) {
        workspace_first_failure(r.output, res->failure, sizeof res->failure);
        itest_child_describe(&r, timeout, said, sizeof said);
        itest_child_result_free(&r);
        char why[512];
        int base = runner_mistake("no_base_check") ? 1 : base_builds(res, timeout, why, sizeof why);
        if (base == 0)
            return runner_fail(res, STEP_BUILD, RUNNER_CATEGORY_WORKSPACE,
                               "the repository %s does not build at its base commit %.12s either "
                               "(%s): the repository is broken, not the reply",
                               res->repo_url, res->base_commit, why);
        note(res, STEP_BUILD, "build.failed", res->failure);
        return runner_fail(res, STEP_BUILD, RUNNER_CATEGORY_IMPLEMENTATION,
                           "the reply's code does not build (%s): %s", said, res->failure);
    }
    itest_child_result_free(&r);

    t0 = itest_now_s();
    rc = workspace_make(&r, res->workspace, runner_mistake("tests_not_run") ? NULL : "test",
                        timeout, output_max, err, sizeof err);
    res->test_s = itest_now_s() - t0;
    if (rc != 0)
        return runner_fail(res, STEP_TEST, "other", "make test did not start in %s: %s",
                           res->workspace, err);
    res->log = r.output; /* the test log, uploaded as it is */
    res->log_size = r.output_len;
    r.output = NULL;
    if (r.output_dropped) {
        char tail[96];
        int n =
            snprintf(tail, sizeof tail, "\n[%zu more bytes of output dropped]\n", r.output_dropped);
        char *grown = realloc(res->log, res->log_size + (size_t)n + 1);
        if (grown) {
            memcpy(grown + res->log_size, tail, (size_t)n + 1);
            res->log = grown;
            res->log_size += (size_t)n;
        }
    }
    res->tests_passed = count_ok_lines(res->log);
    if (r.timed_out) {
        note(res, STEP_TEST, "tests.failed", "make test hung");
        rc = runner_fail(res, STEP_TEST, "timeout",
                         "make test in %s hung: killed at its %.0f s limit after %d tests passed",
                         res->workspace, timeout, res->tests_passed);
    } else if (itest_child_status(&r) != 0) {
        workspace_first_failure(res->log, res->failure, sizeof res->failure);
        note(res, STEP_TEST, "tests.failed", res->failure);
        rc = runner_fail(res, STEP_TEST, RUNNER_CATEGORY_TESTS,
                         "the project's tests fail (make test: %s): %s",
                         itest_child_describe(&r, timeout, said, sizeof said), res->failure);
    }
    itest_child_result_free(&r);
    return rc;
}

/* The branch itest/<task>, on the base: HEAD, or the dependency's pushed branch. */
static int start_branch(struct runner_result *res, const struct runner_options *opt)
{
    char err[1024], base[160] = "HEAD";
    snprintf(res->branch, sizeof res->branch, "itest/%s", res->task_id);
    if (opt->after_task) {
        snprintf(base, sizeof base, "origin/itest/%s", opt->after_task);
        if (itest_git_fetch(res->workspace, err, sizeof err) != 0)
            return runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "%s: %s", res->workspace, err);
    }
    int found = itest_git_resolve(res->workspace, base, res->base_commit, err, sizeof err);
    if (found == 1)
        return runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "%s: the base %s does not resolve",
                           res->workspace, base);
    if (found != 0 ||
        itest_git_start_branch(res->workspace, res->branch, base, err, sizeof err) != 0)
        return runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "%s: %s", res->workspace, err);
    return 0;
}

/* The reply's files, written into the tree: what changed, or a failure. */
static int write_reply(struct runner_result *res, const struct runner_options *opt,
                       const char *reply, char ***changed, size_t *n_changed)
{
    char err[1024];
    struct itest_code_file *files = NULL;
    size_t n = 0;
    if (itest_code_files(reply, &files, &n, err, sizeof err) != 0)
        return runner_fail(res, STEP_VALIDATE, RUNNER_CATEGORY_IMPLEMENTATION, "the reply: %s",
                           err);
    int rc = 0;
    if (n == 0) {
        rc = runner_fail(res, STEP_VALIDATE, RUNNER_CATEGORY_IMPLEMENTATION,
                         "the reply names no file (a fenced block such as ```c path=src/x.c): "
                         "%.200s",
                         reply);
    } else {
        size_t size_max = opt->file_size_max ? opt->file_size_max : DEFAULT_FILE_SIZE_MAX;
        int w = workspace_write(res->workspace, files, n, size_max, err, sizeof err);
        if (w == 1)
            rc = runner_fail(res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE,
                             "the reply names a file outside the workspace: %s", err);
        else if (w != 0)
            rc = runner_fail(res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE,
                             "writing the reply's files into %s: %s", res->workspace, err);
    }
    itest_code_files_free(files, n);
    if (rc == 0 && itest_git_changed(res->workspace, changed, n_changed, err, sizeof err) != 0)
        rc = runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "%s: %s", res->workspace, err);
    if (rc == 0 && *n_changed == 0)
        rc = runner_fail(res, STEP_VALIDATE, RUNNER_CATEGORY_IMPLEMENTATION,
                         "the reply's files change nothing in %s", res->workspace);
    return rc;
}

int runner_work_in_tree(struct runner_result *res, const struct runner_options *opt,
                        const char *reply)
{
    char err[1024];
    char **changed = NULL;
    size_t n_changed = 0;
    /* before the tree is first touched: a pool frees an expired slot's tree whenever it looks,
     * so a lost lease would otherwise show as whatever git error the vanished tree gives */
    int rc = runner_check_lease(res, "before its working tree was touched");
    if (rc == 0)
        rc = start_branch(res, opt);
    if (rc == 0)
        rc = write_reply(res, opt, reply, &changed, &n_changed);
    if (rc == 0)
        rc = build_and_test(res, opt);
    if (rc == 0)
        rc = runner_check_lease(res, "before the commit");
    if (rc == 0) {
        char *message = NULL;
        const char *title = opt->title ? opt->title : "e2e task";
        if (asprintf(&message, "itest: task %s: %s\n\n%s\n", res->task_id, title, opt->prompt) < 0)
            message = NULL;
        double t0 = itest_now_s();
        if (!message)
            rc = runner_fail(res, STEP_GIT, "other", "out of memory");
        else if (itest_git_commit(res->workspace, (const char *const *)changed, n_changed, message,
                                  res->commit, err, sizeof err) != 0)
            rc = runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "committing in %s: %s",
                             res->workspace, err);
        res->commit_s = itest_now_s() - t0;
        free(message);
    }
    if (rc == 0) {
        res->files = changed;
        res->n_files = n_changed;
        changed = NULL;
        if (opt->before_push)
            opt->before_push(opt->hook_arg, res);
        double t0 = itest_now_s();
        if (runner_mistake("force_push")) /* what "+" would do: whatever is there goes */
            itest_git_push(res->workspace, res->branch, true, err, sizeof err);
        if (itest_git_push(res->workspace, res->branch, false, err, sizeof err) != 0)
            rc = runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "pushing %s to %s: %s",
                             res->branch, res->repo_url, err);
        else
            res->pushed = true;
        res->push_s = itest_now_s() - t0;
    }
    itest_git_strings_free(changed);
    return rc;
}
