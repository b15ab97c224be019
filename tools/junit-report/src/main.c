/* itest-report: reads JUnit XML from any producer and writes failure, timing and flakiness
 * reports. See --help and docs/report.md. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include "analysis.h"
#include "annotations.h"
#include "baseline.h"
#include "classify.h"
#include "junit_parse.h"
#include "model.h"
#include "report.h"
#include "history_record.h"
#include "history_store.h"
#include "split.h"
#include "tests_json.h"
#include "trends.h"

#include "itest/number.h"
#include "itest/redact.h"
#include "itest/version.h"

static const char usage_text[] =
    "usage: itest-report [options] INPUT...\n"
    "Reads JUnit XML (CTest, cmocka, pytest, GoogleTest, Surefire, jest-junit,\n"
    "mocha-junit-reporter, go-junit-report, itest's own) and reports failures by category,\n"
    "timing per suite and label, flaky cases and per-model pass rates.\n"
    "\n"
    "INPUT is a file, a directory (every *.xml below it) or - for standard input (none is\n"
    "needed for a first --split plan with --tests-json).\n"
    "The same test in several inputs counts once; mixed outcomes make it flaky.\n"
    "\n"
    "outputs (the terminal summary goes to standard output unless --quiet):\n"
    "  --markdown FILE      summary for a CI step summary, cut to under 65,000 bytes\n"
    "  --json FILE          everything, schema " REPORT_SCHEMA " (docs/report.md)\n"
    "  --html FILE          one self-contained page with charts\n"
    "  --junit FILE         every case once, merged, valid against Jenkins' junit-10.xsd\n"
    "  --csv FILE           one row per case: suite,case,labels,outcome,seconds,category\n"
    "  --split N            plan N timing-balanced shards (see --split-dir)\n"
    "  --split-dir DIR      where shard-K.txt and shard-K.regex go (default: split)\n"
    "  (FILE may be - for standard output)\n"
    "\n"
    "analysis:\n"
    "  --categories FILE    more failure rules, tried before the built-in ones:\n"
    "                       {\"rules\": [{\"pattern\": REGEX, \"category\": NAME,\n"
    "                       \"severity\": critical|high|medium|low, \"fix\": TEXT,\n"
    "                       \"field\": message|body|any}]}\n"
    "  --tests-json FILE    labels (and the full test list for --split) from\n"
    "                       ctest --show-only=json-v1\n"
    "  --budget NAME=SECS   total time allowed for a suite or label (repeatable)\n"
    "  --baseline FILE      an earlier --json report: new failures, fixed, slower cases\n"
    "  --slower PERCENT     a case is slower than the baseline past this (default 50)\n"
    "  --slowest N          how many slowest cases to list (default 10)\n"
    "  --title TEXT         the reports' title (default: itest report)\n"
    "  --fact NAME=VALUE    a fact about the run shown at the top of every report\n"
    "                       (repeatable: commit, host, targets, wall time, ...)\n"
    "  --markdown-measurements  list the measurements in the Markdown too (they are\n"
    "                       in the JSON and HTML reports always)\n"
    "  --jobs N             cases the run ran at once (ctest -j): the reports show the\n"
    "                       parallel efficiency, case time / (wall time x N)\n"
    "  --annotations github print a GitHub ::error annotation per failure (file and line\n"
    "                       from its file:line: text), at most 50, the rest summed up\n"
    "\n"
    "history (docs/report.md, \"Result history\"):\n"
    "  --history STORE      an SQLite file or a postgresql:// URL holding recorded runs;\n"
    "                       every report gains their trends (no INPUT needed to read it)\n"
    "  --record             add this run to the store (one transaction)\n"
    "  --run-meta KEY=VALUE the recorded run's commit, branch, jobs, recorded_at (RFC 3339)\n"
    "                       or any other fact (repeatable); commit and branch default to\n"
    "                       the CI's variables (GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT, ...)\n"
    "  --history-keep N     after recording, keep only the newest N runs\n"
    "  --history-runs N     how many recent runs the trends read (default 50)\n"
    "  --history-wait SECS  how long to wait for a store another job holds (default 30)\n"
    "  --trend-window N     runs in the recent window of the change test (default 10)\n"
    "  --trend-change PCT   least median change a duration or measurement must show to be\n"
    "                       reported as moved (default 20)\n"
    "  --fail-on WHAT       exit 1 on: failures (default; failed or errored cases, or a\n"
    "                       budget exceeded), new-failures (needs --baseline), never\n"
    "  --quiet              no terminal summary\n"
    "  --help, --version\n"
    "\n"
    "exit status: 0 clean, 1 failures found (see --fail-on), 2 an input could not be read\n"
    "or parsed (file:line:column: message; the other inputs are still reported), the\n"
    "history store could not be used (the reports are written without trends), or bad usage\n";

struct options {
    const char *markdown, *json, *html, *junit, *csv, *categories, *tests_json, *baseline;
    const char *split_dir, *title;
    size_t split, slowest;
    double slower;
    int quiet;
    enum { FAIL_ON_FAILURES, FAIL_ON_NEW, FAIL_ON_NEVER } fail_on;
    char **budgets;
    size_t nbudgets;
    char **facts; /* NAME=VALUE, the value redacted (owned) */
    size_t nfacts;
    int markdown_measurements;
    const char *history, *annotations;
    int record;
    char **meta;
    size_t nmeta;
    size_t history_keep, history_runs;
    double history_wait;
    long long jobs;
    struct trend_options trend;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("itest-report: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(itest-report --help lists the options)\n", stderr);
    return 2;
}

static int parse_count(const char *s, size_t max, size_t *out)
{
    long long v;
    if (itest_parse_long(&v, s, 1, (long long)max) != 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    return itest_parse_double(out, s, 0, 1e9);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.xml below dir, sorted, appended to list. */
static int walk(const char *dir, char ***list, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t first = *n;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct buf path = {0};
        buf_printf(&path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path.data, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(path.data, list, n, cap);
            buf_free(&path);
        } else {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".xml") == 0) {
                grow(list, cap, *n + 1, sizeof **list);
                (*list)[(*n)++] = path.data;
            } else {
                buf_free(&path);
            }
        }
    }
    closedir(d);
    qsort(*list + first, *n - first, sizeof **list, cmp_str);
    return 0;
}

static void free_facts(struct options *o)
{
    for (size_t i = 0; i < o->nfacts; i++)
        free(o->facts[i]);
    free(o->facts);
    free(o->meta);
}

/* Reads argv into *o. Returns -1 to go on, else the exit status (0 for --help, 2 bad usage);
 * the inputs start at argv[optind]. */
static int parse_options(struct options *o, int argc, char **argv)
{
    static const struct option long_options[] = {{"markdown", required_argument, 0, 'm'},
                                                 {"json", required_argument, 0, 'j'},
                                                 {"html", required_argument, 0, 'H'},
                                                 {"junit", required_argument, 0, 'u'},
                                                 {"csv", required_argument, 0, 'c'},
                                                 {"split", required_argument, 0, 's'},
                                                 {"split-dir", required_argument, 0, 'D'},
                                                 {"categories", required_argument, 0, 'C'},
                                                 {"tests-json", required_argument, 0, 'T'},
                                                 {"budget", required_argument, 0, 'b'},
                                                 {"baseline", required_argument, 0, 'B'},
                                                 {"slower", required_argument, 0, 'S'},
                                                 {"slowest", required_argument, 0, 'n'},
                                                 {"title", required_argument, 0, 't'},
                                                 {"fail-on", required_argument, 0, 'f'},
                                                 {"fact", required_argument, 0, 'F'},
                                                 {"markdown-measurements", no_argument, 0, 'M'},
                                                 {"history", required_argument, 0, 'y'},
                                                 {"record", no_argument, 0, 'r'},
                                                 {"run-meta", required_argument, 0, 'e'},
                                                 {"history-keep", required_argument, 0, 'k'},
                                                 {"history-runs", required_argument, 0, 'R'},
                                                 {"history-wait", required_argument, 0, 'w'},
                                                 {"trend-window", required_argument, 0, 'W'},
                                                 {"trend-change", required_argument, 0, 'G'},
                                                 {"jobs", required_argument, 0, 'J'},
                                                 {"annotations", required_argument, 0, 'A'},
                                                 {"quiet", no_argument, 0, 'q'},
                                                 {"help", no_argument, 0, 'h'},
                                                 {"version", no_argument, 0, 'V'},
                                                 {0, 0, 0, 0}};
    *o = (struct options){.split_dir = "split",
                          .title = "itest report",
                          .slowest = 10,
                          .slower = 50,
                          .history_runs = 50,
                          .history_wait = 30};
    trend_options_default(&o->trend);
    size_t capb = 0, capf = 0, capm = 0;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
        switch (opt) {
        case 'm':
            o->markdown = optarg;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'H':
            o->html = optarg;
            break;
        case 'u':
            o->junit = optarg;
            break;
        case 'c':
            o->csv = optarg;
            break;
        case 'D':
            o->split_dir = optarg;
            break;
        case 'C':
            o->categories = optarg;
            break;
        case 'T':
            o->tests_json = optarg;
            break;
        case 'B':
            o->baseline = optarg;
            break;
        case 't':
            o->title = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 's':
            if (parse_count(optarg, 10000, &o->split) != 0)
                return usage_error("--split %s: expected a number of shards from 1 to 10000",
                                   optarg);
            break;
        case 'n':
            if (parse_count(optarg, 1000000, &o->slowest) != 0)
                return usage_error("--slowest %s: expected a positive number", optarg);
            break;
        case 'S':
            if (parse_seconds(optarg, &o->slower) != 0)
                return usage_error("--slower %s: expected a percentage (a number >= 0)", optarg);
            break;
        case 'b': {
            const char *eq = strrchr(optarg, '=');
            double secs;
            if (!eq || eq == optarg || parse_seconds(eq + 1, &secs) != 0)
                return usage_error("--budget %s: expected NAME=SECONDS, e.g. --budget llm=120",
                                   optarg);
            grow(&o->budgets, &capb, o->nbudgets + 1, sizeof *o->budgets);
            o->budgets[o->nbudgets++] = optarg;
            break;
        }
        case 'F': {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                return usage_error("--fact %s: expected NAME=VALUE, e.g. --fact commit=1a2b3c4",
                                   optarg);
            /* a URL's password or a key=value secret never reaches a report */
            char *shown = itest_redact(eq + 1), *fact = NULL;
            if (!shown || asprintf(&fact, "%.*s=%s", (int)(eq - optarg), optarg, shown) < 0)
                fact = NULL;
            free(shown);
            if (!fact)
                return usage_error("--fact %s: out of memory", optarg);
            grow(&o->facts, &capf, o->nfacts + 1, sizeof *o->facts);
            o->facts[o->nfacts++] = fact;
            break;
        }
        case 'M':
            o->markdown_measurements = 1;
            break;
        case 'y':
            o->history = optarg;
            break;
        case 'r':
            o->record = 1;
            break;
        case 'e':
            if (!strchr(optarg, '=') || *optarg == '=')
                return usage_error("--run-meta %s: expected KEY=VALUE, e.g. --run-meta "
                                   "commit=1a2b3c4",
                                   optarg);
            grow(&o->meta, &capm, o->nmeta + 1, sizeof *o->meta);
            o->meta[o->nmeta++] = optarg;
            break;
        case 'k':
            if (parse_count(optarg, 100000000, &o->history_keep) != 0)
                return itest_usage_bad_value("itest-report", "--history-keep", optarg,
                                             "a number of runs 1..100000000");
            break;
        case 'R':
            if (parse_count(optarg, 100000, &o->history_runs) != 0)
                return itest_usage_bad_value("itest-report", "--history-runs", optarg,
                                             "a number of runs 1..100000");
            break;
        case 'W':
            if (parse_count(optarg, 10000, &o->trend.recent) != 0 || o->trend.recent < 5)
                return itest_usage_bad_value("itest-report", "--trend-window", optarg,
                                             "a number of runs 5..10000");
            break;
        case 'G': {
            double pct;
            if (itest_parse_double(&pct, optarg, 0, 10000) != 0)
                return itest_usage_bad_value("itest-report", "--trend-change", optarg,
                                             "a percentage 0..10000");
            o->trend.min_change = pct / 100;
            break;
        }
        case 'w':
            if (itest_parse_seconds(&o->history_wait, optarg, 0, 86400) != 0)
                return itest_usage_bad_value("itest-report", "--history-wait", optarg,
                                             "a number of seconds 0..86400");
            break;
        case 'J':
            if (itest_parse_long(&o->jobs, optarg, 1, 100000) != 0)
                return itest_usage_bad_value("itest-report", "--jobs", optarg,
                                             "a number of jobs 1..100000");
            break;
        case 'A':
            if (strcmp(optarg, "github") != 0)
                return itest_usage_bad_value("itest-report", "--annotations", optarg,
                                             "github (the one CI format supported)");
            o->annotations = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "failures") == 0)
                o->fail_on = FAIL_ON_FAILURES;
            else if (strcmp(optarg, "new-failures") == 0)
                o->fail_on = FAIL_ON_NEW;
            else if (strcmp(optarg, "never") == 0)
                o->fail_on = FAIL_ON_NEVER;
            else
                return usage_error("--fail-on %s: expected failures, new-failures or never",
                                   optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("itest-report %s\n", ITEST_VERSION);
            return 0;
        default:
            return usage_error("%s: unknown option or missing value", argv[optind - 1]);
        }
    }
    /* a first shard plan needs no results yet: the registered tests, balanced by count */
    if ((o->record || o->history_keep || o->nmeta) && !o->history)
        return usage_error("%s", "--record, --history-keep and --run-meta need --history STORE");
    if (o->record && optind >= argc)
        return usage_error("%s", "--record needs the run's JUnit inputs");
    if (optind >= argc && !(o->split && o->tests_json) && !o->history)
        return usage_error("%s", "no input given: name JUnit files, directories or - (stdin)");
    if (o->fail_on == FAIL_ON_NEW && !o->baseline)
        return usage_error("%s", "--fail-on new-failures needs --baseline FILE");
    return -1;
}

/* What the options name besides the JUnit inputs: rules, the baseline, ctest's test list. */
struct side_inputs {
    struct classifier classifier;
    struct baseline base;
    struct tests_json tests;
};

static void side_inputs_free(struct side_inputs *in)
{
    tests_json_free(&in->tests);
    baseline_free(&in->base);
    classifier_free(&in->classifier);
}

/* Loads them. Returns 0, or -1 after printing which one could not be read and why. */
static int load_side_inputs(struct side_inputs *in, const struct options *o)
{
    memset(in, 0, sizeof *in);
    char err[1024];
    classifier_init(&in->classifier);
    if (o->categories && classifier_load(&in->classifier, o->categories, err, sizeof err) != 0) {
        fprintf(stderr, "itest-report: --categories %s\n", err);
        return -1;
    }
    if (o->baseline && baseline_load(&in->base, o->baseline, err, sizeof err) != 0) {
        fprintf(stderr, "itest-report: --baseline %s\n", err);
        return -1;
    }
    if (o->tests_json && tests_json_load(&in->tests, o->tests_json, err, sizeof err) != 0) {
        fprintf(stderr, "itest-report: --tests-json %s\n", err);
        return -1;
    }
    return 0;
}

/* Reads every input (a file, a directory of *.xml, or -) into m; what could not be read is
 * reported and the rest is kept. */
static void read_inputs(struct model *m, char *const *inputs, int n)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(inputs[i], "-") != 0 && stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            char **files = NULL;
            size_t count = 0, cap = 0;
            walk(inputs[i], &files, &count, &cap);
            if (count == 0)
                fprintf(stderr, "itest-report: %s: no *.xml file below this directory\n",
                        inputs[i]);
            for (size_t k = 0; k < count; k++) {
                junit_read_path(m, files[k]);
                free(files[k]);
            }
            free(files);
        } else {
            junit_read_path(m, inputs[i]);
        }
    }
    for (size_t i = 0; i < m->ninputs; i++)
        if (m->inputs[i].error)
            fprintf(stderr, "itest-report: %s\n", m->inputs[i].message);
}

/* One output file written by its writer; failed set when it could not be. */
struct output_job {
    const char *path;
    void (*write)(FILE *, const struct report_context *);
    const struct report_context *ctx;
    int failed;
};

static void *write_output(void *arg)
{
    struct output_job *j = arg;
    FILE *f = open_output(j->path);
    if (!f) {
        j->failed = 1;
        return NULL;
    }
    j->write(f, j->ctx);
    j->failed = close_output(f, j->path) != 0;
    return NULL;
}

static void *write_outputs(void *arg)
{
    for (struct output_job *j = arg; j->write; j++)
        if (j->path)
            write_output(j);
    return NULL;
}

/* Writes every report the options ask for. Returns 0, or -1 when one could not be written.
 * With two or more files, the JSON and the CSV are written on a second thread while this one
 * writes the JUnit and the HTML (about half the bytes each; the writers only read the model
 * and the analysis). Standard output is written here only. */
static int write_reports(const struct options *o, const struct report_context *ctx,
                         const struct side_inputs *in)
{
    int write_failed = 0;
    if (!o->quiet)
        report_text(stdout, ctx);
    struct output_job second[] = {{o->json, report_json, ctx, 0},
                                  {o->csv, report_csv, ctx, 0},
                                  {NULL, NULL, NULL, 0}},
                      here[] = {{o->junit, report_junit, ctx, 0},
                                {o->html, report_html, ctx, 0},
                                {NULL, NULL, NULL, 0}};
    int to_stdout = 0, files = 0;
    for (size_t i = 0; i < 2; i++) {
        const char *paths[] = {second[i].path, here[i].path};
        for (size_t k = 0; k < 2; k++) {
            to_stdout |= paths[k] && strcmp(paths[k], "-") == 0;
            files += paths[k] != NULL;
        }
    }
    pthread_t thread;
    int threaded =
        !to_stdout && files >= 2 && pthread_create(&thread, NULL, write_outputs, second) == 0;
    if (!threaded)
        write_outputs(second);
    write_outputs(here);
    if (o->markdown)
        write_failed |= report_markdown_file(o->markdown, ctx) != 0;
    if (o->split)
        write_failed |= split_write(ctx->m, o->tests_json ? &in->tests : NULL, o->split,
                                    o->split_dir, o->quiet ? NULL : stdout) != 0;
    if (threaded)
        pthread_join(thread, NULL);
    for (size_t i = 0; i < 2; i++)
        write_failed |= second[i].failed | here[i].failed;
    return write_failed ? -1 : 0;
}

/* --history: records this run (--record), prunes (--history-keep), reads the recent runs and
 * computes their trends. Returns 0, or -1 after printing why the store could not be used. */
static int use_history(const struct options *o, const struct report_context *ctx,
                       struct history **store, struct history_data *hist, struct trends *trends)
{
    char err[1024];
    if (history_open(store, o->history, o->history_wait, err, sizeof err) != 0) {
        fprintf(stderr,
                "itest-report: --history %s\nitest-report: the reports are written "
                "without trends\n",
                err);
        return -1;
    }
    if (o->record) {
        struct history_run_build b;
        history_run_build(&b, ctx, (const char *const *)o->meta, o->nmeta);
        int64_t id;
        int rc = history_record(*store, &b.run, &id, err, sizeof err);
        history_run_build_free(&b);
        if (rc != 0) {
            fprintf(stderr,
                    "itest-report: --record %s\nitest-report: nothing was recorded; "
                    "the reports are written without trends\n",
                    err);
            return -1;
        }
        if (!o->quiet)
            fprintf(stderr, "itest-report: recorded run %lld in %s\n", (long long)id,
                    history_name(*store));
    }
    if (o->history_keep) {
        size_t removed;
        if (history_prune(*store, o->history_keep, &removed, err, sizeof err) != 0) {
            fprintf(stderr, "itest-report: --history-keep %s\n", err);
            return -1;
        }
        if (removed && !o->quiet)
            fprintf(stderr, "itest-report: pruned %zu old run%s\n", removed,
                    removed == 1 ? "" : "s");
    }
    if (history_load(*store, o->history_runs, hist, err, sizeof err) != 0) {
        fprintf(stderr,
                "itest-report: --history %s\nitest-report: the reports are written "
                "without trends\n",
                err);
        return -1;
    }
    trends_compute(trends, hist, &o->trend);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(&o, argc, argv);
    if (rc >= 0)
        return rc;
    /* Keep freed memory instead of handing it back to the kernel mid-run: with the reader's
     * second thread, every unmap or remap costs a TLB shootdown on both cores. The two big
     * arrays are reservations (model.c, strtab.c) and never move. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    LIBXML_TEST_VERSION
    struct side_inputs in;
    if (load_side_inputs(&in, &o) != 0) {
        side_inputs_free(&in);
        free(o.budgets);
        free_facts(&o);
        return 2;
    }
    struct model m;
    model_init(&m, &in.classifier);
    read_inputs(&m, argv + optind, argc - optind);
    if (o.tests_json)
        tests_json_apply(&in.tests, &m);

    struct analysis a;
    analyse(&a, &m, o.budgets, o.nbudgets, o.slowest, o.baseline ? &in.base : NULL, o.slower);
    analyse_run_shape(&a, &m, (int)o.jobs);
    struct report_context ctx = {.m = &m,
                                 .a = &a,
                                 .title = o.title,
                                 .facts = (const char *const *)o.facts,
                                 .nfacts = o.nfacts,
                                 .markdown_measurements = o.markdown_measurements};
    struct history_data hist = {0};
    struct trends trends = {0};
    struct history *store = NULL;
    int history_failed = 0;
    if (o.history) {
        history_failed = use_history(&o, &ctx, &store, &hist, &trends) != 0;
        if (!history_failed) {
            ctx.trends = &trends;
            ctx.history_name = history_name(store);
        }
    }
    int write_failed = write_reports(&o, &ctx, &in) != 0;
    if (o.annotations)
        report_annotations_github(stdout, &ctx);
    rc = 0;
    if (a.input_errors || write_failed || history_failed)
        rc = 2;
    else if (o.fail_on == FAIL_ON_FAILURES && (a.failed || a.errored || a.budget_violations))
        rc = 1;
    else if (o.fail_on == FAIL_ON_NEW && a.nnew_failures)
        rc = 1;

    trends_free(&trends);
    history_data_free(&hist);
    history_close(store);
    analysis_free(&a);
    model_free(&m);
    side_inputs_free(&in);
    free(o.budgets);
    free_facts(&o);
    xmlCleanupParser();
    return rc;
}
