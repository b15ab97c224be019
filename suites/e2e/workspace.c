/* Files written into a working tree, and the project built and tested there; see workspace.h. */
#include "workspace.h"

#include "mistake.h"

#include "itest/file.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH_BYTES 4096

int workspace_confine(const char *root, const char *path, char *err, size_t errlen)
{
    if (!*path || path[0] == '/') {
        snprintf(err, errlen, "%s: %s", path, *path ? "an absolute path" : "an empty path");
        return 1;
    }
    char so_far[PATH_BYTES];
    size_t used = (size_t)snprintf(so_far, sizeof so_far, "%s", root);
    for (const char *c = path; *c;) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        bool dots = (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.');
        if (n == 0 || dots || (c == path && n == 4 && memcmp(c, ".git", 4) == 0)) {
            snprintf(err, errlen, "%s: %s", path,
                     n == 0 ? "an empty path component"
                     : dots ? "a \".\" or \"..\" component: outside the workspace"
                            : "inside the repository's .git");
            return 1;
        }
        if (used + 1 + n >= sizeof so_far) {
            snprintf(err, errlen, "%s: too long", path);
            return 1;
        }
        so_far[used++] = '/';
        memcpy(so_far + used, c, n);
        so_far[used += n] = '\0';
        struct stat st;
        if (lstat(so_far, &st) == 0 && S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "%s: %.*s is a symbolic link: it may lead out of the workspace",
                     path, (int)(c + n - path), path);
            return 1;
        }
        c += n;
        if (*c == '/')
            c++;
    }
    return 0;
}

/* The child's side: every file written, or the first failure written to fd. */
static void write_files(int fd, const char *root, const struct itest_code_file *files, size_t n,
                        size_t size_max)
{
    struct rlimit limit = {(rlim_t)size_max, (rlim_t)size_max};
    signal(SIGXFSZ, SIG_IGN);
    char err[1024] = "";
    if (!runner_mistake("no_size_limit") && setrlimit(RLIMIT_FSIZE, &limit) != 0)
        snprintf(err, sizeof err, "setrlimit(RLIMIT_FSIZE, %zu): %s", size_max, strerror(errno));
    for (size_t i = 0; i < n && !err[0]; i++) {
        char path[PATH_BYTES];
        snprintf(path, sizeof path, "%s/%s", root, files[i].path);
        if (itest_make_parent_dirs(path, err, sizeof err) == 0 &&
            itest_write_file(path, files[i].body, files[i].body_len, err, sizeof err) == 0)
            continue;
        if (strstr(err, strerror(EFBIG))) {
            size_t used = strlen(err);
            snprintf(err + used, sizeof err - used,
                     " (the %zu bytes of %s are over the %zu-byte file limit)", files[i].body_len,
                     files[i].path, size_max);
        }
    }
    if (err[0] && write(fd, err, strlen(err)) < 0)
        _exit(3);
    _exit(err[0] ? 1 : 0);
}

int workspace_write(const char *root, const struct itest_code_file *files, size_t n,
                    size_t size_max, char *err, size_t errlen)
{
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) { /* never made again by the writes */
        snprintf(err, errlen, "%s: the working tree is gone", root);
        return -1;
    }
    for (size_t i = 0; i < n && !runner_mistake("no_confinement"); i++)
        if (workspace_confine(root, files[i].path, err, errlen) != 0)
            return 1;
    int p[2];
    if (pipe(p) != 0) {
        snprintf(err, errlen, "%s: pipe: %s", root, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "%s: fork: %s", root, strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        write_files(p[1], root, files, n, size_max);
    }
    close(p[1]);
    char why[1024];
    size_t got = 0;
    for (ssize_t r; got + 1 < sizeof why && (r = read(p[0], why + got, sizeof why - 1 - got));) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        got += (size_t)r;
    }
    why[got] = '\0';
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!why[0])
        snprintf(why, sizeof why, "the writing process ended with status %d", status);
    snprintf(err, errlen, "%s", why);
    return -1;
}

int workspace_make(struct itest_child_result *r, const char *root, const char *target,
                   double timeout_s, size_t output_max, char *err, size_t errlen)
{
    char *argv[] = {"make", "--no-print-directory", (char *)target, NULL};
    static const char *const env[] = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", NULL};
    struct itest_child c = {.argv = argv,
                            .env = env,
                            .dir = root,
                            .capture = true,
                            .capture_max = output_max,
                            .timeout_s = timeout_s};
    return itest_child_run(r, &c, err, errlen);
}

/* The line of text starting at line, without its newline, into buf. */
static const char *copy_line(const char *line, char *buf, size_t len)
{
    size_t n = strcspn(line, "\n");
    snprintf(buf, len, "%.*s", (int)n, line);
    return buf;
}

const char *workspace_first_failure(const char *log, char *buf, size_t len)
{
    if (!log || !*log) {
        snprintf(buf, len, "(no output)");
        return buf;
    }
    for (const char *l = log; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
        if (strncmp(l, "not ok", 6) == 0)
            return copy_line(l, buf, len);
    for (const char *l = log; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
        if (memmem(l, strcspn(l, "\n"), "error:", 6))
            return copy_line(l, buf, len);
    const char *last = log;
    for (const char *l = log; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
        if (strcspn(l, "\n") > 0)
            last = l;
    return copy_line(last, buf, len);
}
