/* A previous --json report, read back to compare with: which cases failed then, how long
 * each took. Only its "cases" array is used. */
#ifndef REPORT_BASELINE_H
#define REPORT_BASELINE_H

#include <stddef.h>
#include <stdint.h>

struct baseline_entry {
    char *id;
    int outcome; /* enum outcome */
    double seconds;
    int has_seconds;
};

struct baseline {
    char *path;
    struct baseline_entry *entries;
    size_t n;
    uint32_t *slots;
    size_t nslots;
};

/* Returns 0, or -1 with "file[:line:col]: problem" in err. */
int baseline_load(struct baseline *b, const char *path, char *err, size_t errlen);
const struct baseline_entry *baseline_find(const struct baseline *b, const char *id);
void baseline_free(struct baseline *b);

#endif
