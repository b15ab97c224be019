/* Redaction and the secret registry; see itest/redact.h. */
#include "itest/redact.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool secret_name(const char *name, size_t len)
{
    static const char *const words[] = {"password", "passwd", "pwd", "key", "token", "secret"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= len; i++)
            if (strncasecmp(name + i, words[w], wl) == 0)
                return true;
    }
    return false;
}

char *itest_redact(const char *url)
{
    if (!url)
        return NULL;
    size_t len = strlen(url);
    char *out = malloc(4 * len + 8); /* each redaction replaces at least one byte by three */
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    const char *scheme = strstr(url, "://");
    if (scheme) {
        size_t auth_start = (size_t)(scheme - url) + 3;
        size_t auth_end = auth_start + strcspn(url + auth_start, "/?#");
        const char *at = NULL;
        for (size_t k = auth_start; k < auth_end; k++)
            if (url[k] == '@')
                at = url + k;
        memcpy(out, url, auth_start);
        o = i = auth_start;
        if (at) {
            const char *colon = memchr(url + auth_start, ':', (size_t)(at - url - auth_start));
            if (colon) {
                size_t user = (size_t)(colon - url) - auth_start + 1;
                memcpy(out + o, url + i, user);
                o += user;
                memcpy(out + o, "***", 3);
                o += 3;
                i = (size_t)(at - url);
            }
        }
    }
    /* key=value pairs: query parameters or libpq keywords */
    while (i < len) {
        size_t start = i;
        while (i < len && url[i] != '=')
            i++;
        size_t name_begin = start;
        for (size_t k = start; k < i; k++)
            if (strchr("?&; ", url[k]))
                name_begin = k + 1;
        memcpy(out + o, url + start, i - start);
        o += i - start;
        if (i >= len)
            break;
        out[o++] = url[i++]; /* '=' */
        size_t vlen = strcspn(url + i, "& ;#");
        if (vlen && secret_name(url + name_begin, (i - 1) - name_begin)) {
            memcpy(out + o, "***", 3);
            o += 3;
        } else {
            memcpy(out + o, url + i, vlen);
            o += vlen;
        }
        i += vlen;
    }
    out[o] = '\0';
    return out;
}

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[32];
static size_t n_secrets;

void itest_secret_add(const char *value)
{
    if (!value || strlen(value) < 4)
        return;
    pthread_mutex_lock(&secrets_lock);
    bool known = false;
    for (size_t i = 0; i < n_secrets; i++)
        known |= strcmp(secrets[i], value) == 0;
    if (!known && n_secrets < sizeof secrets / sizeof *secrets)
        secrets[n_secrets] = strdup(value), n_secrets += secrets[n_secrets] != NULL;
    pthread_mutex_unlock(&secrets_lock);
}

void itest_secret_add_from_url(const char *url)
{
    if (!url)
        return;
    const char *at = strrchr(url, '@');
    const char *scheme = strstr(url, "://");
    if (scheme && at && at > scheme) {
        const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
        if (colon) {
            char *pw = strndup(colon + 1, (size_t)(at - colon - 1));
            itest_secret_add(pw);
            free(pw);
        }
    }
    const char *kw = strstr(url, "password=");
    if (kw) {
        kw += 9;
        char *pw = strndup(kw, strcspn(kw, " &"));
        itest_secret_add(pw);
        free(pw);
    }
}

void itest_secret_scrub(char *buf, size_t len)
{
    if (!buf)
        return;
    pthread_mutex_lock(&secrets_lock);
    for (size_t s = 0; s < n_secrets; s++) {
        size_t sl = strlen(secrets[s]);
        for (char *p = buf; p + sl <= buf + len;) {
            char *hit = memmem(p, (size_t)(buf + len - p), secrets[s], sl);
            if (!hit)
                break;
            memset(hit, '*', sl);
            p = hit + sl;
        }
    }
    pthread_mutex_unlock(&secrets_lock);
}
