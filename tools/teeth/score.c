#include "score.h"

#include "target.h"

#include "itest/clock.h"

#include <fnmatch.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool selected(const struct teeth_options *o, const char *id)
{
    if (o->nonly == 0)
        return true;
    for (size_t i = 0; i < o->nonly; i++)
        if (fnmatch(o->only[i], id, 0) == 0 || strstr(id, o->only[i]))
            return true;
    return false;
}

struct result {
    bool done, caught, broken;
    double seconds;
    char *detail; /* what each case did, one line each */
};

struct run {
    const struct teeth_options *o;
    const struct teeth_catalogue *cat;
    struct result *results;
    size_t *order; /* indices of the selected FAULT entries, then the rest */
    size_t nfaults, ntotal;
    atomic_size_t next;
    size_t printed;
    pthread_mutex_t lock;
};

/* Judges an outcome against the entry's category; fills r. */
static void judge(const struct teeth_entry *e, const struct teeth_outcome *out, struct result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    r->broken = out->broken;
    r->caught = !out->broken;
    if (out->broken)
        fprintf(f, "      the run itself: %s\n", out->problem);
    for (size_t i = 0; i < out->n; i++) {
        const struct teeth_case_result *c = &out->cases[i];
        bool failed = strcmp(c->outcome, "failed") == 0 || strcmp(c->outcome, "errored") == 0;
        bool right = failed && c->category && strcmp(c->category, e->category) == 0;
        /* a mutation's failure must also say what was wrong, in the catalogue's words */
        bool named = !e->message_regex ||
                     (c->message && regexec(e->message_regex, c->message, 0, NULL, 0) == 0);
        r->caught &= right && named;
        if (!right)
            fprintf(f, "      %s: %s%s%s (expected: failed as %s)%s%s\n", c->id, c->outcome,
                    failed ? " as " : "", failed ? (c->category ? c->category : "none") : "",
                    e->category, c->message ? ": " : "", c->message ? c->message : "");
        else if (!named)
            fprintf(f, "      %s: failed as %s, but the message does not match /%s/: %s\n", c->id,
                    c->category, e->message, c->message ? c->message : "(none)");
    }
    fclose(f);
    r->detail = text;
}

static void report(struct run *run, size_t k)
{
    const struct teeth_entry *e = &run->cat->entries[run->order[k]];
    struct result *r = &run->results[run->order[k]];
    pthread_mutex_lock(&run->lock);
    run->printed++;
    printf("[%3zu/%zu] %-6s %s -> %s (%zu case%s, %.1f s)\n%s", run->printed, run->ntotal,
           r->caught   ? "caught"
           : r->broken ? "BROKEN"
                       : "MISSED",
           e->id, e->category, e->ncases, e->ncases == 1 ? "" : "s", r->seconds,
           r->caught ? "" : r->detail);
    fflush(stdout);
    pthread_mutex_unlock(&run->lock);
}

static void run_fault(struct run *run, const char *dir, size_t k)
{
    const struct teeth_entry *e = &run->cat->entries[run->order[k]];
    struct result *r = &run->results[run->order[k]];
    double t0 = itest_now_s();
    struct teeth_outcome out = {0};
    struct target_mock m = {.faults = e->faults, .mutate = e->mutation};
    if (target_mock_start(&run->o->tools, dir, &m) != 0) {
        out.broken = true;
        snprintf(out.problem, sizeof out.problem, "the mock did not start with the %s",
                 e->mutation ? "mutation" : "fault");
    } else {
        teeth_check_run(&run->o->tools, run->o->suites, run->o->nsuites, dir, e->cases, e->ncases,
                        NULL, &out);
    }
    target_mock_stop(&run->o->tools, dir);
    judge(e, &out, r);
    teeth_outcome_free(&out);
    r->seconds = itest_now_s() - t0;
    r->done = true;
    report(run, k);
}

struct worker {
    struct run *run;
    char dir[4200];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        size_t k = atomic_fetch_add(&w->run->next, 1);
        if (k >= w->run->nfaults)
            return NULL;
        run_fault(w->run, w->dir, k);
    }
}

/* A target-level fault: set it up, run the cases, put the target back. */
static void run_target(struct run *run, const char *dir, size_t k)
{
    const struct teeth_options *o = run->o;
    const struct teeth_entry *e = &run->cat->entries[run->order[k]];
    struct result *r = &run->results[run->order[k]];
    double t0 = itest_now_s();
    struct teeth_outcome out = {0};
    PGconn *held[TARGET_POOL_SIZE] = {0};
    char url_env[1200] = "", bouncer_env[1200] = "";
    char *env[3] = {NULL};
    bool db_down = e->how == TEETH_DOWN && strcmp(e->service, "postgres") == 0;
    const char *mock_down = e->how == TEETH_DOWN && !db_down ? e->service : NULL;
    int rc = target_mock_start(&o->tools, dir, &(struct target_mock){.down = mock_down});
    if (rc == 0 && db_down) {
        /* a configured server that is not running: its URL names a port nothing listens on */
        char url[1024], bouncer[1024];
        rc = target_db_get(o->work, "postgres.json", "url", url, sizeof url) |
             target_db_get(o->work, "pgbouncer.json", "url", bouncer, sizeof bouncer) |
             target_db_stop(&o->tools, o->work);
        snprintf(url_env, sizeof url_env, "DATABASE_URL=%s", url);
        snprintf(bouncer_env, sizeof bouncer_env, "PGBOUNCER_URL=%s", bouncer);
        env[0] = url_env;
        env[1] = bouncer_env;
    }
    if (rc == 0 && e->how == TEETH_GATEWAY)
        rc = target_gateway_start(&o->tools, dir, e->service, e->faults);
    if (rc == 0 && e->how == TEETH_SCHEMA)
        rc = target_db_doctor(o->work, e->sql);
    if (rc == 0 && e->how == TEETH_HOLD_POOL)
        rc = target_db_hold_pool(o->work, held, TARGET_POOL_SIZE);
    if (rc != 0) {
        out.broken = true;
        snprintf(out.problem, sizeof out.problem, "the fault could not be set up (above)");
    } else {
        teeth_check_run(&o->tools, o->suites, o->nsuites, dir, e->cases, e->ncases, env, &out);
    }
    for (int i = 0; i < TARGET_POOL_SIZE; i++)
        PQfinish(held[i]);
    target_mock_stop(&o->tools, dir);
    if (e->how == TEETH_GATEWAY)
        target_gateway_stop(&o->tools, dir);
    /* a doctored or stopped database is replaced by a fresh copy of the template */
    if ((db_down || e->how == TEETH_SCHEMA) &&
        target_db_start(&o->tools, o->work, TARGET_POOL_SIZE) != 0)
        out.broken = true;
    judge(e, &out, r);
    teeth_outcome_free(&out);
    r->seconds = itest_now_s() - t0;
    r->done = true;
    report(run, k);
}

/* Faults and mutations in a private mock of their own run several at once. */
static bool per_mock(const struct teeth_entry *e)
{
    return e->how == TEETH_FAULT || e->how == TEETH_MUTATION;
}

int teeth_score(const struct teeth_options *o, const struct teeth_catalogue *cat, bool mutations,
                FILE *summary)
{
    struct run run = {.o = o, .cat = cat};
    pthread_mutex_init(&run.lock, NULL);
    run.results = calloc(cat->n ? cat->n : 1, sizeof *run.results);
    run.order = calloc(cat->n ? cat->n : 1, sizeof *run.order);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cat->n; i++)
            if (per_mock(&cat->entries[i]) == (pass == 0) && selected(o, cat->entries[i].id)) {
                run.order[run.ntotal++] = i;
                run.nfaults += pass == 0;
            }
    if (run.ntotal == 0) {
        free(run.results);
        free(run.order);
        return 2;
    }
    if (mutations)
        printf("itest-teeth: %zu mutations to plant (%zu ruled out by the catalogue), %d at "
               "once\n",
               run.ntotal, cat->n_ruled_out, o->jobs);
    else
        printf("itest-teeth: %zu faults to inject (%zu kind x endpoint pairs ruled out by the "
               "catalogue), %d at once\n",
               run.ntotal, cat->not_applicable, o->jobs);
    fflush(stdout);
    double t0 = itest_now_s();
    /* the mutations break the HTTP services only: their cases need no database */
    if (!mutations && target_db_start(&o->tools, o->work, TARGET_POOL_SIZE) != 0)
        return 1;

    int nworkers = o->jobs < (int)run.nfaults ? o->jobs : (int)run.nfaults;
    struct worker *workers = calloc((size_t)(nworkers ? nworkers : 1), sizeof *workers);
    pthread_t *threads = calloc((size_t)(nworkers ? nworkers : 1), sizeof *threads);
    int rc = 0;
    for (int w = 0; w < (nworkers ? nworkers : 1); w++) {
        workers[w].run = &run;
        snprintf(workers[w].dir, sizeof workers[w].dir, "%s/w%d", o->work, w);
        rc |= target_worker_init(o->work, workers[w].dir);
    }
    for (int w = 0; rc == 0 && w < nworkers; w++)
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    for (int w = 0; rc == 0 && w < nworkers; w++)
        pthread_join(threads[w], NULL);
    /* target faults change what every worker shares: one at a time, after the rest */
    for (size_t k = run.nfaults; rc == 0 && k < run.ntotal; k++)
        run_target(&run, workers[0].dir, k);
    if (!mutations)
        target_db_stop(&o->tools, o->work);

    size_t caught = 0, broken = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t k = 0; k < run.ntotal; k++) {
        struct result *r = &run.results[run.order[k]];
        caught += r->caught;
        broken += r->broken;
    }
    const char *trouble = broken ? ", some runs crashed or hung" : "";
    if (mutations) {
        size_t all = run.ntotal + cat->n_ruled_out, ok = caught + cat->n_ruled_out;
        fprintf(f,
                "mutation score: %zu/%zu mutations caught or ruled out (%.1f%%): %zu caught, %zu "
                "ruled out with a reason%s, in %.0f s\n",
                ok, all, 100.0 * (double)ok / (double)all, caught, cat->n_ruled_out, trouble,
                itest_now_s() - t0);
    } else {
        fprintf(f, "teeth score: %zu/%zu faults caught (%.1f%%)%s in %.0f s\n", caught, run.ntotal,
                100.0 * (double)caught / (double)run.ntotal, trouble, itest_now_s() - t0);
    }
    for (size_t k = 0; k < run.ntotal; k++) {
        const struct teeth_entry *e = &cat->entries[run.order[k]];
        struct result *r = &run.results[run.order[k]];
        if (!r->caught)
            fprintf(f, "  %s %s -> %s\n%s", r->broken ? "broken:" : "not caught:", e->id,
                    e->category, r->detail ? r->detail : "");
    }
    for (size_t i = 0; i < cat->n_ruled_out; i++)
        fprintf(f, "  ruled out: %s: %s\n", cat->ruled_out[i].id, cat->ruled_out[i].reason);
    fclose(f);
    printf("%s", text);
    fputs(text, summary);
    free(text);
    for (size_t i = 0; i < cat->n; i++)
        free(run.results[i].detail);
    free(run.results);
    free(run.order);
    free(workers);
    free(threads);
    return rc == 0 && caught == run.ntotal ? 0 : 1;
}
