/* Reads JUnit XML of any common producer into the model, streaming: libxml2's SAX2 push
 * parser sees the input in 128 KiB pieces and the reader keeps only bounded heads and tails
 * of failure text and output. Quirks handled: several root elements in one file (cmocka), no
 * <testsuites> root (CTest), test names in `status`/`result` attributes (CTest, GoogleTest),
 * Surefire's flaky and rerun elements, swapped name and classname (mocha), times with decimal
 * commas or thousands separators, suite counts that do not match the cases (never read).
 * A file that is not well-formed is read again through the lenient filter (repair.h); when
 * that fails too, the error of the first reading is reported with its line and column. */
#ifndef REPORT_JUNIT_PARSE_H
#define REPORT_JUNIT_PARSE_H

#include <stddef.h>

#include "model.h"

/* Reads a file, or standard input for "-", as a new input of the model. Returns 0, or -1
 * when it could not be read or parsed: the input's `message` says where and why, and the
 * cases read before the problem stay in the model. */
int junit_read_path(struct model *m, const char *path);
/* The same for bytes in memory (the fuzz target, the tests). */
int junit_read_buffer(struct model *m, const char *name, const char *data, size_t len);

#endif
