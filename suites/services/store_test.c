/* Artifact Store: byte-exact round trips, the sha256 ETag, a large artifact streamed both ways
 * in flat memory, Range, HEAD, DELETE, bad keys and 413. */
#include "cases.h"
#include "svc.h"

#include "itest/digest.h"
#include "itest/measure.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* A key unique to this case and call, recorded for the teardown to delete. */
static void new_key(char *key, size_t len, const char *name)
{
    char unique[256];
    svc_unique(unique, sizeof unique, "itest");
    snprintf(key, len, "%s/%s", unique, name);
    svc_track_artifact(key);
}

/* PUTs len bytes with content_type; asserts status (201 or 200) and the reply's size and sha. */
static void put_bytes(const char *key, const void *data, size_t len, const char *content_type,
                      long expect)
{
    char url[SVC_URL_MAX], header[256], sha[65];
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    snprintf(header, sizeof header, "Content-Type: %s", content_type);
    const char *headers[] = {header, NULL};
    struct itest_http_request req = {.method = "PUT",
                                     .url = url,
                                     .headers = headers,
                                     .body = data,
                                     .body_len = len,
                                     .retries = -1};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "PUT", url, expect);
    cJSON *reply = itest_json_parse_or_fail(r.body, r.body_len, "the PUT reply");
    itest_sha256_hex(sha, data, len);
    itest_assert_json_string(reply, "key", key);
    itest_assert_json_int(reply, "size", (long long)len);
    itest_assert_json_string(reply, "sha256", sha);
    cJSON_Delete(reply);
    itest_http_response_free(&r);
}

/* GETs key (with extra request headers) into *r and asserts the status. */
static void get_key(struct itest_http_response *r, const char *method, const char *key,
                    const char *range, long expect)
{
    char url[SVC_URL_MAX], header[128];
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    const char *headers[] = {NULL, NULL};
    if (range) {
        snprintf(header, sizeof header, "Range: bytes=%s", range);
        headers[0] = header;
    }
    struct itest_http_request req = {
        .method = method, .url = url, .headers = headers, .retries = -1};
    itest_http_send(r, &req);
    itest_assert_http_status(r, method, url, expect);
}

static void assert_same_bytes(const struct itest_http_response *r, const void *data, size_t len,
                              const char *what)
{
    itest_check(r->body_len == len, "%s: %zu bytes came back, %zu were stored", what, r->body_len,
                len);
    const unsigned char *a = (const unsigned char *)r->body, *b = data;
    for (size_t i = 0; i < len; i++)
        itest_check(a[i] == b[i], "%s: byte %zu is 0x%02x, 0x%02x was stored", what, i, a[i], b[i]);
}

static void assert_etag(const struct itest_http_response *r, const void *data, size_t len)
{
    char sha[65], expected[70];
    itest_sha256_hex(sha, data, len);
    snprintf(expected, sizeof expected, "\"%s\"", sha);
    const char *etag = itest_http_header(r, "ETag");
    itest_check(etag && strcmp(etag, expected) == 0, "ETag: expected %s (the sha256), found %s",
                expected, etag ? etag : "no ETag header");
}

void store_text_round_trip(void **state)
{
    static const char text[] = "int main(void)\n{\n    return 0; /* ünïcödé */\n}\n";
    char key[512];
    new_key(key, sizeof key, "src/main.c");
    put_bytes(key, text, strlen(text), "text/x-c; charset=utf-8", 201);
    struct itest_http_response r;
    get_key(&r, "GET", key, NULL, 200);
    assert_same_bytes(&r, text, strlen(text), "GET of a text artifact");
    assert_etag(&r, text, strlen(text));
    const char *type = itest_http_header(&r, "Content-Type");
    itest_check(type && strcmp(type, "text/x-c; charset=utf-8") == 0,
                "Content-Type: expected the stored text/x-c; charset=utf-8, found %s",
                type ? type : "none");
    itest_http_response_free(&r);
}

/* Fills buf with bytes of every value, NULs and CR/LF included, from a fixed seed. */
static void fill_binary(unsigned char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(i < 256 ? i : seed >> 16);
    }
}

void store_binary_round_trip(void **state)
{
    size_t len = (1 << 20) + 3;
    unsigned char *data = malloc(len);
    fill_binary(data, len, 7);
    char key[512];
    new_key(key, sizeof key, "bin/blob.bin");
    put_bytes(key, data, len, "application/octet-stream", 201);
    struct itest_http_response r;
    get_key(&r, "GET", key, NULL, 200);
    assert_same_bytes(&r, data, len, "GET of a binary artifact");
    assert_etag(&r, data, len);
    itest_http_response_free(&r);
    free(data);
}

void store_overwrite_replaces(void **state)
{
    char key[512];
    new_key(key, sizeof key, "twice.txt");
    put_bytes(key, "first", 5, "text/plain", 201);
    put_bytes(key, "second!", 7, "text/plain", 200);
    struct itest_http_response r;
    get_key(&r, "GET", key, NULL, 200);
    assert_same_bytes(&r, "second!", 7, "GET after an overwrite");
    assert_etag(&r, "second!", 7);
    itest_http_response_free(&r);
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* 64 MiB up from a file and down into a file; the client's peak RSS must not follow the size. */
void store_large_streams_flat_memory(void **state)
{
    enum { MIB = 1 << 20, SIZE_MIB = 64, FLAT_MIB = 16 };
    char dir[] = "/tmp/itest-large-XXXXXX";
    itest_check(mkdtemp(dir), "cannot make a temporary directory");
    char up[64], down[64], err[256], sha_up[65], sha_down[65];
    snprintf(up, sizeof up, "%s/up.bin", dir);
    snprintf(down, sizeof down, "%s/down.bin", dir);
    FILE *f = fopen(up, "wb");
    unsigned char *chunk = malloc(MIB);
    for (int i = 0; i < SIZE_MIB; i++) {
        fill_binary(chunk, MIB, (unsigned)i + 1);
        fwrite(chunk, 1, MIB, f);
    }
    free(chunk);
    itest_check(fclose(f) == 0, "cannot write %s", up);
    itest_check(itest_sha256_file(sha_up, up, err, sizeof err) == 0, "%s", err);

    char key[512], url[SVC_URL_MAX];
    new_key(key, sizeof key, "large.bin");
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    long before = max_rss_kb();
    struct itest_http_request put = {.method = "PUT",
                                     .url = url,
                                     .headers = (const char *[]){"Content-Type: "
                                                                 "application/octet-stream",
                                                                 NULL},
                                     .upload_path = up,
                                     .retries = -1};
    struct itest_http_response r;
    itest_http_send(&r, &put);
    itest_assert_http_status(&r, "PUT", url, 201);
    double up_s = r.total_s;
    cJSON *reply = itest_json_parse_or_fail(r.body, r.body_len, "the PUT reply");
    itest_assert_json_string(reply, "sha256", sha_up);
    itest_assert_json_int(reply, "size", (long long)SIZE_MIB * MIB);
    cJSON_Delete(reply);
    itest_http_response_free(&r);

    struct itest_http_request get = {.url = url, .download_path = down, .retries = -1};
    itest_http_send(&r, &get);
    itest_assert_http_status(&r, "GET", url, 200);
    double down_s = r.total_s;
    itest_check(r.body_len == (size_t)SIZE_MIB * MIB, "GET brought %zu bytes, %d MiB were stored",
                r.body_len, SIZE_MIB);
    itest_http_response_free(&r);
    long grew_mib = (max_rss_kb() - before) / 1024;
    itest_check(itest_sha256_file(sha_down, down, err, sizeof err) == 0, "%s", err);
    unlink(up);
    unlink(down);
    rmdir(dir);
    itest_check(strcmp(sha_up, sha_down) == 0, "the %d MiB came back different: sha256 %s, sent %s",
                SIZE_MIB, sha_down, sha_up);
    itest_measure("upload_mib_per_s", SIZE_MIB / (up_s > 0 ? up_s : 1e-9));
    itest_measure("download_mib_per_s", SIZE_MIB / (down_s > 0 ? down_s : 1e-9));
    itest_measure("peak_rss_growth_mib", (double)grew_mib);
    itest_check(grew_mib < FLAT_MIB,
                "the client's peak RSS grew by %ld MiB moving %d MiB; it should stream (< %d MiB)",
                grew_mib, SIZE_MIB, FLAT_MIB);
}

void store_range_requests(void **state)
{
    enum { LEN = 1000 };
    unsigned char data[LEN];
    fill_binary(data, LEN, 3);
    char key[512];
    new_key(key, sizeof key, "range.bin");
    put_bytes(key, data, LEN, "application/octet-stream", 201);
    static const struct {
        const char *range, *content_range;
        size_t from, len;
    } ranges[] = {
        {"10-19", "bytes 10-19/1000", 10, 10},        {"990-", "bytes 990-999/1000", 990, 10},
        {"-5", "bytes 995-999/1000", 995, 5},         {"0-0", "bytes 0-0/1000", 0, 1},
        {"500-5000", "bytes 500-999/1000", 500, 500},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        struct itest_http_response r;
        get_key(&r, "GET", key, ranges[i].range, 206);
        char what[64];
        snprintf(what, sizeof what, "Range: bytes=%s", ranges[i].range);
        assert_same_bytes(&r, data + ranges[i].from, ranges[i].len, what);
        const char *cr = itest_http_header(&r, "Content-Range");
        itest_check(cr && strcmp(cr, ranges[i].content_range) == 0,
                    "%s: Content-Range should be %s, found %s", what, ranges[i].content_range,
                    cr ? cr : "none");
        itest_http_response_free(&r);
    }
    struct itest_http_response r;
    get_key(&r, "GET", key, "2000-2100", 416);
    itest_http_response_free(&r);
}

void store_head_headers_only(void **state)
{
    static const char text[] = "{\"ok\": true}";
    char key[512];
    new_key(key, sizeof key, "head.json");
    put_bytes(key, text, strlen(text), "application/json", 201);
    struct itest_http_response r;
    get_key(&r, "HEAD", key, NULL, 200);
    itest_check(r.body_len == 0, "HEAD returned %zu body bytes", r.body_len);
    assert_etag(&r, text, strlen(text));
    const char *length = itest_http_header(&r, "Content-Length");
    itest_check(length && atol(length) == (long)strlen(text),
                "HEAD: Content-Length should be %zu, found %s", strlen(text),
                length ? length : "none");
    itest_http_response_free(&r);
}

void store_delete_then_not_found(void **state)
{
    char key[512], url[SVC_URL_MAX];
    new_key(key, sizeof key, "gone.txt");
    put_bytes(key, "bye", 3, "text/plain", 201);
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    cJSON_Delete(svc_call(NULL, "DELETE", url, NULL, 204));
    svc_expect_error("GET", url, NULL, 404, "not_found");
    svc_expect_error("DELETE", url, NULL, 404, "not_found");
    struct itest_http_response r;
    get_key(&r, "HEAD", key, NULL, 404);
    itest_http_response_free(&r);
}

void store_bad_keys_rejected(void **state)
{
    char too_long[600];
    memset(too_long, 'k', 513);
    too_long[513] = '\0';
    const char *const bad[] = {"a/../b",  "..",    "%2e%2e/x", "with%20space",
                               "colon:x", "star*", "quote%22", too_long};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char url[SVC_URL_MAX];
        svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", bad[i]);
        itest_progress("PUT key %.40s%s -> 400 invalid_key", bad[i],
                       strlen(bad[i]) > 40 ? "..." : "");
        svc_expect_error("PUT", url, "{}", 400, "invalid_key");
    }
    /* the longest legal key is fine (the message leaves the 512 characters out) */
    char key[520], url[SVC_URL_MAX];
    memset(key, 'k', 512);
    key[512] = '\0';
    svc_track_artifact(key);
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    struct itest_http_response r;
    svc_send(&r, "PUT", url, "{}", -1);
    long status = r.status;
    char answer[256];
    snprintf(answer, sizeof answer, "%.200s", r.body ? r.body : "");
    itest_http_response_free(&r);
    itest_check(status == 201,
                "[HTTP 4xx] PUT of a key of 512 characters, the longest the contract allows, got "
                "%ld instead of 201: %s",
                status, answer);
}

/* A body over the limit is refused with 413 from its Content-Length: with "Expect:
 * 100-continue" nothing of the (sparse, 1 TiB) file needs to be sent. */
void store_too_large_413(void **state)
{
    char path[] = "/tmp/itest-huge-XXXXXX";
    int fd = mkstemp(path);
    itest_check(fd >= 0, "cannot make a temporary file");
    int rc = ftruncate(fd, (off_t)1 << 40);
    close(fd);
    if (rc != 0) {
        unlink(path);
        itest_skip("cannot make a sparse 1 TiB file in /tmp to declare an oversized body");
    }
    char key[512], url[SVC_URL_MAX];
    new_key(key, sizeof key, "huge.bin");
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    struct itest_http_request req = {.method = "PUT",
                                     .url = url,
                                     .headers = (const char *[]){"Expect: 100-continue",
                                                                 "Content-Type: "
                                                                 "application/octet-stream",
                                                                 NULL},
                                     .upload_path = path,
                                     .timeout_s = 10,
                                     .retries = 0};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    unlink(path);
    itest_assert_http_status(&r, "PUT", url, 413);
    cJSON *err = itest_json_parse_or_fail(r.body, r.body_len, "the 413 body");
    itest_assert_json_string(err, "error.code", "payload_too_large");
    cJSON_Delete(err);
    itest_http_response_free(&r);
}
