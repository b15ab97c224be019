/* itest-load: the fixture library's load generator from the command line, for benchmarks
 * (scripts/bench/load compares it with wrk) and for loading a service by hand. */
#include "itest/load.h"

#include "itest/number.h"
#include "itest/version.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 32
#define MAX_URLS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: itest-load [options] URL...\n"
            "Sends requests to the URLs (round-robin) and prints throughput, latency percentiles\n"
            "and errors by category.\n"
            "\n"
            "  -m, --model closed|open  closed: fixed concurrency (default); open: fixed rate,\n"
            "                           latency timed from when each request was due\n"
            "  -c, --connections N      closed: concurrency (10); open: most in flight (64)\n"
            "  -r, --rate R             open: requests per second\n"
            "  -d, --duration S         seconds to measure (10 unless --requests is given)\n"
            "  -n, --requests N         measured requests to send at most\n"
            "  -w, --warmup S           seconds of load before measuring (0)\n"
            "  -t, --threads N          threads (as many as CPUs, at most one per connection)\n"
            "      --timeout S          per request (30)\n"
            "  -X, --method M           GET (default), POST, PUT, PATCH, DELETE, HEAD\n"
            "  -H, --header 'N: V'      a request header (repeatable, up to %d)\n"
            "      --body TEXT          the request body\n"
            "      --expect STATUS      the status that counts as success (any 2xx)\n"
            "      --json               print the result as one JSON object\n"
            "  -h, --help               this text\n"
            "      --version            the version\n"
            "\n"
            "Exit status: 0 when every measured request succeeded, 1 when some failed, 2 for a\n"
            "bad command line or a run that could not start.\n",
            MAX_HEADERS);
}

static int bad(const char *opt, const char *value, const char *expected)
{
    return itest_usage_bad_value("itest-load", opt, value, expected);
}

static int parse_double(double *out, const char *opt, const char *value, double min)
{
    if (itest_parse_double(out, value, min, 1e12) != 0)
        return bad(opt, value, min > 0 ? "a number > 0" : "a number >= 0");
    return 0;
}

static int parse_long(long *out, const char *opt, const char *value, long min, long max)
{
    long long v;
    if (itest_parse_long(&v, value, min, max) != 0) {
        char expected[64];
        snprintf(expected, sizeof expected, "a whole number %ld..%ld", min, max);
        return bad(opt, value, expected);
    }
    *out = (long)v;
    return 0;
}

static void print_text(const struct itest_load_result *r, const struct itest_load_options *o)
{
    printf("model %s, %d connections%s, %.3f s measured\n",
           o->model == ITEST_LOAD_OPEN ? "open" : "closed", o->connections,
           o->model == ITEST_LOAD_OPEN ? " at most" : "", r->elapsed_s);
    printf("requests   %llu (%llu ok, %llu in warm-up)\n", (unsigned long long)r->completed,
           (unsigned long long)r->ok, (unsigned long long)r->warmup);
    printf("throughput %.1f req/s\n", r->throughput);
    printf("latency    p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.3f ms\n",
           itest_stats_percentile(r->latency_ms, 50), itest_stats_percentile(r->latency_ms, 95),
           itest_stats_percentile(r->latency_ms, 99), itest_stats_max(r->latency_ms));
    if (o->model == ITEST_LOAD_OPEN)
        printf("schedule   %llu never sent, longest wait for a connection %.3f ms\n",
               (unsigned long long)r->unsent, r->max_lag_s * 1000.0);
    printf("errors     %llu", (unsigned long long)itest_load_error_count(r));
    for (int k = 0; k < ITEST_LOAD_ERR_COUNT; k++)
        if (r->errors[k])
            printf(", %s %llu", itest_load_error_name(k), (unsigned long long)r->errors[k]);
    printf("%s%s\n", r->first_error[0] ? "; first: " : "", r->first_error);
}

static void print_json(const struct itest_load_result *r)
{
    printf("{\"requests\": %llu, \"ok\": %llu, \"warmup\": %llu, \"elapsed_s\": %.6f, "
           "\"throughput_rps\": %.3f, \"error_rate\": %.6f, \"p50_ms\": %.4f, \"p95_ms\": %.4f, "
           "\"p99_ms\": %.4f, \"max_ms\": %.4f, \"unsent\": %llu, \"max_lag_ms\": %.4f, "
           "\"errors\": {",
           (unsigned long long)r->completed, (unsigned long long)r->ok,
           (unsigned long long)r->warmup, r->elapsed_s, r->throughput, r->error_rate,
           itest_stats_percentile(r->latency_ms, 50), itest_stats_percentile(r->latency_ms, 95),
           itest_stats_percentile(r->latency_ms, 99), itest_stats_max(r->latency_ms),
           (unsigned long long)r->unsent, r->max_lag_s * 1000.0);
    for (int k = ITEST_LOAD_ERR_CONNECTION; k < ITEST_LOAD_ERR_COUNT; k++)
        printf("%s\"%s\": %llu", k > ITEST_LOAD_ERR_CONNECTION ? ", " : "",
               itest_load_error_name(k), (unsigned long long)r->errors[k]);
    printf("}}\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},    {"connections", required_argument, NULL, 'c'},
        {"rate", required_argument, NULL, 'r'},     {"duration", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'}, {"warmup", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'},  {"timeout", required_argument, NULL, 'T'},
        {"method", required_argument, NULL, 'X'},   {"header", required_argument, NULL, 'H'},
        {"body", required_argument, NULL, 'b'},     {"expect", required_argument, NULL, 'e'},
        {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0}};
    struct itest_load_options o = {.model = ITEST_LOAD_CLOSED, .timeout_s = 30, .no_scope = true};
    const char *headers[MAX_HEADERS + 1] = {NULL};
    int n_headers = 0;
    const char *method = NULL, *body = NULL;
    bool json = false, duration_set = false;
    long v;
    int c, rc;
    while ((c = getopt_long(argc, argv, "m:c:r:d:n:w:t:X:H:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (strcmp(optarg, "closed") == 0)
                o.model = ITEST_LOAD_CLOSED;
            else if (strcmp(optarg, "open") == 0)
                o.model = ITEST_LOAD_OPEN;
            else
                return bad("--model", optarg, "closed or open");
            break;
        case 'c':
            if ((rc = parse_long(&v, "--connections", optarg, 1, 10000)))
                return rc;
            o.connections = (int)v;
            break;
        case 'r':
            if ((rc = parse_double(&o.rate, "--rate", optarg, 1e-9)))
                return rc;
            break;
        case 'd':
            if ((rc = parse_double(&o.duration_s, "--duration", optarg, 1e-9)))
                return rc;
            duration_set = true;
            break;
        case 'n':
            if ((rc = parse_long(&v, "--requests", optarg, 1, 1000000000L)))
                return rc;
            o.max_requests = (uint64_t)v;
            break;
        case 'w':
            if ((rc = parse_double(&o.warmup_s, "--warmup", optarg, 0)))
                return rc;
            break;
        case 't':
            if ((rc = parse_long(&v, "--threads", optarg, 1, 64)))
                return rc;
            o.threads = (int)v;
            break;
        case 'T':
            if ((rc = parse_double(&o.timeout_s, "--timeout", optarg, 1e-3)))
                return rc;
            break;
        case 'X':
            method = optarg;
            break;
        case 'H':
            if (n_headers == MAX_HEADERS)
                return bad("--header", optarg, "within the limit of headers (32)");
            if (!strchr(optarg, ':'))
                return bad("--header", optarg, "a header 'Name: value'");
            headers[n_headers++] = optarg;
            break;
        case 'b':
            body = optarg;
            break;
        case 'e':
            if ((rc = parse_long(&v, "--expect", optarg, 100, 599)))
                return rc;
            o.expect_status = v;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("itest-load %s\n", ITEST_VERSION);
            return 0;
        default:
            return 2;
        }
    }
    int n_urls = argc - optind;
    if (n_urls < 1 || n_urls > MAX_URLS) {
        fprintf(stderr, "itest-load: give 1..%d URLs (try --help)\n", MAX_URLS);
        return 2;
    }
    if (o.model == ITEST_LOAD_OPEN && o.rate <= 0) {
        fprintf(stderr, "itest-load: --model open needs --rate (try --help)\n");
        return 2;
    }
    if (o.model == ITEST_LOAD_CLOSED && o.connections == 0)
        o.connections = 10;
    if (!duration_set && o.max_requests == 0)
        o.duration_s = 10;
    struct itest_load_request reqs[MAX_URLS];
    for (int i = 0; i < n_urls; i++)
        reqs[i] = (struct itest_load_request){.method = method,
                                              .url = argv[optind + i],
                                              .headers = n_headers ? headers : NULL,
                                              .body = body,
                                              .body_len = body ? strlen(body) : 0};
    o.requests = reqs;
    o.n_requests = (size_t)n_urls;

    curl_global_init(CURL_GLOBAL_ALL);
    struct itest_load_result res;
    char err[256];
    if (itest_load_run(&res, &o, err, sizeof err) != 0) {
        fprintf(stderr, "itest-load: %s\n", err);
        return 2;
    }
    if (json)
        print_json(&res);
    else
        print_text(&res, &o);
    rc = res.completed > 0 && res.ok == res.completed ? 0 : 1;
    itest_load_result_free(&res);
    curl_global_cleanup();
    return rc;
}
