/*
 * http_client.c -- synchronous libcurl-easy GET and POST for tests.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/xmem.h"
#include "tests/harness/http_client.h"

#define HTTP_CLIENT_TIMEOUT_MS 10000L

struct http_buf {
	char *p;
	size_t len;
};

static size_t http_client_write(char *, size_t, size_t, void *);
static int http_client_do(const char *, const char *const *, const char *,
    size_t, long *, char **);

static size_t
http_client_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_buf *b = arg;
	size_t add = size * n;
	char *p;

	if ((p = realloc(b->p, b->len + add + 1)) == NULL)
		return (0);
	b->p = p;
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return (add);
}

/* body NULL: GET; else POST. */
static int
http_client_do(const char *url, const char *const *hdr, const char *body,
    size_t len, long *status, char **resp)
{
	static int inited;
	struct curl_slist *list = NULL, *l;
	struct http_buf b = { NULL, 0 };
	CURL *c;
	CURLcode rc;
	size_t i;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return (-1);
		inited = 1;
	}
	if ((c = curl_easy_init()) == NULL)
		return (-1);
	/* curl adds "Expect: 100-continue" to big POSTs otherwise. */
	list = curl_slist_append(list, "Expect:");
	for (i = 0; hdr != NULL && hdr[i] != NULL; i++)
		if (list != NULL &&
		    (l = curl_slist_append(list, hdr[i])) != NULL)
			list = l;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, HTTP_CLIENT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_client_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(list);
	if (rc != CURLE_OK) {
		free(b.p);
		*status = 0;
		return (-1);
	}
	if (b.p == NULL)
		b.p = xstrdup("");
	if (resp != NULL)
		*resp = b.p;
	else
		free(b.p);
	return (0);
}

int
http_post(const char *url, const char *const *hdr, const char *body, size_t len,
    long *status, char **resp)
{
	return (http_client_do(url, hdr, body != NULL ? body : "", len, status,
	    resp));
}

int
http_get(const char *url, long *status, char **resp)
{
	return (http_client_do(url, NULL, NULL, 0, status, resp));
}
