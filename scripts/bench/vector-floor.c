/* The floor for exact search on this machine: a plain C brute-force loop over the benchmark's
 * vectors (float32, row-major, as scripts/bench/vector writes them), top 10 by cosine on
 * normalised vectors in float32 with eight independent sums (vectorised at -O3), one query after
 * another on each of THREADS threads, no HTTP, no JSON. Prints queries/s.
 * Usage: vector-floor DATA QUERY N DIM THREADS SECONDS */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static float *data, *query;
static size_t n, dim;
static double seconds;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    long *done = arg;
    double best[10];
    size_t ids[10];
    double end = now() + seconds;
    while (now() < end) {
        size_t got = 0;
        for (size_t i = 0; i < n; i++) {
            const float *v = data + i * dim;
            float lanes[8] = {0}; /* independent sums the compiler can vectorise */
            size_t d = 0;
            for (; d + 8 <= dim; d += 8)
                for (int k = 0; k < 8; k++)
                    lanes[k] += v[d + k] * query[d + k];
            float dot = 0;
            for (; d < dim; d++)
                dot += v[d] * query[d];
            for (int k = 0; k < 8; k++)
                dot += lanes[k];
            if (got == 10 && dot <= best[9])
                continue;
            size_t at = got < 10 ? got++ : 9;
            while (at > 0 && dot > best[at - 1]) {
                best[at] = best[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            best[at] = dot;
            ids[at] = i;
        }
        (*done)++;
    }
    return ids[0] == (size_t)-1 ? arg : NULL; /* keeps the loop's result alive */
}

static float *load(const char *path, size_t count)
{
    float *f = malloc(count * sizeof *f);
    FILE *in = fopen(path, "rb");
    if (!f || !in || fread(f, sizeof *f, count, in) != count) {
        fprintf(stderr, "vector-floor: cannot read %zu floats from %s\n", count, path);
        exit(1);
    }
    fclose(in);
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: vector-floor DATA QUERY N DIM THREADS SECONDS\n");
        return 2;
    }
    n = strtoul(argv[3], NULL, 10);
    dim = strtoul(argv[4], NULL, 10);
    int threads = atoi(argv[5]);
    seconds = atof(argv[6]);
    if (!n || !dim || threads < 1 || threads > 64 || seconds <= 0) {
        fprintf(stderr, "vector-floor: bad N, DIM, THREADS or SECONDS\n");
        return 2;
    }
    data = load(argv[1], n * dim);
    query = load(argv[2], dim);
    pthread_t t[64];
    long done[64] = {0};
    double start = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, run, &done[i]);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += done[i];
    }
    printf("%.1f\n", (double)total / (now() - start));
    return 0;
}
