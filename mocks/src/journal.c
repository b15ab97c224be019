#include "journal.h"
#include "util.h"

#include "itest/clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct mock_journal {
    pthread_mutex_t lock;
    struct mock_journal_entry *ring;
    size_t capacity, start, count;
    uint64_t next_id;
};

struct mock_journal *mock_journal_new(size_t capacity)
{
    struct mock_journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->capacity = capacity ? capacity : 1;
    j->ring = calloc(j->capacity, sizeof *j->ring);
    if (!j->ring) {
        free(j);
        return NULL;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->next_id = 1;
    return j;
}

void mock_journal_free(struct mock_journal *j)
{
    if (!j)
        return;
    pthread_mutex_destroy(&j->lock);
    free(j->ring);
    free(j);
}

void mock_journal_add(struct mock_journal *j, struct mock_journal_entry *e)
{
    pthread_mutex_lock(&j->lock);
    e->id = j->next_id++;
    size_t slot = (j->start + j->count) % j->capacity;
    if (j->count == j->capacity)
        j->start = (j->start + 1) % j->capacity;
    else
        j->count++;
    /* copy only the used part of the body */
    memcpy(&j->ring[slot], e, offsetof(struct mock_journal_entry, body) + e->body_len);
    pthread_mutex_unlock(&j->lock);
}

static bool matches(const struct mock_journal_entry *e, const struct mock_journal_query *q)
{
    if (q->method && strcasecmp(q->method, e->method) != 0)
        return false;
    if (q->path && strcmp(q->path, e->path) != 0)
        return false;
    if (q->scope && strcmp(q->scope, e->scope) != 0)
        return false;
    if (q->path_regex && regexec(q->path_regex, e->path, 0, NULL, 0) != 0)
        return false;
    return true;
}

static cJSON *entry_json(const struct mock_journal_entry *e)
{
    char at[40];
    itest_format_rfc3339(at, sizeof at, e->wall_ns);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)e->id);
    cJSON_AddStringToObject(o, "loggedDate", at);
    cJSON_AddStringToObject(o, "method", e->method);
    cJSON_AddStringToObject(o, "path", e->path);
    if (e->scope[0])
        cJSON_AddStringToObject(o, "scope", e->scope);
    else
        cJSON_AddNullToObject(o, "scope");
    if (e->request_id[0])
        cJSON_AddStringToObject(o, "requestId", e->request_id);
    else
        cJSON_AddNullToObject(o, "requestId");
    cJSON_AddNumberToObject(o, "status", e->status);
    if (e->fault[0]) {
        cJSON_AddStringToObject(o, "fault", e->fault);
        cJSON_AddNumberToObject(o, "faultId", (double)e->fault_id);
    } else {
        cJSON_AddNullToObject(o, "fault");
    }
    cJSON_AddNumberToObject(o, "delayMs", e->delay_ms);
    cJSON_AddNumberToObject(o, "durationMs", e->duration_ms);
    cJSON_AddNumberToObject(o, "bodySize", (double)e->body_size);
    /* the kept start of the body, as text; bytes that are not printable ASCII become '.' */
    char text[MOCK_JOURNAL_BODY_BYTES + 1];
    for (size_t i = 0; i < e->body_len; i++) {
        unsigned char c = (unsigned char)e->body[i];
        text[i] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ? (char)c : '.';
    }
    text[e->body_len] = '\0';
    cJSON_AddStringToObject(o, "body", text);
    cJSON_AddBoolToObject(o, "bodyTruncated", e->body_size > e->body_len);
    return o;
}

cJSON *mock_journal_find(struct mock_journal *j, const struct mock_journal_query *q, size_t limit)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "requests");
    pthread_mutex_lock(&j->lock);
    size_t found = 0;
    for (size_t i = 0; i < j->count && (limit == 0 || found < limit); i++) {
        const struct mock_journal_entry *e = &j->ring[(j->start + i) % j->capacity];
        if (matches(e, q)) {
            cJSON_AddItemToArray(list, entry_json(e));
            found++;
        }
    }
    cJSON *meta = cJSON_AddObjectToObject(root, "meta");
    cJSON_AddNumberToObject(meta, "total", (double)(j->next_id - 1));
    cJSON_AddNumberToObject(meta, "kept", (double)j->count);
    cJSON_AddNumberToObject(meta, "capacity", (double)j->capacity);
    pthread_mutex_unlock(&j->lock);
    return root;
}

size_t mock_journal_count(struct mock_journal *j, const struct mock_journal_query *q)
{
    size_t n = 0;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->count; i++)
        n += matches(&j->ring[(j->start + i) % j->capacity], q);
    pthread_mutex_unlock(&j->lock);
    return n;
}

size_t mock_journal_clear(struct mock_journal *j, const char *scope)
{
    pthread_mutex_lock(&j->lock);
    size_t removed = 0, kept = 0;
    if (!scope) {
        removed = j->count;
    } else {
        /* compact the ring in place, keeping order */
        for (size_t i = 0; i < j->count; i++) {
            struct mock_journal_entry *e = &j->ring[(j->start + i) % j->capacity];
            if (strcmp(e->scope, scope) == 0) {
                removed++;
                continue;
            }
            struct mock_journal_entry *to = &j->ring[(j->start + kept) % j->capacity];
            if (to != e)
                memcpy(to, e, sizeof *e);
            kept++;
        }
    }
    j->count = kept;
    pthread_mutex_unlock(&j->lock);
    return removed;
}
