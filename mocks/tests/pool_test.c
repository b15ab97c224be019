/* Repo Pool contract, against a private itest-mock. */
#include "mock_test.h"

#include "itest/child.h"
#include "itest/git.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *allocate(const char *base, int ttl_s)
{
    char body[96];
    snprintf(body, sizeof body, "{\"repo\":\"git@example.com:org/app.git\",\"ttl_s\":%d}", ttl_s);
    struct itest_http_response r;
    cJSON *slot = mt_expect(&r, "POST", mt_url(base, "/slots"), body, 201);
    itest_assert_json_string(slot, "repo", "git@example.com:org/app.git");
    itest_assert_json_type(slot, "path", cJSON_String);
    itest_assert_json_type(slot, "expires_at", cJSON_String);
    const char *id;
    assert_int_equal(itest_json_get_string(&id, slot, "slot_id"), 0);
    char *copy = strdup(id);
    cJSON_Delete(slot);
    itest_http_response_free(&r);
    return copy;
}

static long in_use(const char *base)
{
    struct itest_http_response r;
    cJSON *list = mt_expect(&r, "GET", mt_url(base, "/slots"), NULL, 200);
    long long n = -1, capacity = -1;
    itest_json_get_int(&n, list, "in_use");
    itest_json_get_int(&capacity, list, "capacity");
    assert_int_equal(cJSON_GetArraySize(itest_json_get(list, "items")), n);
    cJSON_Delete(list);
    itest_http_response_free(&r);
    return (long)n;
}

static void allocate_release_and_double_release(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", "--capacity", "3", NULL});
    char *id = allocate(m.url[POOL], 60);
    assert_int_equal(in_use(m.url[POOL]), 1);
    char path[96];
    snprintf(path, sizeof path, "/slots/%s", id);
    struct itest_http_response r;
    assert_null(mt_expect(&r, "DELETE", mt_url(m.url[POOL], path), NULL, 204));
    itest_http_response_free(&r);
    assert_int_equal(in_use(m.url[POOL]), 0);
    cJSON *err = mt_expect(&r, "DELETE", mt_url(m.url[POOL], path), NULL, 404);
    mt_assert_error(err, "not_found");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    free(id);
    assert_int_equal(mock_stop(&m), 0);
}

static void exhaustion_says_when_to_retry(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", "--capacity", "2", NULL});
    char *a = allocate(m.url[POOL], 30), *b = allocate(m.url[POOL], 2);
    struct itest_http_response r;
    cJSON *err =
        mt_expect(&r, "POST", mt_url(m.url[POOL], "/slots"), "{\"repo\":\"r\",\"ttl_s\":5}", 503);
    mt_assert_error(err, "pool_exhausted");
    double wait_s = itest_http_retry_after(&r);
    if (!(wait_s >= 1 && wait_s <= 2))
        itest_fail("Retry-After %s: expected 1..2 s (the 2 s slot frees first)",
                   itest_http_header(&r, "Retry-After") ? itest_http_header(&r, "Retry-After")
                                                        : "(missing)");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    /* releasing one lets the next allocation through */
    char path[96];
    snprintf(path, sizeof path, "/slots/%s", a);
    mt_expect(&r, "DELETE", mt_url(m.url[POOL], path), NULL, 204);
    itest_http_response_free(&r);
    free(allocate(m.url[POOL], 30));
    free(a);
    free(b);
    assert_int_equal(mock_stop(&m), 0);
}

static void ttl_expiry_frees_the_slot(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", "--capacity", "1", NULL});
    char *id = allocate(m.url[POOL], 1);
    assert_int_equal(in_use(m.url[POOL]), 1);
    usleep(1200 * 1000);
    assert_int_equal(in_use(m.url[POOL]), 0);
    char path[96];
    snprintf(path, sizeof path, "/slots/%s", id);
    struct itest_http_response r;
    cJSON_Delete(mt_expect(&r, "DELETE", mt_url(m.url[POOL], path), NULL, 404));
    itest_http_response_free(&r);
    free(id);
    free(allocate(m.url[POOL], 1));
    assert_int_equal(mock_stop(&m), 0);
}

struct racer {
    const char *base;
    char ids[8][64];
    int got;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < 8; i++) {
        struct itest_http_response resp;
        mt_send(&resp, "POST", mt_url(r->base, "/slots"), "{\"repo\":\"r\",\"ttl_s\":60}", NULL);
        if (resp.status == 201) {
            cJSON *slot = cJSON_Parse(resp.body);
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(slot, "slot_id"));
            snprintf(r->ids[r->got++], 64, "%s", id ? id : "?");
            cJSON_Delete(slot);
        }
        itest_http_response_free(&resp);
    }
    return NULL;
}

static void concurrent_allocation_never_shares_a_slot(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", "--capacity", "20", NULL});
    enum { THREADS = 8 };
    struct racer racers[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        racers[t] = (struct racer){.base = m.url[POOL]};
        pthread_create(&threads[t], NULL, race, &racers[t]);
    }
    int total = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        total += racers[t].got;
    }
    assert_int_equal(total, 20); /* 64 tries, 20 slots */
    for (int a = 0; a < THREADS; a++)
        for (int i = 0; i < racers[a].got; i++)
            for (int b = 0; b < THREADS; b++)
                for (int j = 0; j < racers[b].got; j++)
                    if ((a != b || i != j) && strcmp(racers[a].ids[i], racers[b].ids[j]) == 0)
                        itest_fail("slot %s handed out twice", racers[a].ids[i]);
    assert_int_equal(in_use(m.url[POOL]), 20);
    assert_int_equal(mock_stop(&m), 0);
}

static void bad_requests(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", NULL});
    const struct {
        const char *body, *code;
    } cases[] = {{"{\"ttl_s\":5}", "missing_field"},
                 {"{\"repo\":\"\",\"ttl_s\":5}", "invalid_field"},
                 {"{\"repo\":\"r\",\"ttl_s\":0}", "invalid_field"},
                 {"{\"repo\":\"r\",\"ttl_s\":\"5\"}", "invalid_field"},
                 {"{\"repo\":\"r\",\"ttl_s\":86401}", "invalid_field"},
                 {"\"just a string\"", "invalid_body"},
                 {"{repo: r}", "invalid_json"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct itest_http_response r;
        cJSON *err = mt_expect(&r, "POST", mt_url(m.url[POOL], "/slots"), cases[i].body, 400);
        mt_assert_error(err, cases[i].code);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    struct itest_http_response r;
    cJSON_Delete(mt_expect(&r, "PUT", mt_url(m.url[POOL], "/slots"), "{}", 405));
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "GET", mt_url(m.url[POOL], "/nothing"), NULL, 404));
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

/* The slot's path of a seeded repository: a working tree, cloned, removed at release and at
 * expiry; repo is the bare repository's URL. */
static cJSON *allocate_served(const char *base, int ttl_s, char *path, size_t len)
{
    char body[96];
    snprintf(body, sizeof body, "{\"repo\":\"wordcount\",\"ttl_s\":%d}", ttl_s);
    struct itest_http_response r;
    cJSON *slot = mt_expect(&r, "POST", mt_url(base, "/slots"), body, 201);
    const char *repo = NULL, *where = NULL;
    assert_int_equal(itest_json_get_string(&repo, slot, "repo"), 0);
    assert_int_equal(itest_json_get_string(&where, slot, "path"), 0);
    itest_check(strncmp(repo, "file:///", 8) == 0 && strstr(repo, "/wordcount.git"),
                "a served repository's slot should name its URL, file:///.../wordcount.git: %s",
                repo);
    snprintf(path, len, "%s", where);
    itest_http_response_free(&r);
    return slot;
}

static bool exists(const char *dir, const char *file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

static void served_repository_gets_a_working_tree(void **state)
{
    (void)state;
    struct mock m;
    mock_start(&m, (const char *const[]){"--service", "repo-pool", "--seeds", SEEDS_DIR, NULL});
    char path[4096], other[4096], head[ITEST_GIT_OID_HEX], err[1024];
    cJSON *slot = allocate_served(m.url[POOL], 60, path, sizeof path);
    itest_check(exists(path, "Makefile") && exists(path, "include/wordcount.h") &&
                    exists(path, "tests/test_wordcount.c") && exists(path, ".git"),
                "the slot's path %s should be a working tree of the wordcount seed", path);
    itest_check(itest_git_resolve(path, "origin/main", head, err, sizeof err) == 0,
                "the working tree should track origin/main: %s", err);
    cJSON *second = allocate_served(m.url[POOL], 60, other, sizeof other);
    itest_check(strcmp(path, other) != 0, "two slots share the working tree %s", path);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(slot, "slot_id"));
    char where[160];
    snprintf(where, sizeof where, "/slots/%s", id);
    struct itest_http_response r;
    cJSON_Delete(mt_expect(&r, "DELETE", mt_url(m.url[POOL], where), NULL, 204));
    itest_http_response_free(&r);
    itest_check(!exists(path, ""), "a released slot's working tree %s is still there", path);
    itest_check(exists(other, "Makefile"), "releasing one slot removed another's tree %s", other);
    cJSON_Delete(slot);
    cJSON_Delete(second);
    /* an expired lease's tree goes at the next request that looks */
    slot = allocate_served(m.url[POOL], 1, path, sizeof path);
    usleep(1300 * 1000);
    (void)in_use(m.url[POOL]);
    itest_check(!exists(path, ""), "an expired slot's working tree %s is still there", path);
    cJSON_Delete(slot);
    /* a name the pool does not serve gets a slot as before, without a tree */
    free(allocate(m.url[POOL], 60));
    assert_int_equal(mock_stop(&m), 0);
    itest_check(!exists(other, ""), "a stopped mock left the working tree %s", other);
}

static void bad_seeds_are_named(void **state)
{
    (void)state;
    static const struct {
        const char *flag, *dir, *says;
    } cases[] = {
        {"--seeds", "/nonexistent-seeds", "--seeds /nonexistent-seeds: No such file"},
        {"--seeds", "/tmp/itest-no-seeds", "--seeds /tmp/itest-no-seeds: no seed project"},
        {"--repos", "/nonexistent-repos", "--repos /nonexistent-repos: no such directory"}};
    mkdir("/tmp/itest-no-seeds", 0700); /* empty: no seed project */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {
            MOCK_EXE, "--service", "repo-pool", (char *)cases[i].flag, (char *)cases[i].dir, NULL};
        struct itest_child c = {.argv = argv, .capture = true, .timeout_s = 10};
        struct itest_child_result res;
        char err[256];
        assert_int_equal(itest_child_run(&res, &c, err, sizeof err), 0);
        itest_check(res.exit_code != 0 && res.output && strstr(res.output, cases[i].says),
                    "itest-mock %s %s should exit non-zero saying \"%s\"; it exited %d: %s",
                    cases[i].flag, cases[i].dir, cases[i].says, res.exit_code,
                    res.output ? res.output : "");
        itest_child_result_free(&res);
    }
    rmdir("/tmp/itest-no-seeds");
}

static const struct itest_case cases[] = {
    ITEST_CASE(allocate_release_and_double_release),
    ITEST_CASE(exhaustion_says_when_to_retry),
    ITEST_CASE(ttl_expiry_frees_the_slot),
    ITEST_CASE(concurrent_allocation_never_shares_a_slot),
    ITEST_CASE(bad_requests),
    ITEST_CASE(served_repository_gets_a_working_tree),
    ITEST_CASE(bad_seeds_are_named),
};

ITEST_SUITE_MAIN(cases)
