#include "target.h"

#include "run.h"

#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/pg_client.h"
#include "itest/platform.h"
#include "itest/process.h"

#include <errno.h>
#include <signal.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int pg(const struct teeth_tools *t, const char *work, const char *verb, const char *what,
              const char *extra)
{
    char state[4200], dir[4200], log[4300];
    snprintf(state, sizeof state, "%s/pg-state", work);
    snprintf(dir, sizeof dir, "%s/pg", work);
    snprintf(log, sizeof log, "%s/itest-pg.log", state);
    mkdir(state, 0755);
    char *argv[12] = {(char *)t->pg, (char *)verb, (char *)what, "--state-dir",
                      state,         "--work-dir", dir,          "--quiet"};
    int n = 8;
    if (extra) {
        argv[n++] = "--pool-size";
        argv[n++] = (char *)extra;
    }
    argv[n] = NULL;
    char why[128];
    int rc = teeth_run(argv, NULL, log, 180, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "itest-teeth: itest-pg %s %s: %s (see %s)\n", verb, what, why, log);
        return -1;
    }
    return 0;
}

int target_db_start(const struct teeth_tools *t, const char *work, int pool_size)
{
    char size[16];
    snprintf(size, sizeof size, "%d", pool_size);
    return pg(t, work, "start", "postgres", NULL) == 0 &&
                   pg(t, work, "start", "pgbouncer", size) == 0
               ? 0
               : -1;
}

int target_db_stop(const struct teeth_tools *t, const char *work)
{
    return pg(t, work, "stop", "postgres", NULL);
}

int target_db_get(const char *work, const char *file, const char *member, char *out, size_t len)
{
    char path[4200], err[4400];
    snprintf(path, sizeof path, "%s/pg-state/%s", work, file);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, sizeof err);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, member));
    if (v)
        snprintf(out, len, "%s", v);
    else
        fprintf(stderr, "itest-teeth: %s\n", root ? "no such member" : err);
    cJSON_Delete(root);
    return v ? 0 : -1;
}

int target_worker_init(const char *work, const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "itest-teeth: mkdir %s: %s\n", dir, strerror(errno));
        return -1;
    }
    const char *files[] = {"postgres.json", "pgbouncer.json"};
    for (size_t i = 0; i < 2; i++) {
        char from[4200], to[4200];
        snprintf(from, sizeof from, "%s/pg-state/%s", work, files[i]);
        snprintf(to, sizeof to, "%s/%s", dir, files[i]);
        unlink(to);
        if (symlink(from, to) != 0) {
            fprintf(stderr, "itest-teeth: symlink %s: %s\n", to, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Runs one itest-mock instance of the given services (NULL: all) with state file state. */
static int mock_instance(const struct teeth_tools *t, const char *dir, const char *state,
                         const char *faults_file, const char *mutate, const char *const *only,
                         size_t nonly)
{
    char log[4200], requests[4200];
    snprintf(log, sizeof log, "%s/mock.log", dir);
    snprintf(requests, sizeof requests, "%s/mock-requests.log", dir);
    char *argv[40] = {(char *)t->mock,
                      "--state-file",
                      (char *)state,
                      "--data-dir",
                      (char *)dir,
                      "--log",
                      requests,
                      "--rules",
                      (char *)t->rules,
                      "--capacity",
                      "16",
                      "--api-key",
                      "itest-mock-key",
                      "--threads",
                      "2",
                      "--replace",
                      "--detach",
                      "--vector-api-key",
                      "itest-mock-vector-key"};
    int n = 19;
    if (faults_file) {
        argv[n++] = "--faults";
        argv[n++] = (char *)faults_file;
    }
    if (mutate) {
        argv[n++] = "--mutate";
        argv[n++] = (char *)mutate;
    }
    if (t->seeds) {
        argv[n++] = "--seeds";
        argv[n++] = (char *)t->seeds;
    }
    for (size_t i = 0; i < nonly; i++) {
        argv[n++] = "--service";
        argv[n++] = (char *)only[i];
    }
    argv[n] = NULL;
    char why[128];
    int rc = teeth_run(argv, NULL, log, 60, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "itest-teeth: itest-mock: %s (see %s)\n", why, log);
        return -1;
    }
    return 0;
}

static void stop_instance(const struct teeth_tools *t, const char *dir, const char *state)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/mock.log", dir);
    char *argv[] = {(char *)t->mock, "--stop", "--state-file", (char *)state, NULL};
    char why[128];
    teeth_run(argv, NULL, log, 60, why, sizeof why);
}

/* Adds down's services (from a stopped instance's state file) to dir/mocks.json. */
static int merge_down(const char *dir, const char *down_state)
{
    char path[4200], err[4400];
    snprintf(path, sizeof path, "%s/mocks.json", dir);
    cJSON *live =
        access(path, F_OK) == 0 ? itest_json_load_file(path, 0, NULL, err, sizeof err) : NULL;
    cJSON *dead = itest_json_load_file(down_state, 0, NULL, err, sizeof err);
    if (!dead) {
        fprintf(stderr, "itest-teeth: %s\n", err);
        cJSON_Delete(live);
        return -1;
    }
    if (!live) { /* every service down: the dead instance's state file as it was */
        live = dead;
        dead = NULL;
    } else {
        cJSON *services = cJSON_GetObjectItemCaseSensitive(live, "services");
        cJSON *gone = cJSON_GetObjectItemCaseSensitive(dead, "services");
        for (cJSON *s = gone ? gone->child : NULL; s; s = s->next)
            cJSON_AddItemToObject(services, s->string, cJSON_Duplicate(s, true));
    }
    char *text = cJSON_Print(live);
    int rc = itest_write_file_atomic(path, text, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "itest-teeth: %s\n", err);
    free(text);
    cJSON_Delete(live);
    cJSON_Delete(dead);
    return rc;
}

int target_mock_start(const struct teeth_tools *t, const char *dir, const struct target_mock *m)
{
    const char *faults = m->faults, *down = m->down;
    char state[4200], faults_file[4200];
    snprintf(state, sizeof state, "%s/mocks.json", dir);
    unlink(state);
    if (faults) {
        snprintf(faults_file, sizeof faults_file, "%s/faults.json", dir);
        FILE *f = fopen(faults_file, "w");
        if (!f || fputs(faults, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "itest-teeth: cannot write %s\n", faults_file);
            return -1;
        }
    }
    if (!down)
        return mock_instance(t, dir, state, faults ? faults_file : NULL, m->mutate, NULL, 0);

    /* The service that is down ran once, so that its URL is a real, now closed, port. */
    bool all = strcmp(down, "all") == 0;
    const char *dead[ITEST_SERVICE_COUNT], *alive[ITEST_SERVICE_COUNT];
    size_t ndead = 0, nalive = 0;
    for (int i = 0; i < ITEST_SERVICE_COUNT; i++) {
        const char *name = itest_service_name((enum itest_service)i);
        if (all || strcmp(down, name) == 0)
            dead[ndead++] = name;
        else
            alive[nalive++] = name;
    }
    char down_state[4200];
    snprintf(down_state, sizeof down_state, "%s/down.json", dir);
    char kept[4300];
    snprintf(kept, sizeof kept, "%s.kept", down_state);
    if (mock_instance(t, dir, down_state, NULL, NULL, dead, ndead) != 0)
        return -1;
    /* --stop removes the state file: keep a copy of what it said */
    if (link(down_state, kept) != 0 && errno != EEXIST)
        return -1;
    stop_instance(t, dir, down_state);
    rename(kept, down_state);
    if (nalive &&
        mock_instance(t, dir, state, faults ? faults_file : NULL, m->mutate, alive, nalive) != 0)
        return -1;
    return merge_down(dir, down_state);
}

void target_mock_stop(const struct teeth_tools *t, const char *dir)
{
    char state[4200];
    snprintf(state, sizeof state, "%s/mocks.json", dir);
    stop_instance(t, dir, state);
    unlink(state);
}

/* Opens every server connection of the pooler in a transaction, so that none is free. */
int target_db_hold_pool(const char *work, PGconn **held, int n)
{
    char url[1024], err[1024];
    if (target_db_get(work, "pgbouncer.json", "url", url, sizeof url) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        held[i] = itest_pg_client_open(url, &(struct itest_pg_open_options){.timeout_s = 10}, err,
                                       sizeof err);
        PGresult *res = held[i] ? PQexec(held[i], "BEGIN; SELECT pg_backend_pid()") : NULL;
        bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (!ok) {
            fprintf(stderr, "itest-teeth: holding pooled connection %d: %s\n", i + 1,
                    held[i] ? PQerrorMessage(held[i]) : err);
            return -1;
        }
    }
    return 0;
}

int target_db_doctor(const char *work, const char *sql)
{
    char conninfo[4200], err[1024];
    if (target_db_get(work, "postgres.json", "socket_conninfo", conninfo, sizeof conninfo) != 0)
        return -1;
    PGconn *c = itest_pg_client_open(conninfo, &(struct itest_pg_open_options){.timeout_s = 10},
                                     err, sizeof err);
    PGresult *res = c ? PQexec(c, sql) : NULL;
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "itest-teeth: doctoring the schema with %s: %s\n", sql,
                c ? PQerrorMessage(c) : err);
    PQclear(res);
    PQfinish(c);
    return ok ? 0 : -1;
}

/* The pid a state file records at key ("nginx.pid", "pid"), or 0. */
static pid_t state_pid(const char *path, const char *key)
{
    char err[4400];
    cJSON *root = itest_json_load_file(path, 0, NULL, err, sizeof err);
    double pid = 0;
    itest_json_get_number(&pid, root, key);
    cJSON_Delete(root);
    return (pid_t)pid;
}

int target_gateway_start(const struct teeth_tools *t, const char *dir, const char *server,
                         const char *faults)
{
    if (!t->gateway) {
        fprintf(stderr, "itest-teeth: a gateway fault needs --gateway (itest-gateway-fixture)\n");
        return -1;
    }
    char log[4200], faults_file[4200], spec[4400];
    snprintf(log, sizeof log, "%s/gateway-fixture.log", dir);
    char *argv[16] = {(char *)t->gateway, "start",   "--state-dir",    (char *)dir, "--mock",
                      (char *)t->mock,    "--rules", (char *)t->rules, "--quiet"};
    int n = 9;
    if (faults) {
        snprintf(faults_file, sizeof faults_file, "%s/gateway-faults.json", dir);
        char err[4400];
        if (itest_write_file_atomic(faults_file, faults, err, sizeof err) != 0) {
            fprintf(stderr, "itest-teeth: %s\n", err);
            return -1;
        }
        snprintf(spec, sizeof spec, "%s=%s", server, faults_file);
        argv[n++] = "--backend-faults";
        argv[n++] = spec;
    }
    argv[n] = NULL;
    char why[128];
    if (teeth_run(argv, NULL, log, 60, why, sizeof why) != 0) {
        fprintf(stderr, "itest-teeth: itest-gateway-fixture: %s (see %s)\n", why, log);
        return -1;
    }
    if (faults)
        return 0;
    char state[4300];
    pid_t pid;
    if (strcmp(server, "nginx") == 0) {
        snprintf(state, sizeof state, "%s/gateway.json", dir);
        pid = state_pid(state, "nginx.pid");
    } else {
        snprintf(state, sizeof state, "%s/gateway-%s.json", dir, server);
        pid = state_pid(state, "pid");
    }
    /* nginx's workers go with its master only if the whole group is killed: the fixture
     * starts each server as the leader of a session (and group) of its own */
    if (pid < 2 || kill(strcmp(server, "nginx") == 0 ? -pid : pid, SIGKILL) != 0 ||
        !itest_process_wait_gone(pid, 10)) {
        fprintf(stderr, "itest-teeth: the gateway fixture's %s (%s) could not be stopped\n", server,
                state);
        return -1;
    }
    return 0;
}

void target_gateway_stop(const struct teeth_tools *t, const char *dir)
{
    if (!t->gateway)
        return;
    char log[4200];
    snprintf(log, sizeof log, "%s/gateway-fixture.log", dir);
    char *argv[] = {(char *)t->gateway, "stop",          "--state-dir", (char *)dir,
                    "--mock",           (char *)t->mock, "--quiet",     NULL};
    char why[128];
    teeth_run(argv, NULL, log, 60, why, sizeof why);
}
