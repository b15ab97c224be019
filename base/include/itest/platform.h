/* The names every program must agree on: the platform's HTTP services and the variables that
 * point at real ones, the header that scopes a case's requests, the models the suites use by
 * default and the key the embedded LLM mock wants. The mocks serve these names, the suites ask
 * for them, the harness sets the variables. */
#ifndef ITEST_PLATFORM_H
#define ITEST_PLATFORM_H

enum itest_service {
    ITEST_TASK_REGISTRY,
    ITEST_REPO_POOL,
    ITEST_ARTIFACT_STORE,
    ITEST_LLM,
    ITEST_VECTOR,
    ITEST_SERVICE_COUNT
};

/* The service's name in the mocks, the state file and messages: "task-registry", "repo-pool",
 * "artifact-store", "llm", "vector". */
const char *itest_service_name(enum itest_service s);
/* The service named name, or -1. */
int itest_service_parse(const char *name);
/* The variable that points at a real deployment ("TASK_REGISTRY_URL", ...; "LLM_BASE_URL"). */
const char *itest_service_variable(enum itest_service s);
/* A second variable that does the same, or NULL ("OPENAI_BASE_URL" for the LLM). */
const char *itest_service_alias(enum itest_service s);
/* The first of the service's variables set to a non-empty value, or NULL. */
const char *itest_service_configured_variable(enum itest_service s);

/* Every request a case makes carries "X-Itest-Scope: <suite>.<case>#<pid>"; the mocks scope
 * faults and journal queries by it. */
#define ITEST_SCOPE_HEADER "X-Itest-Scope"

/* Every request of the load generator carries "X-Itest-Load: 1": the mocks count it in /metrics
 * but keep it out of their request journal, whose bounded ring a load run would otherwise fill
 * with its own requests, pushing out the ones other cases count. */
#define ITEST_LOAD_HEADER "X-Itest-Load"

/* The chat models the suites use when LLM_MODELS is unset, which the mock serves. */
#define ITEST_DEFAULT_MODELS "gpt-4o-mini,gpt-4o"
/* The embedding model the suites use when LLM_EMBEDDING_MODEL is unset. */
#define ITEST_DEFAULT_EMBEDDING_MODEL "text-embedding-3-small"
/* The model the suites ask for reasoning tokens when LLM_REASONING_MODEL is unset (the mock's
 * rules mark it as one that reasons). */
#define ITEST_DEFAULT_REASONING_MODEL "o4-mini"
/* What the LLM mock serves unless told otherwise: the chat models, a reasoning model and the
 * embedding model. */
#define ITEST_MOCK_MODELS                                                                          \
    ITEST_DEFAULT_MODELS "," ITEST_DEFAULT_REASONING_MODEL "," ITEST_DEFAULT_EMBEDDING_MODEL
/* The key the `mocks` fixture starts the LLM mock with (not a secret). */
#define ITEST_MOCK_LLM_KEY "itest-mock-key"
/* The variable that holds the mocks' admin token: itest-mock takes it as --admin-token's default,
 * the suites' admin client sends it. */
#define ITEST_MOCK_ADMIN_TOKEN_VARIABLE "ITEST_MOCK_ADMIN_TOKEN"
/* Record and replay (docs/record-replay.md): with ITEST_RECORD=DIR the `mocks` fixture starts a
 * recording proxy in front of each configured service, with ITEST_REPLAY=DIR it answers from the
 * cassettes there; the suites then talk to those (mocks.json says "mode": "proxy" or "replay").
 * DIR/ITEST_RUN_FILE holds the run number the suites put into names that must be unique on a
 * real service, so that a replay sends what the recording did. */
#define ITEST_RECORD_VARIABLE "ITEST_RECORD"
#define ITEST_REPLAY_VARIABLE "ITEST_REPLAY"
#define ITEST_RUN_FILE "run.json"
/* The api-key the `mocks` fixture starts the vector store mock with (not a secret). */
#define ITEST_MOCK_VECTOR_KEY "itest-mock-vector-key"

#endif
