/* The vector suite's cases, one file per area. */
#ifndef VECTOR_CASES_H
#define VECTOR_CASES_H

void vector_collection_lifecycle(void **state);
void vector_bad_collection_config(void **state);
void vector_named_vectors(void **state);
void vector_api_key_required(void **state);
void vector_exact_cosine(void **state);
void vector_exact_dot(void **state);
void vector_exact_euclid(void **state);
void vector_exact_manhattan(void **state);
void vector_query_api_exact(void **state);
void vector_recall_at_10(void **state);
void vector_wait_true_searchable(void **state);
void vector_get_scroll_count(void **state);
void vector_upsert_overwrites(void **state);
void vector_delete_points(void **state);
void vector_wrong_dimension_rejected(void **state);
void vector_unknown_collection_404(void **state);
void vector_filters_exact(void **state);
void vector_payload_and_vector_returned(void **state);
void vector_bad_filter_rejected(void **state);
void vector_concurrent_upserts_and_searches(void **state);
void vector_retrieval_end_to_end(void **state);
void vector_pgvector_exact(void **state);
void vector_pgvector_hnsw_recall(void **state);
void vector_retrieval_store_down(void **state);
void vector_retrieval_store_slow(void **state);

#endif
