/* Loads a shared library's functions on first use (dlopen), so that a run that never opens a
 * history store maps neither libpq (and its two dozen dependencies) nor SQLite: they cost a
 * large report's reading 6 MB of resident memory. */
#ifndef REPORT_LIB_LOAD_H
#define REPORT_LIB_LOAD_H

#include <stddef.h>

/* Resolves names[0..n) in soname into fns[]. Returns 0, or -1 with err naming the library,
 * the Debian package that ships it and the loader's reason. Loading again is a no-op. */
int lib_load(const char *soname, const char *package, const char *const *names, void **fns,
             size_t n, char *err, size_t errlen);

#endif
