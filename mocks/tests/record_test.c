/* Record and replay (itest-mock --proxy/--record/--replay): a second itest-mock stands for the
 * real service; what the proxy records, a replaying mock answers byte for byte and at the
 * recorded pace; a changed request misses naming the field; secrets never reach a cassette;
 * faults still apply; bad input is refused. */
#include "mock_test.h"
#include "shell.h"

#include "itest/file.h"
#include "itest/json_parse.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "sk-real-platform-3f9c2a77d1"
#define CHAT "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
#define STREAM                                                                                     \
    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"     \
    "\"count to five\"}]}"

static const char *const auth_headers[] = {"Authorization: Bearer " KEY,
                                           "Content-Type: application/json", NULL};

/* The "real" platform: another key and streaming latency. */
static void start_platform(struct mock *up)
{
    const char *args[] = {"--service",        "llm", "--service", "task-registry",
                          "--api-key",        KEY,   "--ttft-ms", "40",
                          "--chunk-delay-ms", "25",  NULL};
    mock_start(up, args);
}

static void start_proxy(struct mock *px, const struct mock *up, const char *dir)
{
    char llm[160], tr[160];
    snprintf(llm, sizeof llm, "llm=%s/v1", up->url[LLM]);
    snprintf(tr, sizeof tr, "task-registry=%s", up->url[TR]);
    const char *args[] = {"--service", "llm", "--service", "task-registry",
                          "--proxy",   llm,   "--proxy",   tr,
                          "--record",  dir,   NULL};
    mock_start(px, args);
}

static void start_replay(struct mock *rp, const char *dir, const char *more)
{
    const char *args[] = {"--service",
                          "llm",
                          "--service",
                          "task-registry",
                          "--replay",
                          dir,
                          more ? "--replay-speed" : NULL,
                          more,
                          NULL};
    mock_start(rp, args);
}

/* A request, its body kept (malloc'd) and the status checked. */
static char *exchange(const char *method, const char *url, const char *body, long status)
{
    struct itest_http_response r;
    mt_send(&r, method, url, body, body ? auth_headers : NULL);
    itest_assert_http_status(&r, method, url, status);
    char *kept = strndup(r.body ? r.body : "", r.body_len);
    itest_http_response_free(&r);
    return kept;
}

static char *work_dir(const char *name)
{
    static char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/itest-record-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    itest_check(mkdtemp(dir), "mkdtemp %s", dir);
    return dir;
}

/* The recorded events' offsets (ms) of the first stream in a cassette file, into at[]. */
static size_t event_offsets(const char *path, double *at, size_t max)
{
    char err[512];
    size_t len = 0;
    char *text = itest_read_file(path, 64u << 20, &len, err, sizeof err);
    itest_check(text, "%s", err);
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line && n == 0; line = strtok(NULL, "\n")) {
        cJSON *x = itest_json_parse(line, strlen(line), err, sizeof err);
        itest_check(x, "%s: %s", path, err);
        const cJSON *e;
        cJSON_ArrayForEach(e, itest_json_get(x, "response.events"))
        {
            if (n < max)
                at[n++] = cJSON_GetObjectItem(e, "at_ms")->valuedouble;
        }
        cJSON_Delete(x);
    }
    free(text);
    return n;
}

static void cassette_path(char *out, size_t len, const char *dir, const char *service)
{
    snprintf(out, len, "%s/%s/%s.jsonl", dir, service, itest_current_case());
}

static void replay_answers_byte_for_byte(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("tapes"));
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    char *task = exchange("POST", mt_url(px.url[TR], "/tasks"),
                          "{\"title\":\"recorded\",\"spec\":\"s\",\"priority\":3}", 201);
    cJSON *t = itest_json_parse_or_fail(task, strlen(task), "the task");
    char get[256];
    snprintf(get, sizeof get, "/tasks/%s", cJSON_GetStringValue(cJSON_GetObjectItem(t, "id")));
    cJSON_Delete(t);
    char *got = exchange("GET", mt_url(px.url[TR], get), NULL, 200);
    char *chat = exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200);
    char *stream = exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), STREAM, 200);
    char *embed = exchange("POST", mt_url(px.url[LLM], "/v1/embeddings"),
                           "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}", 200);
    char *resp = exchange("POST", mt_url(px.url[LLM], "/v1/responses"),
                          "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"stream\":true}", 200);
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0); /* offline from here */

    struct mock rp;
    start_replay(&rp, dir, NULL);
    char *again[6] = {exchange("POST", mt_url(rp.url[TR], "/tasks"),
                               "{\"priority\":3,\"spec\":\"s\",\"title\":\"recorded\"}", 201),
                      exchange("GET", mt_url(rp.url[TR], get), NULL, 200),
                      exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), CHAT, 200),
                      exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), STREAM, 200),
                      exchange("POST", mt_url(rp.url[LLM], "/v1/embeddings"),
                               "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}", 200),
                      exchange("POST", mt_url(rp.url[LLM], "/v1/responses"),
                               "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"stream\":true}",
                               200)};
    const char *first[6] = {task, got, chat, stream, embed, resp};
    const char *what[6] = {"POST /tasks (keys in another order)",
                           "GET /tasks/{id}",
                           "chat",
                           "chat stream",
                           "embeddings",
                           "Responses stream"};
    for (int i = 0; i < 6; i++) {
        itest_check(strcmp(first[i], again[i]) == 0,
                    "%s: the replay answered %zu bytes that differ from the %zu recorded:\n%.300s",
                    what[i], strlen(again[i]), strlen(first[i]), again[i]);
        free(again[i]);
    }
    assert_int_equal(mock_stop(&rp), 0);
    free(task);
    free(got);
    free(chat);
    free(stream);
    free(embed);
    free(resp);
    itest_remove_tree(dir);
    free(dir);
}

/* Records a stream, replays it at speed through a second recording proxy, and compares the
 * offsets the two proxies saw. */
static void check_pacing(const char *speed, double factor)
{
    char *dir = strdup(work_dir("pace")), *seen = NULL;
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    struct itest_http_response r;
    mt_send(&r, "POST", mt_url(px.url[LLM], "/v1/chat/completions"), STREAM, auth_headers);
    itest_assert_http_status(&r, "POST", "the stream through the proxy", 200);
    /* passed through as it arrives: the first byte long before the end */
    itest_check(r.first_byte_s < r.total_s / 2,
                "through the proxy the stream's first byte came after %.1f ms of %.1f ms: it was "
                "held back, not passed through",
                r.first_byte_s * 1e3, r.total_s * 1e3);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0);
    struct mock rp, again;
    start_replay(&rp, dir, speed);
    itest_check(asprintf(&seen, "%s-again", dir) > 0, "out of memory");
    char llm[160];
    snprintf(llm, sizeof llm, "llm=%s/v1", rp.url[LLM]);
    const char *args[] = {"--service", "llm", "--proxy", llm, "--record", seen, NULL};
    mock_start(&again, args);
    free(exchange("POST", mt_url(again.url[LLM], "/v1/chat/completions"), STREAM, 200));
    assert_int_equal(mock_stop(&again), 0);
    assert_int_equal(mock_stop(&rp), 0);
    char a[512], b[512];
    cassette_path(a, sizeof a, dir, "llm");
    cassette_path(b, sizeof b, seen, "llm");
    double rec[64], rep[64];
    size_t n = event_offsets(a, rec, 64), m = event_offsets(b, rep, 64);
    itest_check(n > 3 && n == m, "recorded %zu events, the replay sent %zu", n, m);
    itest_check(rec[n - 1] > 100,
                "the recorded stream took %.1f ms; the platform's latency is "
                "40 ms to the first token and 25 ms per chunk",
                rec[n - 1]);
    for (size_t i = 0; i < n; i++)
        itest_check(fabs(rep[i] - rec[i] * factor) < 15,
                    "event %zu arrived at %.1f ms when replayed at speed %s; recorded at %.1f ms",
                    i, rep[i], speed, rec[i]);
    itest_remove_tree(dir);
    itest_remove_tree(seen);
    free(dir);
    free(seen);
}

static void streams_keep_their_pacing(void **state)
{
    (void)state;
    check_pacing("1", 1.0);
}

static void streams_at_full_speed(void **state)
{
    (void)state;
    check_pacing("0", 0.0);
}

static void changed_body_misses_naming_the_field(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("miss"));
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200));
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0);
    char path[512];
    cassette_path(path, sizeof path, dir, "llm");
    char *out = NULL;
    /* the cassette edited by hand: the recorded request said "hullo" */
    assert_int_equal(
        shell_run(&out, 10, "sed -i 's/\\\\\"hello\\\\\"/\\\\\"hullo\\\\\"/' '%s'", path), 0);
    free(out);
    struct mock rp;
    start_replay(&rp, dir, NULL);
    char *miss = exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), CHAT, 598);
    assert_contains(miss, "replay_miss");
    assert_contains(miss, "$.messages[0].content: recorded \\\"hullo\\\", sent \\\"hello\\\"");
    assert_contains(miss, ".jsonl:1");
    free(miss);
    miss = exchange("GET", mt_url(rp.url[LLM], "/v1/models"), NULL, 598);
    assert_contains(miss, "no recording of GET /v1/models");
    free(miss);
    assert_int_equal(mock_stop(&rp), 0);
    itest_remove_tree(dir);
    free(dir);
}

static void recording_a_case_again_replaces_its_cassette(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("again"));
    struct mock up, px;
    start_platform(&up);
    for (int round = 0; round < 2; round++) {
        start_proxy(&px, &up, dir);
        free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200));
        free(exchange("GET", mt_url(px.url[TR], "/tasks"), NULL, 200));
        assert_int_equal(mock_stop(&px), 0);
    }
    assert_int_equal(mock_stop(&up), 0);
    char path[512], *out = NULL;
    cassette_path(path, sizeof path, dir, "llm");
    assert_int_equal(shell_run(&out, 10, "wc -l < '%s'", path), 0);
    itest_check(atoi(out) == 1,
                "%s holds %d exchanges after the case was recorded twice; the "
                "second recording should replace the first",
                path, atoi(out));
    free(out);
    itest_remove_tree(dir);
    free(dir);
}

static void a_miss_can_be_forwarded_and_recorded(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("tapes")), *more = NULL;
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200));
    assert_int_equal(mock_stop(&px), 0);
    itest_check(asprintf(&more, "%s-more", dir) > 0, "out of memory");
    char llm[160];
    snprintf(llm, sizeof llm, "llm=%s/v1", up.url[LLM]);
    const char *args[] = {"--service",     "llm",   "--replay", dir,
                          "--replay-miss", "proxy", "--proxy",  llm,
                          "--record",      more,    NULL};
    struct mock rp;
    mock_start(&rp, args);
    free(exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), CHAT, 200)); /* replayed */
    struct itest_http_response r; /* not recorded: forwarded to the platform */
    mt_send(&r, "GET", mt_url(rp.url[LLM], "/v1/models"), NULL, auth_headers);
    itest_assert_http_status(&r, "GET", "/v1/models, a miss forwarded", 200);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&rp), 0);
    assert_int_equal(mock_stop(&up), 0);
    char path[512], *out = NULL;
    cassette_path(path, sizeof path, more, "llm");
    assert_int_equal(shell_run(&out, 10, "cat '%s'", path), 0);
    assert_contains(out, "\"path\":\"/v1/models\"");
    assert_not_contains(out, "/v1/chat/completions"); /* answered from the cassette */
    free(out);
    itest_remove_tree(dir);
    itest_remove_tree(more);
    free(dir);
    free(more);
}

static void ignored_fields_still_match(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("ignore"));
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"),
                  "{\"model\":\"gpt-4o-mini\",\"user\":\"run-1\",\"messages\":[{\"role\":\"user\","
                  "\"content\":\"x\"}]}",
                  200));
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0);
    const char *sent = "{\"model\":\"gpt-4o-mini\",\"user\":\"run-2\",\"messages\":[{\"role\":"
                       "\"user\",\"content\":\"x\"}]}";
    struct mock rp;
    start_replay(&rp, dir, NULL);
    char *miss = exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), sent, 598);
    assert_contains(miss, "$.user: recorded \\\"run-1\\\", sent \\\"run-2\\\"");
    free(miss);
    assert_int_equal(mock_stop(&rp), 0);
    char rules[512], err[512];
    snprintf(rules, sizeof rules, "%s/ignore.json", dir);
    const char *text = "{\"ignore\": [\"user\"]}";
    assert_int_equal(itest_write_file(rules, text, strlen(text), err, sizeof err), 0);
    const char *args[] = {"--service", "llm", "--replay", dir, "--replay-ignore", rules, NULL};
    mock_start(&rp, args);
    free(exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), sent, 200));
    assert_int_equal(mock_stop(&rp), 0);
    itest_remove_tree(dir);
    free(dir);
}

static void secrets_never_reach_a_cassette(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("secrets"));
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    /* the key in the prompt: the platform's reply quotes it back */
    free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"),
                  "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"my "
                  "key is " KEY "\"}]}",
                  200));
    const char *more[] = {"Cookie: session=" KEY, "X-Api-Key: " KEY, "Api-Key: " KEY, NULL};
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(px.url[TR], "/tasks?limit=1"), NULL, more);
    itest_assert_http_status(&r, "GET", "/tasks", 200);
    itest_http_response_free(&r);
    free(exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200));
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0);
    char *out = NULL;
    int rc = shell_run(&out, 10, "grep -rn -e '%s' -e 'real-platform' '%s'", KEY, dir);
    itest_check(rc == 1, "a secret reached the cassettes (grep exit %d):\n%s", rc, out);
    free(out);
    rc = shell_run(&out, 10, "grep -rho '\"authorization\":\"[^\"]*\"' '%s' | sort -u", dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "\"authorization\":\"[redacted]\"");
    free(out);
    itest_remove_tree(dir);
    free(dir);
}

static void faults_apply_on_top_of_a_replay(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("faults"));
    struct mock up, px;
    start_platform(&up);
    start_proxy(&px, &up, dir);
    char *chat = exchange("POST", mt_url(px.url[LLM], "/v1/chat/completions"), CHAT, 200);
    assert_int_equal(mock_stop(&px), 0);
    assert_int_equal(mock_stop(&up), 0);
    struct mock rp;
    start_replay(&rp, dir, NULL);
    mt_fault(rp.url[LLM],
             "{\"request\": {\"method\": \"POST\", \"urlPath\": \"/v1/chat/completions\"}, "
             "\"response\": {\"status\": 503}, \"times\": 1}");
    free(exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), CHAT, 503));
    char *again = exchange("POST", mt_url(rp.url[LLM], "/v1/chat/completions"), CHAT, 200);
    assert_string_equal(again, chat);
    free(again);
    free(chat);
    assert_int_equal(mock_stop(&rp), 0);
    itest_remove_tree(dir);
    free(dir);
}

static void unreachable_target_is_a_502_without_its_password(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("down"));
    struct mock px;
    const char *args[] = {"--service", "task-registry",
                          "--proxy",   "task-registry=http://user:hunter2secret@127.0.0.1:1",
                          "--record",  dir,
                          NULL};
    mock_start(&px, args);
    char *said = exchange("GET", mt_url(px.url[TR], "/tasks"), NULL, 502);
    assert_contains(said, "proxy_target_failed");
    assert_contains(said, "127.0.0.1:1");
    assert_not_contains(said, "hunter2secret");
    free(said);
    assert_int_equal(mock_stop(&px), 0);
    itest_remove_tree(dir);
    free(dir);
}

/* A non-loopback IPv4 address of this machine, or 0. */
static int outside_address(char *out, size_t len)
{
    struct ifaddrs *all = NULL, *i;
    int found = 0;
    if (getifaddrs(&all) != 0)
        return 0;
    for (i = all; i && !found; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
            struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            if ((ntohl(a.s_addr) >> 24) != 127 && inet_ntop(AF_INET, &a, out, (socklen_t)len))
                found = 1;
        }
    freeifaddrs(all);
    return found;
}

static void proxy_serves_loopback_clients_only(void **state)
{
    (void)state;
    char addr[64];
    if (!outside_address(addr, sizeof addr))
        itest_skip("needs a non-loopback IPv4 address on this machine to reach the proxy from");
    struct mock up, px;
    start_platform(&up);
    char tr[160];
    snprintf(tr, sizeof tr, "task-registry=%s", up.url[TR]);
    for (int remote = 0; remote < 2; remote++) {
        const char *args[] = {"--service",
                              "task-registry",
                              "--bind",
                              "0.0.0.0",
                              "--proxy",
                              tr,
                              remote ? "--proxy-remote-clients" : NULL,
                              NULL};
        mock_start(&px, args);
        const char *port = strrchr(px.url[TR], ':') + 1;
        char url[160];
        snprintf(url, sizeof url, "http://%s:%s/tasks", addr, port);
        char *said = exchange("GET", url, NULL, remote ? 200 : 403);
        if (!remote)
            assert_contains(said, "proxy_forbidden");
        free(said);
        free(exchange("GET", mt_url(px.url[TR], "/tasks"), NULL, 200)); /* loopback: served */
        assert_int_equal(mock_stop(&px), 0);
    }
    assert_int_equal(mock_stop(&up), 0);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    char *dir = strdup(work_dir("bad"));
    char *out = NULL;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/llm", dir);
    assert_int_equal(itest_make_dirs(path, 0755, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/llm/broken.jsonl", dir);
    const char *broken = "{\"request\": {\"method\": \"GET\", \"path\": \"/v1/models\"}, "
                         "\"response\": {\"status\": 200}}\n{\"request\": {\"method\": \"GET\"\n";
    assert_int_equal(itest_write_file(path, broken, strlen(broken), err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/shape.json", dir);
    assert_int_equal(itest_write_file(path, "{\"ignore\": \"id\"}", 16, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/bad.json", dir);
    assert_int_equal(itest_write_file(path, "{\"ignore\": [\n", 13, err, sizeof err), 0);
    const struct {
        const char *args, *in_dir, *says; /* in_dir: a file of dir the last option names */
        int rc;
    } cases[] = {
        {"--proxy nope=http://127.0.0.1:1", NULL,
         "--proxy='nope=http://127.0.0.1:1' is not SERVICE=URL", 2},
        {"--proxy llm", NULL, "--proxy='llm' is not SERVICE=URL", 2},
        {"--proxy llm=ftp://x", NULL, "with an http:// or https:// URL", 2},
        {"--record /tmp/x", NULL, "--record needs --proxy SERVICE=URL", 2},
        {"--replay /nonexistent/tapes", NULL, "--replay /nonexistent/tapes: no such directory", 2},
        {"--replay-speed -1", NULL, "--replay-speed='-1' is not a factor 0..1000", 2},
        {"--replay-miss maybe", NULL, "--replay-miss='maybe' is not fail or proxy", 2},
        {"--replay-miss proxy", NULL, "--replay-miss proxy needs --proxy SERVICE=URL", 2},
        {"--replay-ignore /nonexistent.json", NULL, "--replay-ignore /nonexistent.json", 2},
        {"--replay-ignore ", "shape.json", "expected {\"ignore\": [\"name\", ...]}", 2},
        {"--replay-ignore ", "bad.json", "bad.json:1:13: invalid JSON", 2},
        {"--service llm --replay ", "", "broken.jsonl:2: not JSON", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024];
        snprintf(args, sizeof args, "%s%s%s%s", cases[i].args, cases[i].in_dir ? dir : "",
                 cases[i].in_dir && *cases[i].in_dir ? "/" : "",
                 cases[i].in_dir ? cases[i].in_dir : "");
        int rc = shell_run(&out, 10, "'%s' --port 0 %s", MOCK_EXE, args);
        if (rc != cases[i].rc)
            itest_fail("itest-mock %s exited %d, expected %d; it said: %s", args, rc, cases[i].rc,
                       out);
        assert_contains(out, cases[i].says);
        free(out);
    }
    itest_remove_tree(dir);
    free(dir);
}

static const struct itest_case cases[] = {
    ITEST_CASE(replay_answers_byte_for_byte),
    /* timed against the recorded offsets: alone, as a timing verdict must be (under ctest -j8
     * on two cores a busy scheduler makes events tens of ms late) */
    {.name = "streams_keep_their_pacing", .fn = streams_keep_their_pacing, .run_serial = true},
    {.name = "streams_at_full_speed", .fn = streams_at_full_speed, .run_serial = true},
    ITEST_CASE(changed_body_misses_naming_the_field),
    ITEST_CASE(recording_a_case_again_replaces_its_cassette),
    ITEST_CASE(a_miss_can_be_forwarded_and_recorded),
    ITEST_CASE(ignored_fields_still_match),
    ITEST_CASE(secrets_never_reach_a_cassette),
    ITEST_CASE(faults_apply_on_top_of_a_replay),
    ITEST_CASE(unreachable_target_is_a_502_without_its_password),
    ITEST_CASE(proxy_serves_loopback_clients_only),
    ITEST_CASE(bad_input_is_refused),
};

ITEST_SUITE_MAIN(cases)
