/* Every metric the platform's rules (fixtures/monitoring/rules) read is served by the services
 * under that name and type, so that a renamed metric breaks a case, not an alert silently. */
#include "cases.h"

#include "itest/check.h"
#include "itest/file.h"
#include "itest/http.h"
#include "itest/regex.h"
#include "itest/suite.h"
#include "itest/targets.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RULES_FILE
#error "RULES_FILE must name fixtures/monitoring/rules/platform.rules.yml"
#endif

#define MAX_NAMES 128

struct names {
    char *name[MAX_NAMES];
    char *type[MAX_NAMES]; /* for served names: counter, gauge, histogram, ... */
    size_t n;
};

static void add(struct names *s, const char *name, size_t len, const char *type)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->name[i]) == len && strncmp(s->name[i], name, len) == 0)
            return;
    if (s->n < MAX_NAMES) {
        s->name[s->n] = strndup(name, len);
        s->type[s->n++] = type ? strdup(type) : NULL;
    }
}

static void free_names(struct names *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->name[i]);
        free(s->type[i]);
    }
    s->n = 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len > n && strncmp(s + len - n, suffix, n) == 0;
}

/* The metric names the rules read: the services' own (itest_mock_*) and the process ones;
 * histogram series (_bucket, _sum, _count) by their family's name. */
static void rules_names(struct names *out, const char *text)
{
    regex_t re;
    char why[128];
    itest_check(itest_regex_compile(&re, "(itest_mock|process)_[a-z_]+", REG_EXTENDED, why,
                                    sizeof why) == 0,
                "%s", why);
    regmatch_t m;
    for (const char *at = text; regexec(&re, at, 1, &m, at == text ? 0 : REG_NOTBOL) == 0;
         at += m.rm_eo) {
        const char *name = at + m.rm_so;
        size_t len = (size_t)(m.rm_eo - m.rm_so);
        if (ends_with(name, len, "_bucket"))
            len -= strlen("_bucket");
        add(out, name, len, NULL);
    }
    regfree(&re);
}

/* "# TYPE name type" lines of one exposition. */
static void served_names(struct names *out, const char *text)
{
    for (const char *line = text, *nl; line; line = (nl = strchr(line, '\n')) ? nl + 1 : NULL) {
        if (strncmp(line, "# TYPE ", 7) == 0) {
            const char *name = line + 7;
            size_t len = strcspn(name, " \n");
            char type[32] = "";
            sscanf(name + len, " %31s", type);
            add(out, name, len, type);
        }
    }
}

/* The root a service serves /metrics on: the mock's, or the configured URL without the LLM's
 * "/v1". */
static const char *metrics_root(enum itest_service s, char *buf, size_t len)
{
    const char *root = itest_service_mock_root(s);
    if (root)
        return root;
    const char *url = itest_require_service(s);
    snprintf(buf, len, "%s", url);
    size_t n = strlen(buf);
    if (s == ITEST_LLM && n >= 3 && strcmp(buf + n - 3, "/v1") == 0)
        buf[n - 3] = '\0';
    return buf;
}

void rules_read_served_metrics(void **state)
{
    (void)state;
    char err[512];
    char *rules = itest_read_file(RULES_FILE, 1 << 20, NULL, err, sizeof err);
    itest_check(rules != NULL, "%s", err);
    struct names wanted = {0}, served = {0};
    rules_names(&wanted, rules);
    free(rules);
    itest_check(wanted.n > 0, "%s names no itest_mock_* or process_* metric", RULES_FILE);
    for (int s = 0; s < ITEST_SERVICE_COUNT; s++) {
        char buf[2048], url[2100];
        snprintf(url, sizeof url, "%s/metrics",
                 metrics_root((enum itest_service)s, buf, sizeof buf));
        struct itest_http_response r;
        itest_http_json(&r, "GET", url, NULL);
        itest_assert_http_status(&r, "GET", url, 200);
        served_names(&served, r.body);
        itest_http_response_free(&r);
    }
    char missing[2048] = "";
    for (size_t i = 0; i < wanted.n; i++) {
        const char *name = wanted.name[i], *type = NULL;
        for (size_t k = 0; k < served.n && !type; k++)
            if (strcmp(served.name[k], name) == 0)
                type = served.type[k];
        const char *want = ends_with(name, strlen(name), "_total") ? "counter" : NULL;
        if (strstr(name, "_duration_seconds"))
            want = "histogram";
        if (!type || (want && strcmp(type, want) != 0))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s (%s%s)",
                     missing[0] ? ", " : "", name, type ? "served as " : "not served",
                     type ? type : "");
    }
    printf("the rules read %zu metrics of the services: ", wanted.n);
    for (size_t i = 0; i < wanted.n; i++)
        printf("%s%s", i ? ", " : "", wanted.name[i]);
    printf("\n");
    free_names(&wanted);
    free_names(&served);
    itest_check(!missing[0],
                "[schema] metrics the platform's rules read are missing from the services' "
                "/metrics or have another type: %s",
                missing);
}
