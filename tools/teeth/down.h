/* itest-teeth --targets-down: with every target down (first the fixtures' servers stopped, their
 * state files naming closed ports; then URL variables naming servers that do not answer) no
 * case of any suite may pass; each fails, or skips saying why. */
#ifndef ITEST_TEETH_DOWN_H
#define ITEST_TEETH_DOWN_H

#include "check.h"
#include "target.h"

#include <stddef.h>

/* Runs both rounds, prints and (when summary_path is not NULL) writes the verdict. Returns 0
 * when no case passed and none skipped silently, 1 otherwise. */
int teeth_targets_down(const struct teeth_tools *tools, const struct teeth_suite *suites,
                       size_t nsuites, const char *work, const char *summary_path);

/* Writes text to path (atomically); 0, or -1 with the reason printed. */
int teeth_write_summary(const char *path, const char *text);

#endif
