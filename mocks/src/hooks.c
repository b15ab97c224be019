/* Webhook deliveries kept whole; see hooks.h. */
#include "hooks.h"

#include "itest/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct delivery {
    unsigned long long id; /* 0: an empty slot */
    double received_at;    /* seconds since the epoch */
    char name[64];
    char *body;
    size_t len;
};

struct mock_hooks {
    pthread_mutex_t lock;
    struct delivery ring[MOCK_HOOKS_KEPT];
    size_t next; /* the slot the next delivery takes */
    unsigned long long total;
};

struct mock_hooks *mock_hooks_new(void)
{
    struct mock_hooks *h = calloc(1, sizeof *h);
    if (h)
        pthread_mutex_init(&h->lock, NULL);
    return h;
}

static void forget(struct delivery *d)
{
    free(d->body);
    memset(d, 0, sizeof *d);
}

void mock_hooks_free(struct mock_hooks *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < MOCK_HOOKS_KEPT; i++)
        forget(&h->ring[i]);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

bool mock_hooks_path(const char *path, const char **name)
{
    static const char prefix[] = "/__hooks/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *n = path + sizeof prefix - 1;
    if (!*n || strlen(n) >= sizeof((struct delivery *)0)->name || strchr(n, '/'))
        return false;
    *name = n;
    return true;
}

unsigned long long mock_hooks_add(struct mock_hooks *h, const char *name, const char *body,
                                  size_t len)
{
    if (len > MOCK_HOOKS_BODY_MAX)
        len = MOCK_HOOKS_BODY_MAX;
    char *copy = malloc(len + 1);
    if (copy) {
        if (len) /* an empty delivery has no body at all: memcpy from NULL is undefined */
            memcpy(copy, body, len);
        copy[len] = '\0';
    }
    pthread_mutex_lock(&h->lock);
    struct delivery *d = &h->ring[h->next];
    forget(d);
    d->id = ++h->total;
    d->received_at = (double)itest_wall_ns() / 1e9;
    snprintf(d->name, sizeof d->name, "%s", name);
    d->body = copy;
    d->len = copy ? len : 0;
    h->next = (h->next + 1) % MOCK_HOOKS_KEPT;
    unsigned long long id = d->id;
    pthread_mutex_unlock(&h->lock);
    return id;
}

static bool wanted(const struct delivery *d, const char *name)
{
    return d->id && (!name || strcmp(d->name, name) == 0);
}

cJSON *mock_hooks_find(struct mock_hooks *h, const char *name)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "hooks");
    pthread_mutex_lock(&h->lock);
    size_t kept = 0;
    for (size_t k = 0; k < MOCK_HOOKS_KEPT; k++) {
        const struct delivery *d = &h->ring[(h->next + k) % MOCK_HOOKS_KEPT];
        kept += d->id != 0;
        if (!wanted(d, name))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)d->id);
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddNumberToObject(o, "receivedAt", d->received_at);
        cJSON *body = d->body ? cJSON_ParseWithLength(d->body, d->len) : NULL;
        cJSON_AddItemToObject(o, "body", body ? body : cJSON_CreateString(d->body ? d->body : ""));
        cJSON_AddItemToArray(list, o);
    }
    unsigned long long total = h->total;
    pthread_mutex_unlock(&h->lock);
    cJSON *meta = cJSON_AddObjectToObject(root, "meta");
    cJSON_AddNumberToObject(meta, "total", (double)total);
    cJSON_AddNumberToObject(meta, "kept", (double)kept);
    cJSON_AddNumberToObject(meta, "capacity", MOCK_HOOKS_KEPT);
    return root;
}

size_t mock_hooks_clear(struct mock_hooks *h, const char *name)
{
    size_t n = 0;
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < MOCK_HOOKS_KEPT; i++)
        if (wanted(&h->ring[i], name)) {
            forget(&h->ring[i]);
            n++;
        }
    pthread_mutex_unlock(&h->lock);
    return n;
}
