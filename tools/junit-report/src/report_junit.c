/* --junit: every case once, grouped by suite, in the shape ../shared/schemas/junit-10.xsd
 * (Jenkins) accepts: a flaky case passes with a <flakyFailure>, a failure carries its category
 * as the type and the first failure text as the body. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const struct model *sort_m;

static int by_offset(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(strtab_get(&sort_m->str, *(const uint32_t *)a),
                  strtab_get(&sort_m->str, *(const uint32_t *)b));
}

/* The tests grouped by suite, the suites by name, each suite's tests in the order read: the
 * distinct suites (interned, so one offset each) are sorted by name, and the tests placed by
 * their suite's rank (a counting sort; a name comparison per test cost a tenth of the run). */
static uint32_t *suite_order(const struct model *m)
{
    size_t n = m->ntests;
    uint32_t *order = xmalloc((n ? n : 1) * sizeof *order);
    uint32_t *suites = xmalloc((n ? n : 1) * sizeof *suites);
    for (size_t i = 0; i < n; i++)
        suites[i] = m->tests[i].suite;
    qsort(suites, n, sizeof *suites, by_offset);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || suites[u - 1] != suites[i])
            suites[u++] = suites[i];
    uint32_t *by_offset_sorted = xmalloc((u ? u : 1) * sizeof *by_offset_sorted);
    memcpy(by_offset_sorted, suites, u * sizeof *suites);
    sort_m = m;
    qsort(suites, u, sizeof *suites, by_name);                /* suites[rank] = offset */
    size_t *rank_of = xmalloc((u ? u : 1) * sizeof *rank_of); /* by offset position */
    for (size_t r = 0; r < u; r++) {
        uint32_t *hit = bsearch(&suites[r], by_offset_sorted, u, sizeof *suites, by_offset);
        rank_of[hit - by_offset_sorted] = r;
    }
    size_t *start = xcalloc(u + 1, sizeof *start);
    uint32_t *rank = xmalloc((n ? n : 1) * sizeof *rank);
    for (size_t i = 0; i < n; i++) {
        uint32_t *hit = bsearch(&m->tests[i].suite, by_offset_sorted, u, sizeof *suites, by_offset);
        rank[i] = (uint32_t)rank_of[hit - by_offset_sorted];
        start[rank[i] + 1]++;
    }
    for (size_t r = 0; r < u; r++)
        start[r + 1] += start[r];
    for (size_t i = 0; i < n; i++)
        order[start[rank[i]]++] = (uint32_t)i;
    free(suites);
    free(by_offset_sorted);
    free(rank_of);
    free(start);
    free(rank);
    return order;
}

static void put_time(FILE *f, double s)
{
    char secs[32];
    format_seconds(secs, s);
    fputs(" time=\"", f);
    fputs(secs, f);
    fputc('"', f);
}

static void write_case(FILE *f, const struct report_context *r, const struct test *t)
{
    const struct model *m = r->m;
    fputs("    <testcase name=\"", f);
    put_xml_str(f, strtab_get(&m->str, t->name), 1);
    fputs("\" classname=\"", f);
    put_xml_str(f, strtab_get(&m->str, t->suite), 1);
    if (t->classname) {
        fputc('.', f);
        put_xml_str(f, strtab_get(&m->str, t->classname), 1);
    }
    fputc('"', f);
    put_time(f, test_seconds(t));
    const struct failure *fl = report_failure(r, t);
    const struct group *g = fl ? &m->groups[fl->group] : NULL;
    const char *category = report_category(r, t);
    switch ((enum outcome)t->final) {
    case OUT_PASSED:
        fputs("/>\n", f);
        return;
    case OUT_SKIPPED:
        fputs(">\n      <skipped message=\"", f);
        put_xml_str(f, t->skip_message ? strtab_get(&m->str, t->skip_message) : "", 1);
        fputs("\"/>\n", f);
        break;
    case OUT_FLAKY:
        fprintf(f, ">\n      <flakyFailure type=\"flaky\" message=\"mixed outcomes over %u runs",
                t->runs);
        if (fl) {
            fputs(": ", f);
            put_xml_str(f, strtab_get(&m->str, fl->message), 1);
        }
        fputs("\"/>\n", f);
        break;
    case OUT_FAILED:
    case OUT_ERRORED: {
        const char *el = t->final == OUT_FAILED ? "failure" : "error";
        fprintf(f, ">\n      <%s message=\"", el);
        put_xml_str(f, fl ? strtab_get(&m->str, fl->message) : "", 1);
        fputs("\" type=\"", f);
        put_xml_str(f, category, 1);
        fputs("\">", f);
        if (g)
            put_xml_str(f, strtab_get(&m->str, g->example), 0);
        fprintf(f, "</%s>\n", el);
        break;
    }
    }
    fputs("    </testcase>\n", f);
}

void report_junit(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    const struct analysis *a = r->a;
    uint32_t *order = suite_order(m);

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
    put_xml_str(f, r->title, 1);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", a->tests, a->failed, a->errored);
    put_time(f, a->seconds);
    fputs(">\n", f);
    for (size_t i = 0; i < m->ntests;) {
        uint32_t suite = m->tests[order[i]].suite;
        size_t j = i, failed = 0, errored = 0, skipped = 0;
        double secs = 0;
        while (j < m->ntests && m->tests[order[j]].suite == suite) {
            const struct test *t = &m->tests[order[j]];
            failed += t->final == OUT_FAILED;
            errored += t->final == OUT_ERRORED;
            skipped += t->final == OUT_SKIPPED;
            secs += test_seconds(t);
            j++;
        }
        fputs("  <testsuite name=\"", f);
        put_xml_str(f, strtab_get(&m->str, suite), 1);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", j - i,
                failed, errored, skipped);
        put_time(f, secs);
        fputs(">\n", f);
        for (size_t k = i; k < j; k++)
            write_case(f, r, &m->tests[order[k]]);
        fputs("  </testsuite>\n", f);
        i = j;
    }
    fputs("</testsuites>\n", f);
    free(order);
}
