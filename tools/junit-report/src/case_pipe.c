#include "case_pipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BATCH (256u * 1024)
#define IN_FLIGHT 3 /* full batches waiting: bounds the memory whatever the input */

struct header {
    double seconds;
    int32_t has_time, outcome, flaky_reruns, error_element;
    uint32_t nmetrics, present; /* bit i: string i is present (not NULL) */
};

enum { S_SUITE, S_CLASS, S_NAME, S_LABELS, S_MODEL, S_MESSAGE, S_BODY, S_OUTPUT, S_SKIP, S_COUNT };

struct case_pipe {
    struct model *m;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct buf queue[IN_FLIGHT + 1]; /* a ring of batches: full ones, then free ones */
    size_t head, full;
    int busy, stopping;
    struct buf filling;
};

static void put_string(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s) + 1);
}

static void encode(struct buf *b, const struct case_in *c)
{
    const char *strings[S_COUNT] = {c->suite,   c->classname, c->name,   c->labels,      c->model,
                                    c->message, c->body,      c->output, c->skip_message};
    struct header h = {c->seconds,
                       c->has_time,
                       (int32_t)c->outcome,
                       c->flaky_reruns,
                       c->error_element,
                       (uint32_t)c->nmetrics,
                       0};
    for (int i = 0; i < S_COUNT; i++)
        if (strings[i])
            h.present |= 1u << i;
    buf_add(b, (const char *)&h, sizeof h);
    for (int i = 0; i < S_COUNT; i++)
        if (strings[i])
            put_string(b, strings[i]);
    for (size_t i = 0; i < c->nmetrics; i++) {
        put_string(b, c->metrics[i].name);
        put_string(b, c->metrics[i].value);
    }
}

static const char *take_string(const char **at)
{
    const char *s = *at;
    *at += strlen(s) + 1;
    return s;
}

static void record_batch(struct model *m, const struct buf *b)
{
    const char *at = b->data, *end = b->data + b->len;
    struct metric_in metrics[64];
    while (at < end) {
        struct header h;
        memcpy(&h, at, sizeof h);
        at += sizeof h;
        const char *strings[S_COUNT];
        for (int i = 0; i < S_COUNT; i++)
            strings[i] = h.present & (1u << i) ? take_string(&at) : NULL;
        size_t n = h.nmetrics < 64 ? h.nmetrics : 64;
        for (size_t i = 0; i < h.nmetrics; i++) {
            const char *name = take_string(&at), *value = take_string(&at);
            if (i < n)
                metrics[i] = (struct metric_in){name, value};
        }
        struct case_in c = {.suite = strings[S_SUITE],
                            .classname = strings[S_CLASS],
                            .name = strings[S_NAME],
                            .labels = strings[S_LABELS],
                            .model = strings[S_MODEL],
                            .seconds = h.seconds,
                            .has_time = h.has_time,
                            .outcome = (enum outcome)h.outcome,
                            .flaky_reruns = h.flaky_reruns,
                            .error_element = h.error_element,
                            .message = strings[S_MESSAGE],
                            .body = strings[S_BODY],
                            .output = strings[S_OUTPUT],
                            .skip_message = strings[S_SKIP],
                            .metrics = metrics,
                            .nmetrics = n};
        model_add_case(m, &c);
    }
}

static void *worker(void *arg)
{
    struct case_pipe *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->full && !p->stopping)
            pthread_cond_wait(&p->changed, &p->lock);
        if (!p->full && p->stopping)
            break;
        struct buf *b = &p->queue[p->head];
        p->busy = 1;
        pthread_mutex_unlock(&p->lock);
        record_batch(p->m, b);
        buf_clear(b);
        pthread_mutex_lock(&p->lock);
        p->head = (p->head + 1) % (IN_FLIGHT + 1);
        p->full--;
        p->busy = 0;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct case_pipe *case_pipe_start(struct model *m)
{
    struct case_pipe *p = xcalloc(1, sizeof *p);
    p->m = m;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    if (pthread_create(&p->thread, NULL, worker, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->changed);
        free(p);
        return NULL;
    }
    return p;
}

/* Moves the filling batch into the ring, waiting while the ring is full. */
static void hand_over(struct case_pipe *p)
{
    if (!p->filling.len)
        return;
    pthread_mutex_lock(&p->lock);
    while (p->full == IN_FLIGHT)
        pthread_cond_wait(&p->changed, &p->lock);
    struct buf *slot = &p->queue[(p->head + p->full) % (IN_FLIGHT + 1)];
    struct buf spare = *slot; /* swap: the worker gets the bytes, we keep a spare buffer */
    *slot = p->filling;
    p->filling = spare;
    buf_clear(&p->filling);
    p->full++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void case_pipe_put(struct case_pipe *p, const struct case_in *c)
{
    encode(&p->filling, c);
    if (p->filling.len >= BATCH)
        hand_over(p);
}

void case_pipe_drain(struct case_pipe *p)
{
    hand_over(p);
    pthread_mutex_lock(&p->lock);
    while (p->full || p->busy)
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    model_flush(p->m);
}

void case_pipe_stop(struct case_pipe *p)
{
    if (!p)
        return;
    case_pipe_drain(p);
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    for (size_t i = 0; i <= IN_FLIGHT; i++)
        buf_free(&p->queue[i]);
    buf_free(&p->filling);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
}
