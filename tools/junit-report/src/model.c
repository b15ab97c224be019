#include "model.h"

#include "itest/clock.h"

#define PENDING 16

/* What one run adds to a test: the part every case has. */
struct run {
    uint32_t suite, classname, hash, labels, model;
    double seconds;
    int has_time, flaky_reruns;
    enum outcome outcome;
};

/* A plain case (passed or skipped without a message, no measurements) waiting for its turn:
 * its hash slot was prefetched when it arrived, so that by the time it is recorded the slot is
 * in cache. With 200,000 distinct tests the table is far larger than the cache, and this
 * hides most of the misses. */
struct pending {
    struct run run;
    struct buf name;
};

#include <stdlib.h>
#include <string.h>

const char *outcome_name(enum outcome o)
{
    static const char *const names[] = {"passed", "skipped", "failed", "errored", "flaky"};
    return o <= OUT_FLAKY ? names[o] : "?";
}

void model_init(struct model *m, struct classifier *c)
{
    memset(m, 0, sizeof *m);
    strtab_init(&m->str);
    m->classifier = c;
    m->tests = reserve(MAX_TESTS * sizeof *m->tests);
    if (m->tests) {
        m->tests_reserved = 1;
        m->captests = MAX_TESTS;
    }
}

void model_free(struct model *m)
{
    strtab_free(&m->str);
    if (m->tests_reserved)
        unreserve(m->tests, MAX_TESTS * sizeof *m->tests);
    else
        free(m->tests);
    free(m->test_slots);
    free(m->failures);
    free(m->groups);
    free(m->group_slots);
    free(m->metrics);
    for (size_t i = 0; i < m->ninputs; i++) {
        free(m->inputs[i].name);
        free(m->inputs[i].message);
    }
    free(m->inputs);
    free(m->undo);
    buf_free(&m->last_suite);
    buf_free(&m->last_class);
    buf_free(&m->last_labels);
    for (size_t i = 0; m->pending && i < PENDING; i++)
        buf_free(&m->pending[i].name);
    free(m->pending);
    memset(m, 0, sizeof *m);
}

/* ---- the test table: (suite, class) interned offsets plus the name ---- */

static uint32_t test_hash(uint32_t suite, uint32_t classname, const char *name, size_t n)
{
    return (uint32_t)hash_bytes(name, n, ((uint64_t)suite << 32) ^ classname);
}

static void test_slots_rebuild(struct model *m, size_t nslots)
{
    /* written through once now: calloc's untouched pages would map the shared zero page on the
     * first probe and need a TLB shootdown on both cores at the first insert */
    uint64_t *slots = xmalloc(nslots * sizeof *slots);
    memset(slots, 0, nslots * sizeof *slots);
    for (size_t i = 0; i < m->ntest_slots; i++) {
        uint64_t slot = m->test_slots[i];
        if (!slot || (slot & 0xffffffffu) > m->ntests)
            continue; /* free, or a test a rollback removed */
        size_t j = (slot >> 32) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = slot;
    }
    free(m->test_slots);
    m->test_slots = slots;
    m->ntest_slots = nslots;
}

static uint32_t intern_cached(struct model *m, struct buf *last, uint32_t *last_off, const char *s)
{
    size_t n = strlen(s);
    if (last->data && last->len == n && memcmp(last->data, s, n) == 0)
        return *last_off;
    buf_clear(last);
    buf_add(last, s, n);
    return *last_off = strtab_intern(&m->str, s, n);
}

static struct test *test_find_or_add(struct model *m, uint32_t s, uint32_t c, const char *name,
                                     size_t n, uint32_t h, int *created)
{
    if ((m->ntests + 1) * 4 > m->ntest_slots * 3) /* up to 3/4 full: the hash is a good one */
        test_slots_rebuild(m, m->ntest_slots ? m->ntest_slots * 2 : 4096);
    size_t j = h & (m->ntest_slots - 1);
    for (;; j = (j + 1) & (m->ntest_slots - 1)) {
        uint64_t slot = m->test_slots[j];
        if (!slot)
            break;
        if ((uint32_t)(slot >> 32) != h)
            continue;
        struct test *t = &m->tests[(slot & 0xffffffffu) - 1];
        const char *have = strtab_get(&m->str, t->name);
        if (t->suite == s && t->classname == c && memcmp(have, name, n) == 0 && have[n] == '\0') {
            *created = 0;
            return t;
        }
    }
    if (m->ntests == MAX_TESTS) {
        fprintf(stderr, "itest-report: more than %zu distinct tests; cannot continue\n", MAX_TESTS);
        exit(2);
    }
    grow(&m->tests, &m->captests, m->ntests + 1, sizeof *m->tests);
    struct test *t = &m->tests[m->ntests];
    memset(t, 0, sizeof *t);
    t->suite = s;
    t->classname = c;
    t->name = strtab_add(&m->str, name, n);
    m->test_slots[j] = (uint64_t)h << 32 | (uint32_t)++m->ntests;
    *created = 1;
    return t;
}

/* ---- failure groups, one per signature; a group's category is its first failure's ---- */

static size_t group_slot_of(const struct model *m, uint32_t signature)
{
    return hash_bytes(&signature, sizeof signature, 7) & (m->ngroup_slots - 1);
}

static void group_slots_rebuild(struct model *m, size_t nslots)
{
    free(m->group_slots);
    m->ngroup_slots = nslots;
    m->group_slots = xcalloc(nslots, sizeof *m->group_slots);
    for (size_t i = 0; i < m->ngroups; i++) {
        size_t j = group_slot_of(m, m->groups[i].signature);
        while (m->group_slots[j])
            j = (j + 1) & (nslots - 1);
        m->group_slots[j] = (uint32_t)i + 1;
    }
}

/* The group of a signature, or -1 with *slot where a new one goes. */
static long group_find(struct model *m, uint32_t signature, size_t *slot)
{
    if ((m->ngroups + 1) * 2 > m->ngroup_slots)
        group_slots_rebuild(m, m->ngroup_slots ? m->ngroup_slots * 2 : 256);
    size_t j = group_slot_of(m, signature);
    for (; m->group_slots[j]; j = (j + 1) & (m->ngroup_slots - 1))
        if (m->groups[m->group_slots[j] - 1].signature == signature)
            return (long)m->group_slots[j] - 1;
    *slot = j;
    return -1;
}

static uint32_t group_add(struct model *m, size_t slot, uint16_t category, uint32_t signature,
                          const char *example, size_t example_len)
{
    grow(&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups);
    struct group *g = &m->groups[m->ngroups];
    memset(g, 0, sizeof *g);
    g->category = category;
    g->signature = signature;
    g->example = strtab_add(&m->str, example, utf8_prefix(example, example_len, 1024));
    m->group_slots[slot] = (uint32_t)++m->ngroups;
    return (uint32_t)m->ngroups - 1;
}

/* ---- inputs and rollback ---- */

size_t model_begin_input(struct model *m, const char *name)
{
    grow(&m->inputs, &m->capinputs, m->ninputs + 1, sizeof *m->inputs);
    struct input *in = &m->inputs[m->ninputs];
    memset(in, 0, sizeof *in);
    in->name = xstrdup(name);
    m->mark_tests = m->ntests;
    m->mark_failures = m->nfailures;
    m->mark_groups = m->ngroups;
    m->mark_metrics = m->nmetrics;
    m->nundo = 0;
    return m->ninputs++;
}

void model_rollback_input(struct model *m)
{
    model_flush(m);
    for (size_t i = m->nundo; i-- > 0;)
        m->tests[m->undo[i].index] = m->undo[i].saved;
    m->nundo = 0;
    for (size_t i = m->mark_failures; i < m->nfailures; i++)
        m->groups[m->failures[i].group].count--;
    m->nfailures = m->mark_failures;
    m->ngroups = m->mark_groups;
    m->nmetrics = m->mark_metrics;
    if (m->ntests != m->mark_tests) {
        m->ntests = m->mark_tests;
        test_slots_rebuild(m, m->ntest_slots); /* drops the slots of the removed tests */
    }
    group_slots_rebuild(m, m->ngroup_slots ? m->ngroup_slots : 256);
    struct input *in = &m->inputs[m->ninputs - 1];
    in->cases = 0;
}

/* ---- one case ---- */

/* A line that only says where (path:line) or only "Failed" tells nothing about the failure;
 * GoogleTest starts every message with one. */
static int uninformative(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == ':'))
        n--;
    if (n == 0 || (n == 6 && memcmp(s, "Failed", 6) == 0))
        return 1;
    size_t digits = 0;
    while (digits < n && s[n - 1 - digits] >= '0' && s[n - 1 - digits] <= '9')
        digits++;
    return digits && digits < n && s[n - 1 - digits] == ':' && !memchr(s, ' ', n - digits);
}

/* The headline of a failure text: its first informative line, or with `any` its first
 * non-blank one; NULL when there is none. */
static const char *headline(const char *text, size_t *len, int any)
{
    const char *first = NULL;
    size_t first_len = 0;
    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *q = p;
        while (n && (*q == ' ' || *q == '\t')) {
            q++;
            n--;
        }
        if (n && !first) {
            first = q;
            first_len = n;
        }
        if (n && !uninformative(q, n)) {
            *len = n;
            return q;
        }
        p = end ? end + 1 : NULL;
    }
    *len = first_len;
    return any ? first : NULL;
}

/* In captured output the failure is usually the last line mentioning an error. */
static const char *output_headline(const char *out, size_t *len)
{
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;
    for (const char *p = out; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n) {
            last = p;
            last_len = n;
            if (memmem(p, n, "error", 5) || memmem(p, n, "Error", 5) || memmem(p, n, "FAIL", 4)) {
                best = p;
                best_len = n;
            }
        }
        p = end ? end + 1 : NULL;
    }
    *len = best ? best_len : last_len;
    return best ? best : last;
}

static void add_failure(struct model *m, struct test *t, const struct case_in *c)
{
    size_t len = 0;
    const char *line = NULL;
    /* go-junit-report says message="Failed", GoogleTest starts with a file:line: the first
     * line that says something, wherever it is */
    if (c->message && *c->message)
        line = headline(c->message, &len, 0);
    if (!line && c->body && *c->body)
        line = headline(c->body, &len, 0);
    if (!line && c->output && *c->output)
        line = output_headline(c->output, &len);
    if (!line && c->message && *c->message)
        line = headline(c->message, &len, 1);
    if (!line && c->body && *c->body)
        line = headline(c->body, &len, 1);
    if (!line) {
        line = "(no failure text)";
        len = strlen(line);
    }
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
        len--;

    struct buf sig = {0};
    signature_of(line, len, &sig);
    uint32_t signature = strtab_intern(&m->str, sig.data ? sig.data : "", sig.len);
    buf_free(&sig);
    size_t slot = 0;
    long found = group_find(m, signature, &slot);
    uint32_t group;
    if (found >= 0) {
        group = (uint32_t)found; /* the same signature: the same category, classified once */
    } else {
        int category =
            classifier_classify(m->classifier, c->message, c->body, c->output, c->error_element);
        struct buf example = {0};
        if (c->message && *c->message)
            buf_add_capped(&example, c->message, strlen(c->message), 1024);
        if (c->body && *c->body && (!c->message || !strstr(c->body, c->message))) {
            if (example.len)
                buf_add_capped(&example, "\n", 1, 1024);
            buf_add_capped(&example, c->body, strlen(c->body), 1024);
        }
        if (!example.len)
            buf_add(&example, line, utf8_prefix(line, len, 1024));
        group = group_add(m, slot, (uint16_t)category, signature, example.data, example.len);
        buf_free(&example);
    }
    m->groups[group].count++;

    grow(&m->failures, &m->capfailures, m->nfailures + 1, sizeof *m->failures);
    struct failure *f = &m->failures[m->nfailures++];
    f->test = (uint32_t)(t - m->tests);
    f->group = group;
    f->message = strtab_add(&m->str, line, utf8_prefix(line, len, FAILURE_MESSAGE_MAX));
    f->file = (uint32_t)m->ninputs;
    t->failure = (uint32_t)m->nfailures;
}

static struct test *record_run(struct model *m, const struct run *r, const char *name, size_t n)
{
    int created;
    struct test *t = test_find_or_add(m, r->suite, r->classname, name, n, r->hash, &created);
    uint32_t file = (uint32_t)m->ninputs;
    if (t->last_file != file) {
        size_t index = (size_t)(t - m->tests);
        if (!created && index < m->mark_tests) {
            grow(&m->undo, &m->capundo, m->nundo + 1, sizeof *m->undo);
            m->undo[m->nundo].index = (uint32_t)index;
            m->undo[m->nundo++].saved = *t;
        }
        if (t->last_file)
            t->seen |= (uint8_t)(1u << t->file_outcome);
        t->file_outcome = (uint8_t)r->outcome;
        t->last_file = file;
        if (t->runs < UINT16_MAX)
            t->runs++;
    } else if (r->outcome > t->file_outcome) {
        /* the same test twice in one file: pytest adds a second testcase when the teardown
         * fails too; the worse outcome stands */
        t->file_outcome = (uint8_t)r->outcome;
    }
    t->seconds += (float)r->seconds;
    t->has_time |= (uint8_t)(r->has_time != 0);
    if (r->flaky_reruns && t->flaky_reruns < UINT16_MAX - r->flaky_reruns)
        t->flaky_reruns += (uint16_t)r->flaky_reruns;
    if (r->labels)
        t->labels = r->labels;
    if (r->model)
        t->model = r->model;
    return t;
}

void model_flush(struct model *m)
{
    while (m->npending) {
        struct pending *p = &m->pending[m->pending_head];
        record_run(m, &p->run, p->name.data, p->name.len);
        m->pending_head = (m->pending_head + 1) % PENDING;
        m->npending--;
    }
}

void model_add_case(struct model *m, const struct case_in *c)
{
    struct run r = {0};
    r.suite = intern_cached(m, &m->last_suite, &m->last_suite_off, c->suite);
    r.classname = intern_cached(m, &m->last_class, &m->last_class_off, c->classname);
    r.labels = c->labels && *c->labels
                   ? intern_cached(m, &m->last_labels, &m->last_labels_off, c->labels)
                   : 0;
    r.model = c->model && *c->model ? strtab_intern(&m->str, c->model, strlen(c->model)) : 0;
    r.seconds = c->seconds;
    r.has_time = c->has_time;
    r.flaky_reruns = c->flaky_reruns;
    r.outcome = c->outcome;
    size_t n = strlen(c->name);
    r.hash = test_hash(r.suite, r.classname, c->name, n);
    m->inputs[m->ninputs - 1].cases++;

    int plain = (c->outcome == OUT_PASSED ||
                 (c->outcome == OUT_SKIPPED && !(c->skip_message && *c->skip_message))) &&
                !c->nmetrics && !c->flaky_reruns;
    if (plain) {
        if (!m->pending)
            m->pending = xcalloc(PENDING, sizeof *m->pending);
        if (m->npending == PENDING) {
            struct pending *old = &m->pending[m->pending_head];
            record_run(m, &old->run, old->name.data, old->name.len);
            m->pending_head = (m->pending_head + 1) % PENDING;
            m->npending--;
        }
        struct pending *p = &m->pending[(m->pending_head + m->npending++) % PENDING];
        p->run = r;
        buf_clear(&p->name);
        buf_add(&p->name, c->name, n);
        if (m->ntest_slots)
            __builtin_prefetch(&m->test_slots[r.hash & (m->ntest_slots - 1)]);
        return;
    }

    model_flush(m); /* keep the order of the runs */
    struct test *t = record_run(m, &r, c->name, n);
    if (c->outcome == OUT_SKIPPED && c->skip_message && *c->skip_message) {
        size_t len = strcspn(c->skip_message, "\n");
        t->skip_message =
            strtab_add(&m->str, c->skip_message, utf8_prefix(c->skip_message, len, 200));
    }
    if (c->outcome == OUT_FAILED || c->outcome == OUT_ERRORED)
        add_failure(m, t, c);

    for (size_t i = 0; i < c->nmetrics; i++) {
        grow(&m->metrics, &m->capmetrics, m->nmetrics + 1, sizeof *m->metrics);
        struct metric *x = &m->metrics[m->nmetrics++];
        x->test = (uint32_t)(t - m->tests);
        x->name = strtab_intern(&m->str, c->metrics[i].name, strlen(c->metrics[i].name));
        x->value = strtab_add(&m->str, c->metrics[i].value, strlen(c->metrics[i].value));
    }
}

void model_full_name(const struct model *m, const struct test *t, struct buf *out)
{
    buf_clear(out);
    buf_puts(out, strtab_get(&m->str, t->suite));
    if (t->classname) {
        buf_putc(out, '.');
        buf_puts(out, strtab_get(&m->str, t->classname));
    }
    buf_putc(out, '.');
    buf_puts(out, strtab_get(&m->str, t->name));
}

void model_add_span(struct model *m, const char *timestamp, size_t len, double seconds)
{
    char text[64];
    if (len == 0 || len > 40 || seconds < 0)
        return;
    memcpy(text, timestamp, len);
    text[len] = '\0';
    int64_t start;
    if (itest_parse_rfc3339(text, &start) != 0) {
        memcpy(text + len, "Z", 2);
        if (itest_parse_rfc3339(text, &start) != 0)
            return;
    }
    int64_t end = start + (int64_t)(seconds * 1e9);
    if (!m->has_span || start < m->span_start)
        m->span_start = start;
    if (!m->has_span || end > m->span_end)
        m->span_end = end;
    m->has_span = 1;
}
