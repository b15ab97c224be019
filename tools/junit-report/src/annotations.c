#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotations.h"

int annotation_location(const char *text, const char *root, char *path, size_t pathlen, long *line)
{
    for (const char *p = text; (p = strchr(p, ':')); p++) {
        const char *d = p + 1;
        while (isdigit((unsigned char)*d))
            d++;
        if (d == p + 1 || *d != ':' || d - p > 9)
            continue;
        /* the path: back to a blank, a quote or a bracket */
        const char *s = p;
        while (s > text && !strchr(" \t\n\"'(<[", s[-1]))
            s--;
        size_t n = (size_t)(p - s);
        if (n == 0 || !memchr(s, '.', n))
            continue; /* "error:12:" is no file */
        size_t r = root && *root ? strlen(root) : 0;
        if (r && n > r && strncmp(s, root, r) == 0 && s[r] == '/') {
            s += r + 1;
            n -= r + 1;
        }
        if (n >= pathlen)
            continue;
        memcpy(path, s, n);
        path[n] = '\0';
        *line = strtol(p + 1, NULL, 10);
        return 1;
    }
    return 0;
}

/* A workflow command's value: % and line breaks escaped, and in a property ':' and ','. */
static void put_escaped(FILE *f, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", f);
        else if (*s == '\r')
            fputs("%0D", f);
        else if (*s == '\n')
            fputs("%0A", f);
        else if (property && *s == ':')
            fputs("%3A", f);
        else if (property && *s == ',')
            fputs("%2C", f);
        else
            fputc(*s, f);
    }
}

void report_annotations_github(FILE *f, const struct report_context *r)
{
    const struct model *m = r->m;
    /* paths relative to the checkout, which GitHub resolves them against */
    const char *root = getenv("GITHUB_WORKSPACE");
    char cwd[4096];
    if (!root || !*root)
        root = getcwd(cwd, sizeof cwd);
    struct buf id = {0};
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        if (t->final != OUT_FAILED && t->final != OUT_ERRORED)
            continue;
        if (shown == ANNOTATIONS_MAX) {
            more++;
            continue;
        }
        const struct failure *fl = report_failure(r, t);
        const char *message = fl ? strtab_get(&m->str, fl->message) : "failed";
        const char *example = fl ? strtab_get(&m->str, m->groups[fl->group].example) : "";
        char path[1024];
        long line = 0;
        int located = annotation_location(message, root, path, sizeof path, &line) ||
                      annotation_location(example, root, path, sizeof path, &line);
        buf_clear(&id);
        report_test_id(r, t, &id);
        fputs("::error ", f);
        if (located) {
            fputs("file=", f);
            put_escaped(f, path, 1);
            fprintf(f, ",line=%ld,", line);
        }
        fputs("title=", f);
        put_escaped(f, id.data ? id.data : "", 1);
        fputs("::", f);
        const char *category = report_category(r, t);
        if (*category)
            fprintf(f, "[%s] ", category);
        put_escaped(f, message, 0);
        fputc('\n', f);
        shown++;
    }
    if (more)
        fprintf(f,
                "::notice title=itest-report::%zu more failure%s not annotated (GitHub shows %d "
                "per step); the report lists them all\n",
                more, more == 1 ? "" : "s", ANNOTATIONS_MAX);
    buf_free(&id);
}
