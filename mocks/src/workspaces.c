/* The repo pool's bare repositories and working trees; see workspaces.h. */
#include "workspaces.h"

#include "itest/file.h"
#include "itest/git.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mock_workspaces {
    char repos[PATH_MAX]; /* absolute */
    char trees[PATH_MAX];
};

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every directory below seeds becomes <repos>/<name>.git. */
static int seed_all(const char *repos, const char *seeds, char *err, size_t errlen)
{
    DIR *d = opendir(seeds);
    if (!d) {
        snprintf(err, errlen, "--seeds %s: %s", seeds, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0, seeded = 0;
    while (rc == 0 && (e = readdir(d))) {
        char seed[PATH_MAX], bare[PATH_MAX], why[1024];
        snprintf(seed, sizeof seed, "%s/%s", seeds, e->d_name);
        if (e->d_name[0] == '.' || !is_dir(seed))
            continue;
        snprintf(bare, sizeof bare, "%s/%s.git", repos, e->d_name);
        if (itest_git_seed(bare, seed, "main", why, sizeof why) != 0) {
            snprintf(err, errlen, "--seeds %s: seed %s: %s", seeds, e->d_name, why);
            rc = -1;
        }
        seeded++;
    }
    closedir(d);
    if (rc == 0 && seeded == 0) {
        snprintf(err, errlen, "--seeds %s: no seed project in it (one directory each)", seeds);
        rc = -1;
    }
    return rc;
}

int mock_workspaces_open(struct mock_workspaces **out, const char *repos_dir, const char *seeds_dir,
                         const char *data_dir, char *err, size_t errlen)
{
    *out = NULL;
    struct mock_workspaces *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char given[PATH_MAX], why[1024];
    snprintf(given, sizeof given, "%s%s", repos_dir ? repos_dir : data_dir,
             repos_dir ? "" : "/repos");
    int rc = 0;
    if (repos_dir && !seeds_dir && !is_dir(repos_dir)) {
        snprintf(err, errlen, "--repos %s: %s", repos_dir,
                 errno == ENOENT ? "no such directory" : "not a directory");
        rc = -1;
    } else if (itest_make_dirs(given, 0755, why, sizeof why) != 0) {
        snprintf(err, errlen, "--repos %s: %s", given, why);
        rc = -1;
    } else if (!realpath(given, w->repos)) {
        snprintf(err, errlen, "--repos %s: %s", given, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && seeds_dir)
        rc = seed_all(w->repos, seeds_dir, err, errlen);
    snprintf(w->trees, sizeof w->trees, "%s/workspaces", data_dir);
    if (rc == 0 && itest_make_dirs(w->trees, 0755, why, sizeof why) != 0) {
        snprintf(err, errlen, "the working trees' directory: %s", why);
        rc = -1;
    }
    if (rc != 0) {
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void mock_workspaces_close(struct mock_workspaces *w)
{
    if (w)
        itest_remove_tree(w->trees);
    free(w);
}

bool mock_workspaces_find(const struct mock_workspaces *w, const char *repo, char *name,
                          size_t name_len)
{
    if (!w)
        return false;
    const char *p = repo;
    if (strncmp(p, "file://", 7) == 0)
        p += 7;
    size_t root = strlen(w->repos);
    if (strncmp(p, w->repos, root) == 0 && p[root] == '/')
        p += root + 1;
    char base[256];
    size_t n = strlen(p);
    if (n > 4 && strcmp(p + n - 4, ".git") == 0)
        n -= 4;
    if (n == 0 || n >= sizeof base)
        return false;
    memcpy(base, p, n);
    base[n] = '\0';
    for (const char *c = base; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c))
            return false;
    if (base[0] == '.')
        return false;
    char bare[PATH_MAX + 300];
    snprintf(bare, sizeof bare, "%s/%s.git", w->repos, base);
    if (!is_dir(bare))
        return false;
    snprintf(name, name_len, "%s", base);
    return true;
}

void mock_workspaces_url(const struct mock_workspaces *w, const char *name, char *url, size_t len)
{
    snprintf(url, len, "file://%s/%s.git", w->repos, name);
}

void mock_workspaces_tree(const struct mock_workspaces *w, const char *slot_id, const char *name,
                          char *path, size_t len)
{
    snprintf(path, len, "%s/%s/%s", w->trees, slot_id, name);
}

int mock_workspaces_clone(struct mock_workspaces *w, const char *slot_id, const char *name,
                          char *err, size_t errlen)
{
    char url[PATH_MAX + 300], path[PATH_MAX + 300];
    mock_workspaces_url(w, name, url, sizeof url);
    mock_workspaces_tree(w, slot_id, name, path, sizeof path);
    if (itest_git_clone(url, path, false, err, errlen) == 0)
        return 0;
    mock_workspaces_remove(w, slot_id);
    return -1;
}

void mock_workspaces_remove(struct mock_workspaces *w, const char *slot_id)
{
    if (!w || !slot_id[0])
        return;
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", w->trees, slot_id);
    itest_remove_tree(dir);
}
