/* <DartMeasurement name="N" type="...">V</DartMeasurement> elements in a case's output text, as
 * CTest's measurement convention writes them, found in a stream of text pieces (an element may
 * be cut across pieces): each one found is handed to a callback. */
#ifndef REPORT_DART_H
#define REPORT_DART_H

#include <stddef.h>

#include "util.h"

struct dart_scan {
    struct buf pending; /* the start of an element not closed yet */
};

typedef void (*dart_found_fn)(void *arg, const char *name, size_t name_len, const char *value,
                              size_t value_len);

/* Scans the next piece of output text; calls found for each whole element. */
void dart_feed(struct dart_scan *d, const char *s, size_t n, dart_found_fn found, void *arg);
/* Forgets a half-seen element (a new case's output begins). */
void dart_reset(struct dart_scan *d);
void dart_free(struct dart_scan *d);

#endif
