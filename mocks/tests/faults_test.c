/* Faults as a client sees them, their scoping, and the request journal. */
#include "mock_test.h"

#include "itest/platform.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET base+path as scope (NULL: unscoped), no retries of any kind. */
static void get_as(struct itest_http_response *r, const char *base, const char *path,
                   const char *scope)
{
    char header[160];
    snprintf(header, sizeof header, "X-Itest-Scope: %s", scope ? scope : "");
    struct itest_http_request req = {.url = mt_url(base, path),
                                     .headers = scope ? (const char *[]){header, NULL} : NULL,
                                     .retries = 0,
                                     .no_scope = true,
                                     .timeout_s = 10};
    itest_http_send(r, &req);
}

static void every_connection_fault_reaches_the_client(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    const struct {
        const char *fault;
        CURLcode codes[3];
        const char *words;
    } cases[] = {
        {"EMPTY_RESPONSE", {CURLE_GOT_NOTHING}, "Empty reply"},
        {"CONNECTION_RESET_BY_PEER", {CURLE_RECV_ERROR}, "reset"},
        {"MALFORMED_RESPONSE_CHUNK", {CURLE_RECV_ERROR, CURLE_PARTIAL_FILE}, NULL},
        {"RANDOM_DATA_THEN_CLOSE",
         {CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY, CURLE_GOT_NOTHING},
         NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char def[200];
        snprintf(def, sizeof def,
                 "{\"scope\":\"c%zu\",\"request\":{\"method\":\"GET\",\"urlPath\":\"/tasks\"},"
                 "\"response\":{\"fault\":\"%s\"}}",
                 i, cases[i].fault);
        mt_fault(m.url[TR], def);
        char scope[8];
        snprintf(scope, sizeof scope, "c%zu", i);
        struct itest_http_response r;
        get_as(&r, m.url[TR], "/tasks", scope);
        bool expected = false;
        for (int c = 0; c < 3; c++)
            expected = expected || (cases[i].codes[c] && r.curl_code == cases[i].codes[c]);
        if (!expected || r.status != 0)
            itest_fail("%s: got status %ld, curl %d (%s)", cases[i].fault, r.status, r.curl_code,
                       r.error);
        if (cases[i].words && !strcasestr(r.error, cases[i].words))
            itest_fail("%s: curl said \"%s\", expected it to mention \"%s\"", cases[i].fault,
                       r.error, cases[i].words);
        itest_http_response_free(&r);
        get_as(&r, m.url[TR], "/tasks", NULL); /* unscoped requests are untouched */
        itest_assert_http_status(&r, "GET", "/tasks without scope", 200);
        itest_http_response_free(&r);
    }
    assert_int_equal(mock_stop(&m), 0);
}

static void status_faults_hits_and_probability(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", NULL});
    mt_fault(m.url[POOL], "{\"scope\":\"a\",\"request\":{\"urlPathPattern\":\"/slo.*\"},"
                          "\"response\":{\"status\":418,\"body\":\"teapot\",\"headers\":{\"X-Why\":"
                          "\"test\"}},\"times\":2}");
    struct itest_http_response r;
    for (int i = 0; i < 3; i++) {
        get_as(&r, m.url[POOL], "/slots", "a");
        if (i < 2) {
            itest_assert_http_status(&r, "GET", "/slots (faulted)", 418);
            assert_string_equal(r.body, "teapot");
            assert_string_equal(itest_http_header(&r, "X-Why"), "test");
        } else {
            itest_assert_http_status(&r, "GET", "/slots after times: 2", 200);
        }
        itest_http_response_free(&r);
    }
    mt_fault(m.url[POOL], "{\"scope\":\"never\",\"response\":{\"status\":500},\"probability\":0}");
    mt_fault(m.url[POOL], "{\"scope\":\"half\",\"response\":{\"status\":500},\"probability\":0.5}");
    int never = 0, half = 0;
    for (int i = 0; i < 200; i++) {
        get_as(&r, m.url[POOL], "/slots", "never");
        never += r.status == 500;
        itest_http_response_free(&r);
        get_as(&r, m.url[POOL], "/slots", "half");
        half += r.status == 500;
        itest_http_response_free(&r);
    }
    assert_int_equal(never, 0);
    if (half < 60 || half > 140) /* binomial(200, 0.5): 6 sigma each side */
        itest_fail("probability 0.5 faulted %d of 200 requests", half);
    /* the default error body follows the service's contract */
    mt_fault(m.url[POOL], "{\"scope\":\"b\",\"response\":{\"status\":503}}");
    get_as(&r, m.url[POOL], "/slots", "b");
    cJSON *err = itest_json_parse_or_fail(r.body, r.body_len, "503 body");
    mt_assert_error(err, "internal_error");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void delays_and_dribble(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    mt_fault(m.url[TR], "{\"scope\":\"fixed\",\"response\":{\"fixedDelayMilliseconds\":250}}");
    mt_fault(m.url[TR], "{\"scope\":\"uniform\",\"response\":{\"delayDistribution\":{\"type\":"
                        "\"uniform\",\"lower\":100,\"upper\":200}}}");
    mt_fault(m.url[TR], "{\"scope\":\"lognormal\",\"response\":{\"delayDistribution\":{\"type\":"
                        "\"lognormal\",\"median\":60,\"sigma\":0.1}}}");
    mt_fault(m.url[TR], "{\"scope\":\"dribble\",\"response\":{\"chunkedDribbleDelay\":{"
                        "\"numberOfChunks\":5,\"totalDuration\":400}}}");
    struct itest_http_response r;
    get_as(&r, m.url[TR], "/health", "fixed");
    itest_assert_http_status(&r, "GET", "/health fixed delay", 200);
    if (r.total_s < 0.245 || r.total_s > 2)
        itest_fail("fixed 250 ms delay answered after %.3f s", r.total_s);
    itest_http_response_free(&r);
    for (int i = 0; i < 5; i++) {
        get_as(&r, m.url[TR], "/health", "uniform");
        if (r.total_s < 0.095 || r.total_s > 2)
            itest_fail("uniform 100..200 ms delay answered after %.3f s", r.total_s);
        itest_http_response_free(&r);
        get_as(&r, m.url[TR], "/health", "lognormal");
        if (r.total_s < 0.03 || r.total_s > 2) /* 60 ms * exp(0.1 * z), |z| < 6 */
            itest_fail("lognormal median 60 ms answered after %.3f s", r.total_s);
        itest_http_response_free(&r);
    }
    get_as(&r, m.url[TR], "/tasks", "dribble");
    itest_assert_http_status(&r, "GET", "/tasks dribbled", 200);
    cJSON_Delete(itest_json_parse_or_fail(r.body, r.body_len, "dribbled body"));
    if (r.total_s < 0.39)
        itest_fail("5 chunks over 400 ms arrived in %.3f s", r.total_s);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

struct client {
    const char *base;
    int index;
    int wrong;
};

static void *hammer(void *arg)
{
    struct client *c = arg;
    char scope[32];
    snprintf(scope, sizeof scope, "parallel.case%d", c->index);
    for (int i = 0; i < 50; i++) {
        struct itest_http_response r;
        get_as(&r, c->base, "/tasks", c->index < 8 ? scope : NULL);
        long want = c->index < 8 ? 400 + c->index : 200;
        c->wrong += r.status != want;
        itest_http_response_free(&r);
    }
    return NULL;
}

static void scoped_faults_never_cross(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    for (int k = 0; k < 8; k++) {
        char def[160];
        snprintf(def, sizeof def,
                 "{\"scope\":\"parallel.case%d\",\"request\":{\"urlPath\":\"/tasks\"},\"response\":"
                 "{\"status\":%d}}",
                 k, 400 + k);
        mt_fault(m.url[TR], def);
    }
    enum { CLIENTS = 10 }; /* 8 scoped, 2 unscoped */
    struct client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    for (int k = 0; k < CLIENTS; k++) {
        clients[k] = (struct client){m.url[TR], k, 0};
        pthread_create(&threads[k], NULL, hammer, &clients[k]);
    }
    for (int k = 0; k < CLIENTS; k++)
        pthread_join(threads[k], NULL);
    for (int k = 0; k < CLIENTS; k++)
        if (clients[k].wrong)
            itest_fail("client %d (%s) saw %d of 50 answers meant for another scope", k,
                       k < 8 ? "scoped" : "unscoped", clients[k].wrong);
    /* a global fault reaches everyone; removing it by id restores service */
    long id = mt_fault(m.url[TR], "{\"request\":{\"urlPath\":\"/health\"},\"response\":{\"status\":"
                                  "503}}");
    struct itest_http_response r;
    get_as(&r, m.url[TR], "/health", "parallel.case3");
    itest_assert_http_status(&r, "GET", "/health under a global fault", 503);
    itest_http_response_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/__admin/faults/%ld", id);
    mt_expect(&r, "DELETE", mt_url(m.url[TR], path), NULL, 204);
    itest_http_response_free(&r);
    get_as(&r, m.url[TR], "/health", NULL);
    itest_assert_http_status(&r, "GET", "/health after removing the fault", 200);
    itest_http_response_free(&r);
    /* a scoped reset removes that scope's faults only */
    cJSON *reset = mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/reset"),
                             "{\"scope\":\"parallel.case1\"}", 200);
    itest_assert_json_int(reset, "faultsRemoved", 1);
    cJSON_Delete(reset);
    itest_http_response_free(&r);
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[TR], "/__admin/faults"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(list, "faults")), 7);
    cJSON_Delete(list);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

/* Load (X-Itest-Load, which the load generator sends) is counted in /metrics but kept out of the
 * journal: a load run beside a case must not push that case's requests out of the ring. */
static void load_stays_out_of_the_journal(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", "--journal-size", "4", NULL});
    struct itest_http_response r;
    get_as(&r, m.url[TR], "/tasks", "j.counted");
    itest_http_response_free(&r);
    for (int i = 0; i < 20; i++) {
        struct itest_http_request req = {
            .url = mt_url(m.url[TR], "/health"),
            .headers = (const char *[]){"X-Itest-Scope: j.load", ITEST_LOAD_HEADER ": 1", NULL},
            .no_scope = true,
            .retries = 0};
        itest_http_send(&r, &req);
        itest_http_response_free(&r);
    }
    cJSON *count = mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/requests/count"),
                             "{\"scope\":\"j.counted\"}", 200);
    itest_assert_json_int(count, "count", 1); /* still there, 20 load requests later */
    cJSON_Delete(count);
    itest_http_response_free(&r);
    count = mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/requests/count"),
                      "{\"scope\":\"j.load\"}", 200);
    itest_assert_json_int(count, "count", 0);
    cJSON_Delete(count);
    itest_http_response_free(&r);
    mt_send(&r, "GET", mt_url(m.url[TR], "/metrics"), NULL, NULL);
    itest_check(r.body && strstr(r.body, "method=\"GET\",status=\"200\"} 21"),
                "/metrics should count the 20 load requests and the one other GET:\n%.600s",
                r.body ? r.body : "");
    itest_http_response_free(&r);
    mock_stop(&m);
}

static void journal_find_count_clear(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", "--journal-size", "6", NULL});
    struct itest_http_response r;
    const char *scopes[] = {"j.one", "j.two", NULL};
    for (int i = 0; i < 3; i++) {
        struct itest_http_request req = {
            .method = "POST",
            .url = mt_url(m.url[TR], "/tasks"),
            .body = "{\"title\":\"j\",\"spec\":\"s\"}",
            .body_len = 24,
            .headers = (const char *[]){"X-Itest-Scope: j.one", "X-Request-Id: req-j", NULL},
            .no_scope = true,
            .retries = 0};
        itest_http_send(&r, &req);
        itest_http_response_free(&r);
        get_as(&r, m.url[TR], "/tasks", scopes[i % 2]);
        itest_http_response_free(&r);
    }
    cJSON *count = mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/requests/count"),
                             "{\"method\":\"POST\",\"scope\":\"j.one\"}", 200);
    itest_assert_json_int(count, "count", 3);
    cJSON_Delete(count);
    itest_http_response_free(&r);
    cJSON *found =
        mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/requests/find"),
                  "{\"urlPathPattern\":\"/ta.*\",\"scope\":\"j.one\",\"method\":\"POST\"}", 200);
    itest_assert_json_string(found, "requests[0].body", "{\"title\":\"j\",\"spec\":\"s\"}");
    itest_assert_json_int(found, "requests[0].status", 201);
    itest_assert_json_string(found, "requests[0].requestId", "req-j"); /* what a gateway passed */
    itest_assert_json_int(found, "meta.total", 6);
    cJSON_Delete(found);
    itest_http_response_free(&r);
    /* the ring keeps the last 6 */
    get_as(&r, m.url[TR], "/health", "j.two");
    itest_http_response_free(&r);
    cJSON *all = mt_expect(&r, "GET", mt_url(m.url[TR], "/__admin/requests"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(all, "requests")), 6);
    itest_assert_json_int(all, "meta.total", 7);
    itest_assert_json_string(all, "requests[5].path", "/health");
    itest_check(cJSON_IsNull(itest_json_get(all, "requests[5].requestId")),
                "a request without X-Request-Id should be journaled with requestId null");
    cJSON_Delete(all);
    itest_http_response_free(&r);
    cJSON *cleared =
        mt_expect(&r, "DELETE", mt_url(m.url[TR], "/__admin/requests?scope=j.two"), NULL, 200);
    itest_assert_json_int(cleared, "removed", 2);
    cJSON_Delete(cleared);
    itest_http_response_free(&r);
    cJSON *rest =
        mt_expect(&r, "GET", mt_url(m.url[TR], "/__admin/requests?scope=j.one&limit=2"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(rest, "requests")), 2);
    cJSON_Delete(rest);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void bad_fault_definitions(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    const struct {
        const char *def, *mentions;
    } cases[] = {
        {"[]", "object"},
        {"{\"response\":{\"fault\":\"NOPE\"}}", "NOPE"},
        {"{\"response\":{\"fixedDelayMs\":5}}", "fixedDelayMs"},
        {"{\"response\":{\"status\":99}}", "status"},
        {"{\"response\":{}}", "nothing to do"},
        {"{}", "response"},
        {"{\"request\":{\"urlPathPattern\":\"(\"},\"response\":{\"status\":500}}",
         "urlPathPattern"},
        {"{\"request\":{\"urlPathPattern\":\"/**********v1\"},\"response\":{\"status\":500}}",
         "repeats a quantifier"}, /* refused at once, not seconds in regcomp */
        {"{\"request\":{\"urlPath\":\"tasks\"},\"response\":{\"status\":500}}", "urlPath"},
        {"{\"response\":{\"status\":500,\"fault\":\"EMPTY_RESPONSE\"}}", "exclude"},
        {"{\"response\":{\"status\":500},\"times\":0}", "times"},
        {"{\"response\":{\"status\":500},\"probability\":2}", "probability"},
        {"{\"response\":{\"delayDistribution\":{\"type\":\"gamma\"}}}", "gamma"},
        {"{\"response\":{\"status\":500,\"headers\":{\"X\":1}}}", "headers.X"},
        {"{\"scope\":\"\",\"response\":{\"status\":500}}", "scope"},
        {"{\"response\":{\"streamCut\":{\"afterChunks\":-1}}}", "streamCut"},
        {"{\"response\":", "line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct itest_http_response r;
        cJSON *err =
            mt_expect(&r, "POST", mt_url(m.url[LLM], "/__admin/faults"), cases[i].def, 400);
        const char *message = "";
        itest_json_get_string(&message, err, "error.message");
        if (!strstr(message, cases[i].mentions))
            itest_fail("fault %s: message \"%s\" does not mention \"%s\"", cases[i].def, message,
                       cases[i].mentions);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    struct itest_http_response r;
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[LLM], "/__admin/faults"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(list, "faults")), 0);
    cJSON_Delete(list);
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "GET", mt_url(m.url[LLM], "/__admin/nothing"), NULL, 404));
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "PUT", mt_url(m.url[LLM], "/__admin/faults"), NULL, 405));
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void stream_faults_and_rate_limits(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    mt_fault(m.url[LLM], "{\"scope\":\"err\",\"response\":{\"streamError\":{\"afterChunks\":2,"
                         "\"message\":\"overloaded\"}}}");
    mt_fault(m.url[LLM], "{\"scope\":\"cut\",\"response\":{\"streamCut\":{\"afterChunks\":2}}}");
    mt_fault(m.url[LLM], "{\"scope\":\"slow\",\"response\":{\"rateLimit\":{\"retryAfterMs\":1200,"
                         "\"limit\":100,\"remaining\":0}}}");
    const char *body = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                       "\"content\":\"Hi\"}]}";
    const char *scopes[] = {"X-Itest-Scope: err", "X-Itest-Scope: cut", "X-Itest-Scope: slow"};
    struct itest_http_response r[3];
    for (int i = 0; i < 3; i++) {
        struct itest_http_request req = {
            .method = "POST",
            .url = mt_url(m.url[LLM], "/v1/chat/completions"),
            .headers = (const char *[]){scopes[i], "Content-Type: application/json", NULL},
            .body = body,
            .body_len = strlen(body),
            .no_scope = true,
            .retries = 0};
        itest_http_send(&r[i], &req);
    }
    /* an error event after two chunks, then the end */
    itest_assert_http_status(&r[0], "POST", "stream with an error event", 200);
    const char *e = strstr(r[0].body, "data: {\"error\"");
    if (!e || strstr(r[0].body, "[DONE]"))
        itest_fail("expected an error event and no [DONE]; got: %s", r[0].body);
    assert_non_null(strstr(e, "overloaded"));
    /* a cut: two chunks, then the connection ends without the final chunk */
    if (r[1].curl_code != CURLE_PARTIAL_FILE && r[1].curl_code != CURLE_RECV_ERROR)
        itest_fail("a cut stream should fail the transfer; curl said %d (%s)", r[1].curl_code,
                   r[1].error);
    itest_assert_http_status(&r[2], "POST", "rate limited", 429);
    assert_string_equal(itest_http_header(&r[2], "retry-after-ms"), "1200");
    assert_string_equal(itest_http_header(&r[2], "Retry-After"), "2");
    assert_string_equal(itest_http_header(&r[2], "x-ratelimit-remaining-requests"), "0");
    assert_string_equal(itest_http_header(&r[2], "x-ratelimit-limit-requests"), "100");
    cJSON *err = itest_json_parse_or_fail(r[2].body, r[2].body_len, "429 body");
    itest_assert_json_string(err, "error.code", "rate_limit_exceeded");
    cJSON_Delete(err);
    double wait = itest_http_retry_after(&r[2]);
    assert_true(wait > 1.19 && wait < 1.21);
    for (int i = 0; i < 3; i++)
        itest_http_response_free(&r[i]);
    assert_int_equal(mock_stop(&m), 0);
}

struct waiter {
    const char *base;
    long status;
};

static void *wait_once(void *arg)
{
    struct waiter *w = arg;
    struct itest_http_response r;
    get_as(&r, w->base, "/health", "slow");
    w->status = r.status;
    itest_http_response_free(&r);
    return NULL;
}

static void delayed_answers_do_not_hold_a_thread(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", "--threads", "1", NULL});
    mt_fault(m.url[TR], "{\"scope\":\"slow\",\"response\":{\"fixedDelayMilliseconds\":500}}");
    enum { N = 64 };
    struct waiter w[N];
    pthread_t threads[N];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        w[i] = (struct waiter){m.url[TR], 0};
        pthread_create(&threads[i], NULL, wait_once, &w[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int answered = 0;
    for (int i = 0; i < N; i++)
        answered += w[i].status == 200;
    /* one worker thread holding each delayed request would need 64 x 0.5 s */
    if (answered < N || s > 5)
        itest_fail("64 requests delayed 500 ms each on one worker thread: %d answered 200 "
                   "(10 s timeout), all done after %.2f s; a delay must not hold the thread",
                   answered, s);
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(every_connection_fault_reaches_the_client),
    ITEST_CASE(status_faults_hits_and_probability),
    ITEST_CASE(delays_and_dribble),
    ITEST_CASE(scoped_faults_never_cross),
    ITEST_CASE(journal_find_count_clear),
    ITEST_CASE(load_stays_out_of_the_journal),
    ITEST_CASE(bad_fault_definitions),
    ITEST_CASE(stream_faults_and_rate_limits),
    ITEST_CASE(delayed_answers_do_not_hold_a_thread),
};

ITEST_SUITE_MAIN(cases)
