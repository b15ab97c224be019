/* Children with a time limit (itest/child.h): output captured or logged, statuses, a program
 * that cannot start, environment changes, a time limit that ends the whole process group. */
#include "itest/check.h"
#include "itest/child.h"
#include "itest/file.h"
#include "itest/process.h"
#include "itest/suite.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs sh -c script; returns the result (output captured). */
static struct itest_child_result sh(const char *script, double timeout_s)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    struct itest_child c = {.argv = argv, .capture = true, .timeout_s = timeout_s};
    struct itest_child_result r;
    char err[512];
    itest_check(itest_child_run(&r, &c, err, sizeof err) == 0, "sh did not start: %s", err);
    return r;
}

static void output_and_exit_status(void **state)
{
    (void)state;
    struct itest_child_result r = sh("echo out; echo err >&2; exit 3", 10);
    assert_int_equal(r.exit_code, 3);
    assert_int_equal(itest_child_status(&r), 3);
    itest_check(strstr(r.output, "out\n") && strstr(r.output, "err\n"), "output: %s", r.output);
    char how[128];
    assert_string_equal(itest_child_describe(&r, 10, how, sizeof how), "exit 3");
    itest_child_result_free(&r);
    r = sh("kill -TERM $$", 10);
    assert_int_equal(r.signal, SIGTERM);
    assert_int_equal(itest_child_status(&r), 128 + SIGTERM);
    assert_non_null(strstr(itest_child_describe(&r, 10, how, sizeof how), "killed by signal 15"));
    itest_child_result_free(&r);
}

static void a_missing_program_is_not_a_failed_one(void **state)
{
    (void)state;
    char *argv[] = {"/nonexistent/itest-no-such-program", NULL};
    struct itest_child c = {.argv = argv, .capture = true};
    struct itest_child_result r;
    char err[512];
    assert_int_equal(itest_child_run(&r, &c, err, sizeof err), -1);
    assert_false(r.started);
    assert_int_equal(itest_child_status(&r), -1);
    itest_check(strstr(err, "cannot run /nonexistent/itest-no-such-program: No such file"), "%s",
                err);
    char *argv2[] = {"true", NULL};
    struct itest_child in_missing_dir = {.argv = argv2, .dir = "/nonexistent-dir"};
    assert_int_equal(itest_child_run(&r, &in_missing_dir, err, sizeof err), -1);
    itest_check(strstr(err, "/nonexistent-dir") != NULL, "%s", err);
}

/* The time limit ends the child and what it started in its group, and says so. */
static void the_time_limit_ends_the_group(void **state)
{
    (void)state;
    char pidfile[1100];
    snprintf(pidfile, sizeof pidfile, "%s/child-grandchild.pid", WORK_DIR);
    char script[1400];
    snprintf(script, sizeof script, "sleep 60 & echo $! > '%s'; wait", pidfile);
    struct itest_child_result r = sh(script, 0.5);
    assert_true(r.timed_out);
    assert_int_equal(itest_child_status(&r), 124);
    char how[128];
    assert_non_null(strstr(itest_child_describe(&r, 0.5, how, sizeof how), "hung"));
    itest_child_result_free(&r);
    pid_t grandchild = itest_process_read_pid_file(pidfile);
    itest_check(grandchild > 1, "no pid in %s", pidfile);
    itest_check(itest_process_wait_gone(grandchild, 5),
                "the grandchild %d outlived its group's time limit", (int)grandchild);
}

static void environment_changes_and_directory(void **state)
{
    (void)state;
    setenv("ITEST_CHILD_UNSET_ME", "still here", 1);
    char *argv[] = {"sh", "-c", "echo \"$ITEST_CHILD_A|${ITEST_CHILD_UNSET_ME-unset}|$(pwd)\"",
                    NULL};
    const char *env[] = {"ITEST_CHILD_A=set by the change", "ITEST_CHILD_UNSET_ME", NULL};
    struct itest_child c = {.argv = argv, .env = env, .dir = "/", .capture = true};
    struct itest_child_result r;
    char err[512];
    assert_int_equal(itest_child_run(&r, &c, err, sizeof err), 0);
    assert_string_equal(r.output, "set by the change|unset|/\n");
    itest_child_result_free(&r);
    unsetenv("ITEST_CHILD_UNSET_ME");
}

static void logs_are_appended_and_captures_bounded(void **state)
{
    (void)state;
    char log[1100];
    snprintf(log, sizeof log, "%s/child.log", WORK_DIR);
    unlink(log);
    char *argv[] = {"sh", "-c", "echo line", NULL};
    struct itest_child c = {.argv = argv, .log = log};
    struct itest_child_result r;
    char err[512];
    assert_int_equal(itest_child_run(&r, &c, err, sizeof err), 0);
    assert_int_equal(itest_child_run(&r, &c, err, sizeof err), 0);
    char *text = itest_read_file(log, 0, NULL, err, sizeof err);
    itest_check(text && strcmp(text, "line\nline\n") == 0, "the log holds: %s", text);
    free(text);
    char *big[] = {"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x", NULL};
    struct itest_child capped = {.argv = big, .capture = true, .capture_max = 1000};
    assert_int_equal(itest_child_run(&r, &capped, err, sizeof err), 0);
    assert_int_equal(r.output_len, 1000);
    assert_int_equal(r.output_dropped, 99000);
    itest_child_result_free(&r);
}

static void a_child_keeps_no_descriptor_of_ours(void **state)
{
    (void)state;
    int fd = open("/dev/null", O_RDONLY); /* inherited across exec unless the child closes it */
    assert_true(fd > 2);
    char script[64];
    snprintf(script, sizeof script, "test -e /proc/self/fd/%d && echo open || echo closed", fd);
    struct itest_child_result r = sh(script, 10);
    close(fd);
    itest_check(r.output && strcmp(r.output, "closed\n") == 0,
                "descriptor %d of the parent reached the child: %s", fd,
                r.output ? r.output : "(no output)");
    itest_child_result_free(&r);
}

static void programs_are_found_on_path(void **state)
{
    (void)state;
    char out[4096];
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "::/nonexistent:/bin:/usr/bin", 1);
    assert_int_equal(itest_find_on_path(out, sizeof out, "sh"), 0);
    assert_string_equal(out, "/bin/sh");
    assert_int_equal(itest_find_on_path(out, sizeof out, "itest-no-such-program"), -1);
    unsetenv("PATH"); /* execvp's default */
    assert_int_equal(itest_find_on_path(out, sizeof out, "sh"), 0);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
}

static const struct itest_case cases[] = {
    ITEST_CASE(output_and_exit_status),
    ITEST_CASE(a_missing_program_is_not_a_failed_one),
    ITEST_CASE(the_time_limit_ends_the_group),
    ITEST_CASE(environment_changes_and_directory),
    ITEST_CASE(logs_are_appended_and_captures_bounded),
    ITEST_CASE(a_child_keeps_no_descriptor_of_ours),
    ITEST_CASE(programs_are_found_on_path),
};

ITEST_SUITE_MAIN(cases)
