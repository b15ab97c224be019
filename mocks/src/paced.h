/* A chunked response whose pieces leave at set times (SSE tokens, a dribbled body) without
 * holding a thread: when the next piece is not due, the connection is suspended and the timer
 * resumes it. Optionally the connection is cut after the last piece instead of ending cleanly. */
#ifndef MOCK_PACED_H
#define MOCK_PACED_H

#include <stddef.h>
#include "itest/clock.h"
#include <stdint.h>
#include <microhttpd.h>

struct mock_paced;

struct mock_paced *mock_paced_new(struct MHD_Connection *conn);
/* Appends a copy of data, to be sent no earlier than at_ns (itest_now_ns() clock). */
int mock_paced_add(struct mock_paced *p, const char *data, size_t len, uint64_t at_ns);
/* After the last piece, close the connection without the final chunk (a truncated stream). */
void mock_paced_cut(struct mock_paced *p);
/* A chunked response reading from p; the response owns p. NULL on failure (p freed). */
struct MHD_Response *mock_paced_response(struct mock_paced *p);

#endif
