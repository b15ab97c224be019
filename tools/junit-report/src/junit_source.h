/* Where a JUnit input comes from: a regular file read through a mapped window, standard input
 * or a pipe (copied aside as it is read, so that it can be read a second time), or bytes in
 * memory (the fuzz target, the tests). The reader takes pieces of it and may rewind once. */
#ifndef REPORT_JUNIT_SOURCE_H
#define REPORT_JUNIT_SOURCE_H

#include <stddef.h>
#include <stdio.h>

struct junit_source {
    int fd;
    const char *data; /* bytes in memory */
    size_t len, pos;
    FILE *spool; /* standard input as read so far */
    int from_spool;
    size_t size_hint; /* bytes expected, (size_t)-1 when unknown */
    /* a regular file is read through a window mapped 2 MiB at a time: no copy through read(),
     * and only the window counts in the resident set */
    int mapped;
    char *window;
    size_t window_len, window_pos, file_size, file_off;
};

/* Opens path ("-": standard input). Returns 0, or -1 with errno set (EISDIR for a directory). */
int junit_source_open(struct junit_source *s, const char *path);
/* Bytes in memory. */
void junit_source_memory(struct junit_source *s, const char *data, size_t len);
/* The next piece, at most cap bytes: *piece points into the memory or the mapped window, else
 * into buf. Returns its length, 0 at the end, -1 on a read error (errno set). */
long junit_source_next(struct junit_source *s, char *buf, size_t cap, const char **piece);
/* Back to the start, for a second reading. Returns 0 or -1. */
int junit_source_rewind(struct junit_source *s);
void junit_source_close(struct junit_source *s);

#endif
