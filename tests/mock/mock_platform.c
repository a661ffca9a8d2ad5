/*
 * mock_platform.c -- a loopback HTTP server that plays every platform's API
 * for the integration tests and benchmarks, and records what it is sent.
 *
 *	mock_platform -p PORT_FILE [-l HOST[:PORT]]
 *
 * Binds 127.0.0.1:0 (or -l), writes the port to PORT_FILE (atomically, via
 * a rename) and serves until SIGTERM or SIGINT:
 *
 *   any path but /_mock/...	a platform API call: recorded, then answered
 *				by the first matching scripted answer, else
 *				as the platform its path belongs to would
 *				(see "Platforms" below), else {"ok":true,
 *				"code":0,"errcode":0}.
 *   GET  /_mock/requests	the recorded calls as a JSON array of
 *				{seq, method, path, query, headers, body,
 *				at_ms, status (the answer given)};
 *				?since=N skips the first N.
 *   POST /_mock/reset		forget calls, scripts, limits and counters.
 *   POST /_mock/script		{"path_prefix", "status", "body", "headers",
 *				"count"}: the next count matching calls get
 *				this answer (FIFO; count <= 0: until reset).
 *   POST /_mock/limits		{"per_second", "per_chat_per_minute",
 *				"chat_field"}: count violations of these
 *				sliding-window limits.
 *   GET  /_mock/stats		{"requests", "scripted", "violations",
 *				"violations_per_second",
 *				"violations_per_chat", "by_path": {...},
 *				"tokens": {platform: token fetches}}.
 *
 * Platforms.  Every recorded call also carries "platform" (telegram,
 * slack, feishu, wecom, dingtalk, onebot, or "" when the path is none of
 * theirs), "kind" ("token" for an access-token fetch, "robot" for a
 * group-robot webhook, "send" for other API calls) and "auth" (1 when the
 * call carried the credential the platform wants, as below).  Unscripted
 * answers, by path:
 *
 *   /bot<token>/...		Telegram: {"ok":true,"result":{"message_id":N,
 *				"date":...}}; no credential check.
 *   /api/...			Slack Web API: with "Authorization: Bearer
 *				<token>" {"ok":true,"channel":...,"ts":"1.2"},
 *				else {"ok":false,"error":"not_authed"}.
 *   /open-apis/auth/v3/tenant_access_token/internal
 *				Feishu token: {"code":0,"msg":"ok",
 *				"tenant_access_token":"t-mock","expire":7200}.
 *   /open-apis/...		Feishu: with "Authorization: Bearer t-mock"
 *				{"code":0,"msg":"success","data":{
 *				"message_id":"om_x"}}, else HTTP 400
 *				{"code":99991663,...}.
 *   /cgi-bin/gettoken		WeCom token: {"errcode":0,"errmsg":"ok",
 *				"access_token":"wc-mock","expires_in":7200}.
 *   /cgi-bin/webhook/send	WeCom group robot: with ?key= {"errcode":0,
 *				"errmsg":"ok"}, else errcode 93000.
 *   /cgi-bin/...		WeCom app API: with ?access_token=wc-mock
 *				{"errcode":0,"errmsg":"ok"}, else errcode 40014.
 *   /v1.0/oauth2/accessToken	DingTalk token: {"accessToken":"dt-mock",
 *				"expireIn":7200}.
 *   /v1.0/...			DingTalk OpenAPI: with "x-acs-dingtalk-access-
 *				token: dt-mock" {"processQueryKey":"x"}, else
 *				HTTP 401 {"code":"InvalidAuthentication"}.
 *   /robot/send		DingTalk custom robot: with access_token,
 *				timestamp and sign in the query {"errcode":0,
 *				"errmsg":"ok"}, else errcode 310000.
 *   /robot/sendBySession	DingTalk session webhook: {"errcode":0}.
 *   .../send_group_msg, .../send_private_msg, .../send_msg
 *				OneBot: {"status":"ok","retcode":0,"data":{
 *				"message_id":N}}.
 *
 * Times are wall-clock milliseconds (CLOCK_REALTIME), comparable with the
 * test's own clock.  Single-threaded: everything runs on one event loop.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <jansson.h>

#include "core/xmem.h"

#define MOCK_CHAT_MAX 64

#define MOCK_FEISHU_TOKEN   "t-mock"
#define MOCK_WECOM_TOKEN    "wc-mock"
#define MOCK_DINGTALK_TOKEN "dt-mock"
#define MOCK_TOKEN_LIFE_S   7200

/* One scripted answer, used by the next count calls under path_prefix. */
struct mock_script {
	TAILQ_ENTRY(mock_script) entry;
	char *prefix;
	int status;
	char *body;
	json_t *headers; /* object name -> string, owned */
	int count;       /* <= 0: forever */
};
TAILQ_HEAD(mock_script_list, mock_script);

/* One platform call as the rate check sees it. */
struct mock_hit {
	int64_t at_ms;
	char chat[MOCK_CHAT_MAX]; /* "" if the body has no chat field */
};

struct mock {
	struct event_base *base;
	json_t *requests; /* array of recorded calls */
	json_t *by_path;  /* path -> count */
	struct mock_script_list scripts;
	struct mock_hit *hits;
	size_t nhits, hits_cap;
	double per_second;
	double per_chat_per_minute;
	char *chat_field;
	json_t *tokens; /* platform -> token fetches */
	unsigned long scripted, viol_second, viol_chat, message_id;
};

/* What one platform call is, and the answer it gets unscripted. */
struct mock_call {
	const char *platform; /* "telegram", ... or "" */
	const char *kind;     /* "send", "token" or "robot" */
	int auth;             /* 1: the platform's credential was there */
	int status;           /* HTTP status of the answer */
	json_t *answer;       /* owned; NULL: the generic answer */
};

static int64_t mock_now_ms(void);
static void mock_reply_json(struct evhttp_request *, int, json_t *);
static char *mock_body(struct evhttp_request *, size_t *);
static json_t *mock_string(const char *, size_t);
static void mock_reset(struct mock *);
static void mock_script_free(struct mock_script *);
static void mock_ctl_script(struct mock *, struct evhttp_request *);
static void mock_ctl_limits(struct mock *, struct evhttp_request *);
static void mock_ctl_requests(struct mock *, struct evhttp_request *);
static void mock_ctl_stats(struct mock *, struct evhttp_request *);
static void mock_rate_check(struct mock *, int64_t, const char *, size_t);
static int mock_suffix(const char *, const char *);
static int mock_query_has(const char *, const char *, const char *);
static int mock_bearer(struct evkeyvalq *, const char *);
static void mock_classify(struct mock *, const char *, const char *,
    struct evkeyvalq *, const char *, size_t, struct mock_call *);
static void mock_platform_call(struct mock *, struct evhttp_request *,
    const char *);
static void mock_gencb(struct evhttp_request *, void *);
static void mock_sig_cb(evutil_socket_t, short, void *);
static int mock_write_port(const char *, int);
static void mock_usage(void);

static int64_t
mock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Answer with root (stolen) as compact JSON. */
static void
mock_reply_json(struct evhttp_request *req, int status, json_t *root)
{
	struct evbuffer *buf = evbuffer_new();
	char *s = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;

	json_decref(root);
	if (buf == NULL || s == NULL) {
		free(s);
		if (buf != NULL)
			evbuffer_free(buf);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evbuffer_add(buf, s, strlen(s));
	free(s);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Mock", buf);
	evbuffer_free(buf);
}

/* A NUL-terminated copy of the request body; *len its length. */
static char *
mock_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char *s;

	*len = evbuffer_get_length(in);
	s = xmalloc(*len + 1);
	if (*len > 0)
		evbuffer_copyout(in, s, *len);
	s[*len] = '\0';
	return (s);
}

/* A JSON string of s[0..len); bytes that are not UTF-8 become '?'. */
static json_t *
mock_string(const char *s, size_t len)
{
	json_t *v;
	char *copy;
	size_t i;

	if ((v = json_stringn(s, len)) != NULL)
		return (v);
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		copy[i] =
		    ((unsigned char)s[i] >= 0x80 || s[i] == '\0') ? '?' : s[i];
	v = json_stringn(copy, len);
	free(copy);
	return (v != NULL ? v : json_string(""));
}

static void
mock_script_free(struct mock_script *sc)
{
	free(sc->prefix);
	free(sc->body);
	json_decref(sc->headers);
	free(sc);
}

static void
mock_reset(struct mock *m)
{
	struct mock_script *sc;

	json_array_clear(m->requests);
	json_object_clear(m->by_path);
	while ((sc = TAILQ_FIRST(&m->scripts)) != NULL) {
		TAILQ_REMOVE(&m->scripts, sc, entry);
		mock_script_free(sc);
	}
	m->nhits = 0;
	m->per_second = 0;
	m->per_chat_per_minute = 0;
	free(m->chat_field);
	m->chat_field = NULL;
	json_object_clear(m->tokens);
	m->scripted = m->viol_second = m->viol_chat = 0;
}

static void
mock_ctl_script(struct mock *m, struct evhttp_request *req)
{
	struct mock_script *sc;
	json_t *root, *hdrs = NULL;
	const char *prefix = "/", *body = NULL;
	char *raw;
	size_t len;
	int status = 200, count = 1;

	raw = mock_body(req, &len);
	root = json_loadb(raw, len, 0, NULL);
	free(raw);
	if (root == NULL ||
	    json_unpack(root, "{s?s, s?i, s?s, s?o, s?i}", "path_prefix",
		&prefix, "status", &status, "body", &body, "headers", &hdrs,
		"count", &count) == -1 ||
	    status < 100 || status > 599 ||
	    (hdrs != NULL && !json_is_object(hdrs))) {
		json_decref(root);
		mock_reply_json(req, 400,
		    json_pack("{s:b, s:s}", "ok", 0, "error", "bad script"));
		return;
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->prefix = xstrdup(prefix);
	sc->status = status;
	sc->body = body != NULL ? xstrdup(body) : NULL;
	sc->headers = hdrs != NULL ? json_incref(hdrs) : NULL;
	sc->count = count;
	TAILQ_INSERT_TAIL(&m->scripts, sc, entry);
	json_decref(root);
	mock_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void
mock_ctl_limits(struct mock *m, struct evhttp_request *req)
{
	json_t *root;
	const char *field = "chat_id";
	double ps = 0, pc = 0;
	char *raw;
	size_t len;

	raw = mock_body(req, &len);
	root = json_loadb(raw, len, 0, NULL);
	free(raw);
	if (root == NULL ||
	    json_unpack(root, "{s?F, s?F, s?s}", "per_second", &ps,
		"per_chat_per_minute", &pc, "chat_field", &field) == -1 ||
	    ps < 0 || pc < 0) {
		json_decref(root);
		mock_reply_json(req, 400,
		    json_pack("{s:b, s:s}", "ok", 0, "error", "bad limits"));
		return;
	}
	m->per_second = ps;
	m->per_chat_per_minute = pc;
	free(m->chat_field);
	m->chat_field = xstrdup(field);
	json_decref(root);
	mock_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void
mock_ctl_requests(struct mock *m, struct evhttp_request *req)
{
	const char *q =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq args;
	const char *since;
	json_t *out;
	size_t i, from = 0;

	TAILQ_INIT(&args);
	if (q != NULL && evhttp_parse_query_str(q, &args) == 0 &&
	    (since = evhttp_find_header(&args, "since")) != NULL)
		from = (size_t)strtoul(since, NULL, 10);
	evhttp_clear_headers(&args);
	out = json_array();
	for (i = from; i < json_array_size(m->requests); i++)
		json_array_append(out, json_array_get(m->requests, i));
	mock_reply_json(req, 200, out);
}

static void
mock_ctl_stats(struct mock *m, struct evhttp_request *req)
{
	mock_reply_json(req, 200,
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:O, s:O}", "requests",
		(json_int_t)json_array_size(m->requests), "scripted",
		(json_int_t)m->scripted, "violations",
		(json_int_t)(m->viol_second + m->viol_chat),
		"violations_per_second", (json_int_t)m->viol_second,
		"violations_per_chat", (json_int_t)m->viol_chat, "by_path",
		m->by_path, "tokens", m->tokens));
}

/*
 * Record the call in the sliding windows and count a violation when it
 * takes the last second over per_second, or the last minute of its chat
 * over per_chat_per_minute.
 */
static void
mock_rate_check(struct mock *m, int64_t now, const char *body, size_t len)
{
	struct mock_hit *h;
	json_t *root = NULL, *v;
	char *s;
	size_t i, n_sec = 0, n_chat = 0;

	if (m->nhits > 0 && m->nhits == m->hits_cap) {
		/* Drop what left the longest window before growing. */
		for (i = 0; i < m->nhits && m->hits[i].at_ms <= now - 60000;)
			i++;
		memmove(m->hits, m->hits + i,
		    (m->nhits - i) * sizeof(*m->hits));
		m->nhits -= i;
	}
	if (m->nhits == m->hits_cap) {
		m->hits_cap = m->hits_cap == 0 ? 1024 : 2 * m->hits_cap;
		m->hits = realloc(m->hits, m->hits_cap * sizeof(*m->hits));
		if (m->hits == NULL)
			abort();
	}
	h = &m->hits[m->nhits++];
	h->at_ms = now;
	h->chat[0] = '\0';
	if ((root = json_loadb(body, len, 0, NULL)) != NULL &&
	    (v = json_object_get(root,
		 m->chat_field != NULL ? m->chat_field : "chat_id")) != NULL &&
	    (s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		snprintf(h->chat, sizeof(h->chat), "%s", s);
		free(s);
	}
	json_decref(root);
	if (m->per_second <= 0 && m->per_chat_per_minute <= 0)
		return;
	for (i = m->nhits; i-- > 0 && m->hits[i].at_ms > now - 60000;) {
		if (m->hits[i].at_ms > now - 1000)
			n_sec++;
		if (h->chat[0] != '\0' && strcmp(m->hits[i].chat, h->chat) == 0)
			n_chat++;
	}
	if (m->per_second > 0 && (double)n_sec > m->per_second)
		m->viol_second++;
	if (m->per_chat_per_minute > 0 &&
	    (double)n_chat > m->per_chat_per_minute)
		m->viol_chat++;
}

/* 1 if s ends with suffix. */
static int
mock_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return (n >= k && strcmp(s + n - k, suffix) == 0);
}

/*
 * 1 if the query q has key with a non-empty value, equal to want unless
 * want is NULL.
 */
static int
mock_query_has(const char *q, const char *key, const char *want)
{
	struct evkeyvalq args;
	const char *v;
	int ok = 0;

	TAILQ_INIT(&args);
	if (q != NULL && evhttp_parse_query_str(q, &args) == 0 &&
	    (v = evhttp_find_header(&args, key)) != NULL && *v != '\0')
		ok = want == NULL || strcmp(v, want) == 0;
	evhttp_clear_headers(&args);
	return (ok);
}

/*
 * 1 if the request has "Authorization: Bearer <token>", any non-empty
 * token when token is NULL.
 */
static int
mock_bearer(struct evkeyvalq *in, const char *token)
{
	const char *v = evhttp_find_header(in, "Authorization");

	if (v == NULL || strncmp(v, "Bearer ", 7) != 0 || v[7] == '\0')
		return (0);
	return (token == NULL || strcmp(v + 7, token) == 0);
}

/*
 * Which platform's API path is, whether the call is authenticated as
 * that platform wants, and what the real API would answer (see the top
 * of this file).  Counts token fetches.
 */
static void
mock_classify(struct mock *m, const char *path, const char *q,
    struct evkeyvalq *in, const char *body, size_t len, struct mock_call *c)
{
	const char *v;
	json_t *root;

	memset(c, 0, sizeof(*c));
	c->platform = "";
	c->kind = "send";
	c->status = 200;
	if (strncmp(path, "/bot", 4) == 0) {
		c->platform = "telegram";
		c->auth = 1; /* the token is the path */
	} else if (strncmp(path, "/api/", 5) == 0) {
		c->platform = "slack";
		if ((c->auth = mock_bearer(in, NULL)) == 0)
			c->answer = json_pack("{s:b, s:s}", "ok", 0, "error",
			    "not_authed");
		else {
			root = json_loadb(body, len, 0, NULL);
			v = json_string_value(json_object_get(root, "channel"));
			c->answer = json_pack("{s:b, s:s, s:s}", "ok", 1,
			    "channel", v != NULL ? v : "", "ts", "1.2");
			json_decref(root);
		}
	} else if (strcmp(path,
		       "/open-apis/auth/v3/tenant_access_token/internal") ==
		   0) {
		c->platform = "feishu";
		c->kind = "token";
		c->auth = 1;
		c->answer = json_pack("{s:i, s:s, s:s, s:i}", "code", 0, "msg",
		    "ok", "tenant_access_token", MOCK_FEISHU_TOKEN, "expire",
		    MOCK_TOKEN_LIFE_S);
	} else if (strncmp(path, "/open-apis/", 11) == 0) {
		c->platform = "feishu";
		if ((c->auth = mock_bearer(in, MOCK_FEISHU_TOKEN)) == 1)
			c->answer = json_pack("{s:i, s:s, s:{s:s}}", "code", 0,
			    "msg", "success", "data", "message_id", "om_x");
		else {
			c->status = 400;
			c->answer = json_pack("{s:i, s:s}", "code", 99991663,
			    "msg", "Invalid access token for authorization.");
		}
	} else if (strcmp(path, "/cgi-bin/gettoken") == 0) {
		c->platform = "wecom";
		c->kind = "token";
		c->auth = mock_query_has(q, "corpid", NULL) &&
			  mock_query_has(q, "corpsecret", NULL);
		c->answer = c->auth ? json_pack("{s:i, s:s, s:s, s:i}",
					  "errcode", 0, "errmsg", "ok",
					  "access_token", MOCK_WECOM_TOKEN,
					  "expires_in", MOCK_TOKEN_LIFE_S)
				    : json_pack("{s:i, s:s}", "errcode", 40013,
					  "errmsg", "invalid corpid");
	} else if (strcmp(path, "/cgi-bin/webhook/send") == 0) {
		c->platform = "wecom";
		c->kind = "robot";
		c->auth = mock_query_has(q, "key", NULL);
		c->answer = c->auth ? json_pack("{s:i, s:s}", "errcode", 0,
					  "errmsg", "ok")
				    : json_pack("{s:i, s:s}", "errcode", 93000,
					  "errmsg", "invalid webhook url");
	} else if (strncmp(path, "/cgi-bin/", 9) == 0) {
		c->platform = "wecom";
		c->auth = mock_query_has(q, "access_token", MOCK_WECOM_TOKEN);
		c->answer = c->auth ? json_pack("{s:i, s:s}", "errcode", 0,
					  "errmsg", "ok")
				    : json_pack("{s:i, s:s}", "errcode", 40014,
					  "errmsg", "invalid access_token");
	} else if (strcmp(path, "/v1.0/oauth2/accessToken") == 0) {
		c->platform = "dingtalk";
		c->kind = "token";
		c->auth = 1;
		c->answer = json_pack("{s:s, s:i}", "accessToken",
		    MOCK_DINGTALK_TOKEN, "expireIn", MOCK_TOKEN_LIFE_S);
	} else if (strncmp(path, "/v1.0/", 6) == 0) {
		c->platform = "dingtalk";
		v = evhttp_find_header(in, "x-acs-dingtalk-access-token");
		c->auth = v != NULL && strcmp(v, MOCK_DINGTALK_TOKEN) == 0;
		if (c->auth)
			c->answer = json_pack("{s:s}", "processQueryKey", "x");
		else {
			c->status = 401;
			c->answer = json_pack("{s:s, s:s}", "code",
			    "InvalidAuthentication", "message",
			    "access token is invalid");
		}
	} else if (strcmp(path, "/robot/send") == 0) {
		c->platform = "dingtalk";
		c->kind = "robot";
		c->auth = mock_query_has(q, "access_token", NULL) &&
			  mock_query_has(q, "timestamp", NULL) &&
			  mock_query_has(q, "sign", NULL);
		c->answer = c->auth ? json_pack("{s:i, s:s}", "errcode", 0,
					  "errmsg", "ok")
				    : json_pack("{s:i, s:s}", "errcode", 310000,
					  "errmsg", "sign not match");
	} else if (strcmp(path, "/robot/sendBySession") == 0) {
		c->platform = "dingtalk";
		c->kind = "robot";
		c->auth = mock_query_has(q, "session", NULL);
		c->answer =
		    json_pack("{s:i, s:s}", "errcode", 0, "errmsg", "ok");
	} else if (mock_suffix(path, "/send_group_msg") ||
		   mock_suffix(path, "/send_private_msg") ||
		   mock_suffix(path, "/send_msg")) {
		c->platform = "onebot";
		c->auth = 1; /* the token is the implementation's business */
		c->answer = json_pack("{s:s, s:i, s:{s:I}}", "status", "ok",
		    "retcode", 0, "data", "message_id",
		    (json_int_t)(m->message_id + 1));
	}
	if (strcmp(c->kind, "token") == 0)
		json_object_set_new(m->tokens, c->platform,
		    json_integer(json_integer_value(
				     json_object_get(m->tokens, c->platform)) +
				 1));
}

static void
mock_platform_call(struct mock *m, struct evhttp_request *req, const char *path)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evkeyval *kv;
	struct mock_script *sc;
	struct mock_call call;
	struct evbuffer *buf;
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *method, *name;
	json_t *rec, *hdrs, *val, *cnt;
	int64_t now = mock_now_ms();
	char *body;
	size_t len;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		method = "GET";
		break;
	case EVHTTP_REQ_PUT:
		method = "PUT";
		break;
	case EVHTTP_REQ_DELETE:
		method = "DELETE";
		break;
	default:
		method = "POST";
		break;
	}
	body = mock_body(req, &len);
	hdrs = json_object();
	TAILQ_FOREACH(kv, in, next)
	json_object_set_new(hdrs, kv->key,
	    mock_string(kv->value, strlen(kv->value)));
	mock_rate_check(m, now, body, len);
	mock_classify(m, path, q, in, body, len, &call);
	TAILQ_FOREACH(sc, &m->scripts, entry)
	if (strncmp(path, sc->prefix, strlen(sc->prefix)) == 0)
		break;
	rec = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:I, s:i, s:s, s:s,"
			" s:b}",
	    "seq", (json_int_t)json_array_size(m->requests), "method", method,
	    "path", mock_string(path, strlen(path)), "query",
	    mock_string(q != NULL ? q : "", q != NULL ? strlen(q) : 0),
	    "headers", hdrs, "body", mock_string(body, len), "at_ms",
	    (json_int_t)now, "status", sc != NULL ? sc->status : call.status,
	    "platform", call.platform, "kind", call.kind, "auth", call.auth);
	if (rec == NULL)
		abort();
	json_array_append_new(m->requests, rec);
	cnt = json_object_get(m->by_path, path);
	json_object_set_new(m->by_path, path,
	    json_integer(json_integer_value(cnt) + 1));
	free(body);

	m->message_id++;
	if (sc == NULL && call.answer != NULL) {
		mock_reply_json(req, call.status, call.answer);
		return;
	}
	if (sc == NULL) {
		if (strncmp(path, "/bot", 4) == 0)
			mock_reply_json(req, 200,
			    json_pack("{s:b, s:{s:I, s:I}}", "ok", 1, "result",
				"message_id", (json_int_t)m->message_id, "date",
				(json_int_t)(now / 1000)));
		else
			mock_reply_json(req, 200,
			    json_pack("{s:b, s:i, s:i}", "ok", 1, "code", 0,
				"errcode", 0));
		return;
	}
	json_decref(call.answer);
	m->scripted++;
	if (sc->headers != NULL)
		json_object_foreach(sc->headers, name,
		    val) if (json_is_string(val))
		    evhttp_add_header(out, name, json_string_value(val));
	if (sc->body != NULL && evhttp_find_header(out, "Content-Type") == NULL)
		evhttp_add_header(out, "Content-Type", "application/json");
	if ((buf = evbuffer_new()) == NULL)
		abort();
	if (sc->body != NULL)
		evbuffer_add(buf, sc->body, strlen(sc->body));
	evhttp_send_reply(req, sc->status, "Mock", buf);
	evbuffer_free(buf);
	if (sc->count > 0 && --sc->count == 0) {
		TAILQ_REMOVE(&m->scripts, sc, entry);
		mock_script_free(sc);
	}
}

static void
mock_gencb(struct evhttp_request *req, void *arg)
{
	struct mock *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path == NULL || *path == '\0')
		path = "/";
	if (strncmp(path, "/_mock/", 7) != 0) {
		mock_platform_call(m, req, path);
		return;
	}
	if (strcmp(path, "/_mock/requests") == 0 && cmd == EVHTTP_REQ_GET)
		mock_ctl_requests(m, req);
	else if (strcmp(path, "/_mock/stats") == 0 && cmd == EVHTTP_REQ_GET)
		mock_ctl_stats(m, req);
	else if (strcmp(path, "/_mock/reset") == 0 && cmd == EVHTTP_REQ_POST) {
		mock_reset(m);
		mock_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
	} else if (strcmp(path, "/_mock/script") == 0 && cmd == EVHTTP_REQ_POST)
		mock_ctl_script(m, req);
	else if (strcmp(path, "/_mock/limits") == 0 && cmd == EVHTTP_REQ_POST)
		mock_ctl_limits(m, req);
	else
		mock_reply_json(req, 404,
		    json_pack("{s:b, s:s}", "ok", 0, "error",
			"no such control"));
}

static void
mock_sig_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* Write the port to path.tmp and rename it, so readers never see half. */
static int
mock_write_port(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return (-1);
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		return (-1);
	return (0);
}

static void
mock_usage(void)
{
	fprintf(stderr, "usage: mock_platform -p PORT_FILE [-l HOST[:PORT]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct mock m;
	struct evhttp *http;
	struct evhttp_bound_socket *bs;
	struct event *sterm, *sint;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	const char *port_file = NULL, *listen_at = "127.0.0.1:0";
	char host[256];
	const char *colon;
	int ch, port = 0;

	while ((ch = getopt(argc, argv, "p:l:")) != -1) {
		switch (ch) {
		case 'p':
			port_file = optarg;
			break;
		case 'l':
			listen_at = optarg;
			break;
		default:
			mock_usage();
		}
	}
	if (port_file == NULL)
		mock_usage();
	snprintf(host, sizeof(host), "%s", listen_at);
	if ((colon = strrchr(listen_at, ':')) != NULL &&
	    (size_t)(colon - listen_at) < sizeof(host)) {
		host[colon - listen_at] = '\0';
		port = atoi(colon + 1);
	}
	signal(SIGPIPE, SIG_IGN);

	memset(&m, 0, sizeof(m));
	TAILQ_INIT(&m.scripts);
	m.requests = json_array();
	m.by_path = json_object();
	m.tokens = json_object();
	if ((m.base = event_base_new()) == NULL ||
	    (http = evhttp_new(m.base)) == NULL) {
		fprintf(stderr, "mock_platform: libevent setup failed\n");
		return (1);
	}
	evhttp_set_max_body_size(http, 64 * 1024 * 1024);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
					     EVHTTP_REQ_PUT |
					     EVHTTP_REQ_DELETE);
	evhttp_set_gencb(http, mock_gencb, &m);
	if ((bs = evhttp_bind_socket_with_handle(http, host,
		 (ev_uint16_t)port)) == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
		&sl) == -1) {
		fprintf(stderr, "mock_platform: cannot bind %s\n", listen_at);
		return (1);
	}
	if (mock_write_port(port_file, ntohs(sin.sin_port)) == -1) {
		fprintf(stderr, "mock_platform: cannot write %s\n", port_file);
		return (1);
	}
	sterm = evsignal_new(m.base, SIGTERM, mock_sig_cb, m.base);
	sint = evsignal_new(m.base, SIGINT, mock_sig_cb, m.base);
	if (sterm == NULL || sint == NULL)
		return (1);
	evsignal_add(sterm, NULL);
	evsignal_add(sint, NULL);
	event_base_dispatch(m.base);

	event_free(sterm);
	event_free(sint);
	evhttp_free(http);
	event_base_free(m.base);
	mock_reset(&m);
	json_decref(m.requests);
	json_decref(m.by_path);
	json_decref(m.tokens);
	free(m.hits);
	return (0);
}
