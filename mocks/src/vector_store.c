/* The vector service's data; see vector_store.h. */
#include "vector_store.h"
#include "util.h"
#include "vector_filter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const distance_names[] = {"Cosine", "Dot", "Euclid", "Manhattan"};

const char *vector_distance_name(enum vector_distance d)
{
    return distance_names[d];
}

int vector_distance_parse(const char *name)
{
    for (int d = 0; name && d < 4; d++)
        if (strcmp(name, distance_names[d]) == 0)
            return d;
    return -1;
}

bool vector_distance_larger_better(enum vector_distance d)
{
    return d == VECTOR_COSINE || d == VECTOR_DOT;
}

struct vector_store *vector_store_new(size_t max_points)
{
    struct vector_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_rwlock_init(&s->lock, NULL);
    s->max_points = max_points;
    return s;
}

static void free_points(struct vector_collection *c)
{
    for (size_t i = 0; i < c->npoints; i++) {
        for (size_t k = 0; k < VECTOR_MAX_SPACES; k++)
            free(c->points[i].vectors[k]);
        cJSON_Delete(c->points[i].payload);
    }
    free(c->points);
    free(c->buckets);
    c->points = NULL;
    c->buckets = NULL;
    c->npoints = c->cap = c->nbuckets = 0;
}

void vector_store_reset(struct vector_store *s)
{
    pthread_rwlock_wrlock(&s->lock);
    for (size_t i = 0; i < s->ncollections; i++) {
        free_points(s->collections[i]);
        free(s->collections[i]);
    }
    s->ncollections = 0;
    s->total_points = 0;
    pthread_rwlock_unlock(&s->lock);
}

void vector_store_free(struct vector_store *s)
{
    if (!s)
        return;
    vector_store_reset(s);
    free(s->collections);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

struct vector_collection *vector_store_find(struct vector_store *s, const char *name)
{
    for (size_t i = 0; i < s->ncollections; i++)
        if (strcmp(s->collections[i]->name, name) == 0)
            return s->collections[i];
    return NULL;
}

struct vector_collection *vector_store_create(struct vector_store *s, const char *name,
                                              const struct vector_space *spaces, size_t n,
                                              bool named)
{
    if (vector_store_find(s, name))
        return NULL;
    if (s->ncollections == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        void *grown = realloc(s->collections, cap * sizeof *s->collections);
        if (!grown)
            return NULL;
        s->collections = grown;
        s->cap = cap;
    }
    struct vector_collection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->name, sizeof c->name, "%s", name);
    memcpy(c->spaces, spaces, n * sizeof *spaces);
    c->nspaces = n;
    c->named = named;
    s->collections[s->ncollections++] = c;
    return c;
}

bool vector_store_drop(struct vector_store *s, const char *name)
{
    for (size_t i = 0; i < s->ncollections; i++) {
        struct vector_collection *c = s->collections[i];
        if (strcmp(c->name, name) != 0)
            continue;
        s->total_points -= c->npoints;
        free_points(c);
        free(c);
        s->collections[i] = s->collections[--s->ncollections];
        return true;
    }
    return false;
}

int vector_collection_space(const struct vector_collection *c, const char *name)
{
    for (size_t k = 0; k < c->nspaces; k++)
        if (strcmp(c->spaces[k].name, name ? name : "") == 0)
            return (int)k;
    return -1;
}

static size_t bucket_of(const struct vector_collection *c, const struct vector_id *id)
{
    return (size_t)(mock_hash(id->text, strlen(id->text), 0) % c->nbuckets);
}

struct vector_point *vector_collection_get(const struct vector_collection *c,
                                           const struct vector_id *id)
{
    if (!c->nbuckets)
        return NULL;
    for (uint32_t i = c->buckets[bucket_of(c, id)]; i; i = c->points[i - 1].next)
        if (vector_id_equal(&c->points[i - 1].id, id))
            return &c->points[i - 1];
    return NULL;
}

/* Chains every point again into nbuckets buckets. */
static int rehash(struct vector_collection *c, size_t nbuckets)
{
    uint32_t *b = calloc(nbuckets, sizeof *b);
    if (!b)
        return -1;
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nbuckets;
    for (size_t i = 0; i < c->npoints; i++) {
        size_t k = bucket_of(c, &c->points[i].id);
        c->points[i].next = b[k];
        b[k] = (uint32_t)(i + 1);
    }
    return 0;
}

void vector_normalise(float *v, size_t n)
{
    double norm = 0;
    for (size_t i = 0; i < n; i++)
        norm += (double)v[i] * v[i];
    norm = sqrt(norm);
    for (size_t i = 0; i < n && norm > 0; i++)
        v[i] = (float)(v[i] / norm);
}

int vector_collection_upsert(struct vector_store *s, struct vector_collection *c,
                             const struct vector_id *id, float *vectors[VECTOR_MAX_SPACES],
                             cJSON *payload, uint64_t version)
{
    for (size_t k = 0; k < c->nspaces; k++)
        if (vectors[k] && c->spaces[k].distance == VECTOR_COSINE)
            vector_normalise(vectors[k], c->spaces[k].size);
    struct vector_point *p = vector_collection_get(c, id);
    if (!p) {
        if (s->total_points >= s->max_points)
            return -1;
        if (c->npoints == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 64;
            void *grown = realloc(c->points, cap * sizeof *c->points);
            if (!grown)
                return -1;
            c->points = grown;
            c->cap = cap;
        }
        if (c->npoints >= c->nbuckets && rehash(c, c->nbuckets ? c->nbuckets * 2 : 64) != 0)
            return -1;
        p = &c->points[c->npoints++];
        memset(p, 0, sizeof *p);
        p->id = *id;
        size_t k = bucket_of(c, id);
        p->next = c->buckets[k];
        c->buckets[k] = (uint32_t)c->npoints;
        s->total_points++;
    } else {
        for (size_t k = 0; k < VECTOR_MAX_SPACES; k++)
            free(p->vectors[k]);
        cJSON_Delete(p->payload);
    }
    memcpy(p->vectors, vectors, sizeof p->vectors);
    p->payload = payload ? payload : cJSON_CreateObject();
    p->version = version;
    return 0;
}

/* Unlinks point index i (0-based) from its chain. */
static void unlink_point(struct vector_collection *c, size_t i)
{
    uint32_t *at = &c->buckets[bucket_of(c, &c->points[i].id)];
    while (*at && *at != i + 1)
        at = &c->points[*at - 1].next;
    if (*at)
        *at = c->points[i].next;
}

bool vector_collection_remove(struct vector_store *s, struct vector_collection *c,
                              const struct vector_id *id)
{
    struct vector_point *p = vector_collection_get(c, id);
    if (!p)
        return false;
    size_t i = (size_t)(p - c->points), last = c->npoints - 1;
    unlink_point(c, i);
    for (size_t k = 0; k < VECTOR_MAX_SPACES; k++)
        free(p->vectors[k]);
    cJSON_Delete(p->payload);
    if (i != last) { /* the last point fills the hole */
        unlink_point(c, last);
        c->points[i] = c->points[last];
        size_t k = bucket_of(c, &c->points[i].id);
        c->points[i].next = c->buckets[k];
        c->buckets[k] = (uint32_t)(i + 1);
    }
    c->npoints--;
    s->total_points--;
    return true;
}

static int by_id(const void *a, const void *b)
{
    const struct vector_point *const *x = a, *const *y = b;
    return vector_id_compare(&(*x)->id, &(*y)->id);
}

struct vector_point **vector_collection_sorted(const struct vector_collection *c)
{
    struct vector_point **all = malloc((c->npoints ? c->npoints : 1) * sizeof *all);
    if (!all)
        return NULL;
    for (size_t i = 0; i < c->npoints; i++)
        all[i] = &c->points[i];
    qsort(all, c->npoints, sizeof *all, by_id);
    return all;
}

static double score(enum vector_distance d, const float *a, const float *b, size_t n)
{
    double sum = 0;
    switch (d) {
    case VECTOR_COSINE:
    case VECTOR_DOT: {
        /* four independent sums: the loop is bound by the adds' latency otherwise */
        double s4[4] = {0, 0, 0, 0};
        size_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; k++)
                s4[k] += (double)a[i + k] * b[i + k];
        for (; i < n; i++)
            sum += (double)a[i] * b[i];
        return sum + (s4[0] + s4[1]) + (s4[2] + s4[3]);
    }
    case VECTOR_EUCLID:
        for (size_t i = 0; i < n; i++)
            sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        return sqrt(sum);
    case VECTOR_MANHATTAN:
        for (size_t i = 0; i < n; i++)
            sum += fabs((double)a[i] - b[i]);
        return sum;
    }
    return 0;
}

/* True when hit x ranks before hit y. */
static bool before(const struct vector_hit *x, const struct vector_hit *y, bool larger)
{
    if (x->score != y->score)
        return larger ? x->score > y->score : x->score < y->score;
    return vector_id_compare(&x->point->id, &y->point->id) < 0;
}

size_t vector_collection_search(const struct vector_collection *c, int space, const float *query,
                                const cJSON *filter, bool has_threshold, double threshold,
                                struct vector_hit *hits, size_t want)
{
    const struct vector_space *sp = &c->spaces[space];
    bool larger = vector_distance_larger_better(sp->distance);
    size_t n = 0;
    for (size_t i = 0; i < c->npoints && want; i++) {
        const struct vector_point *p = &c->points[i];
        if (!p->vectors[space])
            continue;
        struct vector_hit h = {p, score(sp->distance, query, p->vectors[space], sp->size)};
        if (has_threshold && (larger ? h.score < threshold : h.score > threshold))
            continue;
        if (n == want && !before(&h, &hits[n - 1], larger))
            continue;
        if (filter && !vector_filter_match(filter, &p->id, p->payload))
            continue;
        size_t at = n < want ? n++ : n - 1; /* insertion into the sorted best-so-far */
        while (at > 0 && before(&h, &hits[at - 1], larger)) {
            hits[at] = hits[at - 1];
            at--;
        }
        hits[at] = h;
    }
    return n;
}
