/* The running instance as other processes see it: the state file (service -> url, port, pid),
 * written atomically once every service accepts connections, and stopping an instance that a
 * state file names (the CTest cleanup fixture, and the next setup after an interrupted run). */
#ifndef MOCK_INSTANCE_H
#define MOCK_INSTANCE_H

#include <stddef.h>

#include "server.h"

/* Writes path atomically (temp file + rename). Returns 0 or -1 after printing why. */
int mock_instance_write(const char *path, const struct mock_service *services, size_t n,
                        const char *data_dir);

/* Stops the itest-mock process path names (SIGTERM, then SIGKILL after timeout_s), removes its
 * data directory and the state file. Returns 1 when one was stopped, 0 when there was nothing to
 * stop (no file, or its process is gone or is not itest-mock), -1 on error. */
int mock_instance_stop(const char *path, double timeout_s, int quiet);

/* Stops the instances that runs which have ended left below root (root/run-<id>/mocks.json: an
 * interrupted ctest run) and removes what they left. Returns how many it stopped. */
int mock_instance_reap_ended(const char *root);

/* True when path names a state file of this very process (so that stopping removes only our
 * own). */
bool mock_instance_is_ours(const char *path);

#endif
