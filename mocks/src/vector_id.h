/* Qdrant point ids: an unsigned 64-bit integer or a UUID, given as a number or a string. */
#ifndef MOCK_VECTOR_ID_H
#define MOCK_VECTOR_ID_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct vector_id {
    bool uuid;
    uint64_t num;  /* when !uuid */
    char text[37]; /* the canonical text: decimal, or the UUID in lower case with hyphens */
};

/* Reads an id from JSON (a whole number >= 0, or a UUID string in any of its spellings).
 * Returns 0, or -1 when node is no point id. */
int vector_id_parse(struct vector_id *id, const cJSON *node);
/* The id as Qdrant answers it: a number or a string. */
cJSON *vector_id_json(const struct vector_id *id);
bool vector_id_equal(const struct vector_id *a, const struct vector_id *b);
/* Qdrant's order: numbers ascending, then UUIDs. */
int vector_id_compare(const struct vector_id *a, const struct vector_id *b);

#endif
