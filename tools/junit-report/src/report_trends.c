/* The trends section of each report (trends.h): the terminal's short list, the Markdown
 * tables, the JSON object (TRENDS_SCHEMA, docs/report.md) and the HTML charts (inline SVG, no
 * external assets). The run shape (wall time, case time, parallel efficiency) is here too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "trends.h"

#define LISTED 10 /* rows per list in the terminal and Markdown */

static const char *case_name(const struct trends *t, uint32_t c)
{
    return t->d->cases[c].name;
}

static const struct history_run *run_of(const struct trends *t, size_t r)
{
    return &t->d->runs[r];
}

static const char *short_commit(const char *c)
{
    static char out[16];
    snprintf(out, sizeof out, "%.12s", c && *c ? c : "?");
    return out;
}

void report_run_shape_text(FILE *f, const struct analysis *a)
{
    if (a->wall_seconds < 0)
        return;
    fprintf(f, "  run: %.3f s wall, %.3f s of case time", a->wall_seconds, a->seconds);
    if (a->jobs > 0)
        fprintf(f, ", %d jobs, parallel efficiency %.0f%%", a->jobs, 100 * a->efficiency);
    fputc('\n', f);
}

void report_trends_text(FILE *f, const struct report_context *r)
{
    const struct trends *t = r->trends;
    if (!t)
        return;
    const struct history_data *d = t->d;
    fprintf(f, "trends over %zu recorded run%s (%s):\n", d->nruns, d->nruns == 1 ? "" : "s",
            r->history_name);
    if (d->nruns)
        fprintf(f, "  pass rate, last runs:");
    for (size_t i = d->nruns > 10 ? d->nruns - 10 : 0; i < d->nruns; i++)
        fprintf(f, isnan(t->pass_rate[i]) ? " -" : " %.1f%%", 100 * t->pass_rate[i]);
    if (d->nruns)
        fputc('\n', f);
    if (!t->nfailing && !t->nflaky && !t->ndurations && !t->nmeasures && d->nruns)
        fputs("  no failing or flaky case; no duration or measurement moved\n", f);
    for (size_t i = 0; i < t->nfailing && i < LISTED; i++) {
        const struct case_trend *c = &t->cases[t->failing[i]];
        const struct history_run *run = run_of(t, c->streak_start);
        fprintf(f, "  failing %s since run %lld (%s, commit %s), %zu run%s\n",
                case_name(t, c->index), (long long)run->id, run->recorded_at,
                short_commit(run->commit), c->streak_length, c->streak_length == 1 ? "" : "s");
    }
    for (size_t i = 0; i < t->nflaky && i < LISTED; i++) {
        const struct case_trend *c = &t->cases[t->flaky[i]];
        fprintf(f, "  flaky %s: %zu flip%s in %zu runs (flip rate %.2f, pass rate %.0f%%)\n",
                case_name(t, c->index), c->flips, c->flips == 1 ? "" : "s", c->ran, c->flip_rate,
                100 * c->pass_rate);
    }
    for (size_t i = 0; i < t->ndurations && i < LISTED; i++) {
        const struct change *c = &t->durations[i];
        fprintf(f, "  %s %s: median %.3f s -> %.3f s (%+.0f%%, p=%.2g)\n",
                c->ratio > 0 ? "slower" : "faster", case_name(t, c->index), c->before, c->after,
                100 * c->ratio, c->p);
    }
    for (size_t i = 0; i < t->nmeasures && i < LISTED; i++) {
        const struct change *c = &t->measures[i];
        const struct history_series *s = &d->measures[c->index];
        fprintf(f, "  measurement %s %s: median %.4g -> %.4g (%+.0f%%, p=%.2g)\n",
                case_name(t, s->case_index), s->name, c->before, c->after, 100 * c->ratio, c->p);
    }
}

void report_trends_markdown(FILE *f, const struct report_context *r)
{
    const struct trends *t = r->trends;
    if (!t)
        return;
    const struct history_data *d = t->d;
    fprintf(f, "\n### Trends over %zu recorded runs\n\n", d->nruns);
    if (!t->nfailing && !t->nflaky && !t->ndurations && !t->nmeasures && d->nruns)
        fputs("No failing or flaky case; no duration or measurement moved.\n\n", f);
    if (t->nfailing) {
        fputs("| failing case | since run | recorded | commit | runs |\n|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < t->nfailing && i < LISTED; i++) {
            const struct case_trend *c = &t->cases[t->failing[i]];
            const struct history_run *run = run_of(t, c->streak_start);
            fputs("| ", f);
            fputc('`', f);
            put_md_code(f, case_name(t, c->index), 200);
            fputc('`', f);
            fprintf(f, " | %s%lld | %s | ", c->streak_open ? "&le; " : "", (long long)run->id,
                    run->recorded_at);
            fputc('`', f);
            put_md_code(f, short_commit(run->commit), 40);
            fputc('`', f);
            fprintf(f, " | %zu |\n", c->streak_length);
        }
        fputc('\n', f);
    }
    if (t->nflaky) {
        fputs("| flaky case | flips | runs | flip rate | pass rate |\n|---|---|---|---|---|\n", f);
        for (size_t i = 0; i < t->nflaky && i < LISTED; i++) {
            const struct case_trend *c = &t->cases[t->flaky[i]];
            fputs("| ", f);
            fputc('`', f);
            put_md_code(f, case_name(t, c->index), 200);
            fputc('`', f);
            fprintf(f, " | %zu | %zu | %.2f | %.0f%% |\n", c->flips, c->ran, c->flip_rate,
                    100 * c->pass_rate);
        }
        fputc('\n', f);
    }
    if (t->ndurations || t->nmeasures) {
        fputs("| moved | before (median) | recent (median) | change | p |\n"
              "|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < t->ndurations && i < LISTED; i++) {
            const struct change *c = &t->durations[i];
            fputs("| ", f);
            fputc('`', f);
            put_md_code(f, case_name(t, c->index), 200);
            fputc('`', f);
            fprintf(f, " | %.3f s | %.3f s | %+.0f%% | %.2g |\n", c->before, c->after,
                    100 * c->ratio, c->p);
        }
        for (size_t i = 0; i < t->nmeasures && i < LISTED; i++) {
            const struct change *c = &t->measures[i];
            const struct history_series *s = &d->measures[c->index];
            fputs("| ", f);
            fputc('`', f);
            put_md_code(f, case_name(t, s->case_index), 200);
            fputc('`', f);
            fputc(' ', f);
            fputc('`', f);
            put_md_code(f, s->name, 80);
            fputc('`', f);
            fprintf(f, " | %.4g | %.4g | %+.0f%% | %.2g |\n", c->before, c->after, 100 * c->ratio,
                    c->p);
        }
        fputc('\n', f);
    }
    if (d->nruns) {
        fputs("Pass rate per run, oldest first:", f);
        for (size_t i = d->nruns > 20 ? d->nruns - 20 : 0; i < d->nruns; i++)
            fprintf(f, isnan(t->pass_rate[i]) ? " -" : " %.1f%%", 100 * t->pass_rate[i]);
        fputs("\n", f);
    }
}

static void num(FILE *f, double v)
{
    char text[32];
    if (isfinite(v))
        fwrite(text, 1, (size_t)format_g6(text, v), f);
    else
        fputs("null", f);
}

static void rate_array(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        num(f, v[i]);
    }
    fputc(']', f);
}

static void rate_object(FILE *f, const struct rate_series *s, size_t n, size_t nruns)
{
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n      " : "\n      ", f);
        put_json_str(f, s[i].name);
        fputs(": ", f);
        rate_array(f, s[i].rate, nruns);
    }
    fputs(n ? "\n    }" : "}", f);
}

static void change_json(FILE *f, const struct change *c)
{
    fputs(", \"before\": ", f);
    num(f, c->before);
    fputs(", \"after\": ", f);
    num(f, c->after);
    fputs(", \"change\": ", f);
    num(f, c->ratio);
    fputs(", \"p\": ", f);
    num(f, c->p);
    fprintf(f, ", \"runs_before\": %zu, \"runs_after\": %zu}", c->n_before, c->n_after);
}

void report_run_shape_json(FILE *f, const struct analysis *a)
{
    fputs("  \"run\": {\"wall_seconds\": ", f);
    num(f, a->wall_seconds >= 0 ? a->wall_seconds : NAN);
    fputs(", \"case_seconds\": ", f);
    num(f, a->seconds);
    fputs(", \"jobs\": ", f);
    if (a->jobs > 0)
        fprintf(f, "%d", a->jobs);
    else
        fputs("null", f);
    fputs(", \"parallel_efficiency\": ", f);
    num(f, a->jobs > 0 && a->wall_seconds > 0 ? a->efficiency : NAN);
    fputs("},\n", f);
}

void report_trends_json(FILE *f, const struct report_context *r)
{
    const struct trends *t = r->trends;
    if (!t)
        return;
    const struct history_data *d = t->d;
    fputs("  \"trends\": {\"schema\": \"" TRENDS_SCHEMA "\", \"store\": ", f);
    put_json_str(f, r->history_name);
    fprintf(f, ", \"window\": {\"recent\": %zu, \"min_change\": ", t->opt.recent);
    num(f, t->opt.min_change);
    fputs(", \"max_p\": ", f);
    num(f, t->opt.max_p);
    fputs("},\n    \"runs\": [", f);
    for (size_t i = 0; i < d->nruns; i++) {
        const struct history_run *run = &d->runs[i];
        fprintf(f, "%s{\"id\": %lld, \"recorded_at\": ", i ? ",\n      " : "\n      ",
                (long long)run->id);
        put_json_str(f, run->recorded_at);
        fputs(", \"commit\": ", f);
        put_json_str(f, run->commit);
        fputs(", \"branch\": ", f);
        put_json_str(f, run->branch);
        fputs(", \"pass_rate\": ", f);
        num(f, t->pass_rate[i]);
        fputs(", \"wall_seconds\": ", f);
        num(f, run->wall_seconds);
        fputs(", \"case_seconds\": ", f);
        num(f, run->case_seconds);
        fputs(", \"jobs\": ", f);
        if (run->jobs > 0)
            fprintf(f, "%d}", run->jobs);
        else
            fputs("null}", f);
    }
    fputs(d->nruns ? "\n    ],\n    \"cases\": [" : "],\n    \"cases\": [", f);
    size_t listed = 0;
    for (size_t c = 0; c < d->ncases; c++) {
        const struct case_trend *ct = &t->cases[c];
        fputs(listed++ ? ",\n      {\"id\": " : "\n      {\"id\": ", f);
        put_json_str(f, d->cases[c].name);
        fputs(", \"suite\": ", f);
        put_json_str(f, d->cases[c].suite);
        fprintf(f,
                ", \"ran\": %zu, \"passed\": %zu, \"failed\": %zu, \"flips\": %zu, \"pass_rate\": ",
                ct->ran, ct->passed, ct->failed, ct->flips);
        num(f, ct->pass_rate);
        fputs(", \"flip_rate\": ", f);
        num(f, ct->flip_rate);
        if (ct->failing) {
            const struct history_run *run = run_of(t, ct->streak_start);
            fprintf(f,
                    ", \"failing_since\": {\"run\": %lld, \"recorded_at\": ", (long long)run->id);
            put_json_str(f, run->recorded_at);
            fputs(", \"commit\": ", f);
            put_json_str(f, run->commit);
            fprintf(f, ", \"runs\": %zu, \"before_window\": %s}", ct->streak_length,
                    ct->streak_open ? "true" : "false");
        }
        fputc('}', f);
    }
    fputs(listed ? "\n    ],\n    \"flaky\": [" : "],\n    \"flaky\": [", f);
    for (size_t i = 0; i < t->nflaky; i++) {
        fputs(i ? ", " : "", f);
        put_json_str(f, case_name(t, t->flaky[i]));
    }
    fputs("],\n    \"durations\": [", f);
    for (size_t i = 0; i < t->ndurations; i++) {
        fputs(i ? ",\n      {\"id\": " : "\n      {\"id\": ", f);
        put_json_str(f, case_name(t, t->durations[i].index));
        change_json(f, &t->durations[i]);
    }
    fputs(t->ndurations ? "\n    ],\n    \"measurements\": [" : "],\n    \"measurements\": [", f);
    for (size_t i = 0; i < t->nmeasures; i++) {
        const struct history_series *s = &d->measures[t->measures[i].index];
        fputs(i ? ",\n      {\"id\": " : "\n      {\"id\": ", f);
        put_json_str(f, case_name(t, s->case_index));
        fputs(", \"name\": ", f);
        put_json_str(f, s->name);
        change_json(f, &t->measures[i]);
    }
    fputs(t->nmeasures ? "\n    ],\n    \"series\": [" : "],\n    \"series\": [", f);
    for (size_t i = 0; i < d->nmeasures; i++) {
        const struct history_series *s = &d->measures[i];
        fputs(i ? ",\n      {\"id\": " : "\n      {\"id\": ", f);
        put_json_str(f, case_name(t, s->case_index));
        fputs(", \"name\": ", f);
        put_json_str(f, s->name);
        fputs(", \"values\": [", f);
        for (size_t k = 0; k < d->nruns; k++) {
            fputs(k ? ", " : "", f);
            num(f, s->values[k]);
        }
        fputs("]}", f);
    }
    fputs(d->nmeasures ? "\n    ],\n    \"pass_rate\": {\"suites\": "
                       : "],\n    \"pass_rate\": {\"suites\": ",
          f);
    rate_object(f, t->suites, t->nsuites, d->nruns);
    fputs(", \"labels\": ", f);
    rate_object(f, t->labels, t->nlabels, d->nruns);
    fputs("}},\n", f);
}

/* A small line chart of v[0..n) (NAN gaps) scaled to [lo, hi] (NAN: the values' own range),
 * as inline SVG. */
static void sparkline(FILE *f, const double *v, size_t n, double lo, double hi, int w, int h,
                      const char *title)
{
    fprintf(f,
            "<svg class=\"spark\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
            w, h, w, h);
    fputs("<title>", f);
    put_html(f, title);
    if (isnan(lo)) {
        lo = INFINITY;
        hi = -INFINITY;
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i])) {
                lo = fmin(lo, v[i]);
                hi = fmax(hi, v[i]);
            }
    }
    fputs("</title><polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"1.5\" points=\"", f);
    double span = hi > lo ? hi - lo : 1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        double x = n > 1 ? (double)i * (w - 4) / (double)(n - 1) + 2 : w / 2.0;
        double y = h - 2 - (v[i] - lo) / span * (h - 4);
        fprintf(f, "%.1f,%.1f ", x, y);
    }
    fputs("\"/></svg>", f);
}

/* The pass rate per run as a chart with its axes: the rate from the lowest seen (rounded down
 * to 10%) to 100%, the runs oldest to newest, a dot per run. */
static void pass_rate_chart(FILE *f, const struct trends *t)
{
    const struct history_data *d = t->d;
    const int w = 720, h = 180, left = 48, bottom = 30, top = 10, right = 12;
    double lo = 1;
    for (size_t i = 0; i < d->nruns; i++)
        if (!isnan(t->pass_rate[i]))
            lo = fmin(lo, t->pass_rate[i]);
    lo = floor(lo * 10) / 10;
    if (lo > 0.9)
        lo = 0.9;
    double span = 1 - lo;
    int pw = w - left - right, ph = h - top - bottom;
    fprintf(
        f,
        "<svg class=\"chart\" id=\"pass-rate\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
        "role=\"img\"><title>pass rate per run</title>\n",
        w, h, w, h);
    for (int k = 0; k <= 2; k++) { /* the axis: lo, middle, 100% */
        double rate = lo + span * k / 2;
        double y = top + ph - (rate - lo) / span * ph;
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d0d7de\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"small\">%.0f%%</text>\n",
                left, y, w - right, y, left - 6, y + 4, 100 * rate);
    }
    fputs("<polyline fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\" points=\"", f);
    for (size_t i = 0; i < d->nruns; i++) {
        if (isnan(t->pass_rate[i]))
            continue;
        double x = left + (d->nruns > 1 ? (double)i * pw / (double)(d->nruns - 1) : pw / 2.0);
        double y = top + ph - (t->pass_rate[i] - lo) / span * ph;
        fprintf(f, "%.1f,%.1f ", x, y);
    }
    fputs("\"/>\n", f);
    if (d->nruns) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">run %lld</text>", left, h - 10,
                (long long)d->runs[0].id);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"small\">run %lld</text>",
                w - right, h - 10, (long long)d->runs[d->nruns - 1].id);
    }
    fputs("</svg>\n", f);
}

static void case_series(FILE *f, const struct trends *t, uint32_t c, const char *what)
{
    const struct history_data *d = t->d;
    int outcomes = strcmp(what, "outcome") == 0;
    double *v = xmalloc((d->nruns + 1) * sizeof *v);
    for (size_t r = 0; r < d->nruns; r++) {
        uint8_t o = d->outcome[c * d->nruns + r];
        v[r] = !outcomes                             ? d->seconds[c * d->nruns + r]
               : o == OUT_PASSED || o == OUT_FLAKY   ? 1
               : o == OUT_FAILED || o == OUT_ERRORED ? 0
                                                     : NAN;
    }
    sparkline(f, v, d->nruns, outcomes ? 0 : NAN, outcomes ? 1 : NAN, 160, 24, what);
    free(v);
}

void report_trends_html(FILE *f, const struct report_context *r)
{
    const struct trends *t = r->trends;
    if (!t)
        return;
    const struct history_data *d = t->d;
    fprintf(f, "<section id=\"trends\"><h2>Trends over %zu recorded runs</h2>\n", d->nruns);
    fputs("<p>Pass rate per run, oldest first (", f);
    put_html(f, r->history_name);
    fputs(")</p>\n", f);
    pass_rate_chart(f, t);
    fputs("\n<table id=\"trend-cases\"><tr><th>case</th><th>what</th><th>outcomes</th>"
          "<th>seconds</th></tr>\n",
          f);
    for (size_t i = 0; i < t->nfailing && i < 50; i++) {
        const struct case_trend *c = &t->cases[t->failing[i]];
        const struct history_run *run = run_of(t, c->streak_start);
        fputs("<tr><td>", f);
        put_html(f, case_name(t, c->index));
        fprintf(f, "</td><td>failing since run %s%lld (", c->streak_open ? "&le; " : "",
                (long long)run->id);
        put_html(f, run->recorded_at);
        fputs(", commit ", f);
        put_html(f, short_commit(run->commit));
        fputs(")</td><td>", f);
        case_series(f, t, c->index, "outcome");
        fputs("</td><td>", f);
        case_series(f, t, c->index, "seconds");
        fputs("</td></tr>\n", f);
    }
    for (size_t i = 0; i < t->nflaky && i < 50; i++) {
        const struct case_trend *c = &t->cases[t->flaky[i]];
        fputs("<tr><td>", f);
        put_html(f, case_name(t, c->index));
        fprintf(f, "</td><td>flaky: flip rate %.2f, pass rate %.0f%%</td><td>", c->flip_rate,
                100 * c->pass_rate);
        case_series(f, t, c->index, "outcome");
        fputs("</td><td>", f);
        case_series(f, t, c->index, "seconds");
        fputs("</td></tr>\n", f);
    }
    for (size_t i = 0; i < t->ndurations && i < 50; i++) {
        const struct change *c = &t->durations[i];
        fputs("<tr><td>", f);
        put_html(f, case_name(t, c->index));
        fprintf(f, "</td><td>%s: median %.3f s &rarr; %.3f s (%+.0f%%)</td><td>",
                c->ratio > 0 ? "slower" : "faster", c->before, c->after, 100 * c->ratio);
        case_series(f, t, c->index, "outcome");
        fputs("</td><td>", f);
        case_series(f, t, c->index, "seconds");
        fputs("</td></tr>\n", f);
    }
    for (size_t i = 0; i < t->nmeasures && i < 50; i++) {
        const struct change *c = &t->measures[i];
        const struct history_series *s = &d->measures[c->index];
        double *v = xmalloc((d->nruns + 1) * sizeof *v);
        for (size_t k = 0; k < d->nruns; k++)
            v[k] = s->values[k];
        fputs("<tr><td>", f);
        put_html(f, case_name(t, s->case_index));
        fputs("</td><td>", f);
        put_html(f, s->name);
        fprintf(f, ": median %.4g &rarr; %.4g (%+.0f%%)</td><td colspan=\"2\">", c->before,
                c->after, 100 * c->ratio);
        sparkline(f, v, d->nruns, NAN, NAN, 320, 24, s->name);
        free(v);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}
