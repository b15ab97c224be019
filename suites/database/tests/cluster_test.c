/* itest-pg, the program behind the fixtures `postgres` and `pgbouncer`: each case runs it on a
 * work directory of its own, so these run in parallel with the suites. */
#include "shell.h"

#include "itest/check.h"
#include "itest/json.h"
#include "itest/pg.h"
#include "itest/process.h"
#include "itest/suite.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dirs {
    char root[64], work[128], state[128];
};

static struct dirs *make_dirs(void **state)
{
    struct dirs *d = calloc(1, sizeof *d);
    *state = d;
    snprintf(d->root, sizeof d->root, "/tmp/itest-pg-test-XXXXXX");
    itest_check(mkdtemp(d->root) != NULL, "mkdtemp failed");
    chmod(d->root, 0755); /* the server user must reach the work directory */
    snprintf(d->work, sizeof d->work, "%s/pg", d->root);
    snprintf(d->state, sizeof d->state, "%s/state", d->root);
    itest_check(mkdir(d->state, 0755) == 0, "mkdir %s failed", d->state);
    return d;
}

static int remove_dirs(void **state)
{
    struct dirs *d = *state;
    if (d) {
        char *out = NULL;
        shell_run(&out, 60, "'%s' stop postgres --work-dir %s --state-dir %s; rm -rf %s", PG_EXE,
                  d->work, d->state, d->root);
        free(out);
    }
    free(d);
    return 0;
}

static int pg(char **out, const struct dirs *d, const char *args)
{
    return shell_run(out, 120, "'%s' %s --work-dir %s --state-dir %s", PG_EXE, args, d->work,
                     d->state);
}

/* A state file the fixture wrote; fails the case when it is missing or not JSON. */
static cJSON *read_state(const struct dirs *d, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", d->state, file);
    char *text = read_file(path);
    itest_check(text != NULL, "%s is missing", path);
    cJSON *root = itest_json_parse_or_fail(text, strlen(text), path);
    free(text);
    return root;
}

/* A string member of a state file (malloc'd; "" when missing). */
static char *state_string(const struct dirs *d, const char *file, const char *member)
{
    cJSON *root = read_state(d, file);
    const char *v = NULL;
    itest_json_get_string(&v, root, member);
    char *copy = strdup(v ? v : "");
    cJSON_Delete(root);
    return copy;
}

/* A whole-number member of a state file (-1 when missing). */
static long state_number(const struct dirs *d, const char *file, const char *member)
{
    cJSON *root = read_state(d, file);
    long long v = -1;
    itest_json_get_int(&v, root, member);
    cJSON_Delete(root);
    return (long)v;
}

static void connect_port(int port, const char *db, bool expect_ok)
{
    char conninfo[256], err[2048];
    snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=%s user=itest", port, db);
    PGconn *c = itest_pg_open(conninfo, 5, NULL, err, sizeof err);
    if (c)
        PQfinish(c);
    if (expect_ok)
        itest_check(c != NULL, "port %d should answer: %s", port, err);
    else
        itest_check(c == NULL, "port %d still answers after the stop", port);
}

static void start_stop_leaves_nothing(void **state)
{
    struct dirs *d = make_dirs(state);
    char *out = NULL;
    int rc = pg(&out, d, "start postgres");
    itest_check(rc == 0, "start postgres exit %d:\n%s", rc, out);
    assert_contains(out, "ready at postgresql://itest@127.0.0.1:");
    free(out);
    rc = pg(&out, d, "start pgbouncer --pool-size 2");
    itest_check(rc == 0, "start pgbouncer exit %d:\n%s", rc, out);
    assert_contains(out, "transaction pooling, pool of 2");
    free(out);
    long pid = state_number(d, "postgres.json", "pid");
    long port = state_number(d, "postgres.json", "port");
    long bpid = state_number(d, "pgbouncer.json", "pid");
    long bport = state_number(d, "pgbouncer.json", "port");
    char *run_dir = state_string(d, "postgres.json", "run_dir");
    char *bouncer_dir = state_string(d, "pgbouncer.json", "dir");
    connect_port((int)port, "itest", true);
    connect_port((int)bport, "itest", true);

    rc = pg(&out, d, "stop pgbouncer");
    free(out);
    rc |= pg(&out, d, "stop postgres");
    itest_check(rc == 0, "stop exit %d:\n%s", rc, out);
    free(out);
    itest_check(!itest_process_alive((pid_t)pid) && !itest_process_alive((pid_t)bpid),
                "postgres %ld or pgbouncer %ld still runs after the stop", pid, bpid);
    connect_port((int)port, "itest", false);
    connect_port((int)bport, "itest", false);
    itest_check(access(run_dir, F_OK) != 0 && access(bouncer_dir, F_OK) != 0,
                "%s or %s is still there after the stop", run_dir, bouncer_dir);
    free(run_dir);
    free(bouncer_dir);
    rc = shell_run(&out, 10, "ls %s; ls %s", d->work, d->state);
    assert_not_contains(out, ".json");
    assert_contains(out, "template-pg"); /* the cache stays */
    free(out);
}

static void next_start_reaps_an_interrupted_run(void **state)
{
    struct dirs *d = make_dirs(state);
    char *out = NULL;
    int rc = pg(&out, d, "start postgres");
    free(out);
    rc |= pg(&out, d, "start pgbouncer");
    itest_check(rc == 0, "start exit %d:\n%s", rc, out);
    free(out);
    long pid = state_number(d, "postgres.json", "pid");
    long port = state_number(d, "postgres.json", "port");
    long bpid = state_number(d, "pgbouncer.json", "pid");
    char *run_dir = state_string(d, "postgres.json", "run_dir");
    /* The run is interrupted: nobody stops them. The next start reaps them. */
    rc = pg(&out, d, "start postgres");
    itest_check(rc == 0, "the second start exit %d:\n%s", rc, out);
    assert_contains(out, "stopped pgbouncer pid");
    assert_contains(out, "stopped postgres pid");
    free(out);
    itest_check(!itest_process_alive((pid_t)pid) && !itest_process_alive((pid_t)bpid),
                "the interrupted run's postgres %ld or pgbouncer %ld still runs", pid, bpid);
    connect_port((int)port, "itest", false);
    connect_port((int)state_number(d, "postgres.json", "port"), "itest", true);
    itest_check(access(run_dir, F_OK) != 0, "the interrupted run's %s is still there", run_dir);
    free(run_dir);
    rc = shell_run(&out, 10, "ls -d %s/bouncer-* 2>/dev/null | wc -l", d->work);
    itest_check(strcmp(out, "0\n") == 0, "the interrupted run's pgbouncer directory remains");
    free(out);
}

static void runs_as_an_ordinary_user(void **state)
{
    if (geteuid() != 0)
        itest_skip("this process is an ordinary user already: the other cases run itest-pg as "
                   "one");
    struct passwd *pw = getpwnam("postgres");
    itest_check(pw != NULL, "no postgres user");
    struct dirs *d = make_dirs(state);
    itest_check(chown(d->root, pw->pw_uid, pw->pw_gid) == 0 &&
                    chown(d->state, pw->pw_uid, pw->pw_gid) == 0,
                "chown %s failed", d->root);
    char *out = NULL;
    int rc = shell_run(&out, 120,
                       "runuser -u postgres -- '%s' start postgres --work-dir %s --state-dir %s",
                       PG_EXE, d->work, d->state);
    itest_check(rc == 0, "start postgres as the user postgres: exit %d:\n%s", rc, out);
    free(out);
    connect_port((int)state_number(d, "postgres.json", "port"), "itest", true);
    rc = shell_run(&out, 60,
                   "runuser -u postgres -- '%s' stop postgres --work-dir %s --state-dir %s", PG_EXE,
                   d->work, d->state);
    itest_check(rc == 0, "stop as the user postgres: exit %d:\n%s", rc, out);
    free(out);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    itest_check(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void broken_migration_names_file_line_column(void **state)
{
    struct dirs *d = make_dirs(state);
    char sql[256], path[300], *out = NULL, args[512];
    snprintf(sql, sizeof sql, "%s/sql", d->root);
    mkdir(sql, 0755);
    snprintf(path, sizeof path, "%s/001_first.sql", sql);
    write_text(path, "CREATE TABLE IF NOT EXISTS a (x int);\n");
    snprintf(path, sizeof path, "%s/002_broken.sql", sql);
    write_text(path, "-- a column of a type that does not exist\nCREATE TABLE b (\n    x int,\n"
                     "    y nosuchtype\n);\n");
    snprintf(args, sizeof args, "template --sql-dir %s", sql);
    int rc = pg(&out, d, args);
    itest_check(rc == 1, "a broken migration should fail the template (exit 1), exit %d:\n%s", rc,
                out);
    assert_contains(out, "002_broken.sql:4:7: type \"nosuchtype\" does not exist (SQLSTATE 42704)");
    free(out);

    snprintf(path, sizeof path, "%s/002_broken.sql", sql);
    remove(path);
    snprintf(path, sizeof path, "%s/no_version.sql", sql);
    write_text(path, "SELECT 1;\n");
    rc = pg(&out, d, args);
    itest_check(rc == 1, "a misnamed migration should fail (exit 1), exit %d:\n%s", rc, out);
    assert_contains(out, "no_version.sql: a migration is named <version>_<what>.sql");
    free(out);
}

static void bad_command_lines_are_refused(void **state)
{
    struct dirs *d = make_dirs(state);
    char *out = NULL;
    int rc = pg(&out, d, "start postgres --bindir /nonexistent");
    itest_check(rc == 1, "exit %d:\n%s", rc, out);
    assert_contains(out, "--bindir /nonexistent: no executable postgres and initdb there");
    free(out);
    static const char *const bad[][2] = {
        {"start", "start what? expected postgres or pgbouncer, got nothing"},
        {"start mysql", "expected postgres or pgbouncer, got mysql"},
        {"restart postgres", "expected a command: start, stop, template or migrate"},
        {"migrate postgres", "unexpected argument 'postgres'"},
        {"start postgres --max-connections 0",
         "--max-connections='0' is not a whole number 1..10000"},
        {"start postgres --pool-size", "--pool-size: unknown option, or its value is missing"},
        {"start postgres extra", "unexpected argument 'extra'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rc = shell_run(&out, 30, "'%s' %s", PG_EXE, bad[i][0]);
        itest_check(rc == 2, "itest-pg %s should exit 2, exit %d:\n%s", bad[i][0], rc, out);
        assert_contains(out, bad[i][1]);
        free(out);
    }
    /* migrate needs the database it migrates, and names one that does not answer */
    rc = shell_run(&out, 30, "env -u DATABASE_URL '%s' migrate", PG_EXE);
    itest_check(rc == 2, "itest-pg migrate without DATABASE_URL should exit 2, exit %d:\n%s", rc,
                out);
    assert_contains(out, "migrate: DATABASE_URL is unset");
    free(out);
    rc = shell_run(&out, 30,
                   "DATABASE_URL=postgresql://u:hunter22@127.0.0.1:1/db '%s' migrate --timeout 5",
                   PG_EXE);
    itest_check(rc == 1, "itest-pg migrate to a closed port should exit 1, exit %d:\n%s", rc, out);
    assert_contains(out, "migrate: DATABASE_URL: connecting to postgresql://u:***@127.0.0.1:1/db");
    assert_not_contains(out, "hunter22");
    free(out);
    rc = shell_run(&out, 30, "'%s' --help", PG_EXE);
    itest_check(rc == 0, "--help exit %d", rc);
    assert_contains(out, "Usage: itest-pg start|stop postgres|pgbouncer");
    free(out);
}

static const struct itest_case cases[] = {
    {.name = "start_stop_leaves_nothing", .fn = start_stop_leaves_nothing, .teardown = remove_dirs},
    {.name = "next_start_reaps_an_interrupted_run",
     .fn = next_start_reaps_an_interrupted_run,
     .teardown = remove_dirs},
    {.name = "runs_as_an_ordinary_user", .fn = runs_as_an_ordinary_user, .teardown = remove_dirs},
    {.name = "broken_migration_names_file_line_column",
     .fn = broken_migration_names_file_line_column,
     .teardown = remove_dirs},
    {.name = "bad_command_lines_are_refused",
     .fn = bad_command_lines_are_refused,
     .teardown = remove_dirs},
};

ITEST_SUITE_MAIN(cases)
