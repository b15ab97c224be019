/* Server-sent events for the LLM's streams (chat chunks and Responses events): each event paced
 * by the timer, and the faults that break a stream obeyed in one place: after K events an error
 * event, or the connection cut. */
#ifndef MOCK_LLM_SSE_H
#define MOCK_LLM_SSE_H

#include "paced.h"
#include "server.h"

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct llm_sse {
    struct mock_paced *p;
    long events;      /* sent so far */
    long error_after; /* the fault's streamError.afterChunks, or -1 */
    long cut_after;   /* the fault's streamCut.afterChunks, or -1 */
    bool stopped;     /* a fault's point was reached: nothing more is sent */
};

/* Starts a stream for req (its fault, if any, decides where it breaks). false when memory ran
 * out (answered 500). */
bool llm_sse_start(struct llm_sse *s, struct mock_request *req);
/* Sends json (consumed) as "[event: <name>\n]data: <json>\n\n" at time at (monotonic ns), unless
 * the stream stopped; false once it has. */
bool llm_sse_emit(struct llm_sse *s, const char *name, cJSON *json, uint64_t at);
/* Ends the stream as the fault says: at the error point error (consumed; NULL: the caller has
 * nothing to say) is sent last; at the cut point the connection is cut; otherwise last (raw
 * text, or NULL) is sent. Answers req with the stream and content_type. */
void llm_sse_finish(struct llm_sse *s, struct mock_request *req, const char *error_name,
                    cJSON *error, const char *last, uint64_t at, const char *content_type);

#endif
