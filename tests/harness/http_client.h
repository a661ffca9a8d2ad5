/*
 * http_client.h -- a tiny synchronous HTTP client for tests (libcurl easy).
 *
 * Tests may block: every call waits for the whole answer (10 s at most).
 * Not for the daemon: bot/ uses libcurl multi on its event loop.
 */
#ifndef TESTS_HARNESS_HTTP_CLIENT_H
#define TESTS_HARNESS_HTTP_CLIENT_H

#include <stddef.h>

/*
 * POST body[0..len) to url with the extra headers hdr (NULL-terminated
 * "Name: value" strings; hdr may be NULL).  0 with *status and *resp (a
 * NUL-terminated malloc'd copy of the answer body, caller frees; resp may
 * be NULL to discard it), or -1 if no HTTP answer came (connection refused,
 * timeout), then *status is 0 and *resp NULL.
 */
int http_post(const char *url, const char *const *hdr, const char *body,
    size_t len, long *status, char **resp);

/* GET url; the same contract as http_post(). */
int http_get(const char *url, long *status, char **resp);

#endif /* TESTS_HARNESS_HTTP_CLIENT_H */
