/* pgvector, where the target PostgreSQL offers the `vector` extension: the exactness and recall
 * cases again through SQL (the <->, <=> and <#> operators, an HNSW index), in a schema of the
 * case's own. Without the extension they skip, naming it. */
#include "cases.h"
#include "vec.h"

#include "itest/config.h"
#include "itest/measure.h"
#include "itest/pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A connection in a fresh schema with the extension, or a skip saying what is missing. */
static PGconn *pgvector_schema(char schema[64])
{
    PGconn *db = itest_pg_connect(ITEST_PG_DIRECT);
    if (itest_pg_int(db, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") ==
        0) {
        itest_pg_disconnect(db);
        itest_skip("the PostgreSQL target does not offer the pgvector extension ('vector' is not "
                   "in pg_available_extensions); install it (Debian: postgresql-15-pgvector) to "
                   "run the pgvector cases");
    }
    itest_pg_schema_create(db, schema);
    PGresult *res = PQexec(db, "CREATE EXTENSION IF NOT EXISTS vector");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    char why[512];
    snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
    PQclear(res);
    if (!ok) {
        itest_pg_disconnect(db);
        itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
        itest_skip("pgvector is available but CREATE EXTENSION vector failed (%s); create it in "
                   "the database once as its owner to run the pgvector cases",
                   why);
    }
    return db;
}

/* Creates items(id, embedding vector(dim)) and fills it with n generated vectors (ids 1..n);
 * returns them (malloc'd) for the exact answers. */
static float *items(PGconn *db, size_t n, size_t dim, uint64_t seed)
{
    char sql_create[128];
    snprintf(sql_create, sizeof sql_create,
             "CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(%zu) NOT NULL)", dim);
    itest_pg_run(db, sql_create);
    float *data = malloc(sizeof(float) * n * dim);
    itest_check(data != NULL, "out of memory for %zu vectors", n);
    vec_random(data, n, dim, seed);
    for (size_t from = 0; from < n; from += 500) {
        size_t to = from + 500 < n ? from + 500 : n;
        size_t cap = (to - from) * (dim * 18 + 32) + 64, len = 0;
        char *sql = malloc(cap);
        len += (size_t)snprintf(sql, cap, "INSERT INTO items (id, embedding) VALUES ");
        for (size_t i = from; i < to; i++) {
            char *v = vec_floats_json(data + i * dim, dim);
            len += (size_t)snprintf(sql + len, cap - len, "%s(%zu, '%s')", i > from ? "," : "",
                                    i + 1, v ? v : "[]");
            free(v);
        }
        itest_pg_run(db, sql);
        free(sql);
    }
    return data;
}

/* The top k of items for query by operator op, with the operator's value. */
static size_t sql_top(PGconn *db, const char *op, const float *query, size_t dim, size_t k,
                      struct vec_hit *out)
{
    char *v = vec_floats_json(query, dim), sql[256], limit[16];
    snprintf(sql, sizeof sql,
             "SELECT id, embedding %s $1::vector FROM items ORDER BY embedding %s $1::vector "
             "LIMIT $2",
             op, op);
    snprintf(limit, sizeof limit, "%zu", k);
    PGresult *res = itest_pg_exec(db, sql, v, limit);
    free(v);
    size_t n = (size_t)PQntuples(res);
    for (size_t i = 0; i < n && i < k; i++)
        out[i] = (struct vec_hit){strtoull(PQgetvalue(res, (int)i, 0), NULL, 10),
                                  strtod(PQgetvalue(res, (int)i, 1), NULL)};
    PQclear(res);
    return n;
}

void vector_pgvector_exact(void **state)
{
    (void)state;
    enum { N = 500, DIM = 32, Q = 10, K = 10 };
    char schema[64];
    PGconn *db = pgvector_schema(schema);
    float *data = items(db, N, DIM, 31), query[DIM];
    /* operator, our distance, and how the operator's value maps to our score */
    static const struct {
        const char *op, *distance;
        int map; /* 0: the same, 1: 1 - cosine, 2: minus the dot product */
    } ops[] = {{"<->", "Euclid", 0}, {"<=>", "Cosine", 1}, {"<#>", "Dot", 2}};
    for (size_t o = 0; o < 3; o++)
        for (uint64_t q = 0; q < Q; q++) {
            vec_random(query, 1, DIM, 40 + q);
            struct vec_hit want[K], got[K];
            size_t nwant = vec_exact_top(want, K, ops[o].distance, query, data, N, DIM, 1, NULL);
            size_t ngot = sql_top(db, ops[o].op, query, DIM, K, got);
            for (size_t i = 0; i < ngot && i < K; i++)
                got[i].score = ops[o].map == 1   ? 1 - got[i].score
                               : ops[o].map == 2 ? -got[i].score
                                                 : got[i].score;
            char what[128];
            snprintf(what, sizeof what, "pgvector %s (%s) query %llu", ops[o].op, ops[o].distance,
                     (unsigned long long)q + 1);
            vec_assert_hits(got, ngot, want, nwant, what);
        }
    free(data);
    itest_pg_disconnect(db);
    itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
}

void vector_pgvector_hnsw_recall(void **state)
{
    (void)state;
    enum { N = 10000, DIM = 64, Q = 50, K = 10 };
    char schema[64];
    PGconn *db = pgvector_schema(schema);
    float *data = items(db, N, DIM, 51), query[DIM];
    itest_pg_run(db, "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)");
    itest_pg_run(db, "SET enable_seqscan = off");
    size_t found = 0;
    for (uint64_t q = 0; q < Q; q++) {
        vec_random(query, 1, DIM, 60 + q);
        struct vec_hit want[K], got[K];
        vec_exact_top(want, K, "Cosine", query, data, N, DIM, 1, NULL);
        size_t ngot = sql_top(db, "<=>", query, DIM, K, got);
        for (size_t i = 0; i < ngot && i < K; i++)
            for (size_t j = 0; j < K; j++)
                found += got[i].id == want[j].id;
    }
    free(data);
    itest_pg_disconnect(db);
    itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
    double recall = (double)found / (Q * K), need = itest_config()->vector_min_recall;
    itest_measure("pgvector_hnsw_recall_at_10", recall);
    itest_check(recall >= need,
                "pgvector's HNSW index: recall@10 over %d searches is %.4f; "
                "ITEST_VECTOR_MIN_RECALL is %.2f",
                Q, recall, need);
}
