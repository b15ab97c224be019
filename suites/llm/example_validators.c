/* A validator of our own, to show how a suite extends the registry in C: "max_words" fails a
 * reply with more words than its argument. Registered in main() before the cases load. */
#include "cases.h"

#include "itest/prompt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>

static int parse_max_words(const cJSON *arg, char *why, size_t len)
{
    if (cJSON_IsNumber(arg) && arg->valuedouble >= 1 && arg->valuedouble == floor(arg->valuedouble))
        return 0;
    snprintf(why, len, "expected a whole number of words, at least 1");
    return -1;
}

static int check_max_words(const cJSON *arg, const struct itest_prompt_reply *reply, char *why,
                           size_t len)
{
    long words = 0;
    int in_word = 0;
    for (const char *p = reply->content; *p; p++) {
        int space = isspace((unsigned char)*p);
        if (!space && !in_word)
            words++;
        in_word = !space;
    }
    if (words <= (long)arg->valuedouble)
        return 0;
    snprintf(why, len, "the reply has %ld words, over the %.0f allowed", words, arg->valuedouble);
    return 1;
}

int register_example_validators(void)
{
    return itest_validator_register("max_words", parse_max_words, check_max_words,
                                    "the most words (runs of non-space) the reply may have");
}
