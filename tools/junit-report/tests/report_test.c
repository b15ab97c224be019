#include "report_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int report_run(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = NULL;
    if (vasprintf(&args, fmt, ap) < 0)
        itest_fail("out of memory");
    va_end(ap);
    int status = shell_run(out, 120, "cd '%s' && '%s' %s", WORK_DIR, REPORT_EXE, args);
    free(args);
    return status;
}

int run_measured(const char *cmdline, long *maxrss_kb, char **out)
{
    char path[] = "/tmp/itest-report-out-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        itest_fail("mkstemp: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        itest_fail("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/bin/sh", "sh", "-c", cmdline, (char *)NULL);
        _exit(127);
    }
    close(fd);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        itest_fail("wait4: %s", strerror(errno));
    *maxrss_kb = ru.ru_maxrss;
    *out = read_file(path);
    unlink(path);
    if (!*out)
        *out = calloc(1, 1);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *work_path(const char *name)
{
    static char paths[8][1024];
    static int next;
    char *p = paths[next++ % 8];
    const char *c = itest_current_case();
    snprintf(p, sizeof paths[0], "%s/%s-%s", WORK_DIR, c ? c : "case", name);
    return p;
}

void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        itest_fail("%s: cannot write: %s", path, strerror(errno));
}

cJSON *read_json(const char *path)
{
    char *text = read_file(path);
    if (!text)
        itest_fail("%s: cannot read: %s", path, strerror(errno));
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        size_t at = end ? (size_t)(end - text) : 0;
        free(text);
        itest_fail("%s: not valid JSON near byte %zu", path, at);
    }
    free(text);
    return j;
}

const cJSON *json_case(const cJSON *report, const char *id)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, "cases"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "id");
        if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
            return c;
    }
    return NULL;
}

double json_number(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v))
        itest_fail("JSON member \"%s\" is missing or not a number", name);
    return v->valuedouble;
}
