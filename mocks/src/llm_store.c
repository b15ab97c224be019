#include "llm_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *id;
    cJSON *response;
    char *conversation;
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
    free(e->id);
    cJSON_Delete(e->response);
    free(e->conversation);
    memset(e, 0, sizeof *e);
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
    llm_store_clear(s);
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

void llm_store_put(struct llm_store *s, const char *id, const cJSON *response,
                   const char *conversation, size_t tokens)
{
    struct entry e = {strdup(id), cJSON_Duplicate(response, true), strdup(conversation), tokens};
    pthread_mutex_lock(&s->lock);
    struct entry *slot = &s->ring[s->next];
    drop(slot);
    *slot = e;
    s->next = (s->next + 1) % s->capacity;
    pthread_mutex_unlock(&s->lock);
}

bool llm_store_get(struct llm_store *s, const char *id, cJSON **response, char **conversation,
                   size_t *tokens)
{
    pthread_mutex_lock(&s->lock);
    struct entry *e = find(s, id);
    if (e) {
        if (response)
            *response = cJSON_Duplicate(e->response, true);
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
