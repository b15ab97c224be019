#include "report.h"

const struct failure *report_failure(const struct report_context *r, const struct test *t)
{
    return t->failure ? &r->m->failures[t->failure - 1] : NULL;
}

const char *report_category(const struct report_context *r, const struct test *t)
{
    const struct failure *f = report_failure(r, t);
    if (!f || (t->final != OUT_FAILED && t->final != OUT_ERRORED && t->final != OUT_FLAKY))
        return "";
    return r->m->classifier->cats[r->m->groups[f->group].category].name;
}

void report_test_id(const struct report_context *r, const struct test *t, struct buf *out)
{
    model_full_name(r->m, t, out);
}
