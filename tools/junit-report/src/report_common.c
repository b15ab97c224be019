#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void report_measurement(struct buf *out, const char *name, const char *value)
{
    static const struct {
        const char *suffix, *unit;
    } units[] = {{"_ms", "ms"},   {"_seconds", "s"},   {"_s", "s"},     {"_rps", "req/s"},
                 {"_bytes", "B"}, {"_kib", "KiB"},     {"_mib", "MiB"}, {"_percent", "%"},
                 {"_pct", "%"},   {"_tps", "tokens/s"}};
    size_t n = strlen(name);
    const char *unit = "";
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t k = strlen(units[i].suffix);
        if (n > k && strcmp(name + n - k, units[i].suffix) == 0) {
            unit = units[i].unit;
            n -= k;
            break;
        }
    }
    buf_add(out, name, n);
    buf_add(out, " ", 1);
    char *end = NULL;
    double v = strtod(value, &end);
    char text[64];
    if (end && end != value && *end == '\0' && isfinite(v)) {
        /* whole numbers as they are, others to four significant digits (0.4963009997 -> 0.4963) */
        if (v == floor(v) && fabs(v) < 1e15)
            snprintf(text, sizeof text, "%.0f", v);
        else
            snprintf(text, sizeof text, "%.4g", v);
        buf_add(out, text, strlen(text));
    } else {
        buf_add(out, value, strlen(value));
    }
    if (*unit) {
        buf_add(out, " ", 1);
        buf_add(out, unit, strlen(unit));
    }
}

const char *report_fact(const char *fact, size_t *len)
{
    const char *eq = strchr(fact, '=');
    *len = eq ? (size_t)(eq - fact) : strlen(fact);
    return eq ? eq + 1 : "";
}
