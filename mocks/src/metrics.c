#include "metrics.h"

#include "itest/clock.h"
#include "itest/file.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OTHER"};
#define N_METHODS (sizeof methods / sizeof methods[0])
#define N_STATUS 600
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

struct mock_metrics {
    _Atomic unsigned long long count[N_METHODS][N_STATUS];
    _Atomic unsigned long long bucket[N_BUCKETS + 1]; /* the last one is +Inf */
    _Atomic unsigned long long sum_us;
};

static _Atomic double started_s; /* the process's start, as the first service saw it */

struct mock_metrics *mock_metrics_new(void)
{
    double zero = 0;
    atomic_compare_exchange_strong(&started_s, &zero, (double)itest_wall_ns() / 1e9);
    return calloc(1, sizeof(struct mock_metrics));
}

/* The standard process metrics (those of Prometheus' client libraries), for the monitoring
 * area's resource thresholds: CPU, memory, file descriptors, start time. */
static void process_metrics(FILE *out)
{
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    unsigned long long pages_virtual = 0, pages_resident = 0;
    char err[128];
    char *statm = itest_read_file("/proc/self/statm", 256, NULL, err, sizeof err);
    if (statm && sscanf(statm, "%llu %llu", &pages_virtual, &pages_resident) != 2)
        pages_virtual = pages_resident = 0;
    free(statm);
    long page = sysconf(_SC_PAGESIZE);
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        fds += e->d_name[0] != '.';
    if (d) {
        closedir(d);
        fds--; /* the directory's own descriptor */
    }
    struct rlimit nofile = {0};
    getrlimit(RLIMIT_NOFILE, &nofile);
    fprintf(out,
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in "
            "seconds.\n"
            "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n",
            cpu, pages_resident * (unsigned long long)page,
            pages_virtual * (unsigned long long)page, fds < 0 ? 0 : fds,
            (unsigned long long)nofile.rlim_cur, atomic_load(&started_s));
}

void mock_metrics_free(struct mock_metrics *m)
{
    free(m);
}

static size_t method_index(const char *method)
{
    for (size_t i = 0; i + 1 < N_METHODS; i++)
        if (strcmp(methods[i], method) == 0)
            return i;
    return N_METHODS - 1;
}

void mock_metrics_record(struct mock_metrics *m, const char *method, int status, double seconds)
{
    if (status < 0 || status >= N_STATUS)
        status = 0;
    atomic_fetch_add_explicit(&m->count[method_index(method)][status], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&m->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

char *mock_metrics_render(struct mock_metrics *m, const char *service, const char *requests_name,
                          size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    fprintf(out,
            "# HELP %s Requests answered, by method and status (status 0: connection closed by "
            "a fault).\n"
            "# TYPE %s counter\n",
            requests_name, requests_name);
    for (size_t i = 0; i < N_METHODS; i++) {
        for (int s = 0; s < N_STATUS; s++) {
            unsigned long long n = atomic_load_explicit(&m->count[i][s], memory_order_relaxed);
            if (n) {
                fprintf(out, "%s{service=\"%s\",method=\"%s\",status=\"%d\"} %llu\n", requests_name,
                        service, methods[i], s, n);
            }
        }
    }
    fprintf(out, "# HELP itest_mock_request_duration_seconds Time from request to response.\n"
                 "# TYPE itest_mock_request_duration_seconds histogram\n");
    unsigned long long cumulative = 0;
    for (size_t b = 0; b <= N_BUCKETS; b++) {
        cumulative += atomic_load_explicit(&m->bucket[b], memory_order_relaxed);
        if (b < N_BUCKETS)
            fprintf(out,
                    "itest_mock_request_duration_seconds_bucket{service=\"%s\",le=\"%g\"} %llu\n",
                    service, buckets[b], cumulative);
        else
            fprintf(out,
                    "itest_mock_request_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} %llu\n",
                    service, cumulative);
    }
    fprintf(out, "itest_mock_request_duration_seconds_sum{service=\"%s\"} %.6f\n", service,
            (double)atomic_load(&m->sum_us) / 1e6);
    fprintf(out, "itest_mock_request_duration_seconds_count{service=\"%s\"} %llu\n", service,
            cumulative);
    process_metrics(out);
    fclose(out);
    *len = size;
    return text;
}
