/* itest-mock: the embedded default for every HTTP suite (Task Registry, Repo Pool, Artifact
 * Store, an OpenAI-compatible LLM), each on its own port, with an admin API under /__admin/. */
#include "admin.h"
#include "instance.h"
#include "itest/process.h"
#include "server.h"
#include "timer.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ITEST_VERSION
#define ITEST_VERSION "0"
#endif

static const char *const url_variables[MOCK_KINDS][2] = {{"TASK_REGISTRY_URL", NULL},
                                                         {"REPO_POOL_URL", NULL},
                                                         {"ARTIFACT_STORE_URL", NULL},
                                                         {"LLM_BASE_URL", "OPENAI_BASE_URL"}};

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: itest-mock [OPTION]...\n"
        "Mock servers for the platform's HTTP contracts, one port per service.\n"
        "\n"
        "  --service NAME         task-registry, repo-pool, artifact-store, llm or all\n"
        "                         (repeatable; default all)\n"
        "  --bind ADDR            numeric IPv4/IPv6 address to listen on (127.0.0.1)\n"
        "  --port N               first port; 0 gives each service an ephemeral one (0)\n"
        "  --state-file PATH      write {pid, services: {name: {url, port, pid}}} here,\n"
        "                         atomically, once every service accepts connections\n"
        "  --api-key KEY          LLM: require \"Authorization: Bearer KEY\"\n"
        "  --capacity N           repo pool: slots (8)\n"
        "  --max-artifact-bytes N artifact store: largest body, K/M/G suffixes (1G)\n"
        "  --max-records N        task registry: tasks + events + artifact records kept\n"
        "                         before POSTs answer 507 (200000)\n"
        "  --rules FILE           LLM reply rules (JSON; see docs/mocks.md)\n"
        "  --models LIST          LLM model ids, comma separated\n"
        "                         (gpt-4o-mini,gpt-4o,text-embedding-3-small)\n"
        "  --ttft-ms MS           LLM streaming: time to first token (0)\n"
        "  --chunk-delay-ms MS    LLM streaming: delay between chunks (0)\n"
        "  --faults FILE          faults active from the start (JSON array)\n"
        "  --log FILE             one line per request and per fault obeyed\n"
        "  --data-dir DIR         where large artifacts spill ($TMPDIR or /tmp)\n"
        "  --journal-size N       requests kept per service in the journal (4096)\n"
        "  --threads N            worker threads per service (number of CPUs)\n"
        "  --skip-configured      do not start a service whose URL variable is set\n"
        "                         (TASK_REGISTRY_URL, REPO_POOL_URL, ARTIFACT_STORE_URL,\n"
        "                         LLM_BASE_URL or OPENAI_BASE_URL)\n"
        "  --detach               run in the background; return once ready (needs\n"
        "                         --state-file)\n"
        "  --replace              first stop the instance --state-file names, if any\n"
        "  --stop                 stop the instance --state-file names, and exit\n"
        "  --help, --version\n"
        "\n"
        "SIGINT or SIGTERM shuts it down. Exit status: 0 ok, 1 failed to start, 2 bad usage.\n");
}

static bool parse_size(uint64_t *out, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        return false;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1ull << 10;
    else if (*end == 'M' || *end == 'm')
        mult = 1ull << 20;
    else if (*end == 'G' || *end == 'g')
        mult = 1ull << 30;
    if (mult > 1)
        end++;
    if (*end || v > UINT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

static bool parse_ms(double *out, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0 && v <= 3600e3))
        return false;
    *out = v;
    return true;
}

static int bad_value(const char *option, const char *value, const char *expected)
{
    fprintf(stderr, "itest-mock: %s %s: expected %s\n", option, value, expected);
    return 2;
}

/* Prints the services a state file lists, for the parent of --detach. */
static void print_state(const char *path)
{
    size_t len;
    char err[512];
    char *text = itest_read_file(path, &len, err, sizeof err);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *pid = cJSON_GetObjectItem(root, "pid");
    const cJSON *svc;
    cJSON_ArrayForEach(svc, cJSON_GetObjectItem(root, "services"))
    {
        printf("itest-mock: %s %s (pid %.0f)\n", svc->string,
               cJSON_GetStringValue(cJSON_GetObjectItem(svc, "url")),
               cJSON_IsNumber(pid) ? pid->valuedouble : 0);
    }
    cJSON_Delete(root);
    free(text);
}

/* --detach: the parent returns once the child is ready, relaying what the child printed. */
static int detach(int *ready_fd, const char *state_file)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("itest-mock: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("itest-mock: fork");
        return 1;
    }
    if (pid == 0) {
        close(fds[0]);
        setsid();
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO); /* startup errors reach the parent */
        close(null);
        *ready_fd = fds[1];
        return -1; /* the child carries on */
    }
    close(fds[1]);
    char buf[4096];
    bool ready = false;
    uint64_t deadline = mock_now_ns() + 30ull * 1000000000u;
    for (;;) {
        int left = (int)((deadline - mock_now_ns()) / 1000000u);
        struct pollfd p = {fds[0], POLLIN, 0};
        if (mock_now_ns() >= deadline || poll(&p, 1, left) == 0) {
            fprintf(stderr, "itest-mock: not ready within 30 s; stopping pid %d\n", (int)pid);
            kill(pid, SIGKILL);
            return 1;
        }
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0)
            break;
        const char *mark = memmem(buf, (size_t)n, "\x06READY\n", 7);
        if (mark) {
            fwrite(buf, 1, (size_t)(mark - buf), stderr);
            ready = true;
            break;
        }
        fwrite(buf, 1, (size_t)n, stderr);
    }
    close(fds[0]);
    if (!ready) {
        int status = 0;
        waitpid(pid, &status, 0);
        fprintf(stderr, "itest-mock: the background instance failed to start\n");
        return 1;
    }
    print_state(state_file);
    return 0;
}

int main(int argc, char **argv)
{
    struct mock_options o = {.bind = "127.0.0.1",
                             .capacity = 8,
                             .max_artifact_bytes = 1ull << 30,
                             .journal_size = 4096,
                             .threads = sysconf(_SC_NPROCESSORS_ONLN),
                             .max_records = 200000,
                             .models = "gpt-4o-mini,gpt-4o,text-embedding-3-small"};
    if (o.threads < 1)
        o.threads = 1;
    bool want[MOCK_KINDS] = {false}, any = false, skip_configured = false, do_detach = false,
         replace = false, stop = false;
    const char *state_file = NULL, *faults_file = NULL, *log_file = NULL;
    enum {
        OPT_SERVICE = 256,
        OPT_BIND,
        OPT_PORT,
        OPT_STATE,
        OPT_KEY,
        OPT_CAPACITY,
        OPT_MAX_BYTES,
        OPT_RULES,
        OPT_FAULTS,
        OPT_LOG,
        OPT_DATA,
        OPT_JOURNAL,
        OPT_THREADS,
        OPT_RECORDS,
        OPT_TTFT,
        OPT_CHUNK,
        OPT_MODELS,
        OPT_SKIP,
        OPT_DETACH,
        OPT_REPLACE,
        OPT_STOP,
        OPT_HELP,
        OPT_VERSION
    };
    static const struct option longs[] = {
        {"service", required_argument, 0, OPT_SERVICE},
        {"bind", required_argument, 0, OPT_BIND},
        {"port", required_argument, 0, OPT_PORT},
        {"state-file", required_argument, 0, OPT_STATE},
        {"api-key", required_argument, 0, OPT_KEY},
        {"capacity", required_argument, 0, OPT_CAPACITY},
        {"max-artifact-bytes", required_argument, 0, OPT_MAX_BYTES},
        {"max-records", required_argument, 0, OPT_RECORDS},
        {"rules", required_argument, 0, OPT_RULES},
        {"models", required_argument, 0, OPT_MODELS},
        {"ttft-ms", required_argument, 0, OPT_TTFT},
        {"chunk-delay-ms", required_argument, 0, OPT_CHUNK},
        {"faults", required_argument, 0, OPT_FAULTS},
        {"log", required_argument, 0, OPT_LOG},
        {"data-dir", required_argument, 0, OPT_DATA},
        {"journal-size", required_argument, 0, OPT_JOURNAL},
        {"threads", required_argument, 0, OPT_THREADS},
        {"skip-configured", no_argument, 0, OPT_SKIP},
        {"detach", no_argument, 0, OPT_DETACH},
        {"replace", no_argument, 0, OPT_REPLACE},
        {"stop", no_argument, 0, OPT_STOP},
        {"help", no_argument, 0, OPT_HELP},
        {"version", no_argument, 0, OPT_VERSION},
        {0, 0, 0, 0}};
    opterr = 0;
    int c;
    long long v;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case OPT_SERVICE:
            if (strcmp(optarg, "all") == 0) {
                for (int k = 0; k < MOCK_KINDS; k++)
                    want[k] = true;
            } else if (mock_kind_parse(optarg) >= 0) {
                want[mock_kind_parse(optarg)] = true;
            } else {
                return bad_value("--service", optarg,
                                 "task-registry, repo-pool, artifact-store, llm or all");
            }
            any = true;
            break;
        case OPT_BIND:
            o.bind = optarg;
            break;
        case OPT_PORT:
            if (!mock_parse_long(&v, optarg, 0, 65535))
                return bad_value("--port", optarg, "a port number 0..65535");
            o.port = (unsigned)v;
            break;
        case OPT_STATE:
            state_file = optarg;
            break;
        case OPT_KEY:
            if (!*optarg)
                return bad_value("--api-key", "''", "a non-empty key");
            o.api_key = optarg;
            break;
        case OPT_CAPACITY:
            if (!mock_parse_long(&v, optarg, 1, 100000))
                return bad_value("--capacity", optarg, "a slot count 1..100000");
            o.capacity = (long)v;
            break;
        case OPT_MAX_BYTES:
            if (!parse_size(&o.max_artifact_bytes, optarg) || o.max_artifact_bytes == 0)
                return bad_value("--max-artifact-bytes", optarg,
                                 "a positive size in bytes, with an optional K, M or G suffix");
            break;
        case OPT_RECORDS:
            if (!mock_parse_long(&v, optarg, 1, 100000000))
                return bad_value("--max-records", optarg, "a count 1..100000000");
            o.max_records = (long)v;
            break;
        case OPT_RULES:
            o.rules_path = optarg;
            break;
        case OPT_MODELS:
            if (!*optarg)
                return bad_value("--models", "''", "a comma-separated list of model ids");
            o.models = optarg;
            break;
        case OPT_TTFT:
            if (!parse_ms(&o.ttft_ms, optarg))
                return bad_value("--ttft-ms", optarg, "milliseconds 0..3600000");
            break;
        case OPT_CHUNK:
            if (!parse_ms(&o.chunk_delay_ms, optarg))
                return bad_value("--chunk-delay-ms", optarg, "milliseconds 0..3600000");
            break;
        case OPT_FAULTS:
            faults_file = optarg;
            break;
        case OPT_LOG:
            log_file = optarg;
            break;
        case OPT_DATA:
            o.data_dir = optarg;
            break;
        case OPT_JOURNAL:
            if (!mock_parse_long(&v, optarg, 1, 1000000))
                return bad_value("--journal-size", optarg, "a count 1..1000000");
            o.journal_size = (long)v;
            break;
        case OPT_THREADS:
            if (!mock_parse_long(&v, optarg, 1, 256))
                return bad_value("--threads", optarg, "a count 1..256");
            o.threads = (long)v;
            break;
        case OPT_SKIP:
            skip_configured = true;
            break;
        case OPT_DETACH:
            do_detach = true;
            break;
        case OPT_REPLACE:
            replace = true;
            break;
        case OPT_STOP:
            stop = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("itest-mock %s\n", ITEST_VERSION);
            return 0;
        default:
            if (optopt)
                fprintf(stderr, "itest-mock: option %s needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, "itest-mock: unknown option %s\n", argv[optind - 1]);
            fprintf(stderr, "Try 'itest-mock --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "itest-mock: unexpected argument %s\nTry 'itest-mock --help'.\n",
                argv[optind]);
        return 2;
    }
    if ((stop || replace || do_detach) && !state_file) {
        fprintf(stderr, "itest-mock: --%s needs --state-file\n",
                stop      ? "stop"
                : replace ? "replace"
                          : "detach");
        return 2;
    }
    if (stop)
        return mock_instance_stop(state_file, 10, 0) < 0 ? 1 : 0;
    if (replace && mock_instance_stop(state_file, 10, 1) > 0)
        fprintf(stderr, "itest-mock: stopped a previous instance left by %s\n", state_file);
    if (!any)
        for (int k = 0; k < MOCK_KINDS; k++)
            want[k] = true;
    if (skip_configured) {
        for (int k = 0; k < MOCK_KINDS; k++) {
            for (int i = 0; i < 2 && want[k]; i++) {
                const char *var = url_variables[k][i];
                const char *value = var ? getenv(var) : NULL;
                if (value && *value) {
                    printf("itest-mock: %s not started: %s is set\n", mock_kind_name(k), var);
                    want[k] = false;
                }
            }
        }
    }

    int ready_fd = -1;
    if (do_detach) {
        fflush(stdout);
        int rc = detach(&ready_fd, state_file);
        if (rc >= 0)
            return rc;
    }
    if (log_file) {
        o.log = fopen(log_file, "a");
        if (!o.log) {
            fprintf(stderr, "itest-mock: --log %s: %s\n", log_file, strerror(errno));
            return 1;
        }
    }
    /* many connections at once under load */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    /* spill directory of this instance */
    char *data_dir = NULL;
    const char *parent = o.data_dir ? o.data_dir : getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    mkdir(parent, 0700);
    if (asprintf(&data_dir, "%s/itest-mock-XXXXXX", parent) < 0 || !mkdtemp(data_dir)) {
        fprintf(stderr, "itest-mock: --data-dir %s: cannot create a directory: %s\n", parent,
                strerror(errno));
        return 1;
    }
    o.data_dir = data_dir;

    /* SIGINT/SIGTERM are taken by sigwait() below; every thread inherits the mask */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct mock_service services[MOCK_KINDS];
    size_t n = 0;
    int rc = 0;
    if (mock_timer_start() != 0) {
        fprintf(stderr, "itest-mock: cannot start the timer thread\n");
        rc = 1;
    }
    unsigned port = o.port;
    for (int k = 0; k < MOCK_KINDS && rc == 0; k++) {
        if (!want[k])
            continue;
        if (mock_service_start(&services[n], (enum mock_kind)k, &o, port) != 0) {
            mock_service_stop(&services[n]);
            rc = 1;
            break;
        }
        n++;
        if (port)
            port++;
    }
    if (rc == 0 && faults_file && mock_admin_load_faults(services, n, faults_file) != 0)
        rc = 1;
    if (rc == 0 && state_file && mock_instance_write(state_file, services, n, data_dir) != 0)
        rc = 1;
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            printf("itest-mock: %s %s\n", services[i].name, services[i].url);
        if (n == 0)
            printf("itest-mock: no service to start; every URL variable is set\n");
        fflush(stdout);
        mock_log(&o, "ready: %zu services, pid %d", n, (int)getpid());
    }
    if (ready_fd >= 0) {
        if (rc == 0)
            (void)!write(ready_fd, "\x06READY\n", 7);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        close(null);
        close(ready_fd);
    }
    if (rc == 0 && n > 0) {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        mock_log(&o, "signal %d: shutting down", sig);
    }
    mock_timer_stop(); /* resumes every delayed connection, so the daemons can stop */
    for (size_t i = 0; i < n; i++)
        mock_service_stop(&services[i]);
    if (state_file && rc == 0) {
        /* remove the state file only if it is still ours */
        FILE *in = fopen(state_file, "r");
        char text[4096] = "";
        if (in) {
            size_t got = fread(text, 1, sizeof text - 1, in);
            text[got] = '\0';
            fclose(in);
            cJSON *root = cJSON_Parse(text);
            const cJSON *pid = cJSON_GetObjectItem(root, "pid");
            if (cJSON_IsNumber(pid) && (pid_t)pid->valuedouble == getpid() && n > 0)
                unlink(state_file);
            cJSON_Delete(root);
        }
    }
    itest_remove_tree(data_dir);
    free(data_dir);
    if (o.log)
        fclose(o.log);
    return rc;
}
