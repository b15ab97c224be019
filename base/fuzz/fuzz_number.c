/* libFuzzer: strict numbers and the bad-value message (itest/number.h), and RFC 3339 dates
 * (itest/clock.h), on every line of the input. What is taken lies in its range; the message is
 * bounded and names the value. */
#include "itest/clock.h"
#include "itest/number.h"

#include <stdlib.h>
#include <string.h>

static void one(const char *text)
{
    long long l;
    if (itest_parse_long(&l, text, -1000, 1000000) == 0 && (l < -1000 || l > 1000000))
        abort();
    double d;
    if (itest_parse_double(&d, text, 0.001, 86400) == 0 && !(d >= 0.001 && d <= 86400))
        abort();
    uint64_t u;
    if (itest_parse_size(&u, text, 1, 1ull << 40) == 0 && (u < 1 || u > 1ull << 40))
        abort();
    if (itest_parse_seconds(&d, text, 0, 3600) == 0 && !(d >= 0 && d <= 3600))
        abort();
    int64_t ns;
    if (itest_parse_rfc3339(text, &ns) == 0 && strlen(text) < 20)
        abort(); /* the shortest date-time, "2026-12-01T22:00:00Z", has 20 characters */
    char msg[256];
    itest_bad_value(msg, sizeof msg, "--flag", text, "a number");
    if (strncmp(msg, "--flag='", 8) != 0 || strlen(msg) >= sizeof msg)
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        one(line);
    one(text + size); /* the empty text */
    free(text);
    return 0;
}
