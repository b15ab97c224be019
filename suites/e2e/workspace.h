/* The runner's work inside a slot's working tree: writing the files a reply names (confined to
 * the tree, under a size limit), and building and testing the project (bounded in time and
 * output). Nothing here speaks to a service: runner.c decides what each outcome means. */
#ifndef E2E_WORKSPACE_H
#define E2E_WORKSPACE_H

#include "itest/child.h"
#include "itest/code_check.h"

#include <stddef.h>

/* 0 when path names a file inside the tree at root: relative, no empty, "." or ".."
 * component, not below .git, and no component that exists as a symbolic link (a link could
 * lead out). Else 1 with why in err. */
int workspace_confine(const char *root, const char *path, char *err, size_t errlen);

/* Writes each file below root in a child process whose files may grow to size_max bytes at most
 * (RLIMIT_FSIZE, SIGXFSZ ignored so that the write fails instead of killing it), making the
 * directories they need. Returns 0; 1 when a path is not confined (workspace_confine's why, and
 * nothing written); -1 when root is gone, or a write failed or was cut short (the file and the
 * reason in err). */
int workspace_write(const char *root, const struct itest_code_file *files, size_t n,
                    size_t size_max, char *err, size_t errlen);

/* Runs `make` (target NULL) or `make <target>` in root with a time limit and at most output_max
 * bytes of output kept (the rest counted), standard input /dev/null, MAKEFLAGS unset. Returns
 * 0 when make ran (any outcome: see r), or -1 when it could not start (why in err). */
int workspace_make(struct itest_child_result *r, const char *root, const char *target,
                   double timeout_s, size_t output_max, char *err, size_t errlen);

/* The first line of log that starts with "not ok" (a TAP failure: "not ok 3 - spaces_around"),
 * else the first line containing "error:" (a compiler's), else the last line; into buf. */
const char *workspace_first_failure(const char *log, char *buf, size_t len);

#endif
