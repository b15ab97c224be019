#include <dlfcn.h>
#include <stdio.h>

#include "lib_load.h"

int lib_load(const char *soname, const char *package, const char *const *names, void **fns,
             size_t n, char *err, size_t errlen)
{
    if (n && fns[0])
        return 0;
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(err, errlen, "cannot load %s (install the Debian package %s): %s", soname, package,
                 dlerror());
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        fns[i] = dlsym(lib, names[i]);
        if (!fns[i]) {
            snprintf(err, errlen, "%s has no %s: %s", soname, names[i], dlerror());
            for (size_t k = 0; k < i; k++)
                fns[k] = NULL;
            return -1;
        }
    }
    return 0; /* the library stays loaded for the process */
}
