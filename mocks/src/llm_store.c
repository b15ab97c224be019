#include "llm_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One stored response: id, response (JSON text) and conversation in one buffer that the slot
 * keeps and reuses, so that a full table stores without allocating. */
struct entry {
    char *buf;
    size_t cap;
    const char *id, *response, *conversation; /* into buf; id NULL for an empty slot */
    size_t tokens;
};

struct llm_store {
    pthread_mutex_t lock;
    struct entry *ring;
    size_t capacity, next;
};

struct llm_store *llm_store_new(size_t capacity)
{
    struct llm_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ring = calloc(capacity, sizeof *s->ring);
    if (!s->ring) {
        free(s);
        return NULL;
    }
    s->capacity = capacity;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void drop(struct entry *e)
{
    e->id = e->response = e->conversation = NULL;
}

void llm_store_clear(struct llm_store *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->capacity; i++)
        drop(&s->ring[i]);
    pthread_mutex_unlock(&s->lock);
}

void llm_store_free(struct llm_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->capacity; i++)
        free(s->ring[i].buf);
    pthread_mutex_destroy(&s->lock);
    free(s->ring);
    free(s);
}

/* Lock held. */
static struct entry *find(struct llm_store *s, const char *id)
{
    for (size_t i = 0; i < s->capacity; i++)
        if (s->ring[i].id && strcmp(s->ring[i].id, id) == 0)
            return &s->ring[i];
    return NULL;
}

void llm_store_put(struct llm_store *s, const char *id, const char *response,
                   const char *conversation, size_t tokens)
{
    size_t n_id = strlen(id) + 1, n_response = strlen(response) + 1,
           n_conversation = strlen(conversation) + 1, need = n_id + n_response + n_conversation;
    pthread_mutex_lock(&s->lock);
    struct entry *e = &s->ring[s->next];
    if (e->cap < need) {
        char *grown = realloc(e->buf, need);
        if (!grown) { /* keep the table as it was: this response is not stored */
            pthread_mutex_unlock(&s->lock);
            return;
        }
        e->buf = grown;
        e->cap = need;
    }
    memcpy(e->buf, id, n_id);
    memcpy(e->buf + n_id, response, n_response);
    memcpy(e->buf + n_id + n_response, conversation, n_conversation);
    e->id = e->buf;
    e->response = e->buf + n_id;
    e->conversation = e->buf + n_id + n_response;
    e->tokens = tokens;
    s->next = (s->next + 1) % s->capacity;
    pthread_mutex_unlock(&s->lock);
}

bool llm_store_get(struct llm_store *s, const char *id, char **response, char **conversation,
                   size_t *tokens)
{
    pthread_mutex_lock(&s->lock);
    struct entry *e = find(s, id);
    if (e) {
        if (response)
            *response = strdup(e->response);
        if (conversation)
            *conversation = strdup(e->conversation);
        if (tokens)
            *tokens = e->tokens;
    }
    pthread_mutex_unlock(&s->lock);
    return e != NULL;
}

bool llm_store_delete(struct llm_store *s, const char *id)
{
    pthread_mutex_lock(&s->lock);
    struct entry *e = find(s, id);
    if (e)
        drop(e);
    pthread_mutex_unlock(&s->lock);
    return e != NULL;
}
