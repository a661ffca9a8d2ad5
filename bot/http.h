/*
 * http.h -- the daemon's HTTP server (SPEC section 6) on the libevent
 * loop: POST/GET /webhook/{adapter}[/{account}], GET /healthz,
 * GET /metrics.
 *
 * A webhook is verified on its raw bytes, parsed, and held for exactly one
 * Redis round trip (bot/inbound.c) before it is answered: 200 accepted
 * (duplicates too), 401 failed verification, 400 malformed, 404 unknown
 * adapter or account, 413 over max_body, 503 while Redis is unreachable so
 * that the platform retries.  Never 500 for bad input.
 */
#ifndef BOT_HTTP_H
#define BOT_HTTP_H

#include "bot/botd.h"

struct http_server;

/*
 * Listen on bd->cfg.listen ("host:port"; port 0 picks a free one).  NULL
 * with a reason in err on failure.
 */
struct http_server *http_server_new(struct botd *, char *err, size_t errlen);
/* The port actually bound. */
int http_server_port(const struct http_server *);
/* Stop accepting new connections (SIGTERM); requests in flight finish. */
void http_server_stop_accepting(struct http_server *);
/* Webhooks waiting for their Redis round trip. */
unsigned int http_server_inflight(const struct http_server *);
/* Apply a reloaded config's max_body. */
void http_server_reconfigure(struct http_server *);
void http_server_free(struct http_server *);

/*
 * Process one console line as a webhook of the console adapter named
 * adapter (bot/stdin.c).  Replies arrive through the delivery queue.
 */
void http_console_line(struct botd *, const char *adapter, const char *line,
    size_t len);

#endif /* BOT_HTTP_H */
