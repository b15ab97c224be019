/* --split N: a timing-balanced plan of N shards from recorded durations (longest first, each
 * into the shard with the least time so far), written as one test name per line
 * (shard-K.txt) and as an anchored regular expression for `ctest -R` (shard-K.regex). */
#ifndef REPORT_SPLIT_H
#define REPORT_SPLIT_H

#include <stddef.h>

#include "model.h"
#include "tests_json.h"

/* tests: the --tests-json list or NULL; its tests without a recorded time count with the
 * median of the recorded ones. Prints the plan's summary to `summary`. Returns 0 or -1. */
int split_write(const struct model *m, const struct tests_json *tests, size_t shards,
                const char *dir, FILE *summary);

#endif
