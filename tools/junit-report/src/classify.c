#include "classify.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <pcre2.h>

#include "itest/json_parse.h"

enum field { FIELD_ANY, FIELD_MESSAGE, FIELD_BODY };

struct rule {
    pcre2_code *re;
    int category;
    enum field field;
};

/* One match block serves every rule: only whether a rule matches matters, not where. */
static pcre2_match_data *match_data;

struct builtin {
    const char *name, *severity, *fix;
};

/* The built-in categories, in report order. */
static const struct builtin builtin_categories[] = {
    {"configuration", "critical",
     "A variable or flag has a value the run cannot take, so nothing was tested: the signature "
     "names it, its value and what it takes (VAR='value' is not ...); set it to such a value or "
     "unset it for its default (README, Configuration). Not a timeout, whatever the name says."},
    {"connection", "critical",
     "The target refused or dropped the connection: check that it runs and that its URL and port "
     "are right (TASK_REGISTRY_URL, REPO_POOL_URL, ARTIFACT_STORE_URL, LLM_BASE_URL, "
     "DATABASE_URL), "
     "and that no proxy or firewall is in between."},
    {"timeout", "high",
     "A call did not finish in time: look for a stall in the target (the timing report shows which "
     "cases slowed down); raise INTEGRATION_TEST_TIMEOUT only for a target known to be slow."},
    {"auth", "critical",
     "Credentials were refused: check OPENAI_API_KEY, the password in DATABASE_URL and any tokens; "
     "a 403 means the account lacks the permission."},
    {"rate limit", "medium",
     "The target throttled the run: lower the concurrency (ctest -j, the llm resource group) or "
     "raise the quota, and honour Retry-After."},
    {"HTTP 5xx", "high",
     "The server failed the request: find the request id in its logs; retry only when the failure "
     "is transient."},
    {"HTTP 4xx", "medium",
     "The server refused the request as sent: compare path, headers and body with the contract in "
     "docs/."},
    {"invalid JSON or schema", "high",
     "A body is not the JSON the contract describes: the message gives the position; look at the "
     "producer's serializer or the schema version."},
    {"assertion", "medium",
     "A checked value differs from the expected one: the message shows both; decide whether the "
     "target or the expectation changed."},
    {"crash or signal", "critical",
     "A test process died: run that case alone under the asan preset or a debugger, and keep the "
     "core dump."},
    {"unavailable target", "high",
     "A configured target did not answer at all: start it or fix its URL, or set "
     "ITEST_SKIP_UNAVAILABLE=1 to skip instead of failing."},
    {"other", "low",
     "No rule matched (or the producer wrote no failure text, as CTest's own JUnit does): read the "
     "case's output, and add a rule with --categories FILE."},
};

/* Our own suites tag every failure "[category]" (fixtures' ITEST_CATEGORY_*): a tag decides
 * before any pattern. */
static const struct {
    const char *tag, *category;
} tags[] = {
    {"[configuration]", "configuration"},
    {"[unavailable]", "unavailable target"},
    {"[connection]", "connection"},
    {"[timeout]", "timeout"},
    {"[auth]", "auth"},
    {"[rate limit]", "rate limit"},
    {"[HTTP 5xx]", "HTTP 5xx"},
    {"[HTTP 4xx]", "HTTP 4xx"},
    {"[invalid JSON]", "invalid JSON or schema"},
    {"[schema]", "invalid JSON or schema"},
    {"[assertion]", "assertion"},
};

/* Then the patterns, first match wins: the specific before the generic. */
static const struct {
    const char *category, *pattern;
} builtin_rules[] = {
    /* before timeout and connection: "INTEGRATION_TEST_TIMEOUT='abc' is not ..." is no timeout */
    {"configuration", "invalid configuration|configuration error|misconfigur|"
                      "(?-i:\\b[A-Z][A-Z0-9]*(_[A-Z0-9]+)+)='[^']*' is not\\b"},
    {"crash or signal",
     "segmentation fault|\\bsig(segv|abrt|bus|ill|fpe|kill)\\b|(killed|terminated) by signal|"
     "core dumped|(address|leak|thread|memory|undefinedbehavior)sanitizer|\\bpanic: |"
     "stack overflow|\\*\\*\\*exception|bus error|double free|child aborted"},
    {"rate limit", "(http|status|code)[ :=/]*429\\b|\\b429 too many|too many requests|rate.?limit|"
                   "quota exceeded|retry-after|resource_exhausted"},
    {"auth",
     "(http|status|code)[ :=/]*40[13]\\b|\\b40[13] (unauthori[sz]ed|forbidden)|unauthori[sz]ed|"
     "\\bforbidden\\b|invalid_api_key|invalid api key|authentication failed|"
     "password authentication|permission denied|access denied|not authenticated|"
     "invalid (auth )?token|expired token"},
    {"HTTP 5xx",
     "(http|status|code|response)[ :=/]*5\\d\\d\\b|\\bgot 5\\d\\d\\b|"
     "\\b5\\d\\d (internal server error|bad gateway|service unavailable|gateway time-?out)|"
     "internal server error|bad gateway|service unavailable|gateway time-?out"},
    {"timeout", "timed? ?out|timeout|deadline exceeded|etimedout|operation too slow|took too long"},
    {"connection",
     "connection (refused|reset|closed|aborted)|econnrefused|econnreset|\\bepipe\\b|"
     "broken pipe|couldn'?t connect|could not connect|failed to connect|connect(ion)? failed|"
     "empty reply from server|recv failure|send failure|network is unreachable|"
     "no route to host|server closed the connection|socket hang up|remote end closed|"
     "too many clients"},
    {"unavailable target",
     "does not answer|could not resolve|couldn'?t resolve|name or service not known|"
     "no such host|getaddrinfo|enotfound|eai_again|service .* is not running"},
    {"HTTP 4xx",
     "(http|status|code|response)[ :=/]*4\\d\\d\\b|\\bgot 4\\d\\d\\b|"
     "\\b4\\d\\d (bad request|not found|method not allowed|conflict|gone|payload too large|"
     "unprocessable|precondition failed|unsupported media type)"},
    {"invalid JSON or schema",
     "invalid json|json ?(parse|decode)|jsondecodeerror|unexpected end of json|"
     "unexpected token .* json|not valid json|malformed (json|body|response)|\\bschema\\b|"
     "expecting value: line|unterminated string|unexpected end of (input|data)"},
};

static int add_category(struct classifier *c, const char *name, const char *severity,
                        const char *fix)
{
    grow(&c->cats, &c->capcats, c->ncats + 1, sizeof *c->cats);
    struct category *k = &c->cats[c->ncats];
    k->name = xstrdup(name);
    k->severity = xstrdup(severity);
    k->fix = xstrdup(fix);
    return (int)c->ncats++;
}

int classifier_find(const struct classifier *c, const char *name)
{
    for (size_t i = 0; i < c->ncats; i++)
        if (strcmp(c->cats[i].name, name) == 0)
            return (int)i;
    return -1;
}

static pcre2_code *compile(const char *pattern, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS,
                                   &code, /* bytes: no UTF check per match */
                                   &offset, NULL);
    if (!re) {
        PCRE2_UCHAR text[160];
        pcre2_get_error_message(code, text, sizeof text);
        snprintf(err, errlen, "at offset %zu: %s", (size_t)offset, (const char *)text);
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* a missing JIT only costs speed */
    return re;
}

static void insert_rule(struct classifier *c, size_t at, pcre2_code *re, int category,
                        enum field field)
{
    grow(&c->rules, &c->caprules, c->nrules + 1, sizeof *c->rules);
    memmove(&c->rules[at + 1], &c->rules[at], (c->nrules - at) * sizeof *c->rules);
    c->rules[at] = (struct rule){re, category, field};
    c->nrules++;
}

static size_t nuser_rules(const struct classifier *c)
{
    return c->nrules - sizeof builtin_rules / sizeof *builtin_rules;
}

void classifier_init(struct classifier *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof builtin_categories / sizeof *builtin_categories; i++)
        add_category(c, builtin_categories[i].name, builtin_categories[i].severity,
                     builtin_categories[i].fix);
    for (size_t i = 0; i < sizeof builtin_rules / sizeof *builtin_rules; i++) {
        char err[200];
        pcre2_code *re = compile(builtin_rules[i].pattern, err, sizeof err);
        if (!re) { /* a bug in the table above, caught by the first test run */
            fprintf(stderr, "itest-report: built-in rule %zu: %s\n", i, err);
            exit(2);
        }
        insert_rule(c, c->nrules, re, classifier_find(c, builtin_rules[i].category), FIELD_ANY);
    }
    c->assertion = classifier_find(c, "assertion");
    c->other = classifier_find(c, "other");
}

void classifier_free(struct classifier *c)
{
    for (size_t i = 0; i < c->ncats; i++) {
        free(c->cats[i].name);
        free(c->cats[i].severity);
        free(c->cats[i].fix);
    }
    for (size_t i = 0; i < c->nrules; i++)
        pcre2_code_free(c->rules[i].re);
    free(c->cats);
    free(c->rules);
    memset(c, 0, sizeof *c);
    pcre2_match_data_free(match_data);
    match_data = NULL;
}

static const char *member_string(const cJSON *obj, const char *name, int required, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v)
        return required ? (*bad = 1, NULL) : NULL;
    if (!cJSON_IsString(v) || !*v->valuestring) {
        *bad = 1;
        return NULL;
    }
    return v->valuestring;
}

int classifier_load(struct classifier *c, const char *path, char *err, size_t errlen)
{
    cJSON *root = itest_json_load_file(path, 0, NULL, err, errlen);
    if (!root)
        return -1;
    const cJSON *rules =
        cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "rules");
    int rc = -1;
    if (!cJSON_IsArray(rules)) {
        snprintf(err, errlen, "%s:1:1: expected an array of rules or {\"rules\": [...]}", path);
        goto out;
    }
    size_t index = 0, at = nuser_rules(c);
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        int bad = 0;
        const char *pattern = member_string(r, "pattern", 1, &bad);
        const char *category = member_string(r, "category", 1, &bad);
        const char *severity = member_string(r, "severity", 0, &bad);
        const char *fix = member_string(r, "fix", 0, &bad);
        const char *field = member_string(r, "field", 0, &bad);
        if (!cJSON_IsObject(r) || bad) {
            snprintf(err, errlen,
                     "%s: rule %zu: needs \"pattern\" and \"category\" (non-empty strings); "
                     "\"severity\", \"fix\" and \"field\" are optional strings",
                     path, index + 1);
            goto out;
        }
        for (const cJSON *m = r->child; m; m = m->next) {
            if (strcmp(m->string, "pattern") && strcmp(m->string, "category") &&
                strcmp(m->string, "severity") && strcmp(m->string, "fix") &&
                strcmp(m->string, "field")) {
                snprintf(err, errlen, "%s: rule %zu: unknown member \"%s\"", path, index + 1,
                         m->string);
                goto out;
            }
        }
        static const char *const severities[] = {"critical", "high", "medium", "low"};
        int sev_ok = !severity;
        for (size_t i = 0; severity && i < 4; i++)
            sev_ok |= strcmp(severity, severities[i]) == 0;
        if (!sev_ok) {
            snprintf(err, errlen,
                     "%s: rule %zu: severity \"%s\" is not critical, high, medium or low", path,
                     index + 1, severity);
            goto out;
        }
        enum field f = FIELD_ANY;
        if (field && strcmp(field, "message") == 0)
            f = FIELD_MESSAGE;
        else if (field && strcmp(field, "body") == 0)
            f = FIELD_BODY;
        else if (field && strcmp(field, "any") != 0) {
            snprintf(err, errlen, "%s: rule %zu: field \"%s\" is not message, body or any", path,
                     index + 1, field);
            goto out;
        }
        char why[200];
        pcre2_code *re = compile(pattern, why, sizeof why);
        if (!re) {
            snprintf(err, errlen, "%s: rule %zu: pattern \"%s\" %s", path, index + 1, pattern, why);
            goto out;
        }
        int k = classifier_find(c, category);
        if (k < 0) {
            k = add_category(c, category, severity ? severity : "medium",
                             fix ? fix : "See the rule in the categories file.");
        } else {
            if (severity) {
                free(c->cats[k].severity);
                c->cats[k].severity = xstrdup(severity);
            }
            if (fix) {
                free(c->cats[k].fix);
                c->cats[k].fix = xstrdup(fix);
            }
        }
        insert_rule(c, at++, re, k, f);
        index++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

static int tagged(const struct classifier *c, const char *text, size_t n)
{
    for (const char *p = memchr(text, '[', n); p;
         p = memchr(p + 1, '[', n - (size_t)(p + 1 - text))) {
        for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
            size_t len = strlen(tags[i].tag);
            if ((size_t)(text + n - p) >= len && strncasecmp(p, tags[i].tag, len) == 0)
                return classifier_find(c, tags[i].category);
        }
        if (p + 1 >= text + n)
            break;
    }
    return -1;
}

static int match(const struct classifier *c, const char *text, enum field where)
{
    if (!text || !*text)
        return -1;
    size_t n = strlen(text);
    if (n > 4096)
        n = 4096; /* the head says what went wrong; the rest is stack */
    for (size_t i = 0; i < nuser_rules(c); i++) { /* the user's rules come before our tags */
        const struct rule *r = &c->rules[i];
        if (r->field != FIELD_ANY && r->field != where)
            continue;
        if (!match_data)
            match_data = pcre2_match_data_create(1, NULL);
        if (pcre2_match(r->re, (PCRE2_SPTR)text, n, 0, 0, match_data, NULL) >= 0)
            return r->category;
    }
    int k = tagged(c, text, n);
    if (k >= 0)
        return k;
    for (size_t i = nuser_rules(c); i < c->nrules; i++) {
        const struct rule *r = &c->rules[i];
        if (r->field != FIELD_ANY && r->field != where)
            continue;
        if (!match_data)
            match_data = pcre2_match_data_create(1, NULL);
        /* 0 means a match with more groups than the block holds: still a match */
        int rc = pcre2_match(r->re, (PCRE2_SPTR)text, n, 0, 0, match_data, NULL);
        if (rc >= 0)
            return r->category;
    }
    return -1;
}

int classifier_classify(const struct classifier *c, const char *message, const char *body,
                        const char *output, int error_element)
{
    int k = match(c, message, FIELD_MESSAGE);
    if (k < 0)
        k = match(c, body, FIELD_BODY);
    if (k < 0)
        k = match(c, output, FIELD_BODY);
    if (k >= 0)
        return k;
    int text = (message && *message) || (body && *body) || (output && *output);
    return text && !error_element ? c->assertion : c->other;
}

/* ---- signatures ---- */

static int is_hex(int ch)
{
    return isxdigit((unsigned char)ch);
}

static size_t hex_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_hex(s[i]))
        i++;
    return i;
}

static int uuid_at(const char *s, size_t n)
{
    static const size_t parts[] = {8, 4, 4, 4, 12};
    size_t at = 0;
    for (size_t p = 0; p < 5; p++) {
        if (hex_run(s + at, n - at) < parts[p])
            return 0;
        at += parts[p];
        if (p < 4) {
            if (at >= n || s[at] != '-')
                return 0;
            at++;
        }
    }
    return 1;
}

/* An HTTP status stays in a signature: "HTTP 503" and "HTTP 404" are different failures. */
static int http_status(const char *s, size_t n, size_t i)
{
    size_t end = i;
    while (end < n && isdigit((unsigned char)s[end]))
        end++;
    if (end - i != 3 || s[i] < '1' || s[i] > '5' || (end < n && isalnum((unsigned char)s[end])))
        return 0;
    static const char *const before[] = {"http ",        "http/1.1 ",     "http/2 ",
                                         "status ",      "status: ",      "status=",
                                         "status=\"",    "status='",      "status: \"",
                                         "\"status\": ", "\"status\":",   "status code ",
                                         "status_code=", "status_code: ", "code ",
                                         "code: ",       "code=",         "got ",
                                         "returned "};
    for (size_t k = 0; k < sizeof before / sizeof *before; k++) {
        size_t len = strlen(before[k]);
        if (i >= len && strncasecmp(s + i - len, before[k], len) == 0)
            return 1;
    }
    /* "503 Service Unavailable", "429 Too Many Requests" */
    return end + 2 < n && s[end] == ' ' && isupper((unsigned char)s[end + 1]) &&
           islower((unsigned char)s[end + 2]);
}

/* A number that is part of a word stays: sha256, v1, gpt-4o. */
static int glued_number(const char *s, size_t n, size_t i)
{
    if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
        return 1;
    size_t end = i;
    while (end < n && isdigit((unsigned char)s[end]))
        end++;
    return i > 0 && s[i - 1] == '-' && end < n && isalpha((unsigned char)s[end]);
}

void signature_of(const char *line, size_t n, struct buf *out)
{
    buf_clear(out);
    size_t i = 0;
    while (i < n && out->len < 200) {
        char ch = line[i];
        int word_start = i == 0 || !isalnum((unsigned char)line[i - 1]);
        if (word_start && n - i >= 36 && uuid_at(line + i, n - i)) {
            buf_puts(out, "<uuid>");
            i += 36;
        } else if (word_start && ch == '0' && i + 2 < n &&
                   (line[i + 1] == 'x' || line[i + 1] == 'X') && is_hex(line[i + 2])) {
            buf_puts(out, "<hex>");
            i += 2 + hex_run(line + i + 2, n - i - 2);
        } else if (word_start && hex_run(line + i, n - i) >= 8 &&
                   !isalnum((unsigned char)line[i + hex_run(line + i, n - i)])) {
            buf_puts(out, "<hex>");
            i += hex_run(line + i, n - i);
        } else if (ch == ':' && i + 1 < n && isdigit((unsigned char)line[i + 1]) && i > 0 &&
                   (isalpha((unsigned char)line[i - 1]) || line[i - 1] == ']' ||
                    isdigit((unsigned char)line[i - 1])) &&
                   strspn(line + i + 1, "0123456789") >= 2 &&
                   strspn(line + i + 1, "0123456789") <= 5 && i >= 3 &&
                   (memmem(line, i, "://", 3) || memmem(line, i, "127.", 4) ||
                    memmem(line, i, "localhost", 9))) {
            buf_puts(out, ":<port>");
            i += 1 + strspn(line + i + 1, "0123456789");
        } else if (isdigit((unsigned char)ch) && http_status(line, n, i)) {
            buf_add(out, line + i, 3);
            i += 3;
        } else if (isdigit((unsigned char)ch) && !glued_number(line, n, i)) {
            buf_puts(out, "<n>");
            while (i < n && (isdigit((unsigned char)line[i]) ||
                             ((line[i] == '.' || line[i] == ',') && i + 1 < n &&
                              isdigit((unsigned char)line[i + 1]))))
                i++;
        } else if (ch == '/' && word_start &&
                   (strncmp(line + i, "/tmp/", 5) == 0 || strncmp(line + i, "/var/tmp/", 9) == 0 ||
                    strncmp(line + i, "/var/folders/", 13) == 0 ||
                    strncmp(line + i, "/dev/shm/", 9) == 0)) {
            buf_puts(out, "<tmp>");
            while (i < n && !isspace((unsigned char)line[i]) && line[i] != '"' && line[i] != '\'' &&
                   line[i] != ')' && line[i] != ':' && line[i] != ',')
                i++;
        } else if (isspace((unsigned char)ch)) {
            if (out->len && out->data[out->len - 1] != ' ')
                buf_putc(out, ' ');
            i++;
        } else {
            buf_putc(out, ch);
            i++;
        }
    }
    while (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    if (!out->data)
        buf_puts(out, "");
}
