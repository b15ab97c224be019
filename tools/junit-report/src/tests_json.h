/* `ctest --show-only=json-v1` output: every registered test with its labels. It gives labels
 * to cases whose JUnit carries none (CTest 3.25's own JUnit), and the full list of tests to a
 * --split plan, including tests that have no recorded time yet. */
#ifndef REPORT_TESTS_JSON_H
#define REPORT_TESTS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct tests_json {
    char **names, **labels; /* labels "a;b", or "" */
    size_t n;
    uint32_t *slots;
    size_t nslots;
};

/* Returns 0, or -1 with "file[:line:col]: problem" in err. */
int tests_json_load(struct tests_json *t, const char *path, char *err, size_t errlen);
/* Gives every test without labels the labels listed for its name; returns how many got some. */
size_t tests_json_apply(const struct tests_json *t, struct model *m);
/* Index of a name, or -1. */
long tests_json_find(const struct tests_json *t, const char *name);
void tests_json_free(struct tests_json *t);

#endif
