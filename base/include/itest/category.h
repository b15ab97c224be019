/* The failure categories: the words failure messages start with, in brackets ("[timeout] GET
 * http://...: ..."), which itest-report groups by and the teeth harness checks. */
#ifndef ITEST_CATEGORY_H
#define ITEST_CATEGORY_H

#define ITEST_CATEGORY_CONNECTION "connection"
#define ITEST_CATEGORY_TIMEOUT "timeout"
#define ITEST_CATEGORY_AUTH "auth"
#define ITEST_CATEGORY_RATE_LIMIT "rate limit"
#define ITEST_CATEGORY_HTTP_5XX "HTTP 5xx"
#define ITEST_CATEGORY_HTTP_4XX "HTTP 4xx"
#define ITEST_CATEGORY_INVALID_JSON "invalid JSON"
#define ITEST_CATEGORY_UNAVAILABLE "unavailable"
#define ITEST_CATEGORY_SCHEMA "schema" /* the target's schema is not the one expected */
/* A target answered, but not what the contract says: no keyword in the rest of the message
 * (a header named x-ratelimit-..., a status the case expected) may steer the category. */
#define ITEST_CATEGORY_ASSERTION "assertion"
/* A variable or flag has a value the suites cannot take: nothing was sent to any target. */
#define ITEST_CATEGORY_CONFIGURATION "configuration"

#endif
