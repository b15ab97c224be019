/* --html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the
 * run's facts and the outcome totals, a duration histogram and per-suite bars, then the
 * tables, the measurements by case and every case folded away. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define BARS 30
#define ROWS 500

static const char *const colours[] = {"#2da44e", "#8c959f", "#cf222e", "#82071e", "#bf8700"};

static void outcome_bar(FILE *f, const struct analysis *a)
{
    size_t counts[] = {a->passed, a->skipped, a->failed, a->errored, a->flaky};
    double x = 0, width = 720;
    fputs("<svg class=\"chart\" width=\"720\" height=\"56\" role=\"img\" "
          "aria-label=\"outcome totals\">\n",
          f);
    for (int o = 0; o < 5; o++) {
        double w = a->tests ? width * (double)counts[o] / (double)a->tests : 0;
        if (w > 0)
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"24\" fill=\"%s\">"
                    "<title>%s: %zu</title></rect>\n",
                    x, w, colours[o], outcome_name((enum outcome)o), counts[o]);
        x += w;
        fprintf(f,
                "<rect x=\"%d\" y=\"36\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"47\">%s %zu</text>\n",
                o * 140, colours[o], o * 140 + 16, outcome_name((enum outcome)o), counts[o]);
    }
    fputs("</svg>\n", f);
}

static void histogram(FILE *f, const struct model *m)
{
    /* half-decade bins from 1 ms to 1000 s, plus one for faster and one for slower */
    enum { BINS = 14, LEFT = 40, W = 51 };
    size_t bins[BINS] = {0}, top = 0;
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        if (t->final == OUT_SKIPPED)
            continue;
        double s = test_seconds(t);
        int b = s < 0.001 ? 0 : (int)floor((log10(s) + 3) * 2) + 1;
        b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
        bins[b]++;
    }
    for (int b = 0; b < BINS; b++)
        top = bins[b] > top ? bins[b] : top;
    /* the edges between the bins: bin b holds [edges[b - 1], edges[b]) */
    static const char *const edges[BINS - 1] = {"1ms", "3ms", "10ms", "30ms", "0.1s", "0.3s", "1s",
                                                "3s",  "10s", "30s",  "100s", "300s", "1000s"};
    fprintf(f,
            "<svg class=\"chart\" width=\"%d\" height=\"240\" role=\"img\" "
            "aria-label=\"duration histogram\">\n"
            "<text x=\"0\" y=\"12\" class=\"small\">cases</text>\n"
            "<line x1=\"%d\" y1=\"165\" x2=\"%d\" y2=\"165\" stroke=\"#8c959f\"/>\n",
            LEFT + BINS * W + 40, LEFT - 4, LEFT + BINS * W);
    for (int b = 0; b < BINS; b++) {
        double h = top ? 140.0 * (double)bins[b] / (double)top : 0;
        int x = LEFT + b * W;
        fprintf(f,
                "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#0969da\">"
                "<title>%s%s%s%s: %zu cases</title></rect>\n",
                x + 2, 165 - h, W - 4, h,
                b == 0          ? "under "
                : b == BINS - 1 ? ""
                                : "",
                b == 0 ? edges[0] : edges[b - 1],
                b == 0          ? ""
                : b == BINS - 1 ? " or more"
                                : " to ",
                b == 0 || b == BINS - 1 ? "" : edges[b], bins[b]);
        if (bins[b])
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"small\">%zu</text>\n", x + 4, 160 - h,
                    bins[b]);
        if (b < BINS - 1) /* a tick and its edge under the boundary */
            fprintf(f,
                    "<line x1=\"%d\" y1=\"165\" x2=\"%d\" y2=\"171\" stroke=\"#8c959f\"/>"
                    "<text x=\"%d\" y=\"184\" class=\"small\" text-anchor=\"middle\">%s</text>\n",
                    x + W, x + W, x + W, edges[b]);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"210\" class=\"small\" text-anchor=\"middle\">duration of a "
            "case (skipped cases left out); each bar counts the cases between the edges under "
            "it</text>\n</svg>\n",
            LEFT + BINS * W / 2);
}

static int by_total_desc(const void *a, const void *b)
{
    const struct timing_row *x = *(const struct timing_row *const *)a;
    const struct timing_row *y = *(const struct timing_row *const *)b;
    return (x->total < y->total) - (x->total > y->total);
}

static void suite_bars(FILE *f, const struct analysis *a)
{
    if (!a->nsuites)
        return;
    const struct timing_row **rows = xmalloc(a->nsuites * sizeof *rows);
    for (size_t i = 0; i < a->nsuites; i++)
        rows[i] = &a->suites[i];
    qsort(rows, a->nsuites, sizeof *rows, by_total_desc);
    size_t n = a->nsuites < BARS ? a->nsuites : BARS;
    double top = rows[0]->total > 0 ? rows[0]->total : 1;
    /* 220 px of name, 420 of bar, and room after the longest bar for its label */
    fprintf(f,
            "<svg class=\"chart\" width=\"900\" height=\"%zu\" role=\"img\" "
            "aria-label=\"time per suite\">\n",
            n * 22 + 4);
    for (size_t i = 0; i < n; i++) {
        double w = 420 * rows[i]->total / top;
        fprintf(f, "<text x=\"0\" y=\"%zu\" class=\"small\"><title>", i * 22 + 15);
        put_html(f, rows[i]->name);
        fputs("</title>", f);
        put_html_cut(f, rows[i]->name, 34);
        fputs("</text>", f);
        fprintf(f,
                "<rect x=\"220\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
                "<title>%.3f s, %zu cases, %zu failed</title></rect>"
                "<text x=\"%.1f\" y=\"%zu\" class=\"small\">%.3f s%s</text>\n",
                i * 22 + 3, w, rows[i]->failed ? colours[2] : "#0969da", rows[i]->total,
                rows[i]->count, rows[i]->failed, 226 + w, i * 22 + 15, rows[i]->total,
                rows[i]->failed ? " (failures)" : "");
    }
    fputs("</svg>\n", f);
    if (a->nsuites > n)
        fprintf(f, "<p>%zu more suites in the timing table.</p>\n", a->nsuites - n);
    free(rows);
}

static void timing_table(FILE *f, const char *what, const struct timing_row *rows, size_t n)
{
    if (!n)
        return;
    fprintf(f,
            "<h2>Timing per %s</h2>\n<table><tr><th>%s</th><th>cases</th><th>failed</th>"
            "<th>total s</th><th>mean s</th><th>min s</th><th>max s</th><th>p50 s</th>"
            "<th>p95 s</th><th>p99 s</th></tr>\n",
            what, what);
    for (size_t i = 0; i < n && i < ROWS; i++) {
        const struct timing_row *r = &rows[i];
        fputs("<tr><td>", f);
        put_html(f, r->name);
        fprintf(f,
                "</td><td>%zu</td><td>%zu</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                "<td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
                r->count, r->failed, r->total, r->mean, r->min, r->max, r->p50, r->p95, r->p99);
    }
    fputs("</table>\n", f);
}

/* Every case, folded away: its outcome, time and, for a failure, category and message. */
static void case_list(FILE *f, const struct report_context *r, struct buf *id)
{
    const struct model *m = r->m;
    enum { CASES = 5000 };
    fprintf(f,
            "<details id=\"cases\"><summary>Every case (%zu)</summary>\n<table><tr>"
            "<th>case</th><th>outcome</th><th>seconds</th><th>category</th><th>message</th></tr>\n",
            m->ntests);
    for (size_t i = 0; i < m->ntests && i < CASES; i++) {
        const struct test *t = &m->tests[i];
        const struct failure *x = report_failure(r, t);
        const char *category = report_category(r, t);
        report_test_id(r, t, id);
        fprintf(f, "<tr class=\"%s\"><td>", outcome_name((enum outcome)t->final));
        put_html(f, id->data);
        fprintf(f, "</td><td>%s</td><td>%.3f</td><td>", outcome_name((enum outcome)t->final),
                test_seconds(t));
        put_html(f, category);
        fputs("</td><td>", f);
        if (*category && x)
            put_html_cut(f, strtab_get(&m->str, x->message), 160);
        else if (t->final == OUT_SKIPPED && t->skip_message)
            put_html_cut(f, strtab_get(&m->str, t->skip_message), 160);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (m->ntests > CASES)
        fprintf(f, "<p>%zu more cases in the JSON and CSV reports.</p>\n", m->ntests - CASES);
    fputs("</details>\n", f);
}

void report_html(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    const struct classifier *c = m->classifier;
    struct buf id = {0};
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    put_html(f, r->title);
    fputs("</title>\n<style>\n"
          "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1100px}\n"
          "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #d0d7de;"
          "padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}\n"
          "code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f6f8fa;"
          "padding:6px;margin:4px 0}\n.chart text{font:12px system-ui,sans-serif}"
          ".chart .small{font-size:11px}\n.critical{color:#82071e;font-weight:bold}"
          ".high{color:#cf222e}.medium{color:#9a6700}.low{color:#57606a}\n"
          ".totals span{display:inline-block;margin-right:1.2em;font-size:16px}\n"
          "</style></head><body>\n<h1>",
          f);
    put_html(f, r->title);
    fputs("</h1>\n", f);
    if (r->nfacts) { /* the run: commit, host, targets, as the caller gave them */
        fputs("<table class=\"facts\" id=\"facts\">\n", f);
        for (size_t i = 0; i < r->nfacts; i++) {
            size_t n;
            const char *value = report_fact(r->facts[i], &n);
            fprintf(f, "<tr><th>%.*s</th><td>", (int)n, r->facts[i]);
            put_html(f, value);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    if (m->ninputs == 0 && r->trends) { /* the history alone: no run of its own to show */
        report_trends_html(f, r);
        fputs("</body></html>\n", f);
        buf_free(&id);
        return;
    }
    fprintf(f,
            "<p class=\"totals\"><span>%zu tests</span><span>%zu passed</span>"
            "<span>%zu failed</span><span>%zu errored</span><span>%zu skipped</span>"
            "<span>%zu flaky</span><span>%zu runs</span><span title=\"the cases' own times "
            "added up; cases that ran side by side make it more than the run took\">%.3f s "
            "of case time, summed</span></p>\n",
            a->tests, a->passed, a->failed, a->errored, a->skipped, a->flaky, a->runs, a->seconds);
    outcome_bar(f, a);
    if (a->wall_seconds >= 0) {
        fprintf(f, "<p id=\"run-shape\">The run took %.3f s of wall time", a->wall_seconds);
        if (a->jobs > 0)
            fprintf(f, " with %d jobs: parallel efficiency %.0f%%", a->jobs, 100 * a->efficiency);
        fputs(".</p>\n", f);
    }
    report_trends_html(f, r);
    for (size_t i = 0; i < m->ninputs; i++)
        if (m->inputs[i].error) {
            fputs("<p class=\"critical\">Input error: <code>", f);
            put_html(f, m->inputs[i].message);
            fputs("</code></p>\n", f);
        }

    if (a->ngroups) {
        fputs("<h2>Failures by category</h2>\n<table><tr><th>severity</th><th>category</th>"
              "<th>failures</th><th>suggested fix</th></tr>\n",
              f);
        for (size_t k = 0; k < c->ncats; k++) {
            if (!a->category_failures[k])
                continue;
            fprintf(f, "<tr><td class=\"%s\">%s</td><td>", c->cats[k].severity,
                    c->cats[k].severity);
            put_html(f, c->cats[k].name);
            fprintf(f, "</td><td>%zu</td><td>", a->category_failures[k]);
            put_html(f, c->cats[k].fix);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n<h2>Failure groups</h2>\n<table><tr><th>category</th><th>count</th>"
              "<th>signature, example and cases</th></tr>\n",
              f);
        for (size_t g = 0; g < a->ngroups && g < ROWS; g++) {
            uint32_t gi = a->groups[g];
            const struct group *grp = &m->groups[gi];
            fputs("<tr><td>", f);
            put_html(f, c->cats[grp->category].name);
            fprintf(f, "</td><td>%u</td><td><code>", grp->count);
            put_html(f, strtab_get(&m->str, grp->signature));
            fputs("</code><details><summary>example and cases</summary><pre>", f);
            put_html(f, strtab_get(&m->str, grp->example));
            fputs("</pre><ul>", f);
            size_t listed = 0;
            for (uint32_t i = a->group_head[gi]; i && listed < 20; i = a->failure_next[i - 1]) {
                report_test_id(r, &m->tests[m->failures[i - 1].test], &id);
                fputs("<li>", f);
                put_html(f, id.data);
                fputs("</li>", f);
                listed++;
            }
            fputs("</ul></details></td></tr>\n", f);
        }
        fputs("</table>\n<p>Suites most affected: ", f);
        for (size_t i = 0; i < a->naffected && i < 10; i++) {
            fputs(i ? ", " : "", f);
            put_html(f, a->affected[i].suite);
            fprintf(f, " (%zu)", a->affected[i].failures);
        }
        fputs("</p>\n", f);
    }
    fputs("<h2>Durations</h2>\n", f);
    histogram(f, m);
    fputs("<h2>Time per suite</h2>\n", f);
    suite_bars(f, a);
    if (a->has_baseline) {
        fprintf(f,
                "<h2>Against the baseline</h2>\n<p>%zu new failures, %zu fixed, %zu slower by "
                "more than %.0f%%.</p>\n<ul>",
                a->nnew_failures, a->nfixed, a->nslower, a->slower_percent);
        for (size_t i = 0; i < a->nnew_failures && i < ROWS; i++) {
            report_test_id(r, &m->tests[a->new_failures[i].test], &id);
            fputs("<li>new failure: ", f);
            put_html(f, id.data);
            fputs("</li>", f);
        }
        for (size_t i = 0; i < a->nfixed && i < ROWS; i++) {
            report_test_id(r, &m->tests[a->fixed[i].test], &id);
            fputs("<li>fixed: ", f);
            put_html(f, id.data);
            fputs("</li>", f);
        }
        for (size_t i = 0; i < a->nslower && i < ROWS; i++) {
            report_test_id(r, &m->tests[a->slower[i].test], &id);
            fputs("<li>slower: ", f);
            put_html(f, id.data);
            fprintf(f, " %.3f s → %.3f s</li>", a->slower[i].before, a->slower[i].after);
        }
        fputs("</ul>\n", f);
    }
    if (a->nflaky) {
        fputs("<h2>Flaky cases</h2>\n<table><tr><th>case</th><th>runs</th><th>reruns</th></tr>\n",
              f);
        for (size_t i = 0; i < a->nflaky && i < ROWS; i++) {
            const struct test *t = &m->tests[a->flaky_tests[i]];
            report_test_id(r, t, &id);
            fputs("<tr><td>", f);
            put_html(f, id.data);
            fprintf(f, "</td><td>%u</td><td>%u</td></tr>\n", t->runs, t->flaky_reruns);
        }
        fputs("</table>\n", f);
    }
    if (a->nmodels) {
        fputs("<h2>Pass rate per model</h2>\n<table><tr><th>model</th><th>cases</th><th>passed</th>"
              "<th>failed</th><th>errored</th><th>skipped</th><th>flaky</th><th>pass "
              "rate</th></tr>\n",
              f);
        for (size_t i = 0; i < a->nmodels; i++) {
            const struct model_row *x = &a->models[i];
            fputs("<tr><td>", f);
            put_html(f, x->model);
            fprintf(f,
                    "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>",
                    x->tests, x->passed, x->failed, x->errored, x->skipped, x->flaky);
            if (x->pass_rate < 0)
                fputs("<td>–</td></tr>\n", f);
            else
                fprintf(f, "<td>%.1f%%</td></tr>\n", 100 * x->pass_rate);
        }
        fputs("</table>\n", f);
    }
    if (a->nbudgets) {
        fputs("<h2>Budgets</h2>\n<table><tr><th>suite or label</th><th>budget s</th>"
              "<th>actual s</th><th></th></tr>\n",
              f);
        for (size_t i = 0; i < a->nbudgets; i++) {
            const struct budget *b = &a->budgets[i];
            fputs("<tr><td>", f);
            put_html(f, b->name);
            fprintf(f, "</td><td>%.3f</td><td>%.3f</td><td>%s</td></tr>\n", b->limit, b->actual,
                    !b->found     ? "no such suite or label"
                    : b->violated ? "over"
                                  : "within");
        }
        fputs("</table>\n", f);
    }
    timing_table(f, "suite", a->suites, a->nsuites);
    timing_table(f, "label", a->labels, a->nlabels);
    if (a->nslowest) {
        fputs("<h2>Slowest cases</h2>\n<table><tr><th>case</th><th>seconds</th></tr>\n", f);
        for (size_t i = 0; i < a->nslowest; i++) {
            const struct test *t = &m->tests[a->slowest[i]];
            report_test_id(r, t, &id);
            fputs("<tr><td>", f);
            put_html(f, id.data);
            fprintf(f, "</td><td>%.3f</td></tr>\n", test_seconds(t));
        }
        fputs("</table>\n", f);
    }
    if (a->nmetrics) {
        /* one row per case, each measurement with its unit and four significant digits */
        fputs("<h2>Measurements</h2>\n<table id=\"measurements\"><tr><th>case</th>"
              "<th>measurements</th></tr>\n",
              f);
        struct buf one = {0};
        size_t rows = 0, i = 0;
        while (i < a->nmetrics && rows < ROWS) {
            uint32_t test = m->metrics[a->metrics[i]].test;
            report_test_id(r, &m->tests[test], &id);
            fputs("<tr><td>", f);
            put_html(f, id.data);
            fputs("</td><td>", f);
            for (int first = 1; i < a->nmetrics && m->metrics[a->metrics[i]].test == test;
                 i++, first = 0) {
                const struct metric *x = &m->metrics[a->metrics[i]];
                buf_clear(&one);
                report_measurement(&one, strtab_get(&m->str, x->name),
                                   strtab_get(&m->str, x->value));
                fputs(first ? "" : "<br>", f);
                put_html(f, one.data);
            }
            fputs("</td></tr>\n", f);
            rows++;
        }
        fputs("</table>\n", f);
        if (i < a->nmetrics)
            fprintf(f, "<p>%zu more measurements in the JSON report.</p>\n", a->nmetrics - i);
        buf_free(&one);
    }
    case_list(f, r, &id);
    fputs("</body></html>\n", f);
    buf_free(&id);
}
