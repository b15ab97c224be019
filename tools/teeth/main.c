/* itest-teeth: proves the suites have teeth. For every fault in the catalogue it starts a
 * private target with that fault, runs the cases the catalogue names, and checks that each one
 * fails with the expected category (as itest-report classifies it) while no suite crashes or
 * hangs; then it prints the teeth score. For every mutation of the mutation catalogue (a contract
 * clause the mock breaks while answering normally) it does the same, the failure's message also
 * matching the catalogue's pattern, and prints the mutation score. With --targets-down it checks
 * instead that, with every target down, no case of any suite passes. */
#include "catalogue.h"
#include "check.h"
#include "down.h"
#include "mutations.h"
#include "run.h"
#include "target.h"

#include "itest/clock.h"
#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/number.h"
#include "itest/version.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SUITES 16

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: itest-teeth [OPTION]... --catalogue FILE|--mutations FILE --work-dir DIR\n"
            "                   --suite NAME=EXE...\n"
            "Injects every fault of the catalogue into a private target (its own itest-mock\n"
            "and PostgreSQL + PgBouncer under DIR), runs the cases the catalogue names and\n"
            "checks that each fails with the expected category as itest-report classifies it,\n"
            "without a crash or hang. Prints one line per fault and the teeth score: faults\n"
            "caught / faults injected. With --mutations, plants every contract mutation the\n"
            "same way (itest-mock --mutate: one clause broken, the answers otherwise normal),\n"
            "checks the failures' messages against the catalogue's patterns too, and prints\n"
            "the mutation score: mutations caught or ruled out with a reason / mutations.\n"
            "\n"
            "  --catalogue FILE     the fault catalogue (fixtures/data/fault-catalogue.json)\n"
            "  --mutations FILE     the mutation catalogue\n"
            "                       (fixtures/data/mutation-catalogue.json)\n"
            "  --work-dir DIR       private state, logs and JUnit (created; reused across runs)\n"
            "  --suite NAME=EXE     a suite executable (repeat for each suite)\n"
            "  --mock EXE, --pg EXE, --report EXE\n"
            "                       itest-mock, itest-pg and itest-report\n"
            "  --rules FILE         the mock LLM's rules (fixtures/data/mock-llm-rules.json)\n"
            "  --only GLOB          inject only faults (or mutations) whose id matches or\n"
            "                       contains GLOB\n"
            "                       (repeatable)\n"
            "  --jobs N             faults injected at once, each in its own mock (4)\n"
            "  --timeout SECONDS    INTEGRATION_TEST_TIMEOUT for the suites (2)\n"
            "  --summary FILE       also write the score and every missed fault to FILE\n"
            "  --targets-down       instead: stop every target (mocks, database, pooler) and\n"
            "                       check that no case passes: each fails, or skips saying why\n"
            "  --list               print the expanded catalogues (id, cases, category) and\n"
            "                       exit\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 every fault and mutation caught (or, with --targets-down, no case\n"
            "passed), 1 one missed, a case passed or a suite crashed or hung, 2 bad usage or\n"
            "an invalid catalogue.\n");
}

struct options {
    const char *catalogue, *mutations, *work, *summary;
    struct teeth_tools tools;
    struct teeth_suite suites[MAX_SUITES];
    size_t nsuites;
    const char *only[32];
    size_t nonly;
    int jobs;
    const char *timeout;
    bool targets_down, list;
};

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "itest-teeth: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'itest-teeth --help'.\n");
    va_end(ap);
    return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
    enum {
        CAT = 1,
        MUTATIONS,
        WORK,
        SUITE,
        MOCK,
        PG,
        REPORT,
        RULES,
        ONLY,
        JOBS,
        TIMEOUT,
        SUMMARY,
        DOWN,
        LIST,
        HELP,
        VERSION
    };
    static const struct option longs[] = {{"catalogue", 1, 0, CAT},
                                          {"mutations", 1, 0, MUTATIONS},
                                          {"work-dir", 1, 0, WORK},
                                          {"suite", 1, 0, SUITE},
                                          {"mock", 1, 0, MOCK},
                                          {"pg", 1, 0, PG},
                                          {"report", 1, 0, REPORT},
                                          {"rules", 1, 0, RULES},
                                          {"only", 1, 0, ONLY},
                                          {"jobs", 1, 0, JOBS},
                                          {"timeout", 1, 0, TIMEOUT},
                                          {"summary", 1, 0, SUMMARY},
                                          {"targets-down", 0, 0, DOWN},
                                          {"list", 0, 0, LIST},
                                          {"help", 0, 0, HELP},
                                          {"version", 0, 0, VERSION},
                                          {0, 0, 0, 0}};
    o->jobs = 4;
    o->timeout = "2";
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case CAT:
            o->catalogue = optarg;
            break;
        case MUTATIONS:
            o->mutations = optarg;
            break;
        case WORK:
            o->work = optarg;
            break;
        case MOCK:
            o->tools.mock = optarg;
            break;
        case PG:
            o->tools.pg = optarg;
            break;
        case REPORT:
            o->tools.report = optarg;
            break;
        case RULES:
            o->tools.rules = optarg;
            break;
        case SUMMARY:
            o->summary = optarg;
            break;
        case DOWN:
            o->targets_down = true;
            break;
        case LIST:
            o->list = true;
            break;
        case SUITE: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1])
                return bad_usage("--suite '%s': expected NAME=EXECUTABLE", optarg);
            if (o->nsuites == MAX_SUITES)
                return bad_usage("--suite '%s': too many suites", optarg);
            *eq = '\0';
            o->suites[o->nsuites++] = (struct teeth_suite){optarg, eq + 1};
            break;
        }
        case ONLY:
            if (o->nonly == 32)
                return bad_usage("--only '%s': at most 32 patterns", optarg);
            o->only[o->nonly++] = optarg;
            break;
        case JOBS: {
            long long v;
            if (itest_parse_long(&v, optarg, 1, 64) != 0)
                return itest_usage_bad_value("itest-teeth", "--jobs", optarg,
                                             "a whole number 1..64");
            o->jobs = (int)v;
            break;
        }
        case TIMEOUT: {
            double v;
            if (itest_parse_double(&v, optarg, 0.001, 600) != 0)
                return itest_usage_bad_value("itest-teeth", "--timeout", optarg,
                                             "a number of seconds 0.001..600");
            o->timeout = optarg;
            break;
        }
        case HELP:
            usage(stdout);
            exit(0);
        case VERSION:
            printf("itest-teeth %s\n", ITEST_VERSION);
            exit(0);
        default:
            return bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (!o->catalogue && !o->mutations)
        return bad_usage("%s", "--catalogue FILE or --mutations FILE is required");
    if (o->mutations && !o->tools.mock)
        return bad_usage("%s", "--mutations needs --mock (the catalogue is checked against "
                               "itest-mock --list-mutations)");
    if (o->list)
        return 0;
    if (!o->work || !o->tools.mock || !o->tools.pg || !o->tools.report || !o->tools.rules ||
        o->nsuites == 0)
        return bad_usage("%s", "--work-dir, --suite, --mock, --pg, --report and --rules are "
                               "required");
    return 0;
}

/* The suites read their configuration from the environment: the harness sets a known one, so
 * that a user's variables (a real target, a skip) cannot change what is measured. */
static void known_environment(const char *timeout)
{
    static const char *const unset[] = {"TASK_REGISTRY_URL",
                                        "REPO_POOL_URL",
                                        "ARTIFACT_STORE_URL",
                                        "LLM_BASE_URL",
                                        "OPENAI_BASE_URL",
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
static int check_cases_exist(const struct options *o, const char *source,
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

static bool selected(const struct options *o, const char *id)
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
    const struct options *o;
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
    const struct options *o = run->o;
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

/* Runs every selected entry of cat, prints its score and what it missed, and appends them to
 * summary. Returns 0 when each was caught, 1 when one was not, 2 when none is selected. */
static int run_catalogue(const struct options *o, const struct teeth_catalogue *cat, bool mutations,
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
static int run_all(const struct options *o, const struct teeth_catalogue *faults,
                   const struct teeth_catalogue *mutations)
{
    char *summary = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&summary, &len);
    int rc_faults = o->catalogue ? run_catalogue(o, faults, false, f) : 2;
    int rc_mutations = o->mutations ? run_catalogue(o, mutations, true, f) : 2;
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
    struct options o = {0};
    int rc = parse(argc, argv, &o);
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
