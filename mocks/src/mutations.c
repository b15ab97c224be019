#include "mutations.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct mock_mutation_info infos[MOCK_MUTATION_COUNT] = {
#define MOCK_MUTATION_INFO(e, name, service, what) [MOCK_MUT_##e] = {name, service, what},
    MOCK_MUTATIONS(MOCK_MUTATION_INFO)
#undef MOCK_MUTATION_INFO
};

const struct mock_mutation_info *mock_mutation_info(enum mock_mutation m)
{
    return &infos[m];
}

int mock_mutation_parse(const char *name)
{
    for (int m = 0; name && m < MOCK_MUTATION_COUNT; m++)
        if (strcmp(infos[m].name, name) == 0)
            return m;
    return -1;
}

bool mock_mutation_applies(enum mock_mutation m, enum itest_service s)
{
    return infos[m].service < 0 || infos[m].service == (int)s;
}

#define WORDS ((MOCK_MUTATION_COUNT + 63) / 64)

struct scoped {
    char *scope;
    uint64_t bits[WORDS];
};

struct mock_mutation_set {
    _Atomic uint64_t global[WORDS];
    atomic_size_t n_scoped; /* read without the lock: 0 means no scope needs looking up */
    pthread_mutex_t lock;
    struct scoped *scoped;
    size_t cap;
};

static uint64_t bit(enum mock_mutation m)
{
    return (uint64_t)1 << (m % 64);
}

struct mock_mutation_set *mock_mutation_set_new(void)
{
    struct mock_mutation_set *set = calloc(1, sizeof *set);
    if (set)
        pthread_mutex_init(&set->lock, NULL);
    return set;
}

void mock_mutation_set_free(struct mock_mutation_set *set)
{
    if (!set)
        return;
    mock_mutation_set_clear(set, NULL);
    free(set->scoped);
    pthread_mutex_destroy(&set->lock);
    free(set);
}

int mock_mutation_set_add(struct mock_mutation_set *set, enum mock_mutation m, const char *scope)
{
    if (!scope || !*scope) {
        atomic_fetch_or(&set->global[m / 64], bit(m));
        return 0;
    }
    pthread_mutex_lock(&set->lock);
    size_t n = atomic_load(&set->n_scoped);
    struct scoped *s = NULL;
    for (size_t i = 0; i < n && !s; i++)
        if (strcmp(set->scoped[i].scope, scope) == 0)
            s = &set->scoped[i];
    if (!s) {
        if (n == set->cap) {
            size_t cap = set->cap ? set->cap * 2 : 8;
            struct scoped *grown = realloc(set->scoped, cap * sizeof *grown);
            if (!grown) {
                pthread_mutex_unlock(&set->lock);
                return -1;
            }
            set->scoped = grown;
            set->cap = cap;
        }
        s = &set->scoped[n];
        memset(s, 0, sizeof *s);
        s->scope = strdup(scope);
        if (!s->scope) {
            pthread_mutex_unlock(&set->lock);
            return -1;
        }
        atomic_store(&set->n_scoped, n + 1);
    }
    s->bits[m / 64] |= bit(m);
    pthread_mutex_unlock(&set->lock);
    return 0;
}

bool mock_mutation_set_has(struct mock_mutation_set *set, enum mock_mutation m, const char *scope)
{
    if (!set)
        return false;
    if (atomic_load_explicit(&set->global[m / 64], memory_order_relaxed) & bit(m))
        return true;
    if (!scope || !*scope || atomic_load(&set->n_scoped) == 0)
        return false;
    bool found = false;
    pthread_mutex_lock(&set->lock);
    size_t n = atomic_load(&set->n_scoped);
    for (size_t i = 0; i < n && !found; i++)
        found = strcmp(set->scoped[i].scope, scope) == 0 && (set->scoped[i].bits[m / 64] & bit(m));
    pthread_mutex_unlock(&set->lock);
    return found;
}

static size_t count_bits(const uint64_t *bits)
{
    size_t n = 0;
    for (size_t w = 0; w < WORDS; w++)
        n += (size_t)__builtin_popcountll(bits[w]);
    return n;
}

size_t mock_mutation_set_clear(struct mock_mutation_set *set, const char *scope)
{
    size_t removed = 0;
    pthread_mutex_lock(&set->lock);
    if (!scope) {
        for (size_t w = 0; w < WORDS; w++)
            removed += (size_t)__builtin_popcountll(atomic_exchange(&set->global[w], 0));
    }
    size_t n = atomic_load(&set->n_scoped), kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (!scope || strcmp(set->scoped[i].scope, scope) == 0) {
            removed += count_bits(set->scoped[i].bits);
            free(set->scoped[i].scope);
        } else {
            set->scoped[kept++] = set->scoped[i];
        }
    }
    atomic_store(&set->n_scoped, kept);
    pthread_mutex_unlock(&set->lock);
    return removed;
}

static void add_names(cJSON *list, const uint64_t *bits, const char *scope)
{
    for (int m = 0; m < MOCK_MUTATION_COUNT; m++) {
        if (!(bits[m / 64] & bit((enum mock_mutation)m)))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", infos[m].name);
        if (scope)
            cJSON_AddStringToObject(o, "scope", scope);
        else
            cJSON_AddNullToObject(o, "scope");
        cJSON_AddStringToObject(o, "what", infos[m].what);
        cJSON_AddItemToArray(list, o);
    }
}

cJSON *mock_mutation_set_list(struct mock_mutation_set *set)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "mutations");
    uint64_t global[WORDS];
    for (size_t w = 0; w < WORDS; w++)
        global[w] = atomic_load(&set->global[w]);
    add_names(list, global, NULL);
    pthread_mutex_lock(&set->lock);
    size_t n = atomic_load(&set->n_scoped);
    for (size_t i = 0; i < n; i++)
        add_names(list, set->scoped[i].bits, set->scoped[i].scope);
    pthread_mutex_unlock(&set->lock);
    return root;
}
