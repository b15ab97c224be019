#include "options.h"

#include "itest/number.h"
#include "itest/version.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: itest-teeth [OPTION]... --catalogue FILE|--mutations FILE --work-dir DIR\n"
            "                   --suite NAME=EXE...\n"
            "Injects every fault of the catalogue into a private target (its own itest-mock\n"
            "and PostgreSQL + PgBouncer under DIR), runs the cases the catalogue names and\n"
            "checks that each fails with the expected category as itest-report classifies it,\n"
            "without a crash or hang. Prints one line per fault and the teeth score: faults\n"
            "caught / faults injected. With --mutations, plants every contract mutation the\n"
            "same way (itest-mock --mutate: one clause broken, the answers otherwise normal),\n"
            "checks the failures' messages against the catalogue's patterns too, and prints\n"
            "the mutation score: mutations caught or ruled out with a reason / mutations.\n"
            "\n"
            "  --catalogue FILE     the fault catalogue (fixtures/data/fault-catalogue.json)\n"
            "  --mutations FILE     the mutation catalogue\n"
            "                       (fixtures/data/mutation-catalogue.json)\n"
            "  --work-dir DIR       private state, logs and JUnit (created; reused across runs)\n"
            "  --suite NAME=EXE     a suite executable (repeat for each suite)\n"
            "  --mock EXE, --pg EXE, --report EXE\n"
            "                       itest-mock, itest-pg and itest-report\n"
            "  --rules FILE         the mock LLM's rules (fixtures/data/mock-llm-rules.json)\n"
            "  --seeds DIR          the pool's seed projects (fixtures/data/seeds), for the e2e\n"
            "                       workspace cases\n"
            "  --gateway EXE        itest-gateway-fixture, for the catalogue's gateway faults\n"
            "  --only GLOB          inject only faults (or mutations) whose id matches or\n"
            "                       contains GLOB\n"
            "                       (repeatable)\n"
            "  --jobs N             faults injected at once, each in its own mock (4)\n"
            "  --timeout SECONDS    INTEGRATION_TEST_TIMEOUT for the suites (2)\n"
            "  --summary FILE       also write the score and every missed fault to FILE\n"
            "  --targets-down       instead: stop every target (mocks, database, pooler) and\n"
            "                       check that no case passes: each fails, or skips saying why\n"
            "  --list               print the expanded catalogues (id, cases, category) and\n"
            "                       exit\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 every fault and mutation caught (or, with --targets-down, no case\n"
            "passed), 1 one missed, a case passed or a suite crashed or hung, 2 bad usage or\n"
            "an invalid catalogue.\n");
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "itest-teeth: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'itest-teeth --help'.\n");
    va_end(ap);
    return 2;
}

int teeth_options_parse(int argc, char **argv, struct teeth_options *o)
{
    enum {
        CAT = 1,
        MUTATIONS,
        WORK,
        SUITE,
        MOCK,
        GATEWAY,
        PG,
        REPORT,
        RULES,
        ONLY,
        JOBS,
        TIMEOUT,
        SUMMARY,
        DOWN,
        SEEDS,
        LIST,
        HELP,
        VERSION
    };
    static const struct option longs[] = {{"catalogue", 1, 0, CAT},
                                          {"mutations", 1, 0, MUTATIONS},
                                          {"work-dir", 1, 0, WORK},
                                          {"suite", 1, 0, SUITE},
                                          {"mock", 1, 0, MOCK},
                                          {"gateway", 1, 0, GATEWAY},
                                          {"pg", 1, 0, PG},
                                          {"report", 1, 0, REPORT},
                                          {"rules", 1, 0, RULES},
                                          {"seeds", 1, 0, SEEDS},
                                          {"only", 1, 0, ONLY},
                                          {"jobs", 1, 0, JOBS},
                                          {"timeout", 1, 0, TIMEOUT},
                                          {"summary", 1, 0, SUMMARY},
                                          {"targets-down", 0, 0, DOWN},
                                          {"list", 0, 0, LIST},
                                          {"help", 0, 0, HELP},
                                          {"version", 0, 0, VERSION},
                                          {0, 0, 0, 0}};
    o->jobs = 4;
    o->timeout = "2";
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case CAT:
            o->catalogue = optarg;
            break;
        case MUTATIONS:
            o->mutations = optarg;
            break;
        case WORK:
            o->work = optarg;
            break;
        case MOCK:
            o->tools.mock = optarg;
            break;
        case GATEWAY:
            o->tools.gateway = optarg;
            break;
        case PG:
            o->tools.pg = optarg;
            break;
        case REPORT:
            o->tools.report = optarg;
            break;
        case RULES:
            o->tools.rules = optarg;
            break;
        case SEEDS:
            o->tools.seeds = optarg;
            break;
        case SUMMARY:
            o->summary = optarg;
            break;
        case DOWN:
            o->targets_down = true;
            break;
        case LIST:
            o->list = true;
            break;
        case SUITE: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1])
                return bad_usage("--suite '%s': expected NAME=EXECUTABLE", optarg);
            if (o->nsuites == MAX_SUITES)
                return bad_usage("--suite '%s': too many suites", optarg);
            *eq = '\0';
            o->suites[o->nsuites++] = (struct teeth_suite){optarg, eq + 1};
            break;
        }
        case ONLY:
            if (o->nonly == 32)
                return bad_usage("--only '%s': at most 32 patterns", optarg);
            o->only[o->nonly++] = optarg;
            break;
        case JOBS: {
            long long v;
            if (itest_parse_long(&v, optarg, 1, 64) != 0)
                return itest_usage_bad_value("itest-teeth", "--jobs", optarg,
                                             "a whole number 1..64");
            o->jobs = (int)v;
            break;
        }
        case TIMEOUT: {
            double v;
            if (itest_parse_double(&v, optarg, 0.001, 600) != 0)
                return itest_usage_bad_value("itest-teeth", "--timeout", optarg,
                                             "a number of seconds 0.001..600");
            o->timeout = optarg;
            break;
        }
        case HELP:
            usage(stdout);
            exit(0);
        case VERSION:
            printf("itest-teeth %s\n", ITEST_VERSION);
            exit(0);
        default:
            return bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (!o->catalogue && !o->mutations)
        return bad_usage("%s", "--catalogue FILE or --mutations FILE is required");
    if (o->mutations && !o->tools.mock)
        return bad_usage("%s", "--mutations needs --mock (the catalogue is checked against "
                               "itest-mock --list-mutations)");
    if (o->list)
        return 0;
    if (!o->work || !o->tools.mock || !o->tools.pg || !o->tools.report || !o->tools.rules ||
        o->nsuites == 0)
        return bad_usage("%s", "--work-dir, --suite, --mock, --pg, --report and --rules are "
                               "required");
    return 0;
}
