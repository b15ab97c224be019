/* The monitoring suite (labels integration, monitoring): what the platform's monitoring relies
 * on, through Prometheus' HTTP API and the webhook Alertmanager delivers to; docs/monitoring.md. */
#include "cases.h"

#include "itest/suite.h"

static const struct itest_case cases[] = {
    ITEST_CASE(rules_read_served_metrics),         ITEST_CASE(monitoring_targets_up),
    ITEST_CASE(monitoring_contract_metrics_typed), ITEST_CASE(monitoring_counters_match_journal),
    ITEST_CASE(monitoring_histograms_consistent),  ITEST_CASE(monitoring_scrape_duration_bounded),
    ITEST_CASE(monitoring_error_ratio_alert),      ITEST_CASE(monitoring_target_down_alert),
    ITEST_CASE(monitoring_database_down_alert),
};

ITEST_SUITE_MAIN(cases)
