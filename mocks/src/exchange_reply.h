/* Answering a request with a recorded exchange (cassette.h): its status, headers and body, a
 * stream's events paced as they arrived (divided by speed; 0: at once), a HEAD with the recorded
 * Content-Length. The replay answers so, and the proxy a whole answer it has forwarded. */
#ifndef MOCK_EXCHANGE_REPLY_H
#define MOCK_EXCHANGE_REPLY_H

#include "cassette.h"
#include "request.h"

void mock_reply_exchange(struct mock_request *req, const struct mock_exchange *x, double speed);

#endif
