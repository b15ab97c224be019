/* Finding DartMeasurement elements in output text; see dart.h. */
#include "dart.h"

#include <string.h>

#define DART_MAX 2048 /* one <DartMeasurement> element */

/* <DartMeasurement name="N" type="...">V</DartMeasurement> in a case's output */
static void dart_element(const char *s, size_t n, dart_found_fn found, void *arg)
{
    const char *name = memmem(s, n, "name=\"", 6);
    const char *gt = memchr(s, '>', n);
    if (!name || !gt || name > gt)
        return;
    name += 6;
    const char *name_end = memchr(name, '"', (size_t)(gt - name));
    const char *value_end = memmem(gt, (size_t)(s + n - gt), "</", 2);
    if (!name_end || name_end == name || !value_end)
        return;
    const char *value = gt + 1;
    while (value < value_end && (*value == ' ' || *value == '\n'))
        value++;
    while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\n'))
        value_end--;
    found(arg, name, (size_t)(name_end - name), value, (size_t)(value_end - value));
}

void dart_feed(struct dart_scan *ds, const char *s, size_t n, dart_found_fn found, void *arg)
{
    static const char open[] = "<DartMeasurement";
    static const char close[] = "</DartMeasurement>";
    const size_t olen = sizeof open - 1, clen = sizeof close - 1;
    struct buf *d = &ds->pending;
    while (n) {
        if (!d->len) {
            const char *lt = memchr(s, '<', n);
            if (!lt)
                return;
            n -= (size_t)(lt - s);
            s = lt;
        }
        if (d->len < olen) {
            size_t take = olen - d->len < n ? olen - d->len : n;
            buf_add(d, s, take);
            s += take;
            n -= take;
            while (d->len && memcmp(d->data, open, d->len < olen ? d->len : olen) != 0) {
                /* not our element: look for another '<' in what was taken */
                const char *lt = memchr(d->data + 1, '<', d->len - 1);
                size_t keep = lt ? d->len - (size_t)(lt - d->data) : 0;
                memmove(d->data, d->data + d->len - keep, keep);
                d->len = keep;
            }
            continue;
        }
        size_t before = d->len;
        size_t take = n < DART_MAX ? n : DART_MAX;
        buf_add(d, s, take);
        size_t from = before > clen ? before - clen : 0;
        const char *end = memmem(d->data + from, d->len - from, close, clen);
        if (end) {
            size_t used = (size_t)(end - d->data) + clen;
            dart_element(d->data, used, found, arg);
            size_t consumed = used - before;
            s += consumed;
            n -= consumed;
            buf_clear(d);
            d->len = 0;
        } else {
            s += take;
            n -= take;
            if (d->len > DART_MAX)
                d->len = 0; /* no closing tag in reach: not a measurement */
        }
    }
}

void dart_reset(struct dart_scan *d)
{
    buf_clear(&d->pending);
}

void dart_free(struct dart_scan *d)
{
    buf_free(&d->pending);
}
