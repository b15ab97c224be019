/* libFuzzer target: any bytes through the reader (strict, then lenient), the analysis and
 * every report writer. Built by the `fuzz` preset (clang); CTest runs it for a bounded time
 * with the producers' samples as the seed corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libxml/parser.h>

#include "analysis.h"
#include "classify.h"
#include "junit_parse.h"
#include "model.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct classifier classifier;
    static FILE *sink;
    if (!sink) {
        xmlInitParser();
        classifier_init(&classifier);
        sink = fopen("/dev/null", "w");
    }
    struct model m;
    model_init(&m, &classifier);
    junit_read_buffer(&m, "fuzz-a.xml", (const char *)data, size);
    /* the same bytes again as a second input: runs merge, flaky cases, rollback state */
    junit_read_buffer(&m, "fuzz-b.xml", (const char *)data, size / 2);
    char *budgets[] = {"s=1"};
    struct analysis a;
    analyse(&a, &m, budgets, 1, 5, NULL, 50);
    static const char *const facts[] = {"commit=fuzz", "wall time=1 s"};
    struct report_context ctx = {
        .m = &m, .a = &a, .title = "fuzz", .facts = facts, .nfacts = 2, .markdown_measurements = 1};
    report_text(sink, &ctx);
    report_json(sink, &ctx);
    report_junit(sink, &ctx);
    report_html(sink, &ctx);
    report_markdown(sink, &ctx);
    report_csv(sink, &ctx);
    analysis_free(&a);
    model_free(&m);
    return 0;
}
