/* The reader's and classifier's parts one by one: times in every spelling, the lenient filter
 * (the same output however the input is split), the built-in categories and their order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "junit_dialect.h"
#include "junit_parse.h"
#include "repair.h"
#include "report_test.h"
#include "util.h"

static void times_in_every_spelling(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double want;
    } rows[] = {
        {"1.5", 1.5},
        {"0,013", 0.013},
        {"1,234.5", 1234.5},
        {"1.234,5", 1234.5},
        {"1,234,567", 1234567},
        {" 2 ", 2},
        {"0", 0},
        {"12", 12},
        {"3.", 3},
        {"1e-3", 0.001},
        {"", -1},
        {"abc", -1},
        {"-1", -1},
        {"1.2.3,4", 123.4},
        {"nan", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        double got = junit_parse_time(rows[i].text, strlen(rows[i].text));
        if (fabs(got - rows[i].want) > 1e-9)
            itest_fail("time \"%s\": got %g, expected %g", rows[i].text, got, rows[i].want);
    }
}

static void repair_is_the_same_however_the_input_is_split(void **state)
{
    (void)state;
    const char *input =
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"a\">"
        "<testcase name=\"x <y> & \"z\"\" time=\"1\"><failure>\x1b[31mred\x1b[0m &#27; &nbsp; "
        "a < b &amp; c</failure></testcase></testsuite></testsuites>\n"
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"b\"/></testsuites>\n";
    size_t n = strlen(input);
    struct repair r;
    struct buf whole = {0};
    repair_init(&r);
    repair_feed(&r, input, n, 1, &whole);
    size_t fixed = r.fixed;
    repair_free(&r);
    assert_contains(whole.data, "name=\"x &lt;y> &amp; &quot;z&quot;\" time=\"1\"");
    assert_contains(whole.data, "<failure>red ? &amp;nbsp; a &lt; b &amp; c</failure>");
    assert_not_contains(whole.data + 5, "<?xml"); /* the second declaration is gone */
    for (size_t piece = 1; piece <= 7; piece++) {
        struct buf out = {0};
        repair_init(&r);
        for (size_t at = 0; at < n; at += piece) {
            size_t k = n - at < piece ? n - at : piece;
            repair_feed(&r, input + at, k, at + k == n, &out);
        }
        if (out.len != whole.len || memcmp(out.data, whole.data, out.len) != 0 || r.fixed != fixed)
            itest_fail("fed %zu bytes at a time the filter wrote:\n%s\nbut whole:\n%s", piece,
                       out.data, whole.data);
        repair_free(&r);
        buf_free(&out);
    }
    buf_free(&whole);
}

static void built_in_categories_and_their_order(void **state)
{
    (void)state;
    static const struct {
        const char *message, *category;
    } rows[] = {
        {"[HTTP 5xx] POST /tasks: operation timed out", "HTTP 5xx"}, /* our tag decides */
        {"[unavailable] LLM_BASE_URL=http://x does not answer", "unavailable target"},
        {"Couldn't connect to server", "connection"},
        {"connect ECONNREFUSED 127.0.0.1:5432", "connection"},
        {"server closed the connection unexpectedly", "connection"},
        {"Operation timed out after 30001 milliseconds", "timeout"},
        {"504 Gateway Timeout", "HTTP 5xx"},
        {"HTTP 401 Unauthorized", "auth"},
        {"FATAL: password authentication failed for user", "auth"},
        {"429 Too Many Requests", "rate limit"},
        {"HTTP 503 from /tasks (request 429)", "HTTP 5xx"},
        {"expected status 200, got 404", "HTTP 4xx"},
        {"JSONDecodeError: Expecting value: line 1 column 1", "invalid JSON or schema"},
        {"Segmentation fault (core dumped)", "crash or signal"},
        {"ERROR: AddressSanitizer: heap-use-after-free", "crash or signal"},
        {"Could not resolve host: registry.invalid", "unavailable target"},
        {"expected 3 items, found 2", "assertion"},
        /* a variable's name must not steer a configuration error elsewhere */
        {"itest-services: error: [configuration] INTEGRATION_TEST_TIMEOUT='abc' is not a number",
         "configuration"},
        {"ValueError: INTEGRATION_TEST_TIMEOUT='30s' is not a number of seconds", "configuration"},
        {"ITEST_SKIP_UNAVAILABLE='maybe' is not a boolean", "configuration"},
        {"RATE_LIMIT_RPS='fast' is not a number", "configuration"},
        {"DATABASE_URL='host=db port' is not a libpq connection string (connection failed)",
         "configuration"},
        {"Invalid configuration: the timeout must be positive", "configuration"},
        /* and a lower-case name=value is no variable: "timeout" still decides */
        {"request_timeout='5' is not honoured: operation timed out", "timeout"},
    };
    struct classifier c;
    classifier_init(&c);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int k = classifier_classify(&c, rows[i].message, NULL, NULL, 0);
        if (strcmp(c.cats[k].name, rows[i].category) != 0)
            itest_fail("\"%s\": %s, expected %s", rows[i].message, c.cats[k].name,
                       rows[i].category);
    }
    /* the body is read when the message says nothing; no text at all is "other" */
    int k = classifier_classify(&c, "Failed", "    x_test.go:9: connection reset by peer", NULL, 0);
    assert_string_equal(c.cats[k].name, "connection");
    k = classifier_classify(&c, "", "", "", 0);
    assert_string_equal(c.cats[k].name, "other");
    k = classifier_classify(&c, "RuntimeError: boom", NULL, NULL, 1);
    assert_string_equal(c.cats[k].name, "other"); /* an <error> nothing matched */
    classifier_free(&c);
}

/* The fast number formatting writes what snprintf writes, for values of every size, near the
 * rounding boundaries and at the edges of %g's fixed notation. */
static void numbers_as_snprintf_writes_them(void **state)
{
    unsigned long long x = 88172645463325252ULL;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (i % 5) {
        case 0: /* times as producers write them */
            v = (double)(x % 10000000) / 1000.0;
            break;
        case 1: /* a half at some decimal */
            v = (double)(x % 100000) / 1000.0 + 0.0005;
            break;
        case 2: /* any magnitude */
            v = ldexp((double)(x >> 11) / 9007199254740992.0, (int)(x % 80) - 40);
            break;
        case 3: /* around powers of ten */
            v = pow(10, (int)(x % 14) - 6) * (1 - 1e-7 * (double)(x % 3));
            break;
        default:
            v = -((double)(x % 1000000) / 7.0);
            break;
        }
        char want[64], got[32];
        for (int d = 0; d <= 6; d += 3) {
            snprintf(want, sizeof want, "%.*f", d, v);
            format_fixed(got, v, d);
            itest_check(strcmp(want, got) == 0, "%%.%df of %.17g: snprintf %s, ours %s", d, v,
                        want, got);
        }
        snprintf(want, sizeof want, "%.6g", v);
        format_g6(got, v);
        itest_check(strcmp(want, got) == 0, "%%.6g of %.17g: snprintf %s, ours %s", v, want, got);
    }
}

static const struct itest_case cases[] = {
    ITEST_CASE(numbers_as_snprintf_writes_them),
    ITEST_CASE(times_in_every_spelling),
    ITEST_CASE(repair_is_the_same_however_the_input_is_split),
    ITEST_CASE(built_in_categories_and_their_order),
};

ITEST_SUITE_MAIN(cases)
