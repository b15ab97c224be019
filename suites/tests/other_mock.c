/* The self-tests' second mock and suite runner; see other_mock.h. */
#include "other_mock.h"

#include "itest/check.h"
#include "itest/json.h"
#include "shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char state_path[256];
static char url[256];

const char *other_mock_start(const char *args)
{
    snprintf(state_path, sizeof state_path, "%s/other-mock-%ld.json", WORK_DIR, (long)getpid());
    char *out = NULL;
    int rc = shell_run(&out, 30, "'%s' %s --detach --replace --state-file '%s'", MOCK_EXE, args,
                       state_path);
    itest_check(rc == 0, "a second itest-mock did not start (exit %d):\n%s", rc, out);
    free(out);
    return state_path;
}

const char *other_mock_url(const char *service)
{
    char *text = read_file(state_path);
    itest_check(text, "cannot read %s", state_path);
    cJSON *root = itest_json_parse_or_fail(text, strlen(text), state_path);
    char path[128];
    snprintf(path, sizeof path, "services.%s.url", service);
    const char *u = NULL;
    itest_check(itest_json_get_string(&u, root, path) == 0, "%s has no %s", state_path, path);
    snprintf(url, sizeof url, "%s", u);
    cJSON_Delete(root);
    free(text);
    return url;
}

int other_mock_stop(void **state)
{
    (void)state;
    if (state_path[0] && access(state_path, F_OK) == 0) {
        char *out = NULL;
        shell_run(&out, 30, "'%s' --stop --state-file '%s'", MOCK_EXE, state_path);
        free(out);
    }
    return 0;
}

int run_suite(char **out, const char *env, const char *exe, const char *args)
{
    return shell_run(out, 240, "env %s '%s' %s", env, exe, args);
}

void summary_counts(const char *out, const char *suite, int *passed, int *failed, int *skipped)
{
    *passed = *failed = *skipped = -1;
    char head[64];
    snprintf(head, sizeof head, "%s: ", suite);
    const char *at = NULL;
    for (const char *p = strstr(out, head); p; p = strstr(p + 1, head))
        at = p; /* the last one is the summary */
    if (at)
        sscanf(at + strlen(head), "%d passed, %d failed, %d skipped", passed, failed, skipped);
}

int cases_with_label(const char *exe, const char *label, const char **filters)
{
    static char buf[8192];
    char *out = NULL;
    int rc = shell_run(&out, 60, "'%s' --list-properties", exe);
    itest_check(rc == 0, "%s --list-properties failed (%d):\n%s", exe, rc, out);
    size_t used = 0;
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        char *labels = tab ? strstr(tab, "labels=") : NULL;
        if (!labels || !strstr(labels, label))
            continue;
        *tab = '\0';
        used += (size_t)snprintf(buf + used, sizeof buf - used, " --filter '%s'", line);
        n++;
    }
    free(out);
    *filters = buf;
    return n;
}

const char *expect_fault_cases_fail_without_faults(const char *exe, const char *suite, int at_least)
{
    const char *filters;
    int n = cases_with_label(exe, "faults", &filters);
    itest_check(n >= at_least, "only %d %s cases carry the label faults", n, suite);
    char *out = NULL;
    run_suite(&out, "ITEST_MOCK_FAULTS=off", exe, filters);
    int passed, failed, skipped;
    summary_counts(out, suite, &passed, &failed, &skipped);
    itest_check(failed == n,
                "with ITEST_MOCK_FAULTS=off every one of the %d fault cases must fail; %d passed, "
                "%d failed, %d skipped:\n%s",
                n, passed, failed, skipped, out);
    free(out);
    return filters;
}
