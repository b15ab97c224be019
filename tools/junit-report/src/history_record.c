#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_record.h"

#include "itest/clock.h"
#include "itest/number.h"

static const char *first_env(const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return v;
    }
    return "";
}

const char *history_ci_commit(void)
{
    static const char *const names[] = {"GITHUB_SHA",       "CI_COMMIT_SHA", "GIT_COMMIT",
                                        "BUILDKITE_COMMIT", "CIRCLE_SHA1",   NULL};
    return first_env(names);
}

const char *history_ci_branch(void)
{
    /* a pull request's own branch before the ref GitHub merges it into */
    static const char *const names[] = {"GITHUB_HEAD_REF",
                                        "GITHUB_REF_NAME",
                                        "CI_COMMIT_REF_NAME",
                                        "GIT_BRANCH",
                                        "BUILDKITE_BRANCH",
                                        "CIRCLE_BRANCH",
                                        NULL};
    return first_env(names);
}

/* The value of key in "key=value" meta or facts, or NULL. */
static const char *lookup(const char *const *list, size_t n, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < n; i++)
        if (strncmp(list[i], key, k) == 0 && list[i][k] == '=')
            return list[i] + k + 1;
    return NULL;
}

void history_run_build(struct history_run_build *b, const struct report_context *r,
                       const char *const *meta, size_t nmeta)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    memset(b, 0, sizeof *b);
    b->cases = xcalloc(m->ntests + 1, sizeof *b->cases);
    b->measures = xcalloc(a->nmetrics + 1, sizeof *b->measures);
    /* names first (the buffer moves while it grows), pointers after */
    size_t *name_at = xmalloc((m->ntests + 1) * sizeof *name_at);
    struct buf id = {0};
    for (size_t i = 0; i < m->ntests; i++) {
        buf_clear(&id);
        report_test_id(r, &m->tests[i], &id);
        name_at[i] = b->names.len;
        buf_add(&b->names, id.data ? id.data : "", id.len);
        buf_putc(&b->names, '\0');
    }
    buf_free(&id);
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        const struct failure *f = report_failure(r, t);
        const char *category = report_category(r, t);
        b->cases[i] = (struct history_case_in){
            .suite = strtab_get(&m->str, t->suite),
            .name = b->names.data + name_at[i],
            .labels = t->labels ? strtab_get(&m->str, t->labels) : "",
            .outcome = t->final,
            .seconds = t->has_time && t->final != OUT_SKIPPED ? test_seconds(t) : -1,
            .category = category,
            .signature = *category && f ? strtab_get(&m->str, m->groups[f->group].signature) : "",
        };
    }
    free(name_at);
    size_t nmeasures = 0;
    for (size_t i = 0; i < a->nmetrics; i++) {
        const struct metric *x = &m->metrics[a->metrics[i]];
        double v;
        if (itest_parse_double(&v, strtab_get(&m->str, x->value), -HUGE_VAL, HUGE_VAL) != 0)
            continue; /* a measurement that is not a number has no series */
        b->measures[nmeasures++] = (struct history_measure_in){
            .case_index = x->test, .name = strtab_get(&m->str, x->name), .value = v};
    }

    const char *commit = lookup(meta, nmeta, "commit");
    if (!commit)
        commit = lookup(r->facts, r->nfacts, "commit");
    const char *branch = lookup(meta, nmeta, "branch");
    if (!branch)
        branch = lookup(r->facts, r->nfacts, "branch");
    const char *when = lookup(meta, nmeta, "recorded_at");
    int64_t ns;
    if (when && itest_parse_rfc3339(when, &ns) == 0)
        itest_format_rfc3339(b->recorded_at, sizeof b->recorded_at, (uint64_t)ns);
    else
        itest_format_rfc3339(b->recorded_at, sizeof b->recorded_at, itest_wall_ns());
    const char *jobs = lookup(meta, nmeta, "jobs");
    long long njobs = 0;
    if (jobs && itest_parse_long(&njobs, jobs, 1, 100000) != 0)
        njobs = 0;
    b->run = (struct history_run_in){
        .recorded_at = b->recorded_at,
        .commit = commit ? commit : history_ci_commit(),
        .branch = branch ? branch : history_ci_branch(),
        .meta = meta, /* every key, commit and branch too, goes to the run's metadata */
        .nmeta = nmeta,
        .wall_seconds = a->wall_seconds,
        .case_seconds = a->seconds,
        .jobs = njobs ? (int)njobs : a->jobs,
        .tests = a->tests,
        .passed = a->passed,
        .failed = a->failed,
        .errored = a->errored,
        .skipped = a->skipped,
        .cases = b->cases,
        .ncases = m->ntests,
        .measures = b->measures,
        .nmeasures = nmeasures,
    };
}

void history_run_build_free(struct history_run_build *b)
{
    free(b->cases);
    free(b->measures);
    buf_free(&b->names);
}
