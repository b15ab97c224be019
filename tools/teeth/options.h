/* itest-teeth's command line: what to inject, where, with which programs and suites. */
#ifndef ITEST_TEETH_OPTIONS_H
#define ITEST_TEETH_OPTIONS_H

#include "check.h"
#include "target.h"

#include <stdbool.h>
#include <stddef.h>

#define MAX_SUITES 16

struct teeth_options {
    const char *catalogue, *mutations, *work, *summary;
    struct teeth_tools tools;
    struct teeth_suite suites[MAX_SUITES];
    size_t nsuites;
    const char *only[32];
    size_t nonly;
    int jobs;
    const char *timeout;
    bool targets_down, list;
};

/* Reads argv into *o. Returns 0 to go on, else the exit status (2: bad usage, said why); --help
 * and --version print and exit 0. */
int teeth_options_parse(int argc, char **argv, struct teeth_options *o);

#endif
