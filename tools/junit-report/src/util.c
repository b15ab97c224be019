#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "itest-report: out of memory (asked for %zu bytes)\n", n);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void unreserve(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}

void grow(void *array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    *(void **)array = xrealloc(*(void **)array, n * size);
    *cap = n;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
    grow(&b->data, &b->cap, b->len + n + 1, 1);
    if (n) /* memcpy from NULL is undefined even for no bytes */
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    grow(&b->data, &b->cap, b->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

size_t buf_add_capped(struct buf *b, const char *s, size_t n, size_t limit)
{
    size_t room = b->len < limit ? limit - b->len : 0;
    size_t take = utf8_prefix(s, n, room);
    if (take)
        buf_add(b, s, take);
    return n - take;
}

/* What needs escaping, per byte: 1 in text and attributes, 2 in attributes only. Every byte
 * below 0x20 but tab, newline and carriage return is invalid XML and becomes '?'. */
static const unsigned char xml_escape[256] = {1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              2,
                                              2,
                                              1,
                                              1,
                                              2,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              1,
                                              [(unsigned char)'"'] = 2,
                                              [(unsigned char)'&'] = 1,
                                              [(unsigned char)'<'] = 1,
                                              [(unsigned char)'>'] = 1};

static int xml_invalid(unsigned char c)
{
    return c < 0x20 && xml_escape[c] == 1;
}

static const char *xml_replacement(unsigned char c)
{
    switch (c) {
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '&':
        return "&amp;";
    case '"':
        return "&quot;";
    case '\n':
        return "&#10;";
    case '\r':
        return "&#13;";
    case '\t':
        return "&#9;";
    default:
        return "?";
    }
}

void put_xml(FILE *f, const char *s, size_t n, int attribute)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned mask = attribute ? 3 : 1;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(xml_escape[u[i]] & mask))
            continue;
        fwrite(s + start, 1, i - start, f);
        fputs(xml_replacement(u[i]), f);
        start = i + 1;
    }
    fwrite(s + start, 1, n - start, f);
}

void put_xml_str(FILE *f, const char *s, int attribute)
{
    put_xml(f, s ? s : "", s ? strlen(s) : 0, attribute);
}

void put_json_strn(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fwrite(s + start, 1, i - start, f);
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            fprintf(f, "\\u%04x", c);
            break;
        }
        start = i + 1;
    }
    fwrite(s + start, 1, n - start, f);
    fputc('"', f);
}

void put_json_str(FILE *f, const char *s)
{
    put_json_strn(f, s ? s : "", s ? strlen(s) : 0);
}

void put_html(FILE *f, const char *s)
{
    put_html_cut(f, s, SIZE_MAX);
}

void put_html_cut(FILE *f, const char *s, size_t max)
{
    size_t chars = 0;
    for (; s && *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80 && chars++ == max) {
            fputs("…", f);
            return;
        }
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            if (xml_invalid((unsigned char)*s))
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

void put_csv(FILE *f, const char *s)
{
    s = s ? s : "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* code: inside a code span, where CommonMark decodes no entity and takes no HTML, so '<' stays
 * itself and a newline becomes a blank; in a table either way a pipe is escaped. */
static void put_md(FILE *f, const char *s, size_t max, bool code)
{
    size_t n = 0;
    for (; s && *s; s++, n++) {
        if (n >= max && ((unsigned char)*s & 0xC0) != 0x80) {
            fputs("…", f);
            return;
        }
        unsigned char c = (unsigned char)*s;
        if (c == '|')
            fputs("\\|", f);
        else if (c == '\n')
            fputs(code ? " " : "<br>", f);
        else if (c == '<' && !code)
            fputs("&lt;", f);
        else if (c == '>' && !code)
            fputs("&gt;", f);
        else if (c == '&' && !code)
            fputs("&amp;", f);
        else if (c == '`')
            fputc('\'', f);
        else if (c == '\r' || xml_invalid(c))
            fputc(' ', f);
        else
            fputc(c, f);
    }
}

void put_md_cell(FILE *f, const char *s, size_t max)
{
    put_md(f, s, max, false);
}

void put_md_code(FILE *f, const char *s, size_t max)
{
    put_md(f, s, max, true);
}

void format_seconds(char out[32], double s)
{
    format_fixed(out, s, s >= 0.001 || s == 0 ? 3 : 6);
}

static const double powers[] = {1,   1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7, 1e8,
                                1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};

/* v * 10^k rounded to a whole number, when that is certain: the product is within 2^53 and
 * more than 1e-6 away from a half (the product's own error is far below that). */
static int scaled(double v, int k, unsigned long long *out)
{
    double x = v * powers[k];
    if (!(x >= 0 && x < 9e15))
        return -1;
    double whole = floor(x), frac = x - whole;
    if (fabs(frac - 0.5) < 1e-6)
        return -1;
    *out = (unsigned long long)whole + (frac > 0.5);
    return 0;
}

/* digits of n, at least `width` of them (zero padded); returns the length */
static int put_digits(char *out, unsigned long long n, int width)
{
    char tmp[24];
    int len = 0;
    do {
        tmp[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (len < width)
        tmp[len++] = '0';
    for (int i = 0; i < len; i++)
        out[i] = tmp[len - 1 - i];
    return len;
}

int format_fixed(char out[32], double v, int decimals)
{
    unsigned long long n;
    if (decimals < 0 || decimals > 9 || !(fabs(v) < 1e6) || scaled(fabs(v), decimals, &n) != 0)
        return snprintf(out, 32, "%.*f", decimals, v);
    int len = 0;
    if (signbit(v)) /* as printf: "-0.000" for a negative value that rounds to zero */
        out[len++] = '-';
    unsigned long long unit = (unsigned long long)powers[decimals];
    len += put_digits(out + len, n / unit, 1);
    if (decimals) {
        out[len++] = '.';
        len += put_digits(out + len, n % unit, decimals);
    }
    out[len] = '\0';
    return len;
}

int format_g6(char out[32], double v)
{
    double a = fabs(v);
    /* %g's fixed notation: 1e-4 <= a < 1e6 once rounded to six digits */
    if (a == 0 || !(a >= 1e-4 && a < 999999.5))
        return snprintf(out, 32, "%.6g", v);
    int e = (int)floor(log10(a));
    if (e < -4 || e > 5)
        return snprintf(out, 32, "%.6g", v);
    unsigned long long n;
    if (scaled(a, 5 - e, &n) != 0 || n >= 1000000ULL || n < 100000ULL)
        return snprintf(out, 32, "%.6g", v); /* rounding carried into another digit */
    int decimals = 5 - e, len = 0;
    if (signbit(v))
        out[len++] = '-';
    if (decimals <= 0) {
        len += put_digits(out + len, n, 1);
    } else {
        unsigned long long unit = (unsigned long long)powers[decimals];
        len += put_digits(out + len, n / unit, 1);
        unsigned long long frac = n % unit;
        if (frac) {
            /* %g drops the trailing zeros */
            while (frac % 10 == 0) {
                frac /= 10;
                decimals--;
            }
            out[len++] = '.';
            len += put_digits(out + len, frac, decimals);
        }
    }
    out[len] = '\0';
    return len;
}

FILE *open_output(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "itest-report: %s: cannot write: %s\n", path, strerror(errno));
    else
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

int close_output(FILE *f, const char *path)
{
    int bad = ferror(f);
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "itest-report: %s: write failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
