/* Mutations as a client sees them: planted from the command line for every request, or through
 * the admin API for one scope; listed, removed and reset; unknown or foreign names refused. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POST /tasks as scope (NULL: unscoped); returns the created task's "spec". */
static char *spec_as(const char *base, const char *scope)
{
    char header[160];
    snprintf(header, sizeof header, "X-Itest-Scope: %s", scope ? scope : "");
    static const char body[] = "{\"title\": \"t\", \"spec\": \"keep me\"}";
    struct itest_http_request req = {.method = "POST",
                                     .url = mt_url(base, "/tasks"),
                                     .headers = scope ? (const char *[]){header,
                                                                         "Content-Type: "
                                                                         "application/json",
                                                                         NULL}
                                                      : (const char *[]){"Content-Type: "
                                                                         "application/json",
                                                                         NULL},
                                     .body = body,
                                     .body_len = strlen(body),
                                     .retries = 0,
                                     .no_scope = true};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "POST", "/tasks", 201);
    cJSON *task = itest_json_parse_or_fail(r.body, r.body_len, "the created task");
    char *spec = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(task, "spec")));
    cJSON_Delete(task);
    itest_http_response_free(&r);
    return spec;
}

static void expect_spec(const char *base, const char *scope, const char *expected)
{
    char *spec = spec_as(base, scope);
    itest_check(strcmp(spec, expected) == 0, "scope %s: spec \"%s\", expected \"%s\"",
                scope ? scope : "(none)", spec, expected);
    free(spec);
}

static void command_line_mutation_breaks_every_request(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", "--mutate",
                                    "registry.spec_dropped,all.requests_not_counted", NULL});
    expect_spec(m.url[TR], NULL, "");
    expect_spec(m.url[TR], "any.case#1", "");
    struct itest_http_response r;
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[TR], "/__admin/mutations"), NULL, 200);
    itest_assert_json_string(list, "mutations[0].name", "all.requests_not_counted");
    itest_assert_json_type(list, "mutations[0].scope", cJSON_NULL);
    itest_assert_json_string(list, "mutations[1].name", "registry.spec_dropped");
    cJSON_Delete(list);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void scoped_mutation_breaks_its_scope_only(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    struct itest_http_response r;
    cJSON *echo = mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/mutations"),
                            "{\"name\": \"registry.spec_dropped\", \"scope\": \"a\"}", 201);
    itest_assert_json_string(echo, "scope", "a");
    itest_assert_json_type(echo, "what", cJSON_String);
    cJSON_Delete(echo);
    itest_http_response_free(&r);
    expect_spec(m.url[TR], "a", "");
    expect_spec(m.url[TR], "b", "keep me");
    expect_spec(m.url[TR], NULL, "keep me");
    /* the admin API stays truthful under a mutation: the list is JSON as always */
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[TR], "/__admin/mutations"), NULL, 200);
    itest_assert_json_string(list, "mutations[0].scope", "a");
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(list, "available")) > 10,
                "GET /__admin/mutations lists what the service can take under \"available\"");
    cJSON_Delete(list);
    itest_http_response_free(&r);
    /* a scope's reset takes its mutations */
    cJSON *reset =
        mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/reset"), "{\"scope\": \"a\"}", 200);
    itest_assert_json_int(reset, "mutationsRemoved", 1);
    cJSON_Delete(reset);
    itest_http_response_free(&r);
    expect_spec(m.url[TR], "a", "keep me");
    /* DELETE by scope, then everything */
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/mutations"),
                           "{\"name\": \"registry.spec_dropped\", \"scope\": \"c\"}", 201));
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/mutations"),
                           "{\"name\": \"registry.title_truncated\"}", 201));
    itest_http_response_free(&r);
    cJSON *removed =
        mt_expect(&r, "DELETE", mt_url(m.url[TR], "/__admin/mutations?scope=c"), NULL, 200);
    itest_assert_json_int(removed, "removed", 1);
    cJSON_Delete(removed);
    itest_http_response_free(&r);
    expect_spec(m.url[TR], "c", "keep me");
    removed = mt_expect(&r, "DELETE", mt_url(m.url[TR], "/__admin/mutations"), NULL, 200);
    itest_assert_json_int(removed, "removed", 1);
    cJSON_Delete(removed);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void bad_mutations_are_refused(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", NULL});
    static const struct {
        const char *body, *says;
    } bad[] = {
        {"{\"name\": \"pool.no_such_thing\"}", "is not a mutation itest-mock knows"},
        {"{\"name\": \"registry.spec_dropped\"}",
         "is the task-registry service's, not repo-pool's"},
        {"{\"scope\": \"x\"}", "expected {\"name\""},
        {"{\"name\": \"pool.overbooks\", \"when\": 1}", "when: unknown member"},
        {"[1]", "expected {\"name\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct itest_http_response r;
        cJSON *err =
            mt_expect(&r, "POST", mt_url(m.url[POOL], "/__admin/mutations"), bad[i].body, 400);
        mt_assert_error(err, "invalid_mutation");
        const char *message = cJSON_GetStringValue(itest_json_get(err, "error.message"));
        itest_check(message && strstr(message, bad[i].says), "%s: the message \"%s\" should say %s",
                    bad[i].body, message ? message : "", bad[i].says);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(command_line_mutation_breaks_every_request),
    ITEST_CASE(scoped_mutation_breaks_its_scope_only),
    ITEST_CASE(bad_mutations_are_refused),
};

ITEST_SUITE_MAIN(cases)
