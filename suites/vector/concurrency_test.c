/* Eight threads at once, four upserting disjoint ranges of ids in batches and four searching
 * all the while: no request fails, no search returns a point that was never written (a
 * phantom), and afterwards every point is there exactly once (none lost). */
#include "cases.h"
#include "vec.h"

#include "itest/targets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITERS 4
#define READERS 4
#define PER_WRITER 400
#define BATCH 20
#define DIM 24
#define TOTAL (WRITERS * PER_WRITER)

struct shared {
    const char *name;
    const float *data;
    int writers_done; /* atomic */
};

struct worker {
    struct shared *s;
    int index;
    long requests, searches;
    char error[512]; /* the first problem seen */
};

/* Keeps the first problem a thread saw (threads cannot fail the case themselves). */
#define note(w, ...)                                                                               \
    do {                                                                                           \
        if (!(w)->error[0])                                                                        \
            snprintf((w)->error, sizeof(w)->error, __VA_ARGS__);                                   \
    } while (0)

static void *writer(void *arg)
{
    struct worker *w = arg;
    char path[VEC_NAME_MAX + 48];
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", w->s->name);
    size_t cap = BATCH * (DIM * 18 + 64) + 64;
    char *body = malloc(cap);
    for (int from = 0; body && from < PER_WRITER; from += BATCH) {
        size_t len = (size_t)snprintf(body, cap, "{\"points\": [");
        for (int i = from; i < from + BATCH; i++) {
            int id = w->index * PER_WRITER + i + 1;
            char *v = vec_floats_json(w->s->data + (size_t)(id - 1) * DIM, DIM);
            len += (size_t)snprintf(body + len, cap - len, "%s{\"id\": %d, \"vector\": %s}",
                                    i > from ? "," : "", id, v ? v : "[]");
            free(v);
        }
        snprintf(body + len, cap - len, "]}");
        struct itest_http_response r;
        vec_send(&r, "PUT", path, body, false);
        w->requests++;
        if (r.status != 200)
            note(w, "an upsert of ids from %d answered %ld", w->index * PER_WRITER + from + 1,
                 r.status);
        itest_http_response_free(&r);
    }
    free(body);
    __atomic_add_fetch(&w->s->writers_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *reader(void *arg)
{
    struct worker *w = arg;
    char path[VEC_NAME_MAX + 48];
    snprintf(path, sizeof path, "/collections/%s/points/search", w->s->name);
    for (unsigned seed = 0;
         __atomic_load_n(&w->s->writers_done, __ATOMIC_ACQUIRE) < WRITERS || w->searches < 20;
         seed++) {
        float q[DIM];
        vec_random(q, 1, DIM, 1000 + (uint64_t)w->index * 100000 + seed);
        char *v = vec_floats_json(q, DIM), body[DIM * 18 + 64];
        snprintf(body, sizeof body, "{\"vector\": %s, \"limit\": 10}", v ? v : "[]");
        free(v);
        struct itest_http_response r;
        vec_send(&r, "POST", path, body, false);
        w->searches++;
        cJSON *tree = r.status == 200 ? cJSON_ParseWithLength(r.body, r.body_len) : NULL;
        if (!tree)
            note(w, "search %ld answered %ld without a JSON body", w->searches, r.status);
        const cJSON *hit;
        cJSON_ArrayForEach(hit, cJSON_GetObjectItemCaseSensitive(tree, "result"))
        {
            double id = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(hit, "id"));
            if (!(id >= 1 && id <= TOTAL))
                note(w, "search %ld found point %ld, which no writer wrote (a phantom)",
                     w->searches, (long)id);
        }
        cJSON_Delete(tree);
        itest_http_response_free(&r);
    }
    return NULL;
}

void vector_concurrent_upserts_and_searches(void **state)
{
    (void)state;
    itest_skip_if_recorded("its searches and counts answer whatever the concurrent upserts have "
                           "stored so far, which depends on how the threads interleave");
    char name[VEC_NAME_MAX];
    vec_collection(name, DIM, "Cosine");
    float *data = malloc(sizeof(float) * TOTAL * DIM);
    vec_random(data, TOTAL, DIM, 21);
    struct shared s = {name, data, 0};
    struct worker workers[WRITERS + READERS];
    pthread_t threads[WRITERS + READERS];
    memset(workers, 0, sizeof workers);
    for (int i = 0; i < WRITERS + READERS; i++) {
        workers[i].s = &s;
        workers[i].index = i < WRITERS ? i : i - WRITERS;
        pthread_create(&threads[i], NULL, i < WRITERS ? writer : reader, &workers[i]);
    }
    long searches = 0;
    for (int i = 0; i < WRITERS + READERS; i++) {
        pthread_join(threads[i], NULL);
        searches += workers[i].searches;
    }
    for (int i = 0; i < WRITERS + READERS; i++)
        itest_check(!workers[i].error[0], "%s %d: %s", i < WRITERS ? "writer" : "reader",
                    workers[i].index + 1, workers[i].error);
    printf("%d points upserted by %d threads while %d threads searched %ld times\n", TOTAL, WRITERS,
           READERS, searches);
    long n = vec_count(name, NULL);
    itest_check(n == TOTAL, "after %d concurrent upserts of %d distinct ids the count is %ld",
                WRITERS * PER_WRITER / BATCH, TOTAL, n);
    /* every point is there with its own vector: its nearest neighbour is itself */
    for (size_t id = 1; id <= TOTAL; id += 37) {
        struct vec_hit got[1];
        vec_search(name, data + (id - 1) * DIM, DIM, 1, NULL, got);
        itest_check(got[0].id == id && got[0].score > 0.99999,
                    "point %zu, written concurrently, is not its own nearest neighbour (found %llu "
                    "at %.6f): lost or mixed with another write",
                    id, (unsigned long long)got[0].id, got[0].score);
    }
    free(data);
}
