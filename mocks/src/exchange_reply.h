/* Answering a request with a recorded exchange (cassette.h): its status, headers and body, a
 * stream's events paced as they arrived (divided by speed; 0: at once), a HEAD with the recorded
 * Content-Length. The replay answers so, and the proxy a whole answer it has forwarded. */
#ifndef MOCK_EXCHANGE_REPLY_H
#define MOCK_EXCHANGE_REPLY_H

#include "cassette.h"
#include "request.h"

/* The exchange's response headers onto resp, or onto req's answer when resp is NULL
 * (Content-Length left to MHD). */
void mock_exchange_add_headers(struct mock_request *req, struct MHD_Response *resp,
                               const struct mock_exchange *x);
void mock_reply_exchange(struct mock_request *req, const struct mock_exchange *x, double speed);

#endif
