/* State directories of ctest runs (itest/state.h): claimed for the parent's run, live while it
 * runs, released when their fixtures are gone, reaped when their run has ended, found by a suite
 * started by hand with the state root. */
#include "itest/check.h"
#include "itest/child.h"
#include "itest/file.h"
#include "itest/state.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh state root in the work directory (static). */
static const char *fresh_root(const char *name)
{
    static char root[1100];
    snprintf(root, sizeof root, "%s/state-%s-%d", WORK_DIR, name, (int)getpid());
    itest_remove_tree(root);
    char err[512];
    itest_check(itest_make_dirs(root, 0755, err, sizeof err) == 0, "%s", err);
    return root;
}

static void write_state(const char *dir, const char *name, const char *text)
{
    char path[1300], err[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    itest_check(itest_write_file(path, text, strlen(text), err, sizeof err) == 0, "%s", err);
}

static bool exists(const char *dir, const char *name)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Our parent (ctest, or whoever runs this suite) owns what this process claims. */
static void claimed_directories_live_with_their_owner(void **state)
{
    (void)state;
    const char *root = fresh_root("claim");
    char dir[1200], err[512];
    snprintf(dir, sizeof dir, "%s/run-1", root);
    assert_false(itest_state_live(dir));
    itest_check(itest_state_claim(dir, err, sizeof err) == 0, "%s", err);
    assert_true(itest_state_live(dir));
    itest_check(itest_state_claim(dir, err, sizeof err) == 0, "a second claim: %s", err);
    /* released only once no state file is left */
    write_state(dir, "mocks.json", "{}");
    itest_state_release(dir);
    assert_true(exists(dir, "owner.json"));
    unlink(strcat(strcpy(err, dir), "/mocks.json"));
    itest_state_release(dir);
    assert_false(exists(dir, "owner.json"));
    assert_false(itest_state_live(dir));
}

/* The reaper a fixture program would give: it stops what the state file names (here: nothing to
 * stop) and removes the file. */
static void remove_postgres_state(const char *dir, void *arg)
{
    ++*(int *)arg;
    char path[1300];
    snprintf(path, sizeof path, "%s/postgres.json", dir);
    unlink(path);
}

/* A run directory whose owner has ended is visited, then removed once nothing is left in it; a
 * live run's is left alone. */
static void ended_runs_are_reaped_live_ones_kept(void **state)
{
    (void)state;
    const char *root = fresh_root("reap");
    char ended[1200], live[1200], err[512];
    snprintf(ended, sizeof ended, "%s/run-ended", root);
    snprintf(live, sizeof live, "%s/run-live", root);
    itest_check(itest_state_claim(live, err, sizeof err) == 0, "%s", err);
    write_state(live, "mocks.json", "{}");
    /* the ended run's owner is a process that has exited */
    itest_check(itest_make_dirs(ended, 0755, err, sizeof err) == 0, "%s", err);
    char *argv[] = {"true", NULL};
    struct itest_child c = {.argv = argv};
    pid_t gone;
    int out;
    itest_check(itest_child_start(&gone, &out, &c, err, sizeof err) == 0, "%s", err);
    struct itest_child_result r;
    itest_child_wait(&r, gone, out, 10, 0);
    char owner[128];
    snprintf(owner, sizeof owner, "{\"pid\": %d, \"start\": 1}", (int)gone);
    write_state(ended, "owner.json", owner);
    write_state(ended, "postgres.json", "{}");
    write_state(ended, "mocks.log", "a log");
    /* without a visitor that stops its server, a state file keeps the directory */
    itest_state_reap_ended(root, NULL, NULL);
    assert_true(exists(ended, "postgres.json"));
    int visits = 0;
    itest_state_reap_ended(root, remove_postgres_state, &visits);
    assert_int_equal(visits, 1);              /* the ended run only */
    assert_false(exists(ended, "mocks.log")); /* gone, logs and all */
    assert_true(exists(live, "mocks.json"));
}

/* A suite run by hand with ITEST_STATE_DIR naming the root reads the newest live run's files. */
static void the_root_finds_the_live_run(void **state)
{
    (void)state;
    const char *root = fresh_root("find");
    char older[1200], newer[1200], err[1400], path[1200];
    snprintf(older, sizeof older, "%s/run-20260101-000000-aaaa", root);
    snprintf(newer, sizeof newer, "%s/run-20260102-000000-bbbb", root);
    itest_check(itest_state_claim(older, err, sizeof err) == 0, "%s", err);
    itest_check(itest_state_claim(newer, err, sizeof err) == 0, "%s", err);
    write_state(older, "mocks.json", "{\"which\": \"older\"}");
    write_state(newer, "mocks.json", "{\"which\": \"newer\"}");
    setenv("ITEST_STATE_DIR", root, 1);
    cJSON *j = itest_state_fixture_read(path, sizeof path, "mocks.json", "mocks", "X_URL", err,
                                        sizeof err);
    itest_check(j != NULL, "%s", err);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "which")), "newer");
    cJSON_Delete(j);
    assert_null(itest_state_fixture_read(path, sizeof path, "postgres.json", "postgres",
                                         "DATABASE_URL", err, sizeof err));
    itest_check(strstr(err, "the CTest fixture `postgres` writes it") &&
                    strstr(err, "or set DATABASE_URL"),
                "%s", err);
    unsetenv("ITEST_STATE_DIR");
}

static const struct itest_case cases[] = {
    ITEST_CASE(claimed_directories_live_with_their_owner),
    ITEST_CASE(ended_runs_are_reaped_live_ones_kept),
    ITEST_CASE(the_root_finds_the_live_run),
};

ITEST_SUITE_MAIN(cases)
