/* The monitoring suite's cases, one file per area. */
#ifndef MONITORING_CASES_H
#define MONITORING_CASES_H

void rules_read_served_metrics(void **state);
void monitoring_targets_up(void **state);
void monitoring_contract_metrics_typed(void **state);
void monitoring_counters_match_journal(void **state);
void monitoring_histograms_consistent(void **state);
void monitoring_scrape_duration_bounded(void **state);
void monitoring_error_ratio_alert(void **state);
void monitoring_target_down_alert(void **state);
void monitoring_database_down_alert(void **state);

#endif
