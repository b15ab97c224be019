#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "trends.h"
#include "util.h"

void trend_options_default(struct trend_options *o)
{
    *o = (struct trend_options){
        .recent = 10, .min_change = 0.2, .max_p = 0.01, .min_seconds = 0.005};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct ranked {
    double v;
    int group;
};

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

double mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
    size_t n = na + nb;
    if (na == 0 || nb == 0)
        return 1;
    struct ranked *all = xmalloc(n * sizeof *all);
    for (size_t i = 0; i < na; i++)
        all[i] = (struct ranked){a[i], 0};
    for (size_t i = 0; i < nb; i++)
        all[na + i] = (struct ranked){b[i], 1};
    qsort(all, n, sizeof *all, cmp_ranked);
    double rank_a = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].v == all[i].v)
            j++;
        double rank = (double)(i + j) / 2 + 1; /* the tied values share their mean rank */
        for (size_t k = i; k <= j; k++)
            if (all[k].group == 0)
                rank_a += rank;
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    free(all);
    double n1 = (double)na, n2 = (double)nb, nn = (double)n;
    double u = rank_a - n1 * (n1 + 1) / 2, mu = n1 * n2 / 2;
    double var = n1 * n2 / 12 * ((nn + 1) - ties / (nn * (nn - 1)));
    if (var <= 0)
        return 1;
    double z = (fabs(u - mu) - 0.5) / sqrt(var); /* with the continuity correction */
    if (z < 0)
        z = 0;
    return erfc(z / sqrt(2));
}

static int passed(uint8_t o)
{
    return o == OUT_PASSED || o == OUT_FLAKY;
}

static int failed(uint8_t o)
{
    return o == OUT_FAILED || o == OUT_ERRORED;
}

static void case_trend(struct case_trend *c, const uint8_t *row, size_t nruns)
{
    int last = -1; /* 1 passed, 0 failed */
    for (size_t r = 0; r < nruns; r++) {
        uint8_t o = row[r];
        if (!passed(o) && !failed(o))
            continue;
        int now = passed(o);
        c->ran++;
        now ? c->passed++ : c->failed++;
        if (last >= 0 && now != last)
            c->flips++;
        if (o == OUT_FLAKY)
            c->flips++; /* it failed and passed within the run */
        last = now;
    }
    c->pass_rate = c->ran ? (double)c->passed / (double)c->ran : NAN;
    c->flip_rate = c->ran > 1 ? (double)c->flips / (double)(c->ran - 1) : 0;
    if (c->flip_rate > 1)
        c->flip_rate = 1;
    if (last != 0)
        return;
    /* a current failure: back to the run after its last pass */
    c->failing = 1;
    c->streak_open = 1;
    for (size_t r = nruns; r-- > 0;) {
        if (passed(row[r])) {
            c->streak_open = 0;
            break;
        }
        if (failed(row[r])) {
            c->streak_start = r;
            c->streak_length++;
        }
    }
}

/* The change test on a series (NAN where absent). Returns 1 and fills *ch when it moved. */
static int changed(const float *values, size_t nruns, const struct trend_options *o, double min_abs,
                   struct change *ch)
{
    double *v = xmalloc((nruns + 1) * sizeof *v);
    size_t n = 0;
    for (size_t r = 0; r < nruns; r++)
        if (!isnan(values[r]))
            v[n++] = values[r];
    size_t recent = o->recent;
    if (n < 2 * recent)
        recent = n / 2;
    size_t before = n - recent;
    if (before > 3 * recent)
        before = 3 * recent;
    int moved = 0;
    if (recent >= 5 && before >= 5) {
        double *b = v + (n - recent - before), *a = v + (n - recent);
        double p = mann_whitney_p(b, before, a, recent);
        double mb = median(b, before), ma = median(a, recent); /* sorts: after the test */
        double ratio = mb != 0 ? ma / mb - 1 : (ma != 0 ? INFINITY : 0);
        if (p < o->max_p && fabs(ratio) >= o->min_change && fabs(ma - mb) >= min_abs) {
            *ch = (struct change){.before = mb,
                                  .after = ma,
                                  .ratio = ratio,
                                  .p = p,
                                  .n_before = before,
                                  .n_after = recent};
            moved = 1;
        }
    }
    free(v);
    return moved;
}

static const struct trends *sort_ctx; /* qsort has no context argument */

static int cmp_flaky(const void *x, const void *y)
{
    const struct case_trend *a = &sort_ctx->cases[*(const uint32_t *)x];
    const struct case_trend *b = &sort_ctx->cases[*(const uint32_t *)y];
    if (a->flip_rate != b->flip_rate)
        return a->flip_rate > b->flip_rate ? -1 : 1;
    if (a->flips != b->flips)
        return a->flips > b->flips ? -1 : 1;
    return strcmp(sort_ctx->d->cases[a->index].name, sort_ctx->d->cases[b->index].name);
}

static int cmp_failing(const void *x, const void *y)
{
    const struct case_trend *a = &sort_ctx->cases[*(const uint32_t *)x];
    const struct case_trend *b = &sort_ctx->cases[*(const uint32_t *)y];
    if (a->streak_start != b->streak_start)
        return a->streak_start < b->streak_start ? -1 : 1;
    return strcmp(sort_ctx->d->cases[a->index].name, sort_ctx->d->cases[b->index].name);
}

static int cmp_change(const void *x, const void *y)
{
    double a = fabs(((const struct change *)x)->ratio), b = fabs(((const struct change *)y)->ratio);
    return a > b ? -1 : a < b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pass rates per run of named groups: names[c] lists case c's groups (';'-separated for
 * labels, one name for suites). */
static void group_rates(struct trends *t, int labels, struct rate_series **out, size_t *nout)
{
    const struct history_data *d = t->d;
    /* the distinct names, sorted */
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (size_t c = 0; c < d->ncases; c++) {
        const char *s = labels ? d->cases[c].labels : d->cases[c].suite;
        while (*s) {
            size_t len = labels ? strcspn(s, ";") : strlen(s);
            if (len) {
                grow(&names, &cap, n + 1, sizeof *names);
                names[n++] = xstrndup(s, len);
            }
            s += len;
            if (*s == ';')
                s++;
        }
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && strcmp(names[u - 1], names[i]) == 0)
            free(names[i]);
        else
            names[u++] = names[i];
    }
    size_t *pass = xcalloc(u * d->nruns + 1, sizeof *pass),
           *ran = xcalloc(u * d->nruns + 1, sizeof *ran);
    for (size_t c = 0; c < d->ncases; c++) {
        const char *s = labels ? d->cases[c].labels : d->cases[c].suite;
        while (*s) {
            size_t len = labels ? strcspn(s, ";") : strlen(s);
            char *key = xstrndup(s, len);
            char **hit = len ? bsearch(&key, names, u, sizeof *names, cmp_str) : NULL;
            free(key);
            if (hit) {
                size_t g = (size_t)(hit - names);
                for (size_t r = 0; r < d->nruns; r++) {
                    uint8_t o = d->outcome[c * d->nruns + r];
                    pass[g * d->nruns + r] += passed(o);
                    ran[g * d->nruns + r] += passed(o) || failed(o);
                }
            }
            s += len;
            if (*s == ';')
                s++;
        }
    }
    *out = xcalloc(u + 1, sizeof **out);
    for (size_t g = 0; g < u; g++) {
        (*out)[g].name = names[g];
        (*out)[g].rate = xmalloc((d->nruns + 1) * sizeof *(*out)[g].rate);
        for (size_t r = 0; r < d->nruns; r++) {
            size_t k = g * d->nruns + r;
            (*out)[g].rate[r] = ran[k] ? (double)pass[k] / (double)ran[k] : NAN;
        }
    }
    *nout = u;
    free(names);
    free(pass);
    free(ran);
}

void trends_compute(struct trends *t, const struct history_data *d, const struct trend_options *o)
{
    memset(t, 0, sizeof *t);
    t->d = d;
    t->opt = *o;
    t->cases = xcalloc(d->ncases + 1, sizeof *t->cases);
    t->flaky = xmalloc((d->ncases + 1) * sizeof *t->flaky);
    t->failing = xmalloc((d->ncases + 1) * sizeof *t->failing);
    t->durations = xmalloc((d->ncases + 1) * sizeof *t->durations);
    for (size_t c = 0; c < d->ncases; c++) {
        struct case_trend *ct = &t->cases[c];
        ct->index = (uint32_t)c;
        case_trend(ct, d->outcome + c * d->nruns, d->nruns);
        if (ct->flips >= 2) /* one flip is a change (a break or a fix), not flakiness */
            t->flaky[t->nflaky++] = (uint32_t)c;
        if (ct->failing)
            t->failing[t->nfailing++] = (uint32_t)c;
        struct change ch;
        if (changed(d->seconds + c * d->nruns, d->nruns, o, o->min_seconds, &ch)) {
            ch.index = (uint32_t)c;
            t->durations[t->ndurations++] = ch;
        }
    }
    t->measures = xmalloc((d->nmeasures + 1) * sizeof *t->measures);
    for (size_t s = 0; s < d->nmeasures; s++) {
        struct change ch;
        if (changed(d->measures[s].values, d->nruns, o, 0, &ch)) {
            ch.index = (uint32_t)s;
            t->measures[t->nmeasures++] = ch;
        }
    }
    sort_ctx = t;
    qsort(t->flaky, t->nflaky, sizeof *t->flaky, cmp_flaky);
    qsort(t->failing, t->nfailing, sizeof *t->failing, cmp_failing);
    sort_ctx = NULL;
    qsort(t->durations, t->ndurations, sizeof *t->durations, cmp_change);
    qsort(t->measures, t->nmeasures, sizeof *t->measures, cmp_change);

    t->pass_rate = xmalloc((d->nruns + 1) * sizeof *t->pass_rate);
    for (size_t r = 0; r < d->nruns; r++) {
        size_t p = 0, n = 0;
        for (size_t c = 0; c < d->ncases; c++) {
            uint8_t x = d->outcome[c * d->nruns + r];
            p += passed(x);
            n += passed(x) || failed(x);
        }
        t->pass_rate[r] = n ? (double)p / (double)n : NAN;
    }
    group_rates(t, 0, &t->suites, &t->nsuites);
    group_rates(t, 1, &t->labels, &t->nlabels);
}

void trends_free(struct trends *t)
{
    for (size_t i = 0; i < t->nsuites; i++) {
        free(t->suites[i].name);
        free(t->suites[i].rate);
    }
    for (size_t i = 0; i < t->nlabels; i++) {
        free(t->labels[i].name);
        free(t->labels[i].rate);
    }
    free(t->suites);
    free(t->labels);
    free(t->cases);
    free(t->flaky);
    free(t->failing);
    free(t->durations);
    free(t->measures);
    free(t->pass_rate);
    memset(t, 0, sizeof *t);
}
