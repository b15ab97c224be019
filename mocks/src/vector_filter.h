/* Qdrant's payload filters: {"must", "should", "must_not"} of conditions — match (value, any,
 * except, text), range, has_id, is_empty, is_null and nested filters — checked for shape once,
 * then evaluated per point by the exact search. */
#ifndef MOCK_VECTOR_FILTER_H
#define MOCK_VECTOR_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "vector_id.h"

/* Returns 0 when filter (NULL or JSON null passes) is a filter Qdrant accepts, else -1 with
 * "<where>.must[0]: <problem>" in err. */
int vector_filter_check(const cJSON *filter, const char *where, char *err, size_t len);

/* True when the point with id and payload (may be NULL) passes a checked filter. */
bool vector_filter_match(const cJSON *filter, const struct vector_id *id, const cJSON *payload);

#endif
