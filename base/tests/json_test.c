/* JSON with positions (itest/json_parse.h): parse errors with line and column, files with
 * "path:line:column", JSONC, locating a value, paths and typed getters; and the case
 * assertions over them (itest/json.h). */
#include "itest/check.h"
#include "itest/file.h"
#include "itest/json.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file in the work directory holding text (len bytes); returns its path (static). */
static const char *file_with(const char *name, const char *text, size_t len)
{
    static char path[1100];
    snprintf(path, sizeof path, "%s/%s", WORK_DIR, name);
    char err[512];
    itest_check(itest_write_file(path, text, len, err, sizeof err) == 0, "%s", err);
    return path;
}

static void parse_error_names_line_and_column(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": 1,\n  \"b\": tru\n}";
    char err[256];
    assert_null(itest_json_parse(text, strlen(text), err, sizeof err));
    assert_non_null(strstr(err, "line 3, column 8"));
    assert_null(itest_json_parse("", 0, err, sizeof err));
    assert_non_null(strstr(err, "empty input"));
    assert_null(itest_json_parse("{\"a\":", 5, err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
}

static void trailing_text_is_an_error(void **state)
{
    (void)state;
    char err[256];
    assert_null(itest_json_parse("{} {}", 5, err, sizeof err));
    assert_non_null(strstr(err, "unexpected text after the value"));
    cJSON *ok = itest_json_parse("{}  \n", 5, err, sizeof err);
    assert_non_null(ok);
    cJSON_Delete(ok);
}

static void paths_reach_members_and_elements(void **state)
{
    (void)state;
    const char *text = "{\"items\":[{\"status\":\"pending\"},{\"status\":\"running\",\"n\":7}],"
                       "\"error\":{\"code\":\"not_found\"},\"ok\":true,\"next\":null}";
    char err[256];
    cJSON *root = itest_json_parse(text, strlen(text), err, sizeof err);
    assert_non_null(root);
    const char *s;
    assert_int_equal(itest_json_get_string(&s, root, "items[1].status"), 0);
    assert_string_equal(s, "running");
    assert_int_equal(itest_json_get_string(&s, root, "error.code"), 0);
    assert_string_equal(s, "not_found");
    long long n;
    assert_int_equal(itest_json_get_int(&n, root, "items[1].n"), 0);
    assert_int_equal(n, 7);
    bool b;
    assert_int_equal(itest_json_get_bool(&b, root, "ok"), 0);
    assert_true(b);
    assert_null(itest_json_get(root, "items[2].status"));
    assert_null(itest_json_get(root, "items[x]"));
    assert_int_equal(itest_json_get_string(&s, root, "items[1].n"), -1);
    assert_non_null(itest_json_get(root, "next"));
    itest_assert_json_string(root, "items[0].status", "pending");
    itest_assert_json_int(root, "items[1].n", 7);
    itest_assert_json_type(root, "items", cJSON_Array);
    itest_assert_json_bool(root, "ok", true);
    cJSON_Delete(root);
}

static void describe_is_short(void **state)
{
    (void)state;
    char big[400];
    memset(big, 'x', sizeof big - 3);
    big[0] = '"';
    big[sizeof big - 3] = '"';
    big[sizeof big - 2] = '\0';
    char err[64];
    cJSON *v = itest_json_parse(big, strlen(big), err, sizeof err);
    assert_non_null(v);
    char desc[128];
    itest_json_describe(desc, sizeof desc, v);
    assert_true(strlen(desc) < sizeof desc);
    assert_int_equal(strncmp(desc, "string \"xxx", 11), 0);
    assert_non_null(strstr(desc, "..."));
    cJSON_Delete(v);
}

static void files_name_path_line_and_column(void **state)
{
    (void)state;
    char err[1400];
    const char *bad = "{\n  \"a\": [1,\n}";
    const char *path = file_with("bad.json", bad, strlen(bad));
    assert_null(itest_json_load_file(path, 0, NULL, err, sizeof err));
    char want[1200];
    snprintf(want, sizeof want, "%s:3:1: invalid JSON near '}'", path);
    itest_check(strstr(err, want) != NULL, "expected \"%s\", got: %s", want, err);
    path = file_with("nul.json", "{\"a\":\n 1\0}", 10);
    assert_null(itest_json_load_file(path, 0, NULL, err, sizeof err));
    itest_check(strstr(err, ":2:3: a NUL byte") != NULL, "%s", err);
    assert_null(itest_json_load_file("/nonexistent/x.json", 0, NULL, err, sizeof err));
    itest_check(strstr(err, "/nonexistent/x.json: No such file or directory") != NULL, "%s", err);
    path = file_with("empty.json", "", 0);
    assert_null(itest_json_load_file(path, 0, NULL, err, sizeof err));
    itest_check(strstr(err, ":1:1: empty input") != NULL, "%s", err);
}

static void jsonc_comments_and_trailing_commas(void **state)
{
    (void)state;
    const char *text = "// a comment\n{\"a\": [1, 2,], /* block\n comment */ \"b\": \"//x\",}\n";
    char err[1400], *parsed = NULL;
    const char *path = file_with("ok.jsonc", text, strlen(text));
    cJSON *root = itest_json_load_file(path, ITEST_JSON_COMMENTS, &parsed, err, sizeof err);
    itest_check(root != NULL, "%s", err);
    itest_assert_json_int(root, "a[1]", 2);
    itest_assert_json_string(root, "b", "//x");
    int line, column;
    assert_int_equal(itest_json_locate(parsed, "b", &line, &column), 0);
    itest_check(line == 3 && column == 18, "b is at 3:18, located at %d:%d", line, column);
    assert_int_equal(itest_json_locate(parsed, "a[1]", &line, &column), 0);
    itest_check(line == 2 && column == 11, "a[1] is at 2:11, located at %d:%d", line, column);
    assert_int_equal(itest_json_locate(parsed, "c", &line, &column), -1);
    free(parsed);
    cJSON_Delete(root);
    /* without the flag, comments are errors */
    assert_null(itest_json_load_file(path, 0, NULL, err, sizeof err));
    itest_check(strstr(err, ":1:1: invalid JSON") != NULL, "%s", err);
    const char *open = "{\"a\": 1} /* never closed";
    path = file_with("open.jsonc", open, strlen(open));
    assert_null(itest_json_load_file(path, ITEST_JSON_COMMENTS, NULL, err, sizeof err));
    itest_check(strstr(err, ":1:10: an unterminated comment") != NULL, "%s", err);
    const char *str = "{\"a\": \"no end\n}";
    path = file_with("string.jsonc", str, strlen(str));
    assert_null(itest_json_load_file(path, ITEST_JSON_COMMENTS, NULL, err, sizeof err));
    itest_check(strstr(err, ":1:7: an unterminated string") != NULL, "%s", err);
}

/* cJSON takes every byte up to the space as white space; locating does the same (fuzz.json
 * found a text with control bytes between the values). */
static void locate_skips_what_the_parser_skips(void **state)
{
    (void)state;
    const char text[] = "{\"a\": [1]\x01\x01, \"b\":\x02 true}";
    struct itest_json_error e;
    cJSON *root = itest_json_parse_at(text, sizeof text - 1, &e);
    itest_check(root != NULL, "cJSON refused it: %s", e.problem);
    cJSON_Delete(root);
    int line, column;
    assert_int_equal(itest_json_locate(text, "b", &line, &column), 0);
    assert_int_equal(column, 20);
}

static void parse_at_gives_the_parts(void **state)
{
    (void)state;
    struct itest_json_error e;
    assert_null(itest_json_parse_at("[1, 2,\n 3 x]", 12, &e));
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 4);
    assert_int_equal(e.offset, 10);
    assert_string_equal(e.problem, "invalid JSON");
    assert_string_equal(e.near, "x]");
    assert_null(itest_json_parse_at(NULL, 0, &e));
    assert_string_equal(e.problem, "no text to parse");
}

static const struct itest_case cases[] = {
    ITEST_CASE(files_name_path_line_and_column),   ITEST_CASE(jsonc_comments_and_trailing_commas),
    ITEST_CASE(parse_at_gives_the_parts),          ITEST_CASE(locate_skips_what_the_parser_skips),
    ITEST_CASE(parse_error_names_line_and_column), ITEST_CASE(trailing_text_is_an_error),
    ITEST_CASE(paths_reach_members_and_elements),  ITEST_CASE(describe_is_short),
};

ITEST_SUITE_MAIN(cases)
