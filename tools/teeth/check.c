#include "check.h"

#include "run.h"

#include "itest/json_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct teeth_suite *teeth_suite_of(const struct teeth_suite *suites, size_t n, const char *id)
{
    const char *dot = strchr(id, '.');
    for (size_t i = 0; dot && i < n; i++)
        if (strlen(suites[i].name) == (size_t)(dot - id) &&
            strncmp(suites[i].name, id, (size_t)(dot - id)) == 0)
            return &suites[i];
    return NULL;
}

static char *first_line(const char *text)
{
    if (!text || !*text)
        return NULL;
    while (*text == '\n' || *text == ' ')
        text++;
    size_t n = strcspn(text, "\n");
    return strndup(text, n > 300 ? 300 : n);
}

static void add_result(struct teeth_outcome *o, const char *id, const cJSON *c)
{
    o->cases = realloc(o->cases, (o->n + 1) * sizeof *o->cases);
    struct teeth_case_result *r = &o->cases[o->n++];
    r->id = strdup(id);
    const char *outcome = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "outcome"));
    const char *category = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "category"));
    r->outcome = strdup(outcome ? outcome : "missing");
    r->category = category ? strdup(category) : NULL;
    r->message = first_line(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "message")));
}

/* Runs one suite (filters may be NULL: every case); its JUnit goes to dir/<suite>.xml. */
static int run_suite(const struct teeth_suite *s, const char *dir, char *const *filters,
                     size_t nfilters, char *const env[], struct teeth_outcome *out)
{
    char junit[4200], log[4200], state[4300];
    snprintf(junit, sizeof junit, "%s/%s.xml", dir, s->name);
    snprintf(log, sizeof log, "%s/run.log", dir);
    snprintf(state, sizeof state, "ITEST_STATE_DIR=%s", dir);
    unlink(junit);
    size_t nenv = 0;
    while (env && env[nenv])
        nenv++;
    char **full_env = calloc(nenv + 2, sizeof *full_env);
    full_env[0] = state;
    for (size_t i = 0; i < nenv; i++)
        full_env[i + 1] = env[i];
    char **argv = calloc(2 * nfilters + 4, sizeof *argv);
    size_t n = 0;
    argv[n++] = (char *)s->exe;
    for (size_t i = 0; i < nfilters; i++) {
        argv[n++] = "--filter";
        argv[n++] = filters[i];
    }
    argv[n++] = "--junit";
    argv[n++] = junit;
    char why[128];
    int rc = teeth_run(argv, full_env, log, 900, why, sizeof why);
    free(argv);
    free(full_env);
    if (rc == 0 || rc == 1 || rc == 77)
        return 0;
    snprintf(out->problem, sizeof out->problem, "suite %s %s (its output: %.300s)", s->name, why,
             log);
    out->broken = true;
    return -1;
}

/* itest-report over the suites' JUnit files; the tree of its JSON report, or NULL. */
static cJSON *classify(const struct teeth_tools *t, const struct teeth_suite *suites,
                       size_t nsuites, const bool *ran, const char *dir, struct teeth_outcome *out)
{
    char json[4200], log[4200];
    snprintf(json, sizeof json, "%s/report.json", dir);
    snprintf(log, sizeof log, "%s/report.log", dir);
    unlink(json);
    char **argv = calloc(nsuites + 8, sizeof *argv);
    char **files = calloc(nsuites, sizeof *files);
    size_t n = 0;
    argv[n++] = (char *)t->report;
    argv[n++] = "--quiet";
    argv[n++] = "--fail-on";
    argv[n++] = "never";
    argv[n++] = "--json";
    argv[n++] = json;
    for (size_t i = 0; i < nsuites; i++)
        if (ran[i] && asprintf(&files[i], "%s/%s.xml", dir, suites[i].name) >= 0)
            argv[n++] = files[i];
    char why[128];
    int rc = teeth_run(argv, NULL, log, 120, why, sizeof why);
    for (size_t i = 0; i < nsuites; i++)
        free(files[i]);
    free(files);
    free(argv);
    char err[4400];
    cJSON *root = rc == 0 ? itest_json_load_file(json, 0, NULL, err, sizeof err) : NULL;
    if (!root) {
        snprintf(out->problem, sizeof out->problem,
                 "itest-report %s on the run's JUnit (see %.300s)", why, log);
        out->broken = true;
    }
    return root;
}

static const cJSON *find_case(const cJSON *report, const char *id)
{
    const char *dot = strchr(id, '.');
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, "cases"))
    {
        const char *suite = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "suite"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "case"));
        if (suite && name && strlen(suite) == (size_t)(dot - id) &&
            strncmp(suite, id, (size_t)(dot - id)) == 0 && strcmp(name, dot + 1) == 0)
            return c;
    }
    return NULL;
}

/* Runs the suites (with cases NULL, every case of each; else only the suites and cases named)
 * and classifies their JUnit: the report's tree, or NULL with out->problem set. */
static cJSON *run_and_classify(const struct teeth_tools *t, const struct teeth_suite *suites,
                               size_t nsuites, const char *dir, char *const *cases, size_t ncases,
                               char *const env[], struct teeth_outcome *out)
{
    memset(out, 0, sizeof *out);
    bool *ran = calloc(nsuites, sizeof *ran);
    char **filters = calloc(ncases + 1, sizeof *filters);
    int rc = 0;
    for (size_t s = 0; rc == 0 && s < nsuites; s++) {
        size_t n = 0;
        for (size_t i = 0; cases && i < ncases; i++)
            if (teeth_suite_of(suites, nsuites, cases[i]) == &suites[s])
                filters[n++] = strchr(cases[i], '.') + 1;
        if (cases && n == 0)
            continue;
        ran[s] = true;
        rc = run_suite(&suites[s], dir, filters, n, env, out);
    }
    free(filters);
    cJSON *report = rc == 0 ? classify(t, suites, nsuites, ran, dir, out) : NULL;
    free(ran);
    return report;
}

int teeth_check_run(const struct teeth_tools *t, const struct teeth_suite *suites, size_t nsuites,
                    const char *dir, char *const *cases, size_t ncases, char *const env[],
                    struct teeth_outcome *out)
{
    cJSON *report = run_and_classify(t, suites, nsuites, dir, cases, ncases, env, out);
    if (!report)
        return -1;
    for (size_t i = 0; i < ncases; i++)
        add_result(out, cases[i], find_case(report, cases[i]));
    cJSON_Delete(report);
    return 0;
}

int teeth_check_run_all(const struct teeth_tools *t, const struct teeth_suite *suites,
                        size_t nsuites, const char *dir, char *const env[],
                        struct teeth_outcome *out)
{
    cJSON *report = run_and_classify(t, suites, nsuites, dir, NULL, 0, env, out);
    if (!report)
        return -1;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, "cases"))
    {
        char *id = NULL;
        const char *suite = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "suite"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "case"));
        if (asprintf(&id, "%s.%s", suite ? suite : "?", name ? name : "?") >= 0) {
            add_result(out, id, c);
            free(id);
        }
    }
    cJSON_Delete(report);
    return 0;
}

void teeth_outcome_free(struct teeth_outcome *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->cases[i].id);
        free(o->cases[i].outcome);
        free(o->cases[i].category);
        free(o->cases[i].message);
    }
    free(o->cases);
    memset(o, 0, sizeof *o);
}
