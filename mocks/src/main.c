/* itest-mock: the embedded default for every HTTP suite (Task Registry, Repo Pool, Artifact
 * Store, an OpenAI-compatible LLM), each on its own port, with an admin API under /__admin/.
 * main() reads the command line into struct mock_cli, then stops, or starts the services. */
#include "admin.h"
#include "instance.h"
#include "mutations.h"
#include "proxy.h"
#include "replay.h"
#include "server.h"
#include "timer.h"

#include "itest/clock.h"
#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/number.h"
#include "itest/platform.h"
#include "itest/redact.h"
#include "itest/state.h"
#include "itest/version.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "itest-mock"

/* Which routes each service answers with: the services' and the admin API's. */
static const struct mock_routes *const service_routes[ITEST_SERVICE_COUNT] = {
    [ITEST_TASK_REGISTRY] = &mock_task_registry_routes,
    [ITEST_REPO_POOL] = &mock_repo_pool_routes,
    [ITEST_ARTIFACT_STORE] = &mock_artifact_store_routes,
    [ITEST_LLM] = &mock_llm_routes,
    [ITEST_VECTOR] = &mock_vector_routes,
};

/* What the command line asks for. */
struct mock_cli {
    struct mock_options o;
    bool want[ITEST_SERVICE_COUNT];
    bool skip_configured, detach, replace, stop;
    const char *state_file, *faults_file, *log_file, *reap_root, *ignore_file;
    cJSON *ignore_rules;              /* --replay-ignore's file */
    bool mutate[MOCK_MUTATION_COUNT]; /* --mutate: planted in every service they apply to */
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: itest-mock [OPTION]...\n"
        "Mock servers for the platform's HTTP contracts, one port per service.\n"
        "\n"
        "  --service NAME         task-registry, repo-pool, artifact-store, llm, vector\n"
        "                         or all\n"
        "                         (repeatable; default all)\n"
        "  --bind ADDR            numeric IPv4/IPv6 address to listen on (127.0.0.1)\n"
        "  --port N               first port; 0 gives each service an ephemeral one (0)\n"
        "  --state-file PATH      write {pid, services: {name: {url, port, pid}}} here,\n"
        "                         atomically, once every service accepts connections\n"
        "  --api-key KEY          LLM: require \"Authorization: Bearer KEY\"\n"
        "  --capacity N           repo pool: slots (8)\n"
        "  --repos DIR            repo pool: serve the bare repositories NAME.git in DIR; a\n"
        "                         slot of one gets a working tree cloned from it (path),\n"
        "                         removed when the slot is released or expires\n"
        "  --seeds DIR            repo pool: first make each directory of DIR a bare\n"
        "                         repository NAME.git with one commit on main (in --repos\n"
        "                         DIR, else in the data directory, removed at exit)\n"
        "  --max-artifact-bytes N artifact store: largest body, K/M/G suffixes (1G)\n"
        "  --max-records N        task registry: tasks + events + artifact records kept\n"
        "                         before POSTs answer 507 (200000)\n"
        "  --vector-api-key KEY   vector store: require the header \"api-key: KEY\"\n"
        "                         (or \"Authorization: Bearer KEY\")\n"
        "  --max-points N         vector store: points kept in all collections before\n"
        "                         upserts answer 507 (200000)\n"
        "  --admin-token TOKEN    the admin API (/__admin/...) requires \"X-Itest-Admin-Token:\n"
        "                         TOKEN\" or \"Authorization: Bearer TOKEN\" (default:\n"
        "                         $ITEST_MOCK_ADMIN_TOKEN); without one, binding beyond\n"
        "                         loopback warns: anyone reaching the port could steer it\n"
        "  --rules FILE           LLM reply rules (JSON; see docs/mocks.md)\n"
        "  --llm-profile FILE     LLM: behave as the server a profile describes (its\n"
        "                         capabilities off: refused, ignored or left out)\n"
        "  --models LIST          LLM model ids, comma separated\n"
        "                         (" ITEST_MOCK_MODELS ")\n"
        "  --ttft-ms MS           LLM streaming: time to first token (0)\n"
        "  --chunk-delay-ms MS    LLM streaming: delay between chunks (0)\n"
        "  --proxy SERVICE=URL    forward every request of SERVICE to a real one at URL\n"
        "                         (repeatable); streams pass through as they arrive\n"
        "  --record DIR           write each forwarded exchange to a cassette,\n"
        "                         DIR/SERVICE/CASE.jsonl (credentials redacted)\n"
        "  --replay DIR           answer each service that has cassettes in DIR/SERVICE\n"
        "                         from them; a request with none answers 598 replay_miss\n"
        "                         naming the closest recording and the difference\n"
        "  --replay-speed X       answers and streams at X times their recorded pace (each\n"
        "                         answer as late as the target's was, each event as it\n"
        "                         came); 0: at once (1)\n"
        "  --replay-miss MODE     fail (598, the default) or proxy (forward to --proxy's\n"
        "                         URL, and record it with --record)\n"
        "  --replay-ignore FILE   {\"ignore\": [NAME, ...]}: body members left out when\n"
        "                         matching (ids, timestamps that vary per run)\n"
        "  --proxy-remote-clients forward for clients beyond loopback too (the proxy\n"
        "                         carries real credentials; loopback only by default)\n"
        "                         ITEST_RECORD=DIR / ITEST_REPLAY=DIR with\n"
        "                         --skip-configured: proxy and record each configured\n"
        "                         service / replay it (docs/record-replay.md)\n"
        "  --faults FILE          faults active from the start (JSON array)\n"
        "  --mutate NAME[,NAME]   break these contract clauses while answering normally\n"
        "                         otherwise (repeatable; see --list-mutations)\n"
        "  --list-mutations       print every mutation: name, service, what it does\n"
        "  --log FILE             one line per request and per fault obeyed\n"
        "  --data-dir DIR         where large artifacts spill ($TMPDIR or /tmp)\n"
        "  --journal-size N       requests kept per service in the journal (4096)\n"
        "  --threads N            worker threads per service (number of CPUs)\n"
        "  --skip-configured      do not start a service whose URL variable is set\n"
        "                         (TASK_REGISTRY_URL, REPO_POOL_URL, ARTIFACT_STORE_URL,\n"
        "                         LLM_BASE_URL, OPENAI_BASE_URL or VECTOR_DB_URL)\n"
        "  --detach               run in the background; return once ready (needs\n"
        "                         --state-file)\n"
        "  --replace              first stop the instance --state-file names, if any\n"
        "  --reap-stale ROOT      first stop the instances of runs that have ended below\n"
        "                         ROOT (ROOT/run-*/mocks.json: an interrupted ctest run)\n"
        "  --stop                 stop the instance --state-file names, and exit\n"
        "  --help, --version\n"
        "\n"
        "SIGINT or SIGTERM shuts it down. Exit status: 0 ok, 1 failed to start, 2 bad usage.\n");
}

static int bad(const char *option, const char *value, const char *expected)
{
    return itest_usage_bad_value(PROGRAM, option, value, expected);
}

/* A whole number option in [min, max] into *out. Returns 0, or 2 after saying why. */
static int whole(long *out, const char *option, const char *value, long min, long max,
                 const char *expected)
{
    long long v;
    if (itest_parse_long(&v, value, min, max) != 0)
        return bad(option, value, expected);
    *out = (long)v;
    return 0;
}

/* --mutate: a comma-separated list of names. Returns 0, or 2 after naming the unknown one. */
static int parse_mutations(struct mock_cli *cli, const char *list)
{
    char *copy = strdup(list);
    int rc = copy && *copy ? 0 : bad("--mutate", list, "a comma-separated list of mutations");
    for (char *save = NULL, *name = copy ? strtok_r(copy, ",", &save) : NULL; name && rc == 0;
         name = strtok_r(NULL, ",", &save)) {
        int m = mock_mutation_parse(name);
        if (m < 0)
            rc = bad("--mutate", name, "a mutation itest-mock knows (itest-mock --list-mutations)");
        else
            cli->mutate[m] = true;
    }
    free(copy);
    return rc;
}

static void list_mutations(void)
{
    for (int m = 0; m < MOCK_MUTATION_COUNT; m++) {
        const struct mock_mutation_info *i = mock_mutation_info((enum mock_mutation)m);
        printf("%s\t%s\t%s\n", i->name, i->service < 0 ? "all" : itest_service_name(i->service),
               i->what);
    }
}

/* --proxy SERVICE=URL. Returns 0, or 2 after saying why. */
static int parse_proxy(struct mock_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : 0, arg);
    int k = eq ? itest_service_parse(name) : -1;
    if (k < 0)
        return bad("--proxy", arg,
                   "SERVICE=URL, SERVICE one of task-registry, repo-pool, artifact-store, llm, "
                   "vector");
    if (strncmp(eq + 1, "http://", 7) != 0 && strncmp(eq + 1, "https://", 8) != 0)
        return bad("--proxy", arg, "SERVICE=URL with an http:// or https:// URL");
    o->proxy_url[k] = eq + 1;
    return 0;
}

/* ITEST_RECORD / ITEST_REPLAY with --skip-configured: each configured service is proxied and
 * recorded, or replayed; then the options must agree. Returns -1 to go on, or 2 after saying
 * why. */
static int check_record_replay(struct mock_cli *cli)
{
    struct mock_options *o = &cli->o;
    const char *record = getenv(ITEST_RECORD_VARIABLE), *replay = getenv(ITEST_REPLAY_VARIABLE);
    if (cli->skip_configured && record && *record && !o->record_dir) {
        o->record_dir = record;
        for (int k = 0; k < ITEST_SERVICE_COUNT; k++) {
            const char *var = itest_service_configured_variable((enum itest_service)k);
            if (cli->want[k] && var && !o->proxy_url[k])
                o->proxy_url[k] = getenv(var);
        }
        bool any = false;
        for (int k = 0; k < ITEST_SERVICE_COUNT; k++)
            any = any || o->proxy_url[k];
        if (!any)
            printf(PROGRAM ": %s is set, but no service's URL variable is: nothing to record (the "
                           "mocks answer)\n",
                   ITEST_RECORD_VARIABLE);
    }
    if (cli->skip_configured && replay && *replay && !o->replay_dir)
        o->replay_dir = replay;
    bool proxied = false;
    for (int k = 0; k < ITEST_SERVICE_COUNT; k++)
        proxied = proxied || o->proxy_url[k];
    if (o->record_dir && !proxied && !(record && *record && cli->skip_configured)) {
        fprintf(stderr, PROGRAM ": --record needs --proxy SERVICE=URL: what to record\n");
        return 2;
    }
    if (o->replay_miss_proxy && !proxied) {
        fprintf(stderr, PROGRAM ": --replay-miss proxy needs --proxy SERVICE=URL: where to\n");
        return 2;
    }
    struct stat st;
    if (o->replay_dir && (stat(o->replay_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, PROGRAM ": --replay %s: %s\n", o->replay_dir,
                errno == ENOENT ? "no such directory" : "not a directory of cassettes");
        return 2;
    }
    if (cli->ignore_file) {
        char err[4400];
        cli->ignore_rules = itest_json_load_file(cli->ignore_file, 0, NULL, err, sizeof err);
        const cJSON *names = cJSON_GetObjectItemCaseSensitive(cli->ignore_rules, "ignore");
        bool names_ok = cJSON_IsArray(names);
        const cJSON *n;
        cJSON_ArrayForEach(n, names)
        {
            names_ok = names_ok && cJSON_IsString(n) && *n->valuestring;
        }
        if (!cli->ignore_rules) {
            fprintf(stderr, PROGRAM ": --replay-ignore %s\n", err);
            return 2;
        }
        if (!names_ok) {
            fprintf(stderr,
                    PROGRAM ": --replay-ignore %s: expected {\"ignore\": [\"name\", ...]}, the "
                            "body members to leave out when matching\n",
                    cli->ignore_file);
            return 2;
        }
        o->replay_ignore = names;
    }
    /* the suites' own secrets, should a target echo one back before a request carried it */
    static const char *const secrets[] = {"OPENAI_API_KEY", "QDRANT_API_KEY",
                                          ITEST_MOCK_ADMIN_TOKEN_VARIABLE};
    for (size_t i = 0; proxied && o->record_dir && i < sizeof secrets / sizeof *secrets; i++)
        if (getenv(secrets[i]) && *getenv(secrets[i]))
            itest_secret_add(getenv(secrets[i]));
    if (proxied && o->threads < 16)
        o->threads = 16; /* a forwarded request holds a worker until the target's headers */
    return -1;
}

/* Reads argv into *cli. Returns -1 to go on, else the exit status (0 for --help/--version). */
static int parse_cli(struct mock_cli *cli, int argc, char **argv)
{
    struct mock_options *o = &cli->o;
    *o = (struct mock_options){.bind = "127.0.0.1",
                               .capacity = 8,
                               .max_artifact_bytes = 1ull << 30,
                               .journal_size = 4096,
                               .threads = sysconf(_SC_NPROCESSORS_ONLN),
                               .max_records = 200000,
                               .max_points = 200000,
                               .models = ITEST_MOCK_MODELS,
                               .replay_speed = 1};
    const char *token = getenv(ITEST_MOCK_ADMIN_TOKEN_VARIABLE);
    if (token && *token)
        o->admin_token = token;
    if (o->threads < 1)
        o->threads = 1;
    enum {
        OPT_SERVICE = 256,
        OPT_BIND,
        OPT_PORT,
        OPT_STATE,
        OPT_KEY,
        OPT_CAPACITY,
        OPT_REPOS,
        OPT_SEEDS,
        OPT_MAX_BYTES,
        OPT_RULES,
        OPT_FAULTS,
        OPT_MUTATE,
        OPT_LIST_MUTATIONS,
        OPT_LOG,
        OPT_DATA,
        OPT_JOURNAL,
        OPT_THREADS,
        OPT_RECORDS,
        OPT_VECTOR_KEY,
        OPT_ADMIN_TOKEN,
        OPT_MAX_POINTS,
        OPT_TTFT,
        OPT_CHUNK,
        OPT_MODELS,
        OPT_PROFILE,
        OPT_PROXY,
        OPT_RECORD,
        OPT_REPLAY,
        OPT_REPLAY_SPEED,
        OPT_REPLAY_MISS,
        OPT_REPLAY_IGNORE,
        OPT_PROXY_REMOTE,
        OPT_SKIP,
        OPT_DETACH,
        OPT_REPLACE,
        OPT_REAP,
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
        {"repos", required_argument, 0, OPT_REPOS},
        {"seeds", required_argument, 0, OPT_SEEDS},
        {"max-artifact-bytes", required_argument, 0, OPT_MAX_BYTES},
        {"max-records", required_argument, 0, OPT_RECORDS},
        {"vector-api-key", required_argument, 0, OPT_VECTOR_KEY},
        {"admin-token", required_argument, 0, OPT_ADMIN_TOKEN},
        {"max-points", required_argument, 0, OPT_MAX_POINTS},
        {"rules", required_argument, 0, OPT_RULES},
        {"models", required_argument, 0, OPT_MODELS},
        {"llm-profile", required_argument, 0, OPT_PROFILE},
        {"ttft-ms", required_argument, 0, OPT_TTFT},
        {"chunk-delay-ms", required_argument, 0, OPT_CHUNK},
        {"faults", required_argument, 0, OPT_FAULTS},
        {"mutate", required_argument, 0, OPT_MUTATE},
        {"list-mutations", no_argument, 0, OPT_LIST_MUTATIONS},
        {"log", required_argument, 0, OPT_LOG},
        {"data-dir", required_argument, 0, OPT_DATA},
        {"journal-size", required_argument, 0, OPT_JOURNAL},
        {"threads", required_argument, 0, OPT_THREADS},
        {"proxy", required_argument, 0, OPT_PROXY},
        {"record", required_argument, 0, OPT_RECORD},
        {"replay", required_argument, 0, OPT_REPLAY},
        {"replay-speed", required_argument, 0, OPT_REPLAY_SPEED},
        {"replay-miss", required_argument, 0, OPT_REPLAY_MISS},
        {"replay-ignore", required_argument, 0, OPT_REPLAY_IGNORE},
        {"proxy-remote-clients", no_argument, 0, OPT_PROXY_REMOTE},
        {"skip-configured", no_argument, 0, OPT_SKIP},
        {"detach", no_argument, 0, OPT_DETACH},
        {"replace", no_argument, 0, OPT_REPLACE},
        {"reap-stale", required_argument, 0, OPT_REAP},
        {"stop", no_argument, 0, OPT_STOP},
        {"help", no_argument, 0, OPT_HELP},
        {"version", no_argument, 0, OPT_VERSION},
        {0, 0, 0, 0}};
    opterr = 0;
    bool any = false;
    int c, rc = 0;
    long v = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case OPT_SERVICE:
            if (strcmp(optarg, "all") == 0) {
                for (int k = 0; k < ITEST_SERVICE_COUNT; k++)
                    cli->want[k] = true;
            } else if (itest_service_parse(optarg) >= 0) {
                cli->want[itest_service_parse(optarg)] = true;
            } else {
                return bad("--service", optarg,
                           "one of task-registry, repo-pool, artifact-store, llm, vector, all");
            }
            any = true;
            break;
        case OPT_BIND:
            o->bind = optarg;
            break;
        case OPT_PORT:
            rc = whole(&v, "--port", optarg, 0, 65535, "a port number 0..65535");
            o->port = (unsigned)v;
            break;
        case OPT_STATE:
            cli->state_file = optarg;
            break;
        case OPT_KEY:
            if (!*optarg)
                return bad("--api-key", optarg, "a non-empty key");
            o->api_key = optarg;
            break;
        case OPT_CAPACITY:
            rc = whole(&o->capacity, "--capacity", optarg, 1, 100000, "a slot count 1..100000");
            break;
        case OPT_MAX_BYTES:
            if (itest_parse_size(&o->max_artifact_bytes, optarg, 1, UINT64_MAX) != 0)
                return bad("--max-artifact-bytes", optarg,
                           "a positive size in bytes, with an optional K, M or G suffix");
            break;
        case OPT_RECORDS:
            rc = whole(&o->max_records, "--max-records", optarg, 1, 100000000,
                       "a count 1..100000000");
            break;
        case OPT_VECTOR_KEY:
            if (!*optarg)
                return bad("--vector-api-key", optarg, "a non-empty key");
            o->vector_api_key = optarg;
            break;
        case OPT_ADMIN_TOKEN:
            if (!*optarg)
                return bad("--admin-token", optarg, "a non-empty token");
            o->admin_token = optarg;
            break;
        case OPT_MAX_POINTS:
            rc =
                whole(&o->max_points, "--max-points", optarg, 1, 100000000, "a count 1..100000000");
            break;
        case OPT_RULES:
            o->rules_path = optarg;
            break;
        case OPT_MODELS:
            if (!*optarg)
                return bad("--models", optarg, "a comma-separated list of model ids");
            o->models = optarg;
            break;
        case OPT_PROFILE:
            o->llm_profile = optarg;
            break;
        case OPT_TTFT:
            if (itest_parse_double(&o->ttft_ms, optarg, 0, 3600e3) != 0)
                return bad("--ttft-ms", optarg, "milliseconds 0..3600000");
            break;
        case OPT_CHUNK:
            if (itest_parse_double(&o->chunk_delay_ms, optarg, 0, 3600e3) != 0)
                return bad("--chunk-delay-ms", optarg, "milliseconds 0..3600000");
            break;
        case OPT_FAULTS:
            cli->faults_file = optarg;
            break;
        case OPT_MUTATE:
            rc = parse_mutations(cli, optarg);
            break;
        case OPT_LIST_MUTATIONS:
            list_mutations();
            return 0;
        case OPT_LOG:
            cli->log_file = optarg;
            break;
        case OPT_DATA:
            o->data_dir = optarg;
            break;
        case OPT_REPOS:
            o->repos_dir = optarg;
            break;
        case OPT_SEEDS:
            o->seeds_dir = optarg;
            break;
        case OPT_JOURNAL:
            rc =
                whole(&o->journal_size, "--journal-size", optarg, 1, 1000000, "a count 1..1000000");
            break;
        case OPT_THREADS:
            rc = whole(&o->threads, "--threads", optarg, 1, 256, "a count 1..256");
            break;
        case OPT_PROXY:
            rc = parse_proxy(o, optarg);
            break;
        case OPT_RECORD:
            if (!*optarg)
                return bad("--record", optarg, "a directory");
            o->record_dir = optarg;
            break;
        case OPT_REPLAY:
            if (!*optarg)
                return bad("--replay", optarg, "a directory of cassettes");
            o->replay_dir = optarg;
            break;
        case OPT_REPLAY_SPEED:
            if (itest_parse_double(&o->replay_speed, optarg, 0, 1000) != 0)
                return bad("--replay-speed", optarg, "a factor 0..1000 (0: at once)");
            break;
        case OPT_REPLAY_MISS:
            if (strcmp(optarg, "fail") != 0 && strcmp(optarg, "proxy") != 0)
                return bad("--replay-miss", optarg, "fail or proxy");
            o->replay_miss_proxy = strcmp(optarg, "proxy") == 0;
            break;
        case OPT_REPLAY_IGNORE:
            cli->ignore_file = optarg;
            break;
        case OPT_PROXY_REMOTE:
            o->proxy_remote_clients = true;
            break;
        case OPT_SKIP:
            cli->skip_configured = true;
            break;
        case OPT_DETACH:
            cli->detach = true;
            break;
        case OPT_REPLACE:
            cli->replace = true;
            break;
        case OPT_REAP:
            cli->reap_root = optarg;
            break;
        case OPT_STOP:
            cli->stop = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("itest-mock %s\n", ITEST_VERSION);
            return 0;
        default:
            if (optopt)
                fprintf(stderr, PROGRAM ": option %s needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, PROGRAM ": unknown option %s\n", argv[optind - 1]);
            fprintf(stderr, "Try 'itest-mock --help'.\n");
            return 2;
        }
    }
    if (rc != 0)
        return rc;
    if (optind < argc) {
        fprintf(stderr, PROGRAM ": unexpected argument %s\nTry 'itest-mock --help'.\n",
                argv[optind]);
        return 2;
    }
    if ((cli->stop || cli->replace || cli->detach) && !cli->state_file) {
        fprintf(stderr, PROGRAM ": --%s needs --state-file\n",
                cli->stop      ? "stop"
                : cli->replace ? "replace"
                               : "detach");
        return 2;
    }
    if (!any)
        for (int k = 0; k < ITEST_SERVICE_COUNT; k++)
            cli->want[k] = true;
    return check_record_replay(cli);
}

/* Prints the services a state file lists, for the parent of --detach. */
static void print_state(const char *path)
{
    char err[512];
    cJSON *root = itest_state_read(path, NULL, err, sizeof err);
    const cJSON *pid = cJSON_GetObjectItem(root, "pid");
    const cJSON *svc;
    cJSON_ArrayForEach(svc, cJSON_GetObjectItem(root, "services"))
    {
        printf(PROGRAM ": %s %s (pid %.0f)\n", svc->string,
               cJSON_GetStringValue(cJSON_GetObjectItem(svc, "url")),
               cJSON_IsNumber(pid) ? pid->valuedouble : 0);
    }
    cJSON_Delete(root);
}

/* --detach: the parent returns once the child is ready, relaying what the child printed.
 * Returns the parent's exit status, or -1 in the child (which carries on). */
static int detach(int *ready_fd, const char *state_file)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror(PROGRAM ": pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror(PROGRAM ": fork");
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
        return -1;
    }
    close(fds[1]);
    char buf[4096];
    bool ready = false;
    uint64_t deadline = itest_now_ns() + 30ull * 1000000000u;
    for (;;) {
        int left = (int)((deadline - itest_now_ns()) / 1000000u);
        struct pollfd p = {fds[0], POLLIN, 0};
        if (itest_now_ns() >= deadline || poll(&p, 1, left) == 0) {
            fprintf(stderr, PROGRAM ": not ready within 30 s; stopping pid %d\n", (int)pid);
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
        fprintf(stderr, PROGRAM ": the background instance failed to start\n");
        return 1;
    }
    print_state(state_file);
    return 0;
}

/* True when --replay's directory holds cassettes of service k. */
static bool has_cassettes(const struct mock_options *o, enum itest_service k)
{
    char dir[4096];
    struct stat st;
    if (!o->replay_dir)
        return false;
    snprintf(dir, sizeof dir, "%s/%s", o->replay_dir, itest_service_name(k));
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The routes service k answers with: from its cassettes, through a proxy, or the mock's. */
static const struct mock_routes *routes_of(const struct mock_options *o, enum itest_service k,
                                           const char **mode)
{
    if (has_cassettes(o, k)) {
        *mode = "replay";
        return &mock_replay_routes;
    }
    if (o->proxy_url[k]) {
        *mode = "proxy";
        return &mock_proxy_routes;
    }
    if (o->replay_dir)
        printf(PROGRAM ": %s: no cassettes in %s/%s; the mock answers\n", itest_service_name(k),
               o->replay_dir, itest_service_name(k));
    *mode = "mock";
    return service_routes[k];
}

/* --record: the run number the suites put into unique names (ITEST_RUN_FILE), made once per
 * cassette directory so that every case recorded into it agrees with its replay. */
static int make_run_file(const char *dir)
{
    char err[4400], path[4096];
    if (itest_make_dirs(dir, 0755, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": --record %s\n", err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, ITEST_RUN_FILE);
    if (access(path, F_OK) == 0)
        return 0;
    char text[96];
    snprintf(text, sizeof text, "{\"run\": %ld}\n", (long)time(NULL) % 1000000000);
    if (itest_write_file_atomic(path, text, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": --record %s\n", err);
        return -1;
    }
    return 0;
}

/* --skip-configured: a service whose URL variable names a real deployment is not started. */
static void skip_configured(struct mock_cli *cli)
{
    for (int k = 0; k < ITEST_SERVICE_COUNT; k++) {
        const char *var = cli->want[k] ? itest_service_configured_variable(k) : NULL;
        if (var && (cli->o.proxy_url[k] || has_cassettes(&cli->o, (enum itest_service)k)))
            continue; /* recorded through a proxy, or replayed */
        if (var) {
            printf(PROGRAM ": %s not started: %s is set\n", itest_service_name(k), var);
            cli->want[k] = false;
        }
    }
}

/* The spill directory of this instance, below --data-dir, $TMPDIR or /tmp (malloc'd). */
static char *make_data_dir(const char *given)
{
    const char *parent = given ? given : getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    char err[512];
    char *dir = NULL;
    if (itest_make_dirs(parent, 0700, err, sizeof err) != 0 ||
        asprintf(&dir, "%s/itest-mock-XXXXXX", parent) < 0 || !mkdtemp(dir)) {
        fprintf(stderr, PROGRAM ": --data-dir %s: cannot create a directory: %s\n", parent,
                strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

/* Starts the wanted services, serves until a stop signal, stops them. Returns the exit status. */
static int serve(struct mock_cli *cli, int ready_fd, const sigset_t *stop_signals)
{
    struct mock_options *o = &cli->o;
    struct mock_service services[ITEST_SERVICE_COUNT];
    size_t n = 0;
    int rc = 0;
    if (mock_timer_start() != 0) {
        fprintf(stderr, PROGRAM ": cannot start the timer thread\n");
        rc = 1;
    }
    unsigned port = o->port;
    for (int k = 0; k < ITEST_SERVICE_COUNT && rc == 0; k++) {
        if (!cli->want[k])
            continue;
        const char *mode = "mock";
        const struct mock_routes *routes = routes_of(o, (enum itest_service)k, &mode);
        if (mock_service_init(&services[n], (enum itest_service)k, routes, &mock_admin_routes, o) !=
                0 ||
            mock_service_listen(&services[n], port) != 0) {
            mock_service_stop(&services[n]);
            rc = 1;
            break;
        }
        services[n++].mode = mode;
        if (port)
            port++;
    }
    if (rc == 0 && cli->faults_file && mock_admin_load_faults(services, n, cli->faults_file) != 0)
        rc = 1;
    for (int m = 0; rc == 0 && m < MOCK_MUTATION_COUNT; m++)
        for (size_t i = 0; cli->mutate[m] && i < n; i++)
            if (mock_mutation_applies((enum mock_mutation)m, services[i].kind)) {
                mock_mutation_set_add(services[i].mutations, (enum mock_mutation)m, NULL);
                mock_log(o, "%s mutation %s planted: %s", services[i].name,
                         mock_mutation_info((enum mock_mutation)m)->name,
                         mock_mutation_info((enum mock_mutation)m)->what);
            }
    if (rc == 0 && cli->state_file &&
        mock_instance_write(cli->state_file, services, n, o->data_dir) != 0)
        rc = 1;
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            printf(PROGRAM ": %s %s\n", services[i].name, services[i].url);
        if (n == 0)
            printf(PROGRAM ": no service to start; every URL variable is set\n");
        fflush(stdout);
        mock_log(o, "ready: %zu services, pid %d", n, (int)getpid());
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
        sigwait(stop_signals, &sig);
        mock_log(o, "signal %d: shutting down", sig);
    }
    mock_timer_stop(); /* resumes every delayed connection, so the daemons can stop */
    for (size_t i = 0; i < n; i++)
        mock_service_stop(&services[i]);
    /* remove the state file only if it is still ours */
    if (cli->state_file && rc == 0 && n > 0 && mock_instance_is_ours(cli->state_file))
        unlink(cli->state_file);
    return rc;
}

/* Everything after the command line: stop, or reap, claim, detach and serve. */
/* True when addr (numeric, as --bind takes it) is a loopback address: 127.0.0.0/8 or ::1 (also
 * as ::ffff:127.x.y.z). */
static bool loopback(const char *addr)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, addr, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return false;
}

static int run(struct mock_cli *cli)
{
    if (cli->stop)
        return mock_instance_stop(cli->state_file, 10, 0) < 0 ? 1 : 0;
    if (cli->reap_root)
        mock_instance_reap_ended(cli->reap_root);
    if (cli->replace && mock_instance_stop(cli->state_file, 10, 1) > 0)
        fprintf(stderr, PROGRAM ": stopped a previous instance left by %s\n", cli->state_file);
    if (cli->skip_configured)
        skip_configured(cli);
    if (!cli->o.admin_token && !loopback(cli->o.bind))
        fprintf(stderr,
                PROGRAM ": warning: listening on %s without --admin-token: anyone who reaches "
                        "the ports can register faults and mutations, read the journal (request "
                        "bodies) and reset every service\n",
                cli->o.bind);
    char err[4400];
    if (cli->state_file) {
        /* the run the state file belongs to is ours (our parent's: ctest's) */
        char *dir = strdup(cli->state_file);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *slash = '\0';
        int claimed = slash ? itest_state_claim(dir, err, sizeof err) : 0;
        free(dir);
        if (claimed != 0) {
            fprintf(stderr, PROGRAM ": --state-file %s: %s\n", cli->state_file, err);
            return 1;
        }
    }
    int ready_fd = -1;
    if (cli->detach) {
        fflush(stdout);
        int rc = detach(&ready_fd, cli->state_file);
        if (rc >= 0)
            return rc;
    }
    if (cli->log_file) {
        cli->o.log = fopen(cli->log_file, "a");
        if (!cli->o.log) {
            fprintf(stderr, PROGRAM ": --log %s: %s\n", cli->log_file, strerror(errno));
            return 1;
        }
    }
    /* many connections at once under load */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (cli->o.record_dir && make_run_file(cli->o.record_dir) != 0)
        return 1;
    char *data_dir = make_data_dir(cli->o.data_dir);
    if (!data_dir)
        return 1;
    cli->o.data_dir = data_dir;
    /* SIGINT/SIGTERM are taken by sigwait(); every thread inherits the mask */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = serve(cli, ready_fd, &stop_signals);
    itest_remove_tree(data_dir);
    free(data_dir);
    if (cli->o.log)
        fclose(cli->o.log);
    return rc;
}

int main(int argc, char **argv)
{
    struct mock_cli cli = {0};
    int rc = parse_cli(&cli, argc, argv);
    if (rc < 0)
        rc = run(&cli);
    cJSON_Delete(cli.ignore_rules);
    return rc;
}
