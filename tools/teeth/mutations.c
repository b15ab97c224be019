#include "mutations.h"

#include "run.h"

#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/regex.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t len, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t len, const char *path, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, len, "%s: %s", path, what);
    return -1;
}

static const char *string_member(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    return s && *s ? s : NULL;
}

/* The mock's mutations, one "name\tservice\twhat" line each (malloc'd text), or NULL. */
static char *mock_list(const char *mock_exe, const char *work, char *err, size_t len)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/mutations.list", work);
    unlink(out);
    char *argv[] = {(char *)mock_exe, "--list-mutations", NULL};
    char why[128];
    if (teeth_run(argv, NULL, out, 30, why, sizeof why) != 0) {
        snprintf(err, len, "%s --list-mutations: %s (its output: %s)", mock_exe, why, out);
        return NULL;
    }
    return itest_read_file(out, 0, NULL, err, len);
}

/* True when the mock's list has a line for name. */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = list; line && *line;) {
        if (strncmp(line, name, n) == 0 && line[n] == '\t')
            return true;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return false;
}

static int read_entry(const char *path, int index, const cJSON *m, const char *list,
                      struct teeth_catalogue *out, char *err, size_t len)
{
    char where[96];
    snprintf(where, sizeof where, "mutations[%d]", index);
    static const char *const allowed[] = {"name",    "clause",    "cases", "category",
                                          "message", "ruled_out", "note",  NULL};
    for (const cJSON *x = cJSON_IsObject(m) ? m->child : NULL; x; x = x->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(*a, x->string) == 0;
        if (!known)
            return fail(err, len, path, "%s: unknown member \"%s\"", where, x->string);
    }
    const char *name = string_member(m, "name"), *clause = string_member(m, "clause");
    if (!cJSON_IsObject(m) || !name || !clause)
        return fail(err, len, path,
                    "%s: \"name\" (the mock's mutation) and \"clause\" (what it breaks, with "
                    "its source) are required strings",
                    where);
    bool twice = false;
    for (size_t i = 0; i < out->n; i++)
        twice |= strcmp(out->entries[i].mutation, name) == 0;
    for (size_t i = 0; i < out->n_ruled_out; i++)
        twice |= strcmp(out->ruled_out[i].id, name) == 0;
    if (twice)
        return fail(err, len, path, "%s: mutation \"%s\" is listed twice", where, name);
    const char *ruled_out = string_member(m, "ruled_out");
    if (ruled_out) {
        if (cJSON_GetObjectItemCaseSensitive(m, "cases"))
            return fail(err, len, path, "%s (%s): give \"cases\" or \"ruled_out\", not both", where,
                        name);
        out->ruled_out = realloc(out->ruled_out, (out->n_ruled_out + 1) * sizeof *out->ruled_out);
        out->ruled_out[out->n_ruled_out++] =
            (struct teeth_ruled_out){strdup(name), strdup(ruled_out)};
        return 0;
    }
    if (!listed(list, name))
        return fail(err, len, path,
                    "%s: \"%s\" is not a mutation the mock knows (itest-mock --list-mutations); "
                    "a clause it cannot break is \"ruled_out\" with the reason",
                    where, name);
    const char *category = string_member(m, "category"), *message = string_member(m, "message");
    if (!category || !message)
        return fail(err, len, path,
                    "%s (%s): \"category\" (as itest-report names it) and \"message\" (a pattern "
                    "the failure's first line must match) are required",
                    where, name);
    struct teeth_entry *e = teeth_catalogue_add(out);
    e->how = TEETH_MUTATION;
    e->mutation = strdup(name);
    if (asprintf(&e->id, "mutation %s", name) < 0)
        e->id = NULL;
    e->category = strdup(category);
    e->message = strdup(message);
    regex_t *rx = malloc(sizeof *rx);
    char why[160] = "out of memory";
    if (!rx ||
        itest_regex_compile(rx, message, REG_EXTENDED | REG_ICASE | REG_NOSUB, why, sizeof why)) {
        free(rx);
        return fail(err, len, path, "%s (%s): \"message\" is not a POSIX extended regex: %s", where,
                    name, why);
    }
    e->message_regex = rx;
    char at[160];
    snprintf(at, sizeof at, "%s (%s)", where, name);
    return teeth_read_cases(path, at, cJSON_GetObjectItemCaseSensitive(m, "cases"), e, err, len);
}

/* Every mutation the mock lists must be in the catalogue, caught or ruled out. */
static int check_all_catalogued(const char *path, const char *list,
                                const struct teeth_catalogue *out, char *err, size_t len)
{
    for (const char *line = list; line && *line;) {
        size_t n = strcspn(line, "\t\n");
        bool found = false;
        for (size_t i = 0; i < out->n && !found; i++)
            found = strlen(out->entries[i].mutation) == n &&
                    strncmp(out->entries[i].mutation, line, n) == 0;
        for (size_t i = 0; i < out->n_ruled_out && !found; i++)
            found =
                strlen(out->ruled_out[i].id) == n && strncmp(out->ruled_out[i].id, line, n) == 0;
        if (!found)
            return fail(err, len, path,
                        "the mock's mutation \"%.*s\" is not in the catalogue: name the cases "
                        "that catch it, or rule it out with the reason",
                        (int)n, line);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 0;
}

int teeth_mutations_load(const char *path, const char *mock_exe, const char *work,
                         struct teeth_catalogue *out, char *err, size_t len)
{
    memset(out, 0, sizeof *out);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, len);
    if (!root)
        return -1;
    char *list = mock_list(mock_exe, work, err, len);
    const cJSON *mutations = cJSON_GetObjectItemCaseSensitive(root, "mutations");
    int rc = list ? 0 : -1;
    if (rc == 0 && (!cJSON_IsArray(mutations) || cJSON_GetArraySize(mutations) == 0))
        rc = fail(err, len, path, "\"mutations\" must be a non-empty array");
    for (int i = 0; rc == 0 && i < cJSON_GetArraySize(mutations); i++)
        rc = read_entry(path, i, cJSON_GetArrayItem(mutations, i), list, out, err, len);
    if (rc == 0)
        rc = check_all_catalogued(path, list, out, err, len);
    free(list);
    cJSON_Delete(root);
    if (rc != 0)
        teeth_catalogue_free(out);
    return rc;
}
