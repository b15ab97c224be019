#include "repair.h"

#include <string.h>

enum state { TEXT, TAG, ATTR, COMMENT, CDATA, PI, SKIP_PI, DECL, END_TAG };

void repair_init(struct repair *r)
{
    memset(r, 0, sizeof *r);
}

void repair_free(struct repair *r)
{
    buf_free(&r->carry);
}

static int forbidden(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

static int name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* At s[0] == '&' with n bytes available: how many bytes form a reference XML accepts (copy
 * them), 0 when it is not one (escape the '&'), -1 when more input is needed. A character
 * reference to a forbidden character is reported through *bad_char. */
static long reference(const char *s, size_t n, int at_end, int *bad_char)
{
    *bad_char = 0;
    size_t i = 1;
    if (i < n && s[i] == '#') {
        i++;
        int hex = i < n && (s[i] == 'x' || s[i] == 'X');
        i += hex;
        unsigned long v = 0;
        size_t digits = 0;
        for (; i < n && digits < 10; i++, digits++) {
            char c = s[i];
            int d = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0)
                break;
            v = v * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (i >= n)
            return at_end ? 0 : -1;
        if (s[i] != ';' || digits == 0)
            return 0;
        if ((v < 0x20 && v != 9 && v != 10 && v != 13) || (v >= 0xD800 && v <= 0xDFFF) ||
            v == 0xFFFE || v == 0xFFFF || v > 0x10FFFF)
            *bad_char = 1;
        return (long)i + 1;
    }
    size_t start = i;
    while (i < n && i - start < 32 && name_char((unsigned char)s[i]))
        i++;
    if (i >= n && !at_end && i - start < 32)
        return -1;
    if (i == start || i >= n || s[i] != ';')
        return 0;
    static const char *const known[] = {"lt", "gt", "amp", "quot", "apos"};
    for (size_t k = 0; k < 5; k++)
        if (strlen(known[k]) == i - start && memcmp(s + start, known[k], i - start) == 0)
            return (long)i + 1;
    return 0; /* an entity nobody declared: keep it as text */
}

/* At a quote inside an attribute value: does it end the value? It does when what follows is
 * the end of the tag or another attribute. -1: more input needed. */
static int closes_value(const char *s, size_t n, int at_end)
{
    size_t i = 1;
    while (i < n && space((unsigned char)s[i]))
        i++;
    if (i >= n)
        return at_end ? 1 : -1;
    if (s[i] == '>' || s[i] == '/' || s[i] == '?')
        return 1;
    if (i == 1 || !name_start((unsigned char)s[i]))
        return 0; /* another attribute needs a blank before it */
    while (i < n && name_char((unsigned char)s[i]))
        i++;
    while (i < n && space((unsigned char)s[i]))
        i++;
    if (i >= n)
        return at_end ? 1 : (n > 256 ? 1 : -1);
    return s[i] == '=';
}

/* Length of an ANSI escape sequence (ESC '[' parameters final-letter) at s, 0 when it is not
 * one, -1 when more input is needed: colour codes from test runners say nothing in a report. */
static long ansi_sequence(const char *s, size_t n, int at_end)
{
    if (n < 2)
        return at_end ? 0 : -1;
    if (s[1] != '[')
        return 0;
    for (size_t i = 2; i < n && i < 32; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || c == ';' || c == '?')
            continue;
        return (c >= '@' && c <= '~') ? (long)i + 1 : 0;
    }
    return n < 32 && !at_end ? -1 : 0;
}

/* Copies one character of markup or text, with `with` in place of a forbidden one. */
static void copy_char(struct repair *r, unsigned char c, char with, struct buf *out)
{
    if (forbidden(c)) {
        buf_putc(out, with);
        r->fixed++;
    } else {
        buf_putc(out, (char)c);
    }
}

/* At an '&': copies a reference XML accepts, writes "&amp;" for a bare '&' or an undeclared
 * entity, '?' for a reference to a forbidden character. Returns the bytes consumed, -1 when
 * more input is needed. */
static long copy_reference(struct repair *r, const char *p, size_t left, int at_end,
                           struct buf *out)
{
    int bad;
    long k = reference(p, left, at_end, &bad);
    if (k < 0)
        return -1;
    if (k == 0) {
        buf_puts(out, "&amp;");
        r->fixed++;
        return 1;
    }
    if (bad) {
        buf_putc(out, '?');
        r->fixed++;
    } else {
        buf_add(out, p, (size_t)k);
    }
    return k;
}

static int starts(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(s, lit, k) == 0;
}

void repair_feed(struct repair *r, const char *in, size_t n, int at_end, struct buf *out)
{
    buf_add(&r->carry, in, n);
    const char *s = r->carry.data ? r->carry.data : "";
    size_t len = r->carry.len, i = 0;
    while (i < len) {
        const char *p = s + i;
        size_t left = len - i;
        unsigned char c = (unsigned char)*p;
        size_t take = 1; /* bytes consumed this step */
        switch (r->state) {
        case TEXT:
            if (c == '<') {
                if (left < 9 && !at_end)
                    goto wait;
                if (starts(p, left, "<!--")) {
                    r->state = COMMENT;
                    buf_add(out, p, take = 4);
                } else if (starts(p, left, "<![CDATA[")) {
                    r->state = CDATA;
                    buf_add(out, p, take = 9);
                } else if (starts(p, left, "<!")) {
                    r->state = DECL;
                    r->bracket_depth = 0;
                    buf_add(out, p, take = 2);
                } else if (starts(p, left, "<?xml") && left > 5 &&
                           (space((unsigned char)p[5]) || p[5] == '?') && r->offset + i > 3) {
                    r->state = SKIP_PI;
                    r->fixed++;
                    take = 5;
                } else if (starts(p, left, "<?")) {
                    r->state = PI;
                    buf_add(out, p, take = 2);
                } else if (starts(p, left, "</")) {
                    r->state = END_TAG;
                    buf_add(out, p, take = 2);
                } else if (left > 1 && name_start((unsigned char)p[1])) {
                    r->state = TAG;
                    buf_add(out, p, 1);
                } else {
                    buf_puts(out, "&lt;");
                    r->fixed++;
                }
            } else if (c == '&') {
                long k = copy_reference(r, p, left, at_end, out);
                if (k < 0)
                    goto wait;
                take = (size_t)k;
            } else if (c == 0x1b) {
                long k = ansi_sequence(p, left, at_end);
                if (k < 0)
                    goto wait;
                if (k == 0)
                    buf_putc(out, '?');
                take = k > 0 ? (size_t)k : 1;
                r->fixed++;
            } else if (forbidden(c)) {
                buf_putc(out, '?');
                r->fixed++;
            } else {
                size_t k = 1; /* copy the plain run at once */
                while (k < left && p[k] != '<' && p[k] != '&' && !forbidden((unsigned char)p[k]))
                    k++;
                buf_add(out, p, take = k);
            }
            break;
        case TAG:
            if (c == '"' || c == '\'') {
                r->state = ATTR;
                r->quote = c;
                buf_putc(out, (char)c);
            } else if (c == '>') {
                r->state = TEXT;
                buf_putc(out, '>');
            } else {
                copy_char(r, c, ' ', out);
            }
            break;
        case ATTR:
            if (c == r->quote) {
                int k = closes_value(p, left, at_end);
                if (k < 0)
                    goto wait;
                if (k) {
                    r->state = TAG;
                    buf_putc(out, (char)c);
                } else {
                    buf_puts(out, c == '"' ? "&quot;" : "&apos;");
                    r->fixed++;
                }
            } else if (c == '<') {
                buf_puts(out, "&lt;");
                r->fixed++;
            } else if (c == '&') {
                long k = copy_reference(r, p, left, at_end, out);
                if (k < 0)
                    goto wait;
                take = (size_t)k;
            } else {
                copy_char(r, c, '?', out);
            }
            break;
        case COMMENT:
        case CDATA:
        case PI:
        case SKIP_PI: {
            const char *end = r->state == COMMENT ? "-->" : r->state == CDATA ? "]]>" : "?>";
            size_t elen = strlen(end);
            if (c == (unsigned char)end[0]) {
                if (left < elen && !at_end)
                    goto wait;
                if (starts(p, left, end)) {
                    if (r->state != SKIP_PI)
                        buf_add(out, p, elen);
                    take = elen;
                    r->state = TEXT;
                    break;
                }
            }
            if (r->state == SKIP_PI)
                break;
            copy_char(r, c, '?', out);
            break;
        }
        case DECL:
            if (c == '[')
                r->bracket_depth++;
            else if (c == ']' && r->bracket_depth > 0)
                r->bracket_depth--;
            else if (c == '>' && r->bracket_depth == 0)
                r->state = TEXT;
            buf_putc(out, (char)c);
            break;
        case END_TAG:
            if (c == '>')
                r->state = TEXT;
            copy_char(r, c, ' ', out);
            break;
        }
        i += take;
    }
wait:
    r->offset += i;
    memmove(r->carry.data, r->carry.data + i, len - i);
    r->carry.len = len - i;
    if (r->carry.data)
        r->carry.data[r->carry.len] = '\0';
    if (at_end && r->carry.len) { /* nothing more will come: pass the rest through */
        buf_add(out, r->carry.data, r->carry.len);
        r->carry.len = 0;
    }
}
