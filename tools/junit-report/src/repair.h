/* The lenient re-read: a streaming filter that turns what broken JUnit producers write into
 * well-formed XML without losing the content. It escapes '<', '&' and stray quotes inside
 * attribute values (cmocka 1.1.5 writes names unescaped), replaces control characters and
 * character references XML forbids (raw ANSI escapes from JavaScript reporters), escapes
 * undeclared entity references so they read as text, and drops XML declarations after the
 * first (cmocka writes one document per group into one file). Newlines are kept, so line
 * numbers stay true. */
#ifndef REPORT_REPAIR_H
#define REPORT_REPAIR_H

#include <stddef.h>

#include "util.h"

struct repair {
    int state, quote, bracket_depth;
    size_t offset;    /* bytes consumed so far */
    struct buf carry; /* input held back until a decision can be made */
    size_t fixed;     /* characters changed */
};

void repair_init(struct repair *r);
void repair_free(struct repair *r);
/* Appends the repaired form of in[0..n) to out; at_end flushes what was held back. */
void repair_feed(struct repair *r, const char *in, size_t n, int at_end, struct buf *out);

#endif
