/* The vector store: the subset of Qdrant's REST API applications use (collections, points
 * upsert/get/delete/count/scroll, search and query with payload filters), answered in Qdrant's
 * envelope {"result", "status": "ok", "time"} and its error bodies {"status": {"error"}, "time"}.
 * Search is exact (vector_store.c); filters are vector_filter.c's. The contract and what the mock
 * leaves out are in docs/vector.md. */
#include "server.h"
#include "vector_filter.h"
#include "vector_store.h"

#include "itest/clock.h"
#include "itest/json_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_LIMIT (32u << 20) /* Qdrant's default max_request_size_mb */
#define MAX_LIMIT 100000       /* hits or points one request may ask for */

static double elapsed(const struct mock_request *req)
{
    return (double)(itest_now_ns() - req->start_ns) / 1e9;
}

static void reply_result(struct mock_request *req, int status, cJSON *result)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "result", result);
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddNumberToObject(root, "time", elapsed(req));
    mock_reply_json(req, status, root);
}

static void reply_error(struct mock_request *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_error(struct mock_request *req, int status, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "status"), "error", text);
    cJSON_AddNumberToObject(root, "time", elapsed(req));
    mock_reply_json(req, status, root);
}

static void format_error(struct mock_request *req, const char *problem)
{
    reply_error(req, 400, "Format error in JSON body: %s", problem);
}

static void not_found(struct mock_request *req, const char *name)
{
    reply_error(req, 404, "Not found: Collection `%s` doesn't exist!", name);
}

/* The body as a JSON object (an empty body is {}), or NULL after answering 400. */
static cJSON *body_object(struct mock_request *req)
{
    if (!req->body.data || !req->body.len)
        return cJSON_CreateObject();
    char err[512];
    cJSON *root = itest_json_parse(req->body.data, req->body.len, err, sizeof err);
    if (!root) {
        format_error(req, err);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        format_error(req, "expected a JSON object");
        return NULL;
    }
    return root;
}

/* ---- reading requests ---- */

/* A whole number member in [min, max] (absent: *out unchanged). Returns 0, or -1 answered. */
static int whole_member(struct mock_request *req, const cJSON *body, const char *name, long min,
                        long max, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        char problem[128];
        snprintf(problem, sizeof problem, "%s: expected an integer %ld..%ld", name, min, max);
        format_error(req, problem);
        return -1;
    }
    *out = (long)v->valuedouble;
    return 0;
}

/* A vector of the space's size into *out (malloc'd). Returns 0, or -1 answered. */
static int read_vector(struct mock_request *req, const cJSON *v, const struct vector_space *sp,
                       const char *where, float **out)
{
    if (!cJSON_IsArray(v)) {
        char problem[256];
        snprintf(problem, sizeof problem, "%s: a vector is an array of numbers", where);
        format_error(req, problem);
        return -1;
    }
    size_t got = (size_t)cJSON_GetArraySize(v);
    if (got != sp->size && !mock_mutated(req, MOCK_MUT_VECTOR_DIMENSION_UNCHECKED)) {
        reply_error(req, 400, "Wrong input: Vector dimension error: expected dim: %zu, got %zu",
                    sp->size, got);
        return -1;
    }
    float *f = calloc(sp->size, sizeof *f);
    size_t i = 0;
    for (const cJSON *e = v->child; f && e && i < sp->size; e = e->next, i++) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
            free(f);
            char problem[256];
            snprintf(problem, sizeof problem, "%s[%zu]: expected a finite number", where, i);
            format_error(req, problem);
            return -1;
        }
        f[i] = (float)e->valuedouble;
    }
    if (!f) {
        reply_error(req, 500, "Service internal error: out of memory");
        return -1;
    }
    *out = f;
    return 0;
}

/* A point's vectors: an array for the unnamed space, {name: array} for named ones. */
static int read_vectors(struct mock_request *req, const struct vector_collection *c, const cJSON *v,
                        const char *where, float *out[VECTOR_MAX_SPACES])
{
    memset(out, 0, VECTOR_MAX_SPACES * sizeof *out);
    if (!c->named)
        return read_vector(req, v, &c->spaces[0], where, &out[0]);
    if (!cJSON_IsObject(v)) {
        char problem[256];
        snprintf(problem, sizeof problem, "%s: this collection's vectors are named: {name: [...]}",
                 where);
        format_error(req, problem);
        return -1;
    }
    for (const cJSON *e = v->child; e; e = e->next) {
        int k = vector_collection_space(c, e->string);
        char at[256];
        snprintf(at, sizeof at, "%s.%s", where, e->string);
        if (k < 0) {
            reply_error(req, 400, "Wrong input: Not existing vector name error: %s", e->string);
        } else if (read_vector(req, e, &c->spaces[k], at, &out[k]) == 0) {
            continue;
        }
        for (size_t i = 0; i < VECTOR_MAX_SPACES; i++)
            free(out[i]);
        return -1;
    }
    return 0;
}

static void free_vectors(float *v[VECTOR_MAX_SPACES])
{
    for (size_t i = 0; i < VECTOR_MAX_SPACES; i++)
        free(v[i]);
}

static int read_id(struct mock_request *req, const cJSON *node, const char *where,
                   struct vector_id *id)
{
    if (vector_id_parse(id, node) == 0)
        return 0;
    char problem[256], shown[64];
    snprintf(problem, sizeof problem,
             "%s: value %s is not a valid point ID, valid values are either an unsigned integer "
             "or a UUID",
             where, itest_json_describe(shown, sizeof shown, node));
    format_error(req, problem);
    return -1;
}

/* The body's filter checked (NULL when absent). Returns 0, or -1 answered. */
static int read_filter(struct mock_request *req, const cJSON *body, const cJSON **filter)
{
    *filter = cJSON_GetObjectItemCaseSensitive(body, "filter");
    char problem[512];
    if (vector_filter_check(*filter, "filter", problem, sizeof problem) != 0) {
        format_error(req, problem);
        return -1;
    }
    if (*filter && cJSON_IsNull(*filter))
        *filter = NULL;
    return 0;
}

/* The filter the search obeys: under vector.must_not_ignored, without its must_not. */
static cJSON *obeyed_filter(const struct mock_request *req, const cJSON *filter)
{
    if (!filter || !mock_mutated(req, MOCK_MUT_VECTOR_MUST_NOT_IGNORED))
        return NULL;
    cJSON *copy = cJSON_Duplicate(filter, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "must_not");
    return copy;
}

/* ---- answering with points ---- */

/* with_payload: true/false, a list of keys, or {"include"} / {"exclude"}. */
static cJSON *payload_json(const struct mock_request *req, const cJSON *payload, const cJSON *with)
{
    if (!with || cJSON_IsFalse(with) || cJSON_IsNull(with))
        return NULL;
    if (mock_mutated(req, MOCK_MUT_VECTOR_PAYLOAD_DROPPED))
        return cJSON_CreateObject();
    const cJSON *include =
        cJSON_IsArray(with) ? with : cJSON_GetObjectItemCaseSensitive(with, "include");
    const cJSON *exclude = cJSON_GetObjectItemCaseSensitive(with, "exclude");
    if (!include && !exclude)
        return cJSON_Duplicate(payload, 1);
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *m = payload->child; m; m = m->next) {
        bool listed = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, (include ? include : exclude)) listed |=
            cJSON_IsString(e) && strcmp(e->valuestring, m->string) == 0;
        if (listed == (include != NULL))
            cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, 1));
    }
    return out;
}

static cJSON *floats_json(const float *v, size_t n)
{
    char *text = malloc(n * 18 + 3), *at = text;
    if (!text)
        return cJSON_CreateNull();
    *at++ = '[';
    for (size_t i = 0; i < n; i++) /* "%.9g" reads back as the same float32 */
        at += sprintf(at, "%s%.9g", i ? "," : "", (double)v[i]);
    strcpy(at, "]");
    cJSON *raw = cJSON_CreateRaw(text);
    free(text);
    return raw;
}

/* with_vector: true/false or a list of names. */
static cJSON *vector_json(const struct vector_collection *c, const struct vector_point *p,
                          const cJSON *with)
{
    if (!with || cJSON_IsFalse(with) || cJSON_IsNull(with))
        return NULL;
    if (!c->named)
        return p->vectors[0] ? floats_json(p->vectors[0], c->spaces[0].size) : NULL;
    cJSON *out = cJSON_CreateObject();
    for (size_t k = 0; k < c->nspaces; k++) {
        bool listed = !cJSON_IsArray(with);
        const cJSON *e;
        cJSON_ArrayForEach(e, (cJSON_IsArray(with) ? with : NULL)) listed |=
            cJSON_IsString(e) && strcmp(e->valuestring, c->spaces[k].name) == 0;
        if (listed && p->vectors[k])
            cJSON_AddItemToObject(out, c->spaces[k].name,
                                  floats_json(p->vectors[k], c->spaces[k].size));
    }
    return out;
}

static cJSON *point_json(const struct mock_request *req, const struct vector_collection *c,
                         const struct vector_point *p, const double *score,
                         const cJSON *with_payload, const cJSON *with_vector)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "id", vector_id_json(&p->id));
    if (score) {
        cJSON_AddNumberToObject(o, "version", (double)p->version);
        cJSON_AddNumberToObject(o, "score", *score);
    }
    cJSON *payload = payload_json(req, p->payload, with_payload);
    cJSON_AddItemToObject(o, "payload", payload ? payload : cJSON_CreateNull());
    cJSON *vector = vector_json(c, p, with_vector);
    cJSON_AddItemToObject(o, "vector", vector ? vector : cJSON_CreateNull());
    return o;
}

static cJSON *operation_json(const struct mock_request *req, uint64_t id)
{
    cJSON *o = cJSON_CreateObject();
    const char *wait = mock_query(req, "wait");
    cJSON_AddNumberToObject(o, "operation_id", (double)id);
    cJSON_AddStringToObject(o, "status",
                            wait && strcmp(wait, "true") == 0 ? "completed" : "acknowledged");
    return o;
}

/* ---- collections ---- */

static int read_space(struct mock_request *req, const cJSON *v, const char *name,
                      struct vector_space *sp)
{
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(v, "size");
    const cJSON *distance = cJSON_GetObjectItemCaseSensitive(v, "distance");
    char problem[256];
    snprintf(sp->name, sizeof sp->name, "%s", name);
    if (!cJSON_IsNumber(size) || size->valuedouble != floor(size->valuedouble) ||
        size->valuedouble < 1 || size->valuedouble > VECTOR_MAX_DIM) {
        snprintf(problem, sizeof problem, "vectors%s%s.size: expected an integer 1..%d",
                 *name ? "." : "", name, VECTOR_MAX_DIM);
    } else if (!cJSON_IsString(distance) || vector_distance_parse(distance->valuestring) < 0) {
        snprintf(problem, sizeof problem,
                 "vectors%s%s.distance: unknown variant %s, expected one of `Cosine`, `Euclid`, "
                 "`Dot`, `Manhattan`",
                 *name ? "." : "", name,
                 cJSON_IsString(distance) ? distance->valuestring : "(not a string)");
    } else {
        sp->size = (size_t)size->valuedouble;
        sp->distance = (enum vector_distance)vector_distance_parse(distance->valuestring);
        return 0;
    }
    format_error(req, problem);
    return -1;
}

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < 256 && !strpbrk(name, "/\\*<>:|?\"");
}

static void create_collection(struct vector_store *s, struct mock_request *req, const char *name)
{
    cJSON *body = body_object(req);
    if (!body)
        return;
    const cJSON *vectors = cJSON_GetObjectItemCaseSensitive(body, "vectors");
    struct vector_space spaces[VECTOR_MAX_SPACES];
    size_t n = 0;
    bool named = vectors && !cJSON_GetObjectItemCaseSensitive(vectors, "size");
    int rc = 0;
    if (!valid_name(name)) {
        reply_error(req, 422,
                    "Validation error in path parameters: [name: collection name "
                    "must be 1..255 characters without / \\ * < > : | ? \"]");
        rc = -1;
    } else if (!cJSON_IsObject(vectors)) {
        format_error(req, "vectors: expected {\"size\", \"distance\"} or {name: {\"size\", "
                          "\"distance\"}}");
        rc = -1;
    } else if (!named) {
        rc = read_space(req, vectors, "", &spaces[n++]);
    } else {
        for (const cJSON *e = vectors->child; e && rc == 0; e = e->next) {
            if (n == VECTOR_MAX_SPACES || !e->string[0] || strlen(e->string) >= 64) {
                format_error(req, "vectors: at most 8 named vectors, names of 1..63 bytes");
                rc = -1;
            } else {
                rc = read_space(req, e, e->string, &spaces[n++]);
            }
        }
        if (rc == 0 && n == 0) {
            format_error(req, "vectors: no vector configured");
            rc = -1;
        }
    }
    cJSON_Delete(body);
    if (rc != 0)
        return;
    pthread_rwlock_wrlock(&s->lock);
    bool exists = vector_store_find(s, name) != NULL;
    bool made = !exists && vector_store_create(s, name, spaces, n, named) != NULL;
    pthread_rwlock_unlock(&s->lock);
    if (exists)
        reply_error(req, 409, "Wrong input: Collection `%s` already exists!", name);
    else if (!made)
        reply_error(req, 500, "Service internal error: out of memory");
    else
        reply_result(req, 200, cJSON_CreateTrue());
}

static cJSON *space_json(const struct vector_space *sp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "size", (double)sp->size);
    cJSON_AddStringToObject(o, "distance", vector_distance_name(sp->distance));
    return o;
}

static void collection_info(struct vector_store *s, struct mock_request *req, const char *name)
{
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    if (!c) {
        pthread_rwlock_unlock(&s->lock);
        return not_found(req, name);
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "status", "green");
    cJSON_AddStringToObject(r, "optimizer_status", "ok");
    cJSON_AddNumberToObject(r, "indexed_vectors_count", 0);
    cJSON_AddNumberToObject(r, "points_count", (double)c->npoints);
    cJSON_AddNumberToObject(r, "segments_count", 1);
    cJSON *params = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "config"), "params");
    if (!c->named) {
        cJSON_AddItemToObject(params, "vectors", space_json(&c->spaces[0]));
    } else {
        cJSON *v = cJSON_AddObjectToObject(params, "vectors");
        for (size_t k = 0; k < c->nspaces; k++)
            cJSON_AddItemToObject(v, c->spaces[k].name, space_json(&c->spaces[k]));
    }
    cJSON_AddNumberToObject(params, "shard_number", 1);
    cJSON_AddNumberToObject(params, "replication_factor", 1);
    cJSON_AddNumberToObject(params, "write_consistency_factor", 1);
    cJSON_AddBoolToObject(params, "on_disk_payload", false);
    cJSON_AddObjectToObject(r, "payload_schema");
    pthread_rwlock_unlock(&s->lock);
    reply_result(req, 200, r);
}

static void list_collections(struct vector_store *s, struct mock_request *req)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "collections");
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < s->ncollections; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->collections[i]->name);
        cJSON_AddItemToArray(list, o);
    }
    pthread_rwlock_unlock(&s->lock);
    reply_result(req, 200, r);
}

/* ---- points ---- */

struct incoming {
    struct vector_id id;
    float *vectors[VECTOR_MAX_SPACES];
    cJSON *payload;
};

static void free_incoming(struct incoming *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free_vectors(in[i].vectors);
        cJSON_Delete(in[i].payload);
    }
    free(in);
}

/* One point of an upsert into *in. Returns 0, or -1 answered. */
static int read_point(struct mock_request *req, const struct vector_collection *c, const cJSON *id,
                      const cJSON *vector, const cJSON *payload, const char *where,
                      struct incoming *in)
{
    char at[128];
    snprintf(at, sizeof at, "%s.id", where);
    if (read_id(req, id, at, &in->id) != 0)
        return -1;
    if (payload && !cJSON_IsNull(payload) && !cJSON_IsObject(payload)) {
        snprintf(at, sizeof at, "%s.payload: a payload is a JSON object", where);
        format_error(req, at);
        return -1;
    }
    snprintf(at, sizeof at, "%s.vector", where);
    if (read_vectors(req, c, vector, at, in->vectors) != 0)
        return -1;
    in->payload = cJSON_IsObject(payload) ? cJSON_Duplicate(payload, 1) : NULL;
    return 0;
}

/* The points of {"points": [...]} or {"batch": {"ids", "vectors", "payloads"}}; NULL answered. */
static struct incoming *read_upsert(struct mock_request *req, const struct vector_collection *c,
                                    const cJSON *body, size_t *n)
{
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(body, "points");
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(body, "batch");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(batch, "ids");
    const cJSON *vectors = cJSON_GetObjectItemCaseSensitive(batch, "vectors");
    const cJSON *payloads = cJSON_GetObjectItemCaseSensitive(batch, "payloads");
    if (!cJSON_IsArray(points) && !cJSON_IsArray(ids)) {
        format_error(req, "expected {\"points\": [...]} or {\"batch\": {\"ids\", \"vectors\"}}");
        return NULL;
    }
    size_t count = (size_t)cJSON_GetArraySize(points ? points : ids);
    if (!points &&
        (c->named ? !cJSON_IsObject(vectors) : (size_t)cJSON_GetArraySize(vectors) != count)) {
        format_error(req, "batch.vectors: one vector per id");
        return NULL;
    }
    struct incoming *in = calloc(count ? count : 1, sizeof *in);
    size_t i = 0;
    for (; in && i < count; i++) {
        char where[64];
        int rc;
        if (points) {
            const cJSON *p = cJSON_GetArrayItem(points, (int)i);
            snprintf(where, sizeof where, "points[%zu]", i);
            rc = read_point(req, c, cJSON_GetObjectItemCaseSensitive(p, "id"),
                            cJSON_GetObjectItemCaseSensitive(p, "vector"),
                            cJSON_GetObjectItemCaseSensitive(p, "payload"), where, &in[i]);
        } else {
            snprintf(where, sizeof where, "batch[%zu]", i);
            cJSON *v = NULL;
            if (c->named) { /* {name: [[...], ...]} -> this point's {name: [...]} */
                v = cJSON_CreateObject();
                for (const cJSON *e = vectors->child; e; e = e->next)
                    cJSON_AddItemReferenceToObject(v, e->string, cJSON_GetArrayItem(e, (int)i));
            }
            rc = read_point(req, c, cJSON_GetArrayItem(ids, (int)i),
                            v ? v : cJSON_GetArrayItem(vectors, (int)i),
                            cJSON_GetArrayItem(payloads, (int)i), where, &in[i]);
            cJSON_Delete(v);
        }
        if (rc != 0)
            break;
    }
    if (!in || i < count) {
        if (!in)
            reply_error(req, 500, "Service internal error: out of memory");
        free_incoming(in, i);
        return NULL;
    }
    *n = count;
    return in;
}

/* The collection's vector spaces (no points), copied under the read lock, so that a batch is
 * read without holding up searches. False when there is no such collection. */
static bool shape_of(struct vector_store *s, const char *name, struct vector_collection *shape)
{
    memset(shape, 0, sizeof *shape);
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    if (c) {
        memcpy(shape->spaces, c->spaces, sizeof shape->spaces);
        shape->nspaces = c->nspaces;
        shape->named = c->named;
    }
    pthread_rwlock_unlock(&s->lock);
    return c != NULL;
}

static bool same_shape(const struct vector_collection *a, const struct vector_collection *b)
{
    return a->nspaces == b->nspaces && a->named == b->named &&
           memcmp(a->spaces, b->spaces, a->nspaces * sizeof *a->spaces) == 0;
}

static void upsert(struct vector_store *s, struct mock_request *req, const char *name)
{
    struct vector_collection shape;
    if (!shape_of(s, name, &shape))
        return not_found(req, name);
    cJSON *body = body_object(req);
    if (!body)
        return;
    size_t n = 0;
    struct incoming *in = read_upsert(req, &shape, body, &n);
    cJSON_Delete(body);
    if (!in)
        return; /* answered */
    pthread_rwlock_wrlock(&s->lock);
    struct vector_collection *c = vector_store_find(s, name);
    if (!c || !same_shape(c, &shape)) { /* dropped, or made again otherwise, meanwhile */
        pthread_rwlock_unlock(&s->lock);
        free_incoming(in, n);
        return c ? reply_error(req, 409,
                               "Wrong input: collection `%s` was made again while this upsert "
                               "was read; send it again",
                               name)
                 : not_found(req, name);
    }
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        fresh += vector_collection_get(c, &in[i].id) == NULL;
    if (s->total_points + fresh > s->max_points) {
        pthread_rwlock_unlock(&s->lock);
        free_incoming(in, n);
        return reply_error(req, 507,
                           "Service internal error: the mock holds at most %zu points "
                           "(--max-points); %zu are stored, this upsert adds %zu",
                           s->max_points, s->total_points, fresh);
    }
    uint64_t op = c->operations++;
    bool drops = mock_mutated(req, MOCK_MUT_VECTOR_UPSERT_DROPS);
    for (size_t i = 0; i < n; i++) {
        if (drops && i % 50 == 49)
            continue;
        /* the point takes the vectors and payload; capacity was checked above */
        if (vector_collection_upsert(s, c, &in[i].id, in[i].vectors, in[i].payload, op) == 0) {
            memset(in[i].vectors, 0, sizeof in[i].vectors);
            in[i].payload = NULL;
        }
    }
    s->upserts += n;
    pthread_rwlock_unlock(&s->lock);
    free_incoming(in, n);
    reply_result(req, 200, operation_json(req, op));
}

/* with_payload / with_vector as given, else the default. */
static const cJSON *with(const cJSON *body, const char *name, const cJSON *fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return v ? v : fallback;
}

/* GET .../points/{id}: the point with payload and vector; the id in the path is a number or a
 * UUID. */
static void get_point(struct vector_store *s, struct mock_request *req, const char *name,
                      const char *text)
{
    char *end = NULL;
    double v = strtod(text, &end);
    cJSON *node = end && !*end && *text != '-' ? cJSON_CreateNumber(v) : cJSON_CreateString(text);
    struct vector_id id;
    int rc = read_id(req, node, "id", &id);
    cJSON_Delete(node);
    if (rc != 0)
        return;
    cJSON *yes = cJSON_CreateTrue();
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    const struct vector_point *p = c ? vector_collection_get(c, &id) : NULL;
    cJSON *record = p ? point_json(req, c, p, NULL, yes, yes) : NULL;
    pthread_rwlock_unlock(&s->lock);
    cJSON_Delete(yes);
    if (!c)
        return not_found(req, name);
    if (!record)
        return reply_error(req, 404, "Not found: No point with id %s found", id.text);
    reply_result(req, 200, record);
}

/* POST .../points {"ids", "with_payload" (true), "with_vector" (false)}: the points found. */
static void get_points(struct vector_store *s, struct mock_request *req, const char *name)
{
    cJSON *body = body_object(req);
    if (!body)
        return;
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "ids");
    if (!cJSON_IsArray(ids)) {
        cJSON_Delete(body);
        return format_error(req, "ids: expected an array of point ids");
    }
    cJSON *yes = cJSON_CreateTrue(), *no = cJSON_CreateFalse();
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    cJSON *out = c ? cJSON_CreateArray() : NULL;
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, (c ? ids : NULL))
    {
        struct vector_id id;
        char where[32];
        snprintf(where, sizeof where, "ids[%d]", i++);
        if (read_id(req, e, where, &id) != 0) { /* answered */
            cJSON_Delete(out);
            out = NULL;
            break;
        }
        const struct vector_point *p = vector_collection_get(c, &id);
        if (p)
            cJSON_AddItemToArray(out, point_json(req, c, p, NULL, with(body, "with_payload", yes),
                                                 with(body, "with_vector", no)));
    }
    pthread_rwlock_unlock(&s->lock);
    cJSON_Delete(yes);
    cJSON_Delete(no);
    cJSON_Delete(body);
    if (!c)
        not_found(req, name);
    else if (out)
        reply_result(req, 200, out);
}

static void delete_points(struct vector_store *s, struct mock_request *req, const char *name)
{
    cJSON *body = body_object(req);
    if (!body)
        return;
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(body, "points");
    const cJSON *filter = NULL;
    if (read_filter(req, body, &filter) != 0)
        return cJSON_Delete(body);
    if (!cJSON_IsArray(points) && !filter) {
        cJSON_Delete(body);
        return format_error(req, "expected {\"points\": [ids]} or {\"filter\": {...}}");
    }
    size_t n = points ? (size_t)cJSON_GetArraySize(points) : 0;
    struct vector_id *ids = calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; ids && i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "points[%zu]", i);
        if (read_id(req, cJSON_GetArrayItem(points, (int)i), where, &ids[i]) != 0) {
            free(ids);
            return cJSON_Delete(body);
        }
    }
    bool keep = mock_mutated(req, MOCK_MUT_VECTOR_DELETE_KEEPS);
    pthread_rwlock_wrlock(&s->lock);
    struct vector_collection *c = vector_store_find(s, name);
    uint64_t op = c ? c->operations++ : 0;
    for (size_t i = 0; c && !keep && i < n; i++)
        vector_collection_remove(s, c, &ids[i]);
    for (size_t i = 0; c && !keep && filter && i < c->npoints;) {
        if (vector_filter_match(filter, &c->points[i].id, c->points[i].payload)) {
            struct vector_id id = c->points[i].id; /* the last point moves into i */
            vector_collection_remove(s, c, &id);
        } else {
            i++;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    free(ids);
    cJSON_Delete(body);
    if (!c)
        return not_found(req, name);
    reply_result(req, 200, operation_json(req, op));
}

static void count_points(struct vector_store *s, struct mock_request *req, const char *name)
{
    cJSON *body = body_object(req);
    const cJSON *filter = NULL;
    if (!body || read_filter(req, body, &filter) != 0)
        return cJSON_Delete(body);
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    size_t n = 0;
    for (size_t i = 0; c && i < c->npoints; i++)
        n += vector_filter_match(filter, &c->points[i].id, c->points[i].payload);
    pthread_rwlock_unlock(&s->lock);
    cJSON_Delete(body);
    if (!c)
        return not_found(req, name);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "count", (double)n + mock_mutated(req, MOCK_MUT_VECTOR_COUNT_OFF));
    reply_result(req, 200, r);
}

static void scroll(struct vector_store *s, struct mock_request *req, const char *name)
{
    cJSON *body = body_object(req);
    const cJSON *filter = NULL;
    long limit = 10;
    if (!body || read_filter(req, body, &filter) != 0 ||
        whole_member(req, body, "limit", 1, MAX_LIMIT, &limit) != 0)
        return cJSON_Delete(body);
    const cJSON *offset = cJSON_GetObjectItemCaseSensitive(body, "offset");
    struct vector_id from;
    bool has_from = offset && !cJSON_IsNull(offset);
    if (has_from && read_id(req, offset, "offset", &from) != 0)
        return cJSON_Delete(body);
    cJSON *yes = cJSON_CreateTrue(), *no = cJSON_CreateFalse();
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    struct vector_point **sorted = c ? vector_collection_sorted(c) : NULL;
    cJSON *r = NULL;
    if (sorted) {
        r = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(r, "points");
        cJSON *next = cJSON_CreateNull();
        long taken = 0;
        for (size_t i = 0; i < c->npoints; i++) {
            const struct vector_point *p = sorted[i];
            if ((has_from && vector_id_compare(&p->id, &from) < 0) ||
                !vector_filter_match(filter, &p->id, p->payload))
                continue;
            if (taken == limit) {
                cJSON_Delete(next);
                next = vector_id_json(&p->id);
                break;
            }
            cJSON_AddItemToArray(list, point_json(req, c, p, NULL, with(body, "with_payload", yes),
                                                  with(body, "with_vector", no)));
            taken++;
        }
        cJSON_AddItemToObject(r, "next_page_offset", next);
    }
    pthread_rwlock_unlock(&s->lock);
    free(sorted);
    cJSON_Delete(yes);
    cJSON_Delete(no);
    cJSON_Delete(body);
    if (!c)
        return not_found(req, name);
    if (!r)
        return reply_error(req, 500, "Service internal error: out of memory");
    reply_result(req, 200, r);
}

/* POST .../points/search ({"vector": [...] | {"name", "vector"}}) and .../points/query
 * ({"query": [...] | {"nearest": [...]}, "using"}): the same exact search, answered as a list or
 * as {"points": [...]}. */
static void search(struct vector_store *s, struct mock_request *req, const char *name, bool query)
{
    cJSON *body = body_object(req);
    const cJSON *filter = NULL;
    long limit = 10, offset = 0;
    if (!body || read_filter(req, body, &filter) != 0 ||
        whole_member(req, body, "limit", 1, MAX_LIMIT, &limit) != 0 ||
        whole_member(req, body, "offset", 0, MAX_LIMIT, &offset) != 0)
        return cJSON_Delete(body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, query ? "query" : "vector");
    const char *using = NULL;
    if (query) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(body, "using");
        using = cJSON_IsString(u) ? u->valuestring : NULL;
        if (cJSON_IsObject(v))
            v = cJSON_GetObjectItemCaseSensitive(v, "nearest");
    } else if (cJSON_IsObject(v)) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "name");
        using = cJSON_IsString(n) ? n->valuestring : NULL;
        v = cJSON_GetObjectItemCaseSensitive(v, "vector");
    }
    const cJSON *threshold = cJSON_GetObjectItemCaseSensitive(body, "score_threshold");
    if (!cJSON_IsArray(v)) {
        cJSON_Delete(body);
        return format_error(req, query ? "query: the mock answers a vector or {\"nearest\": "
                                         "vector} (docs/vector.md)"
                                       : "vector: expected an array or {\"name\", \"vector\"}");
    }
    if (threshold && !cJSON_IsNull(threshold) && !cJSON_IsNumber(threshold)) {
        cJSON_Delete(body);
        return format_error(req, "score_threshold: expected a number");
    }
    cJSON *filter_copy = obeyed_filter(req, filter);
    if (filter_copy)
        filter = filter_copy;
    bool wrong = mock_mutated(req, MOCK_MUT_VECTOR_WRONG_NEIGHBOUR);
    size_t want = (size_t)(limit + offset) + wrong;
    struct vector_hit *hits = malloc(want * sizeof *hits);
    float *q = NULL;
    cJSON *list = NULL;
    pthread_rwlock_rdlock(&s->lock);
    const struct vector_collection *c = vector_store_find(s, name);
    int space = c ? vector_collection_space(c, using) : -1;
    if (!c) {
        if (mock_mutated(req, MOCK_MUT_VECTOR_UNKNOWN_COLLECTION_EMPTY))
            list = cJSON_CreateArray();
        else
            not_found(req, name);
    } else if (space < 0) {
        reply_error(req, 400, "Wrong input: Not existing vector name error: %s",
                    using ? using : "(the unnamed vector; this collection's are named)");
    } else if (!hits) {
        reply_error(req, 500, "Service internal error: out of memory");
    } else if (read_vector(req, v, &c->spaces[space], query ? "query" : "vector", &q) == 0) {
        if (c->spaces[space].distance == VECTOR_COSINE)
            vector_normalise(q, c->spaces[space].size);
        size_t n = vector_collection_search(c, space, q, filter, cJSON_IsNumber(threshold),
                                            cJSON_IsNumber(threshold) ? threshold->valuedouble : 0,
                                            hits, want);
        if (wrong && n == want) /* the k-th hit gives way to the (k+1)-th */
            hits[n - 2] = hits[n - 1];
        if (wrong && n > 0)
            n--;
        list = cJSON_CreateArray();
        for (size_t i = (size_t)offset; i < n; i++) {
            double score = hits[i].score + 1e-3 * mock_mutated(req, MOCK_MUT_VECTOR_SCORE_OFF);
            cJSON_AddItemToArray(list,
                                 point_json(req, c, hits[i].point, &score,
                                            cJSON_GetObjectItemCaseSensitive(body, "with_payload"),
                                            cJSON_GetObjectItemCaseSensitive(body, "with_vector")));
        }
        __atomic_fetch_add(&s->searches, 1, __ATOMIC_RELAXED); /* readers share the lock */
    }
    pthread_rwlock_unlock(&s->lock);
    free(q);
    free(hits);
    cJSON_Delete(filter_copy);
    cJSON_Delete(body);
    if (!list)
        return;
    if (!query)
        return reply_result(req, 200, list);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "points", list);
    reply_result(req, 200, r);
}

/* ---- routing ---- */

static bool authorized(struct mock_request *req)
{
    const char *key = req->svc->opts->vector_api_key;
    if (!key)
        return true;
    const char *sent = mock_request_credential(req, "api-key");
    if (mock_credential_is(sent, key))
        return true;
    /* never echo the key that was sent: it may be a real one */
    reply_error(req, 401,
                sent ? "Invalid api-key"
                     : "Must provide an API key or an Authorization bearer token");
    return false;
}

static void begin(struct mock_service *svc, struct mock_request *req)
{
    (void)svc;
    req->body.limit = BODY_LIMIT;
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    struct vector_store *s = svc->state;
    const char *m = req->method, *path = req->path;
    bool get = strcmp(m, "GET") == 0, put = strcmp(m, "PUT") == 0, post = strcmp(m, "POST") == 0,
         del = strcmp(m, "DELETE") == 0;
    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
        strcmp(path, "/livez") == 0) /* open without the key, as Qdrant's are */
        return mock_reply(req, 200, "text/plain", "healthz check passed", 20);
    if (!authorized(req))
        return;
    if (req->body.too_large)
        return reply_error(req, 413,
                           "JSON payload (%llu bytes) is larger than allowed (limit: %u "
                           "bytes).",
                           (unsigned long long)req->body.total, BODY_LIMIT);
    if (strcmp(path, "/") == 0 && get) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "title", "itest-mock vector store (Qdrant REST API subset)");
        cJSON_AddStringToObject(r, "version", "1.12.0");
        return mock_reply_json(req, 200, r);
    }
    if (strcmp(path, "/collections") == 0 && get)
        return list_collections(s, req);
    if (strncmp(path, "/collections/", 13) != 0 || !path[13])
        return reply_error(req, 404, "Not found: no route %s %s", m, path);
    char name[256];
    const char *rest = path + 13;
    size_t n = strcspn(rest, "/");
    snprintf(name, sizeof name, "%.*s", (int)(n < 255 ? n : 255), rest);
    rest += n;
    if (!*rest && put)
        return create_collection(s, req, name);
    if (!*rest && get)
        return collection_info(s, req, name);
    if (!*rest && del) {
        pthread_rwlock_wrlock(&s->lock);
        bool dropped = vector_store_drop(s, name);
        pthread_rwlock_unlock(&s->lock);
        return reply_result(req, 200, cJSON_CreateBool(dropped));
    }
    if (strcmp(rest, "/exists") == 0 && get) {
        pthread_rwlock_rdlock(&s->lock);
        bool exists = vector_store_find(s, name) != NULL;
        pthread_rwlock_unlock(&s->lock);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddBoolToObject(r, "exists", exists);
        return reply_result(req, 200, r);
    }
    if (strcmp(rest, "/points") == 0 && put)
        return upsert(s, req, name);
    if (strcmp(rest, "/points") == 0 && post)
        return get_points(s, req, name);
    if (strncmp(rest, "/points/", 8) == 0 && get && rest[8] && !strchr(rest + 8, '/'))
        return get_point(s, req, name, rest + 8);
    static const char *const posts[] = {"/points/delete", "/points/count", "/points/scroll",
                                        "/points/search", "/points/query"};
    for (size_t k = 0; k < sizeof posts / sizeof *posts; k++) {
        if (strcmp(rest, posts[k]) != 0)
            continue;
        if (!post)
            return reply_error(req, 405, "Method %s is not allowed on %s; use POST", m, path);
        switch (k) {
        case 0:
            return delete_points(s, req, name);
        case 1:
            return count_points(s, req, name);
        case 2:
            return scroll(s, req, name);
        default:
            return search(s, req, name, k == 4);
        }
    }
    reply_error(req, 404, "Not found: no route %s %s", m, path);
}

static int init(struct mock_service *svc)
{
    svc->state = vector_store_new((size_t)svc->opts->max_points);
    return svc->state ? 0 : -1;
}

static void destroy(struct mock_service *svc)
{
    vector_store_free(svc->state);
    svc->state = NULL;
}

static void reset(struct mock_service *svc)
{
    vector_store_reset(svc->state);
}

static char *metrics(struct mock_service *svc)
{
    struct vector_store *s = svc->state;
    pthread_rwlock_rdlock(&s->lock);
    char *text = NULL;
    int rc = asprintf(
        &text,
        "# HELP itest_mock_vector_collections Collections the vector store holds.\n"
        "# TYPE itest_mock_vector_collections gauge\n"
        "itest_mock_vector_collections %zu\n"
        "# HELP itest_mock_vector_points Points in all collections.\n"
        "# TYPE itest_mock_vector_points gauge\nitest_mock_vector_points %zu\n"
        "# HELP itest_mock_vector_max_points Points the store keeps at most (--max-points).\n"
        "# TYPE itest_mock_vector_max_points gauge\n"
        "itest_mock_vector_max_points %zu\n"
        "# HELP itest_mock_vector_searches_total Searches and queries answered.\n"
        "# TYPE itest_mock_vector_searches_total counter\n"
        "itest_mock_vector_searches_total %llu\n"
        "# HELP itest_mock_vector_upserted_points_total Points upserted.\n"
        "# TYPE itest_mock_vector_upserted_points_total counter\n"
        "itest_mock_vector_upserted_points_total %llu\n",
        s->ncollections, s->total_points, s->max_points, s->searches, s->upserts);
    pthread_rwlock_unlock(&s->lock);
    return rc < 0 ? NULL : text;
}

const struct mock_routes mock_vector_routes = {.init = init,
                                               .destroy = destroy,
                                               .reset = reset,
                                               .begin = begin,
                                               .handle = handle,
                                               .metrics = metrics};
