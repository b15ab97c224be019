/* --junit: every case once, grouped by suite, in the shape ../shared/schemas/junit-10.xsd
 * (Jenkins) accepts: a flaky case passes with a <flakyFailure>, a failure carries its category
 * as the type and the first failure text as the body. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const struct model *sort_m;

static int by_suite(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(strtab_get(&sort_m->str, sort_m->tests[x].suite),
                   strtab_get(&sort_m->str, sort_m->tests[y].suite));
    return c ? c : (x > y) - (x < y);
}

static void put_time(FILE *f, double s)
{
    char secs[32];
    format_seconds(secs, s);
    fprintf(f, " time=\"%s\"", secs);
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
    uint32_t *order = xmalloc((m->ntests ? m->ntests : 1) * sizeof *order);
    for (size_t i = 0; i < m->ntests; i++)
        order[i] = (uint32_t)i;
    sort_m = m;
    if (m->ntests)
        qsort(order, m->ntests, sizeof *order, by_suite);

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
