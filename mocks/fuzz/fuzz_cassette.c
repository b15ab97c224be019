/* libFuzzer: cassette text, as --replay reads it from files a person may have edited: parsed
 * into exchanges (or refused with file:line), each recording must answer its own request, and a
 * request that differs must miss with a message; the canonical form of any body is stable. */
#include "cassette.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    char err[1024], miss[2048];
    cJSON *ignore = cJSON_CreateStringArray((const char *const[]){"id", "created"}, 2);
    /* a canonical body is canonical: a second pass changes nothing */
    char *once = mock_cassette_canonical(text, size, ignore);
    char *twice = once ? mock_cassette_canonical(once, strlen(once), ignore) : NULL;
    if (once && twice && strcmp(once, twice) != 0)
        abort();
    free(once);
    free(twice);
    struct mock_cassettes *c =
        mock_cassettes_parse("fuzz.jsonl", text, size, ignore, err, sizeof err);
    if (!c) {
        if (strncmp(err, "fuzz.jsonl:", 11) != 0)
            abort(); /* a refusal names the file and line */
        cJSON_Delete(ignore);
        return 0;
    }
    static const char never[] = "/fuzz/never/recorded";
    bool recorded_never = false;
    for (size_t i = 0; i < mock_cassettes_count(c); i++)
        recorded_never = recorded_never || strcmp(mock_cassettes_at(c, i)->path, never) == 0;
    for (size_t i = 0; i < mock_cassettes_count(c) && i < 8; i++) {
        const struct mock_exchange *x = mock_cassettes_at(c, i);
        if (!mock_cassettes_find(c, x->method, x->path, x->query, x->scope, x->request_body,
                                 x->request_len, miss, sizeof miss))
            abort(); /* a recording answers the request it recorded */
        if (!recorded_never &&
            (mock_cassettes_find(c, x->method, never, x->query, x->scope, x->request_body,
                                 x->request_len, miss, sizeof miss) ||
             !strstr(miss, "no recording of")))
            abort();
    }
    mock_cassettes_free(c);
    cJSON_Delete(ignore);
    return 0;
}
