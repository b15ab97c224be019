/* The runner's deliberate mistakes; see mistake.h. */
#include "mistake.h"

#include <stdlib.h>
#include <string.h>

bool runner_mistake(const char *name)
{
    const char *m = getenv("ITEST_RUNNER_MISTAKE");
    return m && strcmp(m, name) == 0;
}
