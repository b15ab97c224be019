/* --targets-down: every case of every suite with every target down; see down.h. */
#include "down.h"

#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every target down, twice: the fixtures' servers gone (their state files name dead ports),
 * then URL variables naming servers that do not answer. No case may pass. */
int teeth_targets_down(const struct teeth_tools *tools, const struct teeth_suite *suites,
                       size_t nsuites, const char *work, const char *summary_path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/down", work);
    double t0 = itest_now_s();
    char url[1024] = "", bouncer[1024] = "";
    if (target_db_start(tools, work, TARGET_POOL_SIZE) != 0 ||
        target_db_get(work, "postgres.json", "url", url, sizeof url) != 0 ||
        target_db_get(work, "pgbouncer.json", "url", bouncer, sizeof bouncer) != 0 ||
        target_worker_init(work, dir) != 0 ||
        target_mock_start(tools, dir, &(struct target_mock){.down = "all"}))
        return 1;
    /* keep the fixtures' state files as the servers leave them behind when they die */
    char keep[4300], kept[4400];
    const char *files[] = {"postgres.json", "pgbouncer.json"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(keep, sizeof keep, "%s/%s", dir, files[i]);
        snprintf(kept, sizeof kept, "%s/%s.dead", dir, files[i]);
        char from[4200];
        snprintf(from, sizeof from, "%s/pg-state/%s", work, files[i]);
        unlink(keep);
        if (link(from, kept) != 0 && errno != EEXIST) {
            fprintf(stderr, "itest-teeth: link %s: %s\n", kept, strerror(errno));
            return 1;
        }
    }
    target_db_stop(tools, work);
    for (size_t i = 0; i < 2; i++) {
        snprintf(keep, sizeof keep, "%s/%s", dir, files[i]);
        snprintf(kept, sizeof kept, "%s/%s.dead", dir, files[i]);
        rename(kept, keep);
    }
    char mocks_state[4300];
    snprintf(mocks_state, sizeof mocks_state, "%s/mocks.json", dir);

    char v[8][1100];
    snprintf(v[0], sizeof v[0], "DATABASE_URL=%.1000s", url);
    snprintf(v[1], sizeof v[1], "PGBOUNCER_URL=%.1000s", bouncer);
    /* the dead mocks' own URLs, as a user's variables would name them */
    const char *names[] = {"task-registry", "repo-pool", "artifact-store", "llm", "vector"};
    const char *vars[] = {"TASK_REGISTRY_URL", "REPO_POOL_URL", "ARTIFACT_STORE_URL",
                          "LLM_BASE_URL", "VECTOR_DB_URL"};
    char err[4400];
    cJSON *state = itest_json_load_file(mocks_state, 0, NULL, err, sizeof err);
    for (size_t i = 0; i < 5; i++) {
        const char *u = cJSON_GetStringValue(
            itest_json_get(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(state, "services"), names[i]),
                           "url"));
        snprintf(v[2 + i], sizeof v[2 + i], "%s=%.1000s", vars[i], u ? u : "http://127.0.0.1:9");
    }
    cJSON_Delete(state);
    /* the gateway, which the harness does not start: a port nothing listens on */
    snprintf(v[7], sizeof v[7], "GATEWAY_URL=http://127.0.0.1:9");
    char *configured[] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], NULL};
    struct {
        const char *what;
        char **env;
    } rounds[] = {{"the fixtures' servers stopped", NULL},
                  {"the URL variables naming servers that do not answer", configured}};

    int rc = 0;
    char *summary = NULL;
    size_t len = 0;
    FILE *sum = open_memstream(&summary, &len);
    for (size_t round = 0; round < 2; round++) {
        struct teeth_outcome out;
        printf("itest-teeth: every target down (%s): running every case of %zu suites\n",
               rounds[round].what, nsuites);
        fflush(stdout);
        teeth_check_run_all(tools, suites, nsuites, dir, rounds[round].env, &out);
        size_t failed = 0, skipped = 0, passed = 0, silent = 0;
        if (out.broken) {
            fprintf(sum, "targets down (%s): the run itself: %s\n", rounds[round].what,
                    out.problem);
            rc = 1;
        }
        for (size_t i = 0; i < out.n; i++) {
            const struct teeth_case_result *c = &out.cases[i];
            if (strcmp(c->outcome, "skipped") == 0) {
                skipped++;
                if (!c->message) {
                    silent++;
                    fprintf(sum, "  %s: skipped without a reason\n", c->id);
                }
            } else if (strcmp(c->outcome, "passed") == 0 || strcmp(c->outcome, "flaky") == 0) {
                passed++;
                fprintf(sum, "  %s: PASSED with every target down\n", c->id);
            } else {
                failed++;
            }
        }
        fprintf(sum,
                "targets down (%s): %zu cases: %zu failed, %zu skipped with a reason, "
                "%zu passed, %zu skipped silently\n",
                rounds[round].what, out.n, failed, skipped - silent, passed, silent);
        if (passed || silent || out.n == 0)
            rc = 1;
        teeth_outcome_free(&out);
    }
    fprintf(sum, "targets down: %s in %.0f s\n", rc == 0 ? "no case passed" : "FAILED",
            itest_now_s() - t0);
    fclose(sum);
    printf("%s", summary);
    if (summary_path && teeth_write_summary(summary_path, summary) != 0)
        rc = 1;
    free(summary);
    target_mock_stop(tools, dir);
    return rc;
}

int teeth_write_summary(const char *path, const char *text)
{
    char err[1024];
    if (itest_write_file_atomic(path, text, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "itest-teeth: cannot write the summary: %s\n", err);
    return -1;
}
