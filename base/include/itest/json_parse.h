/* JSON in, with positions: parsing text (cJSON underneath) so that an error says where, loading
 * a file ("path:line:column: problem"), JSON with comments (JSONC), and typed getters by path
 * ("items[2].status") that never fail anything themselves. */
#ifndef ITEST_JSON_PARSE_H
#define ITEST_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* Where parsing stopped and why. */
struct itest_json_error {
    size_t offset;    /* byte offset of the problem */
    int line, column; /* 1-based; columns count bytes */
    char problem[48]; /* "invalid JSON", "unexpected end of input", ... */
    char near[32];    /* up to 24 bytes from the offset, non-printables as '?' */
};

/* Parses len bytes of text, which must hold one value and nothing but white space after it.
 * Returns the tree (free with cJSON_Delete), or NULL with the position filled in. */
cJSON *itest_json_parse_at(const char *text, size_t len, struct itest_json_error *e);

/* The same, the error as "line L, column C (byte B): <problem> near '<text>'" in err. */
cJSON *itest_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Blanks out // and block comments and trailing commas (JSONC) with spaces, keeping every newline,
 * so that positions in the result are positions in the original. Returns 0, or -1 with the offset
 * of an unterminated comment or string in *bad. */
int itest_jsonc_strip(char *text, size_t len, size_t *bad);

/* Options of itest_json_load_file(). */
#define ITEST_JSON_COMMENTS 1u /* the file is JSONC: comments and trailing commas allowed */

/* Reads a whole file (at most 64 MiB) and parses it. Returns the tree, or NULL with
 * "path:line:column: problem" (or "path: reason" when it cannot be read) in err. When text is not
 * NULL it receives the text that was parsed (comments blanked; malloc'd, the caller frees), for
 * itest_json_locate(). */
cJSON *itest_json_load_file(const char *path, unsigned flags, char **text, char *err,
                            size_t errlen);

/* The same for len bytes of text in memory named name (the messages say "name:line:column"). */
cJSON *itest_json_load_text(const char *name, const char *data, size_t len, unsigned flags,
                            char **text, char *err, size_t errlen);

/* Line and column (1-based) of byte offset in text. */
void itest_json_position(const char *text, size_t offset, int *line, int *column);

/* The line and column where the value at path ("cases[2].validators[0]", "" for the root) starts
 * in text, which must be valid JSON (as parsed). Returns 0, or -1 when the path is not there (then
 * 1:1). For messages about a value's meaning that point at its place in a file. */
int itest_json_locate(const char *text, const char *path, int *line, int *column);

/* The node at path below root: members by name joined with '.', array elements as [N]
 * ("items[2].status", "[0].id", "error.code"). NULL when any step is missing or a path is bad. */
const cJSON *itest_json_get(const cJSON *root, const char *path);

/* Typed getters: 0 and *out set, or -1 when missing or of another type. *out points into root. */
int itest_json_get_string(const char **out, const cJSON *root, const char *path);
int itest_json_get_number(double *out, const cJSON *root, const char *path);
int itest_json_get_int(long long *out, const cJSON *root, const char *path); /* whole numbers */
int itest_json_get_bool(bool *out, const cJSON *root, const char *path);

/* The name of a node's type ("string", "number", "object", ...; "missing" for NULL). */
const char *itest_json_type_name(const cJSON *node);
/* A short description of a node for messages: its type and compact text, truncated. Writes to
 * buf and returns it. */
const char *itest_json_describe(char *buf, size_t len, const cJSON *node);

#endif
