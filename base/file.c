/* Files; see itest/file.h. */
#include "itest/file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *itest_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    char buf[65536];
    size_t got;
    bool too_large = false;
    while (out && (got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (max && size + got > max) {
            too_large = true;
            break;
        }
        if (fwrite(buf, 1, got, out) != got)
            break;
        fflush(out); /* size is the written length only after a flush */
    }
    bool failed = ferror(in) || !out;
    fclose(in);
    if (out && fclose(out) != 0)
        failed = true;
    if (too_large || failed) {
        if (too_large)
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
        else
            snprintf(err, errlen, "%s: cannot read it: %s", path, strerror(errno ? errno : EIO));
        free(text);
        return NULL;
    }
    if (len)
        *len = size;
    return text;
}

int itest_write_file(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    FILE *out = fopen(path, "wb");
    if (!out) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fwrite(data, 1, len, out) == len;
    ok = fclose(out) == 0 && ok;
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int itest_write_file_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        snprintf(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    bool ok = fputs(text, out) >= 0 && fflush(out) == 0;
    ok = fclose(out) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int itest_make_dirs(const char *dir, mode_t mode, char *err, size_t errlen)
{
    char *path = strdup(dir);
    if (!path) {
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    int rc = 0;
    for (char *p = path + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            rc = -1;
        }
        *p = '/';
    }
    if (rc == 0 && mkdir(path, mode) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        rc = -1;
    }
    struct stat st;
    if (rc == 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        snprintf(err, errlen, "%s: not a directory", path);
        rc = -1;
    }
    free(path);
    return rc;
}

int itest_make_parent_dirs(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = itest_make_dirs(dir, 0755, err, errlen);
    free(dir);
    return rc;
}

static int remove_failures;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT)
        remove_failures++;
    return 0;
}

int itest_remove_tree(const char *dir)
{
    remove_failures = 0;
    if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        return -1;
    return remove_failures ? -1 : 0;
}

void itest_file_tail(char *buf, size_t len, const char *path)
{
    buf[0] = '\0';
    FILE *in = fopen(path, "rb");
    if (!in || len < 2) {
        if (in)
            fclose(in);
        return;
    }
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    long from = size > (long)len - 1 ? size - ((long)len - 1) : 0;
    fseek(in, from, SEEK_SET);
    size_t n = fread(buf, 1, len - 1, in);
    fclose(in);
    buf[n] = '\0';
    if (from > 0) { /* start at a whole line */
        char *nl = strchr(buf, '\n');
        if (nl)
            memmove(buf, nl + 1, strlen(nl + 1) + 1);
    }
    n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
}
