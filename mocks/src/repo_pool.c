/* Repo Pool Manager: a fixed number of slots (--capacity), each leased for ttl_s seconds;
 * 503 with Retry-After when every slot is taken (CONTRACTS.md). Expired leases return to the
 * pool on the next request that looks. A slot of a repository the pool serves (--repos,
 * --seeds) gets a working tree cloned from it, removed when the slot is given back or expires;
 * any other name gets a slot whose path no tree is made for. */
#include "server.h"
#include "util.h"
#include "workspaces.h"

#include "itest/clock.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    bool used;
    char id[40];
    char repo[257]; /* as asked, or the served repository's name */
    char path[384]; /* for a repository not served (a served one's is its working tree) */
    bool tree;      /* a served repository: repo names it, the slot has a working tree */
    uint64_t allocated_wall, expires_mono, expires_wall;
};

struct pool {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t capacity;
    uint64_t next_seq;
    uint64_t newest_seq; /* the latest slot's, for pool.new_slot_unlisted */
    unsigned long long allocations, releases, expirations, exhausted;
    struct mock_workspaces *ws; /* NULL: no repository is served */
};

/* Lock held: the slot is free again, its working tree gone. */
static void give_back(struct pool *p, struct slot *s)
{
    s->used = false;
    if (s->tree)
        mock_workspaces_remove(p->ws, s->id);
    s->tree = false;
}

static int init(struct mock_service *svc)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->capacity = (size_t)svc->opts->capacity;
    p->slots = calloc(p->capacity, sizeof *p->slots);
    if (!p->slots) {
        free(p);
        return -1;
    }
    const struct mock_options *o = svc->opts;
    char err[2048];
    if ((o->repos_dir || o->seeds_dir) && mock_workspaces_open(&p->ws, o->repos_dir, o->seeds_dir,
                                                               o->data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "itest-mock: repo-pool: %s\n", err);
        free(p->slots);
        free(p);
        return -1;
    }
    pthread_mutex_init(&p->lock, NULL);
    svc->state = p;
    return 0;
}

static void destroy(struct mock_service *svc)
{
    struct pool *p = svc->state;
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    mock_workspaces_close(p->ws);
    free(p->slots);
    free(p);
    svc->state = NULL;
}

static void reset(struct mock_service *svc)
{
    struct pool *p = svc->state;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->capacity; i++)
        if (p->slots[i].used)
            give_back(p, &p->slots[i]);
    pthread_mutex_unlock(&p->lock);
}

/* Lock held: frees expired leases; returns how many are in use. */
static size_t sweep(struct pool *p)
{
    uint64_t now = itest_now_ns();
    size_t in_use = 0;
    for (size_t i = 0; i < p->capacity; i++) {
        struct slot *s = &p->slots[i];
        if (s->used && s->expires_mono <= now) {
            give_back(p, s);
            p->expirations++;
        }
        in_use += s->used;
    }
    return in_use;
}

static cJSON *slot_json(const struct pool *p, const struct mock_request *req, const struct slot *s)
{
    cJSON *o = cJSON_CreateObject();
    char at[40], repo[PATH_MAX + 16], url[PATH_MAX + 8], tree[PATH_MAX];
    if (s->tree) {
        mock_workspaces_url(p->ws, s->repo, url, sizeof url);
        mock_workspaces_tree(p->ws, s->id, s->repo, tree, sizeof tree);
    }
    itest_format_rfc3339(at, sizeof at,
                         mock_mutated(req, MOCK_MUT_POOL_EXPIRES_AT_WRONG) ? s->allocated_wall
                                                                           : s->expires_wall);
    snprintf(repo, sizeof repo, "%s%s", s->tree ? url : s->repo,
             mock_mutated(req, MOCK_MUT_POOL_REPO_NOT_ECHOED) ? ".git" : "");
    cJSON_AddStringToObject(o, "slot_id", s->id);
    cJSON_AddStringToObject(o, "repo", repo);
    cJSON_AddStringToObject(o, "path", s->tree ? tree : s->path);
    cJSON_AddStringToObject(o, "expires_at", at);
    return o;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static void allocate(struct mock_service *svc, struct mock_request *req)
{
    struct pool *p = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    const cJSON *repo = cJSON_GetObjectItemCaseSensitive(body, "repo");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(body, "ttl_s");
    if (!cJSON_IsObject(body)) {
        mock_reply_error(req, 400, "invalid_body", "expected a JSON object");
    } else if (!repo) {
        mock_reply_error(req, 400, "missing_field", "repo is required");
    } else if (!cJSON_IsString(repo) || !repo->valuestring[0] || strlen(repo->valuestring) > 256 ||
               !printable(repo->valuestring)) {
        mock_reply_error(req, 400, "invalid_field", "repo: expected 1..256 printable characters");
    } else if (ttl && !mock_mutated(req, MOCK_MUT_POOL_TTL_UNCHECKED) &&
               (!cJSON_IsNumber(ttl) || ttl->valuedouble != floor(ttl->valuedouble) ||
                ttl->valuedouble < 1 || ttl->valuedouble > 86400)) {
        mock_reply_error(req, 400, "invalid_field", "ttl_s: expected an integer 1..86400");
    } else {
        double ttl_s = cJSON_IsNumber(ttl) && ttl->valuedouble > 0 ? ttl->valuedouble : 600;
        if (mock_mutated(req, MOCK_MUT_POOL_TTL_IGNORED))
            ttl_s = 86400;
        double lease_s = mock_mutated(req, MOCK_MUT_POOL_EXPIRES_EARLY) ? ttl_s / 2 : ttl_s;
        pthread_mutex_lock(&p->lock);
        sweep(p);
        struct slot *s = NULL;
        size_t index = 0;
        uint64_t soonest = UINT64_MAX;
        for (size_t i = 0; i < p->capacity; i++) {
            if (!p->slots[i].used) {
                s = &p->slots[i];
                index = i;
                break;
            }
            if (p->slots[i].expires_mono < soonest)
                soonest = p->slots[i].expires_mono;
        }
        static struct slot overbooked; /* handed out past capacity, never tracked */
        if (!s && mock_mutated(req, MOCK_MUT_POOL_OVERBOOKS)) {
            s = &overbooked;
            index = p->capacity;
        }
        if (!s) {
            p->exhausted++;
            pthread_mutex_unlock(&p->lock);
            double wait_s = ((double)soonest - (double)itest_now_ns()) / 1e9;
            char value[32];
            snprintf(value, sizeof value, "%.0f", wait_s < 1 ? 1 : ceil(wait_s));
            mock_reply_error(req, 503, "pool_exhausted",
                             "all %zu slots are in use; the first frees in %.1f s", p->capacity,
                             wait_s);
            if (!mock_mutated(req, MOCK_MUT_POOL_NO_RETRY_AFTER))
                mock_add_header(req, "Retry-After", value);
        } else {
            s->used = s != &overbooked;
            p->newest_seq = p->next_seq;
            mock_id_format(s->id, sizeof s->id, p->next_seq++);
            snprintf(s->repo, sizeof s->repo, "%s", repo->valuestring);
            if (mock_mutated(req, MOCK_MUT_POOL_SLOT_IDS_SHARED))
                snprintf(s->id, sizeof s->id, "%016llx",
                         (unsigned long long)mock_hash(s->repo, strlen(s->repo), 0));
            char why[2048];
            s->tree = s != &overbooked &&
                      mock_workspaces_find(p->ws, repo->valuestring, s->repo, sizeof s->repo);
            /* cloned with the lock held: a release or an expiry never meets a half-made tree */
            if (s->tree && mock_workspaces_clone(p->ws, s->id, s->repo, why, sizeof why) != 0) {
                s->used = s->tree = false;
                pthread_mutex_unlock(&p->lock);
                mock_reply_error(req, 500, "clone_failed", "%s", why);
                cJSON_Delete(body);
                return;
            }

            const char *base = strrchr(s->repo, '/');
            base = base && base[1] ? base + 1 : s->repo;
            if (!s->tree) {
                snprintf(s->path, sizeof s->path, "/srv/repo-pool/slot-%zu/%s",
                         mock_mutated(req, MOCK_MUT_POOL_PATHS_SHARED) ? 0 : index, base);
                for (char *c = s->path + strlen("/srv/repo-pool/"); *c; c++)
                    if (!strchr(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/",
                            *c))
                        *c = '_';
            }
            s->allocated_wall = itest_wall_ns();
            s->expires_mono = itest_now_ns() + (uint64_t)(lease_s * 1e9);
            s->expires_wall = s->allocated_wall + (uint64_t)(ttl_s * 1e9);
            p->allocations++;
            cJSON *out = slot_json(p, req, s);
            pthread_mutex_unlock(&p->lock);
            mock_reply_json(req, 201, out);
        }
    }
    cJSON_Delete(body);
}

static void list(struct mock_service *svc, struct mock_request *req)
{
    struct pool *p = svc->state;
    cJSON *root = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    pthread_mutex_lock(&p->lock);
    size_t in_use = sweep(p);
    char newest[40];
    mock_id_format(newest, sizeof newest, p->newest_seq);
    bool unlisted = mock_mutated(req, MOCK_MUT_POOL_NEW_SLOT_UNLISTED);
    for (size_t i = 0; i < p->capacity; i++)
        if (p->slots[i].used && !(unlisted && strcmp(p->slots[i].id, newest) == 0))
            cJSON_AddItemToArray(items, slot_json(p, req, &p->slots[i]));
    pthread_mutex_unlock(&p->lock);
    cJSON_AddNumberToObject(root, "capacity",
                            (double)p->capacity +
                                mock_mutated(req, MOCK_MUT_POOL_CAPACITY_OVERSTATED));
    cJSON_AddNumberToObject(root, "in_use",
                            (double)in_use + mock_mutated(req, MOCK_MUT_POOL_IN_USE_OFF_BY_ONE));
    mock_reply_json(req, 200, root);
}

/* Lock held. */
static struct slot *find(struct pool *p, const char *id)
{
    sweep(p);
    for (size_t i = 0; i < p->capacity; i++)
        if (p->slots[i].used && strcmp(p->slots[i].id, id) == 0)
            return &p->slots[i];
    return NULL;
}

static void one(struct mock_service *svc, struct mock_request *req, const char *id, bool release)
{
    struct pool *p = svc->state;
    pthread_mutex_lock(&p->lock);
    struct slot *s = find(p, id);
    cJSON *out = s && !release ? slot_json(p, req, s) : NULL;
    if (s && release) {
        if (!mock_mutated(req, MOCK_MUT_POOL_RELEASE_KEEPS_SLOT))
            give_back(p, s);
        p->releases++;
    }
    bool given_out = false, lenient = mock_mutated(req, MOCK_MUT_POOL_DOUBLE_RELEASE_204);
    for (uint64_t seq = 0; lenient && !s && release && seq < p->next_seq && seq < 100000; seq++) {
        char known[40];
        mock_id_format(known, sizeof known, seq);
        given_out = strcmp(known, id) == 0;
        if (given_out)
            break;
    }
    pthread_mutex_unlock(&p->lock);
    if (!s && given_out)
        return mock_reply(req, 204, NULL, "", 0);
    if (!s)
        return mock_reply_error(req, 404, "not_found",
                                "no slot %s (never allocated, released or expired)", id);
    if (release)
        return mock_reply(req, 204, NULL, "", 0);
    mock_reply_json(req, 200, out);
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    if (strcmp(req->path, "/slots") == 0) {
        if (strcmp(m, "POST") == 0)
            return allocate(svc, req);
        if (get)
            return list(svc, req);
        mock_reply_error(req, 405, "method_not_allowed", "%s /slots: allowed are GET, POST", m);
        return mock_add_header(req, "Allow", "GET, POST");
    }
    if (strncmp(req->path, "/slots/", 7) == 0 && req->path[7] && !strchr(req->path + 7, '/')) {
        if (strcmp(m, "DELETE") == 0)
            return one(svc, req, req->path + 7, true);
        if (get)
            return one(svc, req, req->path + 7, false);
        mock_reply_error(req, 405, "method_not_allowed", "%s %s: allowed are GET, DELETE", m,
                         req->path);
        return mock_add_header(req, "Allow", "GET, DELETE");
    }
    mock_reply_error(req, 404, "not_found", "no route %s %s", m, req->path);
}

static char *metrics(struct mock_service *svc)
{
    struct pool *p = svc->state;
    pthread_mutex_lock(&p->lock);
    size_t in_use = sweep(p);
    char *text = NULL;
    int rc = asprintf(
        &text,
        "# HELP itest_mock_pool_capacity Slots of the repo pool.\n"
        "# TYPE itest_mock_pool_capacity gauge\nitest_mock_pool_capacity %zu\n"
        "# HELP itest_mock_pool_in_use Slots leased now.\n"
        "# TYPE itest_mock_pool_in_use gauge\nitest_mock_pool_in_use %zu\n"
        "# HELP itest_mock_pool_allocations_total Slots leased.\n"
        "# TYPE itest_mock_pool_allocations_total counter\n"
        "itest_mock_pool_allocations_total %llu\n"
        "# HELP itest_mock_pool_releases_total Slots given back.\n"
        "# TYPE itest_mock_pool_releases_total counter\n"
        "itest_mock_pool_releases_total %llu\n"
        "# HELP itest_mock_pool_expirations_total Leases that ran out.\n"
        "# TYPE itest_mock_pool_expirations_total counter\n"
        "itest_mock_pool_expirations_total %llu\n"
        "# HELP itest_mock_pool_exhausted_total Allocations refused with 503: every slot in use.\n"
        "# TYPE itest_mock_pool_exhausted_total counter\n"
        "itest_mock_pool_exhausted_total %llu\n",
        p->capacity, in_use, p->allocations, p->releases, p->expirations, p->exhausted);
    pthread_mutex_unlock(&p->lock);
    return rc < 0 ? NULL : text;
}

const struct mock_routes mock_repo_pool_routes = {
    .init = init, .destroy = destroy, .reset = reset, .handle = handle, .metrics = metrics};
