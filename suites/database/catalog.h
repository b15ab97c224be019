/* What a schema defines, as facts ("column tasks.priority" -> "smallint NOT NULL"), and the
 * difference between two schemas in the words a reader wants:
 * "tasks.priority: expected smallint NOT NULL, found integer NULL". */
#ifndef CATALOG_H
#define CATALOG_H

#include <libpq-fe.h>
#include <stddef.h>

enum catalog_kind {
    CATALOG_TABLE,
    CATALOG_COLUMN,
    CATALOG_DEFAULT,
    CATALOG_CONSTRAINT,
    CATALOG_INDEX,
    CATALOG_KINDS
};

struct catalog_fact {
    enum catalog_kind kind;
    char *name;  /* "tasks", "tasks.priority", "tasks.tasks_priority_range" */
    char *value; /* "smallint NOT NULL", "CHECK (...)", "UNIQUE btree (task_id, key)" */
};

struct catalog {
    struct catalog_fact *facts; /* sorted by kind, then name */
    size_t n;
};

/* Reads schema's facts for the named tables (NULL: every table). Returns 0, or -1 with the
 * server's error in err. */
int catalog_read(struct catalog *out, PGconn *conn, const char *schema, const char *const *tables,
                 int n_tables, char *err, size_t errlen);

void catalog_free(struct catalog *c);

/* Forgets every fact of table (the table, its columns, defaults, constraints and indexes). */
void catalog_drop_table(struct catalog *c, const char *table);

/* Appends to *report (malloc'd, grows; the caller frees) one line per difference of kind between
 * expected and found. Returns how many differences there were. Facts found but not expected
 * count only for tables the expected schema has (other tables are the target's own business). */
size_t catalog_diff(char **report, const struct catalog *expected, const struct catalog *found,
                    enum catalog_kind kind);

#endif
