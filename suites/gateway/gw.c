/* The gateway, its backends and the requests the gateway cases make; see gw.h. */
#include "gw.h"

#include "itest/check.h"
#include "itest/child.h"
#include "itest/clock.h"
#include "itest/config.h"
#include "itest/json_parse.h"
#include "itest/llm.h"
#include "itest/mock_admin.h"
#include "itest/number.h"
#include "itest/process.h"
#include "itest/scope.h"
#include "itest/state.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* GATEWAY_BACKENDS, GATEWAY_TIMEOUT and GATEWAY_RECOVERY, checked with the other variables. */
static int check_variables(char *err, size_t errlen)
{
    int rc = 0;
    const char *list = getenv("GATEWAY_BACKENDS");
    if (list && *list) {
        char *copy = strdup(list), *save = NULL;
        for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(item, '=');
            bool ok = eq && eq > item && eq[1];
            char *save2 = NULL;
            for (char *u = ok ? strtok_r(eq + 1, ",", &save2) : NULL; u && ok;
                 u = strtok_r(NULL, ",", &save2))
                ok = strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
            if (!ok) {
                itest_config_problem(err, errlen,
                                     "GATEWAY_BACKENDS='%s' is not model=url[,url...][;model=...] "
                                     "with http:// or https:// URLs",
                                     list);
                rc = -1;
                break;
            }
        }
        free(copy);
    }
    static const char *const numbers[] = {"GATEWAY_TIMEOUT", "GATEWAY_RECOVERY",
                                          "INTEGRATION_TEST_GATEWAY_MAX_LATENCY"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(numbers[i]);
        double d;
        if (v && *v && itest_parse_double(&d, v, 0.01, i < 2 ? 3600 : 3.6e6) != 0) {
            itest_config_problem(err, errlen, "%s='%s' is not a number of %s", numbers[i], v,
                                 i < 2 ? "seconds 0.01..3600" : "milliseconds 0.01..3600000");
            rc = -1;
        }
    }
    return rc;
}

__attribute__((constructor)) static void register_check(void)
{
    itest_config_add_check(check_variables);
}

static cJSON *fixture_state(void)
{
    char path[1024], err[1024];
    cJSON *root = itest_state_fixture_read(path, sizeof path, "gateway.json", "gateway",
                                           "GATEWAY_URL", err, sizeof err);
    if (!root)
        itest_fail("%s", err);
    return root;
}

bool gw_is_fixture(void)
{
    return itest_config()->gateway_url == NULL;
}

void gw_require_fixture(const char *why)
{
    if (!gw_is_fixture())
        itest_skip("%s needs the gateway fixture (its backends are processes this suite owns); "
                   "with GATEWAY_URL naming a real gateway it skips",
                   why);
}

const char *gw_url(void)
{
    static __thread char url[512];
    if (!gw_is_fixture()) {
        snprintf(url, sizeof url, "%s", itest_config()->gateway_url);
    } else {
        cJSON *root = fixture_state();
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(root, "url"));
        if (!u) {
            cJSON_Delete(root);
            itest_fail("gateway.json names no url");
        }
        snprintf(url, sizeof url, "%s", u);
        cJSON_Delete(root);
    }
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
    return url;
}

const char *gw_model(int i)
{
    static const char *const fixture[] = {"gpt-4o", "gpt-4o-mini", "text-embedding-3-small"};
    static __thread char names[3][128];
    const char *list = getenv("GATEWAY_BACKENDS");
    if (gw_is_fixture() || !list || !*list)
        return fixture[i];
    const char *p = list;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, ';');
        p = p ? p + 1 : NULL;
    }
    const char *eq = p ? strchr(p, '=') : NULL;
    if (!eq)
        return fixture[i];
    snprintf(names[i], sizeof names[i], "%.*s", (int)(eq - p), p);
    return names[i];
}

/* The backend URLs GATEWAY_BACKENDS names for model, into store. */
static size_t configured_backends(const char *model, char store[][512], size_t max)
{
    const char *list = getenv("GATEWAY_BACKENDS");
    size_t n = 0;
    if (!list || !*list)
        return 0;
    char *copy = strdup(list), *save = NULL;
    for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || (size_t)(eq - item) != strlen(model) || strncmp(item, model, eq - item) != 0)
            continue;
        char *save2 = NULL;
        for (char *u = strtok_r(eq + 1, ",", &save2); u && n < max; u = strtok_r(NULL, ",", &save2))
            snprintf(store[n++], 512, "%s", u);
    }
    free(copy);
    return n;
}

/* The backends of model as the fixture or GATEWAY_BACKENDS name them, not probed. */
static size_t known_backends(const char *model, const char **urls, size_t min)
{
    /* a ring of lists: the lists of a case's few models stay valid side by side */
    static __thread char ring[8][GW_MAX_BACKENDS][512];
    static __thread unsigned next;
    char(*store)[512] = ring[next++ % 8];
    size_t n = 0;
    if (gw_is_fixture()) {
        cJSON *root = fixture_state();
        char key[256];
        snprintf(key, sizeof key, "routes.%s", model);
        const cJSON *name;
        cJSON_ArrayForEach(name, itest_json_get(root, key))
        {
            snprintf(key, sizeof key, "backends.%s.url", cJSON_GetStringValue(name));
            const char *u = NULL;
            if (itest_json_get_string(&u, root, key) == 0 && n < GW_MAX_BACKENDS)
                snprintf(store[n++], 512, "%s", u);
        }
        cJSON_Delete(root);
    } else {
        n = configured_backends(model, store, GW_MAX_BACKENDS);
        if (n < min)
            itest_skip("needs %zu backend(s) of model %s named in GATEWAY_BACKENDS "
                       "(model=url,url;...), whose requests it counts and breaks",
                       min, model);
    }
    if (n < min)
        itest_fail("the gateway fixture names %zu backend(s) of %s, the case needs %zu", n, model,
                   min);
    for (size_t i = 0; i < n; i++)
        urls[i] = store[i];
    return n;
}

size_t gw_backends(const char *model, const char **urls, size_t min)
{
    size_t n = known_backends(model, urls, min);
    for (size_t i = 0; i < n && !gw_is_fixture(); i++) {
        struct itest_http_response r;
        char url[600];
        snprintf(url, sizeof url, "%s/__admin/", urls[i]);
        int rc = itest_http_json(&r, "GET", url, NULL);
        /* one that does not answer is a dead backend, for the case to meet, not a reason */
        bool other = rc == 0 && r.status != 200;
        itest_http_response_free(&r);
        if (other)
            itest_skip("backend %s of %s has no itest-mock admin API (the case counts its "
                       "requests and injects faults there)",
                       urls[i], model);
    }
    return n;
}

static double fixture_number(const char *name, const char *variable)
{
    const char *v = getenv(variable);
    double d;
    if (v && *v && itest_parse_double(&d, v, 0.01, 3600) == 0)
        return d;
    if (!gw_is_fixture())
        itest_skip("needs %s: the seconds the gateway at GATEWAY_URL promises", variable);
    cJSON *root = fixture_state();
    d = 0;
    itest_json_get_number(&d, root, name);
    cJSON_Delete(root);
    itest_check(d > 0, "gateway.json names no %s", name);
    return d;
}

double gw_read_timeout_s(void)
{
    return fixture_number("read_timeout_s", "GATEWAY_TIMEOUT");
}

double gw_fail_timeout_s(void)
{
    return fixture_number("fail_timeout_s", "GATEWAY_RECOVERY");
}

char *gw_chat_body(const char *model, const char *prompt, bool stream)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", model);
    cJSON *messages = cJSON_AddArrayToObject(root, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddStringToObject(m, "content", prompt);
    cJSON_AddItemToArray(messages, m);
    if (stream) {
        cJSON_AddBoolToObject(root, "stream", true);
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(root, "stream_options"), "include_usage",
                              true);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

int gw_post(struct itest_http_response *resp, const char *root, const char *path, const char *body,
            const char *const *extra, double timeout_s)
{
    char url[1024], auth[512];
    snprintf(url, sizeof url, "%s%s", root ? root : gw_url(), path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", itest_llm_api_key());
    const char *headers[16] = {"Content-Type: application/json"};
    size_t n = 1;
    bool own_auth = false;
    for (size_t i = 0; extra && extra[i] && n < 14; i++) {
        own_auth |= strncasecmp(extra[i], "Authorization:", 14) == 0;
        headers[n++] = extra[i];
    }
    if (!own_auth)
        headers[n++] = auth;
    headers[n] = NULL;
    struct itest_http_request req = {.method = "POST",
                                     .url = url,
                                     .headers = headers,
                                     .body = body,
                                     .body_len = strlen(body),
                                     .timeout_s = timeout_s,
                                     .retries = 0};
    return itest_http_send(resp, &req);
}

struct reader {
    struct gw_stream *s;
    double start;
    char line[65536];
    size_t len;
    size_t content_len, ids_len;
};

static void append(char **dst, size_t *len, const char *text)
{
    size_t add = strlen(text);
    char *grown = realloc(*dst, *len + add + 2);
    if (!grown)
        return;
    memcpy(grown + *len, text, add + 1);
    *len += add;
    *dst = grown;
}

static void on_line(struct reader *r)
{
    struct gw_stream *s = r->s;
    if (strncmp(r->line, "data:", 5) != 0)
        return;
    const char *data = r->line + 5;
    while (*data == ' ')
        data++;
    double t = (itest_now_s() - r->start) * 1e3;
    if (s->events++ == 0)
        s->first_ms = t;
    s->last_ms = t;
    if (strcmp(data, "[DONE]") == 0) {
        s->done = true;
        return;
    }
    cJSON *chunk = cJSON_Parse(data);
    if (!chunk) {
        s->bad_event = true;
        return;
    }
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(chunk, "id"));
    if (id && (!s->ids || !strstr(s->ids, id))) {
        if (s->ids)
            append(&s->ids, &r->ids_len, ",");
        append(&s->ids, &r->ids_len, id);
    }
    const char *text = NULL;
    itest_json_get_string(&text, chunk, "choices.0.delta.content");
    if (text)
        append(&s->content, &r->content_len, text);
    cJSON_Delete(chunk);
}

static int on_data(const char *data, size_t len, void *arg)
{
    struct reader *r = arg;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            r->line[r->len] = '\0';
            if (r->len && r->line[r->len - 1] == '\r')
                r->line[r->len - 1] = '\0';
            on_line(r);
            r->len = 0;
        } else if (r->len < sizeof r->line - 1) {
            r->line[r->len++] = data[i];
        }
    }
    return 0;
}

int gw_stream(struct gw_stream *s, const char *root, const char *model, const char *prompt)
{
    memset(s, 0, sizeof *s);
    struct reader *r = calloc(1, sizeof *r);
    if (!r)
        itest_fail("out of memory");
    r->s = s;
    s->content = strdup("");
    char url[1024], auth[512];
    snprintf(url, sizeof url, "%s/v1/chat/completions", root ? root : gw_url());
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", itest_llm_api_key());
    const char *headers[] = {"Content-Type: application/json", auth, NULL};
    char *body = gw_chat_body(model, prompt, true);
    struct itest_http_request req = {.method = "POST",
                                     .url = url,
                                     .headers = headers,
                                     .body = body,
                                     .body_len = strlen(body),
                                     .retries = 0,
                                     .accept_encoding = "gzip, deflate",
                                     .on_data = on_data,
                                     .on_data_arg = r};
    r->start = itest_now_s();
    int rc = itest_http_send(&s->resp, &req);
    s->status = s->resp.status;
    free(body);
    free(r);
    return rc;
}

void gw_stream_free(struct gw_stream *s)
{
    free(s->content);
    free(s->ids);
    itest_http_response_free(&s->resp);
    memset(s, 0, sizeof *s);
}

long gw_count(const char *root)
{
    return itest_mock_request_count_root(root, "POST", "/v1/.*");
}

long gw_count_status(const char *root, int status)
{
    char *scope = curl_easy_escape(NULL, itest_current_scope(), 0);
    char path[1024];
    snprintf(path, sizeof path, "/__admin/requests?method=POST&scope=%s", scope ? scope : "");
    curl_free(scope);
    cJSON *root_json = itest_mock_admin_get(root, path);
    long n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root_json, "requests"))
    {
        const cJSON *st = cJSON_GetObjectItem(e, "status");
        if (cJSON_IsNumber(st) && (int)st->valuedouble == status)
            n++;
    }
    cJSON_Delete(root_json);
    return n;
}

/* The running case faulted or killed a backend: the gateway may have marked it failed. */
static __thread bool disturbed;

void gw_fault(const char *const *roots, size_t n, const char *json)
{
    disturbed = true;
    for (size_t i = 0; i < n; i++)
        itest_mock_fault_root(roots[i], json);
}

/* The fixture's entry of the backend at url (detached from its state; the caller frees). */
static cJSON *fixture_backend(const char *url)
{
    cJSON *root = fixture_state();
    cJSON *b, *found = NULL;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(root, "backends"))
    {
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(b, "url"));
        if (u && strcmp(u, url) == 0) {
            found = cJSON_Duplicate(b, true);
            break;
        }
    }
    cJSON_Delete(root);
    if (!found)
        itest_fail("gateway.json names no backend at %s", url);
    return found;
}

static __thread char killed[GW_MAX_BACKENDS][512];
static __thread size_t n_killed;

void gw_kill_backend(const char *url)
{
    gw_require_fixture("killing a backend");
    cJSON *b = fixture_backend(url);
    char err[1024];
    cJSON *state = itest_state_read(cJSON_GetStringValue(cJSON_GetObjectItem(b, "state")), NULL,
                                    err, sizeof err);
    double pid = 0;
    itest_json_get_number(&pid, state, "pid");
    cJSON_Delete(state);
    cJSON_Delete(b);
    itest_check(pid > 1, "the backend at %s: no pid in its state file (%s)", url, err);
    disturbed = true;
    if (n_killed < GW_MAX_BACKENDS)
        snprintf(killed[n_killed++], sizeof killed[0], "%s", url);
    kill((pid_t)pid, SIGKILL);
    itest_check(itest_process_wait_gone((pid_t)pid, 10),
                "the backend at %s (pid %d) outlived "
                "SIGKILL for 10 s",
                url, (int)pid);
}

void gw_restart_backend(const char *url)
{
    cJSON *b = fixture_backend(url);
    const cJSON *argv_json = cJSON_GetObjectItem(b, "restart");
    char *argv[32];
    size_t n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, argv_json) if (n < 31) argv[n++] = cJSON_GetStringValue(a);
    argv[n] = NULL;
    struct itest_child c = {.argv = argv, .capture = true, .timeout_s = 30};
    struct itest_child_result r;
    char err[1024], how[128];
    int rc = n ? itest_child_run(&r, &c, err, sizeof err) : -1;
    bool ok = rc == 0 && r.exit_code == 0 && !r.timed_out;
    if (rc == 0 && !ok)
        itest_child_describe(&r, 30, how, sizeof how);
    if (rc == 0)
        itest_child_result_free(&r);
    cJSON_Delete(b);
    for (size_t i = 0; i < n_killed; i++)
        if (strcmp(killed[i], url) == 0)
            killed[i][0] = '\0';
    itest_check(ok, "the backend at %s did not start again: %s", url, rc == 0 ? how : err);
}

int gw_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_killed; i++)
        if (killed[i][0])
            gw_restart_backend(killed[i]);
    n_killed = 0;
    const char *const models[] = {GW_MODEL, GW_SINGLE};
    if (!gw_is_fixture() && !getenv("GATEWAY_BACKENDS"))
        return 0;
    for (size_t m = 0; m < 2; m++) {
        const char *urls[GW_MAX_BACKENDS];
        size_t n = known_backends(models[m], urls, 0);
        for (size_t i = 0; i < n; i++)
            itest_mock_reset_scope_root(urls[i]);
    }
    /* nginx keeps a failed server out while now - failed_at <= fail_timeout in whole seconds of
     * its clock, so up to a second longer than the fail timeout */
    if (disturbed && (getenv("GATEWAY_RECOVERY") || gw_is_fixture()))
        itest_sleep_s(gw_fail_timeout_s() + 1.2);
    disturbed = false;
    return 0;
}

double gw_high_load_max_p95_ms(void)
{
    const char *v = getenv("INTEGRATION_TEST_GATEWAY_MAX_LATENCY");
    double d;
    return v && *v && itest_parse_double(&d, v, 0.01, 3.6e6) == 0 ? d : 2000;
}
