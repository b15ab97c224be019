/* Hands parsed test cases to a second thread that records them in the model, so that on a
 * large input the XML parse and the bookkeeping (hashing, grouping, classifying) run side by
 * side on two cores. Cases travel in batches of copied strings; the order is kept. While a
 * pipe runs, only its worker touches the model; case_pipe_drain returns it to the caller. */
#ifndef REPORT_CASE_PIPE_H
#define REPORT_CASE_PIPE_H

#include "model.h"

struct case_pipe;

/* Starts the worker; NULL when a thread cannot be had (then record cases directly). */
struct case_pipe *case_pipe_start(struct model *m);
void case_pipe_put(struct case_pipe *p, const struct case_in *c);
/* Waits until every case put so far is in the model. */
void case_pipe_drain(struct case_pipe *p);
/* Drains, then ends the worker. */
void case_pipe_stop(struct case_pipe *p);

#endif
