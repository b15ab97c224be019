#include "report.h"

void report_csv(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    struct buf id = {0};
    fputs("suite,case,labels,outcome,seconds,category\n", f);
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        put_csv(f, strtab_get(&m->str, t->suite));
        fputc(',', f);
        buf_clear(&id);
        if (t->classname) {
            buf_puts(&id, strtab_get(&m->str, t->classname));
            buf_putc(&id, '.');
        }
        buf_puts(&id, strtab_get(&m->str, t->name));
        put_csv(f, id.data);
        fputc(',', f);
        put_csv(f, strtab_get(&m->str, t->labels));
        fputc(',', f);
        fputs(outcome_name((enum outcome)t->final), f);
        fputc(',', f);
        if (t->has_time) {
            char secs[32];
            format_seconds(secs, test_seconds(t));
            fputs(secs, f);
        }
        fputc(',', f);
        put_csv(f, report_category(r, t));
        fputc('\n', f);
    }
    buf_free(&id);
}
