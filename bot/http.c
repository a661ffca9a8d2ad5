/*
 * http.c -- evhttp routes: webhooks, health and metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "bot/api.h"
#include "bot/bcast.h"
#include "bot/http.h"
#include "bot/inbound.h"
#include "bot/log.h"
#include "bot/store_redis.h"
#include "core/xmem.h"

#define HTTP_HDR_MAX      64                 /* headers passed to an adapter */
#define HTTP_API_BODY_MAX ((size_t)64 << 20) /* an import file */

struct http_server {
	struct botd *bd;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	int port;
	unsigned int inflight;
};

/* One webhook waiting for its Redis round trip. */
struct webhook_ctx {
	struct botd *bd;
	struct http_server *hs;
	char account[64];
	char msg_id[CHAT_ID_MAX];
	struct evhttp_request *req; /* NULL once the client has gone */
	struct evhttp_connection *conn;
	char req_id[17];
	char adapter[64];
	char chat[CHAT_ID_MAX];
	char user[CHAT_ID_MAX];
	uint64_t t0;
};

static void http_gencb(struct evhttp_request *, void *);

static const int http_status_codes[] = { 200, 400, 401, 404, 413, 503 };

static void
http_count(struct botd *bd, int status)
{
	size_t i;

	for (i = 0; i < sizeof(http_status_codes) / sizeof(int); i++)
		if (http_status_codes[i] == status)
			bd->metrics.webhooks[i]++;
}

static void
http_reply(struct evhttp_request *req, int code, const char *ctype,
    const char *body, size_t len)
{
	struct evbuffer *buf;
	const char *reason;

	switch (code) {
	case 200:
		reason = "OK";
		break;
	case 204:
		reason = "No Content";
		break;
	case 400:
		reason = "Bad Request";
		break;
	case 401:
		reason = "Unauthorized";
		break;
	case 404:
		reason = "Not Found";
		break;
	case 413:
		reason = "Payload Too Large";
		break;
	default:
		reason = "Service Unavailable";
		break;
	}
	if ((buf = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	if (body != NULL)
		evbuffer_add(buf, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type",
	    ctype != NULL ? ctype : "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

static void
http_reply_text(struct evhttp_request *req, int code, const char *text)
{
	http_reply(req, code, NULL, text, strlen(text));
}

/* The client closed the connection while its webhook was pending. */
static void
webhook_conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct webhook_ctx *ctx = arg;

	(void)conn;
	ctx->req = NULL;
	ctx->conn = NULL;
}

static void
webhook_log(struct webhook_ctx *ctx, int status, const char *cmd,
    const char *activity, const char *outcome, const char *err)
{
	double ms = (double)(botd_mono_ms() - ctx->t0);

	LOG(status >= 400 ? LL_WARN : LL_INFO, "webhook",
	    KS("adapter", ctx->adapter),
	    KS("chat", *ctx->chat != '\0' ? ctx->chat : NULL),
	    KS("user", *ctx->user != '\0' ? ctx->user : NULL),
	    KS("req", ctx->req_id),
	    KS("cmd", cmd != NULL && *cmd != '\0' ? cmd : NULL),
	    KS("activity",
		activity != NULL && *activity != '\0' ? activity : NULL),
	    KI("status", status), KD("ms", ms), KS("outcome", outcome),
	    KS("err", err != NULL && *err != '\0' ? err : NULL));
}

/* A /broadcast was created: plan it, answer the sender, fan out. */
static void
webhook_broadcast(struct webhook_ctx *ctx, const struct inbound_result *res)
{
	struct bcast_origin_chat oc;

	if (res->st != STORE_OK || strcmp(res->outcome, "broadcast") != 0)
		return;
	oc.adapter = ctx->adapter;
	oc.account = ctx->account;
	oc.chat = ctx->chat;
	oc.user = ctx->user;
	oc.msg_id = ctx->msg_id;
	bcast_created(ctx->bd, res->bc_id, res->bc_total, res->bc_idents,
	    res->bc_urgent, &oc);
}

static void
webhook_done(void *arg, const struct inbound_result *res)
{
	struct webhook_ctx *ctx = arg;
	struct botd *bd = ctx->hs->bd;
	int status = res->st == STORE_OK ? 200 : 503;

	webhook_broadcast(ctx, res);
	ctx->hs->inflight--;
	if (res->st == STORE_OK && strcmp(res->status, "dup") == 0)
		bd->metrics.webhook_dups++;
	else if (res->st == STORE_OK && strcmp(res->cmd, "msg") != 0)
		bd->metrics.commands++;
	http_count(bd, status);
	webhook_log(ctx, status, res->cmd, res->activity,
	    res->st == STORE_OK
		? (strcmp(res->status, "dup") == 0 ? "duplicate" : res->outcome)
		: "unavailable",
	    res->st == STORE_OK        ? ""
	    : res->st == STORE_TIMEOUT ? "redis_timeout"
	    : res->st == STORE_DOWN    ? "redis_down"
				       : "redis_error");
	if (ctx->req != NULL) {
		evhttp_connection_set_closecb(ctx->conn, NULL, NULL);
		if (status == 200)
			http_reply_text(ctx->req, 200, "ok\n");
		else
			http_reply_text(ctx->req, 503,
			    "store unavailable, retry later\n");
	}
	free(ctx);
	botd_drain_check(bd);
}

/*
 * Verify, parse and submit one request to an identity.  Answers req
 * itself (now, or after the Redis round trip).
 */
static void
webhook_handle(struct http_server *hs, struct evhttp_request *req,
    struct bot_ident *id, const char *account)
{
	struct botd *bd = hs->bd;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *hdr[2 * HTTP_HDR_MAX + 1], *q;
	struct evkeyval *kv;
	struct webhook wh;
	struct webreply rep;
	struct chat_event *ev;
	struct webhook_ctx *ctx;
	enum adapter_rc rc;
	size_t nh = 0, len;
	int rc2 = -1;

	ctx = xcalloc(1, sizeof(*ctx));
	ctx->bd = hs->bd;
	ctx->hs = hs;
	ctx->t0 = botd_mono_ms();
	log_new_id(ctx->req_id);
	snprintf(ctx->adapter, sizeof(ctx->adapter), "%s", id->acfg->name);

	TAILQ_FOREACH(kv, in, next)
	{
		if (nh + 2 > 2 * HTTP_HDR_MAX)
			break;
		hdr[nh++] = kv->key;
		hdr[nh++] = kv->value;
	}
	hdr[nh] = NULL;
	len = evbuffer_get_length(body);
	/* evhttp's own cap is higher when the admin API takes imports. */
	if (len > bd->cfg.max_body) {
		http_count(bd, 413);
		webhook_log(ctx, 413, "", "", "rejected", "too_large");
		http_reply_text(req, 413, "body too large\n");
		free(ctx);
		return;
	}
	memset(&wh, 0, sizeof(wh));
	wh.method =
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" : "POST";
	q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	wh.query = q != NULL ? q : "";
	wh.account = account;
	wh.hdr = hdr;
	wh.body = len > 0 ? (const char *)evbuffer_pullup(body, -1) : "";
	wh.len = len;

	rc = id->ops->verify(id->priv, &wh, botd_now());
	if (rc != ADAPTER_OK) {
		int status = rc == ADAPTER_EPARSE ? 400 : 401;

		http_count(bd, status);
		webhook_log(ctx, status, "", "", "rejected",
		    adapter_rc_str(rc));
		http_reply_text(req, status,
		    status == 401 ? "verification failed\n"
				  : "malformed request\n");
		free(ctx);
		return;
	}
	/* The adapter fills what it knows; start from a clean event. */
	ev = bd->scratch_ev;
	memset(ev, 0, sizeof(*ev));
	memset(&rep, 0, sizeof(rep));
	rc = id->ops->parse(id->priv, &wh, ev, &rep);
	switch (rc) {
	case ADAPTER_REPLY:
		http_count(bd, rep.status == 0 ? 200 : rep.status);
		webhook_log(ctx, rep.status == 0 ? 200 : rep.status, "", "",
		    "handshake", "");
		http_reply(req, rep.status == 0 ? 200 : rep.status, rep.ctype,
		    rep.body, rep.body != NULL ? strlen(rep.body) : 0);
		free(rep.body);
		goto done;
	case ADAPTER_SKIP:
		http_count(bd, 200);
		webhook_log(ctx, 200, "", "", "skipped", "");
		http_reply_text(req, 200, "ok\n");
		goto done;
	case ADAPTER_EAUTH:
	case ADAPTER_EPARSE:
		http_count(bd, rc == ADAPTER_EAUTH ? 401 : 400);
		webhook_log(ctx, rc == ADAPTER_EAUTH ? 401 : 400, "", "",
		    "rejected", adapter_rc_str(rc));
		http_reply_text(req, rc == ADAPTER_EAUTH ? 401 : 400,
		    rc == ADAPTER_EAUTH ? "verification failed\n"
					: "malformed request\n");
		goto done;
	case ADAPTER_OK:
		break;
	}
	snprintf(ctx->chat, sizeof(ctx->chat), "%s", ev->chat);
	snprintf(ctx->user, sizeof(ctx->user), "%s", ev->from.id);
	snprintf(ctx->account, sizeof(ctx->account), "%s", id->account->name);
	snprintf(ctx->msg_id, sizeof(ctx->msg_id), "%s", ev->msg_id);
	if (!bd->draining)
		rc2 = inbound_submit(bd, id->acfg->name, id->account->name, ev,
		    webhook_done, ctx);
	if (rc2 == 1) {
		/* Nothing for the store to do: accepted at once. */
		http_count(bd, 200);
		webhook_log(ctx, 200, "msg", "", "seen", "");
		http_reply_text(req, 200, "ok\n");
		goto done;
	}
	if (bd->draining || rc2 == -1) {
		http_count(bd, 503);
		webhook_log(ctx, 503, "", "", "unavailable",
		    bd->draining ? "draining" : "redis_down");
		http_reply_text(req, 503, "store unavailable, retry later\n");
		goto done;
	}
	/* Held for the round trip; the close callback tells us if the
	 * client leaves first (STYLE 2.6). */
	ctx->req = req;
	ctx->conn = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(ctx->conn, webhook_conn_closed, ctx);
	hs->inflight++;
	return;
done:
	free(ctx);
}

static void
http_healthz_done(void *arg, enum store_status st, const redisReply *r)
{
	struct evhttp_request *req = arg;

	(void)r;
	if (st == STORE_OK)
		http_reply_text(req, 200, "ok\n");
	else
		http_reply_text(req, 503, "redis unavailable\n");
}

static void
http_healthz(struct http_server *hs, struct evhttp_request *req)
{
	const char *av[] = { "PING" };

	if (store_redis_cmd(hs->bd->store, http_healthz_done, req, 0, 1, av,
		NULL) == -1)
		http_reply_text(req, 503, "redis unavailable\n");
}

static void
http_metrics(struct http_server *hs, struct evhttp_request *req)
{
	struct botd *bd = hs->bd;
	struct bot_metrics *m = &bd->metrics;
	struct evbuffer *b;
	size_t i;

	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	evbuffer_add_printf(b,
	    "# HELP towerbot_webhooks_total Webhooks answered, by status.\n"
	    "# TYPE towerbot_webhooks_total counter\n");
	for (i = 0; i < sizeof(http_status_codes) / sizeof(int); i++)
		evbuffer_add_printf(b,
		    "towerbot_webhooks_total{status=\"%d\"} %llu\n",
		    http_status_codes[i], (unsigned long long)m->webhooks[i]);
	evbuffer_add_printf(b,
	    "# HELP towerbot_webhook_duplicates_total Retried webhooks "
	    "answered without processing.\n"
	    "# TYPE towerbot_webhook_duplicates_total counter\n"
	    "towerbot_webhook_duplicates_total %llu\n"
	    "# HELP towerbot_webhook_cached_total Plain messages accepted "
	    "without a store call (sender and chat recorded within a "
	    "minute).\n"
	    "# TYPE towerbot_webhook_cached_total counter\n"
	    "towerbot_webhook_cached_total %llu\n"
	    "# HELP towerbot_commands_total Commands applied.\n"
	    "# TYPE towerbot_commands_total counter\n"
	    "towerbot_commands_total %llu\n"
	    "# HELP towerbot_deliveries_total Outbound messages by outcome.\n"
	    "# TYPE towerbot_deliveries_total counter\n"
	    "towerbot_deliveries_total{outcome=\"sent\"} %llu\n"
	    "towerbot_deliveries_total{outcome=\"retry\"} %llu\n"
	    "towerbot_deliveries_total{outcome=\"dead_letter\"} %llu\n"
	    "towerbot_deliveries_total{outcome=\"unknown\"} %llu\n"
	    "# HELP towerbot_rate_limited_total Platform rate-limit answers.\n"
	    "# TYPE towerbot_rate_limited_total counter\n"
	    "towerbot_rate_limited_total %llu\n"
	    "# HELP towerbot_redis_errors_total Failed Redis operations.\n"
	    "# TYPE towerbot_redis_errors_total counter\n"
	    "towerbot_redis_errors_total %llu\n"
	    "# HELP towerbot_redis_up 1 if the Redis link is up.\n"
	    "# TYPE towerbot_redis_up gauge\n"
	    "towerbot_redis_up %d\n"
	    "# HELP towerbot_webhooks_inflight Webhooks waiting for Redis.\n"
	    "# TYPE towerbot_webhooks_inflight gauge\n"
	    "towerbot_webhooks_inflight %u\n"
	    "# HELP towerbot_uptime_seconds Seconds since start.\n"
	    "# TYPE towerbot_uptime_seconds gauge\n"
	    "towerbot_uptime_seconds %lld\n",
	    (unsigned long long)m->webhook_dups,
	    (unsigned long long)m->webhook_cached,
	    (unsigned long long)m->commands,
	    (unsigned long long)m->deliveries_ok,
	    (unsigned long long)m->deliveries_retry,
	    (unsigned long long)m->deliveries_failed,
	    (unsigned long long)m->deliveries_unknown,
	    (unsigned long long)m->rate_limited,
	    (unsigned long long)m->redis_errors, store_redis_up(bd->store),
	    hs->inflight, (long long)(botd_now() - bd->started));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* "/webhook/{adapter}[/{account}]" with no further segments. */
static void
http_webhook_route(struct http_server *hs, struct evhttp_request *req,
    const char *rest)
{
	char adapter[64] = "", account[64] = "";
	const char *slash;
	struct bot_ident *id;
	size_t n;

	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof(adapter))
		goto notfound;
	memcpy(adapter, rest, n);
	if (slash != NULL) {
		rest = slash + 1;
		n = strlen(rest);
		if (n == 0 || n >= sizeof(account) || strchr(rest, '/') != NULL)
			goto notfound;
		memcpy(account, rest, n);
	}
	if ((id = botd_ident(hs->bd, adapter, account)) == NULL ||
	    strcmp(id->acfg->platform, "console") == 0)
		goto notfound;
	webhook_handle(hs, req, id, account);
	return;
notfound:
	http_count(hs->bd, 404);
	LOG(LL_WARN, "webhook", KS("path", evhttp_request_get_uri(req)),
	    KI("status", 404), KS("outcome", "rejected"),
	    KS("err", "unknown_adapter"));
	http_reply_text(req, 404, "unknown adapter\n");
}

static void
http_gencb(struct evhttp_request *req, void *arg)
{
	struct http_server *hs = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path == NULL)
		path = "/";
	if (strncmp(path, "/webhook/", 9) == 0 &&
	    (cmd == EVHTTP_REQ_POST || cmd == EVHTTP_REQ_GET)) {
		http_webhook_route(hs, req, path + 9);
		return;
	}
	if (strncmp(path, "/api/", 5) == 0) {
		api_handle(hs->bd, req, path);
		return;
	}
	if (strcmp(path, "/healthz") == 0 && cmd == EVHTTP_REQ_GET) {
		http_healthz(hs, req);
		return;
	}
	if (strcmp(path, "/metrics") == 0 && cmd == EVHTTP_REQ_GET) {
		http_metrics(hs, req);
		return;
	}
	http_reply_text(req, 404, "not found\n");
}

struct http_server *
http_server_new(struct botd *bd, char *err, size_t errlen)
{
	struct http_server *hs;
	char host[256];
	const char *colon;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);
	evutil_socket_t fd;
	int port;

	colon = strrchr(bd->cfg.listen, ':');
	if (colon == NULL || (size_t)(colon - bd->cfg.listen) >= sizeof(host)) {
		snprintf(err, errlen, "listen: bad address %s", bd->cfg.listen);
		return (NULL);
	}
	memcpy(host, bd->cfg.listen, (size_t)(colon - bd->cfg.listen));
	host[colon - bd->cfg.listen] = '\0';
	/* "[::1]:8080" */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	port = atoi(colon + 1);
	hs = xcalloc(1, sizeof(*hs));
	hs->bd = bd;
	if ((hs->http = evhttp_new(bd->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		free(hs);
		return (NULL);
	}
	http_server_reconfigure(hs);
	evhttp_set_max_headers_size(hs->http, 64 * 1024);
	evhttp_set_timeout(hs->http, 30);
	evhttp_set_allowed_methods(hs->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	/* Read an oversized body to its end so the client sees the 413. */
	evhttp_set_flags(hs->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_gencb(hs->http, http_gencb, hs);
	if ((hs->sock = evhttp_bind_socket_with_handle(hs->http, host,
		 (ev_uint16_t)port)) == NULL) {
		snprintf(err, errlen, "listen: cannot bind %s", bd->cfg.listen);
		evhttp_free(hs->http);
		free(hs);
		return (NULL);
	}
	fd = evhttp_bound_socket_get_fd(hs->sock);
	hs->port = port;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			hs->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			hs->port =
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return (hs);
}

int
http_server_port(const struct http_server *hs)
{
	return (hs->port);
}

void
http_server_stop_accepting(struct http_server *hs)
{
	if (hs->sock != NULL) {
		evhttp_del_accept_socket(hs->http, hs->sock);
		hs->sock = NULL;
	}
}

unsigned int
http_server_inflight(const struct http_server *hs)
{
	return (hs->inflight);
}

/* Webhooks are capped at max_body in the route; imports need more. */
void
http_server_reconfigure(struct http_server *hs)
{
	size_t cap = hs->bd->cfg.max_body;

	if (hs->bd->cfg.admin_token != NULL && cap < HTTP_API_BODY_MAX)
		cap = HTTP_API_BODY_MAX;
	evhttp_set_max_body_size(hs->http, (ev_ssize_t)cap);
}

void
http_server_free(struct http_server *hs)
{
	if (hs == NULL)
		return;
	evhttp_free(hs->http);
	free(hs);
}

/* Console lines go through the same verify/parse/submit path. */
static void
console_done(void *arg, const struct inbound_result *res)
{
	struct webhook_ctx *ctx = arg;
	struct botd *bd = ctx->bd;

	webhook_broadcast(ctx, res);
	webhook_log(ctx, res->st == STORE_OK ? 200 : 503, res->cmd,
	    res->activity, res->st == STORE_OK ? res->outcome : "unavailable",
	    res->st == STORE_OK ? "" : "redis");
	free(ctx);
	botd_drain_check(bd);
}

void
http_console_line(struct botd *bd, const char *adapter, const char *line,
    size_t len)
{
	struct bot_ident *id = botd_ident(bd, adapter, "");
	struct webhook wh;
	struct webreply rep;
	struct chat_event *ev;
	struct webhook_ctx *ctx;
	const char *hdr[] = { NULL };

	if (id == NULL)
		return;
	memset(&wh, 0, sizeof(wh));
	wh.method = "POST";
	wh.query = "";
	wh.account = "";
	wh.hdr = hdr;
	wh.body = line;
	wh.len = len;
	memset(&rep, 0, sizeof(rep));
	ev = bd->scratch_ev;
	memset(ev, 0, sizeof(*ev));
	if (id->ops->verify(id->priv, &wh, botd_now()) != ADAPTER_OK ||
	    id->ops->parse(id->priv, &wh, ev, &rep) != ADAPTER_OK) {
		free(rep.body);
		return;
	}
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->bd = bd;
	ctx->t0 = botd_mono_ms();
	log_new_id(ctx->req_id);
	snprintf(ctx->adapter, sizeof(ctx->adapter), "%s", adapter);
	snprintf(ctx->chat, sizeof(ctx->chat), "%s", ev->chat);
	snprintf(ctx->user, sizeof(ctx->user), "%s", ev->from.id);
	snprintf(ctx->msg_id, sizeof(ctx->msg_id), "%s", ev->msg_id);
	switch (inbound_submit(bd, adapter, "", ev, console_done, ctx)) {
	case 1:
		webhook_log(ctx, 200, "msg", "", "seen", "");
		free(ctx);
		break;
	case -1:
		LOG(LL_WARN, "webhook", KS("adapter", adapter),
		    KS("outcome", "unavailable"), KS("err", "redis_down"));
		free(ctx);
		break;
	default:
		break;
	}
}
