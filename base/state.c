/* State files of the CTest fixtures; see itest/state.h. */
#include "itest/state.h"

#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/process.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int itest_state_write(const char *path, const cJSON *root, char *err, size_t errlen)
{
    char *text = cJSON_Print(root);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = itest_write_file_atomic(path, text, err, errlen);
    free(text);
    return rc;
}

cJSON *itest_state_read(const char *path, int *missing, char *err, size_t errlen)
{
    if (missing)
        *missing = access(path, F_OK) != 0 && errno == ENOENT;
    return itest_json_load_file(path, 0, NULL, err, errlen);
}

/* When dir/name is missing: dir/run-<id>/name of the newest live run, if any, into path. */
static void newest_live_run(char *path, size_t pathlen, const char *dir, const char *name)
{
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s/run-*/%s", dir, name);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = g.gl_pathc; i-- > 0;) { /* sorted: the newest run last */
        char *run = strdup(g.gl_pathv[i]);
        char *slash = run ? strrchr(run, '/') : NULL;
        if (slash)
            *slash = '\0';
        bool live = slash && itest_state_live(run);
        free(run);
        if (live) {
            snprintf(path, pathlen, "%s", g.gl_pathv[i]);
            break;
        }
    }
    globfree(&g);
}

cJSON *itest_state_fixture_read(char *path, size_t pathlen, const char *name, const char *fixture,
                                const char *instead, char *err, size_t errlen)
{
    const char *dir = getenv("ITEST_STATE_DIR");
    if (!dir || !*dir) {
        snprintf(path, pathlen, "%s", name);
        snprintf(err, errlen,
                 "ITEST_STATE_DIR is not set, so the state file %s of the CTest fixture `%s` "
                 "cannot be found; run the case through ctest, start the embedded default for "
                 "a run by hand with eval \"$(scripts/serve)\", or set %s",
                 name, fixture, instead);
        return NULL;
    }
    snprintf(path, pathlen, "%s/%s", dir, name);
    if (access(path, F_OK) != 0)
        newest_live_run(path, pathlen, dir, name);
    int missing = 0;
    char why[1024];
    cJSON *root = itest_state_read(path, &missing, why, sizeof why);
    if (!root && missing)
        snprintf(err, errlen,
                 "%s: %s; the CTest fixture `%s` writes it: run through ctest, or set %s", path,
                 strerror(ENOENT), fixture, instead);
    else if (!root)
        snprintf(err, errlen, "%s (the state file of the CTest fixture `%s`)", why, fixture);
    return root;
}

/* ---- runs and their owners ---- */

static int owner_of(const char *dir, long long *pid, long long *start)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/owner.json", dir);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, sizeof err);
    int rc = root && itest_json_get_int(pid, root, "pid") == 0 &&
                     itest_json_get_int(start, root, "start") == 0
                 ? 0
                 : -1;
    cJSON_Delete(root);
    return rc;
}

bool itest_state_live(const char *dir)
{
    long long pid, start;
    if (owner_of(dir, &pid, &start) != 0 || pid < 2)
        return false;
    return itest_process_alive((pid_t)pid) &&
           itest_process_start_time((pid_t)pid) == (uint64_t)start;
}

/* dir/owner.json naming this process's parent. */
static int write_owner(const char *dir, char *err, size_t errlen)
{
    pid_t parent = getppid();
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "pid", (double)parent);
    cJSON_AddNumberToObject(root, "start", (double)itest_process_start_time(parent));
    char path[4200];
    snprintf(path, sizeof path, "%s/owner.json", dir);
    int rc = itest_state_write(path, root, err, errlen);
    cJSON_Delete(root);
    return rc;
}

int itest_state_claim(const char *dir, char *err, size_t errlen)
{
    if (itest_state_live(dir))
        return 0;
    if (itest_make_parent_dirs(dir, err, errlen) != 0)
        return -1;
    /* A new run directory appears whole, owner included (renamed into place), so that a fixture
     * of another run reaping ended runs never sees it without its owner. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.claim-%d", dir, (int)getpid());
    itest_remove_tree(tmp);
    if (mkdir(tmp, 0755) == 0 && write_owner(tmp, err, errlen) == 0 && rename(tmp, dir) == 0)
        return 0;
    itest_remove_tree(tmp);
    /* it exists: claimed meanwhile by a fixture of the same run, or left by an ended one */
    if (itest_make_dirs(dir, 0755, err, errlen) != 0)
        return -1;
    return itest_state_live(dir) ? 0 : write_owner(dir, err, errlen);
}

/* True when dir holds a state file (*.json other than owner.json). */
static bool holds_state(const char *dir)
{
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s/*.json", dir);
    glob_t g;
    bool any = false;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc && !any; i++) {
            const char *base = strrchr(g.gl_pathv[i], '/');
            any = strcmp(base ? base + 1 : g.gl_pathv[i], "owner.json") != 0;
        }
        globfree(&g);
    }
    return any;
}

void itest_state_release(const char *dir)
{
    if (holds_state(dir))
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/owner.json", dir);
    unlink(path);
}

void itest_state_reap_ended(const char *root, void (*visit)(const char *dir, void *arg), void *arg)
{
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s/run-*", root);
    glob_t g;
    if (glob(pattern, GLOB_ONLYDIR, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *dir = g.gl_pathv[i];
        if (strstr(dir, ".claim-") || itest_state_live(dir))
            continue; /* one being made, or one whose run goes on */
        if (visit)
            visit(dir, arg);
        if (!holds_state(dir))
            itest_remove_tree(dir);
    }
    globfree(&g);
}
