/* Repo Pool Manager: allocate and release, double release, exhaustion with Retry-After, TTL
 * expiry, and many threads allocating at once. Every case here holds the lock repo_pool, since
 * they fill or count the pool. */
#include "cases.h"
#include "svc.h"

#include "itest/clock.h"
#include "itest/config.h"
#include "itest/measure.h"

#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of free slots the cases that fill the pool will take. */
#define MAX_FILL 256

static bool listed(const char *slot_id)
{
    char url[SVC_URL_MAX];
    svc_url(url, ITEST_REPO_POOL, "/slots");
    cJSON *list = svc_call(NULL, "GET", url, NULL, 200);
    bool found = false;
    const cJSON *slot;
    cJSON_ArrayForEach(slot, cJSON_GetObjectItem(list, "items"))
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "slot_id"));
        found = found || (id && strcmp(id, slot_id) == 0);
    }
    cJSON_Delete(list);
    return found;
}

/* expires_at names when the slot expires: ttl_s after the reply's Date (the server's clock, so a
 * skewed client clock does not matter), within the Date's one-second resolution. */
static void expect_expiry(const cJSON *slot, const char *date, int ttl_s)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "expires_at"));
    int64_t expires = 0;
    itest_check(text && itest_parse_rfc3339(text, &expires) == 0,
                "[invalid JSON] the slot's expires_at \"%s\" is not an RFC 3339 date-time",
                text ? text : "(none)");
    time_t now = date ? curl_getdate(date, NULL) : -1;
    bool server_clock = now >= 0;
    if (!server_clock)
        now = time(NULL); /* no Date header: the client's clock, with room for skew */
    double after = (double)expires / 1e9 - (double)now, slack = server_clock ? 2 : 120;
    itest_check(after >= ttl_s - slack && after <= ttl_s + slack,
                "expires_at %s is %.0f s after the reply's %s, but the slot asked for ttl_s %d",
                text, after, server_clock ? "Date" : "arrival (it has no Date header)", ttl_s);
}

void pool_allocate_and_release(void **state)
{
    char repo[256], url[SVC_URL_MAX], body[512];
    svc_unique(repo, sizeof repo, "repo");
    long capacity, before, during, after;
    svc_pool_usage(&capacity, &before);
    svc_url(url, ITEST_REPO_POOL, "/slots");
    snprintf(body, sizeof body, "{\"repo\": \"%s\", \"ttl_s\": 60}", repo);
    struct itest_http_response r;
    cJSON *slot = svc_call(&r, "POST", url, body, 201);
    const char *id = cJSON_GetStringValue(itest_json_require(slot, "slot_id"));
    itest_check(id && *id, "the slot's slot_id is not a non-empty string");
    itest_assert_json_string(slot, "repo", repo);
    itest_assert_json_type(slot, "path", cJSON_String);
    itest_assert_json_type(slot, "expires_at", cJSON_String);
    char *slot_id = strdup(id);
    svc_track_slot(slot_id);
    expect_expiry(slot, itest_http_header(&r, "Date"), 60);
    itest_http_response_free(&r);
    cJSON_Delete(slot);
    svc_pool_usage(&capacity, &during);
    itest_check(during == before + 1, "in_use went from %ld to %ld after one allocation", before,
                during);
    itest_check(listed(slot_id), "GET /slots does not list the new slot %s", slot_id);
    svc_release(slot_id);
    svc_pool_usage(&capacity, &after);
    itest_check(after == before, "in_use is %ld after the release, %ld before the allocation",
                after, before);
    itest_check(!listed(slot_id), "GET /slots still lists the released slot %s", slot_id);
    free(slot_id);
}

void pool_double_release_not_found(void **state)
{
    char repo[256];
    svc_unique(repo, sizeof repo, "repo");
    char *id = svc_allocate(repo, 60, NULL);
    itest_check(id, "the pool is exhausted before the case began");
    svc_release(id);
    char url[SVC_URL_MAX];
    svc_url(url, ITEST_REPO_POOL, "/slots/%s", id);
    svc_expect_error("DELETE", url, NULL, 404, "not_found");
    svc_url(url, ITEST_REPO_POOL, "/slots/%s", "no-such-slot");
    svc_expect_error("DELETE", url, NULL, 404, "not_found");
    free(id);
}

/* The pool's free slots, for the cases that take them all; skips when there are too many, fails
 * when there is none (a case that fills nothing proves nothing). */
static long free_slots_to_fill(long *capacity, long *in_use)
{
    svc_pool_usage(capacity, in_use);
    long free_slots = *capacity - *in_use;
    if (free_slots > MAX_FILL)
        itest_skip("the pool has %ld free slots; this case fills at most %d", free_slots, MAX_FILL);
    itest_check(free_slots > 0,
                "the pool has no free slot (capacity %ld, in_use %ld): this case has nothing to "
                "fill; a slot of an earlier case may not have come back",
                *capacity, *in_use);
    return free_slots;
}

/* Takes every free slot (the first with a 1 s TTL), checks the 503, then retries the way a
 * client should, honouring Retry-After, and gets the slot that frees. */
void pool_exhaustion_retry_after(void **state)
{
    long capacity, in_use;
    long free_slots = free_slots_to_fill(&capacity, &in_use);
    char repo[256];
    svc_unique(repo, sizeof repo, "fill");
    for (long i = 0; i < free_slots; i++) {
        char *id = svc_allocate(repo, i == 0 ? 1 : 120, NULL);
        itest_check(id, "503 after %ld of the %ld free slots (capacity %ld, in_use %ld)", i,
                    free_slots, capacity, in_use);
        free(id);
    }
    double retry_after = -2;
    char *none = svc_allocate(repo, 60, &retry_after);
    itest_check(!none, "a slot was handed out past capacity %ld", capacity);
    itest_check(retry_after >= 0,
                "[HTTP 5xx] the 503 of an exhausted pool carries no usable Retry-After header");
    itest_check(retry_after <= 2, "Retry-After is %.1f s, but a slot expires within 1 s",
                retry_after);

    char url[SVC_URL_MAX], body[512];
    svc_url(url, ITEST_REPO_POOL, "/slots");
    snprintf(body, sizeof body, "{\"repo\": \"%s\", \"ttl_s\": 60}", repo);
    int retries = itest_config()->retry_count > 3 ? itest_config()->retry_count : 3;
    struct itest_http_response r;
    double start = itest_now_s();
    svc_send(&r, "POST", url, body, retries);
    double waited = itest_now_s() - start;
    itest_assert_http_status(&r, "POST", url, 201);
    itest_check(r.attempts >= 2, "the allocation succeeded at once; the pool was not exhausted");
    itest_check(waited >= 0.5 * retry_after,
                "the retry came after %.3f s, before the Retry-After of %.1f s", waited,
                retry_after);
    cJSON *slot = itest_json_parse_or_fail(r.body, r.body_len, "the slot after the retry");
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "slot_id"));
    itest_check(id, "the slot after the retry has no slot_id");
    svc_track_slot(id);
    svc_release(id);
    itest_measure("retry_wait_s", waited);
    cJSON_Delete(slot);
    itest_http_response_free(&r);
}

/* A slot with ttl_s 2 leaves the listing after 2 s, not before (timed from before the request,
 * so that a slow client cannot make a correct pool look early). */
void pool_ttl_expiry(void **state)
{
    enum { TTL_S = 2 };
    char repo[256];
    svc_unique(repo, sizeof repo, "ttl");
    long capacity, before, after;
    svc_pool_usage(&capacity, &before);
    double start = itest_now_s(), gone_after = -1;
    char *id = svc_allocate(repo, TTL_S, NULL);
    itest_check(id, "the pool is exhausted before the case began");
    itest_check(listed(id), "GET /slots does not list the new slot %s", id);
    while (itest_now_s() - start < TTL_S + 5) {
        if (!listed(id)) {
            gone_after = itest_now_s() - start;
            break;
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    itest_check(gone_after >= 0, "a slot with ttl_s %d is still listed after %d s", TTL_S,
                TTL_S + 5);
    itest_check(gone_after >= 0.9 * TTL_S, "the slot vanished after %.3f s, before its %d s TTL",
                gone_after, TTL_S);
    svc_pool_usage(&capacity, &after);
    itest_check(after == before, "in_use is %ld after the expiry, %ld before", after, before);
    char url[SVC_URL_MAX];
    svc_url(url, ITEST_REPO_POOL, "/slots/%s", id);
    svc_expect_error("DELETE", url, NULL, 404, "not_found");
    itest_measure("expired_after_s", gone_after);
    free(id);
}

struct grabber {
    const char *repo;
    char *ids[MAX_FILL], *paths[MAX_FILL];
    int n;
    char error[512];
};

/* A thread that allocates until the pool says 503; no assertions off the case's thread. */
static void *grab(void *arg)
{
    struct grabber *g = arg;
    char err[256];
    const char *base = itest_service_url(ITEST_REPO_POOL, err, sizeof err);
    char url[SVC_URL_MAX], body[512];
    snprintf(url, sizeof url, "%s/slots", base);
    snprintf(body, sizeof body, "{\"repo\": \"%s\", \"ttl_s\": 120}", g->repo);
    while (g->n < MAX_FILL) {
        struct itest_http_response r;
        svc_send(&r, "POST", url, body, 0);
        if (r.curl_code == CURLE_OK && r.status == 503) {
            itest_http_response_free(&r);
            break;
        }
        cJSON *slot = r.status == 201 ? cJSON_ParseWithLength(r.body, r.body_len) : NULL;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "slot_id"));
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "path"));
        if (!id || !path) {
            snprintf(g->error, sizeof g->error, "POST %.300s: status %ld %.180s", url, r.status,
                     r.curl_code ? r.error : "");
            cJSON_Delete(slot);
            itest_http_response_free(&r);
            break;
        }
        g->paths[g->n] = strdup(path);
        g->ids[g->n++] = strdup(id);
        cJSON_Delete(slot);
        itest_http_response_free(&r);
    }
    return NULL;
}

void pool_concurrent_allocation_unique(void **state)
{
    enum { THREADS = 8 };
    long capacity, in_use;
    long free_slots = free_slots_to_fill(&capacity, &in_use);
    char repo[256];
    svc_unique(repo, sizeof repo, "race");
    static struct grabber g[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&g[i], 0, sizeof g[i]);
        g[i].repo = repo;
        pthread_create(&threads[i], NULL, grab, &g[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    static char *all[THREADS * MAX_FILL], *paths[THREADS * MAX_FILL];
    size_t n = 0;
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < g[i].n; k++) {
            paths[n] = g[i].paths[k];
            all[n++] = g[i].ids[k];
        }
    /* give every slot back before judging, so a failure does not starve the next case */
    for (size_t i = 0; i < n; i++)
        svc_delete_quietly(ITEST_REPO_POOL, "slots", all[i]);
    for (int i = 0; i < THREADS; i++)
        itest_check(!g[i].error[0], "thread %d: %s", i, g[i].error);
    /* a working tree is owned by its slot: no two live slots share one */
    qsort(paths, n, sizeof *paths, svc_compare_strings);
    for (size_t i = 1; i < n; i++)
        itest_check(strcmp(paths[i - 1], paths[i]) != 0,
                    "path %s was given to two live slots at once", paths[i]);
    qsort(all, n, sizeof *all, svc_compare_strings);
    for (size_t i = 1; i < n; i++)
        itest_check(strcmp(all[i - 1], all[i]) != 0, "slot %s was handed to two clients at once",
                    all[i]);
    itest_check((long)n == free_slots,
                "%d threads got %zu slots in all, but %ld were free (capacity %ld)", THREADS, n,
                free_slots, capacity);
    for (size_t i = 0; i < n; i++) {
        free(all[i]);
        free(paths[i]);
    }
    long after;
    svc_pool_usage(&capacity, &after);
    itest_check(after == in_use, "in_use is %ld after releasing everything, %ld before", after,
                in_use);
}

void pool_validation_errors(void **state)
{
    static const struct {
        const char *body, *code;
    } bad[] = {
        {"{\"repo\": ", "invalid_json"},
        {"\"repo\"", "invalid_body"},
        {"{\"ttl_s\": 60}", "missing_field"},
        {"{\"repo\": 7}", "invalid_field"},
        {"{\"repo\": \"r\", \"ttl_s\": 0}", "invalid_field"},
        {"{\"repo\": \"r\", \"ttl_s\": \"long\"}", "invalid_field"},
        {"{\"repo\": \"r\", \"ttl_s\": 86401}", "invalid_field"},
    };
    char url[SVC_URL_MAX];
    svc_url(url, ITEST_REPO_POOL, "/slots");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        svc_expect_error("POST", url, bad[i].body, 400, bad[i].code);
}
