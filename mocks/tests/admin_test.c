/* The admin token (--admin-token, or ITEST_MOCK_ADMIN_TOKEN): with one, /__admin/ answers only
 * requests that carry it, in either form, and never echoes what was sent; the services answer
 * as before. Without one, binding beyond loopback warns. */
#include "mock_test.h"
#include "shell.h"

#include "itest/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long admin_status(const struct mock *m, const char *header)
{
    const char *headers[] = {header, NULL};
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(m->url[TR], "/__admin/faults"), NULL, header ? headers : NULL);
    long status = r.status;
    itest_check(!r.body || !strstr(r.body, "not-the-token"),
                "the admin API's refusal echoes the token sent: %s", r.body);
    if (status == 401)
        itest_check(r.body && strstr(r.body, "admin_unauthorized"),
                    "a refused admin request should say admin_unauthorized: %s",
                    r.body ? r.body : "(no body)");
    itest_http_response_free(&r);
    return status;
}

static void token_guards_the_admin_api(void **state)
{
    struct mock m;
    mock_start(&m,
               (const char *[]){"--service", "task-registry", "--admin-token", "t0k-admin", NULL});
    const struct {
        const char *header;
        long status;
    } cases[] = {{NULL, 401},
                 {"X-Itest-Admin-Token: not-the-token", 401},
                 {"Authorization: Bearer not-the-token", 401},
                 {"X-Itest-Admin-Token: t0k-admin", 200},
                 {"Authorization: Bearer t0k-admin", 200}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        itest_check(admin_status(&m, cases[i].header) == cases[i].status,
                    "GET /__admin/faults with %s should answer %ld",
                    cases[i].header ? cases[i].header : "no token", cases[i].status);
    /* the service itself needs no token */
    struct itest_http_response r;
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/tasks"),
                           "{\"title\": \"t\", \"spec\": \"s\"}", 201));
    itest_http_response_free(&r);
    mock_stop(&m);
}

static void token_from_the_environment(void **state)
{
    struct mock m;
    setenv(ITEST_MOCK_ADMIN_TOKEN_VARIABLE, "env-t0ken", 1);
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    unsetenv(ITEST_MOCK_ADMIN_TOKEN_VARIABLE);
    long without = admin_status(&m, NULL),
         with = admin_status(&m, "X-Itest-Admin-Token: env-t0ken");
    mock_stop(&m);
    itest_check(without == 401 && with == 200,
                "started with ITEST_MOCK_ADMIN_TOKEN, the admin API answered %ld without it and "
                "%ld with it (expected 401, 200)",
                without, with);
}

static void binding_beyond_loopback_warns(void **state)
{
    static const struct {
        const char *args;
        bool warns;
    } cases[] = {{"--bind 0.0.0.0", true},
                 {"--bind 0.0.0.0 --admin-token t", false},
                 {"--bind 127.0.0.2", false},
                 {"", false}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = NULL;
        /* it serves until stopped: a second is enough to start and say what it says */
        shell_run(&out, 10, "timeout 1 '%s' --service task-registry %s 2>&1 >/dev/null", MOCK_EXE,
                  cases[i].args);
        bool warned = strstr(out, "warning: listening on") != NULL;
        itest_check(warned == cases[i].warns, "itest-mock %s %s: %s", cases[i].args,
                    cases[i].warns ? "should warn about the admin API" : "should not warn", out);
        if (warned)
            assert_contains(out, "without --admin-token");
        free(out);
    }
}

static const struct itest_case cases[] = {
    ITEST_CASE(token_guards_the_admin_api),
    ITEST_CASE(token_from_the_environment),
    ITEST_CASE(binding_beyond_loopback_warns),
};

ITEST_SUITE_MAIN(cases)
