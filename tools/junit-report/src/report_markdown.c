/* --markdown: fits a GitHub step summary. Written to memory first, then cut at a line
 * boundary under MARKDOWN_LIMIT with a note saying where the rest is. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define GROUPS_LISTED 25
#define ROWS_LISTED 50

static void timing_table(FILE *f, const char *what, const struct timing_row *rows, size_t n)
{
    if (!n)
        return;
    fprintf(f,
            "\n### Timing per %s\n\n| %s | cases | failed | total s | mean s | min s | max s | "
            "p50 s | p95 s | p99 s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            what, what);
    for (size_t i = 0; i < n; i++) {
        const struct timing_row *r = &rows[i];
        fputs("| ", f);
        put_md_cell(f, r->name, 80);
        fprintf(f, " | %zu | %zu | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", r->count,
                r->failed, r->total, r->mean, r->min, r->max, r->p50, r->p95, r->p99);
    }
}

void report_markdown(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    const struct classifier *c = m->classifier;
    struct buf id = {0};
    int bad = a->failed || a->errored || a->input_errors;
    fprintf(f, "## %s %s\n\n", bad ? "❌" : "✅", r->title);
    for (size_t i = 0; i < r->nfacts; i++) { /* the run's facts, as the caller gave them */
        size_t n;
        const char *value = report_fact(r->facts[i], &n);
        fputs(i ? " · **" : "**", f);
        fwrite(r->facts[i], 1, n, f);
        fputs(":** ", f);
        put_md_cell(f, value, 200);
    }
    if (r->nfacts)
        fputs("\n\n", f);
    if (m->ninputs == 0 && r->trends) { /* the history alone: no run of its own to show */
        report_trends_markdown(f, r);
        buf_free(&id);
        return;
    }
    /* the time is the cases' own, added up: under ctest -j the run took less */
    fputs("| tests | passed | failed | errored | skipped | flaky | runs | sum of case times s |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|\n",
          f);
    fprintf(f, "| %zu | %zu | %zu | %zu | %zu | %zu | %zu | %.3f |\n", a->tests, a->passed,
            a->failed, a->errored, a->skipped, a->flaky, a->runs, a->seconds);
    if (a->wall_seconds >= 0) {
        fprintf(f, "\nThe run took %.3f s of wall time", a->wall_seconds);
        if (a->jobs > 0)
            fprintf(f, " with %d jobs: parallel efficiency %.0f%%", a->jobs, 100 * a->efficiency);
        fputs(".\n", f);
    }
    report_trends_markdown(f, r);

    for (size_t i = 0; i < m->ninputs; i++)
        if (m->inputs[i].error) {
            fputs("\n> **Input error:** `", f);
            put_md_code(f, m->inputs[i].message, 400);
            fputs("`\n", f);
        }

    if (a->ngroups) {
        fputs("\n### Failures by category\n\n| severity | category | failures | suggested fix |\n"
              "|---|---|---:|---|\n",
              f);
        for (size_t k = 0; k < c->ncats; k++) {
            if (!a->category_failures[k])
                continue;
            fprintf(f, "| %s | %s | %zu | ", c->cats[k].severity, c->cats[k].name,
                    a->category_failures[k]);
            put_md_cell(f, c->cats[k].fix, 400);
            fputs(" |\n", f);
        }
        fputs("\n| category | count | signature | example case |\n|---|---:|---|---|\n", f);
        for (size_t g = 0; g < a->ngroups && g < GROUPS_LISTED; g++) {
            uint32_t gi = a->groups[g];
            const struct group *grp = &m->groups[gi];
            fprintf(f, "| %s | %u | `", c->cats[grp->category].name, grp->count);
            put_md_code(f, strtab_get(&m->str, grp->signature), 200);
            fputs("` | ", f);
            if (a->group_head[gi]) {
                report_test_id(r, &m->tests[m->failures[a->group_head[gi] - 1].test], &id);
                put_md_cell(f, id.data, 120);
            }
            fputs(" |\n", f);
        }
        if (a->ngroups > GROUPS_LISTED)
            fprintf(f, "\n%zu more groups in the JSON and HTML reports.\n",
                    a->ngroups - GROUPS_LISTED);
        fputs("\n**Suites most affected:** ", f);
        for (size_t i = 0; i < a->naffected && i < 10; i++) {
            fputs(i ? ", " : "", f);
            put_md_cell(f, a->affected[i].suite, 80);
            fprintf(f, " (%zu)", a->affected[i].failures);
        }
        fputc('\n', f);
    }
    if (a->has_baseline) {
        fprintf(f,
                "\n### Against the baseline\n\n%zu new failures, %zu fixed, %zu slower by more "
                "than %.0f%%.\n\n",
                a->nnew_failures, a->nfixed, a->nslower, a->slower_percent);
        for (size_t i = 0; i < a->nnew_failures && i < ROWS_LISTED; i++) {
            report_test_id(r, &m->tests[a->new_failures[i].test], &id);
            fputs("- new failure: `", f);
            put_md_code(f, id.data, 200);
            fputs("`\n", f);
        }
        for (size_t i = 0; i < a->nfixed && i < ROWS_LISTED; i++) {
            report_test_id(r, &m->tests[a->fixed[i].test], &id);
            fputs("- fixed: `", f);
            put_md_code(f, id.data, 200);
            fputs("`\n", f);
        }
        for (size_t i = 0; i < a->nslower && i < ROWS_LISTED; i++) {
            report_test_id(r, &m->tests[a->slower[i].test], &id);
            fputs("- slower: `", f);
            put_md_code(f, id.data, 200);
            fprintf(f, "` %.3f s → %.3f s\n", a->slower[i].before, a->slower[i].after);
        }
    }
    if (a->nflaky) {
        fputs("\n### Flaky cases\n\n| case | runs | reruns |\n|---|---:|---:|\n", f);
        for (size_t i = 0; i < a->nflaky && i < ROWS_LISTED; i++) {
            const struct test *t = &m->tests[a->flaky_tests[i]];
            report_test_id(r, t, &id);
            fputs("| ", f);
            put_md_cell(f, id.data, 200);
            fprintf(f, " | %u | %u |\n", t->runs, t->flaky_reruns);
        }
    }
    if (a->nmodels) {
        fputs(
            "\n### Pass rate per model\n\n| model | cases | passed | failed | errored | skipped | "
            "flaky | pass rate |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            f);
        for (size_t i = 0; i < a->nmodels; i++) {
            const struct model_row *x = &a->models[i];
            fputs("| ", f);
            put_md_cell(f, x->model, 80);
            fprintf(f, " | %zu | %zu | %zu | %zu | %zu | %zu | ", x->tests, x->passed, x->failed,
                    x->errored, x->skipped, x->flaky);
            if (x->pass_rate < 0)
                fputs("– |\n", f);
            else
                fprintf(f, "%.1f%% |\n", 100 * x->pass_rate);
        }
    }
    if (a->nbudgets) {
        fputs("\n### Budgets\n\n| suite or label | budget s | actual s | |\n|---|---:|---:|---|\n",
              f);
        for (size_t i = 0; i < a->nbudgets; i++) {
            const struct budget *b = &a->budgets[i];
            fputs("| ", f);
            put_md_cell(f, b->name, 80);
            fprintf(f, " | %.3f | %.3f | %s |\n", b->limit, b->actual,
                    !b->found     ? "no such suite or label"
                    : b->violated ? "❌ over"
                                  : "✅");
        }
    }
    timing_table(f, "suite", a->suites, a->nsuites);
    timing_table(f, "label", a->labels, a->nlabels);
    if (a->nslowest) {
        fputs("\n### Slowest cases\n\n| case | seconds |\n|---|---:|\n", f);
        for (size_t i = 0; i < a->nslowest; i++) {
            const struct test *t = &m->tests[a->slowest[i]];
            report_test_id(r, t, &id);
            fputs("| ", f);
            put_md_cell(f, id.data, 200);
            fprintf(f, " | %.3f |\n", test_seconds(t));
        }
    }
    if (a->nmetrics && !r->markdown_measurements) {
        fprintf(f,
                "\n%zu measurements are in the JSON and HTML reports (`--markdown-measurements` "
                "lists them here).\n",
                a->nmetrics);
    } else if (a->nmetrics) {
        /* one row per case, its measurements with their units */
        fputs("\n### Measurements\n\n| case | measurements |\n|---|---|\n", f);
        struct buf line = {0};
        size_t rows = 0, i = 0;
        while (i < a->nmetrics && rows < 200) {
            uint32_t test = m->metrics[a->metrics[i]].test;
            buf_clear(&line);
            for (; i < a->nmetrics && m->metrics[a->metrics[i]].test == test; i++) {
                const struct metric *x = &m->metrics[a->metrics[i]];
                if (line.len)
                    buf_add(&line, ", ", 2);
                report_measurement(&line, strtab_get(&m->str, x->name),
                                   strtab_get(&m->str, x->value));
            }
            report_test_id(r, &m->tests[test], &id);
            fputs("| ", f);
            put_md_cell(f, id.data, 200);
            fputs(" | ", f);
            put_md_cell(f, line.data ? line.data : "", 2000);
            fputs(" |\n", f);
            rows++;
        }
        if (i < a->nmetrics)
            fprintf(f, "\n%zu more measurements in the JSON report.\n", a->nmetrics - i);
        buf_free(&line);
    }
    buf_free(&id);
}

int report_markdown_file(const char *path, const struct report_context *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "itest-report: %s: out of memory\n", path);
        return -1;
    }
    report_markdown(mem, r);
    fclose(mem);
    static const char note[] =
        "\n\n> The summary was cut here to fit a CI step summary (%zu of %zu bytes shown); the "
        "JSON and HTML reports hold everything.\n";
    char tail[400] = "";
    if (len > MARKDOWN_LIMIT) { /* cut at a line boundary, leaving room for the note */
        size_t cut = MARKDOWN_LIMIT - sizeof tail;
        while (cut > 0 && text[cut - 1] != '\n')
            cut--;
        snprintf(tail, sizeof tail, note, cut, len);
        len = cut;
    }
    FILE *f = open_output(path);
    if (!f) {
        free(text);
        return -1;
    }
    fwrite(text, 1, len, f);
    fputs(tail, f);
    free(text);
    return close_output(f, path);
}
