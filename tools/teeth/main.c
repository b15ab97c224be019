/* itest-teeth: proves the suites have teeth. For every fault in the catalogue it starts a
 * private target with that fault, runs the cases the catalogue names, and checks that each one
 * fails with the expected category (as itest-report classifies it) while no suite crashes or
 * hangs; then it prints the teeth score. For every mutation of the mutation catalogue (a contract
 * clause the mock breaks while answering normally) it does the same, the failure's message also
 * matching the catalogue's pattern, and prints the mutation score. With --targets-down it checks
 * instead that, with every target down, no case of any suite passes. */
#include "down.h"
#include "mutations.h"
#include "options.h"
#include "run.h"
#include "score.h"

#include "itest/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The suites read their configuration from the environment: the harness sets a known one, so
 * that a user's variables (a real target, a skip) cannot change what is measured. */
static void known_environment(const char *timeout)
{
    static const char *const unset[] = {"TASK_REGISTRY_URL",
                                        "REPO_POOL_URL",
                                        "ARTIFACT_STORE_URL",
                                        "LLM_BASE_URL",
                                        "OPENAI_BASE_URL",
                                        "VECTOR_DB_URL",
                                        "QDRANT_API_KEY",
                                        "ITEST_VECTOR_MIN_RECALL",
                                        "OPENAI_API_KEY",
                                        "LLM_MODELS",
                                        "LLM_EMBEDDING_MODEL",
                                        "DATABASE_URL",
                                        "PGHOST",
                                        "PGHOSTADDR",
                                        "PGPORT",
                                        "PGDATABASE",
                                        "PGUSER",
                                        "PGPASSWORD",
                                        "PGSERVICE",
                                        "PGSERVICEFILE",
                                        "PGBOUNCER_URL",
                                        "SKIP_INTEGRATION_TESTS",
                                        "SKIP_LLM_TESTS",
                                        "SKIP_E2E_TESTS",
                                        "SKIP_PERFORMANCE_TESTS",
                                        "ITEST_SKIP_UNAVAILABLE",
                                        "ITEST_MOCK_FAULTS",
                                        "ITEST_DB_SCHEMA",
                                        "ITEST_PROMPTS_FILE",
                                        "INTEGRATION_TEST_MAX_LATENCY",
                                        "INTEGRATION_TEST_MIN_THROUGHPUT"};
    for (size_t i = 0; i < sizeof unset / sizeof *unset; i++)
        unsetenv(unset[i]);
    setenv("INTEGRATION_TEST_TIMEOUT", timeout, 1);
    setenv("INTEGRATION_TEST_RETRY_COUNT", "1", 1);
    setenv("INTEGRATION_TEST_PERF_DURATION", "1", 1);
}

/* Every case the catalogue (read from source) names exists in its suite (`--list`). */
static int check_cases_exist(const struct teeth_options *o, const char *source,
                             const struct teeth_catalogue *cat)
{
    if (cat->n == 0)
        return 0;
    char *lists[MAX_SUITES] = {0};
    int rc = 0;
    for (size_t s = 0; s < o->nsuites; s++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.cases", o->work, o->suites[s].name);
        unlink(path);
        char *argv[] = {(char *)o->suites[s].exe, "--list", NULL};
        char why[128];
        int st = teeth_run(argv, NULL, path, 60, why, sizeof why);
        char err[4400];
        char *listed = itest_read_file(path, 0, NULL, err, sizeof err);
        /* "\n<case>\n" finds a whole line */
        if (asprintf(&lists[s], "\n%s", listed ? listed : "") < 0)
            lists[s] = NULL;
        free(listed);
        if (st != 0 || !lists[s]) {
            fprintf(stderr, "itest-teeth: %s --list failed (%s): %s", o->suites[s].exe, why,
                    lists[s] ? lists[s] : err);
            rc = -1;
        }
    }
    for (size_t i = 0; rc == 0 && i < cat->n; i++) {
        const struct teeth_entry *e = &cat->entries[i];
        for (size_t j = 0; rc == 0 && j < e->ncases; j++) {
            const struct teeth_suite *s = teeth_suite_of(o->suites, o->nsuites, e->cases[j]);
            char needle[600];
            snprintf(needle, sizeof needle, "\n%s\n", strchr(e->cases[j], '.') + 1);
            if (!s) {
                fprintf(stderr,
                        "itest-teeth: %s: \"%s\" names %s, but no --suite runs "
                        "that suite\n",
                        source, e->id, e->cases[j]);
                rc = -1;
            } else if (!strstr(lists[s - o->suites], needle)) {
                fprintf(stderr,
                        "itest-teeth: %s: \"%s\" names %s, which %s --list does "
                        "not print\n",
                        source, e->id, e->cases[j], s->exe);
                rc = -1;
            }
        }
    }
    for (size_t s = 0; s < o->nsuites; s++)
        free(lists[s]);
    return rc;
}

static void list(const struct teeth_catalogue *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        printf("%s -> %s:", cat->entries[i].id, cat->entries[i].category);
        for (size_t j = 0; j < cat->entries[i].ncases; j++)
            printf(" %s", cat->entries[i].cases[j]);
        printf("\n");
    }
    for (size_t i = 0; i < cat->n_ruled_out; i++)
        printf("mutation %s: ruled out: %s\n", cat->ruled_out[i].id, cat->ruled_out[i].reason);
}

/* Runs the catalogues given and writes --summary. */
static int run_all(const struct teeth_options *o, const struct teeth_catalogue *faults,
                   const struct teeth_catalogue *mutations)
{
    char *summary = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&summary, &len);
    int rc_faults = o->catalogue ? teeth_score(o, faults, false, f) : 2;
    int rc_mutations = o->mutations ? teeth_score(o, mutations, true, f) : 2;
    fclose(f);
    int rc = 0;
    if (rc_faults == 2 && rc_mutations == 2) {
        fprintf(stderr, "itest-teeth: no fault or mutation matches --only\n");
        rc = 2;
    } else if (rc_faults == 1 || rc_mutations == 1) {
        rc = 1;
    }
    if (o->summary && teeth_write_summary(o->summary, summary) != 0 && rc == 0)
        rc = 1;
    free(summary);
    return rc;
}

int main(int argc, char **argv)
{
    struct teeth_options o = {0};
    int rc = teeth_options_parse(argc, argv, &o);
    if (rc != 0)
        return rc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct teeth_catalogue faults = {0}, mutations = {0};
    char err[1024];
    if (o.catalogue && teeth_catalogue_load(o.catalogue, &faults, err, sizeof err) != 0) {
        fprintf(stderr, "itest-teeth: %s\n", err);
        return 2;
    }
    const char *work = o.work ? o.work : ".";
    if (o.work && mkdir(o.work, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "itest-teeth: --work-dir %s: %s\n", o.work, strerror(errno));
        teeth_catalogue_free(&faults);
        return 2;
    }
    char list_dir[] = "/tmp/itest-teeth-list-XXXXXX";
    if (!o.work && o.mutations && !mkdtemp(list_dir)) {
        fprintf(stderr, "itest-teeth: cannot make a temporary directory: %s\n", strerror(errno));
        teeth_catalogue_free(&faults);
        return 2;
    }
    if (o.mutations && teeth_mutations_load(o.mutations, o.tools.mock, o.work ? work : list_dir,
                                            &mutations, err, sizeof err) != 0) {
        fprintf(stderr, "itest-teeth: %s\n", err);
        rc = 2;
    }
    if (!o.work && o.mutations)
        itest_remove_tree(list_dir);
    if (rc == 0 && o.list) {
        list(&faults);
        list(&mutations);
    } else if (rc == 0) {
        known_environment(o.timeout);
        if (check_cases_exist(&o, o.catalogue, &faults) != 0 ||
            check_cases_exist(&o, o.mutations, &mutations) != 0)
            rc = 2;
        else if (o.targets_down)
            rc = teeth_targets_down(&o.tools, o.suites, o.nsuites, o.work, o.summary);
        else
            rc = run_all(&o, &faults, &mutations);
    }
    teeth_catalogue_free(&faults);
    teeth_catalogue_free(&mutations);
    return rc;
}
