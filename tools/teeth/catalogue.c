#include "catalogue.h"

#include "itest/json_parse.h"
#include "itest/platform.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loader {
    const char *path;
    char *err;
    size_t len;
    struct teeth_catalogue *out;
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *l, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->len, "%s: %s", l->path, what);
    return -1;
}

static bool known_service(const char *name, bool or_postgres)
{
    if (itest_service_parse(name) >= 0)
        return true;
    return or_postgres && strcmp(name, "postgres") == 0;
}

static const char *string_member(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    return s && *s ? s : NULL;
}

int teeth_read_cases(const char *path, const char *where, const cJSON *list, struct teeth_entry *e,
                     char *err, size_t len)
{
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list) || n == 0) {
        snprintf(err, len, "%s: %s: \"cases\" must be a non-empty array of \"suite.case\" names",
                 path, where);
        return -1;
    }
    e->cases = calloc((size_t)n, sizeof *e->cases);
    for (int i = 0; i < n; i++) {
        const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(list, i));
        const char *dot = name ? strchr(name, '.') : NULL;
        if (!dot || dot == name || !dot[1]) {
            snprintf(err, len, "%s: %s: cases[%d] is not a \"suite.case\" name", path, where, i);
            return -1;
        }
        e->cases[e->ncases++] = strdup(name);
    }
    return 0;
}

static int read_cases(struct loader *l, const char *where, const cJSON *list, struct teeth_entry *e)
{
    return teeth_read_cases(l->path, where, list, e, l->err, l->len);
}

struct teeth_entry *teeth_catalogue_add(struct teeth_catalogue *c)
{
    c->entries = realloc(c->entries, (c->n + 1) * sizeof *c->entries);
    struct teeth_entry *e = &c->entries[c->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static struct teeth_entry *add_entry(struct loader *l)
{
    return teeth_catalogue_add(l->out);
}

/* The --faults text for one kind on one endpoint: "status": "ok" becomes the endpoint's
 * success status. */
static char *fault_profile(const char *service, const char *method, const char *path, long ok,
                           const cJSON *response)
{
    cJSON *fault = cJSON_CreateObject();
    cJSON_AddStringToObject(fault, "service", service);
    cJSON *request = cJSON_AddObjectToObject(fault, "request");
    cJSON_AddStringToObject(request, "method", method);
    cJSON_AddStringToObject(request, "urlPathPattern", path);
    cJSON *r = cJSON_Duplicate(response, true);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status"));
    if (status && strcmp(status, "ok") == 0)
        cJSON_ReplaceItemInObjectCaseSensitive(r, "status", cJSON_CreateNumber((double)ok));
    cJSON_AddItemToObject(fault, "response", r);
    cJSON *profile = cJSON_CreateArray();
    cJSON_AddItemToArray(profile, fault);
    char *text = cJSON_PrintUnformatted(profile);
    cJSON_Delete(profile);
    return text;
}

static int check_kinds(struct loader *l, const cJSON *kinds)
{
    if (!cJSON_IsObject(kinds) || !kinds->child)
        return fail(l, "\"kinds\" must be a non-empty object of fault kinds");
    for (const cJSON *k = kinds->child; k; k = k->next) {
        if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(k, "response")))
            return fail(l, "kinds.%s: \"response\" must be an object (a mock fault's response)",
                        k->string);
        if (!string_member(k, "category"))
            return fail(l, "kinds.%s: \"category\" must be a non-empty string", k->string);
    }
    return 0;
}

/* Kind names an endpoint member lists (an object's keys or an array's strings) must exist. */
static int check_kind_names(struct loader *l, const char *where, const char *member,
                            const cJSON *list, const cJSON *kinds)
{
    if (!list)
        return 0;
    if (!cJSON_IsObject(list) && !cJSON_IsArray(list))
        return fail(l, "%s: \"%s\" must be an object or array of kind names", where, member);
    for (const cJSON *x = list->child; x; x = x->next) {
        const char *name = cJSON_IsObject(list) ? x->string : cJSON_GetStringValue(x);
        if (!name || !cJSON_GetObjectItemCaseSensitive(kinds, name))
            return fail(l, "%s: %s names \"%s\", which is not one of \"kinds\"", where, member,
                        name ? name : "(not a string)");
        if (cJSON_IsObject(list) && strcmp(member, "not_applicable") == 0 &&
            !(cJSON_GetStringValue(x) && *cJSON_GetStringValue(x)))
            return fail(l, "%s: not_applicable.%s needs the reason as a string", where, name);
    }
    return 0;
}

static int expand_endpoint(struct loader *l, int index, const cJSON *ep, const cJSON *kinds)
{
    char where[64];
    snprintf(where, sizeof where, "endpoints[%d]", index);
    const char *service = string_member(ep, "service"), *method = string_member(ep, "method"),
               *path = string_member(ep, "path");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(ep, "ok");
    if (!service || !known_service(service, false))
        return fail(l, "%s: \"service\" must be task-registry, repo-pool, artifact-store or llm",
                    where);
    if (!method || !path)
        return fail(l, "%s: \"method\" and \"path\" (a regex over the whole path) are required",
                    where);
    if (!cJSON_IsNumber(ok) || ok->valuedouble < 100 || ok->valuedouble > 299)
        return fail(l, "%s: \"ok\" must be the endpoint's success status (100-299)", where);
    const cJSON *na = cJSON_GetObjectItemCaseSensitive(ep, "not_applicable"),
                *extra = cJSON_GetObjectItemCaseSensitive(ep, "kinds_extra"),
                *by_kind = cJSON_GetObjectItemCaseSensitive(ep, "cases_by_kind"),
                *category_by_kind = cJSON_GetObjectItemCaseSensitive(ep, "category_by_kind");
    if (check_kind_names(l, where, "not_applicable", na, kinds) != 0 ||
        check_kind_names(l, where, "kinds_extra", extra, kinds) != 0 ||
        check_kind_names(l, where, "cases_by_kind", by_kind, kinds) != 0 ||
        check_kind_names(l, where, "category_by_kind", category_by_kind, kinds) != 0)
        return -1;
    for (const cJSON *k = kinds->child; k; k = k->next) {
        bool listed = false;
        for (const cJSON *x = extra ? extra->child : NULL; x; x = x->next)
            listed |= strcmp(cJSON_GetStringValue(x), k->string) == 0;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k, "only_where_listed")) && !listed)
            continue;
        if (cJSON_GetObjectItemCaseSensitive(na, k->string)) {
            l->out->not_applicable++;
            continue;
        }
        struct teeth_entry *e = add_entry(l);
        e->how = TEETH_FAULT;
        if (asprintf(&e->id, "%s %s %s: %s", service, method, path, k->string) < 0)
            e->id = NULL;
        e->service = strdup(service);
        const char *category = string_member(category_by_kind, k->string);
        if (category_by_kind && cJSON_GetObjectItemCaseSensitive(category_by_kind, k->string) &&
            !category)
            return fail(l, "%s: category_by_kind.%s must be a category name", where, k->string);
        e->category = strdup(category ? category : string_member(k, "category"));
        e->faults = fault_profile(service, method, path, (long)ok->valuedouble,
                                  cJSON_GetObjectItemCaseSensitive(k, "response"));
        const cJSON *cases = cJSON_GetObjectItemCaseSensitive(by_kind, k->string);
        if (read_cases(l, where, cases ? cases : cJSON_GetObjectItemCaseSensitive(ep, "cases"),
                       e) != 0)
            return -1;
    }
    return 0;
}

/* "gateway": {"down": "nginx" or a backend} or {"backend": NAME, "kind": KIND}: a fault of the
 * gateway fixture (itest-gateway-fixture --backend-faults), every request of that backend. */
static int read_gateway(struct loader *l, const char *where, const char *id, const cJSON *g,
                        const cJSON *kinds, struct teeth_entry *e)
{
    const char *down = string_member(g, "down"), *backend = string_member(g, "backend"),
               *kind = string_member(g, "kind");
    if (!cJSON_IsObject(g) || (down != NULL) == (backend != NULL) || (backend && !kind))
        return fail(l,
                    "%s (%s): \"gateway\" must be {\"down\": \"nginx\" or a backend} or "
                    "{\"backend\": NAME, \"kind\": KIND}",
                    where, id);
    const cJSON *k = kind ? cJSON_GetObjectItemCaseSensitive(kinds, kind) : NULL;
    if (kind && !k)
        return fail(l, "%s (%s): gateway.kind '%s' is not a kind of the catalogue", where, id,
                    kind);
    e->how = TEETH_GATEWAY;
    e->service = strdup(down ? down : backend);
    if (k) {
        cJSON *profile = cJSON_CreateArray(), *fault = cJSON_CreateObject();
        cJSON_AddItemToObject(
            fault, "response",
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(k, "response"), true));
        cJSON_AddItemToArray(profile, fault);
        e->faults = cJSON_PrintUnformatted(profile);
        cJSON_Delete(profile);
    }
    return 0;
}

static int read_target(struct loader *l, int index, const cJSON *t, const cJSON *kinds)
{
    char where[64];
    snprintf(where, sizeof where, "targets[%d]", index);
    const char *id = string_member(t, "id"), *category = string_member(t, "category"),
               *down = string_member(t, "down"), *sql = string_member(t, "schema");
    bool hold = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "hold_pool"));
    const cJSON *gateway = cJSON_GetObjectItemCaseSensitive(t, "gateway");
    if (!id || !category)
        return fail(l, "%s: \"id\" and \"category\" are required strings", where);
    if ((down != NULL) + (sql != NULL) + hold + (gateway != NULL) != 1)
        return fail(l,
                    "%s (%s): give exactly one of \"down\", \"schema\", \"hold_pool\": true, "
                    "\"gateway\"",
                    where, id);
    if (gateway) {
        struct teeth_entry *e = add_entry(l);
        e->id = strdup(id);
        e->category = strdup(category);
        if (read_gateway(l, where, id, gateway, kinds, e) != 0)
            return -1;
        return read_cases(l, where, cJSON_GetObjectItemCaseSensitive(t, "cases"), e);
    }
    if (down && !known_service(down, true))
        return fail(l, "%s (%s): \"down\" must name a service or postgres", where, id);
    struct teeth_entry *e = add_entry(l);
    e->id = strdup(id);
    e->category = strdup(category);
    e->how = down ? TEETH_DOWN : sql ? TEETH_SCHEMA : TEETH_HOLD_POOL;
    e->service = down ? strdup(down) : NULL;
    e->sql = sql ? strdup(sql) : NULL;
    return read_cases(l, where, cJSON_GetObjectItemCaseSensitive(t, "cases"), e);
}

int teeth_catalogue_load(const char *path, struct teeth_catalogue *out, char *err, size_t len)
{
    memset(out, 0, sizeof *out);
    struct loader l = {path, err, len, out};
    cJSON *root = itest_json_load_file(path, 0, NULL, err, len);
    if (!root)
        return -1;
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(root, "kinds"),
                *endpoints = cJSON_GetObjectItemCaseSensitive(root, "endpoints"),
                *targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
    int rc = check_kinds(&l, kinds);
    if (rc == 0 && !cJSON_IsArray(endpoints))
        rc = fail(&l, "\"endpoints\" must be an array");
    if (rc == 0 && !cJSON_IsArray(targets))
        rc = fail(&l, "\"targets\" must be an array");
    for (int i = 0; rc == 0 && i < cJSON_GetArraySize(endpoints); i++)
        rc = expand_endpoint(&l, i, cJSON_GetArrayItem(endpoints, i), kinds);
    for (int i = 0; rc == 0 && i < cJSON_GetArraySize(targets); i++)
        rc = read_target(&l, i, cJSON_GetArrayItem(targets, i), kinds);
    if (rc == 0 && out->n == 0)
        rc = fail(&l, "no faults: the catalogue names no endpoint or target");
    cJSON_Delete(root);
    if (rc != 0)
        teeth_catalogue_free(out);
    return rc;
}

void teeth_catalogue_free(struct teeth_catalogue *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct teeth_entry *e = &c->entries[i];
        free(e->id);
        free(e->service);
        free(e->faults);
        free(e->sql);
        for (size_t j = 0; j < e->ncases; j++)
            free(e->cases[j]);
        free(e->cases);
        free(e->category);
        free(e->mutation);
        free(e->message);
        if (e->message_regex)
            regfree(e->message_regex);
        free(e->message_regex);
    }
    free(c->entries);
    for (size_t i = 0; i < c->n_ruled_out; i++) {
        free(c->ruled_out[i].id);
        free(c->ruled_out[i].reason);
    }
    free(c->ruled_out);
    memset(c, 0, sizeof *c);
}
