/* The state files the CTest fixtures leave in $ITEST_STATE_DIR (mocks.json, postgres.json,
 * pgbouncer.json): written atomically by the fixture programs, read by the suites and by the next
 * fixture that has to stop what a state file names.
 *
 * Each ctest run has a state directory of its own (<state root>/run-<id>, cmake/ItestRunTime.cmake)
 * owned by the process the fixture programs work for: their parent, ctest. owner.json names it by
 * pid and start time. A directory whose owner has ended is an ended run: the next fixture start
 * stops what it left and removes it. */
#ifndef ITEST_STATE_H
#define ITEST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* Writes root as JSON text to path atomically. Returns 0, or -1 with "path: reason" in err. */
int itest_state_write(const char *path, const cJSON *root, char *err, size_t errlen);

/* Reads and parses path. Returns the JSON (the caller cJSON_Delete()s), or NULL with "path:
 * reason" in err; *missing (when not NULL) says the file does not exist. */
cJSON *itest_state_read(const char *path, int *missing, char *err, size_t errlen);

/* For a suite: reads $ITEST_STATE_DIR/name, which the CTest fixture `fixture` writes. When that
 * directory holds no `name` but run directories (run-*) of live runs below it do, the newest of
 * those: a suite started by hand with the state root finds the fixtures of the ctest run going
 * on. Returns the JSON and its path in path, or NULL with why in err, naming the fixture and
 * `instead` (what the user may set instead, e.g. "DATABASE_URL"). */
cJSON *itest_state_fixture_read(char *path, size_t pathlen, const char *name, const char *fixture,
                                const char *instead, char *err, size_t errlen);

/* Claims dir for the run of this process's parent (ctest): creates dir and writes dir/owner.json
 * unless it names a live owner already. Returns 0, or -1 with why in err. */
int itest_state_claim(const char *dir, char *err, size_t errlen);

/* Gives dir up once the run's fixtures have all stopped: removes owner.json when dir holds no
 * state file any more (the logs stay until the next run removes ended runs). */
void itest_state_release(const char *dir);

/* True while the owner dir/owner.json names still runs; false when it has ended, the file is
 * missing or dir is gone. */
bool itest_state_live(const char *dir);

/* Calls visit(dir, arg) for every run directory below root (root/run-*) whose run has ended, so
 * that it stops what the directory's state files name and removes them; then removes each such
 * directory that holds no state file any more (only owner.json and logs). visit may be NULL. */
void itest_state_reap_ended(const char *root, void (*visit)(const char *dir, void *arg), void *arg);

#endif
