/* What the monitoring suite's cases share beyond Prometheus' API (itest/prometheus.h): the
 * alerts it holds, and the drill (the `alertmanager` fixture's own
 * itest-mock, which only this suite touches: faults and exact counts need it) with the webhook
 * deliveries Alertmanager made to it. */
#ifndef MONITORING_PROM_H
#define MONITORING_PROM_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "itest/prometheus.h" /* the API itself */

/* The state ("pending", "firing") of the alert called name whose labels include every
 * "key=value" of labels (NULL-terminated), or NULL when it is inactive. */
const char *prom_alert_state(const char *name, const char *const *labels);

/* The drill service's root URL (task-registry, ...), valid until the next call of this thread;
 * skips the case when the monitoring fixtures do not run it (PROMETHEUS_URL / ALERTMANAGER_URL
 * name real ones). */
const char *drill_root(const char *service);

/* The drill database (the prometheus fixture's own cluster, which only this suite stops): its
 * url, port, log and the "stop" and "start" command lines (a copy the caller frees); skips when
 * there is none. */
cJSON *drill_database(void);

/* Where Alertmanager's webhook deliveries are read: GET {root}/__admin/hooks/alertmanager. */
const char *hooks_root(void);

/* The first delivery received at or after since (wall seconds) that holds an alert called name
 * with status ("firing" or "resolved") and every "key=value" of labels; that alert (a copy the
 * caller frees), or NULL. */
cJSON *hook_alert(double since, const char *name, const char *status, const char *const *labels);

/* The `for` of the loaded rules in seconds: the platform's divided by the fixture's scale. */
double prom_for_s(double platform_for_s);

/* Wall seconds, for comparing with delivery times. */
double wall_s(void);

#endif
