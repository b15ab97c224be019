/* Reading a JUnit input; see junit_parse.h. This module drives the readings (strict, then
 * lenient through the repair filter; a wrapper element for several roots); what the SAX events
 * mean is junit_session.c's, what the dialects mean junit_dialect.c's, where the bytes come from
 * junit_source.c's, the measurements in output dart.c's. */
#include "junit_parse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "junit_session.h"
#include "junit_source.h"
#include "repair.h"

/* Where the wrapper element can go: after the XML declaration, or at the very start; nowhere
 * when the document has a DOCTYPE (then it must have one root) or is UTF-16. */
static int wrap_point(const char *s, size_t n, size_t *at)
{
    size_t i = 0;
    if (n >= 2 && ((unsigned char)s[0] == 0xFE || (unsigned char)s[0] == 0xFF))
        return 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (n - i >= 5 && memcmp(s + i, "<?xml", 5) == 0) {
        const char *end = memmem(s + i, n - i, "?>", 2);
        if (!end)
            return 0;
        i = (size_t)(end - s) + 2;
    }
    *at = i;
    /* a DOCTYPE before the first element rules the wrapper out */
    for (size_t j = i; j + 1 < n; j++) {
        if (s[j] != '<')
            continue;
        if (n - j >= 9 && memcmp(s + j, "<!DOCTYPE", 9) == 0)
            return 0;
        if (s[j + 1] != '!' && s[j + 1] != '?')
            break;
    }
    return 1;
}

/* One reading of the whole source; 0 when it was well-formed JUnit. */
static int parse_once(struct session *p, struct junit_source *src, int lenient, size_t *repaired)
{
    junit_session_reset(p);
    char *chunk = xmalloc(CHUNK);
    struct repair rep;
    repair_init(&rep);
    struct buf fixed = {0}, first = {0};
    const char *data;
    long n = junit_source_next(src, chunk, CHUNK, &data);
    int at_end = n <= 0;
    if (n < 0) {
        junit_session_fail(p, 0, 0, -1, "read error: %s", strerror(errno));
        goto out;
    }
    size_t len = (size_t)n;
    if (lenient) {
        buf_clear(&fixed);
        repair_feed(&rep, data, len, at_end, &fixed);
        data = fixed.data ? fixed.data : "";
        len = fixed.len;
    }
    size_t at = 0;
    p->wrapped = wrap_point(data, len, &at);
    if (p->wrapped) {
        p->wrap_at = at;
        buf_add(&first, data, at);
        buf_puts(&first, WRAPPER);
        buf_add(&first, data + at, len - at);
        data = first.data;
        len = first.len;
    }
    xmlSAXHandler h = junit_session_handler();
    p->ctxt = xmlCreatePushParserCtxt(&h, p, data, len < 4 ? (int)len : 4, p->name);
    if (!p->ctxt) {
        junit_session_fail(p, 0, 0, -1, "cannot create an XML parser (out of memory?)");
        goto out;
    }
    for (int i = 0; i < N_COUNT; i++)
        p->names[i] = xmlDictLookup(p->ctxt->dict, (const xmlChar *)junit_name_text[i], -1);
    /* No entity substitution (no XML_PARSE_NOENT): declared entities are never stored nor
     * expanded; a reference to one fails the strict reading and stays text in the lenient one. */
    xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (len > 4)
        xmlParseChunk(p->ctxt, data + 4, (int)(len - 4), 0);
    while (!p->failed && !at_end) {
        n = junit_source_next(src, chunk, CHUNK, &data);
        if (n < 0) {
            junit_session_fail(p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt),
                               -1, "read error: %s", strerror(errno));
            break;
        }
        at_end = n == 0;
        len = (size_t)n;
        if (lenient) {
            buf_clear(&fixed);
            repair_feed(&rep, data, len, at_end, &fixed);
            data = fixed.data ? fixed.data : "";
            len = fixed.len;
        }
        if (len)
            xmlParseChunk(p->ctxt, data, (int)len, 0);
    }
    if (!p->failed) {
        if (!p->wrapped) {
            xmlParseChunk(p->ctxt, NULL, 0, 1);
        } else if (p->depth > 1) {
            int d = p->depth - 1 < MAX_DEPTH ? p->depth - 1 : MAX_DEPTH - 1;
            junit_session_fail(
                p, xmlSAX2GetLineNumber(p->ctxt), xmlSAX2GetColumnNumber(p->ctxt), -2,
                "unexpected end of input: the element opened on line %d is not closed "
                "(truncated file?)",
                p->lines[d]);
        } else {
            const xmlChar *cur = p->ctxt->input ? p->ctxt->input->cur : NULL;
            const xmlChar *end = p->ctxt->input ? p->ctxt->input->end : NULL;
            while (cur && cur < end &&
                   (*cur == ' ' || *cur == '\n' || *cur == '\r' || *cur == '\t'))
                cur++;
            if (cur && cur < end)
                junit_session_fail(p, xmlSAX2GetLineNumber(p->ctxt),
                                   xmlSAX2GetColumnNumber(p->ctxt), -2,
                                   "unexpected end of input inside markup (truncated file?)");
        }
    }
    if (!p->failed && !p->saw_junit) {
        if (p->root[0])
            junit_session_fail(p, 1, 1, -3, "not JUnit XML: the root element is <%s>", p->root);
        else
            junit_session_fail(p, 1, 1, -3, "no XML content (empty input)");
    }
out:
    if (p->ctxt) {
        if (p->ctxt->myDoc) /* libxml2 may start one for a DOCTYPE; we build no tree */
            xmlFreeDoc(p->ctxt->myDoc);
        xmlFreeParserCtxt(p->ctxt);
        p->ctxt = NULL;
    }
    *repaired = rep.fixed;
    repair_free(&rep);
    buf_free(&fixed);
    buf_free(&first);
    free(chunk);
    return p->failed ? -1 : 0;
}

/* Errors a lenient reading cannot help with. */
static int beyond_repair(int code)
{
    return code < 0 || code == XML_ERR_DOCUMENT_EMPTY || code == XML_ERR_INTERNAL_ERROR ||
           code == XML_ERR_NO_MEMORY || code == XML_ERR_ENTITY_LOOP ||
           code == XML_ERR_TAG_NAME_MISMATCH || code == XML_ERR_UNSUPPORTED_ENCODING;
}

static int read_source(struct model *m, const char *name, struct junit_source *src)
{
    size_t index = model_begin_input(m, name);
    struct session p;
    memset(&p, 0, sizeof p);
    p.m = m;
    p.name = name;
    size_t repaired = 0;
    if (src->size_hint > PIPE_FROM)
        p.pipe = case_pipe_start(m);
    int rc = parse_once(&p, src, 0, &repaired);
    if (p.pipe)
        case_pipe_drain(p.pipe);
    model_flush(m);
    if (rc != 0 && !beyond_repair(p.err_code) && junit_source_rewind(src) == 0) {
        int line = p.err_line, col = p.err_col;
        char err[sizeof p.err];
        memcpy(err, p.err, sizeof err);
        model_rollback_input(m);
        rc = parse_once(&p, src, 1, &repaired);
        if (p.pipe)
            case_pipe_drain(p.pipe);
        model_flush(m);
        if (rc == 0) {
            m->inputs[index].repaired = repaired;
        } else { /* report what the file says at its own positions */
            p.err_line = line;
            p.err_col = col;
            memcpy(p.err, err, sizeof err);
        }
    }
    if (rc != 0) {
        struct input *in = &m->inputs[index];
        in->error = 1;
        struct buf b = {0};
        if (p.err_line > 0)
            buf_printf(&b, "%s:%d:%d: %s", name, p.err_line, p.err_col > 0 ? p.err_col : 1, p.err);
        else
            buf_printf(&b, "%s: %s", name, p.err);
        in->message = b.data;
    }
    case_pipe_stop(p.pipe);
    junit_session_free(&p);
    return rc;
}

int junit_read_path(struct model *m, const char *path)
{
    struct junit_source src;
    if (junit_source_open(&src, path) != 0) {
        int e = errno;
        size_t index = model_begin_input(m, path);
        struct buf b = {0};
        buf_printf(&b, "%s: cannot read: %s", path, strerror(e));
        m->inputs[index].error = 1;
        m->inputs[index].message = b.data;
        return -1;
    }
    int rc = read_source(m, strcmp(path, "-") == 0 ? "<stdin>" : path, &src);
    junit_source_close(&src);
    return rc;
}

int junit_read_buffer(struct model *m, const char *name, const char *data, size_t len)
{
    struct junit_source src;
    junit_source_memory(&src, data, len);
    return read_source(m, name, &src);
}
