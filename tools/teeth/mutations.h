/* The mutation catalogue (fixtures/data/mutation-catalogue.json): every contract clause the mock
 * can break while answering normally otherwise (itest-mock --mutate), the clause it breaks, the
 * cases that must catch it, the category and a pattern the failure message must match; or the
 * reason it is ruled out. Checked against the mock's own list (itest-mock --list-mutations), both
 * ways, so that no mutation goes unscored. */
#ifndef ITEST_TEETH_MUTATIONS_H
#define ITEST_TEETH_MUTATIONS_H

#include "catalogue.h"

/* Reads path into *out (TEETH_MUTATION entries and the ruled-out list) and checks it against the
 * mutations mock_exe lists. Returns 0, or -1 with "path: where: problem" in err. */
int teeth_mutations_load(const char *path, const char *mock_exe, const char *work,
                         struct teeth_catalogue *out, char *err, size_t len);

#endif
