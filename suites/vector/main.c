/* The vector suite (labels integration, vector): Qdrant's REST API, against VECTOR_DB_URL or the
 * embedded mock, every search judged against the exact answer the case computes. */
#include "cases.h"
#include "vec.h"

#include "itest/suite.h"

/* Every case works in collections of its own, which the teardown removes. */
#define VEC_CASE(fn_)                                                                              \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = vec_teardown                                          \
    }

static const struct itest_case cases[] = {
    VEC_CASE(vector_collection_lifecycle),
    VEC_CASE(vector_bad_collection_config),
    VEC_CASE(vector_named_vectors),
    VEC_CASE(vector_api_key_required),
    VEC_CASE(vector_exact_cosine),
    VEC_CASE(vector_exact_dot),
    VEC_CASE(vector_exact_euclid),
    VEC_CASE(vector_exact_manhattan),
    VEC_CASE(vector_query_api_exact),
    {.name = "vector_recall_at_10",
     .fn = vector_recall_at_10,
     .teardown = vec_teardown,
     .cost = 10},
    VEC_CASE(vector_wait_true_searchable),
    VEC_CASE(vector_get_scroll_count),
    VEC_CASE(vector_upsert_overwrites),
    VEC_CASE(vector_delete_points),
    VEC_CASE(vector_wrong_dimension_rejected),
    VEC_CASE(vector_unknown_collection_404),
    VEC_CASE(vector_filters_exact),
    VEC_CASE(vector_payload_and_vector_returned),
    VEC_CASE(vector_bad_filter_rejected),
    VEC_CASE(vector_concurrent_upserts_and_searches),
    {.name = "vector_pgvector_exact",
     .fn = vector_pgvector_exact,
     .teardown = vec_teardown,
     .labels = "database"},
    {.name = "vector_pgvector_hnsw_recall",
     .fn = vector_pgvector_hnsw_recall,
     .teardown = vec_teardown,
     .labels = "database"},
    {.name = "vector_retrieval_end_to_end",
     .fn = vector_retrieval_end_to_end,
     .teardown = vec_teardown,
     .labels = "llm;e2e"},
    {.name = "vector_retrieval_store_down",
     .fn = vector_retrieval_store_down,
     .teardown = vec_teardown,
     .labels = "llm;e2e;faults"},
    {.name = "vector_retrieval_store_slow",
     .fn = vector_retrieval_store_slow,
     .teardown = vec_teardown,
     .labels = "llm;e2e;faults"},
};

ITEST_SUITE_MAIN(cases)
