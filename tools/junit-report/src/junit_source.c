/* Where a JUnit input comes from; see junit_source.h. */
#include "junit_source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static long source_read(struct junit_source *s, char *buf, size_t cap);

#define WINDOW (2u << 20)

static void window_drop(struct junit_source *s)
{
    if (s->window)
        munmap(s->window, s->window_len);
    s->window = NULL;
    s->window_len = s->window_pos = 0;
}

/* The next piece of the mapped file: 0 at its end, -1 when mapping fails. */
static long window_next(struct junit_source *s, size_t cap, const char **piece)
{
    *piece = "";
    if (s->window && s->window_pos == s->window_len) {
        s->file_off += s->window_len;
        window_drop(s);
    }
    if (!s->window) {
        if (s->file_off >= s->file_size)
            return 0;
        size_t len = s->file_size - s->file_off < WINDOW ? s->file_size - s->file_off : WINDOW;
        void *w = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, s->fd, (off_t)s->file_off);
        if (w == MAP_FAILED)
            return -1;
        madvise(w, len, MADV_SEQUENTIAL);
        s->window = w;
        s->window_len = len;
    }
    size_t n = s->window_len - s->window_pos < cap ? s->window_len - s->window_pos : cap;
    *piece = s->window + s->window_pos;
    s->window_pos += n;
    return (long)n;
}

/* The next piece of input: points into the memory, else read into buf. */
long junit_source_next(struct junit_source *s, char *buf, size_t cap, const char **piece)
{
    *piece = buf;
    if (s->data) {
        size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
        *piece = s->data + s->pos;
        s->pos += n;
        return (long)n;
    }
    if (s->mapped)
        return window_next(s, cap, piece);
    *piece = buf;
    return source_read(s, buf, cap);
}

static long source_read(struct junit_source *s, char *buf, size_t cap)
{
    if (s->from_spool) {
        size_t n = fread(buf, 1, cap, s->spool);
        return ferror(s->spool) ? -1 : (long)n;
    }
    for (;;) {
        ssize_t n = read(s->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0 && s->spool && fwrite(buf, 1, (size_t)n, s->spool) != (size_t)n)
            return -1;
        return (long)n;
    }
}

int junit_source_rewind(struct junit_source *s)
{
    if (s->data) {
        s->pos = 0;
        return 0;
    }
    if (s->spool) {
        char buf[65536];
        long n;
        while ((n = source_read(s, buf, sizeof buf)) > 0)
            ;
        if (n < 0 || fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0)
            return -1;
        s->from_spool = 1;
        return 0;
    }
    if (s->mapped) {
        window_drop(s);
        s->file_off = 0;
        return 0;
    }
    return lseek(s->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

int junit_source_open(struct junit_source *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (strcmp(path, "-") == 0) {
        s->fd = 0;
        s->spool = tmpfile();
        s->size_hint = (size_t)-1;
        return 0;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (s->fd < 0 || fstat(s->fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = s->fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
        if (s->fd >= 0)
            close(s->fd);
        s->fd = -1;
        errno = e;
        return -1;
    }
    s->size_hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : (size_t)-1;
    if (S_ISREG(st.st_mode)) {
        s->mapped = 1;
        s->file_size = (size_t)st.st_size;
    } else { /* a pipe or device: copy aside like standard input */
        s->spool = tmpfile();
    }
    return 0;
}

void junit_source_memory(struct junit_source *s, const char *data, size_t len)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->data = data ? data : "";
    s->len = len;
    s->size_hint = len;
}

void junit_source_close(struct junit_source *s)
{
    window_drop(s);
    if (s->spool)
        fclose(s->spool);
    if (s->fd > 0)
        close(s->fd);
    s->spool = NULL;
    s->fd = -1;
}
