/* The runner's workspace mode: a slot's git working tree of the wordcount seed, the reply's
 * files written there, the project's own tests run, a commit pushed on itest/<task>, and the
 * ways that goes wrong: the reply's code, its tests, a hang, dependencies, git and the
 * workspace itself. Each case checks every system the task touched. */
#include "cases.h"
#include "e2e.h"
#include "runner_calls.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/file.h"
#include "itest/git.h"
#include "itest/http.h"
#include "itest/llm_capabilities.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/targets.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The prompts the LLM mock's rules answer (fixtures/data/mock-llm-rules.json). */
#define PROMPT_WORDS                                                                               \
    "Task for the wordcount library: implement wc_count_words and wc_is_space as "                 \
    "include/wordcount.h declares them, so that make test passes."
#define PROMPT_LINES                                                                               \
    "Task for the wordcount library: implement wc_count_lines in include/lines.h and "             \
    "src/lines.c, with its test in tests/test_lines.c."

static const char *const words_files[] = {"src/space.c", "src/wordcount.c", NULL};

int e2e_workspace_setup(void **state)
{
    e2e_setup(state);
    if (!getenv("E2E_REPO") && !itest_service_is_mock(ITEST_REPO_POOL))
        itest_skip("the workspace cases need the pool to serve a repository of the wordcount seed "
                   "(fixtures/data/seeds/wordcount, installed in share/itest/seeds): set "
                   "E2E_REPO to its name in the pool");
    return 0;
}

static struct runner_options task(const char *title, const char *prompt)
{
    return (struct runner_options){.title = title, .prompt = prompt, .repo = e2e_repo()};
}

void e2e_workspace_several_files_pass(void **state)
{
    (void)state;
    struct runner_options opt = task("e2e workspace: two files", PROMPT_WORDS);
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_committed(&res, words_files);
    int passed = res.tests_passed;
    itest_measure("tests_passed", passed);
    itest_measure("allocate_s", res.allocate_s);
    itest_measure("build_s", res.build_s);
    itest_measure("test_s", res.test_s);
    itest_measure("push_s", res.push_s);
    bool logged = res.log && strstr(res.log, "ok ");
    runner_free(&res);
    itest_check(passed >= 5 && logged,
                "the test log holds %d passing tests (the seed has at least 5) and %s", passed,
                logged ? "their lines" : "no \"ok\" line");
}

void e2e_workspace_through_responses(void **state)
{
    (void)state;
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct runner_options opt = task("e2e workspace: through Responses", PROMPT_WORDS);
    opt.llm_api = RUNNER_LLM_RESPONSES;
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_committed(&res, words_files);
    runner_free(&res);
}

void e2e_workspace_implementation_fails(void **state)
{
    (void)state;
    struct runner_options opt =
        task("e2e workspace: does not build", "itest e2e: an implementation that does not build");
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_BUILD, RUNNER_CATEGORY_IMPLEMENTATION);
    bool event = e2e_has_event(res.task_id, "build.failed", "error:");
    bool tests = e2e_has_event(res.task_id, "tests.failed", NULL);
    char failure[512];
    snprintf(failure, sizeof failure, "%s", res.failure);
    runner_free(&res);
    itest_check(event && !tests,
                "registry: an implementation failure posts build.failed with the compiler's error "
                "(%s) and no tests.failed (build.failed %s, tests.failed %s)",
                failure, event ? "posted" : "missing", tests ? "posted" : "absent");
}

void e2e_workspace_tests_fail(void **state)
{
    (void)state;
    struct runner_options opt =
        task("e2e workspace: tests fail", "itest e2e: an implementation whose tests fail");
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_TEST, RUNNER_CATEGORY_TESTS);
    char failure[512];
    snprintf(failure, sizeof failure, "%s", res.failure);
    bool event = e2e_has_event(res.task_id, "tests.failed", "not ok");
    bool build = e2e_has_event(res.task_id, "build.failed", NULL);
    runner_free(&res);
    itest_check(strncmp(failure, "not ok ", 7) == 0 && strstr(failure, " - "),
                "the failure names the failing test as TAP does (\"not ok N - name\"): '%s'",
                failure);
    itest_check(event && !build,
                "registry: a test failure posts tests.failed naming the test and no build.failed "
                "(tests.failed %s, build.failed %s)",
                event ? "posted" : "missing", build ? "posted" : "absent");
}

void e2e_workspace_hang_is_killed(void **state)
{
    (void)state;
    struct runner_options opt =
        task("e2e workspace: hangs", "itest e2e: an implementation that hangs");
    opt.build_timeout_s = 2;
    struct runner_result res;
    double t0 = itest_now_s();
    runner_run(&res, &opt);
    double took = itest_now_s() - t0;
    double test_s = res.test_s;
    e2e_verify_failed(&res, STEP_TEST, "timeout");
    runner_free(&res);
    itest_measure("test_killed_after_s", test_s);
    itest_check(test_s >= 2 && test_s < 4 && took < 15,
                "make test was killed after %.1f s with a 2 s bound (the task took %.1f s)", test_s,
                took);
}

/* A task run on a thread of its own. */
struct threaded {
    pthread_t thread;
    struct runner_options opt;
    struct runner_result res;
};

static void *run_threaded(void *arg)
{
    struct threaded *t = arg;
    runner_run(&t->res, &t->opt);
    return NULL;
}

/* A's hook: starts B, which builds on A, while A holds its slot and has not pushed yet. */
struct dependency {
    char a_id[64];
    struct threaded b;
    int started; /* pthread_create's result, -1 before */
};

static void start_b(void *arg, struct runner_result *a)
{
    struct dependency *d = arg;
    snprintf(d->a_id, sizeof d->a_id, "%s", a->task_id);
    d->b.opt.after_task = d->a_id;
    d->started = pthread_create(&d->b.thread, NULL, run_threaded, &d->b);
    itest_sleep_s(0.3); /* B is waiting on A now */
}

void e2e_workspace_dependency_builds_on_its_branch(void **state)
{
    (void)state;
    struct dependency d = {.b = {.opt = task("e2e workspace: dependency B", PROMPT_LINES)},
                           .started = -1};
    struct runner_options a_opt = task("e2e workspace: dependency A", PROMPT_WORDS);
    a_opt.after_allocate = start_b;
    a_opt.hook_arg = &d;
    struct runner_result a;
    runner_run(&a, &a_opt);
    if (d.started == 0)
        pthread_join(d.b.thread, NULL);
    itest_check(d.started == 0, "no thread for B");
    e2e_verify_committed(&a, words_files);
    static const char *const lines_files[] = {"include/lines.h", "src/lines.c",
                                              "tests/test_lines.c", NULL};
    e2e_verify_committed(&d.b.res, lines_files);
    bool on_a = strcmp(d.b.res.base_commit, a.commit) == 0;
    char a_commit[ITEST_GIT_OID_HEX], b_base[ITEST_GIT_OID_HEX];
    snprintf(a_commit, sizeof a_commit, "%s", a.commit);
    snprintf(b_base, sizeof b_base, "%s", d.b.res.base_commit);
    runner_free(&a);
    runner_free(&d.b.res);
    /* A's commit exists only once A pushed: B built on it, so B waited */
    itest_check(on_a, "B's commit was made on %s, not on A's commit %s", b_base, a_commit);
}

void e2e_workspace_dependency_failed_never_runs(void **state)
{
    (void)state;
    struct runner_options a_opt =
        task("e2e workspace: failing A", "itest e2e: an implementation that does not build");
    struct runner_result a;
    runner_run(&a, &a_opt);
    e2e_verify_failed(&a, STEP_BUILD, RUNNER_CATEGORY_IMPLEMENTATION);
    struct runner_options b_opt = task("e2e workspace: B after a failed A", PROMPT_LINES);
    b_opt.after_task = a.task_id;
    struct runner_result b;
    runner_run(&b, &b_opt);
    e2e_verify_failed(&b, STEP_DEPENDENCY, RUNNER_CATEGORY_DEPENDENCY);
    bool slot = b.slot_id[0] != '\0';
    int llm = b.llm_attempts;
    runner_free(&a);
    runner_free(&b);
    itest_check(!slot && llm == 0,
                "B never ran: it should take no slot and ask no LLM (slot %s, %d LLM attempts)",
                slot ? "taken" : "none", llm);
}

void e2e_workspace_path_outside_fails(void **state)
{
    (void)state;
    static const struct {
        const char *prompt, *escaped;
    } replies[] = {
        {"itest e2e: a reply writing outside the workspace", "../itest-e2e-escaped.c"},
        {"itest e2e: a reply writing to an absolute path", "/tmp/itest-e2e-absolute.c"},
    };
    for (size_t i = 0; i < sizeof replies / sizeof *replies; i++) {
        struct runner_options opt = task("e2e workspace: a path outside", replies[i].prompt);
        struct runner_result res;
        runner_run(&res, &opt);
        char escaped[2048];
        if (replies[i].escaped[0] == '/')
            snprintf(escaped, sizeof escaped, "%s", replies[i].escaped);
        else
            snprintf(escaped, sizeof escaped, "%s/%s", res.workspace, replies[i].escaped);
        e2e_verify_failed(&res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE);
        bool written = access(escaped, F_OK) == 0;
        bool named = strstr(res.error, strrchr(replies[i].escaped, '/') + 1) != NULL;
        char error[1024];
        snprintf(error, sizeof error, "%s", res.error);
        runner_free(&res);
        itest_check(!written, "the reply's %s was written outside the workspace, to %s",
                    replies[i].escaped, escaped);
        itest_check(named, "the failure does not name the reply's path %s: %s", replies[i].escaped,
                    error);
    }
}

void e2e_workspace_reply_names_no_file(void **state)
{
    (void)state;
    struct runner_options opt =
        task("e2e workspace: no file named", "itest e2e: a reply naming no file");
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_VALIDATE, RUNNER_CATEGORY_IMPLEMENTATION);
    bool says = strstr(res.error, "names no file") != NULL;
    runner_free(&res);
    itest_check(says, "the failure should say the reply names no file");
}

/* --- git errors: the hooks break what the runner is about to use ------------------------ */

struct git_hook {
    char dir[64]; /* a scratch directory of the case's */
    char made[ITEST_GIT_OID_HEX];
    char err[1024];
    int rc;
};

/* Moves itest/<task> in the bare repository to a commit of its own, as another runner would. */
static void move_branch(void *arg, struct runner_result *res)
{
    struct git_hook *h = arg;
    char bare[1024], tree[128];
    snprintf(tree, sizeof tree, "%s/other", h->dir);
    static const char *const other[] = {"OTHER", NULL};
    h->rc = -1;
    if (!e2e_bare_path(res, bare, sizeof bare)) {
        snprintf(h->err, sizeof h->err, "the pool's repository %.900s is not local", res->repo_url);
        return;
    }
    char file[192];
    snprintf(file, sizeof file, "%s/OTHER", tree);
    if (itest_git_clone(bare, tree, false, h->err, sizeof h->err) == 0 &&
        itest_git_start_branch(tree, res->branch, "HEAD", h->err, sizeof h->err) == 0 &&
        itest_write_file(file, "another runner\n", 15, h->err, sizeof h->err) == 0 &&
        itest_git_commit(tree, other, 1, "another runner's commit", h->made, h->err,
                         sizeof h->err) == 0 &&
        itest_git_push(tree, res->branch, false, h->err, sizeof h->err) == 0)
        h->rc = 0;
}

static void scratch_dir(struct git_hook *h)
{
    snprintf(h->dir, sizeof h->dir, "/tmp/itest-e2e-hook-XXXXXX");
    itest_check(mkdtemp(h->dir) != NULL, "mkdtemp %s: %s", h->dir, strerror(errno));
}

void e2e_workspace_push_rejected(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct git_hook h = {0};
    scratch_dir(&h);
    struct runner_options opt = task("e2e workspace: push rejected", PROMPT_WORDS);
    opt.before_push = move_branch;
    opt.hook_arg = &h;
    struct runner_result res;
    runner_run(&res, &opt);
    itest_remove_tree(h.dir);
    itest_check(h.rc == 0, "the hook could not move the branch: %s", h.err);
    /* the remote branch is still the other runner's: nothing of the task's was pushed */
    char bare[1024], at[ITEST_GIT_OID_HEX] = "", err[1024];
    e2e_bare_path(&res, bare, sizeof bare);
    int found = itest_git_resolve(bare, res.branch, at, err, sizeof err);
    itest_git_delete_branch(bare, res.branch, err, sizeof err);
    e2e_verify_failed(&res, STEP_GIT, RUNNER_CATEGORY_GIT);
    bool says = strstr(res.error, "pushing") && strstr(res.error, res.branch);
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(found == 0 && strcmp(at, h.made) == 0,
                "git: the refused push left %s at %s, expected the other runner's %s", bare,
                found == 0 ? at : "nothing", h.made);
    itest_check(says, "the failure should name the push and the branch: %s", error);
}

/* Points the slot's tree at a bare copy of its repository, then removes the copy. */
static void lose_repo(void *arg, struct runner_result *res)
{
    struct git_hook *h = arg;
    char copy[128];
    snprintf(copy, sizeof copy, "%s/gone.git", h->dir);
    h->rc = itest_git_clone(res->repo_url, copy, true, h->err, sizeof h->err) == 0 &&
                    itest_git_set_origin(res->workspace, copy, h->err, sizeof h->err) == 0 &&
                    itest_remove_tree(copy) == 0
                ? 0
                : -1;
}

void e2e_workspace_repo_missing(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct git_hook h = {0};
    scratch_dir(&h);
    struct runner_options opt = task("e2e workspace: repository missing", PROMPT_WORDS);
    opt.after_allocate = lose_repo;
    opt.hook_arg = &h;
    struct runner_result res;
    runner_run(&res, &opt);
    itest_remove_tree(h.dir);
    itest_check(h.rc == 0, "the hook could not take the repository away: %s", h.err);
    e2e_verify_failed(&res, STEP_GIT, RUNNER_CATEGORY_GIT);
    bool says = strstr(res.error, "gone.git") != NULL;
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should name the missing repository: %s", error);
}

/* Overwrites the tree's main branch with bytes that are no reference. */
static void corrupt_ref(void *arg, struct runner_result *res)
{
    struct git_hook *h = arg;
    char ref[1200];
    snprintf(ref, sizeof ref, "%s/.git/refs/heads/main", res->workspace);
    h->rc = itest_write_file(ref, "not a commit id\n", 16, h->err, sizeof h->err);
}

void e2e_workspace_corrupt_ref(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct git_hook h = {0};
    struct runner_options opt = task("e2e workspace: corrupt ref", PROMPT_WORDS);
    opt.after_allocate = corrupt_ref;
    opt.hook_arg = &h;
    struct runner_result res;
    runner_run(&res, &opt);
    itest_check(h.rc == 0, "the hook could not corrupt the ref: %s", h.err);
    e2e_verify_failed(&res, STEP_GIT, RUNNER_CATEGORY_GIT);
    bool says = strstr(res.error, res.workspace) != NULL;
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should name the workspace: %s", error);
}

/* --- workspace errors ----------------------------------------------------------------- */

struct immutable_hook {
    char dir[1200];
    int rc; /* 0 set, else errno */
    bool by_mode;
};

/* Makes src/ of the tree unwritable: the immutable flag as root (who ignores modes), else
 * mode 0555. */
static void freeze_src(void *arg, struct runner_result *res)
{
    struct immutable_hook *h = arg;
    snprintf(h->dir, sizeof h->dir, "%s/src", res->workspace);
    if (geteuid() != 0) {
        h->by_mode = true;
        h->rc = chmod(h->dir, 0555) == 0 ? 0 : errno;
        return;
    }
    int fd = open(h->dir, O_RDONLY | O_DIRECTORY);
    int flags = 0;
    if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
        h->rc = errno;
    } else {
        flags |= FS_IMMUTABLE_FL;
        h->rc = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0 ? 0 : errno;
    }
    if (fd >= 0)
        close(fd);
}

static void thaw_src(void *arg, struct runner_result *res)
{
    (void)res;
    struct immutable_hook *h = arg;
    if (h->rc != 0)
        return;
    if (h->by_mode) {
        chmod(h->dir, 0755);
        return;
    }
    int fd = open(h->dir, O_RDONLY | O_DIRECTORY);
    int flags = 0;
    if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
        flags &= ~FS_IMMUTABLE_FL;
        ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    if (fd >= 0)
        close(fd);
}

void e2e_workspace_not_writable(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct immutable_hook h = {0};
    struct runner_options opt = task("e2e workspace: not writable", PROMPT_WORDS);
    opt.after_allocate = freeze_src;
    opt.before_release = thaw_src;
    opt.hook_arg = &h;
    struct runner_result res;
    runner_run(&res, &opt);
    if (h.rc != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", strerror(h.rc));
        runner_free(&res);
        itest_skip("cannot make a directory unwritable here: %s on the pool's data directory "
                   "(as root only the immutable flag stops a write: a file system without "
                   "FS_IOC_SETFLAGS, or no CAP_LINUX_IMMUTABLE)",
                   why);
    }
    e2e_verify_failed(&res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE);
    bool says = strstr(res.error, "src/") != NULL;
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should name the file it could not write: %s", error);
}

void e2e_workspace_file_size_limit(void **state)
{
    (void)state;
    struct runner_options opt = task("e2e workspace: file size limit", PROMPT_WORDS);
    opt.file_size_max = 64;
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE);
    bool says = strstr(res.error, "64-byte file limit") != NULL;
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should name the size limit: %s", error);
}

/* Sleeps past the lease, then looks at the pool as any other client would: the pool frees the
 * expired slot and its tree on that look, so the runner meets a tree that is gone, not one that
 * merely outlived its lease (as under a parallel run, where other cases look all the time). */
static void outlive_lease(void *arg, struct runner_result *res)
{
    (void)arg;
    (void)res;
    itest_sleep_s(2.2);
    char url[URL_MAX];
    runner_url_of(url, ITEST_REPO_POOL, "/slots");
    struct itest_http_response resp;
    itest_http_json(&resp, "GET", url, NULL);
    itest_http_response_free(&resp);
}

void e2e_workspace_slot_expires(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct runner_options opt = task("e2e workspace: slot expires", PROMPT_WORDS);
    opt.slot_ttl_s = 1;
    opt.after_allocate = outlive_lease;
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_WORKSPACE, RUNNER_CATEGORY_WORKSPACE);
    bool says = strstr(res.error, "no longer leased") != NULL;
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should say the lease was lost: %s", error);
}

void e2e_workspace_broken_seed_named(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    struct runner_options opt = task("e2e workspace: a seed that never builds", PROMPT_WORDS);
    opt.repo = "broken-build";
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_BUILD, RUNNER_CATEGORY_WORKSPACE);
    bool says =
        strstr(res.error, "does not build at its base commit") && strstr(res.error, "broken-build");
    bool blamed = e2e_has_event(res.task_id, "build.failed", NULL);
    char error[1024];
    snprintf(error, sizeof error, "%s", res.error);
    runner_free(&res);
    itest_check(says, "the failure should name the repository that does not build: %s", error);
    itest_check(!blamed, "registry: build.failed blames the reply for a repository that never "
                         "built");
}

void e2e_workspace_upload_failure_removes_branch(void **state)
{
    (void)state;
    itest_require_mock(ITEST_ARTIFACT_STORE);
    itest_mock_fault(ITEST_ARTIFACT_STORE,
                     "{\"request\": {\"method\": \"PUT\", \"urlPathPattern\": "
                     "\"/artifacts/e2e/.*/change.patch\"}, \"response\": {\"status\": 500}}");
    struct runner_options opt = task("e2e workspace: upload after the push fails", PROMPT_WORDS);
    struct runner_result res;
    runner_run(&res, &opt);
    bool pushed = res.pushed;
    /* the branch was pushed, then deleted again: no half-done result in the repository */
    e2e_verify_failed(&res, STEP_UPLOAD, "HTTP 5xx");
    runner_free(&res);
    itest_check(pushed, "the failure should come after the push (the case needs it there)");
}
