/* The platform's service names and variables; see itest/platform.h. */
#include "itest/platform.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *variable, *alias;
} services[ITEST_SERVICE_COUNT] = {
    [ITEST_TASK_REGISTRY] = {"task-registry", "TASK_REGISTRY_URL", NULL},
    [ITEST_REPO_POOL] = {"repo-pool", "REPO_POOL_URL", NULL},
    [ITEST_ARTIFACT_STORE] = {"artifact-store", "ARTIFACT_STORE_URL", NULL},
    [ITEST_LLM] = {"llm", "LLM_BASE_URL", "OPENAI_BASE_URL"},
    [ITEST_VECTOR] = {"vector", "VECTOR_DB_URL", NULL},
};

const char *itest_service_name(enum itest_service s)
{
    return services[s].name;
}

int itest_service_parse(const char *name)
{
    for (int s = 0; name && s < ITEST_SERVICE_COUNT; s++)
        if (strcmp(services[s].name, name) == 0)
            return s;
    return -1;
}

const char *itest_service_variable(enum itest_service s)
{
    return services[s].variable;
}

const char *itest_service_alias(enum itest_service s)
{
    return services[s].alias;
}

const char *itest_service_configured_variable(enum itest_service s)
{
    const char *names[] = {services[s].variable, services[s].alias};
    for (int i = 0; i < 2; i++) {
        const char *v = names[i] ? getenv(names[i]) : NULL;
        if (v && *v)
            return names[i];
    }
    return NULL;
}
