/* itest-teeth's own bad input: flags, and catalogues that are not JSON, miss a member, name an
 * unknown kind, service, mutation or case; and the harness fails (exit 1, the fault or mutation
 * listed as missed) when the cases do not catch one with the category, and for a mutation the
 * message, the catalogue expects. */
#include "shell.h"

#include "itest/check.h"
#include "itest/json.h"
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
        {"--work-dir /tmp", "--catalogue FILE or --mutations FILE is required"},
        {"--mutations x --list", "--mutations needs --mock"},
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

/* A mutation catalogue: the given entries (a JSON text of members of "mutations", or "") and
 * every other mutation the mock knows ruled out, so that the catalogue covers them all. */
static void write_mutations(const char *path, const char *entries, const char *const *keep,
                            size_t nkeep)
{
    char *list = NULL;
    int rc = shell_run(&list, 30, "'%s' --list-mutations", MOCK_EXE);
    itest_check(rc == 0, "itest-mock --list-mutations: exit %d:\n%s", rc, list);
    FILE *f = fopen(path, "w");
    itest_check(f, "cannot write %s", path);
    fprintf(f, "{\"mutations\": [%s", entries);
    bool first = !*entries;
    for (char *save = NULL, *line = strtok_r(list, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        *strchrnul(line, '\t') = '\0';
        bool kept = false;
        for (size_t i = 0; i < nkeep; i++)
            kept = kept || strcmp(keep[i], line) == 0;
        if (kept)
            continue;
        fprintf(f, "%s{\"name\": \"%s\", \"clause\": \"c\", \"ruled_out\": \"not here\"}",
                first ? "" : ", ", line);
        first = false;
    }
    fprintf(f, "]}");
    itest_check(fclose(f) == 0, "cannot write %s", path);
    free(list);
}

static void bad_mutation_catalogues_are_named(void **state)
{
    static const char one[] = "{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", "
                              "\"cases\": [\"services.registry_create_and_get\"], \"category\": "
                              "\"assertion\", \"message\": \"spec\"}";
    static const struct {
        const char *entries, *says;
        bool covered; /* every other mutation ruled out */
    } table[] = {
        {"{\"name\": \"no.such_mutation\", \"clause\": \"c\", \"cases\": [\"a.b\"], "
         "\"category\": \"x\", \"message\": \"m\"}",
         "mutations[0]: \"no.such_mutation\" is not a mutation the mock knows", true},
        {"{\"name\": \"registry.spec_dropped\", \"cases\": [\"a.b\"]}",
         "mutations[0]: \"name\" (the mock's mutation) and \"clause\"", true},
        {"{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", \"cases\": [\"a.b\"]}",
         "\"category\" (as itest-report names it) and \"message\"", true},
        {"{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", \"cases\": [\"a.b\"], "
         "\"category\": \"x\", \"message\": \"(\"}",
         "\"message\" is not a POSIX extended regex", true},
        {"{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", \"cases\": [\"a.b\"], "
         "\"ruled_out\": \"why\"}",
         "give \"cases\" or \"ruled_out\", not both", true},
        {"{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", \"wat\": 1}",
         "mutations[0]: unknown member \"wat\"", true},
        {"", "the mock's mutation \"all.health_names_another_service\" is not in the catalogue",
         false},
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/bad-mutations.json", WORK_DIR);
    static const char *const keep[] = {"registry.spec_dropped"};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (table[i].covered)
            write_mutations(path, table[i].entries, keep, 1);
        else
            write_text(path, "{\"mutations\": [{\"name\": \"registry.spec_dropped\", "
                             "\"clause\": \"c\", \"ruled_out\": \"r\"}]}");
        char *out = NULL;
        int rc = shell_run(&out, 30, "'%s' --mutations '%s' --mock '%s' --list", TEETH_EXE, path,
                           MOCK_EXE);
        itest_check(rc == 2, "mutations %s: expected exit 2, got %d:\n%s", table[i].entries, rc,
                    out);
        assert_contains(out, path);
        assert_contains(out, table[i].says);
        free(out);
    }
    /* listed twice */
    char twice[1024];
    snprintf(twice, sizeof twice, "%s, %s", one, one);
    write_mutations(path, twice, keep, 1);
    char *out = NULL;
    int rc =
        shell_run(&out, 30, "'%s' --mutations '%s' --mock '%s' --list", TEETH_EXE, path, MOCK_EXE);
    itest_check(rc == 2, "a mutation listed twice: expected exit 2, got %d:\n%s", rc, out);
    assert_contains(out, "mutations[1]: mutation \"registry.spec_dropped\" is listed twice");
    free(out);
    /* a good one lists */
    write_mutations(path, one, keep, 1);
    rc = shell_run(&out, 30, "'%s' --mutations '%s' --mock '%s' --list", TEETH_EXE, path, MOCK_EXE);
    itest_check(rc == 0, "a good catalogue: exit %d:\n%s", rc, out);
    assert_contains(out, "mutation registry.spec_dropped -> assertion: "
                         "services.registry_create_and_get");
    assert_contains(out, "mutation all.health_names_another_service: ruled out: not here");
    free(out);
}

/* A mutation is caught only with the category and a message that matches: a wrong category, a
 * message that does not name the cause, and a case that does not see the mutation are each
 * reported as missed; the ruled-out ones count with their reason. */
static void missed_mutations_fail_the_run(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/missed-mutations.json", WORK_DIR);
    static const char *const keep[] = {"registry.spec_dropped", "registry.priority_ignored",
                                       "registry.title_truncated", "all.error_body_flat"};
    write_mutations(path,
                    "{\"name\": \"registry.spec_dropped\", \"clause\": \"c\", \"cases\": "
                    "[\"services.registry_create_and_get\"], \"category\": \"timeout\", "
                    "\"message\": \"spec\"},"
                    "{\"name\": \"registry.priority_ignored\", \"clause\": \"c\", \"cases\": "
                    "[\"services.registry_create_and_get\"], \"category\": \"assertion\", "
                    "\"message\": \"the moon\"},"
                    "{\"name\": \"registry.title_truncated\", \"clause\": \"c\", \"cases\": "
                    "[\"services.health_repo_pool\"], \"category\": \"assertion\", "
                    "\"message\": \"title\"},"
                    "{\"name\": \"all.error_body_flat\", \"clause\": \"c\", \"cases\": "
                    "[\"services.registry_unknown_task_not_found\"], \"category\": "
                    "\"invalid JSON or schema\", \"message\": \"no .error. object\"}",
                    keep, 4);
    char *out = NULL;
    int rc = shell_run(&out, 300, "'%s' --mutations '%s' --work-dir '%s/teeth-mutations' " TOOLS,
                       TEETH_EXE, path, WORK_DIR);
    itest_check(rc == 1, "missed mutations: expected exit 1, got %d:\n%s", rc, out);
    assert_contains(out, "MISSED mutation registry.spec_dropped -> timeout");
    assert_contains(out, "services.registry_create_and_get: failed as assertion (expected: "
                         "failed as timeout)");
    assert_contains(out, "services.registry_create_and_get: failed as assertion, but the message "
                         "does not match /the moon/");
    assert_contains(out, "services.health_repo_pool: passed (expected: failed as assertion)");
    assert_contains(out, "caught mutation all.error_body_flat");
    assert_contains(out, "mutations caught or ruled out");
    assert_contains(out, ": 1 caught, ");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(flags_are_checked),
    ITEST_CASE(bad_catalogues_are_named),
    ITEST_CASE(missed_faults_fail_the_run),
    ITEST_CASE(bad_mutation_catalogues_are_named),
    ITEST_CASE(missed_mutations_fail_the_run),
};

ITEST_SUITE_MAIN(cases)
