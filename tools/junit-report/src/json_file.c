#include "json_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

cJSON *json_file_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct buf text = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&text, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        buf_free(&text);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text.data ? text.data : "", text.len, &end, 0);
    if (!root) {
        int line = 1, col = 1;
        for (const char *p = text.data; p && end && p < end; p++) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        snprintf(err, errlen, "%s:%d:%d: not valid JSON", path, line, col);
    }
    buf_free(&text);
    return root;
}
