/* Failure categories: built-in rules (regular expressions over the failure text, first match
 * wins) that users extend or override with a JSON file, and the signature that groups
 * failures differing only in numbers, ids, ports and temporary paths. */
#ifndef REPORT_CLASSIFY_H
#define REPORT_CLASSIFY_H

#include <stddef.h>

#include "util.h"

struct category {
    char *name, *severity, *fix;
};

struct classifier {
    struct category *cats;
    size_t ncats, capcats;
    struct rule *rules; /* user rules first, then the built-ins */
    size_t nrules, caprules;
    int assertion, other; /* the fallbacks: failure text that no rule matched, no text at all */
};

void classifier_init(struct classifier *c);
void classifier_free(struct classifier *c);
/* Reads user rules: {"rules": [{"pattern", "category", "severity"?, "fix"?, "field"?}]} or a
 * bare array of them. They are tried before the built-ins, in file order. Returns 0, or -1
 * with "file:line:column: problem" in err. */
int classifier_load(struct classifier *c, const char *path, char *err, size_t errlen);
/* The category of a failure: the rules see the message, then (if none matched) the body and
 * the output. Never fails: a <failure> nothing matched is an assertion, an <error> (an
 * exception) or a failure without any text is other. */
int classifier_classify(const struct classifier *c, const char *message, const char *body,
                        const char *output, int error_element);
int classifier_find(const struct classifier *c, const char *name);

/* The signature of one line of failure text: numbers, hex, UUIDs, ports and temporary paths
 * folded into <n>, <hex>, <uuid>, <port> and <tmp>, runs of blanks into one, at most 200 bytes.
 * HTTP statuses ("HTTP 503", "got 404", "429 Too Many Requests") and numbers inside words
 * (sha256, gpt-4o) stay. Failures with one signature form one group with one category. */
void signature_of(const char *line, size_t n, struct buf *out);

#endif
