/* The JSON files itest-report reads (rules, a baseline report, ctest's test list): read whole,
 * parsed by cJSON, a syntax error reported as file:line:column. */
#ifndef REPORT_JSON_FILE_H
#define REPORT_JSON_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Returns the parsed document, or NULL with "path[:line:col]: problem" in err. */
cJSON *json_file_load(const char *path, char *err, size_t errlen);

#endif
