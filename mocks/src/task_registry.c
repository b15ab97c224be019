/* Task Registry: tasks with a status state machine, events in order, artifact records, cursor
 * pagination (CONTRACTS.md). All state in memory, bounded by --max-records. */
#include "server.h"
#include "util.h"

#include "itest/number.h"

#include "itest/clock.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum status { PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, N_STATUS };
static const char *const status_names[N_STATUS] = {"pending", "running", "succeeded", "failed",
                                                   "cancelled"};

struct event {
    char id[40];
    char *type, *message;
    uint64_t at;
};

struct record {
    char *key;
    char sha256[65];
    long long size;
    uint64_t at;
    bool hidden; /* mutation registry.artifact_not_listed */
};

struct task {
    char id[40];
    char *title, *spec;
    int priority;
    enum status status;
    uint64_t created, updated;
    struct event *events;
    size_t n_events, cap_events;
    struct record *records;
    size_t n_records, cap_records;
};

struct registry {
    pthread_mutex_t lock;
    struct task **tasks; /* index = sequence number */
    size_t n, cap;
    long records; /* tasks + events + artifact records */
    uint64_t next_event;
    uint64_t base; /* ids ever given out before the last reset: old ids stay unknown */
    uint64_t salt;
};

static int init(struct mock_service *svc)
{
    struct registry *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    pthread_mutex_init(&r->lock, NULL);
    r->salt = itest_wall_ns();
    svc->state = r;
    return 0;
}

static void free_task(struct task *t)
{
    for (size_t i = 0; i < t->n_events; i++) {
        free(t->events[i].type);
        free(t->events[i].message);
    }
    for (size_t i = 0; i < t->n_records; i++)
        free(t->records[i].key);
    free(t->events);
    free(t->records);
    free(t->title);
    free(t->spec);
    free(t);
}

static void reset(struct mock_service *svc)
{
    struct registry *r = svc->state;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++)
        free_task(r->tasks[i]);
    r->base += r->n;
    r->n = 0;
    r->records = 0;
    pthread_mutex_unlock(&r->lock);
}

static void destroy(struct mock_service *svc)
{
    struct registry *r = svc->state;
    if (!r)
        return;
    reset(svc);
    free(r->tasks);
    pthread_mutex_destroy(&r->lock);
    free(r);
    svc->state = NULL;
}

static void add_time(const struct mock_request *req, cJSON *o, const char *name, uint64_t wall_ns)
{
    char at[40];
    if (mock_mutated(req, MOCK_MUT_REGISTRY_TIMES_NOT_RFC3339)) {
        time_t secs = (time_t)(wall_ns / 1000000000u);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", &tm);
    } else {
        itest_format_rfc3339(at, sizeof at, wall_ns);
    }
    cJSON_AddStringToObject(o, name, at);
}

static cJSON *record_json(const struct mock_request *req, const struct task *t,
                          const struct record *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "task_id", t->id);
    cJSON_AddStringToObject(o, "key", a->key);
    char sha[65];
    memcpy(sha, a->sha256, sizeof sha);
    if (mock_mutated(req, MOCK_MUT_REGISTRY_ARTIFACT_SHA_CHANGED))
        sha[0] = sha[0] == '0' ? '1' : '0';
    cJSON_AddStringToObject(o, "sha256", sha);
    cJSON_AddNumberToObject(
        o, "size", (double)a->size + mock_mutated(req, MOCK_MUT_REGISTRY_ARTIFACT_SIZE_CHANGED));
    add_time(req, o, "created_at", a->at);
    return o;
}

static cJSON *task_json(const struct mock_request *req, const struct task *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", t->id);
    size_t title_len = strlen(t->title);
    if (mock_mutated(req, MOCK_MUT_REGISTRY_TITLE_TRUNCATED) && title_len > 20)
        title_len = 20;
    char *title = strndup(t->title, title_len);
    cJSON_AddStringToObject(o, "title", title ? title : "");
    free(title);
    cJSON_AddStringToObject(o, "spec",
                            mock_mutated(req, MOCK_MUT_REGISTRY_SPEC_DROPPED) ? "" : t->spec);
    cJSON_AddNumberToObject(
        o, "priority", mock_mutated(req, MOCK_MUT_REGISTRY_PRIORITY_IGNORED) ? 0 : t->priority);
    cJSON_AddStringToObject(o, "status", status_names[t->status]);
    add_time(req, o, "created_at", t->created);
    uint64_t updated = t->updated;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_UPDATED_BEFORE_CREATED))
        updated = t->created - 3600ull * 1000000000u;
    add_time(req, o, "updated_at", updated);
    cJSON *arts = cJSON_AddArrayToObject(o, "artifacts");
    for (size_t i = 0; i < t->n_records; i++)
        if (!t->records[i].hidden)
            cJSON_AddItemToArray(arts, record_json(req, t, &t->records[i]));
    return o;
}

static cJSON *event_json(const struct mock_request *req, const struct task *t,
                         const struct event *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(
        o, "id", mock_mutated(req, MOCK_MUT_REGISTRY_EVENT_IDS_REPEAT) ? t->events[0].id : e->id);
    char task_id[40];
    snprintf(task_id, sizeof task_id, "%s", t->id);
    if (mock_mutated(req, MOCK_MUT_REGISTRY_EVENT_TASK_ID_WRONG))
        task_id[strlen(task_id) - 1] = task_id[strlen(task_id) - 1] == '0' ? '1' : '0';
    cJSON_AddStringToObject(o, "task_id", task_id);
    cJSON_AddStringToObject(o, "type", e->type);
    bool cut = mock_mutated(req, MOCK_MUT_REGISTRY_EVENT_MESSAGE_CUT);
    char *message = strndup(e->message, cut ? 4 : strlen(e->message));
    cJSON_AddStringToObject(o, "message", message ? message : "");
    free(message);
    add_time(req, o, "at", e->at);
    return o;
}

/* A string member: required or optional, 0..max bytes (min 1 when non_empty). Returns 0, 1 when
 * absent and optional, or -1 after answering 400. */
static int string_field(struct mock_request *req, const cJSON *body, const char *name,
                        bool required, bool non_empty, size_t max, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!item) {
        if (!required)
            return 1;
        mock_reply_error(req, 400, "missing_field", "%s is required", name);
        return -1;
    }
    if (!cJSON_IsString(item)) {
        mock_reply_error(req, 400, "invalid_field", "%s: expected a string", name);
        return -1;
    }
    size_t len = strlen(item->valuestring);
    if ((non_empty && len == 0) || len > max) {
        mock_reply_error(req, 400, "invalid_field", "%s: expected %s1..%zu characters, got %zu",
                         name, non_empty ? "" : "0 or ", max, len);
        return -1;
    }
    *out = item->valuestring;
    return 0;
}

static int whole_field(struct mock_request *req, const cJSON *body, const char *name, bool required,
                       long long min, long long max, long long *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!item) {
        if (!required)
            return 1;
        mock_reply_error(req, 400, "missing_field", "%s is required", name);
        return -1;
    }
    double v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    if (!(v >= (double)min && v <= (double)max) || v != floor(v)) {
        char got[64];
        char *text = cJSON_PrintUnformatted(item);
        snprintf(got, sizeof got, "%s", text ? text : "?");
        free(text);
        mock_reply_error(req, 400, "invalid_field", "%s: expected an integer %lld..%lld, got %s",
                         name, min, max, got);
        return -1;
    }
    *out = (long long)v;
    return 0;
}

static cJSON *object_body(struct mock_request *req)
{
    cJSON *body = mock_request_json(req);
    if (body && !cJSON_IsObject(body)) {
        mock_reply_error(req, 400, "invalid_body", "expected a JSON object");
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* Makes room for one more element in a growing array; false when memory is out. */
static bool reserve(void *items_ptr, size_t *cap, size_t n, size_t size, size_t first)
{
    void **items = items_ptr;
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : first;
    void *grown = realloc(*items, want * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = want;
    return true;
}

/* reserve(), answering 507 when memory is out. */
static bool reserve_or_refuse(struct mock_request *req, void *items_ptr, size_t *cap, size_t n,
                              size_t size, size_t first)
{
    if (reserve(items_ptr, cap, n, size, first))
        return true;
    mock_reply_error(req, 507, "storage_full", "out of memory");
    return false;
}

static bool room(struct mock_service *svc, struct mock_request *req, struct registry *r)
{
    if (r->records < svc->opts->max_records)
        return true;
    mock_reply_error(req, 507, "storage_full",
                     "the mock keeps at most %ld records (--max-records); POST /__admin/reset "
                     "forgets them",
                     svc->opts->max_records);
    return false;
}

static void create_task(struct mock_service *svc, struct mock_request *req)
{
    struct registry *r = svc->state;
    cJSON *body = object_body(req);
    if (!body)
        return;
    const char *title, *spec = "";
    long long priority = 0;
    if (string_field(req, body, "title", true, true, 200, &title) < 0 ||
        string_field(req, body, "spec", true, false, 65536, &spec) < 0 ||
        whole_field(req, body, "priority", false,
                    mock_mutated(req, MOCK_MUT_REGISTRY_PRIORITY_UNCHECKED) ? -1000 : 0,
                    mock_mutated(req, MOCK_MUT_REGISTRY_PRIORITY_UNCHECKED) ? 1000 : 9,
                    &priority) < 0) {
        cJSON_Delete(body);
        return;
    }
    struct task *t = calloc(1, sizeof *t);
    t->title = strdup(title);
    t->spec = strdup(spec);
    cJSON_Delete(body);
    t->priority = (int)priority;
    t->status = mock_mutated(req, MOCK_MUT_REGISTRY_CREATED_RUNNING) ? RUNNING : PENDING;
    t->created = t->updated = itest_wall_ns();
    pthread_mutex_lock(&r->lock);
    if (!room(svc, req, r)) {
        pthread_mutex_unlock(&r->lock);
        free_task(t);
        return;
    }
    if (!reserve_or_refuse(req, &r->tasks, &r->cap, r->n, sizeof *r->tasks, 1024)) {
        pthread_mutex_unlock(&r->lock);
        free_task(t);
        return;
    }
    mock_id_format(t->id, sizeof t->id, r->base + r->n);
    if (mock_mutated(req, MOCK_MUT_REGISTRY_IDS_REPEAT) && r->n % 2 == 1)
        memcpy(t->id, r->tasks[r->n - 1]->id, sizeof t->id);
    r->tasks[r->n++] = t;
    r->records++;
    cJSON *out = task_json(req, t);
    pthread_mutex_unlock(&r->lock);
    char location[64];
    snprintf(location, sizeof location, "/tasks/%s", t->id);
    mock_reply_json(req, mock_mutated(req, MOCK_MUT_REGISTRY_CREATE_200) ? 200 : 201, out);
    mock_add_header(req, "Location", location);
}

/* The answer for an id that names no task. */
static void no_task(struct mock_request *req, const char *id)
{
    if (mock_mutated(req, MOCK_MUT_REGISTRY_UNKNOWN_TASK_400))
        return mock_reply_error(req, 400, "invalid_id", "%s is not a task id", id);
    mock_reply_error(req, 404, "not_found", "no task %s", id);
}

/* Call with the lock held. */
static struct task *find_task(struct registry *r, const char *id)
{
    int64_t seq = mock_id_parse(id);
    if (seq < 0 || (uint64_t)seq < r->base || (uint64_t)seq - r->base >= r->n)
        return NULL;
    return r->tasks[(uint64_t)seq - r->base];
}

static int parse_status(const char *name)
{
    for (int s = 0; s < N_STATUS; s++)
        if (strcmp(status_names[s], name) == 0)
            return s;
    return -1;
}

static bool legal(const struct mock_request *req, enum status from, enum status to)
{
    bool terminal = from == SUCCEEDED || from == FAILED || from == CANCELLED;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_TERMINAL_REOPENS) && terminal && to == RUNNING)
        return true;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_PENDING_SKIPS_RUNNING) && from == PENDING &&
        (to == SUCCEEDED || to == FAILED))
        return true;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_CANCEL_REFUSED) && from == RUNNING && to == CANCELLED)
        return false;
    return (from == PENDING && (to == RUNNING || to == CANCELLED)) ||
           (from == RUNNING && (to == SUCCEEDED || to == FAILED || to == CANCELLED));
}

/* Cursors are opaque to clients: the next index with a check value, so a made-up or stale-salt
 * cursor is a 400, not a silent restart. */
static void cursor_format(char *buf, size_t len, const struct registry *r, size_t index)
{
    uint64_t check = mock_hash(&index, sizeof index, r->salt) & 0xffffff;
    snprintf(buf, len, "%zx.%06llx", index, (unsigned long long)check);
}

static bool cursor_parse(const char *text, const struct registry *r, size_t *index)
{
    size_t i;
    unsigned long long check;
    int used = 0;
    if (sscanf(text, "%zx.%6llx%n", &i, &check, &used) != 2 || text[used] != '\0')
        return false;
    char again[48];
    cursor_format(again, sizeof again, r, i);
    if (strcmp(again, text) != 0)
        return false;
    *index = i;
    return true;
}

static void list_tasks(struct mock_service *svc, struct mock_request *req)
{
    struct registry *r = svc->state;
    const char *status_text = mock_query(req, "status");
    const char *limit_text = mock_query(req, "limit");
    const char *cursor = mock_query(req, "cursor");
    int status = -1;
    if (status_text && (status = parse_status(status_text)) < 0)
        return mock_reply_error(req, 400, "invalid_status",
                                "status=%s: expected pending, running, succeeded, failed or "
                                "cancelled",
                                status_text);
    long long limit = 20;
    if (limit_text && itest_parse_long(&limit, limit_text, 1, 100) != 0)
        return mock_reply_error(req, 400, "invalid_limit", "limit=%s: expected 1..100", limit_text);
    size_t from = 0;
    pthread_mutex_lock(&r->lock);
    if (cursor && (!cursor_parse(cursor, r, &from) || from > r->n)) {
        pthread_mutex_unlock(&r->lock);
        return mock_reply_error(req, 400, "invalid_cursor",
                                "cursor=%s is not a cursor this service gave out", cursor);
    }
    if (mock_mutated(req, MOCK_MUT_REGISTRY_LIMIT_IGNORED))
        limit = 20;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_FILTER_IGNORED) ||
        (cursor && mock_mutated(req, MOCK_MUT_REGISTRY_FILTER_FIRST_PAGE_ONLY)))
        status = -1;
    cJSON *root = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    long long taken = 0;
    size_t i = from, last = from;
    for (; i < r->n; i++) {
        const struct task *t = r->tasks[i];
        if (status >= 0 && t->status != (enum status)status)
            continue;
        if (taken == limit)
            break; /* another match remains: it starts the next page */
        cJSON_AddItemToArray(items, task_json(req, t));
        last = i;
        taken++;
    }
    size_t next_index = i;
    if (i < r->n && taken > 0 && mock_mutated(req, MOCK_MUT_REGISTRY_PAGES_OVERLAP))
        next_index = last;
    if (i < r->n && mock_mutated(req, MOCK_MUT_REGISTRY_PAGES_SKIP))
        next_index = i + 1;
    if (i >= r->n && mock_mutated(req, MOCK_MUT_REGISTRY_LAST_PAGE_LOOPS))
        next_index = 0;
    if (i < r->n || next_index < r->n) {
        char next[48];
        cursor_format(next, sizeof next, r, next_index);
        cJSON_AddStringToObject(root, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(root, "next_cursor");
    }
    pthread_mutex_unlock(&r->lock);
    mock_reply_json(req, 200, root);
}

static void patch_status(struct mock_service *svc, struct mock_request *req, const char *id)
{
    struct registry *r = svc->state;
    cJSON *body = object_body(req);
    if (!body)
        return;
    const char *name;
    if (string_field(req, body, "status", true, true, 32, &name) < 0) {
        cJSON_Delete(body);
        return;
    }
    int to = parse_status(name);
    if (to < 0) {
        mock_reply_error(req, 400, "invalid_status",
                         "status: \"%s\" is not one of pending, running, succeeded, failed, "
                         "cancelled",
                         name);
        cJSON_Delete(body);
        return;
    }
    cJSON_Delete(body);
    pthread_mutex_lock(&r->lock);
    struct task *t = find_task(r, id);
    if (!t) {
        pthread_mutex_unlock(&r->lock);
        return no_task(req, id);
    }
    if (!legal(req, t->status, (enum status)to)) {
        enum status from = t->status;
        if (mock_mutated(req, MOCK_MUT_REGISTRY_CONFLICT_CHANGES_TASK))
            t->status = (enum status)to;
        pthread_mutex_unlock(&r->lock);
        return mock_reply_error(req, 409, "illegal_transition", "task %s cannot go from %s to %s",
                                id, status_names[from], status_names[to]);
    }
    enum status was = t->status;
    cJSON *before =
        mock_mutated(req, MOCK_MUT_REGISTRY_PATCH_REPLY_STALE) ? task_json(req, t) : NULL;
    t->status = (enum status)to;
    uint64_t now = itest_wall_ns();
    if (!mock_mutated(req, MOCK_MUT_REGISTRY_UPDATED_AT_FROZEN))
        t->updated = now;
    if (mock_mutated(req, MOCK_MUT_REGISTRY_CREATED_AT_MOVES))
        t->created = now;
    cJSON *out = before ? before : task_json(req, t);
    if (mock_mutated(req, MOCK_MUT_REGISTRY_PATCH_NOT_KEPT))
        t->status = was;
    pthread_mutex_unlock(&r->lock);
    mock_reply_json(req, 200, out);
}

/* Lock held: the task a POST adds to, or NULL after answering 404, 507 or out of memory. */
static struct task *task_for_record(struct mock_service *svc, struct mock_request *req,
                                    struct registry *r, const char *id)
{
    struct task *t = find_task(r, id);
    if (!t)
        no_task(req, id);
    return t && room(svc, req, r) ? t : NULL;
}

static void add_event(struct mock_service *svc, struct mock_request *req, const char *id)
{
    struct registry *r = svc->state;
    cJSON *body = object_body(req);
    if (!body)
        return;
    const char *type, *message = "";
    if (string_field(req, body, "type", true, true, 64, &type) < 0 ||
        string_field(req, body, "message", true, false, 65536, &message) < 0) {
        cJSON_Delete(body);
        return;
    }
    pthread_mutex_lock(&r->lock);
    struct task *t = task_for_record(svc, req, r, id);
    cJSON *out = NULL;
    if (t &&
        reserve_or_refuse(req, &t->events, &t->cap_events, t->n_events, sizeof *t->events, 8)) {
        struct event *e = &t->events[t->n_events++];
        mock_id_format(e->id, sizeof e->id, r->next_event++);
        e->type = strdup(type);
        e->message = strdup(message);
        e->at = itest_wall_ns();
        r->records++;
        out = event_json(req, t, e);
    }
    pthread_mutex_unlock(&r->lock);
    cJSON_Delete(body);
    if (out)
        mock_reply_json(req, 201, out);
}

static void list_events(struct mock_service *svc, struct mock_request *req, const char *id)
{
    struct registry *r = svc->state;
    pthread_mutex_lock(&r->lock);
    struct task *t = find_task(r, id);
    if (!t) {
        pthread_mutex_unlock(&r->lock);
        return no_task(req, id);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    bool reversed = mock_mutated(req, MOCK_MUT_REGISTRY_EVENTS_NEWEST_FIRST);
    for (size_t i = mock_mutated(req, MOCK_MUT_REGISTRY_EVENTS_DROP_FIRST); i < t->n_events; i++)
        cJSON_AddItemToArray(items,
                             event_json(req, t, &t->events[reversed ? t->n_events - 1 - i : i]));
    pthread_mutex_unlock(&r->lock);
    mock_reply_json(req, 200, root);
}

static bool is_sha256(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return false;
    return true;
}

static void add_record(struct mock_service *svc, struct mock_request *req, const char *id)
{
    struct registry *r = svc->state;
    cJSON *body = object_body(req);
    if (!body)
        return;
    const char *key, *sha;
    long long size;
    if (string_field(req, body, "key", true, true, 512, &key) < 0 ||
        string_field(req, body, "sha256", true, true, 64, &sha) < 0 ||
        whole_field(req, body, "size", true, 0, 1ll << 50, &size) < 0) {
        cJSON_Delete(body);
        return;
    }
    if (!is_sha256(sha)) {
        mock_reply_error(req, 400, "invalid_field", "sha256: expected 64 lower-case hex digits");
        cJSON_Delete(body);
        return;
    }
    pthread_mutex_lock(&r->lock);
    struct task *t = task_for_record(svc, req, r, id);
    cJSON *out = NULL;
    if (t &&
        reserve_or_refuse(req, &t->records, &t->cap_records, t->n_records, sizeof *t->records, 4)) {
        struct record *a = &t->records[t->n_records++];
        a->key = strdup(key);
        memcpy(a->sha256, sha, 65);
        a->size = size;
        a->at = itest_wall_ns();
        a->hidden = mock_mutated(req, MOCK_MUT_REGISTRY_ARTIFACT_NOT_LISTED);
        if (!mock_mutated(req, MOCK_MUT_REGISTRY_UPDATED_AT_FROZEN) &&
            !mock_mutated(req, MOCK_MUT_REGISTRY_UPDATED_AT_IGNORES_ARTIFACTS))
            t->updated = a->at;
        r->records++;
        out = record_json(req, t, a);
    }
    pthread_mutex_unlock(&r->lock);
    cJSON_Delete(body);
    if (out)
        mock_reply_json(req, 201, out);
}

static void get_task(struct mock_service *svc, struct mock_request *req, const char *id)
{
    struct registry *r = svc->state;
    pthread_mutex_lock(&r->lock);
    struct task *t = find_task(r, id);
    if (t && mock_mutated(req, MOCK_MUT_REGISTRY_GET_NEWEST))
        t = r->tasks[r->n - 1];
    cJSON *out = t ? task_json(req, t) : NULL;
    pthread_mutex_unlock(&r->lock);
    if (!out)
        return no_task(req, id);
    mock_reply_json(req, 200, out);
}

static void not_allowed(struct mock_request *req, const char *allow)
{
    mock_reply_error(req, 405, "method_not_allowed", "%s %s: allowed methods are %s", req->method,
                     req->path, allow);
    mock_add_header(req, "Allow", allow);
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    if (strcmp(req->path, "/tasks") == 0) {
        if (strcmp(m, "POST") == 0)
            return create_task(svc, req);
        if (get)
            return list_tasks(svc, req);
        return not_allowed(req, "GET, POST");
    }
    if (strncmp(req->path, "/tasks/", 7) != 0)
        return mock_reply_error(req, 404, "not_found", "no route %s %s", m, req->path);
    char id[64];
    const char *rest = req->path + 7;
    size_t id_len = strcspn(rest, "/");
    if (id_len == 0 || id_len >= sizeof id)
        return mock_reply_error(req, 404, "not_found", "no task %.*s", (int)id_len, rest);
    memcpy(id, rest, id_len);
    id[id_len] = '\0';
    const char *sub = rest + id_len;
    if (*sub == '\0') {
        if (get)
            return get_task(svc, req, id);
        return not_allowed(req, "GET");
    }
    if (strcmp(sub, "/status") == 0) {
        if (strcmp(m, "PATCH") == 0)
            return patch_status(svc, req, id);
        return not_allowed(req, "PATCH");
    }
    if (strcmp(sub, "/events") == 0) {
        if (strcmp(m, "POST") == 0)
            return add_event(svc, req, id);
        if (get)
            return list_events(svc, req, id);
        return not_allowed(req, "GET, POST");
    }
    if (strcmp(sub, "/artifacts") == 0) {
        if (strcmp(m, "POST") == 0)
            return add_record(svc, req, id);
        return not_allowed(req, "POST");
    }
    mock_reply_error(req, 404, "not_found", "no route %s %s", m, req->path);
}

static char *metrics(struct mock_service *svc)
{
    struct registry *r = svc->state;
    pthread_mutex_lock(&r->lock);
    size_t tasks = r->n;
    long records = r->records;
    pthread_mutex_unlock(&r->lock);
    char *text = NULL;
    if (asprintf(&text,
                 "# HELP itest_mock_tasks Tasks the registry holds.\n"
                 "# TYPE itest_mock_tasks gauge\nitest_mock_tasks %zu\n"
                 "# HELP itest_mock_records Tasks, events and artifact records held (against "
                 "--max-records).\n"
                 "# TYPE itest_mock_records gauge\nitest_mock_records %ld\n",
                 tasks, records) < 0)
        return NULL;
    return text;
}

const struct mock_routes mock_task_registry_routes = {
    .init = init, .destroy = destroy, .reset = reset, .handle = handle, .metrics = metrics};
