/* itest-teeth's own bad input: flags, and catalogues that are not JSON, miss a member, name an
 * unknown kind, service or case; and the harness fails (exit 1, the fault listed as missed) when
 * the cases do not catch a fault with the category the catalogue expects. */
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOLS                                                                                      \
    "--mock '" MOCK_EXE "' --pg '" PG_EXE "' --report '" REPORT_EXE "' --rules '" RULES_FILE       \
    "' --suite 'services=" SERVICES_EXE "'"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    itest_check(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

static void flags_are_checked(void **state)
{
    static const struct {
        const char *args, *says;
    } table[] = {
        {"--bogus", "unknown or incomplete option '--bogus'"},
        {"--jobs 0 --catalogue x", "--jobs='0' is not a whole number 1..64"},
        {"--timeout soon --catalogue x", "--timeout='soon' is not a number of seconds"},
        {"--suite services --catalogue x", "--suite 'services': expected NAME=EXECUTABLE"},
        {"--work-dir /tmp", "--catalogue FILE is required"},
        {"--catalogue x", "--work-dir, --suite, --mock, --pg, --report and --rules are required"},
        {"--catalogue x extra", "unexpected argument 'extra'"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char *out = NULL;
        int rc = shell_run(&out, 30, "'%s' %s", TEETH_EXE, table[i].args);
        itest_check(rc == 2, "itest-teeth %s: expected exit 2, got %d:\n%s", table[i].args, rc,
                    out);
        assert_contains(out, table[i].says);
        free(out);
    }
    char *out = NULL;
    int rc = shell_run(&out, 30, "'%s' --help", TEETH_EXE);
    itest_check(rc == 0, "--help: exit %d", rc);
    assert_contains(out, "Usage: itest-teeth");
    free(out);
}

static void bad_catalogues_are_named(void **state)
{
    static const struct {
        const char *text, *says;
    } table[] = {
        {"{\"kinds\": {", "bad-catalogue.json:1:11: "},
        {"[]", "\"kinds\" must be a non-empty object"},
        {"{\"kinds\": {\"k\": {\"category\": \"timeout\"}}}", "kinds.k: \"response\" must be an"},
        {"{\"kinds\": {\"k\": {\"response\": {}, \"category\": \"x\"}}, \"endpoints\": "
         "[{\"service\": \"nope\"}], \"targets\": []}",
         "endpoints[0]: \"service\" must be task-registry"},
        {"{\"kinds\": {\"k\": {\"response\": {}, \"category\": \"x\"}}, \"endpoints\": "
         "[{\"service\": \"llm\", \"method\": \"GET\", \"path\": \"/x\", \"ok\": 200, \"cases\": "
         "[\"a.b\"], \"not_applicable\": {\"nokind\": \"why\"}}], \"targets\": []}",
         "not_applicable names \"nokind\", which is not one of \"kinds\""},
        {"{\"kinds\": {\"k\": {\"response\": {}, \"category\": \"x\"}}, \"endpoints\": "
         "[{\"service\": \"llm\", \"method\": \"GET\", \"path\": \"/x\", \"ok\": 200, \"cases\": "
         "[\"nodot\"]}], \"targets\": []}",
         "endpoints[0]: cases[0] is not a \"suite.case\" name"},
        {"{\"kinds\": {\"k\": {\"response\": {}, \"category\": \"x\"}}, \"endpoints\": [], "
         "\"targets\": [{\"id\": \"t\", \"category\": \"x\", \"down\": \"llm\", \"hold_pool\": "
         "true, \"cases\": [\"a.b\"]}]}",
         "targets[0] (t): give exactly one of"},
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/bad-catalogue.json", WORK_DIR);
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        write_text(path, table[i].text);
        char *out = NULL;
        int rc = shell_run(&out, 30, "'%s' --catalogue '%s' --list", TEETH_EXE, path);
        itest_check(rc == 2, "catalogue %s: expected exit 2, got %d:\n%s", table[i].text, rc, out);
        assert_contains(out, path);
        assert_contains(out, table[i].says);
        free(out);
    }
    /* a case no suite lists */
    write_text(path,
               "{\"kinds\": {\"k\": {\"response\": {\"status\": 500}, \"category\": \"x\"}}, "
               "\"endpoints\": [{\"service\": \"llm\", \"method\": \"GET\", \"path\": \"/x\", "
               "\"ok\": 200, \"cases\": [\"services.no_such_case\"]}], \"targets\": []}");
    char *out = NULL;
    int rc = shell_run(&out, 60, "'%s' --catalogue '%s' --work-dir '%s/teeth-cli' " TOOLS,
                       TEETH_EXE, path, WORK_DIR);
    itest_check(rc == 2, "an unknown case: expected exit 2, got %d:\n%s", rc, out);
    assert_contains(out, "names services.no_such_case, which");
    free(out);
}

/* The harness has teeth of its own: a fault caught with another category than the catalogue
 * says, and a fault on a path no named case calls, are both reported as missed. */
static void missed_faults_fail_the_run(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/missed-catalogue.json", WORK_DIR);
    write_text(path,
               "{\"kinds\": {\"http_500\": {\"response\": {\"status\": 500}, \"category\": "
               "\"timeout\"}},"
               " \"endpoints\": ["
               "  {\"service\": \"task-registry\", \"method\": \"GET\", \"path\": \"/health\", "
               "   \"ok\": 200, \"cases\": [\"services.health_task_registry\"]},"
               "  {\"service\": \"task-registry\", \"method\": \"GET\", \"path\": \"/nobody\", "
               "   \"ok\": 200, \"cases\": [\"services.health_repo_pool\"]}],"
               " \"targets\": []}");
    char *out = NULL;
    int rc = shell_run(&out, 300, "'%s' --catalogue '%s' --work-dir '%s/teeth-missed' " TOOLS,
                       TEETH_EXE, path, WORK_DIR);
    itest_check(rc == 1, "missed faults: expected exit 1, got %d:\n%s", rc, out);
    assert_contains(out, "services.health_task_registry: failed as HTTP 5xx (expected: failed as "
                         "timeout)");
    assert_contains(out, "services.health_repo_pool: passed (expected: failed as timeout)");
    assert_contains(out, "teeth score: 0/2 faults caught (0.0%)");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(flags_are_checked),
    ITEST_CASE(bad_catalogues_are_named),
    ITEST_CASE(missed_faults_fail_the_run),
};

ITEST_SUITE_MAIN(cases)
