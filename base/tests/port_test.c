/* Loopback ports and the address part of a URL (itest/port.h). */
#include "itest/check.h"
#include "itest/port.h"
#include "itest/suite.h"

#include <string.h>

static void a_free_port_is_a_port(void **state)
{
    (void)state;
    int port = itest_free_port();
    itest_check(port > 0 && port < 65536, "itest_free_port gave %d", port);
}

static void host_port_of_urls(void **state)
{
    (void)state;
    static const struct {
        const char *url, *want;
    } cases[] = {{"http://127.0.0.1:9090", "127.0.0.1:9090"},
                 {"https://prom.example.test:443/api/v1?x=1", "prom.example.test:443"},
                 {"http://user:secret@10.0.0.5:8080/", "10.0.0.5:8080"},
                 {"127.0.0.1:9093", "127.0.0.1:9093"},
                 {"http://[::1]:9090#top", "[::1]:9090"}};
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        itest_check(itest_url_host_port(cases[i].url, out, sizeof out) == 0 &&
                        strcmp(out, cases[i].want) == 0,
                    "%s: expected %s", cases[i].url, cases[i].want);
    }
    assert_int_equal(itest_url_host_port("http:///path", out, sizeof out), -1);
    assert_int_equal(itest_url_host_port("http://a-very-long-host-name.example:1", out, 8), -1);
}

static const struct itest_case cases[] = {
    ITEST_CASE(a_free_port_is_a_port),
    ITEST_CASE(host_port_of_urls),
};

ITEST_SUITE_MAIN(cases)
