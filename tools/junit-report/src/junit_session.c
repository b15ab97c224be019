/* What libxml2's SAX events mean for a JUnit input: suites, cases, failures, properties, output
 * and its measurements, handed to the model; see junit_session.h. */
#include "junit_session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>

/* ---- errors ---- */

void junit_session_fail(struct session *p, int line, int col, int code, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    p->err_line = line;
    p->err_col = col;
    p->err_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    size_t n = strlen(p->err);
    while (n && (p->err[n - 1] == '\n' || p->err[n - 1] == ' '))
        p->err[--n] = '\0';
    if (p->ctxt)
        xmlStopParser(p->ctxt);
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    struct session *p = ctx;
    if (!e || e->level < XML_ERR_ERROR)
        return; /* warnings (a relative namespace URI, ...) do not stop the reading */
    int line = e->line, col = e->int2;
    if (p->wrapped && line == 1 && (size_t)col > p->wrap_at)
        col -= (int)strlen(WRAPPER);
    junit_session_fail(p, line, col, e->code, "%s", e->message ? e->message : "XML error");
}

/* ---- attributes (SAX2 gives localname, prefix, URI, value, end per attribute) ---- */

static const xmlChar *attr(const xmlChar **a, int n, const xmlChar *name, size_t *len)
{
    for (int i = 0; i < n; i++, a += 5) {
        if (a[0] == name) {
            *len = (size_t)(a[4] - a[3]);
            return a[3];
        }
    }
    return NULL;
}

/* Appends an attribute value (at most `limit` bytes in b). Without entity substitution libxml2
 * hands "&amp;" over as "&#38;"; it is the only reference left in a value, decoded here. */
static void add_value(struct buf *b, const xmlChar *v, size_t len, size_t limit)
{
    const char *s = (const char *)v, *end = s + len;
    if (!b->data)
        buf_add(b, "", 0);
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        size_t run = amp ? (size_t)(amp - s) : (size_t)(end - s);
        buf_add_capped(b, s, run, limit);
        s += run;
        if (!amp)
            break;
        if (end - s >= 5 && memcmp(s, "&#38;", 5) == 0) {
            buf_add_capped(b, "&", 1, limit);
            s += 5;
        } else {
            buf_add_capped(b, "&", 1, limit);
            s++;
        }
    }
}

static void attr_to(struct buf *b, const xmlChar **a, int n, const xmlChar *name)
{
    size_t len;
    const xmlChar *v = attr(a, n, name, &len);
    buf_clear(b);
    buf_add(b, "", 0);
    if (v)
        add_value(b, v, len, SIZE_MAX);
}

/* ---- elements ---- */

static void named_set(struct named_value *list, size_t *n, size_t max, const char *name,
                      size_t name_len, const char *value, size_t value_len)
{
    size_t i = 0;
    while (i < *n &&
           !(list[i].name.len == name_len && memcmp(list[i].name.data, name, name_len) == 0))
        i++;
    if (i == *n) {
        if (*n == max)
            return; /* a case with more measurements than this keeps the first ones */
        (*n)++;
        buf_clear(&list[i].name);
        buf_add(&list[i].name, name, name_len);
    }
    buf_clear(&list[i].value);
    buf_add(&list[i].value, value, value_len);
}

static void start_suite(struct session *p, const xmlChar **a, int na)
{
    if (p->nsuites >= MAX_SUITES) {
        p->nsuites++; /* deeper than this: counted, the innermost kept frame is used */
        return;
    }
    struct suite_frame *f = &p->suites[p->nsuites];
    attr_to(&f->name, a, na, p->names[A_NAME]);
    buf_clear(&f->labels);
    buf_clear(&f->model);
    if (p->nsuites > 0) { /* nested suites inherit labels and model */
        struct suite_frame *up = &p->suites[p->nsuites - 1];
        buf_add(&f->labels, up->labels.data ? up->labels.data : "", up->labels.len);
        buf_add(&f->model, up->model.data ? up->model.data : "", up->model.len);
    }
    f->nmetrics = p->nsuite_metrics;
    p->nsuites++;
    /* the run's span: when its suites started (timestamp) and how long each took (time) */
    size_t len = 0, tlen = 0;
    const xmlChar *ts = attr(a, na, p->names[A_TIMESTAMP], &len);
    const xmlChar *t = attr(a, na, p->names[A_TIME], &tlen);
    if (ts && t)
        model_add_span(p->m, (const char *)ts, len, junit_parse_time((const char *)t, tlen));
}

static void end_suite(struct session *p)
{
    if (p->nsuites <= MAX_SUITES && p->nsuites > 0)
        p->nsuite_metrics = p->suites[p->nsuites - 1].nmetrics;
    p->nsuites--;
}

static void start_case(struct session *p, const xmlChar **a, int na)
{
    p->in_case = 1;
    attr_to(&p->name_, a, na, p->names[A_NAME]);
    attr_to(&p->classname, a, na, p->names[A_CLASSNAME]);
    buf_clear(&p->labels);
    buf_clear(&p->model);
    buf_clear(&p->message);
    buf_clear(&p->body);
    buf_clear(&p->output);
    buf_clear(&p->skip);
    dart_reset(&p->dart);
    buf_clear(&p->status);
    p->failures = p->errors = p->skipped = p->flaky = p->body_done = 0;
    p->nmetrics = 0;
    for (size_t i = 0; i < p->nsuite_metrics; i++)
        named_set(p->metrics, &p->nmetrics, 32, p->suite_metrics[i].name.data,
                  p->suite_metrics[i].name.len, p->suite_metrics[i].value.data,
                  p->suite_metrics[i].value.len);
    size_t len;
    const xmlChar *t = attr(a, na, p->names[A_TIME], &len);
    double secs = t ? junit_parse_time((const char *)t, len) : -1;
    p->has_time = secs >= 0;
    p->seconds = secs >= 0 ? secs : 0;
    /* CTest: status run|fail|notrun|disabled; GoogleTest: status run|notrun and result
     * completed|skipped|suppressed; others: status or result with their own words */
    const xmlChar *v = attr(a, na, p->names[A_RESULT], &len);
    if (!v || len == 0 || (len == 9 && memcmp(v, "completed", 9) == 0))
        v = attr(a, na, p->names[A_STATUS], &len);
    if (v)
        buf_add(&p->status, (const char *)v, len);
}

/* The innermost suite with a name ("(empty)" counts as none), or "". */
static const char *innermost_suite(const struct session *p)
{
    for (int i = (p->nsuites < MAX_SUITES ? p->nsuites : MAX_SUITES) - 1; i >= 0; i--) {
        const char *n = p->suites[i].name.data;
        if (n && *n && strcmp(n, "(empty)") != 0)
            return n;
    }
    return "";
}

static void end_case(struct session *p)
{
    enum outcome o =
        junit_outcome(p->failures, p->errors, p->skipped, p->status.len ? p->status.data : NULL);

    struct buf scratch = {0};
    struct case_in c = {0};
    junit_identify(innermost_suite(p), p->classname.data, p->name_.data, p->status.len > 0,
                   &scratch, &c.suite, &c.classname, &c.name);
    struct suite_frame *f =
        p->nsuites > 0 ? &p->suites[(p->nsuites < MAX_SUITES ? p->nsuites : MAX_SUITES) - 1] : NULL;
    c.labels = p->labels.len ? p->labels.data : f && f->labels.len ? f->labels.data : NULL;
    c.model = p->model.len ? p->model.data : f && f->model.len ? f->model.data : NULL;
    char model_from_name[128];
    const char *at = strrchr(c.name, '@');
    if (!c.model && at && at[1] && !strpbrk(at + 1, " \t") &&
        strlen(at + 1) < sizeof model_from_name) {
        strcpy(model_from_name, at + 1);
        c.model = model_from_name;
    }
    c.seconds = p->seconds;
    c.has_time = p->has_time;
    c.outcome = o;
    c.flaky_reruns = p->flaky;
    c.error_element = p->first_is_error;
    c.message = p->message.data;
    c.body = p->body.data;
    c.output = p->output.data;
    c.skip_message = p->skip.data;
    struct metric_in metrics[32];
    for (size_t i = 0; i < p->nmetrics; i++) {
        metrics[i].name = p->metrics[i].name.data;
        metrics[i].value = p->metrics[i].value.data;
    }
    c.metrics = metrics;
    c.nmetrics = p->nmetrics;
    if (p->pipe)
        case_pipe_put(p->pipe, &c);
    else
        model_add_case(p->m, &c);
    buf_free(&scratch);
    p->in_case = 0;
}

static void normalise_labels(struct buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == ',')
            b->data[i] = ';';
}

static void end_property(struct session *p)
{
    const char *name = p->prop_name.data ? p->prop_name.data : "";
    struct buf *value = &p->prop_value;
    if (!value->data)
        buf_add(value, "", 0);
    struct suite_frame *f =
        p->nsuites > 0 && p->nsuites <= MAX_SUITES ? &p->suites[p->nsuites - 1] : NULL;
    const char *measurement = NULL;
    switch (junit_property_kind(name, &measurement)) {
    case P_LABELS: {
        struct buf *to = p->prop_in_case ? &p->labels : f ? &f->labels : NULL;
        if (to) {
            buf_clear(to);
            buf_add(to, value->data, value->len);
            normalise_labels(to);
        }
        break;
    }
    case P_MODEL: {
        struct buf *to = p->prop_in_case ? &p->model : f ? &f->model : NULL;
        if (to) {
            buf_clear(to);
            buf_add(to, value->data, value->len);
        }
        break;
    }
    case P_MEASUREMENT:
        if (p->prop_in_case)
            named_set(p->metrics, &p->nmetrics, 32, measurement, strlen(measurement), value->data,
                      value->len);
        else
            named_set(p->suite_metrics, &p->nsuite_metrics, 32, measurement, strlen(measurement),
                      value->data, value->len);
        break;
    case P_OTHER:
        break;
    }
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int na, int nd, const xmlChar **a)
{
    struct session *p = ctx;
    const char *name = (const char *)localname;
    if (p->depth >= MAX_DEPTH) {
        junit_session_fail(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -2,
                           "elements nested deeper than %d levels; not a test report", MAX_DEPTH);
        return;
    }
    enum junit_kind parent = p->depth > 0 ? p->kinds[p->depth - 1] : K_OTHER;
    enum junit_kind k;
    if (p->depth == 0 && p->wrapped) {
        k = K_WRAPPER;
    } else {
        k = junit_kind_of(p->names, localname, parent);
        if ((p->depth == 0 || (p->depth == 1 && p->wrapped)) && !p->root[0])
            snprintf(p->root, sizeof p->root, "%s", name);
        /* outputs and texts nested in flaky/rerun elements belong to the rerun, not the case */
        if (parent == K_FLAKY || parent == K_RERUN || parent == K_IGNORED_TEXT)
            k = K_IGNORED_TEXT;
    }
    p->kinds[p->depth] = k;
    p->lines[p->depth] = xmlSAX2GetLineNumber(p->ctxt);
    p->depth++;
    size_t len;
    const xmlChar *v;
    switch (k) {
    case K_SUITES:
        p->saw_junit = 1;
        break;
    case K_SUITE:
        p->saw_junit = 1;
        start_suite(p, a, na);
        break;
    case K_CASE:
        p->saw_junit = 1;
        if (!p->in_case)
            start_case(p, a, na);
        else
            p->kinds[p->depth - 1] = K_OTHER; /* a testcase inside a testcase: ignored */
        break;
    case K_PROPERTY:
        attr_to(&p->prop_name, a, na, p->names[A_NAME]);
        v = attr(a, na, p->names[A_VALUE], &len);
        buf_clear(&p->prop_value);
        p->prop_has_value = v != NULL;
        if (v)
            add_value(&p->prop_value, v, len, SIZE_MAX);
        p->prop_in_case = p->in_case;
        break;
    case K_FAILURE:
    case K_ERROR:
        if (k == K_FAILURE)
            p->failures++;
        else
            p->errors++;
        if (p->failures + p->errors == 1) {
            p->first_is_error = k == K_ERROR;
            v = attr(a, na, p->names[A_MESSAGE], &len);
            if (v)
                add_value(&p->message, v, len, BODY_MAX);
        }
        break;
    case K_SKIPPED:
        p->skipped++;
        v = attr(a, na, p->names[A_MESSAGE], &len);
        if (v && !p->skip.len)
            add_value(&p->skip, v, len, 512);
        break;
    case K_FLAKY:
        p->flaky++;
        break;
    default:
        break;
    }
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    struct session *p = ctx;
    if (p->depth == 0)
        return;
    p->depth--;
    enum junit_kind k = p->depth < MAX_DEPTH ? p->kinds[p->depth] : K_OTHER;
    switch (k) {
    case K_SUITE:
        end_suite(p);
        break;
    case K_CASE:
        end_case(p);
        break;
    case K_PROPERTY:
        end_property(p);
        break;
    case K_FAILURE:
    case K_ERROR:
        p->body_done =
            1; /* later <failure>s (GoogleTest writes one per assertion) are counted only */
        break;
    default:
        break;
    }
}

/* A measurement found in a case's output. */
static void on_measurement(void *arg, const char *name, size_t name_len, const char *value,
                           size_t value_len)
{
    struct session *p = arg;
    named_set(p->metrics, &p->nmetrics, 32, name, name_len, value, value_len);
}

static void keep_tail(struct buf *b, const char *s, size_t n)
{
    if (n > OUTPUT_KEEP) {
        s += n - OUTPUT_KEEP;
        n = OUTPUT_KEEP;
    }
    buf_add(b, s, n);
    if (b->len > 2 * OUTPUT_KEEP) {
        size_t from = b->len - OUTPUT_KEEP;
        while (from < b->len && ((unsigned char)b->data[from] & 0xC0) == 0x80)
            from++; /* never start inside a UTF-8 sequence */
        memmove(b->data, b->data + from, b->len - from);
        b->len -= from;
        b->data[b->len] = '\0';
    }
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    struct session *p = ctx;
    if (p->depth == 0 || p->depth > MAX_DEPTH)
        return;
    const char *s = (const char *)ch;
    size_t n = (size_t)len;
    switch (p->kinds[p->depth - 1]) {
    case K_FAILURE:
    case K_ERROR:
        if (!p->body_done)
            buf_add_capped(&p->body, s, n, BODY_MAX);
        break;
    case K_SKIPPED:
        buf_add_capped(&p->skip, s, n, 512);
        break;
    case K_OUTPUT:
        keep_tail(&p->output, s, n);
        dart_feed(&p->dart, s, n, on_measurement, p);
        break;
    case K_PROPERTY:
        if (!p->prop_has_value)
            buf_add_capped(&p->prop_value, s, n, BODY_MAX);
        break;
    default:
        break;
    }
}

xmlSAXHandler junit_session_handler(void)
{
    xmlSAXHandler h;
    memset(&h, 0, sizeof h);
    h.initialized = XML_SAX2_MAGIC;
    h.startElementNs = on_start;
    h.endElementNs = on_end;
    h.characters = on_text;
    h.cdataBlock = on_text;
    h.serror = on_error;
    return h;
}

void junit_session_reset(struct session *p)
{
    p->depth = 0;
    p->root[0] = '\0';
    p->saw_junit = 0;
    p->nsuites = 0;
    p->nsuite_metrics = 0;
    p->in_case = 0;
    p->failed = 0;
    p->err[0] = '\0';
    p->wrapped = 0;
    p->wrap_at = 0;
}

void junit_session_free(struct session *p)
{
    struct buf *bufs[] = {&p->name_,   &p->classname, &p->labels,    &p->model,
                          &p->message, &p->body,      &p->output,    &p->skip,
                          &p->status,  &p->prop_name, &p->prop_value};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        buf_free(bufs[i]);
    dart_free(&p->dart);
    for (size_t i = 0; i < MAX_SUITES; i++) {
        buf_free(&p->suites[i].name);
        buf_free(&p->suites[i].labels);
        buf_free(&p->suites[i].model);
    }
    for (size_t i = 0; i < 32; i++) {
        buf_free(&p->metrics[i].name);
        buf_free(&p->metrics[i].value);
        buf_free(&p->suite_metrics[i].name);
        buf_free(&p->suite_metrics[i].value);
    }
}
