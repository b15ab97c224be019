/* CI annotations for the failures: `--annotations github` prints GitHub's workflow commands
 * (::error file=F,line=L,title=CASE::message), the file and line taken from the failure's
 * "file:line:" text, at most the 50 GitHub shows per step, the rest summed up in one notice. */
#ifndef REPORT_ANNOTATIONS_H
#define REPORT_ANNOTATIONS_H

#include <stdio.h>

#include "report.h"

#define ANNOTATIONS_MAX 50

void report_annotations_github(FILE *f, const struct report_context *r);

/* Finds "path:line:" in text: the path (stripped of root/ when it starts so) in path, the line
 * in *line. Returns 1 when found. Exposed for the unit tests. */
int annotation_location(const char *text, const char *root, char *path, size_t pathlen, long *line);

#endif
