/* What the JUnit dialects mean; see junit_dialect.h. */
#include "junit_dialect.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const junit_name_text[N_COUNT] = {
    "testsuites",   "testsuite",  "testcase",   "properties", "property",     "failure",
    "error",        "skipped",    "system-out", "system-err", "flakyFailure", "flakyError",
    "rerunFailure", "rerunError", "name",       "classname",  "time",         "status",
    "result",       "message",    "value",      "timestamp"};

enum junit_kind junit_kind_of(const xmlChar *const names[N_COUNT], const xmlChar *name,
                              enum junit_kind parent)
{
    const xmlChar *const *n = names;
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

static int word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(w, *list) == 0)
            return 1;
    return 0;
}

enum outcome junit_outcome(int failures, int errors, int skipped, const char *status)
{
    static const char *const skip_words[] = {"notrun",     "disabled", "skipped", "skip",
                                             "suppressed", "ignored",  "pending", NULL};
    static const char *const fail_words[] = {"fail", "failed", "failure", NULL};
    static const char *const error_words[] = {"error", "errored", NULL};
    if (errors || (status && word_in(status, error_words)))
        return OUT_ERRORED;
    if (failures || (status && word_in(status, fail_words)))
        return OUT_FAILED;
    if (skipped || (status && word_in(status, skip_words)))
        return OUT_SKIPPED;
    return OUT_PASSED;
}

void junit_identify(const char *suite, const char *classname, const char *name, int has_status,
                    struct buf *scratch, const char **out_suite, const char **out_classname,
                    const char **out_name)
{
    const char *s = suite ? suite : "";
    const char *c = classname ? classname : "";
    const char *n = name ? name : "";
    size_t nl = strlen(n), cl = strlen(c);
    /* CTest names a case "<suite>.<case>" in both name and classname */
    int ctest_like = *c && strcmp(c, n) == 0 && has_status;
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
    *out_suite = s;
    *out_classname = c;
    *out_name = n;
}

enum junit_property junit_property_kind(const char *name, const char **measurement)
{
    if (strcmp(name, "cmake_labels") == 0 || strcmp(name, "labels") == 0 ||
        strcmp(name, "LABELS") == 0 || strcmp(name, "ctest.labels") == 0)
        return P_LABELS;
    if (strcmp(name, "model") == 0 || strcmp(name, "llm.model") == 0)
        return P_MODEL;
    if (strncmp(name, "measurement.", 12) == 0 && name[12]) {
        *measurement = name + 12;
        return P_MEASUREMENT;
    }
    return P_OTHER;
}

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
