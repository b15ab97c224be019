#include "split.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"

struct item {
    char *name;
    double seconds;
    size_t shard;
};

static int by_time_desc(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->seconds != y->seconds)
        return x->seconds < y->seconds ? 1 : -1;
    return strcmp(x->name, y->name); /* the same plan for the same input */
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ctest -R takes a POSIX extended regular expression */
static void put_regex_literal(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\^$.|?*+()[]{}", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

int split_write(const struct model *m, const struct tests_json *tests, size_t shards,
                const char *dir, FILE *summary)
{
    size_t n = 0, cap = m->ntests + (tests ? tests->n : 0);
    struct item *items = xcalloc(cap ? cap : 1, sizeof *items);
    double *known = xmalloc((m->ntests ? m->ntests : 1) * sizeof *known);
    size_t nknown = 0;
    char *seen = tests ? xcalloc(tests->n ? tests->n : 1, 1) : NULL;
    struct buf id = {0};
    for (size_t i = 0; i < m->ntests; i++) {
        const struct test *t = &m->tests[i];
        model_full_name(m, t, &id);
        if (tests) {
            long k = tests_json_find(tests, id.data);
            if (k < 0)
                continue; /* no longer registered */
            seen[k] = 1;
        }
        items[n].name = xstrdup(id.data);
        items[n++].seconds = test_seconds(t);
        if (t->has_time)
            known[nknown++] = test_seconds(t);
    }
    buf_free(&id);
    qsort(known, nknown, sizeof *known, by_double);
    double median = nknown ? known[nknown / 2] : 1.0;
    size_t unknown = 0;
    for (size_t k = 0; tests && k < tests->n; k++) {
        if (seen[k])
            continue;
        items[n].name = xstrdup(tests->names[k]);
        items[n++].seconds = median;
        unknown++;
    }
    free(seen);
    free(known);
    qsort(items, n, sizeof *items, by_time_desc);

    double *load = xcalloc(shards, sizeof *load);
    size_t *count = xcalloc(shards, sizeof *count);
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t s = 1; s < shards; s++)
            if (load[s] < load[best])
                best = s;
        items[i].shard = best;
        load[best] += items[i].seconds;
        count[best]++;
    }

    int rc = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "itest-report: %s: cannot create: %s\n", dir, strerror(errno));
        rc = -1;
    }
    for (size_t s = 0; s < shards && rc == 0; s++) {
        struct buf path = {0};
        buf_printf(&path, "%s/shard-%zu.txt", dir, s + 1);
        FILE *list = open_output(path.data);
        struct buf rpath = {0};
        buf_printf(&rpath, "%s/shard-%zu.regex", dir, s + 1);
        FILE *regex = list ? open_output(rpath.data) : NULL;
        if (!list || !regex) {
            if (list)
                fclose(list);
            rc = -1;
        } else {
            fputs("^(", regex);
            int first = 1;
            for (size_t i = 0; i < n; i++) {
                if (items[i].shard != s)
                    continue;
                fprintf(list, "%s\n", items[i].name);
                if (!first)
                    fputc('|', regex);
                put_regex_literal(regex, items[i].name);
                first = 0;
            }
            /* an empty shard must select nothing, not everything */
            fputs(first ? "itest-report-empty-shard)$\n" : ")$\n", regex);
            if (close_output(list, path.data) != 0 || close_output(regex, rpath.data) != 0)
                rc = -1;
        }
        buf_free(&path);
        buf_free(&rpath);
    }
    if (rc == 0 && summary) {
        fprintf(summary, "split: %zu tests into %zu shards in %s/ (shard-K.txt, shard-K.regex)", n,
                shards, dir);
        if (unknown)
            fprintf(summary, "; %zu without a recorded time counted at the median %.3f s", unknown,
                    median);
        fputc('\n', summary);
        for (size_t s = 0; s < shards; s++)
            fprintf(summary, "  shard %zu: %zu tests, %.3f s\n", s + 1, count[s], load[s]);
    }
    for (size_t i = 0; i < n; i++)
        free(items[i].name);
    free(items);
    free(load);
    free(count);
    return rc;
}
