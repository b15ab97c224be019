/* Every service's /metrics passes `promtool check metrics` (Prometheus' own linter: help text,
 * types, counter names, histogram shape), after traffic that fills its counters and histogram. */
#include "mock_test.h"
#include "shell.h"

#include "itest/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void every_exposition_passes_promtool(void **state)
{
    char *out = NULL;
    if (shell_run(&out, 10, "command -v promtool") != 0) {
        free(out);
        itest_skip("promtool is not installed (Debian's prometheus package has it; "
                   "scripts/bootstrap installs it)");
    }
    free(out);
    struct mock m;
    mock_start(&m, NULL);
    static const char *const names[] = {"task-registry", "repo-pool", "artifact-store", "llm",
                                        "vector"};
    for (int s = 0; s < 5; s++) {
        /* a success and an error on each, so that counters and buckets have samples */
        struct itest_http_response r;
        mt_send(&r, "GET", mt_url(m.url[s], "/health"), NULL, NULL);
        itest_http_response_free(&r);
        mt_send(&r, "GET", mt_url(m.url[s], "/no-such-path"), NULL, NULL);
        itest_http_response_free(&r);
        mt_send(&r, "GET", mt_url(m.url[s], "/metrics"), NULL, NULL);
        itest_check(r.status == 200, "GET %s/metrics answered %ld", names[s], r.status);
        char path[400], err[256];
        snprintf(path, sizeof path, "%s/%s.prom", m.dir, names[s]);
        itest_check(itest_write_file(path, r.body, r.body_len, err, sizeof err) == 0, "%s", err);
        itest_http_response_free(&r);
        int rc = shell_run(&out, 30, "promtool check metrics < '%s' 2>&1", path);
        itest_check(rc == 0 && !*out,
                    "promtool check metrics finds problems in the %s mock's "
                    "exposition (exit %d):\n%s",
                    names[s], rc, out);
        free(out);
    }
    mock_stop(&m);
}

static const struct itest_case cases[] = {
    ITEST_CASE(every_exposition_passes_promtool),
};

ITEST_SUITE_MAIN(cases)
