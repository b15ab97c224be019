#include "junit_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "case_pipe.h"
#include "repair.h"

#define CHUNK (128u * 1024)
#define MAX_DEPTH 256 /* libxml2's own limit when it builds trees; SAX has none */
#define MAX_SUITES 64
#define BODY_MAX 4096    /* head of a failure text kept for categories and the example */
#define OUTPUT_KEEP 2048 /* tail of a case's output kept for cases without failure text */
#define DART_MAX 2048    /* one <DartMeasurement> element */
#define WRAPPER "<itest-report-input>"
#define PIPE_FROM (4u << 20) /* inputs larger than this use a second thread */

enum kind {
    K_OTHER,
    K_WRAPPER,
    K_SUITES,
    K_SUITE,
    K_CASE,
    K_PROPERTIES,
    K_PROPERTY,
    K_FAILURE,
    K_ERROR,
    K_SKIPPED,
    K_FLAKY,
    K_RERUN,
    K_OUTPUT,
    K_IGNORED_TEXT,
};

struct suite_frame {
    struct buf name, labels, model;
    size_t nmetrics; /* suite-level measurement properties, kept in metric_names/values */
};

struct named_value {
    struct buf name, value;
};

/* The element and attribute names we look for, as libxml2's dictionary holds them: SAX2 hands
 * names out of that dictionary, so a pointer comparison decides. */
enum name_id {
    N_TESTSUITES,
    N_TESTSUITE,
    N_TESTCASE,
    N_PROPERTIES,
    N_PROPERTY,
    N_FAILURE,
    N_ERROR,
    N_SKIPPED,
    N_SYSTEM_OUT,
    N_SYSTEM_ERR,
    N_FLAKY_FAILURE,
    N_FLAKY_ERROR,
    N_RERUN_FAILURE,
    N_RERUN_ERROR,
    A_NAME,
    A_CLASSNAME,
    A_TIME,
    A_STATUS,
    A_RESULT,
    A_MESSAGE,
    A_VALUE,
    N_COUNT
};
static const char *const name_text[N_COUNT] = {
    "testsuites",   "testsuite",  "testcase",   "properties", "property",     "failure",
    "error",        "skipped",    "system-out", "system-err", "flakyFailure", "flakyError",
    "rerunFailure", "rerunError", "name",       "classname",  "time",         "status",
    "result",       "message",    "value"};

struct session {
    struct model *m;
    struct case_pipe *pipe; /* large inputs: cases go to a second thread */
    xmlParserCtxtPtr ctxt;
    const xmlChar *names[N_COUNT];
    const char *name;
    int wrapped;
    size_t wrap_at; /* byte offset on line 1 where the wrapper went in */

    int depth;
    enum kind kinds[MAX_DEPTH];
    int lines[MAX_DEPTH];
    char root[64];
    int saw_junit;

    struct suite_frame suites[MAX_SUITES];
    int nsuites;
    struct named_value suite_metrics[32];
    size_t nsuite_metrics;

    int in_case;
    struct buf name_, classname, labels, model, message, body, output, skip, status;
    double seconds;
    int has_time, failures, errors, skipped, flaky, body_done, first_is_error;
    struct named_value metrics[32];
    size_t nmetrics;
    struct buf dart;

    struct buf prop_name, prop_value;
    int prop_has_value, prop_in_case;

    int failed; /* an error was recorded */
    int err_line, err_col, err_code;
    char err[400];
};

/* ---- times ---- */

double junit_parse_time(const char *s, size_t n)
{
    /* the common case first: digits, a dot, up to nine digits */
    size_t at = 0;
    unsigned long long whole = 0, frac = 0, scale = 1;
    while (at < n && at < 12 && s[at] >= '0' && s[at] <= '9')
        whole = whole * 10 + (unsigned long long)(s[at++] - '0');
    if (at > 0 && at < n && s[at] == '.' && n - at - 1 <= 9 && n - at - 1 > 0) {
        size_t j = at + 1;
        while (j < n && s[j] >= '0' && s[j] <= '9') {
            frac = frac * 10 + (unsigned long long)(s[j++] - '0');
            scale *= 10;
        }
        if (j == n)
            return (double)whole + (double)frac / (double)scale;
    } else if (at > 0 && at == n) {
        return (double)whole;
    }
    char digits[64];
    size_t k = 0;
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= sizeof digits)
        return -1;
    /* The last '.' or ',' is the decimal separator, unless it is the only ',' followed by
     * exactly three digits after other commas ("1,234,567"); the rest are group separators. */
    const char *dot = NULL;
    size_t commas = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' || s[i] == ',')
            dot = s + i;
        commas += s[i] == ',';
    }
    if (dot && *dot == ',' && commas > 1)
        dot = NULL; /* "1,234,567": only group separators */
    if (dot && *dot == '.' && memchr(dot + 1, ',', (size_t)(s + n - dot - 1)))
        dot = NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (s + i == dot)
            digits[k++] = '.';
        else if ((c >= '0' && c <= '9') || c == 'e' || c == 'E' ||
                 ((c == '-' || c == '+') && (i == 0 || s[i - 1] == 'e' || s[i - 1] == 'E')))
            digits[k++] = c;
        else if (c == ',' || c == '.' || c == '\'' || c == ' ' || c == '_')
            continue;
        else
            return -1;
    }
    digits[k] = '\0';
    char *end;
    double v = strtod(digits, &end);
    if (end == digits || *end || v != v || v < 0 || v > 1e9)
        return -1;
    return v;
}

/* ---- errors ---- */

static void fail_at(struct session *p, int line, int col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail_at(struct session *p, int line, int col, int code, const char *fmt, ...)
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
    fail_at(p, line, col, e->code, "%s", e->message ? e->message : "XML error");
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

static enum kind kind_of(const struct session *p, const xmlChar *name, enum kind parent)
{
    const xmlChar *const *n = p->names;
    if (name == n[N_TESTSUITES])
        return K_SUITES;
    if (name == n[N_TESTSUITE])
        return K_SUITE;
    if (name == n[N_TESTCASE])
        return K_CASE;
    if (name == n[N_PROPERTIES])
        return K_PROPERTIES;
    if (parent == K_PROPERTIES && name == n[N_PROPERTY])
        return K_PROPERTY;
    if (parent != K_CASE)
        return K_OTHER;
    if (name == n[N_FAILURE])
        return K_FAILURE;
    if (name == n[N_ERROR])
        return K_ERROR;
    if (name == n[N_SKIPPED])
        return K_SKIPPED;
    if (name == n[N_SYSTEM_OUT] || name == n[N_SYSTEM_ERR])
        return K_OUTPUT;
    if (name == n[N_FLAKY_FAILURE] || name == n[N_FLAKY_ERROR])
        return K_FLAKY;
    if (name == n[N_RERUN_FAILURE] || name == n[N_RERUN_ERROR])
        return K_RERUN;
    return K_OTHER;
}

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
    buf_clear(&p->dart);
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

static int word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(w, *list) == 0)
            return 1;
    return 0;
}

/* The suite, class and name of the case being closed; see the header for the rules. */
static void identify(struct session *p, const char **suite, const char **classname,
                     const char **name, struct buf *scratch)
{
    const char *s = "";
    for (int i = (p->nsuites < MAX_SUITES ? p->nsuites : MAX_SUITES) - 1; i >= 0; i--) {
        const char *n = p->suites[i].name.data;
        if (n && *n && strcmp(n, "(empty)") != 0) {
            s = n;
            break;
        }
    }
    const char *c = p->classname.data ? p->classname.data : "";
    const char *n = p->name_.data ? p->name_.data : "";
    size_t nl = strlen(n), cl = strlen(c);
    /* CTest names a case "<suite>.<case>" in both name and classname */
    int ctest_like = *c && strcmp(c, n) == 0 && p->status.len;
    if (*c && (strcmp(c, s) == 0 || strcmp(c, n) == 0 ||
               (nl > cl && strcmp(n + nl - cl, c) == 0 && n[nl - cl - 1] == ' '))) {
        c = ""; /* the class says nothing the suite or the name does not (mocha swaps them) */
    }
    if ((!*s || ctest_like) && strchr(n, '.') && !*c) {
        const char *dot = strchr(n, '.');
        buf_clear(scratch);
        buf_add(scratch, n, (size_t)(dot - n));
        s = scratch->data;
        n = dot + 1;
    } else if (!*s) {
        s = *c ? c : "(no suite)";
        c = "";
    }
    if (!*n)
        n = "(outside any test)"; /* GoogleTest's NonTestSuiteFailure has no name */
    *suite = s;
    *classname = c;
    *name = n;
}

static void end_case(struct session *p)
{
    static const char *const skip_words[] = {"notrun",     "disabled", "skipped", "skip",
                                             "suppressed", "ignored",  "pending", NULL};
    static const char *const fail_words[] = {"fail", "failed", "failure", NULL};
    static const char *const error_words[] = {"error", "errored", NULL};
    enum outcome o = OUT_PASSED;
    const char *status = p->status.len ? p->status.data : NULL;
    if (p->errors || (status && word_in(status, error_words)))
        o = OUT_ERRORED;
    else if (p->failures || (status && word_in(status, fail_words)))
        o = OUT_FAILED;
    else if (p->skipped || (status && word_in(status, skip_words)))
        o = OUT_SKIPPED;

    struct buf scratch = {0};
    struct case_in c = {0};
    identify(p, &c.suite, &c.classname, &c.name, &scratch);
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
    if (strcmp(name, "cmake_labels") == 0 || strcmp(name, "labels") == 0 ||
        strcmp(name, "LABELS") == 0 || strcmp(name, "ctest.labels") == 0) {
        struct buf *to = p->prop_in_case ? &p->labels : f ? &f->labels : NULL;
        if (to) {
            buf_clear(to);
            buf_add(to, value->data, value->len);
            normalise_labels(to);
        }
    } else if (strcmp(name, "model") == 0 || strcmp(name, "llm.model") == 0) {
        struct buf *to = p->prop_in_case ? &p->model : f ? &f->model : NULL;
        if (to) {
            buf_clear(to);
            buf_add(to, value->data, value->len);
        }
    } else if (strncmp(name, "measurement.", 12) == 0 && name[12]) {
        if (p->prop_in_case)
            named_set(p->metrics, &p->nmetrics, 32, name + 12, strlen(name + 12), value->data,
                      value->len);
        else
            named_set(p->suite_metrics, &p->nsuite_metrics, 32, name + 12, strlen(name + 12),
                      value->data, value->len);
    }
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int na, int nd, const xmlChar **a)
{
    struct session *p = ctx;
    const char *name = (const char *)localname;
    if (p->depth >= MAX_DEPTH) {
        fail_at(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -2,
                "elements nested deeper than %d levels; not a test report", MAX_DEPTH);
        return;
    }
    enum kind parent = p->depth > 0 ? p->kinds[p->depth - 1] : K_OTHER;
    enum kind k;
    if (p->depth == 0 && p->wrapped) {
        k = K_WRAPPER;
    } else {
        k = kind_of(p, localname, parent);
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
    enum kind k = p->depth < MAX_DEPTH ? p->kinds[p->depth] : K_OTHER;
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

/* <DartMeasurement name="N" type="...">V</DartMeasurement> in a case's output */
static void dart_element(struct session *p, const char *s, size_t n)
{
    const char *name = memmem(s, n, "name=\"", 6);
    const char *gt = memchr(s, '>', n);
    if (!name || !gt || name > gt)
        return;
    name += 6;
    const char *name_end = memchr(name, '"', (size_t)(gt - name));
    const char *value_end = memmem(gt, (size_t)(s + n - gt), "</", 2);
    if (!name_end || name_end == name || !value_end)
        return;
    const char *value = gt + 1;
    while (value < value_end && (*value == ' ' || *value == '\n'))
        value++;
    while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\n'))
        value_end--;
    named_set(p->metrics, &p->nmetrics, 32, name, (size_t)(name_end - name), value,
              (size_t)(value_end - value));
}

static void dart_feed(struct session *p, const char *s, size_t n)
{
    static const char open[] = "<DartMeasurement";
    static const char close[] = "</DartMeasurement>";
    const size_t olen = sizeof open - 1, clen = sizeof close - 1;
    struct buf *d = &p->dart;
    while (n) {
        if (!d->len) {
            const char *lt = memchr(s, '<', n);
            if (!lt)
                return;
            n -= (size_t)(lt - s);
            s = lt;
        }
        if (d->len < olen) {
            size_t take = olen - d->len < n ? olen - d->len : n;
            buf_add(d, s, take);
            s += take;
            n -= take;
            while (d->len && memcmp(d->data, open, d->len < olen ? d->len : olen) != 0) {
                /* not our element: look for another '<' in what was taken */
                const char *lt = memchr(d->data + 1, '<', d->len - 1);
                size_t keep = lt ? d->len - (size_t)(lt - d->data) : 0;
                memmove(d->data, d->data + d->len - keep, keep);
                d->len = keep;
            }
            continue;
        }
        size_t before = d->len;
        size_t take = n < DART_MAX ? n : DART_MAX;
        buf_add(d, s, take);
        size_t from = before > clen ? before - clen : 0;
        const char *end = memmem(d->data + from, d->len - from, close, clen);
        if (end) {
            size_t used = (size_t)(end - d->data) + clen;
            dart_element(p, d->data, used);
            size_t consumed = used - before;
            s += consumed;
            n -= consumed;
            buf_clear(d);
            d->len = 0;
        } else {
            s += take;
            n -= take;
            if (d->len > DART_MAX)
                d->len = 0; /* no closing tag in reach: not a measurement */
        }
    }
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
        dart_feed(p, s, n);
        break;
    case K_PROPERTY:
        if (!p->prop_has_value)
            buf_add_capped(&p->prop_value, s, n, BODY_MAX);
        break;
    default:
        break;
    }
}

/* ---- sources: a file, standard input (copied aside for a second reading) or memory ---- */

struct source;
static long source_read(struct source *s, char *buf, size_t cap);

struct source {
    int fd;
    const char *data; /* bytes in memory (the fuzz target, the tests) */
    size_t len, pos;
    FILE *spool; /* standard input as read so far */
    int from_spool;
    size_t size_hint; /* bytes expected, (size_t)-1 when unknown */
    /* a regular file is read through a window mapped WINDOW bytes at a time: no copy through
     * read(), and only the window counts in the resident set */
    int mapped;
    char *window;
    size_t window_len, window_pos, file_size, file_off;
};
#define WINDOW (2u << 20)

static void window_drop(struct source *s)
{
    if (s->window)
        munmap(s->window, s->window_len);
    s->window = NULL;
    s->window_len = s->window_pos = 0;
}

/* The next piece of the mapped file: 0 at its end, -1 when mapping fails. */
static long window_next(struct source *s, size_t cap, const char **piece)
{
    *piece = "";
    if (s->window && s->window_pos == s->window_len) {
        s->file_off += s->window_len;
        window_drop(s);
    }
    if (!s->window) {
        if (s->file_off >= s->file_size)
            return 0;
        size_t len = s->file_size - s->file_off < WINDOW ? s->file_size - s->file_off : WINDOW;
        void *w = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, s->fd, (off_t)s->file_off);
        if (w == MAP_FAILED)
            return -1;
        madvise(w, len, MADV_SEQUENTIAL);
        s->window = w;
        s->window_len = len;
    }
    size_t n = s->window_len - s->window_pos < cap ? s->window_len - s->window_pos : cap;
    *piece = s->window + s->window_pos;
    s->window_pos += n;
    return (long)n;
}

/* The next piece of input: points into the memory, else read into buf. */
static long source_next(struct source *s, char *buf, size_t cap, const char **piece)
{
    *piece = buf;
    if (s->data) {
        size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
        *piece = s->data + s->pos;
        s->pos += n;
        return (long)n;
    }
    if (s->mapped)
        return window_next(s, cap, piece);
    *piece = buf;
    return source_read(s, buf, cap);
}

static long source_read(struct source *s, char *buf, size_t cap)
{
    if (s->from_spool) {
        size_t n = fread(buf, 1, cap, s->spool);
        return ferror(s->spool) ? -1 : (long)n;
    }
    for (;;) {
        ssize_t n = read(s->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0 && s->spool && fwrite(buf, 1, (size_t)n, s->spool) != (size_t)n)
            return -1;
        return (long)n;
    }
}

static int source_rewind(struct source *s)
{
    if (s->data) {
        s->pos = 0;
        return 0;
    }
    if (s->spool) {
        char buf[65536];
        long n;
        while ((n = source_read(s, buf, sizeof buf)) > 0)
            ;
        if (n < 0 || fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0)
            return -1;
        s->from_spool = 1;
        return 0;
    }
    if (s->mapped) {
        window_drop(s);
        s->file_off = 0;
        return 0;
    }
    return lseek(s->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/* Where the wrapper element can go: after the XML declaration, or at the very start; nowhere
 * when the document has a DOCTYPE (then it must have one root) or is UTF-16. */
static int wrap_point(const char *s, size_t n, size_t *at)
{
    size_t i = 0;
    if (n >= 2 && ((unsigned char)s[0] == 0xFE || (unsigned char)s[0] == 0xFF))
        return 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (n - i >= 5 && memcmp(s + i, "<?xml", 5) == 0) {
        const char *end = memmem(s + i, n - i, "?>", 2);
        if (!end)
            return 0;
        i = (size_t)(end - s) + 2;
    }
    *at = i;
    /* a DOCTYPE before the first element rules the wrapper out */
    for (size_t j = i; j + 1 < n; j++) {
        if (s[j] != '<')
            continue;
        if (n - j >= 9 && memcmp(s + j, "<!DOCTYPE", 9) == 0)
            return 0;
        if (s[j + 1] != '!' && s[j + 1] != '?')
            break;
    }
    return 1;
}

static xmlSAXHandler handler(void)
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

static void session_reset(struct session *p)
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

static void session_free(struct session *p)
{
    struct buf *bufs[] = {&p->name_,   &p->classname, &p->labels,    &p->model,
                          &p->message, &p->body,      &p->output,    &p->skip,
                          &p->status,  &p->dart,      &p->prop_name, &p->prop_value};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        buf_free(bufs[i]);
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

/* One reading of the whole source; 0 when it was well-formed JUnit. */
static int parse_once(struct session *p, struct source *src, int lenient, size_t *repaired)
{
    session_reset(p);
    char *chunk = xmalloc(CHUNK);
    struct repair rep;
    repair_init(&rep);
    struct buf fixed = {0}, first = {0};
    const char *data;
    long n = source_next(src, chunk, CHUNK, &data);
    int at_end = n <= 0;
    if (n < 0) {
        fail_at(p, 0, 0, -1, "read error: %s", strerror(errno));
        goto out;
    }
    size_t len = (size_t)n;
    if (lenient) {
        buf_clear(&fixed);
        repair_feed(&rep, data, len, at_end, &fixed);
        data = fixed.data ? fixed.data : "";
        len = fixed.len;
    }
    size_t at = 0;
    p->wrapped = wrap_point(data, len, &at);
    if (p->wrapped) {
        p->wrap_at = at;
        buf_add(&first, data, at);
        buf_puts(&first, WRAPPER);
        buf_add(&first, data + at, len - at);
        data = first.data;
        len = first.len;
    }
    xmlSAXHandler h = handler();
    p->ctxt = xmlCreatePushParserCtxt(&h, p, data, len < 4 ? (int)len : 4, p->name);
    if (!p->ctxt) {
        fail_at(p, 0, 0, -1, "cannot create an XML parser (out of memory?)");
        goto out;
    }
    for (int i = 0; i < N_COUNT; i++)
        p->names[i] = xmlDictLookup(p->ctxt->dict, (const xmlChar *)name_text[i], -1);
    /* No entity substitution (no XML_PARSE_NOENT): declared entities are never stored nor
     * expanded; a reference to one fails the strict reading and stays text in the lenient one. */
    xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (len > 4)
        xmlParseChunk(p->ctxt, data + 4, (int)(len - 4), 0);
    while (!p->failed && !at_end) {
        n = source_next(src, chunk, CHUNK, &data);
        if (n < 0) {
            fail_at(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -1,
                    "read error: %s", strerror(errno));
            break;
        }
        at_end = n == 0;
        len = (size_t)n;
        if (lenient) {
            buf_clear(&fixed);
            repair_feed(&rep, data, len, at_end, &fixed);
            data = fixed.data ? fixed.data : "";
            len = fixed.len;
        }
        if (len)
            xmlParseChunk(p->ctxt, data, (int)len, 0);
    }
    if (!p->failed) {
        if (!p->wrapped) {
            xmlParseChunk(p->ctxt, NULL, 0, 1);
        } else if (p->depth > 1) {
            int d = p->depth - 1 < MAX_DEPTH ? p->depth - 1 : MAX_DEPTH - 1;
            fail_at(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -2,
                    "unexpected end of input: the element opened on line %d is not closed "
                    "(truncated file?)",
                    p->lines[d]);
        } else {
            const xmlChar *cur = p->ctxt->input ? p->ctxt->input->cur : NULL;
            const xmlChar *end = p->ctxt->input ? p->ctxt->input->end : NULL;
            while (cur && cur < end &&
                   (*cur == ' ' || *cur == '\n' || *cur == '\r' || *cur == '\t'))
                cur++;
            if (cur && cur < end)
                fail_at(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -2,
                        "unexpected end of input inside markup (truncated file?)");
        }
    }
    if (!p->failed && !p->saw_junit) {
        if (p->root[0])
            fail_at(p, 1, 1, -3, "not JUnit XML: the root element is <%s>", p->root);
        else
            fail_at(p, 1, 1, -3, "no XML content (empty input)");
    }
out:
    if (p->ctxt) {
        if (p->ctxt->myDoc) /* libxml2 may start one for a DOCTYPE; we build no tree */
            xmlFreeDoc(p->ctxt->myDoc);
        xmlFreeParserCtxt(p->ctxt);
        p->ctxt = NULL;
    }
    *repaired = rep.fixed;
    repair_free(&rep);
    buf_free(&fixed);
    buf_free(&first);
    free(chunk);
    return p->failed ? -1 : 0;
}

/* Errors a lenient reading cannot help with. */
static int beyond_repair(int code)
{
    return code < 0 || code == XML_ERR_DOCUMENT_EMPTY || code == XML_ERR_INTERNAL_ERROR ||
           code == XML_ERR_NO_MEMORY || code == XML_ERR_ENTITY_LOOP ||
           code == XML_ERR_TAG_NAME_MISMATCH || code == XML_ERR_UNSUPPORTED_ENCODING;
}

static int read_source(struct model *m, const char *name, struct source *src)
{
    size_t index = model_begin_input(m, name);
    struct session p;
    memset(&p, 0, sizeof p);
    p.m = m;
    p.name = name;
    size_t repaired = 0;
    if (src->size_hint > PIPE_FROM)
        p.pipe = case_pipe_start(m);
    int rc = parse_once(&p, src, 0, &repaired);
    if (p.pipe)
        case_pipe_drain(p.pipe);
    model_flush(m);
    if (rc != 0 && !beyond_repair(p.err_code) && source_rewind(src) == 0) {
        int line = p.err_line, col = p.err_col;
        char err[sizeof p.err];
        memcpy(err, p.err, sizeof err);
        model_rollback_input(m);
        rc = parse_once(&p, src, 1, &repaired);
        if (p.pipe)
            case_pipe_drain(p.pipe);
        model_flush(m);
        if (rc == 0) {
            m->inputs[index].repaired = repaired;
        } else { /* report what the file says at its own positions */
            p.err_line = line;
            p.err_col = col;
            memcpy(p.err, err, sizeof err);
        }
    }
    if (rc != 0) {
        struct input *in = &m->inputs[index];
        in->error = 1;
        struct buf b = {0};
        if (p.err_line > 0)
            buf_printf(&b, "%s:%d:%d: %s", name, p.err_line, p.err_col > 0 ? p.err_col : 1, p.err);
        else
            buf_printf(&b, "%s: %s", name, p.err);
        in->message = b.data;
    }
    case_pipe_stop(p.pipe);
    session_free(&p);
    return rc;
}

int junit_read_path(struct model *m, const char *path)
{
    struct source src = {.fd = -1};
    int rc;
    if (strcmp(path, "-") == 0) {
        src.fd = 0;
        src.spool = tmpfile();
        src.size_hint = (size_t)-1;
        rc = read_source(m, "<stdin>", &src);
        if (src.spool)
            fclose(src.spool);
        return rc;
    }
    src.fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src.fd < 0 || fstat(src.fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = src.fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
        size_t index = model_begin_input(m, path);
        struct buf b = {0};
        buf_printf(&b, "%s: cannot read: %s", path, strerror(e));
        m->inputs[index].error = 1;
        m->inputs[index].message = b.data;
        if (src.fd >= 0)
            close(src.fd);
        return -1;
    }
    src.size_hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : (size_t)-1;
    if (S_ISREG(st.st_mode)) {
        src.mapped = 1;
        src.file_size = (size_t)st.st_size;
    } else { /* a pipe or device: copy aside like standard input */
        src.spool = tmpfile();
    }
    rc = read_source(m, path, &src);
    window_drop(&src);
    if (src.spool)
        fclose(src.spool);
    close(src.fd);
    return rc;
}

int junit_read_buffer(struct model *m, const char *name, const char *data, size_t len)
{
    struct source src = {.fd = -1, .data = data ? data : "", .len = len, .size_hint = len};
    return read_source(m, name, &src);
}
