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

/* Backends by model, in the order named: GATEWAY_BACKENDS, or the fixture's routes. */
struct backend_list {
    size_t n;
    struct {
        char model[128];
        size_t n;
        char url[GW_MAX_BACKENDS][512];
    } m[8];
};

/* Parses GATEWAY_BACKENDS' model=url[,url...][;model=...] into out. Returns 0, or -1 when text
 * is not of that form with http(s) URLs. */
static int parse_backends(struct backend_list *out, const char *text)
{
    memset(out, 0, sizeof *out);
    char *copy = strdup(text), *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *item = copy ? strtok_r(copy, ";", &save) : NULL; item && rc == 0;
         item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1] || out->n == 8) {
            rc = -1;
            break;
        }
        *eq = '\0';
        snprintf(out->m[out->n].model, sizeof out->m[0].model, "%s", item);
        char *save2 = NULL;
        for (char *u = strtok_r(eq + 1, ",", &save2); u && rc == 0;
             u = strtok_r(NULL, ",", &save2)) {
            size_t *k = &out->m[out->n].n;
            if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
                *k == GW_MAX_BACKENDS)
                rc = -1;
            else
                snprintf(out->m[out->n].url[(*k)++], 512, "%s", u);
        }
        out->n++;
    }
    free(copy);
    return rc;
}

/* GATEWAY_BACKENDS, GATEWAY_TIMEOUT and GATEWAY_RECOVERY, checked with the other variables. */
static int check_variables(char *err, size_t errlen)
{
    int rc = 0;
    const char *list = getenv("GATEWAY_BACKENDS");
    static struct backend_list scratch;
    if (list && *list && parse_backends(&scratch, list) != 0) {
        itest_config_problem(err, errlen,
                             "GATEWAY_BACKENDS='%s' is not model=url[,url...][;model=...] with "
                             "http:// or https:// URLs",
                             list);
        rc = -1;
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

/* The gateway under test, read once per process: its URL, its backends by model, and the
 * fixture's gateway.json (NULL for a real gateway). */
static struct {
    bool loaded;
    char url[512];
    struct backend_list backends;
    cJSON *fixture;
} gateway;

static void load_gateway(void)
{
    if (gateway.loaded)
        return;
    const char *real = itest_config()->gateway_url;
    if (real) {
        snprintf(gateway.url, sizeof gateway.url, "%s", real);
        const char *list = getenv("GATEWAY_BACKENDS");
        if (list && *list)
            parse_backends(&gateway.backends, list); /* checked with the other variables */
    } else {
        char path[1024], err[1024];
        cJSON *root = itest_state_fixture_read(path, sizeof path, "gateway.json", "gateway",
                                               "GATEWAY_URL", err, sizeof err);
        if (!root)
            itest_fail("%s", err);
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(root, "url"));
        if (!u) {
            cJSON_Delete(root);
            itest_fail("%s names no url", path);
        }
        snprintf(gateway.url, sizeof gateway.url, "%s", u);
        struct backend_list *l = &gateway.backends;
        const cJSON *route;
        cJSON_ArrayForEach(route, cJSON_GetObjectItem(root, "routes"))
        {
            if (l->n == 8)
                break;
            snprintf(l->m[l->n].model, sizeof l->m[0].model, "%s", route->string);
            const cJSON *name;
            cJSON_ArrayForEach(name, route)
            {
                char key[256];
                snprintf(key, sizeof key, "backends.%s.url", cJSON_GetStringValue(name));
                const char *b = NULL;
                if (itest_json_get_string(&b, root, key) == 0 && l->m[l->n].n < GW_MAX_BACKENDS)
                    snprintf(l->m[l->n].url[l->m[l->n].n++], 512, "%s", b);
            }
            l->n++;
        }
        gateway.fixture = root;
    }
    size_t n = strlen(gateway.url);
    while (n > 0 && gateway.url[n - 1] == '/')
        gateway.url[--n] = '\0';
    gateway.loaded = true;
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
    load_gateway();
    return gateway.url;
}

const char *gw_model(int i)
{
    static const char *const fixture[] = {"gpt-4o", "gpt-4o-mini", "text-embedding-3-small"};
    load_gateway();
    return (size_t)i < gateway.backends.n ? gateway.backends.m[i].model : fixture[i];
}

/* The backends of model as the fixture or GATEWAY_BACKENDS name them, not probed. */
static size_t known_backends(const char *model, const char **urls, size_t min)
{
    load_gateway();
    size_t n = 0;
    for (size_t m = 0; m < gateway.backends.n && n == 0; m++)
        if (strcmp(gateway.backends.m[m].model, model) == 0)
            for (; n < gateway.backends.m[m].n; n++)
                urls[n] = gateway.backends.m[m].url[n];
    if (n < min && !gw_is_fixture())
        itest_skip("needs %zu backend(s) of model %s named in GATEWAY_BACKENDS "
                   "(model=url,url;...), whose requests it counts and breaks",
                   min, model);
    if (n < min)
        itest_fail("the gateway fixture names %zu backend(s) of %s, the case needs %zu", n, model,
                   min);
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
    load_gateway();
    d = 0;
    itest_json_get_number(&d, gateway.fixture, name);
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

char *gw_chat_body(const char *model, const char *prompt)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", model);
    cJSON *messages = cJSON_AddArrayToObject(root, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddStringToObject(m, "content", prompt);
    cJSON_AddItemToArray(messages, m);
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

int gw_chat(struct itest_http_response *resp, const char *root, const char *model,
            const char *prompt, const char *const *extra, double timeout_s)
{
    char *body = gw_chat_body(model, prompt);
    int rc = gw_post(resp, root, "/v1/chat/completions", body, extra, timeout_s);
    free(body);
    return rc;
}

int gw_stream(struct itest_llm_reply *reply, const char *root, const char *model,
              const char *prompt)
{
    char base[600];
    snprintf(base, sizeof base, "%s/v1", root ? root : gw_url());
    struct itest_llm_request req = {.model = model,
                                    .prompt = prompt,
                                    .stream = true,
                                    .include_usage = true,
                                    .no_retries = true,
                                    .base_url = base,
                                    .accept_encoding = "gzip, deflate"};
    return itest_llm_chat(reply, &req);
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

/* The fixture's entry of the backend at url. */
static const cJSON *fixture_backend(const char *url)
{
    load_gateway();
    const cJSON *b, *found = NULL;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(gateway.fixture, "backends"))
    {
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(b, "url"));
        if (u && strcmp(u, url) == 0) {
            found = b;
            break;
        }
    }
    if (!found)
        itest_fail("gateway.json names no backend at %s", url);
    return found;
}

static __thread char killed[GW_MAX_BACKENDS][512];
static __thread size_t n_killed;

void gw_kill_backend(const char *url)
{
    gw_require_fixture("killing a backend");
    const cJSON *b = fixture_backend(url);
    char err[1024];
    cJSON *state = itest_state_read(cJSON_GetStringValue(cJSON_GetObjectItem(b, "state")), NULL,
                                    err, sizeof err);
    double pid = 0;
    itest_json_get_number(&pid, state, "pid");
    cJSON_Delete(state);
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
    const cJSON *b = fixture_backend(url);
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

const char *gw_fixture_log(void)
{
    gw_require_fixture("reading nginx's log");
    load_gateway();
    return cJSON_GetStringValue(cJSON_GetObjectItem(gateway.fixture, "log"));
}
