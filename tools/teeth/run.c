/* Running the harness's programs; see run.h. */
#include "run.h"

#include "itest/child.h"

#include <stdio.h>

int teeth_run(char *const argv[], char *const env[], const char *log, double timeout_s, char *how,
              unsigned long howlen)
{
    struct itest_child c = {
        .argv = argv, .env = (const char *const *)env, .log = log, .timeout_s = timeout_s};
    struct itest_child_result r;
    char err[1024];
    if (itest_child_run(&r, &c, err, sizeof err) != 0)
        fprintf(stderr, "itest-teeth: %s\n", err);
    itest_child_describe(&r, timeout_s, how, howlen);
    return itest_child_status(&r);
}
