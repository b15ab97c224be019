#include "paced.h"
#include "timer.h"
#include "util.h"

#include "itest/clock.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct piece {
    char *data;
    size_t len;
    uint64_t at_ns;
};

struct mock_paced {
    struct MHD_Connection *conn;
    struct piece *pieces;
    size_t n, cap, current, offset;
    bool cut;
};

struct mock_paced *mock_paced_new(struct MHD_Connection *conn)
{
    struct mock_paced *p = calloc(1, sizeof *p);
    if (p)
        p->conn = conn;
    return p;
}

int mock_paced_add(struct mock_paced *p, const char *data, size_t len, uint64_t at_ns)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct piece *pieces = realloc(p->pieces, cap * sizeof *pieces);
        if (!pieces)
            return -1;
        p->pieces = pieces;
        p->cap = cap;
    }
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);
    p->pieces[p->n++] = (struct piece){copy, len, at_ns};
    return 0;
}

void mock_paced_cut(struct mock_paced *p)
{
    p->cut = true;
}

static void resume(void *conn)
{
    MHD_resume_connection(conn);
}

static ssize_t read_piece(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct mock_paced *p = cls;
    while (p->current < p->n && p->pieces[p->current].len == 0)
        p->current++; /* an empty piece would read as the end of the stream */
    if (p->current >= p->n) {
        if (!p->cut)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* MHD (in TURBO mode) closes the socket on its next loop, which may be much later:
         * end it now so the client sees the cut at once */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(p->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci)
            shutdown(ci->connect_fd, SHUT_RDWR);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    struct piece *piece = &p->pieces[p->current];
    if (p->offset == 0 && piece->at_ns > itest_now_ns()) {
        MHD_suspend_connection(p->conn);
        mock_timer_at(piece->at_ns, resume, p->conn);
        return 0;
    }
    size_t n = piece->len - p->offset;
    if (n > max)
        n = max;
    memcpy(buf, piece->data + p->offset, n);
    p->offset += n;
    if (p->offset == piece->len) {
        p->current++;
        p->offset = 0;
    }
    return (ssize_t)n;
}

static void free_paced(void *cls)
{
    struct mock_paced *p = cls;
    for (size_t i = 0; i < p->n; i++)
        free(p->pieces[i].data);
    free(p->pieces);
    free(p);
}

struct MHD_Response *mock_paced_response(struct mock_paced *p)
{
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_piece, p, free_paced);
    if (!r)
        free_paced(p);
    return r;
}
