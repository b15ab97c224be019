/* The vector service's data: collections of points (id, one vector per named space, payload),
 * held in memory up to a bound on points, under one reader-writer lock (searches share it,
 * writes take it alone), and exact (brute-force) search with Qdrant's scores. HTTP is
 * vector.c's. */
#ifndef MOCK_VECTOR_STORE_H
#define MOCK_VECTOR_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "vector_id.h"

#define VECTOR_MAX_SPACES 8
#define VECTOR_MAX_DIM 65536

enum vector_distance { VECTOR_COSINE, VECTOR_DOT, VECTOR_EUCLID, VECTOR_MANHATTAN };

/* "Cosine", "Dot", "Euclid", "Manhattan"; parse returns -1 for anything else. */
const char *vector_distance_name(enum vector_distance d);
int vector_distance_parse(const char *name);
/* Cosine and Dot rank the largest score first; Euclid and Manhattan (distances) the smallest. */
bool vector_distance_larger_better(enum vector_distance d);

struct vector_space {
    char name[64]; /* "" for the collection's one unnamed vector */
    size_t size;
    enum vector_distance distance;
};

struct vector_point {
    struct vector_id id;
    float *vectors[VECTOR_MAX_SPACES]; /* NULL where the point has none; Cosine ones unit */
    cJSON *payload;                    /* an object, never NULL */
    uint64_t version;                  /* the operation that last wrote it */
    uint32_t next;                     /* hash chain: index + 1, 0 ends */
};

struct vector_collection {
    char name[256];
    struct vector_space spaces[VECTOR_MAX_SPACES];
    size_t nspaces;
    bool named; /* vectors are given as {name: [...]} */
    struct vector_point *points;
    size_t npoints, cap;
    uint32_t *buckets; /* index + 1 of a chain's first point */
    size_t nbuckets;
    uint64_t operations;
};

struct vector_store {
    pthread_rwlock_t lock;
    struct vector_collection **collections;
    size_t ncollections, cap;
    size_t max_points, total_points;
    unsigned long long searches, upserts;
};

struct vector_store *vector_store_new(size_t max_points);
void vector_store_free(struct vector_store *s);
void vector_store_reset(struct vector_store *s);

/* The callers take s->lock (read for lookups and searches, write for changes). */
struct vector_collection *vector_store_find(struct vector_store *s, const char *name);
/* Adds an empty collection; NULL when the name is taken. */
struct vector_collection *vector_store_create(struct vector_store *s, const char *name,
                                              const struct vector_space *spaces, size_t n,
                                              bool named);
/* Removes a collection and its points; false when there was none. */
bool vector_store_drop(struct vector_store *s, const char *name);

/* The space called name ("" or NULL: the unnamed one), or -1. */
int vector_collection_space(const struct vector_collection *c, const char *name);
struct vector_point *vector_collection_get(const struct vector_collection *c,
                                           const struct vector_id *id);
/* Inserts or replaces a point, taking vectors (malloc'd, already of the spaces' sizes; Cosine
 * ones are normalised here) and payload (may be NULL). Returns 0, or -1 when the store is full
 * (nothing taken). */
int vector_collection_upsert(struct vector_store *s, struct vector_collection *c,
                             const struct vector_id *id, float *vectors[VECTOR_MAX_SPACES],
                             cJSON *payload, uint64_t version);
bool vector_collection_remove(struct vector_store *s, struct vector_collection *c,
                              const struct vector_id *id);
/* The points sorted by id (malloc'd array of pointers into c; the caller frees it). */
struct vector_point **vector_collection_sorted(const struct vector_collection *c);

/* Normalises v in place (the zero vector stays zero). */
void vector_normalise(float *v, size_t n);

struct vector_hit {
    const struct vector_point *point;
    double score;
};
/* The best `want` points of space `space` for query (size of the space; normalised already for
 * Cosine) that pass filter and, when has_threshold, reach threshold (>= for scores, <= for
 * distances), best first (ties by id); writes up to want hits and returns how many. */
size_t vector_collection_search(const struct vector_collection *c, int space, const float *query,
                                const cJSON *filter, bool has_threshold, double threshold,
                                struct vector_hit *hits, size_t want);

#endif
