/* Artifact Store contract, against a private itest-mock. */
#include "mock_test.h"
#include "itest/measure.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char d[32];
    unsigned n;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
}

static void put_bytes(const char *base, const char *key, const void *data, size_t len,
                      const char *type, long expected)
{
    char path[600], header[128];
    snprintf(path, sizeof path, "/artifacts/%s", key);
    snprintf(header, sizeof header, "Content-Type: %s", type);
    struct itest_http_request req = {.method = "PUT",
                                     .url = mt_url(base, path),
                                     .headers = (const char *[]){header, NULL},
                                     .body = data,
                                     .body_len = len,
                                     .retries = 0};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "PUT", req.url, expected);
    cJSON *out = itest_json_parse_or_fail(r.body, r.body_len, "PUT answer");
    char hex[65];
    sha256_hex(data, len, hex);
    itest_assert_json_string(out, "sha256", hex);
    itest_assert_json_int(out, "size", (long long)len);
    itest_assert_json_string(out, "key", key);
    cJSON_Delete(out);
    itest_http_response_free(&r);
}

static void round_trips_are_byte_exact(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "artifact-store", NULL});
    unsigned char binary[70000];
    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (unsigned char)(i * 7 + (i >> 8));
    const char *text = "int main(void) { return 0; }\n";
    put_bytes(m.url[STORE], "runs/42/main.c", text, strlen(text), "text/x-c", 201);
    put_bytes(m.url[STORE], "runs/42/blob.bin", binary, sizeof binary, "application/octet-stream",
              201);
    put_bytes(m.url[STORE], "empty", "", 0, "text/plain", 201);
    put_bytes(m.url[STORE], "runs/42/main.c", text, 10, "text/x-c", 200); /* overwrite */
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(m.url[STORE], "/artifacts/runs/42/blob.bin"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "blob.bin", 200);
    assert_int_equal(r.body_len, sizeof binary);
    assert_memory_equal(r.body, binary, sizeof binary);
    char hex[65], etag[70];
    sha256_hex(binary, sizeof binary, hex);
    snprintf(etag, sizeof etag, "\"%s\"", hex);
    assert_string_equal(itest_http_header(&r, "ETag"), etag);
    assert_string_equal(itest_http_header(&r, "Content-Type"), "application/octet-stream");
    itest_http_response_free(&r);
    mt_send(&r, "GET", mt_url(m.url[STORE], "/artifacts/runs/42/main.c"), NULL, NULL);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, text, 10);
    assert_string_equal(itest_http_header(&r, "Content-Type"), "text/x-c");
    itest_http_response_free(&r);
    mt_send(&r, "GET", mt_url(m.url[STORE], "/artifacts/empty"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "empty", 200);
    assert_int_equal(r.body_len, 0);
    itest_http_response_free(&r);
    /* If-None-Match with the ETag: not modified */
    char inm[90];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    mt_send(&r, "GET", mt_url(m.url[STORE], "/artifacts/runs/42/blob.bin"), NULL,
            (const char *[]){inm, NULL});
    itest_assert_http_status(&r, "GET", "blob.bin with If-None-Match", 304);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void range_head_and_delete(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "artifact-store", NULL});
    const char *data = "0123456789abcdefghij";
    put_bytes(m.url[STORE], "r", data, 20, "text/plain", 201);
    const char *url = mt_url(m.url[STORE], "/artifacts/r");
    char u[512];
    snprintf(u, sizeof u, "%s", url);
    const struct {
        const char *range, *body, *content_range;
        long status;
    } cases[] = {{"Range: bytes=0-3", "0123", "bytes 0-3/20", 206},
                 {"Range: bytes=15-", "fghij", "bytes 15-19/20", 206},
                 {"Range: bytes=-2", "ij", "bytes 18-19/20", 206},
                 {"Range: bytes=18-99", "ij", "bytes 18-19/20", 206},
                 {"Range: bytes=20-25", NULL, "bytes */20", 416},
                 {"Range: bytes=0-1,4-5", data, NULL, 200}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct itest_http_response r;
        mt_send(&r, "GET", u, NULL, (const char *[]){cases[i].range, NULL});
        itest_assert_http_status(&r, "GET", cases[i].range, cases[i].status);
        if (cases[i].body) {
            assert_int_equal(r.body_len, strlen(cases[i].body));
            assert_memory_equal(r.body, cases[i].body, r.body_len);
        }
        if (cases[i].content_range)
            assert_string_equal(itest_http_header(&r, "Content-Range"), cases[i].content_range);
        itest_http_response_free(&r);
    }
    struct itest_http_response r;
    mt_send(&r, "HEAD", u, NULL, NULL);
    itest_assert_http_status(&r, "HEAD", u, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(itest_http_header(&r, "Content-Length"), "20");
    assert_non_null(itest_http_header(&r, "ETag"));
    itest_http_response_free(&r);
    assert_null(mt_expect(&r, "DELETE", u, NULL, 204));
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "GET", u, NULL, 404));
    itest_http_response_free(&r);
    mt_send(&r, "HEAD", u, NULL, NULL);
    itest_assert_http_status(&r, "HEAD", u, 404);
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "DELETE", u, NULL, 404));
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void bad_keys_and_size_limit(void **state)
{
    struct mock m;
    mock_start(&m,
               (const char *[]){"--service", "artifact-store", "--max-artifact-bytes", "1K", NULL});
    char long_key[600];
    memset(long_key, 'k', 513);
    long_key[513] = '\0';
    char long_path[700];
    snprintf(long_path, sizeof long_path, "/artifacts/%s", long_key);
    const char *bad[] = {"/artifacts/a..b", "/artifacts/sp%20ace", "/artifacts/semi;colon",
                         "/artifacts/%2e%2e/etc/passwd", long_path};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct itest_http_response r;
        cJSON *err = mt_expect(&r, "PUT", mt_url(m.url[STORE], bad[i]), "x", 400);
        mt_assert_error(err, "invalid_key");
        cJSON_Delete(err);
        itest_http_response_free(&r);
        err = mt_expect(&r, "GET", mt_url(m.url[STORE], bad[i]), NULL, 400);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    char big[2048];
    memset(big, 'x', sizeof big);
    struct itest_http_request req = {.method = "PUT",
                                     .url = mt_url(m.url[STORE], "/artifacts/big"),
                                     .body = big,
                                     .body_len = sizeof big,
                                     .retries = 0};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "PUT", "/artifacts/big (2 KiB over a 1 KiB limit)", 413);
    cJSON *err = itest_json_parse_or_fail(r.body, r.body_len, "413 body");
    mt_assert_error(err, "payload_too_large");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    /* without Content-Length (chunked), the limit still holds */
    req.headers = (const char *[]){"Transfer-Encoding: chunked", NULL};
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "PUT", "/artifacts/big chunked", 413);
    itest_http_response_free(&r);
    put_bytes(m.url[STORE], "small", big, 1024, "text/plain", 201);
    assert_int_equal(mock_stop(&m), 0);
}

static void quarter_gibibyte_streams_both_ways(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "artifact-store", NULL});
    char up[400], down[400];
    snprintf(up, sizeof up, "%s/up.bin", m.dir);
    snprintf(down, sizeof down, "%s/down.bin", m.dir);
    const size_t size = 256u << 20;
    FILE *out = fopen(up, "wb");
    assert_non_null(out);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    static unsigned char block[1 << 16];
    for (size_t off = 0; off < size; off += sizeof block) {
        for (size_t i = 0; i < sizeof block; i += 8)
            memcpy(block + i, &(uint64_t){(off + i) * 0x9e3779b97f4a7c15ull}, 8);
        fwrite(block, 1, sizeof block, out);
        EVP_DigestUpdate(sha, block, sizeof block);
    }
    fclose(out);
    unsigned char d[32];
    unsigned n;
    EVP_DigestFinal_ex(sha, d, &n);
    EVP_MD_CTX_free(sha);
    char hex[65];
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    long rss_before = mock_peak_rss_kib(&m);
    struct itest_http_request req = {.method = "PUT",
                                     .url = mt_url(m.url[STORE], "/artifacts/huge.bin"),
                                     .upload_path = up,
                                     .retries = 0,
                                     .timeout_s = 120};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "PUT", req.url, 201);
    cJSON *summary = itest_json_parse_or_fail(r.body, r.body_len, "PUT answer");
    itest_assert_json_string(summary, "sha256", hex);
    itest_assert_json_int(summary, "size", (long long)size);
    cJSON_Delete(summary);
    itest_http_response_free(&r);
    req = (struct itest_http_request){.url = mt_url(m.url[STORE], "/artifacts/huge.bin"),
                                      .download_path = down,
                                      .retries = 0,
                                      .timeout_s = 120};
    itest_http_send(&r, &req);
    itest_assert_http_status(&r, "GET", req.url, 200);
    char etag[70];
    snprintf(etag, sizeof etag, "\"%s\"", hex);
    assert_string_equal(itest_http_header(&r, "ETag"), etag);
    itest_http_response_free(&r);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", up, down);
    if (system(cmd) != 0)
        itest_fail("the 256 MiB artifact came back different (cmp %s %s)", up, down);
    long growth = mock_peak_rss_kib(&m) - rss_before;
    itest_measure("mock_rss_growth_kib", (double)growth);
    if (growth > 32 * 1024)
        itest_fail("the mock's peak RSS grew by %ld KiB while streaming 256 MiB each way; "
                   "bodies must stream through files",
                   growth);
    unlink(up);
    unlink(down);
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(round_trips_are_byte_exact),
    ITEST_CASE(range_head_and_delete),
    ITEST_CASE(bad_keys_and_size_limit),
    ITEST_CASE(quarter_gibibyte_streams_both_ways),
};

ITEST_SUITE_MAIN(cases)
