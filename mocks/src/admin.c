/* The admin API under /__admin/ on every service (docs/mocks.md): one more mock_routes table,
 * which main.c gives each service. */
#include "admin.h"
#include "util.h"

#include "itest/json_parse.h"
#include "itest/number.h"
#include "itest/regex.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static void reply_count(struct mock_request *req, int status, const char *name, double n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, name, n);
    mock_reply_json(req, status, o);
}

static void add_fault(struct mock_service *svc, struct mock_request *req)
{
    cJSON *def = mock_request_json(req);
    if (!def)
        return;
    char err[512];
    struct mock_fault *f = mock_fault_parse(def, err, sizeof err);
    cJSON_Delete(def);
    if (!f) {
        mock_reply_error(req, 400, "invalid_fault", "%s", err);
        return;
    }
    mock_fault_set_add(svc->faults, f);
    cJSON *echo = cJSON_Duplicate(f->definition, 1);
    cJSON_AddNumberToObject(echo, "id", (double)f->id);
    char what[48];
    mock_fault_describe(f, what, sizeof what);
    mock_log(svc->opts, "%s fault %llu registered: %s scope=%s", svc->name,
             (unsigned long long)f->id, what, f->scope ? f->scope : "(global)");
    mock_reply_json(req, 201, echo);
}

/* POST /__admin/mutations {"name": "registry.updated_at_frozen", "scope": "<scope>"}: a mutation
 * of this service, for one scope or (without "scope") for every request. */
static void add_mutation(struct mock_service *svc, struct mock_request *req)
{
    cJSON *def = mock_request_json(req);
    if (!def)
        return;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(def, "name");
    const cJSON *scope = cJSON_GetObjectItemCaseSensitive(def, "scope");
    const char *bad_member = NULL;
    for (const cJSON *m = cJSON_IsObject(def) ? def->child : NULL; m && !bad_member; m = m->next)
        if (strcmp(m->string, "name") != 0 && strcmp(m->string, "scope") != 0)
            bad_member = m->string;
    int m = cJSON_IsString(name) ? mock_mutation_parse(name->valuestring) : -1;
    if (!cJSON_IsObject(def) || bad_member || !cJSON_IsString(name) ||
        (scope && !cJSON_IsNull(scope) &&
         (!cJSON_IsString(scope) || strlen(scope->valuestring) >= 128))) {
        mock_reply_error(req, 400, "invalid_mutation",
                         "%s%sexpected {\"name\": \"<mutation>\", \"scope\": \"<scope>\"} (scope "
                         "optional, under 128 characters)",
                         bad_member ? bad_member : "", bad_member ? ": unknown member; " : "");
    } else if (m < 0) {
        mock_reply_error(req, 400, "invalid_mutation",
                         "name: \"%s\" is not a mutation itest-mock knows; GET /__admin/mutations "
                         "lists this service's",
                         name->valuestring);
    } else if (!mock_mutation_applies((enum mock_mutation)m, svc->kind)) {
        mock_reply_error(req, 400, "invalid_mutation", "name: \"%s\" is the %s service's, not %s's",
                         name->valuestring,
                         itest_service_name(mock_mutation_info((enum mock_mutation)m)->service),
                         svc->name);
    } else {
        const char *s = cJSON_IsString(scope) ? scope->valuestring : NULL;
        if (mock_mutation_set_add(svc->mutations, (enum mock_mutation)m, s) != 0) {
            mock_reply_error(req, 507, "storage_full", "out of memory");
        } else {
            mock_log(svc->opts, "%s mutation %s planted scope=%s", svc->name, name->valuestring,
                     s ? s : "(global)");
            cJSON *echo = cJSON_CreateObject();
            cJSON_AddStringToObject(echo, "name", name->valuestring);
            if (s)
                cJSON_AddStringToObject(echo, "scope", s);
            else
                cJSON_AddNullToObject(echo, "scope");
            cJSON_AddStringToObject(echo, "what", mock_mutation_info((enum mock_mutation)m)->what);
            mock_reply_json(req, 201, echo);
        }
    }
    cJSON_Delete(def);
}

/* GET /__admin/mutations: the active ones and every one this service can take. */
static void list_mutations(struct mock_service *svc, struct mock_request *req)
{
    cJSON *root = mock_mutation_set_list(svc->mutations);
    cJSON *available = cJSON_AddArrayToObject(root, "available");
    for (int m = 0; m < MOCK_MUTATION_COUNT; m++) {
        if (!mock_mutation_applies((enum mock_mutation)m, svc->kind))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", mock_mutation_info((enum mock_mutation)m)->name);
        cJSON_AddStringToObject(o, "what", mock_mutation_info((enum mock_mutation)m)->what);
        cJSON_AddItemToArray(available, o);
    }
    mock_reply_json(req, 200, root);
}

/* A journal query from query parameters (GET) or a JSON body (POST .../count, .../find). The
 * regex, if any, is compiled into *rx (free with regfree when *has_rx). Returns 0, or -1 after
 * answering 400. */
static int read_query(struct mock_request *req, const cJSON *body, struct mock_journal_query *q,
                      regex_t *rx, bool *has_rx, long *limit)
{
    memset(q, 0, sizeof *q);
    *has_rx = false;
    const char *pattern = NULL, *limit_text = NULL;
    if (body) {
        static const char *const allowed[] = {"method", "urlPath", "url", "urlPathPattern",
                                              "scope",  "limit",   NULL};
        if (!cJSON_IsObject(body)) {
            mock_reply_error(req, 400, "invalid_query", "expected a JSON object of criteria");
            return -1;
        }
        for (const cJSON *m = body->child; m; m = m->next) {
            bool known = false;
            for (const char *const *a = allowed; *a; a++)
                known = known || strcmp(*a, m->string) == 0;
            if (!known || (!cJSON_IsString(m) && strcmp(m->string, "limit") != 0)) {
                mock_reply_error(req, 400, "invalid_query",
                                 "%s: %s; criteria are method, urlPath, urlPathPattern and scope "
                                 "(strings)",
                                 m->string, known ? "expected a string" : "unknown member");
                return -1;
            }
        }
        q->method = cJSON_GetStringValue(cJSON_GetObjectItem(body, "method"));
        q->path = cJSON_GetStringValue(cJSON_GetObjectItem(body, "urlPath"));
        if (!q->path)
            q->path = cJSON_GetStringValue(cJSON_GetObjectItem(body, "url"));
        pattern = cJSON_GetStringValue(cJSON_GetObjectItem(body, "urlPathPattern"));
        q->scope = cJSON_GetStringValue(cJSON_GetObjectItem(body, "scope"));
        const cJSON *l = cJSON_GetObjectItem(body, "limit");
        if (l && (!cJSON_IsNumber(l) || l->valuedouble < 0 || l->valuedouble > 1e9)) {
            mock_reply_error(req, 400, "invalid_query", "limit: expected a whole number >= 0");
            return -1;
        }
        *limit = l ? (long)l->valuedouble : 0;
    } else {
        q->method = mock_query(req, "method");
        q->path = mock_query(req, "path");
        pattern = mock_query(req, "pathPattern");
        q->scope = mock_query(req, "scope");
        limit_text = mock_query(req, "limit");
        long long l = 0;
        if (limit_text && itest_parse_long(&l, limit_text, 0, 1000000000) != 0) {
            mock_reply_error(req, 400, "invalid_query", "limit=%s: expected a whole number >= 0",
                             limit_text);
            return -1;
        }
        *limit = (long)l;
    }
    if (pattern) {
        char *anchored;
        if (asprintf(&anchored, "^(%s)$", pattern) < 0)
            return -1;
        char why[160];
        int rc = itest_regex_compile(rx, anchored, REG_EXTENDED | REG_NOSUB, why, sizeof why);
        free(anchored);
        if (rc != 0) {
            mock_reply_error(req, 400, "invalid_query",
                             "urlPathPattern \"%s\" is not a POSIX extended regular expression: %s",
                             pattern, why);
            return -1;
        }
        *has_rx = true;
        q->path_regex = rx;
    }
    return 0;
}

static void journal(struct mock_service *svc, struct mock_request *req, const char *what)
{
    cJSON *body = NULL;
    if (strcmp(req->method, "POST") == 0) {
        body = mock_request_json(req);
        if (!body)
            return;
    }
    struct mock_journal_query q;
    regex_t rx;
    bool has_rx;
    long limit = 0;
    if (read_query(req, body, &q, &rx, &has_rx, &limit) == 0) {
        if (strcmp(what, "count") == 0)
            reply_count(req, 200, "count", (double)mock_journal_count(svc->journal, &q));
        else
            mock_reply_json(req, 200, mock_journal_find(svc->journal, &q, (size_t)limit));
    }
    if (has_rx)
        regfree(&rx);
    cJSON_Delete(body);
}

static const char *body_scope(struct mock_request *req, bool *bad)
{
    *bad = false;
    const char *scope = mock_query(req, "scope");
    if (scope || req->body.total == 0)
        return scope;
    cJSON *body = mock_request_json(req);
    if (!body) {
        *bad = true;
        return NULL;
    }
    const cJSON *s = cJSON_GetObjectItem(body, "scope");
    static __thread char copy[128];
    scope = NULL;
    if (cJSON_IsString(s) && strlen(s->valuestring) < sizeof copy) {
        strcpy(copy, s->valuestring);
        scope = copy;
    } else if (s || !cJSON_IsObject(body) || body->child) {
        mock_reply_error(req, 400, "invalid_reset",
                         "expected {\"scope\": \"<suite>.<case>\"} "
                         "or no body");
        *bad = true;
    }
    cJSON_Delete(body);
    return scope;
}

static void info(struct mock_service *svc, struct mock_request *req)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "service", svc->name);
    cJSON_AddStringToObject(o, "url", svc->url);
    cJSON *endpoints = cJSON_AddArrayToObject(o, "admin");
    static const char *const list[] = {
        "GET /__admin/faults",
        "POST /__admin/faults",
        "DELETE /__admin/faults[?scope=S]",
        "DELETE /__admin/faults/{id}",
        "GET /__admin/mutations",
        "POST /__admin/mutations {\"name\": N, \"scope\": S}",
        "DELETE /__admin/mutations[?scope=S]",
        "GET /__admin/requests?method=&path=&pathPattern=&scope=&limit=",
        "POST /__admin/requests/count",
        "POST /__admin/requests/find",
        "DELETE /__admin/requests[?scope=S]",
        "GET /__admin/hooks[/NAME]",
        "DELETE /__admin/hooks[/NAME]",
        "POST /__admin/reset [{\"scope\": S}]"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        cJSON_AddItemToArray(endpoints, cJSON_CreateString(list[i]));
    mock_reply_json(req, 200, o);
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    const char *p = req->path + strlen("/__admin");
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0, del = strcmp(m, "DELETE") == 0;
    if (strcmp(p, "") == 0 || strcmp(p, "/") == 0) {
        if (get)
            return info(svc, req);
    } else if (strcmp(p, "/faults") == 0 || strcmp(p, "/mappings") == 0) {
        if (get)
            return mock_reply_json(req, 200, mock_fault_set_list(svc->faults));
        if (post)
            return add_fault(svc, req);
        if (del) {
            size_t n = mock_fault_set_clear(svc->faults, mock_query(req, "scope"));
            return reply_count(req, 200, "removed", (double)n);
        }
    } else if (strncmp(p, "/faults/", 8) == 0) {
        long long id;
        if (itest_parse_long(&id, p + 8, 1, INT64_MAX) != 0)
            return mock_reply_error(req, 404, "not_found", "no fault %s", p + 8);
        if (del)
            return mock_fault_set_remove(svc->faults, (uint64_t)id)
                       ? mock_reply(req, 204, NULL, "", 0)
                       : mock_reply_error(req, 404, "not_found",
                                          "no fault %lld (used up or removed)", id);
    } else if (strcmp(p, "/mutations") == 0) {
        if (get)
            return list_mutations(svc, req);
        if (post)
            return add_mutation(svc, req);
        if (del) {
            size_t n = mock_mutation_set_clear(svc->mutations, mock_query(req, "scope"));
            return reply_count(req, 200, "removed", (double)n);
        }
    } else if (strcmp(p, "/requests") == 0) {
        if (get)
            return journal(svc, req, "find");
        if (del) {
            size_t n = mock_journal_clear(svc->journal, mock_query(req, "scope"));
            return reply_count(req, 200, "removed", (double)n);
        }
    } else if (strcmp(p, "/requests/count") == 0 || strcmp(p, "/requests/find") == 0) {
        if (post)
            return journal(svc, req, p + 10);
    } else if (strcmp(p, "/hooks") == 0 || strncmp(p, "/hooks/", 7) == 0) {
        const char *name = p[6] ? p + 7 : NULL;
        if (get)
            return mock_reply_json(req, 200, mock_hooks_find(svc->hooks, name));
        if (del)
            return reply_count(req, 200, "removed", (double)mock_hooks_clear(svc->hooks, name));
    } else if (strcmp(p, "/reset") == 0) {
        if (post) {
            bool bad;
            const char *scope = body_scope(req, &bad);
            if (bad)
                return;
            size_t faults = mock_fault_set_clear(svc->faults, scope);
            size_t mutations = mock_mutation_set_clear(svc->mutations, scope);
            size_t requests = mock_journal_clear(svc->journal, scope);
            if (!scope) {
                mock_hooks_clear(svc->hooks, NULL);
                if (svc->routes->reset)
                    svc->routes->reset(svc);
            }
            mock_log(svc->opts, "%s reset %s", svc->name, scope ? scope : "(everything)");
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "faultsRemoved", (double)faults);
            cJSON_AddNumberToObject(o, "mutationsRemoved", (double)mutations);
            cJSON_AddNumberToObject(o, "requestsRemoved", (double)requests);
            cJSON_AddBoolToObject(o, "stateReset", !scope);
            return mock_reply_json(req, 200, o);
        }
    } else {
        return mock_reply_error(req, 404, "not_found",
                                "no admin endpoint %s; GET /__admin/ lists "
                                "them",
                                req->path);
    }
    mock_reply_error(req, 405, "method_not_allowed", "%s is not allowed on %s", m, req->path);
}

const struct mock_routes mock_admin_routes = {.handle = handle};

int mock_admin_load_faults(struct mock_service *services, size_t n, const char *path)
{
    char err[1024];
    cJSON *root = itest_json_load_file(path, 0, NULL, err, sizeof err);
    if (!root) {
        fprintf(stderr, "itest-mock: --faults %s\n", err);
        return -1;
    }
    const cJSON *list = cJSON_IsArray(root) ? root : cJSON_GetObjectItem(root, "faults");
    if (!cJSON_IsArray(list)) {
        fprintf(stderr,
                "itest-mock: --faults %s: expected a JSON array of faults or "
                "{\"faults\": [...]}\n",
                path);
        cJSON_Delete(root);
        return -1;
    }
    int index = 0, rc = 0;
    for (const cJSON *def = list->child; def && rc == 0; def = def->next, index++) {
        const cJSON *svc_name = cJSON_GetObjectItem(def, "service");
        if (svc_name &&
            (!cJSON_IsString(svc_name) || itest_service_parse(svc_name->valuestring) < 0)) {
            fprintf(stderr,
                    "itest-mock: --faults %s: fault [%d]: service: expected one of "
                    "task-registry, repo-pool, artifact-store, llm\n",
                    path, index);
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (svc_name && strcmp(svc_name->valuestring, services[i].name) != 0)
                continue;
            char why[512];
            struct mock_fault *f = mock_fault_parse(def, why, sizeof why);
            if (!f) {
                fprintf(stderr, "itest-mock: --faults %s: fault [%d]: %s\n", path, index, why);
                rc = -1;
                break;
            }
            mock_fault_set_add(services[i].faults, f);
        }
    }
    cJSON_Delete(root);
    return rc;
}
