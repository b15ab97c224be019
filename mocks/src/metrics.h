/* Request counters and a latency histogram per service, lock-free, served as Prometheus text
 * on GET /metrics. */
#ifndef MOCK_METRICS_H
#define MOCK_METRICS_H

#include <stddef.h>

struct mock_metrics;

struct mock_metrics *mock_metrics_new(void);
void mock_metrics_free(struct mock_metrics *m);
/* One finished request: its method, status (0: closed without one) and handling time. */
void mock_metrics_record(struct mock_metrics *m, const char *method, int status, double seconds);
/* The exposition text for service (malloc'd). requests_name is the request counter's name
 * (itest_mock_requests_total; another only under a mutation). */
char *mock_metrics_render(struct mock_metrics *m, const char *service, const char *requests_name,
                          size_t *len);

#endif
