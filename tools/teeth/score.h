/* Running a catalogue and scoring it: every selected fault or mutation injected into a private
 * target (faults and mutations --jobs at once, each in its own mock; target faults one at a time
 * afterwards), judged against its category (and, for a mutation, its message pattern), one line
 * printed per entry and the score at the end. */
#ifndef ITEST_TEETH_SCORE_H
#define ITEST_TEETH_SCORE_H

#include "catalogue.h"
#include "options.h"

#include <stdbool.h>
#include <stdio.h>

/* Runs every entry of cat that --only selects, prints its line and the score ("teeth score" for
 * faults, "mutation score" for mutations) with what was missed, and appends the score and misses
 * to summary. Returns 0 when each was caught, 1 when one was not, 2 when none is selected. */
int teeth_score(const struct teeth_options *o, const struct teeth_catalogue *cat, bool mutations,
                FILE *summary);

#endif
