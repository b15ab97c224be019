/* Small helpers shared by itest-report's modules: allocation that never returns NULL, a
 * growable byte buffer, and the escapers every output format needs. */
#ifndef REPORT_UTIL_H
#define REPORT_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Allocation failure ends the program with exit status 2 and a message: the report cannot be
 * trusted once an input was only partly recorded. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Address space for an array that may grow large: pages cost memory only once touched, and
 * the array never moves (no copy, no remap while the reader's second thread runs). NULL when
 * the system refuses; callers then fall back to grow(). Release with unreserve. */
void *reserve(size_t bytes);
void unreserve(void *p, size_t bytes);

/* Grows `*array` (of `*cap` elements of `size` bytes) to hold at least `need` elements. */
void grow(void *array, size_t *cap, size_t need, size_t size);

struct buf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len, cap;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_clear(struct buf *b);
void buf_free(struct buf *b);
/* Adds at most `limit` bytes in total to `b` (a bounded capture); returns bytes dropped. */
size_t buf_add_capped(struct buf *b, const char *s, size_t n, size_t limit);

/* The longest prefix of s[0..n) of at most `max` bytes that does not cut a UTF-8 sequence. */
size_t utf8_prefix(const char *s, size_t n, size_t max);

/* Escapers writing to a stream. Invalid XML characters (C0 controls other than tab, newline
 * and carriage return) become '?', so that whatever a producer wrote, our XML stays valid. */
void put_xml(FILE *f, const char *s, size_t n, int attribute);
void put_xml_str(FILE *f, const char *s, int attribute);
void put_json_str(FILE *f, const char *s); /* with the quotes */
void put_json_strn(FILE *f, const char *s, size_t n);
void put_html(FILE *f, const char *s);
/* The same, cut after max characters (UTF-8) with an ellipsis. */
void put_html_cut(FILE *f, const char *s, size_t max);
void put_csv(FILE *f, const char *s); /* one RFC 4180 field */
/* Markdown table cell: pipes, newlines and HTML escaped, at most `max` bytes then an ellipsis. */
void put_md_cell(FILE *f, const char *s, size_t max);
/* The same inside a code span (between backticks): only pipes escaped, '<' and '&' as they are
 * (a code span shows entities literally), a newline as a blank. */
void put_md_code(FILE *f, const char *s, size_t max);

/* Seconds as "%.3f" (under a millisecond "%.6f"), in the C locale. */
void format_seconds(char out[32], double s);
/* The same text as snprintf's "%.*f" with decimals 0..9 and "%.6g", without its cost (a
 * quarter of a large report's writing time went to glibc's exact float printing): integer
 * arithmetic where the value is not near a rounding boundary, snprintf where it is or is out of
 * range. Returns the length. */
int format_fixed(char out[32], double v, int decimals);
int format_g6(char out[32], double v);

/* Each output stream is written by one thread: the per-character stdio calls need not lock. */
#define fputc(c, f) fputc_unlocked(c, f)
#define fputs(s, f) fputs_unlocked(s, f)
#define fwrite(p, size, n, f) fwrite_unlocked(p, size, n, f)

/* Opens `path` for writing ("-" is stdout) with a large buffer; on failure prints
 * "itest-report: PATH: reason". */
FILE *open_output(const char *path);
/* Closes what open_output gave; returns 0, or -1 after printing the write error. */
int close_output(FILE *f, const char *path);

#endif
