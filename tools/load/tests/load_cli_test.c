/* itest-load's command line: every bad flag or URL exits 2 naming it; a target that
 * does not answer exits 1 with the errors counted by category; --help documents the exits. */
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdlib.h>

static void bad_flags_exit_2_naming_them(void **state)
{
    static const struct {
        const char *args, *says;
    } table[] = {
        {"--bogus http://x", "unrecognized option '--bogus'"},
        {"-c 0 http://x", "--connections='0' is not a whole number 1..10000"},
        {"-r abc http://x", "--rate='abc' is not a number > 0"},
        {"-H nocolon http://x", "--header='nocolon' is not a header 'Name: value'"},
        {"--model both http://x", "--model"},
        {"", "give 1..64 URLs"},
        {"ftp://127.0.0.1/", "URL 'ftp://127.0.0.1/': only http and https are supported"},
        {"http://user:secret@127.0.0.1/", "credentials in the URL are not sent"},
        {"http://", "URL 'http://': No host part in the URL"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char *out = NULL;
        int rc = shell_run(&out, 30, "'%s' %s", LOAD_EXE, table[i].args);
        itest_check(rc == 2, "itest-load %s: expected exit 2, got %d:\n%s", table[i].args, rc, out);
        assert_contains(out, table[i].says);
        free(out);
    }
}

static void unanswered_target_exits_1(void **state)
{
    char *out = NULL;
    int rc = shell_run(&out, 30, "'%s' -n 5 -c 1 http://127.0.0.1:1/", LOAD_EXE);
    itest_check(rc == 1, "every request failed: expected exit 1, got %d:\n%s", rc, out);
    assert_contains(out, "errors     5, connection 5");
    free(out);
    rc = shell_run(&out, 30, "'%s' --help", LOAD_EXE);
    itest_check(rc == 0, "--help: exit %d", rc);
    assert_contains(out, "Exit status: 0 when every measured request succeeded");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(bad_flags_exit_2_naming_them),
    ITEST_CASE(unanswered_target_exits_1),
};

ITEST_SUITE_MAIN(cases)
