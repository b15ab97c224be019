/* Code quality: the C code a model writes must get past the system compiler. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/code_check.h"

#include <stdlib.h>

void code_quality_reply_compiles(void **state)
{
    struct itest_llm_request req = {
        .system = "You write C11. Answer with one ```c fenced code block and nothing else.",
        .prompt = "Write a C function that counts the words in a string.",
        .max_tokens = 600};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    char *code = itest_code_extract_c(reply.content);
    itest_check(code, "the reply has no ```c code block:\n%.600s", reply.content);
    char diag[2048];
    int rc = itest_code_check_c(code, diag, sizeof diag);
    itest_check(rc >= 0, "the compiler could not run: %s", diag);
    itest_check(rc == 0, "the reply's C code does not compile:\n%s\ncode:\n%.1500s", diag, code);
    free(code);
    itest_llm_reply_free(&reply);
}
