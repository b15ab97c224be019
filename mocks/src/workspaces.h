/* The repo pool's git side (--repos, --seeds): the bare repositories it serves, each slot's
 * working tree cloned from one of them when the slot is leased and removed when it is given
 * back or expires. The trees live below the instance's data directory, so a stopped mock
 * leaves none. */
#ifndef MOCK_WORKSPACES_H
#define MOCK_WORKSPACES_H

#include <stdbool.h>
#include <stddef.h>

struct mock_workspaces;

/* Opens repos_dir (bare repositories NAME.git; NULL: <data_dir>/repos) after seeding it from
 * seeds_dir (each directory below it becomes NAME.git with one commit on main; NULL: none).
 * Returns 0 with *out set, or -1 with "--repos DIR: problem" or "--seeds ...: problem" in err. */
int mock_workspaces_open(struct mock_workspaces **out, const char *repos_dir, const char *seeds_dir,
                         const char *data_dir, char *err, size_t errlen);
void mock_workspaces_close(struct mock_workspaces *w);

/* Whether repo (a name, NAME.git, its path or its file:// URL) is one of the served
 * repositories: then its name goes into name. */
bool mock_workspaces_find(const struct mock_workspaces *w, const char *repo, char *name,
                          size_t name_len);

/* The served repository name's URL: file://<repos>/<name>.git. */
void mock_workspaces_url(const struct mock_workspaces *w, const char *name, char *url, size_t len);

/* Where slot_id's working tree of name is: <trees>/<slot_id>/<name>. */
void mock_workspaces_tree(const struct mock_workspaces *w, const char *slot_id, const char *name,
                          char *path, size_t len);

/* Clones the served repository name as slot_id's working tree. Returns 0, or -1 with libgit2's
 * error in err (and nothing left). */
int mock_workspaces_clone(struct mock_workspaces *w, const char *slot_id, const char *name,
                          char *err, size_t errlen);

/* Removes slot_id's working tree (nothing when it has none). */
void mock_workspaces_remove(struct mock_workspaces *w, const char *slot_id);

#endif
