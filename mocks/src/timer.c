#include "timer.h"
#include "util.h"

#include "itest/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct entry {
    uint64_t due;
    uint64_t seq; /* keeps equal deadlines in arrival order */
    mock_timer_fn fn;
    void *arg;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct entry *heap;
static size_t n_heap, cap_heap;
static uint64_t next_seq;
static bool running, stopping;
static pthread_t thread;

static bool before(const struct entry *a, const struct entry *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void swap(size_t i, size_t j)
{
    struct entry t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
}

static void push(struct entry e)
{
    if (n_heap == cap_heap) {
        size_t cap = cap_heap ? cap_heap * 2 : 256;
        struct entry *h = realloc(heap, cap * sizeof *h);
        if (!h) {
            abort(); /* a lost resume would hang a connection forever */
        }
        heap = h;
        cap_heap = cap;
    }
    size_t i = n_heap++;
    heap[i] = e;
    while (i > 0 && before(&heap[i], &heap[(i - 1) / 2])) {
        swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static struct entry pop(void)
{
    struct entry top = heap[0];
    heap[0] = heap[--n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n_heap && before(&heap[l], &heap[m]))
            m = l;
        if (r < n_heap && before(&heap[r], &heap[m]))
            m = r;
        if (m == i)
            break;
        swap(i, m);
        i = m;
    }
    return top;
}

static void *run(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        if (n_heap == 0) {
            if (stopping)
                break;
            pthread_cond_wait(&wake, &lock);
            continue;
        }
        uint64_t now = itest_now_ns();
        if (heap[0].due > now && !stopping) {
            struct timespec until = {(time_t)(heap[0].due / 1000000000u),
                                     (long)(heap[0].due % 1000000000u)};
            pthread_cond_timedwait(&wake, &lock, &until);
            continue;
        }
        struct entry e = pop();
        pthread_mutex_unlock(&lock);
        e.fn(e.arg);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int mock_timer_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    stopping = false;
    if (pthread_create(&thread, NULL, run, NULL) != 0)
        return -1;
    running = true;
    return 0;
}

void mock_timer_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = false;
    free(heap);
    heap = NULL;
    n_heap = cap_heap = 0;
}

void mock_timer_at(uint64_t due_ns, mock_timer_fn fn, void *arg)
{
    pthread_mutex_lock(&lock);
    bool inline_call = !running || stopping;
    if (!inline_call) {
        bool first = n_heap == 0 || due_ns < heap[0].due;
        push((struct entry){due_ns, next_seq++, fn, arg});
        if (first)
            pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
    if (inline_call)
        fn(arg);
}
