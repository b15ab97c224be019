/* Many workflows: in parallel threads without cross-talk, and 200 in a row with the process's
 * open files and memory flat. */
#include "cases.h"
#include "e2e.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/measure.h"
#include "itest/stats.h"
#include "itest/targets.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PARALLEL_WORKFLOWS 8
#define STRESS_WORKFLOWS 200
#define STRESS_SETTLE 20 /* workflows before the baseline: caches and pools fill */
#define MAX_FD_GROWTH 2
#define MAX_RSS_GROWTH_KB (8 * 1024)
/* Under AddressSanitizer freed memory sits in a quarantine (up to 256 MiB) before it is reused,
 * so resident memory grows without a leak: there LeakSanitizer checks leaks at exit instead. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#else
#define RSS_MEANINGFUL 1
#endif

struct parallel_run {
    pthread_t thread;
    char title[64];
    char prompt[160];
    struct runner_result res;
};

static void *run_one(void *arg)
{
    struct parallel_run *p = arg;
    struct runner_options opt = {.title = p->title, .prompt = p->prompt};
    runner_run(&p->res, &opt);
    return NULL;
}

void e2e_parallel_workflows_no_crosstalk(void **state)
{
    (void)state;
    struct parallel_run runs[PARALLEL_WORKFLOWS];
    memset(runs, 0, sizeof runs);
    int started = 0;
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++) {
        snprintf(runs[i].title, sizeof runs[i].title, "e2e parallel %d", i);
        snprintf(runs[i].prompt, sizeof runs[i].prompt,
                 "Write a C function that counts the words in a string (worker %d).", i);
        if (pthread_create(&runs[i].thread, NULL, run_one, &runs[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(runs[i].thread, NULL);
    itest_check(started == PARALLEL_WORKFLOWS, "only %d of %d threads started", started,
                PARALLEL_WORKFLOWS);
    struct itest_stats *ms = itest_stats_new();
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++)
        itest_stats_add(ms, runs[i].res.total_s * 1000.0);
    itest_measure("workflows", PARALLEL_WORKFLOWS);
    itest_measure("workflow_p50_ms", itest_stats_percentile(ms, 50));
    itest_measure("workflow_max_ms", itest_stats_max(ms));
    itest_stats_free(ms);
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++) {
        /* every workflow agrees with the four systems on its own task ... */
        e2e_verify_succeeded(&runs[i].res);
        /* ... and no two share a task, a slot or an artifact */
        for (int j = 0; j < i; j++)
            itest_check(strcmp(runs[i].res.task_id, runs[j].res.task_id) != 0 &&
                            strcmp(runs[i].res.slot_id, runs[j].res.slot_id) != 0 &&
                            strcmp(runs[i].res.sha256, runs[j].res.sha256) != 0,
                        "workflows %d and %d share a task, slot or artifact (task %s, slot %s)", i,
                        j, runs[i].res.task_id, runs[i].res.slot_id);
    }
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++)
        runner_free(&runs[i].res);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory itself */
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void e2e_stress_200_workflows(void **state)
{
    (void)state;
    struct itest_stats *ms = itest_stats_new();
    int fds0 = -1;
    long rss0 = -1;
    for (int i = 0; i < STRESS_WORKFLOWS; i++) {
        if (i == STRESS_SETTLE) {
            fds0 = open_fds();
            rss0 = rss_kb();
        }
        if (i % 50 == 0)
            itest_progress("workflow %d of %d", i + 1, STRESS_WORKFLOWS);
        char title[64];
        snprintf(title, sizeof title, "e2e stress %d", i);
        struct runner_options opt = {.title = title, .prompt = E2E_PROMPT};
        struct runner_result res;
        runner_run(&res, &opt);
        if (res.failed_step != STEP_NONE)
            itest_stats_free(ms);
        e2e_expect_success(&res);
        itest_stats_add(ms, res.total_s * 1000.0);
        e2e_track(&res);
        runner_free(&res);
    }
    int fds1 = open_fds();
    long rss1 = rss_kb();
    itest_measure("workflows", STRESS_WORKFLOWS);
    itest_measure("workflow_p50_ms", itest_stats_percentile(ms, 50));
    itest_measure("workflow_p95_ms", itest_stats_percentile(ms, 95));
    itest_measure("workflow_p99_ms", itest_stats_percentile(ms, 99));
    itest_measure("open_fds_growth", fds1 - fds0);
    itest_measure("rss_growth_kb", (double)(rss1 - rss0));
    itest_stats_free(ms);
    itest_check(fds0 >= 0 && rss0 > 0, "cannot read /proc/self (fds %d, rss %ld kB)", fds0, rss0);
    itest_check(fds1 - fds0 <= MAX_FD_GROWTH,
                "open file descriptors grew from %d to %d over %d workflows (a leak)", fds0, fds1,
                STRESS_WORKFLOWS - STRESS_SETTLE);
    itest_check(!RSS_MEANINGFUL || rss1 - rss0 <= MAX_RSS_GROWTH_KB,
                "resident memory grew by %ld kB over %d workflows (limit %d kB)", rss1 - rss0,
                STRESS_WORKFLOWS - STRESS_SETTLE, MAX_RSS_GROWTH_KB);
}

/* --- the workspace mode ------------------------------------------------------------------ */

#define WORKSPACE_PROMPT                                                                           \
    "Task for the wordcount library: implement wc_count_words and wc_is_space as "                 \
    "include/wordcount.h declares them (worker %d)."
#define STRESS_TASKS 100
#define STRESS_TASKS_SETTLE 10

static const char *const words_files[] = {"src/space.c", "src/wordcount.c", NULL};

struct workspace_run {
    pthread_t thread;
    char title[64];
    char prompt[200];
    struct runner_result res;
};

static void *run_in_workspace(void *arg)
{
    struct workspace_run *p = arg;
    struct runner_options opt = {.title = p->title, .prompt = p->prompt, .repo = e2e_repo()};
    runner_run(&p->res, &opt);
    return NULL;
}

void e2e_workspace_parallel_no_crosstalk(void **state)
{
    (void)state;
    struct workspace_run runs[PARALLEL_WORKFLOWS];
    memset(runs, 0, sizeof runs);
    int started = 0;
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++) {
        snprintf(runs[i].title, sizeof runs[i].title, "e2e workspace parallel %d", i);
        snprintf(runs[i].prompt, sizeof runs[i].prompt, WORKSPACE_PROMPT, i);
        if (pthread_create(&runs[i].thread, NULL, run_in_workspace, &runs[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(runs[i].thread, NULL);
    itest_check(started == PARALLEL_WORKFLOWS, "only %d of %d threads started", started,
                PARALLEL_WORKFLOWS);
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++) {
        /* each commit holds exactly its two files, on the base, naming its own task ... */
        e2e_verify_committed(&runs[i].res, words_files);
        /* ... and no two share a tree, a branch, a commit or a patch */
        for (int j = 0; j < i; j++)
            itest_check(strcmp(runs[i].res.workspace, runs[j].res.workspace) != 0 &&
                            strcmp(runs[i].res.branch, runs[j].res.branch) != 0 &&
                            strcmp(runs[i].res.commit, runs[j].res.commit) != 0 &&
                            strcmp(runs[i].res.sha256, runs[j].res.sha256) != 0,
                        "tasks %d and %d share a working tree, branch, commit or patch (%s, %s)", i,
                        j, runs[i].res.workspace, runs[i].res.branch);
    }
    for (int i = 0; i < PARALLEL_WORKFLOWS; i++)
        runner_free(&runs[i].res);
}

/* Entries of the pool's directory of working trees (the parent of a slot's directory). */
static int trees_in(const char *workspaces)
{
    DIR *d = opendir(workspaces);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Each step's p50 and p95 in ms, as measurements named <name>_p50_ms and <name>_p95_ms. */
static void measure_step(const char *name, struct itest_stats *s)
{
    char key[64];
    snprintf(key, sizeof key, "%s_p50_ms", name);
    itest_measure(key, itest_stats_percentile(s, 50));
    snprintf(key, sizeof key, "%s_p95_ms", name);
    itest_measure(key, itest_stats_percentile(s, 95));
}

void e2e_workspace_stress_100_tasks(void **state)
{
    (void)state;
    enum { ALLOCATE, BUILD, TEST, PUSH, TOTAL, N_STEPS };
    static const char *const names[N_STEPS] = {"allocate_clone", "build", "test", "push", "task"};
    struct itest_stats *steps[N_STEPS];
    for (int k = 0; k < N_STEPS; k++)
        steps[k] = itest_stats_new();
    int fds0 = -1, trees0 = -1;
    long rss0 = -1;
    char workspaces[1024] = "";
    for (int i = 0; i < STRESS_TASKS; i++) {
        if (i == STRESS_TASKS_SETTLE) {
            fds0 = open_fds();
            rss0 = rss_kb();
            trees0 = trees_in(workspaces);
        }
        if (i % 25 == 0)
            itest_progress("task %d of %d", i + 1, STRESS_TASKS);
        char title[64];
        snprintf(title, sizeof title, "e2e workspace stress %d", i);
        struct runner_options opt = {
            .title = title,
            .prompt = "Task for the wordcount library: implement wc_count_words and wc_is_space.",
            .repo = e2e_repo()};
        struct runner_result res;
        runner_run(&res, &opt);
        if (res.failed_step != STEP_NONE)
            for (int k = 0; k < N_STEPS; k++)
                itest_stats_free(steps[k]);
        e2e_expect_success(&res);
        const double ms[N_STEPS] = {res.allocate_s, res.build_s, res.test_s, res.push_s,
                                    res.total_s};
        for (int k = 0; k < N_STEPS; k++)
            itest_stats_add(steps[k], ms[k] * 1000.0);
        if (!workspaces[0] && itest_service_is_mock(ITEST_REPO_POOL)) {
            /* <data dir>/workspaces/<slot>/<repo>: two levels up */
            snprintf(workspaces, sizeof workspaces, "%s", res.workspace);
            for (int up = 0; up < 2; up++) {
                char *slash = strrchr(workspaces, '/');
                if (slash)
                    *slash = '\0';
            }
        }
        e2e_track(&res);
        runner_free(&res);
    }
    int fds1 = open_fds(), trees1 = trees_in(workspaces);
    /* another suite's slot of the shared pool may hold a tree for a moment */
    for (int wait = 0; wait < 20 && trees1 > trees0; wait++) {
        itest_sleep_s(0.1);
        trees1 = trees_in(workspaces);
    }
    long rss1 = rss_kb();
    itest_measure("tasks", STRESS_TASKS);
    for (int k = 0; k < N_STEPS; k++) {
        measure_step(names[k], steps[k]);
        itest_stats_free(steps[k]);
    }
    itest_measure("open_fds_growth", fds1 - fds0);
    itest_measure("rss_growth_kb", (double)(rss1 - rss0));
    itest_measure("working_trees_left", trees1);
    itest_check(fds0 >= 0 && rss0 > 0, "cannot read /proc/self (fds %d, rss %ld kB)", fds0, rss0);
    itest_check(fds1 - fds0 <= MAX_FD_GROWTH,
                "open file descriptors grew from %d to %d over %d tasks (a leak)", fds0, fds1,
                STRESS_TASKS - STRESS_TASKS_SETTLE);
    itest_check(!RSS_MEANINGFUL || rss1 - rss0 <= MAX_RSS_GROWTH_KB,
                "resident memory grew by %ld kB over %d tasks (limit %d kB)", rss1 - rss0,
                STRESS_TASKS - STRESS_TASKS_SETTLE, MAX_RSS_GROWTH_KB);
    itest_check(trees1 <= trees0,
                "the pool's working trees in %s went from %d to %d over the tasks (each "
                "released slot's tree should go)",
                workspaces, trees0, trees1);
}
