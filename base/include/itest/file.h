/* Files every program reads and writes: a whole file into memory, a file written atomically, a
 * directory path made, a tree removed, the tail of a log.
 *
 * Errors are "path: reason" in the caller's buffer; functions return 0 or -1 unless said.
 */
#ifndef ITEST_FILE_H
#define ITEST_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads a whole file to its end (/proc files too, whose size reads 0). Returns the bytes,
 * NUL-terminated (malloc'd, the caller frees; *len, when len is not NULL, their number), or NULL
 * with "path: reason" in err. max > 0 refuses a longer file ("path: larger than N bytes"); 0 reads
 * any size. */
char *itest_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* Writes len bytes to path (created or truncated, mode 0644 before the umask). */
int itest_write_file(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* Writes text to path atomically: a temporary file in the same directory, then rename. */
int itest_write_file_atomic(const char *path, const char *text, char *err, size_t errlen);

/* Creates dir and its missing parents (parents 0755, dir itself with mode); an existing directory
 * is fine. */
int itest_make_dirs(const char *dir, mode_t mode, char *err, size_t errlen);

/* Creates the directories above path (the file's own directory and its parents). */
int itest_make_parent_dirs(const char *path, char *err, size_t errlen);

/* Removes a directory tree without following symbolic links; a missing tree is fine. Returns 0,
 * or -1 when something could not be removed. */
int itest_remove_tree(const char *dir);

/* The last whole lines of a file, at most len - 1 bytes, trailing newlines dropped, into buf
 * ("" when it cannot be read): for error messages that quote a log. */
void itest_file_tail(char *buf, size_t len, const char *path);

#endif
