#include <string.h>

#include "report.h"

#define GROUPS_SHOWN 3 /* per category on the terminal */

void report_text(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    struct buf id = {0};
    fprintf(f, "itest-report: %zu input%s", a->inputs, a->inputs == 1 ? "" : "s");
    if (a->input_errors)
        fprintf(f, ", %zu could not be read", a->input_errors);
    if (a->repaired_inputs)
        fprintf(f, ", %zu read leniently", a->repaired_inputs);
    fputc('\n', f);
    fprintf(f, "  tests %zu: passed %zu, failed %zu, errored %zu, skipped %zu, flaky %zu", a->tests,
            a->passed, a->failed, a->errored, a->skipped, a->flaky);
    fprintf(f, " (%zu runs, %.3f s of case time, summed)\n", a->runs, a->seconds);
    report_run_shape_text(f, a);

    if (a->ngroups) {
        fprintf(f, "failures by category (%zu):\n", a->failures);
        const struct classifier *c = m->classifier;
        for (size_t k = 0; k < c->ncats; k++) {
            if (!a->category_failures[k])
                continue;
            fprintf(f, "  [%s] %s: %zu\n", c->cats[k].severity, c->cats[k].name,
                    a->category_failures[k]);
            size_t shown = 0, more = 0;
            for (size_t g = 0; g < a->ngroups; g++) {
                const struct group *grp = &m->groups[a->groups[g]];
                if (grp->category != k)
                    continue;
                if (shown++ < GROUPS_SHOWN)
                    fprintf(f, "      %u x %s\n", grp->count, strtab_get(&m->str, grp->signature));
                else
                    more++;
            }
            if (more)
                fprintf(f, "      ... %zu more group%s\n", more, more == 1 ? "" : "s");
            fprintf(f, "      fix: %s\n", c->cats[k].fix);
        }
        fputs("suites most affected:", f);
        for (size_t i = 0; i < a->naffected && i < 5; i++)
            fprintf(f, "%s %s (%zu)", i ? "," : "", a->affected[i].suite, a->affected[i].failures);
        fputc('\n', f);
    }
    if (a->nflaky) {
        fprintf(f, "flaky (%zu):", a->nflaky);
        for (size_t i = 0; i < a->nflaky && i < 5; i++) {
            report_test_id(r, &m->tests[a->flaky_tests[i]], &id);
            fprintf(f, "%s %s", i ? "," : "", id.data);
        }
        fputs(a->nflaky > 5 ? ", ...\n" : "\n", f);
    }
    if (a->nmodels) {
        fputs("models:", f);
        for (size_t i = 0; i < a->nmodels; i++) {
            const struct model_row *x = &a->models[i];
            if (x->pass_rate < 0)
                fprintf(f, "%s %s all skipped", i ? "," : "", x->model);
            else
                fprintf(f, "%s %s %.0f%% (%zu/%zu)", i ? "," : "", x->model, 100 * x->pass_rate,
                        x->passed, x->tests - x->skipped);
        }
        fputc('\n', f);
    }
    if (a->nslowest) {
        fputs("slowest:", f);
        for (size_t i = 0; i < a->nslowest && i < 5; i++) {
            const struct test *t = &m->tests[a->slowest[i]];
            report_test_id(r, t, &id);
            fprintf(f, "%s %s %.3f s", i ? "," : "", id.data, test_seconds(t));
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < a->nbudgets; i++) {
        const struct budget *b = &a->budgets[i];
        if (!b->found)
            fprintf(f, "budget %s: no suite or label of that name\n", b->name);
        else if (b->violated)
            fprintf(f, "budget %s exceeded: %.3f s > %.3f s\n", b->name, b->actual, b->limit);
    }
    if (a->has_baseline) {
        fprintf(f, "against %s: %zu new failure%s, %zu fixed, %zu slower by > %.0f%%\n",
                a->baseline_path, a->nnew_failures, a->nnew_failures == 1 ? "" : "s", a->nfixed,
                a->nslower, a->slower_percent);
        for (size_t i = 0; i < a->nnew_failures && i < 10; i++) {
            report_test_id(r, &m->tests[a->new_failures[i].test], &id);
            fprintf(f, "  new failure: %s\n", id.data);
        }
    }
    report_trends_text(f, r);
    for (size_t i = 0; i < m->ninputs; i++) {
        if (m->inputs[i].error)
            fprintf(f, "error: %s\n", m->inputs[i].message);
        else if (m->inputs[i].repaired)
            fprintf(f,
                    "note: %s: read leniently: %zu places fixed (characters XML does not "
                    "allow, unescaped <, & or quotes in names, undeclared entities kept as "
                    "text)\n",
                    m->inputs[i].name, m->inputs[i].repaired);
    }
    buf_free(&id);
}
