#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

#include "itest/number.h"

double test_seconds(const struct test *t)
{
    return t->runs ? (double)t->seconds / t->runs : 0;
}

static enum outcome final_outcome(const struct test *t)
{
    unsigned seen = t->seen | (1u << t->file_outcome);
    int pass = seen & (1u << OUT_PASSED);
    int bad = seen & ((1u << OUT_FAILED) | (1u << OUT_ERRORED));
    if ((pass && bad) || (t->flaky_reruns && !bad))
        return OUT_FLAKY;
    if (seen & (1u << OUT_ERRORED))
        return OUT_ERRORED;
    if (seen & (1u << OUT_FAILED))
        return OUT_FAILED;
    if (pass)
        return OUT_PASSED;
    return OUT_SKIPPED;
}

/* The k-th smallest of v[0..n) (Hoare's selection); reorders v. */
static double kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Linear interpolation between the closest ranks (what numpy and most dashboards show). */
static double quantile(double *v, size_t n, double q)
{
    double rank = q * (double)(n - 1);
    size_t lo = (size_t)rank;
    double a = kth(v, n, lo);
    if (lo + 1 >= n || rank == (double)lo)
        return a;
    double b = kth(v, n, lo + 1);
    return a + (b - a) * (rank - (double)lo);
}

static void fill_row(struct timing_row *r, double *values, size_t n)
{
    r->count = n;
    if (n == 0)
        return;
    r->min = r->max = values[0];
    for (size_t i = 0; i < n; i++) {
        r->total += values[i];
        r->min = values[i] < r->min ? values[i] : r->min;
        r->max = values[i] > r->max ? values[i] : r->max;
    }
    r->mean = r->total / (double)n;
    r->p50 = quantile(values, n, 0.50);
    r->p95 = quantile(values, n, 0.95);
    r->p99 = quantile(values, n, 0.99);
}

/* Rows for every distinct key, where key_of yields up to `max_keys` keys per test. */
/* Splits an interned "a;b" label set into interned single labels. Interning may move the
 * arena, so every label is interned once up front (intern_labels) before any pointer into the
 * arena is kept; here the lookups only find. */
static size_t label_keys(const struct model *m, const struct test *t, uint32_t *keys, size_t max)
{
    struct strtab *str = (struct strtab *)&m->str;
    size_t n = 0, at = 0;
    while (t->labels && n < max) {
        const char *s = strtab_get(str, t->labels) + at;
        if (!*s)
            break;
        size_t len = strcspn(s, ";");
        if (len) {
            char tmp[256];
            size_t k = len < sizeof tmp ? len : sizeof tmp;
            memcpy(tmp, s, k);
            keys[n++] = strtab_intern(str, tmp, k);
        }
        at += len + (s[len] == ';');
    }
    return n;
}

static void intern_labels(struct model *m)
{
    uint32_t last = 0;
    for (size_t i = 0; i < m->ntests; i++) {
        if (m->tests[i].labels && m->tests[i].labels != last) {
            uint32_t keys[16];
            label_keys(m, &m->tests[i], keys, 16);
            last = m->tests[i].labels;
        }
    }
}

static int cmp_row_name(const void *a, const void *b)
{
    return strcmp(((const struct timing_row *)a)->name, ((const struct timing_row *)b)->name);
}

/* Key (an interned offset) to a dense row number, for the few distinct suites or labels. */
struct dense {
    uint32_t *keys, *rows;
    size_t nslots, n;
};

static size_t dense_row(struct dense *d, uint32_t key)
{
    if ((d->n + 1) * 2 > d->nslots) {
        struct dense bigger = {NULL, NULL, d->nslots ? d->nslots * 2 : 64, 0};
        bigger.keys = xcalloc(bigger.nslots, sizeof *bigger.keys);
        bigger.rows = xcalloc(bigger.nslots, sizeof *bigger.rows);
        for (size_t i = 0; i < d->nslots; i++) {
            if (!d->keys[i])
                continue;
            size_t j = hash_bytes(&d->keys[i], 4, 1) & (bigger.nslots - 1);
            while (bigger.keys[j])
                j = (j + 1) & (bigger.nslots - 1);
            bigger.keys[j] = d->keys[i];
            bigger.rows[j] = d->rows[i];
        }
        bigger.n = d->n;
        free(d->keys);
        free(d->rows);
        *d = bigger;
    }
    size_t j = hash_bytes(&key, 4, 1) & (d->nslots - 1);
    for (; d->keys[j]; j = (j + 1) & (d->nslots - 1))
        if (d->keys[j] == key)
            return d->rows[j];
    d->keys[j] = key;
    d->rows[j] = (uint32_t)d->n;
    return d->n++;
}

/* Rows of timing statistics keyed by interned offsets, filled in two passes over the cases:
 * first counting (row_count), then placing each duration in its row's slice (row_place). */
struct rows {
    struct dense d;
    size_t *count, *fill, *failed, *start;
    uint32_t *key;
    size_t cap, pairs;
    uint32_t last_key;
    size_t last_row;
    double *values;
};

static size_t row_of(struct rows *r, uint32_t key)
{
    if (key == r->last_key && r->d.n) /* the cases of a suite mostly come together */
        return r->last_row;
    size_t before = r->d.n, row = dense_row(&r->d, key);
    if (r->d.n != before) {
        grow(&r->count, &r->cap, r->d.n, sizeof *r->count);
        r->key = xrealloc(r->key, r->cap * sizeof *r->key); /* same capacity as count */
        r->count[row] = 0;
        r->key[row] = key;
    }
    r->last_key = key;
    r->last_row = row;
    return row;
}

static void row_count(struct rows *r, uint32_t key)
{
    size_t row = row_of(r, key); /* before indexing: it may grow the array */
    r->count[row]++;
    r->pairs++;
}

static void rows_ready(struct rows *r)
{
    size_t n = r->d.n;
    r->start = xcalloc(n + 1, sizeof *r->start);
    for (size_t i = 0; i < n; i++)
        r->start[i + 1] = r->start[i] + r->count[i];
    r->fill = xcalloc(n ? n : 1, sizeof *r->fill);
    r->failed = xcalloc(n ? n : 1, sizeof *r->failed);
    r->values = xmalloc((r->pairs ? r->pairs : 1) * sizeof *r->values);
    r->last_key = 0;
    r->last_row = 0;
}

static void row_place(struct rows *r, uint32_t key, double seconds, int failed)
{
    size_t row = row_of(r, key);
    r->values[r->start[row] + r->fill[row]++] = seconds;
    r->failed[row] += (size_t)failed;
}

static struct timing_row *rows_finish(const struct model *m, struct rows *r, size_t *nrows)
{
    size_t n = r->d.n;
    struct timing_row *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        rows[i].name = strtab_get(&m->str, r->key[i]);
        rows[i].failed = r->failed ? r->failed[i] : 0;
        if (r->values)
            fill_row(&rows[i], r->values + r->start[i], r->count[i]);
    }
    free(r->count);
    free(r->fill);
    free(r->failed);
    free(r->start);
    free(r->key);
    free(r->values);
    free(r->d.keys);
    free(r->d.rows);
    /* names point into the arena, which no longer moves from here on */
    if (n)
        qsort(rows, n, sizeof *rows, cmp_row_name);
    *nrows = n;
    return rows;
}

static const struct model *sort_model;

static int cmp_slowest(const void *a, const void *b)
{
    double x = test_seconds(&sort_model->tests[*(const uint32_t *)a]);
    double y = test_seconds(&sort_model->tests[*(const uint32_t *)b]);
    return (x < y) - (x > y);
}

/* The N slowest cases that ran: a min-heap of N, so that 200,000 cases cost no sort. */
static uint32_t *slowest_cases(const struct model *m, size_t want, size_t *n_out)
{
    uint32_t *heap = xmalloc((want ? want : 1) * sizeof *heap);
    size_t n = 0;
    for (size_t i = 0; i < m->ntests && want; i++) {
        const struct test *t = &m->tests[i];
        if (t->final == OUT_SKIPPED)
            continue;
        double s = test_seconds(t);
        size_t at;
        if (n < want) {
            at = n++;
            while (at > 0 && test_seconds(&m->tests[heap[(at - 1) / 2]]) > s) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = (uint32_t)i;
            continue;
        }
        if (s <= test_seconds(&m->tests[heap[0]]))
            continue;
        at = 0; /* replace the root and sift down */
        for (;;) {
            size_t child = 2 * at + 1;
            if (child >= n)
                break;
            if (child + 1 < n &&
                test_seconds(&m->tests[heap[child + 1]]) < test_seconds(&m->tests[heap[child]]))
                child++;
            if (test_seconds(&m->tests[heap[child]]) >= s)
                break;
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = (uint32_t)i;
    }
    if (n)
        qsort(heap, n, sizeof *heap, cmp_slowest);
    *n_out = n;
    return heap;
}

static int cmp_groups(const void *a, const void *b)
{
    const struct group *x = &sort_model->groups[*(const uint32_t *)a];
    const struct group *y = &sort_model->groups[*(const uint32_t *)b];
    if (x->category != y->category)
        return x->category < y->category ? -1 : 1;
    return (x->count < y->count) - (x->count > y->count);
}

static int cmp_affected(const void *a, const void *b)
{
    const struct affected *x = a, *y = b;
    if (x->failures != y->failures)
        return x->failures < y->failures ? 1 : -1;
    return strcmp(x->suite, y->suite);
}

static int cmp_metrics(const void *a, const void *b)
{
    const struct metric *x = &sort_model->metrics[*(const uint32_t *)a];
    const struct metric *y = &sort_model->metrics[*(const uint32_t *)b];
    if (x->test != y->test)
        return x->test < y->test ? -1 : 1;
    if (x->name != y->name)
        return strcmp(strtab_get(&sort_model->str, x->name), strtab_get(&sort_model->str, y->name));
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void affected_suites(struct analysis *a, const struct model *m)
{
    uint32_t *suites = NULL;
    size_t n = 0, cap = 0, capa = 0;
    for (size_t i = 0; i < m->ntests; i++) {
        if (m->tests[i].final == OUT_FAILED || m->tests[i].final == OUT_ERRORED) {
            grow(&suites, &cap, n + 1, sizeof *suites);
            suites[n++] = m->tests[i].suite;
        }
    }
    if (n)
        qsort(suites, n, sizeof *suites, cmp_u32);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && suites[j] == suites[i])
            j++;
        grow(&a->affected, &capa, a->naffected + 1, sizeof *a->affected);
        a->affected[a->naffected++] = (struct affected){strtab_get(&m->str, suites[i]), j - i};
        i = j;
    }
    free(suites);
    if (a->naffected)
        qsort(a->affected, a->naffected, sizeof *a->affected, cmp_affected);
}

static void models(struct analysis *a, const struct model *m)
{
    size_t cap = 0;
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        if (!t->model)
            continue;
        const char *name = strtab_get(&m->str, t->model);
        size_t k = 0;
        while (k < a->nmodels && a->models[k].model != name)
            k++;
        if (k == a->nmodels) {
            grow(&a->models, &cap, a->nmodels + 1, sizeof *a->models);
            memset(&a->models[k], 0, sizeof a->models[k]);
            a->models[k].model = name;
            a->nmodels++;
        }
        struct model_row *r = &a->models[k];
        r->tests++;
        r->passed += t->final == OUT_PASSED;
        r->failed += t->final == OUT_FAILED;
        r->errored += t->final == OUT_ERRORED;
        r->skipped += t->final == OUT_SKIPPED;
        r->flaky += t->final == OUT_FLAKY;
    }
    for (size_t k = 0; k < a->nmodels; k++) {
        struct model_row *r = &a->models[k];
        size_t ran = r->tests - r->skipped;
        r->pass_rate = ran ? (double)r->passed / (double)ran : -1;
    }
}

static void budgets(struct analysis *a, char *const *specs, size_t n)
{
    a->budgets = xcalloc(n, sizeof *a->budgets);
    for (size_t i = 0; i < n; i++) {
        struct budget *b = &a->budgets[a->nbudgets++];
        const char *eq = strrchr(specs[i], '=');
        b->name = xstrndup(specs[i], (size_t)(eq - specs[i]));
        if (itest_parse_double(&b->limit, eq + 1, 0, 1e9) != 0)
            b->limit = 0; /* main() checked it already */
        for (size_t k = 0; k < a->nsuites; k++) {
            if (strcmp(a->suites[k].name, b->name) == 0) {
                b->found = 1;
                b->actual += a->suites[k].total;
            }
        }
        /* a suite of that name, else a label (our suites are also labels: one, not both) */
        for (size_t k = 0; k < a->nlabels && !b->found; k++) {
            if (strcmp(a->labels[k].name, b->name) == 0) {
                b->found = 1;
                b->actual += a->labels[k].total;
            }
        }
        b->violated = b->found && b->actual > b->limit;
        a->budget_violations += (size_t)b->violated;
    }
}

static void push_case(struct baseline_case **list, size_t *n, size_t *cap, struct baseline_case c)
{
    grow(list, cap, *n + 1, sizeof **list);
    (*list)[(*n)++] = c;
}

static int cmp_slower(const void *a, const void *b)
{
    const struct baseline_case *x = a, *y = b;
    double dx = x->after - x->before, dy = y->after - y->before;
    return (dx < dy) - (dx > dy);
}

static void compare(struct analysis *a, const struct model *m, const struct baseline *base)
{
    a->has_baseline = 1;
    a->baseline_path = base->path;
    size_t cap_new = 0, cap_fixed = 0, cap_slow = 0;
    struct buf id = {0};
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        model_full_name(m, t, &id);
        const struct baseline_entry *e = baseline_find(base, id.data);
        int before = e ? e->outcome : -1;
        int bad_now = t->final == OUT_FAILED || t->final == OUT_ERRORED;
        int bad_before = before == OUT_FAILED || before == OUT_ERRORED;
        struct baseline_case c = {(uint32_t)i, before, e ? e->seconds : 0, test_seconds(t)};
        if (bad_now && !bad_before)
            push_case(&a->new_failures, &a->nnew_failures, &cap_new, c);
        else if (bad_before && (t->final == OUT_PASSED || t->final == OUT_FLAKY))
            push_case(&a->fixed, &a->nfixed, &cap_fixed, c);
        /* slower: by the threshold and by at least 50 ms, so that timer noise stays out */
        if (e && e->has_seconds && t->has_time && t->final != OUT_SKIPPED &&
            c.after > c.before * (1 + a->slower_percent / 100) && c.after - c.before >= 0.05)
            push_case(&a->slower, &a->nslower, &cap_slow, c);
    }
    buf_free(&id);
    if (a->nslower)
        qsort(a->slower, a->nslower, sizeof *a->slower, cmp_slower);
}

void analyse(struct analysis *a, struct model *m, char *const *budget_specs, size_t nbudgets,
             size_t nslowest, const struct baseline *base, double slower_percent)
{
    memset(a, 0, sizeof *a);
    a->slower_percent = slower_percent;
    intern_labels(m); /* the arena stops moving here */
    for (size_t i = 0; i < m->ninputs; i++) {
        a->inputs++;
        a->input_errors += (size_t)m->inputs[i].error;
        a->repaired_inputs += m->inputs[i].repaired > 0;
    }
    /* one pass for the outcomes, totals, flaky cases and the rows' sizes; one to place the
     * durations; 200,000 cases are 9 MB of records, so the passes are what costs */
    struct rows suites = {0}, labels = {0};
    size_t capflaky = 0;
    uint32_t keys[16];
    for (size_t i = 0; i < m->ntests; i++) {
        struct test *t = &m->tests[i];
        t->final = (uint8_t)final_outcome(t);
        a->tests++;
        a->runs += t->runs;
        a->seconds += t->seconds;
        switch ((enum outcome)t->final) {
        case OUT_PASSED:
            a->passed++;
            break;
        case OUT_SKIPPED:
            a->skipped++;
            continue;
        case OUT_FAILED:
            a->failed++;
            break;
        case OUT_ERRORED:
            a->errored++;
            break;
        case OUT_FLAKY:
            a->flaky++;
            grow(&a->flaky_tests, &capflaky, a->nflaky + 1, sizeof *a->flaky_tests);
            a->flaky_tests[a->nflaky++] = (uint32_t)i;
            break;
        }
        row_count(&suites, t->suite);
        size_t k = label_keys(m, t, keys, 16);
        for (size_t j = 0; j < k; j++)
            row_count(&labels, keys[j]);
    }
    rows_ready(&suites);
    rows_ready(&labels);
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        if (t->final == OUT_SKIPPED)
            continue;
        double secs = test_seconds(t);
        int bad = t->final == OUT_FAILED || t->final == OUT_ERRORED;
        row_place(&suites, t->suite, secs, bad);
        size_t k = label_keys(m, t, keys, 16);
        for (size_t j = 0; j < k; j++)
            row_place(&labels, keys[j], secs, bad);
    }
    a->suites = rows_finish(m, &suites, &a->nsuites);
    a->labels = rows_finish(m, &labels, &a->nlabels);

    sort_model = m;
    a->category_failures = xcalloc(m->classifier->ncats, sizeof *a->category_failures);
    a->groups = xmalloc((m->ngroups ? m->ngroups : 1) * sizeof *a->groups);
    for (size_t i = 0; i < m->ngroups; i++) {
        if (!m->groups[i].count)
            continue;
        a->groups[a->ngroups++] = (uint32_t)i;
        a->category_failures[m->groups[i].category] += m->groups[i].count;
        a->failures += m->groups[i].count;
    }
    if (a->ngroups)
        qsort(a->groups, a->ngroups, sizeof *a->groups, cmp_groups);
    a->group_head = xcalloc(m->ngroups ? m->ngroups : 1, sizeof *a->group_head);
    a->failure_next = xcalloc(m->nfailures ? m->nfailures : 1, sizeof *a->failure_next);
    for (size_t i = m->nfailures; i-- > 0;) {
        a->failure_next[i] = a->group_head[m->failures[i].group];
        a->group_head[m->failures[i].group] = (uint32_t)i + 1;
    }
    affected_suites(a, m);

    a->slowest = slowest_cases(m, nslowest, &a->nslowest);

    models(a, m);
    budgets(a, budget_specs, nbudgets);
    if (base)
        compare(a, m, base);

    /* measurements: one per (case, name), the last one read wins */
    uint32_t *mx = xmalloc((m->nmetrics ? m->nmetrics : 1) * sizeof *mx);
    int in_order = 1;
    for (size_t i = 0; i < m->nmetrics; i++) {
        mx[i] = (uint32_t)i;
        in_order &= i == 0 || m->metrics[i - 1].test <= m->metrics[i].test;
    }
    if (in_order) { /* the usual case: sort each case's few names in place */
        for (size_t i = 0; i < m->nmetrics;) {
            size_t j = i;
            while (j < m->nmetrics && m->metrics[j].test == m->metrics[i].test)
                j++;
            if (j - i > 1)
                qsort(mx + i, j - i, sizeof *mx, cmp_metrics);
            i = j;
        }
    } else if (m->nmetrics) {
        qsort(mx, m->nmetrics, sizeof *mx, cmp_metrics);
    }
    for (size_t i = 0; i < m->nmetrics; i++) {
        const struct metric *x = &m->metrics[mx[i]];
        if (i + 1 < m->nmetrics) {
            const struct metric *y = &m->metrics[mx[i + 1]];
            if (x->test == y->test && x->name == y->name)
                continue;
        }
        mx[a->nmetrics++] = mx[i];
    }
    a->metrics = mx;
}

void analysis_free(struct analysis *a)
{
    free(a->category_failures);
    free(a->groups);
    free(a->group_head);
    free(a->failure_next);
    free(a->affected);
    free(a->suites);
    free(a->labels);
    free(a->slowest);
    free(a->flaky_tests);
    free(a->models);
    for (size_t i = 0; i < a->nbudgets; i++)
        free(a->budgets[i].name);
    free(a->budgets);
    free(a->new_failures);
    free(a->fixed);
    free(a->slower);
    free(a->metrics);
    memset(a, 0, sizeof *a);
}

void analyse_run_shape(struct analysis *a, const struct model *m, int jobs)
{
    a->wall_seconds = m->has_span ? (double)(m->span_end - m->span_start) / 1e9 : -1;
    a->jobs = jobs;
    a->efficiency = jobs > 0 && a->wall_seconds > 0 ? a->seconds / (a->wall_seconds * jobs) : 0;
}
