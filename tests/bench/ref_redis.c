/*
 * ref_redis.c -- benchmark reference (b): the floor cost of touching
 * Redis once per webhook.  Per request: check the Telegram secret header
 * (constant time, adapters/sig.h), parse the JSON body with jansson, then
 * pipeline one EVALSHA (SET dedup:<update_id> 1 NX EX 86400) and one XADD
 * (chat id and text) on one hiredis async link on the same libevent loop,
 * and answer 200 when both replies are in: one round trip, like the
 * daemon's single EVALSHA.  With -j the body is read with adapters/jread.c,
 * the daemon's own reader, instead of jansson: reference (b) with the
 * daemon's parser, reported next to it by run.sh.
 * Usage: ref_redis -p PORT -s /path/redis.sock [-k SECRET] [-j]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "adapters/jread.h"
#include "adapters/sig.h"
#include "bot/evloop.h"

#define REF_SCRIPT                                                             \
	"if redis.call('SET', KEYS[1], '1', 'NX', 'EX', 86400) then "          \
	"return 1 else return 0 end"

struct ref_server {
	struct event_base *base;
	redisAsyncContext *ac;
	const char *secret;
	int jread;         /* -j: parse with adapters/jread.c, not jansson */
	struct jr_doc doc; /* jread's reusable buffers */
	char sha[41];
	int up;
	int stopping;
};

/* One webhook waiting for its two replies. */
struct ref_req {
	struct ref_server *rs;
	struct evhttp_request *req; /* NULL once the client has gone */
	struct evhttp_connection *conn;
	int failed;
};

static void ref_answer(struct evhttp_request *, int, const char *);
static void ref_conn_closed(struct evhttp_connection *, void *);
static void ref_eval_done(redisAsyncContext *, void *, void *);
static void ref_xadd_done(redisAsyncContext *, void *, void *);
static void ref_handle(struct evhttp_request *, void *);
static void ref_disconnected(const redisAsyncContext *, int);
static void ref_stop(evutil_socket_t, short, void *);
static int ref_load_script(const char *, char *);

static void
ref_answer(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *buf;

	if ((buf = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	evbuffer_add(buf, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", buf);
	evbuffer_free(buf);
}

static void
ref_conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct ref_req *rr = arg;

	(void)conn;
	rr->req = NULL;
	rr->conn = NULL;
}

static void
ref_eval_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct ref_req *rr = arg;
	redisReply *r = reply;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		rr->failed = 1;
}

/* The second reply of the pipeline: answer the client. */
static void
ref_xadd_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct ref_req *rr = arg;
	redisReply *r = reply;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_STRING)
		rr->failed = 1;
	if (rr->req != NULL) {
		evhttp_connection_set_closecb(rr->conn, NULL, NULL);
		if (rr->failed)
			ref_answer(rr->req, 503, "store unavailable\n");
		else
			ref_answer(rr->req, 200, "ok\n");
	}
	free(rr);
}

static void
ref_handle(struct evhttp_request *req, void *arg)
{
	struct ref_server *rs = arg;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	const char *hdr, *text = NULL, *buf;
	json_t *root, *msg, *chat, *v;
	json_error_t jerr;
	struct ref_req *rr;
	char key[64], chatid[32], upd[32];
	size_t len;
	int ok;

	hdr = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Telegram-Bot-Api-Secret-Token");
	if (!sig_streq(hdr, rs->secret)) {
		ref_answer(req, 401, "verification failed\n");
		return;
	}
	len = evbuffer_get_length(body);
	buf = (const char *)evbuffer_pullup(body, -1);
	root = NULL;
	if (rs->jread) {
		const struct jr_doc *d = &rs->doc;
		jr_ref m;

		ok = jr_parse(&rs->doc, buf, len) == 0;
		m = jr_get(d, JR_ROOT, "message");
		ok = ok &&
		     jr_int_text(d, jr_get(d, JR_ROOT, "update_id"), upd,
			 sizeof(upd)) == 0 &&
		     jr_int_text(d, jr_get(d, jr_get(d, m, "chat"), "id"),
			 chatid, sizeof(chatid)) == 0 &&
		     (text = jr_str(d, jr_get(d, m, "text"))) != NULL;
	} else {
		root = json_loadb(buf, len, 0, &jerr);
		v = json_object_get(root, "update_id");
		msg = json_object_get(root, "message");
		chat = json_object_get(json_object_get(msg, "chat"), "id");
		text = json_string_value(json_object_get(msg, "text"));
		ok =
		    json_is_integer(v) && json_is_integer(chat) && text != NULL;
		if (ok) {
			snprintf(upd, sizeof(upd), "%lld",
			    (long long)json_integer_value(v));
			snprintf(chatid, sizeof(chatid), "%lld",
			    (long long)json_integer_value(chat));
		}
	}
	if (!ok) {
		json_decref(root);
		ref_answer(req, 400, "malformed request\n");
		return;
	}
	if (!rs->up) {
		json_decref(root);
		ref_answer(req, 503, "store unavailable\n");
		return;
	}
	snprintf(key, sizeof(key), "dedup:tg:%s", upd);
	rr = calloc(1, sizeof(*rr));
	if (rr == NULL)
		abort();
	rr->rs = rs;
	redisAsyncCommand(rs->ac, ref_eval_done, rr, "EVALSHA %s 1 %s", rs->sha,
	    key);
	redisAsyncCommand(rs->ac, ref_xadd_done, rr,
	    "XADD bench:q MAXLEN ~ 100000 * chat %s text %s", chatid, text);
	json_decref(root);
	rr->req = req;
	rr->conn = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(rr->conn, ref_conn_closed, rr);
}

static void
ref_disconnected(const redisAsyncContext *ac, int status)
{
	struct ref_server *rs = ac->data;

	(void)status;
	rs->up = 0;
	if (!rs->stopping)
		fprintf(stderr, "ref_redis: redis link lost\n");
	event_base_loopbreak(rs->base);
}

static void
ref_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* SCRIPT LOAD on a short blocking connection; sha gets 40 hex + NUL. */
static int
ref_load_script(const char *path, char *sha)
{
	redisContext *c;
	redisReply *r;
	int rc = -1;

	if ((c = redisConnectUnix(path)) == NULL || c->err) {
		fprintf(stderr, "ref_redis: cannot connect to %s\n", path);
		if (c != NULL)
			redisFree(c);
		return (-1);
	}
	r = redisCommand(c, "SCRIPT LOAD %s", REF_SCRIPT);
	if (r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40) {
		memcpy(sha, r->str, 41);
		rc = 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return (rc);
}

int
main(int argc, char *argv[])
{
	struct ref_server rs;
	struct evhttp *http;
	struct event *sigterm, *sigint;
	const char *sock = NULL;
	int ch, port = 0;

	memset(&rs, 0, sizeof(rs));
	rs.secret = "bench_secret";
	while ((ch = getopt(argc, argv, "p:s:k:j")) != -1) {
		switch (ch) {
		case 'j':
			rs.jread = 1;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'k':
			rs.secret = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (port <= 0 || port > 65535 || sock == NULL)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	if (ref_load_script(sock, rs.sha) == -1)
		return (1);
	if ((rs.base = evloop_base_new()) == NULL ||
	    (http = evhttp_new(rs.base)) == NULL) {
		fprintf(stderr, "ref_redis: libevent setup failed\n");
		return (1);
	}
	rs.ac = redisAsyncConnectUnix(sock);
	if (rs.ac == NULL || rs.ac->err) {
		fprintf(stderr, "ref_redis: cannot connect to %s\n", sock);
		return (1);
	}
	rs.ac->data = &rs;
	redisLibeventAttach(rs.ac, rs.base);
	redisAsyncSetDisconnectCallback(rs.ac, ref_disconnected);
	rs.up = 1;
	evhttp_set_gencb(http, ref_handle, &rs);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "ref_redis: cannot bind 127.0.0.1:%d\n", port);
		return (1);
	}
	sigterm = evsignal_new(rs.base, SIGTERM, ref_stop, rs.base);
	sigint = evsignal_new(rs.base, SIGINT, ref_stop, rs.base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(rs.base);
	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	rs.stopping = 1;
	if (rs.up)
		redisAsyncFree(rs.ac);
	event_base_free(rs.base);
	jr_free(&rs.doc);
	return (0);
usage:
	fprintf(stderr, "usage: ref_redis -p PORT -s /path/redis.sock "
			"[-k SECRET] [-j]\n");
	return (2);
}
