/* The --json report; docs/report.md documents the schema (REPORT_SCHEMA). */
#include <math.h>
#include <string.h>

#include "report.h"

static void num(FILE *f, double v)
{
    char text[32];
    fwrite(text, 1, (size_t)format_g6(text, isfinite(v) ? v : 0), f);
}

static void timing(FILE *f, const struct timing_row *rows, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        const struct timing_row *r = &rows[i];
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        put_json_str(f, r->name);
        fprintf(f, ", \"count\": %zu, \"failed\": %zu", r->count, r->failed);
        const struct {
            const char *name;
            double value;
        } stats[] = {{"total", r->total}, {"mean", r->mean}, {"min", r->min}, {"max", r->max},
                     {"p50", r->p50},     {"p95", r->p95},   {"p99", r->p99}};
        for (size_t k = 0; k < sizeof stats / sizeof *stats; k++) {
            fprintf(f, ", \"%s\": ", stats[k].name);
            num(f, stats[k].value);
        }
        fputc('}', f);
    }
    fputs(n ? "\n  ]" : "]", f);
}

static void id_list(FILE *f, const struct report_context *r, const struct baseline_case *list,
                    size_t n, int with_times, struct buf *id)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        report_test_id(r, &r->m->tests[list[i].test], id);
        fputs(i ? ", " : "", f);
        if (with_times) {
            fputs("{\"id\": ", f);
            put_json_str(f, id->data);
            fputs(", \"before\": ", f);
            num(f, list[i].before);
            fputs(", \"after\": ", f);
            num(f, list[i].after);
            fputc('}', f);
        } else {
            put_json_str(f, id->data);
        }
    }
    fputc(']', f);
}

static void labels_array(FILE *f, const char *labels)
{
    fputc('[', f);
    int first = 1;
    while (labels && *labels) {
        size_t n = strcspn(labels, ";");
        if (n) {
            fputs(first ? "" : ", ", f);
            put_json_strn(f, labels, n);
            first = 0;
        }
        labels += n + (labels[n] == ';');
    }
    fputc(']', f);
}

void report_json(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    const struct classifier *c = m->classifier;
    struct buf id = {0};

    fputs("{\n  \"schema\": \"" REPORT_SCHEMA "\",\n  \"title\": ", f);
    put_json_str(f, r->title);
    fputs(",\n  \"facts\": {", f);
    for (size_t i = 0; i < r->nfacts; i++) {
        size_t n;
        const char *value = report_fact(r->facts[i], &n);
        fputs(i ? ", " : "", f);
        put_json_strn(f, r->facts[i], n);
        fputs(": ", f);
        put_json_str(f, value);
    }
    fputs("},\n  \"inputs\": [", f);
    for (size_t i = 0; i < m->ninputs; i++) {
        const struct input *in = &m->inputs[i];
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        put_json_str(f, in->name);
        fprintf(f, ", \"cases\": %zu, \"repaired\": %zu, \"error\": ", in->cases, in->repaired);
        if (in->error)
            put_json_str(f, in->message);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs(m->ninputs ? "\n  ],\n" : "],\n", f);
    fprintf(f,
            "  \"totals\": {\"tests\": %zu, \"passed\": %zu, \"failed\": %zu, \"errored\": %zu, "
            "\"skipped\": %zu, \"flaky\": %zu, \"runs\": %zu, \"failures\": %zu, \"seconds\": ",
            a->tests, a->passed, a->failed, a->errored, a->skipped, a->flaky, a->runs, a->failures);
    num(f, a->seconds);
    fputs("},\n  \"categories\": [", f);
    int first = 1;
    for (size_t k = 0; k < c->ncats; k++) {
        if (!a->category_failures[k])
            continue;
        fputs(first ? "\n    {\"name\": " : ",\n    {\"name\": ", f);
        first = 0;
        put_json_str(f, c->cats[k].name);
        fputs(", \"severity\": ", f);
        put_json_str(f, c->cats[k].severity);
        fputs(", \"fix\": ", f);
        put_json_str(f, c->cats[k].fix);
        fprintf(f, ", \"failures\": %zu, \"groups\": [", a->category_failures[k]);
        int gfirst = 1;
        for (size_t g = 0; g < a->ngroups; g++) {
            uint32_t gi = a->groups[g];
            const struct group *grp = &m->groups[gi];
            if (grp->category != k)
                continue;
            fputs(gfirst ? "\n      {\"signature\": " : ",\n      {\"signature\": ", f);
            gfirst = 0;
            put_json_str(f, strtab_get(&m->str, grp->signature));
            fprintf(f, ", \"count\": %u, \"example\": ", grp->count);
            put_json_str(f, strtab_get(&m->str, grp->example));
            fputs(", \"cases\": [", f);
            size_t listed = 0;
            for (uint32_t i = a->group_head[gi]; i && listed < 20; i = a->failure_next[i - 1]) {
                report_test_id(r, &m->tests[m->failures[i - 1].test], &id);
                fputs(listed++ ? ", " : "", f);
                put_json_str(f, id.data);
            }
            fputs("]}", f);
        }
        fputs("]}", f);
    }
    fputs(first ? "],\n" : "\n  ],\n", f);

    fputs("  \"suites_most_affected\": [", f);
    for (size_t i = 0; i < a->naffected; i++) {
        fputs(i ? ", {\"suite\": " : "{\"suite\": ", f);
        put_json_str(f, a->affected[i].suite);
        fprintf(f, ", \"failures\": %zu}", a->affected[i].failures);
    }
    fputs("],\n  \"timing\": {\n  \"suites\": ", f);
    timing(f, a->suites, a->nsuites);
    fputs(",\n  \"labels\": ", f);
    timing(f, a->labels, a->nlabels);
    fputs(",\n  \"slowest\": [", f);
    for (size_t i = 0; i < a->nslowest; i++) {
        const struct test *t = &m->tests[a->slowest[i]];
        report_test_id(r, t, &id);
        fputs(i ? ", {\"id\": " : "{\"id\": ", f);
        put_json_str(f, id.data);
        fputs(", \"seconds\": ", f);
        num(f, test_seconds(t));
        fputc('}', f);
    }
    fputs("]},\n  \"budgets\": [", f);
    for (size_t i = 0; i < a->nbudgets; i++) {
        const struct budget *b = &a->budgets[i];
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        put_json_str(f, b->name);
        fputs(", \"limit\": ", f);
        num(f, b->limit);
        fputs(", \"actual\": ", f);
        num(f, b->actual);
        fprintf(f, ", \"found\": %s, \"violated\": %s}", b->found ? "true" : "false",
                b->violated ? "true" : "false");
    }
    fputs("],\n  \"baseline\": ", f);
    if (a->has_baseline) {
        fputs("{\"path\": ", f);
        put_json_str(f, a->baseline_path);
        fputs(", \"slower_percent\": ", f);
        num(f, a->slower_percent);
        fputs(",\n    \"new_failures\": ", f);
        id_list(f, r, a->new_failures, a->nnew_failures, 0, &id);
        fputs(",\n    \"fixed\": ", f);
        id_list(f, r, a->fixed, a->nfixed, 0, &id);
        fputs(",\n    \"slower\": ", f);
        id_list(f, r, a->slower, a->nslower, 1, &id);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(",\n  \"flaky\": [", f);
    for (size_t i = 0; i < a->nflaky; i++) {
        const struct test *t = &m->tests[a->flaky_tests[i]];
        report_test_id(r, t, &id);
        fputs(i ? ", {\"id\": " : "{\"id\": ", f);
        put_json_str(f, id.data);
        fprintf(f, ", \"runs\": %u, \"flaky_reruns\": %u}", t->runs, t->flaky_reruns);
    }
    fputs("],\n  \"models\": [", f);
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct model_row *x = &a->models[i];
        fputs(i ? ", {\"model\": " : "{\"model\": ", f);
        put_json_str(f, x->model);
        fprintf(f,
                ", \"tests\": %zu, \"passed\": %zu, \"failed\": %zu, \"errored\": %zu, "
                "\"skipped\": %zu, \"flaky\": %zu, \"pass_rate\": ",
                x->tests, x->passed, x->failed, x->errored, x->skipped, x->flaky);
        if (x->pass_rate < 0)
            fputs("null", f);
        else
            num(f, x->pass_rate);
        fputc('}', f);
    }
    fputs("],\n  \"metrics\": [", f);
    for (size_t i = 0; i < a->nmetrics; i++) {
        const struct metric *x = &m->metrics[a->metrics[i]];
        report_test_id(r, &m->tests[x->test], &id);
        fputs(i ? ",\n    {\"id\": " : "\n    {\"id\": ", f);
        put_json_str(f, id.data);
        fputs(", \"name\": ", f);
        put_json_str(f, strtab_get(&m->str, x->name));
        fputs(", \"value\": ", f);
        put_json_str(f, strtab_get(&m->str, x->value));
        fputc('}', f);
    }
    fputs(a->nmetrics ? "\n  ],\n" : "],\n", f);
    report_run_shape_json(f, a);
    report_trends_json(f, r);
    fputs("  \"cases\": [", f);
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        report_test_id(r, t, &id);
        /* one case per line, compact, members at their default left out: the cases are most
         * of a large report, which stays smaller than the JUnit it came from */
        fputs(i ? ",\n{\"id\":" : "\n{\"id\":", f);
        put_json_str(f, id.data);
        fputs(",\"suite\":", f);
        put_json_str(f, strtab_get(&m->str, t->suite));
        const char *classname = strtab_get(&m->str, t->classname);
        if (*classname) {
            fputs(",\"classname\":", f);
            put_json_str(f, classname);
        }
        fputs(",\"case\":", f);
        put_json_str(f, strtab_get(&m->str, t->name));
        if (t->labels && *strtab_get(&m->str, t->labels)) {
            fputs(",\"labels\":", f);
            labels_array(f, strtab_get(&m->str, t->labels));
        }
        fputs(",\"outcome\":\"", f);
        fputs(outcome_name((enum outcome)t->final), f);
        fputc('"', f);
        if (t->runs != 1)
            fprintf(f, ",\"runs\":%u", t->runs);
        if (t->has_time) {
            fputs(",\"seconds\":", f);
            num(f, test_seconds(t));
        }
        const struct failure *fl = report_failure(r, t);
        const char *cat = report_category(r, t);
        if (*cat) {
            fputs(",\"category\":", f);
            put_json_str(f, cat);
        }
        if (*cat && fl) {
            fputs(",\"message\":", f);
            put_json_str(f, strtab_get(&m->str, fl->message));
        } else if (t->final == OUT_SKIPPED && t->skip_message) {
            fputs(",\"message\":", f);
            put_json_str(f, strtab_get(&m->str, t->skip_message));
        }
        if (t->model) {
            fputs(",\"model\":", f);
            put_json_str(f, strtab_get(&m->str, t->model));
        }
        fputc('}', f);
    }
    fputs(m->ntests ? "\n]\n}\n" : "]\n}\n", f);
    buf_free(&id);
}
