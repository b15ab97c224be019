/* One timer thread for every delayed response: a suspended connection costs a heap entry, not
 * a worker thread (WireMock holds a pool thread per delayed request and stalls at ~170 req/s). */
#ifndef MOCK_TIMER_H
#define MOCK_TIMER_H

#include <stdint.h>
#include "itest/clock.h"

typedef void (*mock_timer_fn)(void *arg);

/* Starts the thread. Returns 0 or -1. */
int mock_timer_start(void);
/* Runs every pending callback at once (so suspended connections resume), then joins. */
void mock_timer_stop(void);
/* Calls fn(arg) on the timer thread at monotonic time due_ns (itest_now_ns()); at once if due
 * already or if the timer is stopping. */
void mock_timer_at(uint64_t due_ns, mock_timer_fn fn, void *arg);

#endif
