/*
 * check_e2e_platforms.c -- every platform end to end through the real
 * towerbot binary (suite "e2e_platforms", tag "redis"): webhooks signed
 * the platform's way (tests/harness/platforms.h) over HTTP in, the calls
 * tests/mock/mock_platform received out, a private redis-server behind.
 *
 * One daemon serves seven adapters: tg (Telegram), sl (Slack), fs (Feishu
 * with an Encrypt Key), fsp (Feishu, verification-token mode), dt
 * (DingTalk, OpenAPI group sends), wc (WeCom smart robot in, appchat/send
 * out; app callbacks too) and ob (OneBot).  The table-driven tests run
 * once per adapter (the row index is in every failure message) and check
 * what the mock got: the platform's request shape, the chat it is
 * addressed to, the credential (Bearer token, access token header or
 * query, robot webhook key and signature) and the SPEC section 4 words.
 *
 * TCase "vectors" checks the signing helpers against the adapters'
 * unit-test vectors (shared/platforms) before anything relies on them.
 * TCase "platforms" shares one stack (FLUSHALL and a mock reset per test);
 * TCase "tokens" starts a fresh daemon, so token fetches can be counted
 * from zero.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/sig.h"
#include "core/xmem.h"
#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/platforms.h"
#include "tests/harness/redis_server.h"

#define WAIT_MS  15000
#define QUIET_MS 400

#define ADMIN_TOKEN "e2e-admin-token-0123456789"
#define SL_SECRET   "e2e-slack-signing-secret-0123456"
#define SL_TOKEN    "xoxb-e2e-1234-abcdEFGH"
#define FS_VTOKEN   "vTok-e2e"
#define FS_EKEY     "e2e-feishu-encrypt-key"
#define FSP_VTOKEN  "vTok-e2e-plain"
#define DT_KEY      "dinge2eappkey"
#define DT_SECRET   "e2e-dingtalk-app-secret-Xk9aQ2bR7cT4"
#define WC_TOKEN    "e2eToken42"
#define WC_EAK      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define WC_CORP     "ww00e2e0corp0001"
#define OB_SECRET   "e2e-onebot-secret"
#define OB_TOKEN    "e2e-onebot-access-token"
#define OB_SELF     "10001"
#define WC_ROBOT    "wc-robot-key-e2e-0001"
#define DT_RTOKEN   "dtrobottoken0001"
#define DT_RSECRET  "SECe2e0dingtalk0robot0secret"

#define RATE                                                                   \
	"\"rate\":{\"per_second\":50,\"burst\":50,\"per_chat_per_minute\":"    \
	"600}"

static const char e2e_extra[] =
    "{\"admin_token\":\"" ADMIN_TOKEN "\","
    "\"operators\":[{\"adapter\":\"tg\",\"user\":\"" DAEMON_OPERATOR "\"},"
    "{\"adapter\":\"sl\",\"user\":\"UOP\"},"
    "{\"adapter\":\"fs\",\"user\":\"ou_op\"},"
    "{\"adapter\":\"fsp\",\"user\":\"ou_op\"},"
    "{\"adapter\":\"dt\",\"user\":\"op-staff\"},"
    "{\"adapter\":\"wc\",\"user\":\"wc-op\"},"
    "{\"adapter\":\"ob\",\"user\":\"9001\"}],"
    "\"adapters\":{"
    "\"sl\":{\"platform\":\"slack\",\"signing_secret\":\"" SL_SECRET "\","
    "\"bot_token\":\"" SL_TOKEN "\",\"bot_user_id\":\"UBOT\","
    "\"api_base\":\"@MOCK@/api\"," RATE "},"
    "\"fs\":{\"platform\":\"feishu\",\"app_id\":\"cli_e2e\","
    "\"app_secret\":\"fs-app-secret\",\"verification_token\":\"" FS_VTOKEN
    "\",\"encrypt_key\":\"" FS_EKEY "\",\"bot_open_id\":\"ou_bot_e2e\","
    "\"api_base\":\"@MOCK@\"," RATE "},"
    "\"fsp\":{\"platform\":\"feishu\",\"app_id\":\"cli_e2e_plain\","
    "\"app_secret\":\"fsp-app-secret\",\"verification_token\":\"" FSP_VTOKEN
    "\",\"bot_open_id\":\"ou_bot_e2e\",\"api_base\":\"@MOCK@\"," RATE "},"
    "\"dt\":{\"platform\":\"dingtalk\",\"app_key\":\"" DT_KEY "\","
    "\"app_secret\":\"" DT_SECRET "\",\"robot_code\":\"dingrobot-e2e\","
    "\"api_base\":\"@MOCK@\",\"oapi_base\":\"@MOCK@\"," RATE "},"
    "\"wc\":{\"platform\":\"wecom\",\"token\":\"" WC_TOKEN "\","
    "\"encoding_aes_key\":\"" WC_EAK "\",\"corp_id\":\"" WC_CORP "\","
    "\"corp_secret\":\"wc-corp-secret\",\"agent_id\":1000002,"
    "\"api_base\":\"@MOCK@\"," RATE "},"
    "\"ob\":{\"platform\":\"onebot\",\"api_base\":\"@MOCK@/onebot\","
    "\"secret\":\"" OB_SECRET "\",\"access_token\":\"" OB_TOKEN "\","
    "\"self_id\":\"" OB_SELF "\"," RATE "}}}";

enum plat_id { P_TG, P_SL, P_FS, P_FSP, P_DT, P_WC, P_OB, P_N };

/* One adapter of the test config, its group and its people. */
struct plat {
	const char *adapter;  /* config name, /webhook/<adapter> */
	const char *platform; /* the mock's "platform" of its calls */
	const char *chat;
	const char *op; /* an operator */
	const char *member;
	const char *member_name;
};

static const struct plat plats[P_N] = {
	{ "tg", "telegram", "-100200300", DAEMON_OPERATOR, "2001", "Alice" },
	{ "sl", "slack", "C0E2E0001", "UOP", "UALICE", "Alice" },
	{ "fs", "feishu", "oc_e2e_fs", "ou_op", "ou_alice", "Alice" },
	{ "fsp", "feishu", "oc_e2e_fsp", "ou_op", "ou_alice", "Alice" },
	{ "dt", "dingtalk", "cid_e2e_dt", "op-staff", "alice-staff", "Alice" },
	{ "wc", "wecom", "wr_e2e_wc", "wc-op", "alice", "Alice" },
	{ "ob", "onebot", "123456789", "9001", "20001", "Alice" },
};

/* A delivery the mock received, as the test reads it. */
struct sent {
	char platform[16];
	char kind[8];
	char chat[160]; /* chat id, or "reply:<message id>" (Feishu) */
	char *text;     /* malloc'd */
	int authed;     /* carried exactly the expected credential */
	char why[640];  /* what was wrong with the credential */
};

static struct redis_server *e2e_rs;
static struct daemon *e2e_d;
static long long e2e_seq;
static char e2e_last_id[64]; /* the platform message id sent last */
static size_t e2e_since;     /* mock calls before the last build() */

static void stack_up(void);
static void stack_down(void);
static void test_setup(void);
static const char *hdr_get(const json_t *, const char *);
static void query_get(const json_t *, const char *, char *, size_t);
static int sent_view(const json_t *, struct sent *);
static void sent_clear(struct sent *);
static void next_id(int, char *, size_t);
static void build(int, const char *, const char *, const char *,
    struct platforms_req *);
static long post(int, const struct platforms_req *, char **);
static long say(int, const char *, const char *, const char *);
static char *expect_reply(int, const char *, const char *, const char *);
static size_t count_sends(const char *);
static json_t *mock_since(size_t);
static size_t mock_count(void);
static void expect_quiet(size_t, const char *);
static void start_in(int, char *, size_t);
static int64_t now_s(void);
static int is_challenge(const char *, const char *);

/* ------------------------------------------------------------------ */
/* fixtures                                                            */
/* ------------------------------------------------------------------ */

static void
stack_up(void)
{
	struct daemon_cfg dc = { 0, 0, e2e_extra };

	e2e_rs = redis_server_start();
	ck_assert_msg(e2e_rs != NULL, "redis-server did not start");
	e2e_d = daemon_new(redis_server_socket(e2e_rs), &dc);
	ck_assert_msg(e2e_d != NULL, "towerbot or mock_platform did not start");
	e2e_seq = (long long)(daemon_now_ms() % 100000000LL) * 100;
}

static void
stack_down(void)
{
	daemon_free(e2e_d);
	e2e_d = NULL;
	redis_server_stop(e2e_rs);
	e2e_rs = NULL;
}

static void
test_setup(void)
{
	redisContext *c = redis_server_connect(e2e_rs);
	redisReply *r;

	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "FLUSHALL");
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	redisFree(c);
	ck_assert_int_eq(daemon_reset(e2e_d), 0);
	e2e_since = 0;
}

/* ------------------------------------------------------------------ */
/* reading what the mock got                                           */
/* ------------------------------------------------------------------ */

static int64_t
now_s(void)
{
	return (daemon_now_ms() / 1000);
}

/* Header name (any case) of a recorded call, or NULL. */
static const char *
hdr_get(const json_t *rec, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(rec, "headers"), k,
	    v) if (strcasecmp(k, name) == 0) return (json_string_value(v));
	return (NULL);
}

/* Query parameter key of a recorded call into out ("" if absent). */
static void
query_get(const json_t *rec, const char *key, char *out, size_t outlen)
{
	const char *q = json_string_value(json_object_get(rec, "query"));

	out[0] = '\0';
	if (q == NULL || !adapter_form_get(q, strlen(q), key, out, outlen))
		out[0] = '\0';
}

/*
 * Read one recorded call: 1 if it is a delivery the mock accepted (a send
 * or robot call answered 200 with the platform's success), with its
 * platform, chat, text and whether its credential is exactly right.
 */
static int
sent_view(const json_t *rec, struct sent *s)
{
	const char *platform, *kind, *path, *h;
	json_t *body, *inner = NULL;
	const char *text = NULL, *chat = NULL;
	char q[256], sign[45], want[128];
	char *tmp = NULL;

	memset(s, 0, sizeof(*s));
	platform = json_string_value(json_object_get(rec, "platform"));
	kind = json_string_value(json_object_get(rec, "kind"));
	path = json_string_value(json_object_get(rec, "path"));
	if (platform == NULL || kind == NULL || path == NULL ||
	    *platform == '\0' || strcmp(kind, "token") == 0 ||
	    json_integer_value(json_object_get(rec, "status")) != 200)
		return (0);
	snprintf(s->platform, sizeof(s->platform), "%s", platform);
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	body = json_loads(json_string_value(json_object_get(rec, "body")), 0,
	    NULL);
	s->authed = 1;
	if (strcmp(platform, "telegram") == 0) {
		text = json_string_value(json_object_get(body, "text"));
		chat = tmp = json_dumps(json_object_get(body, "chat_id"),
		    JSON_ENCODE_ANY);
		if (strcmp(path, "/bot" DAEMON_TG_TOKEN "/sendMessage") != 0)
			snprintf(s->why, sizeof(s->why), "path %s", path);
	} else if (strcmp(platform, "slack") == 0) {
		text = json_string_value(json_object_get(body, "text"));
		chat = json_string_value(json_object_get(body, "channel"));
		if (strcmp(path, "/api/chat.postMessage") != 0 ||
		    (h = hdr_get(rec, "Authorization")) == NULL ||
		    strcmp(h, "Bearer " SL_TOKEN) != 0)
			snprintf(s->why, sizeof(s->why), "slack %s auth %s",
			    path, hdr_get(rec, "Authorization"));
	} else if (strcmp(platform, "feishu") == 0) {
		inner = json_loads(json_string_value(
				       json_object_get(body, "content")),
		    0, NULL);
		text = json_string_value(json_object_get(inner, "text"));
		if (strcmp(json_string_value(
			       json_object_get(body, "msg_type")) != NULL
			       ? json_string_value(
				     json_object_get(body, "msg_type"))
			       : "",
			"text") != 0 ||
		    json_string_value(json_object_get(body, "uuid")) == NULL)
			snprintf(s->why, sizeof(s->why), "feishu body shape");
		if (strcmp(path, "/open-apis/im/v1/messages") == 0) {
			chat = json_string_value(
			    json_object_get(body, "receive_id"));
			query_get(rec, "receive_id_type", q, sizeof(q));
			if (strcmp(q, "chat_id") != 0)
				snprintf(s->why, sizeof(s->why),
				    "receive_id_type %s", q);
		} else if (strncmp(path, "/open-apis/im/v1/messages/", 26) ==
			       0 &&
			   strlen(path) > 32 &&
			   strcmp(path + strlen(path) - 6, "/reply") == 0) {
			chat = tmp = xasprintf("reply:%.*s",
			    (int)(strlen(path) - 32), path + 26);
		} else
			snprintf(s->why, sizeof(s->why), "feishu path %s",
			    path);
		if ((h = hdr_get(rec, "Authorization")) == NULL ||
		    strcmp(h, "Bearer t-mock") != 0)
			snprintf(s->why, sizeof(s->why), "feishu auth %s", h);
	} else if (strcmp(platform, "dingtalk") == 0 &&
		   strcmp(kind, "robot") == 0) {
		text = json_string_value(
		    json_object_get(json_object_get(body, "text"), "content"));
		chat = "robot";
		query_get(rec, "access_token", q, sizeof(q));
		if (strcmp(path, "/robot/send") != 0 ||
		    strcmp(q, DT_RTOKEN) != 0)
			snprintf(s->why, sizeof(s->why), "robot token %s", q);
		query_get(rec, "timestamp", q, sizeof(q));
		platforms_dingtalk_sign(DT_RSECRET, q, sign);
		query_get(rec, "sign", want, sizeof(want));
		if (q[0] == '\0' || strcmp(sign, want) != 0)
			snprintf(s->why, sizeof(s->why), "robot sign %s", want);
	} else if (strcmp(platform, "dingtalk") == 0) {
		inner = json_loads(json_string_value(
				       json_object_get(body, "msgParam")),
		    0, NULL);
		text = json_string_value(json_object_get(inner, "content"));
		chat = json_string_value(
		    json_object_get(body, "openConversationId"));
		if (strcmp(path, "/v1.0/robot/groupMessages/send") != 0 ||
		    (h = hdr_get(rec, "x-acs-dingtalk-access-token")) == NULL ||
		    strcmp(h, "dt-mock") != 0 ||
		    !json_is_string(json_object_get(body, "robotCode")))
			snprintf(s->why, sizeof(s->why), "dingtalk %s %s", path,
			    hdr_get(rec, "x-acs-dingtalk-access-token"));
	} else if (strcmp(platform, "wecom") == 0) {
		text = json_string_value(
		    json_object_get(json_object_get(body, "text"), "content"));
		if (strcmp(kind, "robot") == 0) {
			chat = "robot";
			query_get(rec, "key", q, sizeof(q));
			if (strcmp(q, WC_ROBOT) != 0)
				snprintf(s->why, sizeof(s->why), "key %s", q);
		} else {
			chat = json_string_value(json_object_get(body,
			    strcmp(path, "/cgi-bin/message/send") == 0
				? "touser"
				: "chatid"));
			query_get(rec, "access_token", q, sizeof(q));
			if (strcmp(q, "wc-mock") != 0 ||
			    (strcmp(path, "/cgi-bin/appchat/send") != 0 &&
				strcmp(path, "/cgi-bin/message/send") != 0))
				snprintf(s->why, sizeof(s->why), "wecom %s %s",
				    path, q);
		}
	} else if (strcmp(platform, "onebot") == 0) {
		text = json_string_value(json_object_get(body, "message"));
		chat = tmp = json_dumps(json_object_get(body, "group_id"),
		    JSON_ENCODE_ANY);
		if (strcmp(path, "/onebot/send_group_msg") != 0 ||
		    (h = hdr_get(rec, "Authorization")) == NULL ||
		    strcmp(h, "Bearer " OB_TOKEN) != 0)
			snprintf(s->why, sizeof(s->why), "onebot %s %s", path,
			    hdr_get(rec, "Authorization"));
	}
	if (s->why[0] != '\0')
		s->authed = 0;
	snprintf(s->chat, sizeof(s->chat), "%s", chat != NULL ? chat : "");
	s->text = xstrdup(text != NULL ? text : "");
	free(tmp);
	json_decref(inner);
	json_decref(body);
	return (1);
}

static void
sent_clear(struct sent *s)
{
	free(s->text);
	s->text = NULL;
}

/* The calls the mock recorded from the n-th on (caller decrefs). */
static json_t *
mock_since(size_t n)
{
	char *path = xasprintf("/_mock/requests?since=%zu", n);
	char *url = daemon_mock_url(e2e_d, path), *resp = NULL;
	json_t *root = NULL;
	long st;

	if (http_get(url, &st, &resp) == 0 && st == 200)
		root = json_loads(resp, 0, NULL);
	free(resp);
	free(url);
	free(path);
	return (root);
}

/* How many calls the mock has recorded. */
static size_t
mock_count(void)
{
	json_t *all = mock_since(0);
	size_t n;

	ck_assert_ptr_nonnull(all);
	n = json_array_size(all);
	json_decref(all);
	return (n);
}

/* Deliveries (of any platform) the mock has accepted so far. */
static size_t
count_sends(const char *platform)
{
	json_t *reqs = daemon_mock_requests(e2e_d), *r;
	struct sent s;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(reqs);
	json_array_foreach(reqs, i, r)
	{
		if (sent_view(r, &s) &&
		    (platform == NULL || strcmp(s.platform, platform) == 0))
			n++;
		sent_clear(&s);
	}
	json_decref(reqs);
	return (n);
}

/* No more deliveries than n within QUIET_MS. */
static void
expect_quiet(size_t n, const char *step)
{
	size_t got;

	daemon_sleep_ms(QUIET_MS);
	got = count_sends(NULL);
	ck_assert_msg(got == n, "%s: %zu deliveries, wanted %zu", step, got, n);
}

/* ------------------------------------------------------------------ */
/* sending as each platform                                            */
/* ------------------------------------------------------------------ */

/* A fresh platform message id for row p. */
static void
next_id(int p, char *out, size_t outlen)
{
	long long n = ++e2e_seq;

	switch (p) {
	case P_SL:
		snprintf(out, outlen, "%lld.%06lld", (long long)now_s(),
		    n % 1000000);
		break;
	case P_FS:
	case P_FSP:
		snprintf(out, outlen, "om_e2e_%lld", n);
		break;
	case P_DT:
		snprintf(out, outlen, "msgE2E%lld", n);
		break;
	default:
		snprintf(out, outlen, "%lld", n);
		break;
	}
}

/* A correctly signed webhook on row p: user (named name) says text. */
static void
build(int p, const char *user, const char *name, const char *text,
    struct platforms_req *req)
{
	struct platforms_msg m;
	char id[64], nonce[32];
	char *tg;
	int64_t now = now_s();

	e2e_since = mock_count();
	next_id(p, id, sizeof(id));
	snprintf(e2e_last_id, sizeof(e2e_last_id), "%s", id);
	snprintf(nonce, sizeof(nonce), "n%lld", ++e2e_seq);
	memset(&m, 0, sizeof(m));
	m.chat = plats[p].chat;
	m.user = user;
	m.name = name;
	m.text = text;
	m.event_id = id;
	m.at = now;
	memset(req, 0, sizeof(*req));
	switch (p) {
	case P_TG:
		tg = daemon_tg_update(e2e_d, plats[p].chat, user, name, NULL,
		    text, NULL);
		platforms_req_body(req, tg, strlen(tg));
		free(tg);
		req->method = "POST";
		platforms_req_header(req, "Content-Type", "application/json");
		platforms_req_header(req, "X-Telegram-Bot-Api-Secret-Token",
		    DAEMON_TG_SECRET);
		/* the update's message_id is what a reply quotes */
		{
			json_t *u = json_loads(req->body, 0, NULL);

			snprintf(e2e_last_id, sizeof(e2e_last_id), "%lld",
			    (long long)json_integer_value(
				json_object_get(json_object_get(u, "message"),
				    "message_id")));
			json_decref(u);
		}
		break;
	case P_SL:
		platforms_slack_event(req, SL_SECRET, now, &m);
		break;
	case P_FS:
		platforms_feishu_event(req, FS_VTOKEN, FS_EKEY, now, nonce, &m);
		break;
	case P_FSP:
		platforms_feishu_event(req, FSP_VTOKEN, NULL, now, nonce, &m);
		break;
	case P_DT:
		platforms_dingtalk_event(req, DT_SECRET, now * 1000 + 17,
		    now * 1000 - 250, &m);
		break;
	case P_WC:
		platforms_wecom_robot_event(req, WC_TOKEN, WC_EAK, now, nonce,
		    &m);
		break;
	case P_OB:
		platforms_onebot_event(req, OB_SECRET, OB_SELF, &m);
		break;
	}
}

/* POST (or GET) req to /webhook/<adapter of p>; the HTTP status. */
static long
post(int p, const struct platforms_req *req, char **resp)
{
	char *path = xasprintf("/webhook/%s", plats[p].adapter);
	char *url = daemon_url(e2e_d, path);
	long st = platforms_send(url, req, resp);

	free(url);
	free(path);
	return (st);
}

/* user says text on row p; returns the webhook's status. */
static long
say(int p, const char *user, const char *name, const char *text)
{
	struct platforms_req req;
	long st;

	build(p, user, name, text, &req);
	st = post(p, &req, NULL);
	platforms_req_clear(&req);
	return (st);
}

/*
 * Wait for a delivery, after the calls the mock had when the last webhook
 * was built, on row p's platform addressed to chat (NULL: row p's chat,
 * or for a Feishu reply the message last sent) saying want;
 * assert its credential; return its text (caller frees).
 */
static char *
expect_reply(int p, const char *chat, const char *want, const char *step)
{
	json_t *reqs, *r;
	struct sent s;
	char reply[96], seen[2048] = "";
	const char *c = chat != NULL ? chat : plats[p].chat;
	size_t i;
	int waited;

	snprintf(reply, sizeof(reply), "reply:%s", e2e_last_id);
	for (waited = 0; waited <= WAIT_MS; waited += 25) {
		seen[0] = '\0';
		reqs = mock_since(e2e_since);
		ck_assert_msg(reqs != NULL, "[%s] %s: mock does not answer",
		    plats[p].adapter, step);
		json_array_foreach(reqs, i, r)
		{
			if (!sent_view(r, &s) ||
			    strcmp(s.platform, plats[p].platform) != 0 ||
			    (strcmp(s.chat, c) != 0 &&
				(chat != NULL || strcmp(s.chat, reply) != 0)) ||
			    strstr(s.text, want) == NULL) {
				if (s.text != NULL && strlen(seen) < 1500)
					snprintf(seen + strlen(seen),
					    sizeof(seen) - strlen(seen),
					    "[%s %s: %.80s] ", s.platform,
					    s.chat, s.text);
				sent_clear(&s);
				continue;
			}
			json_decref(reqs);
			ck_assert_msg(s.authed, "[%s] %s: credential: %s",
			    plats[p].adapter, step, s.why);
			return (s.text);
		}
		json_decref(reqs);
		daemon_sleep_ms(25);
	}
	ck_abort_msg("[%s] %s: no delivery to %s saying \"%s\"; got %s",
	    plats[p].adapter, step, c, want, seen);
	return (NULL);
}

/* "YYYY-MM-DD HH:MM" (UTC, the test config's zone) minutes from now. */
static void
start_in(int minutes, char *out, size_t outlen)
{
	time_t t = time(NULL) + (time_t)minutes * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

/* ------------------------------------------------------------------ */
/* vectors: the helpers reproduce the adapters' unit-test vectors       */
/* ------------------------------------------------------------------ */

START_TEST(helpers_reproduce_slack_vectors)
{
	static const char body[] =
	    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="
	    "testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id="
	    "U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
	    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3"
	    "J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
	    "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
	struct platforms_req req;
	size_t i;
	int found = 0;

	memset(&req, 0, sizeof(req));
	platforms_req_body(&req, body, strlen(body));
	platforms_slack_sign(&req, "8f742231b10e8888abcd99yyyzzz85a5",
	    1531420618);
	for (i = 0; req.hdr[i] != NULL; i++) {
		if (strcmp(req.hdr[i],
			"X-Slack-Signature: v0=a2114d57b48eac39b9ad189dd8316"
			"235a7b4a8d21a10bd27519666489c69b503") == 0)
			found |= 1;
		if (strcmp(req.hdr[i],
			"X-Slack-Request-Timestamp: 1531420618") == 0)
			found |= 2;
	}
	ck_assert_int_eq(found, 3);
	platforms_req_clear(&req);
}
END_TEST

START_TEST(helpers_reproduce_feishu_vectors)
{
	static const char fb_plain[] =
	    "{\"challenge\":\"c7Yq2Lr9XwT4bNz0\",\"token\":\"vTok-123\","
	    "\"type\":\"url_verification\"}";
	static const char fb_enc[] =
	    "AAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7ZgXI+fByWlgCgW"
	    "eibVOsJYua4xRPFnhYFFRQQQQCb95kHJGhDd8o1vlImC97yRp/LH+Vx078Sz0Okd";
	static const char fd_body[] =
	    "{\"schema\":\"2.0\",\"header\":{\"event_id\":"
	    "\"9b1f0c6e2d7a4e3f8c5b1a0d2e4f6a8b\",\"event_type\":"
	    "\"im.message.receive_v1\",\"create_time\":\"1700000000123\","
	    "\"token\":\"vTok-123\",\"app_id\":\"cli_a1b2c3\",\"tenant_key\":"
	    "\"3fa8c1d27e9b5a04\"},\"event\":{\"message\":{\"chat_id\":"
	    "\"oc_7e2b9c4d1f0a3e5b6c8d9e0f1a2b3c4d\",\"chat_type\":\"group\","
	    "\"content\":\"{\\\"text\\\":\\\"@_user_1 hi\\\"}\","
	    "\"message_id\":\"om_4c1e9a7b3d5f2e8a0b6c9d1e3f5a7b9c\","
	    "\"message_type\":\"text\"}}}";
	unsigned char iv[16];
	char sig[65], *enc, *fb_body;
	size_t i;

	for (i = 0; i < sizeof(iv); i++)
		iv[i] = (unsigned char)i;
	enc = platforms_feishu_encrypt("kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK", iv,
	    fb_plain, strlen(fb_plain));
	ck_assert_str_eq(enc, fb_enc);
	free(enc);
	/* F-A: Feishu's own sample decrypts; our encryption is its inverse. */
	fb_body = xasprintf("{\"encrypt\":\"%s\"}", fb_enc);
	platforms_feishu_signature("kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK",
	    "1700000000", "8d1f2a47", fb_body, strlen(fb_body), sig);
	ck_assert_str_eq(sig,
	    "516521e92ca004f29b5f2648571d928a682277fc1db64f995b8014d7541138bc");
	free(fb_body);
	platforms_feishu_signature("kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK",
	    "1700000000", "8d1f2a47", fd_body, strlen(fd_body), sig);
	ck_assert_str_eq(sig,
	    "d00f00a115f676eaf5bc61e71aa55e47a656400d0edb96ab7d63e8d91b50ffff");
}
END_TEST

START_TEST(helpers_reproduce_dingtalk_vectors)
{
	char sign[45];

	platforms_dingtalk_sign("this is a secret", "1577262236757", sign);
	ck_assert_str_eq(sign, "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=");
	platforms_dingtalk_sign("Xk9-aQ2bR7cT4dU1eV6fW3gY8hZ5iA0jB2kC7lD4mE9nF1"
				"oG6pH3qI8rJ5sK0tL2",
	    "1700000000000", sign);
	ck_assert_str_eq(sign, "zhpgLVX+V1s48zf1VkMVWK1wShN2uB0i2ZiL2irct1Y=");
	platforms_dingtalk_sign("SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445"
				"566778899aabbccddeeff0",
	    "1700000000000", sign);
	ck_assert_str_eq(sign, "swQnTQ8J44r0Oi1fH4uWPMpgBqFW+Fn2kwgx6+xunqA=");
}
END_TEST

START_TEST(helpers_reproduce_wecom_vectors)
{
	/* wecom.md W1 and W2: Tencent's published sample. */
	static const char eak[] = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
	static const char w2_enc[] =
	    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5"
	    "L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qh"
	    "xchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLx"
	    "AUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s"
	    "4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8"
	    "V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/u"
	    "h9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIG"
	    "HBZZIs2pDBS8R07+qN+E7Q==";
	static const char w2_xml[] =
	    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
	    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
	    "<CreateTime>1409659813</CreateTime>\n"
	    "<MsgType><![CDATA[text]]></MsgType>\n"
	    "<Content><![CDATA[hello]]></Content>\n"
	    "<MsgId>4561255354251345929</MsgId>\n"
	    "<AgentID>218</AgentID>\n"
	    "</xml>";
	unsigned char key[64], raw[1024], plain[1024];
	char sig[41], *b64, *enc;
	size_t klen, rawlen;

	platforms_wecom_signature("QDG6eK", "1409659589", "263014780",
	    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4R"
	    "Pcs8TgAE7OaBO+FZXvnaqQ==",
	    sig);
	ck_assert_str_eq(sig, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
	platforms_wecom_signature("QDG6eK", "1409659813", "1372623149", w2_enc,
	    sig);
	ck_assert_str_eq(sig, "477715d11cdb4164915debcba66cb864d751f3e6");
	/* The sample's random prefix, then our encryption must match it. */
	b64 = xasprintf("%s=", eak);
	ck_assert_int_eq(sig_b64_decode(b64, strlen(b64), key, sizeof(key),
			     &klen),
	    0);
	free(b64);
	ck_assert_int_eq(sig_b64_decode(w2_enc, strlen(w2_enc), raw,
			     sizeof(raw), &rawlen),
	    0);
	ck_assert_int_eq(sig_aes256cbc_decrypt(key, key, raw, rawlen, plain),
	    0);
	enc = platforms_wecom_encrypt(eak, plain, w2_xml, strlen(w2_xml),
	    "wx5823bf96d3bd56c7");
	ck_assert_str_eq(enc, w2_enc);
	free(enc);
	ck_assert_ptr_null(platforms_wecom_encrypt("short", NULL, "x", 1, ""));
}
END_TEST

START_TEST(helpers_reproduce_onebot_vectors)
{
	static const char o1[] =
	    "{\"time\":1700000000,\"self_id\":10001000,\"post_type\":"
	    "\"message\",\"message_type\":\"group\",\"sub_type\":\"normal\","
	    "\"message_id\":-2147483000,\"group_id\":123456789,\"user_id\":"
	    "12345678,\"anonymous\":null,\"message\":\"[CQ:at,qq=10001000] "
	    "你好\",\"raw_message\":\"[CQ:at,qq=10001000] 你好\",\"font\":0,"
	    "\"sender\":{\"user_id\":12345678,\"nickname\":\"小不点\","
	    "\"card\":\"群名片\",\"sex\":\"unknown\",\"age\":0,\"area\":\"\","
	    "\"level\":\"\",\"role\":\"member\",\"title\":\"\"}}";
	char sig[46];

	platforms_onebot_signature("kSLuTF2GC2Q4q4ugm3", o1, strlen(o1), sig);
	ck_assert_str_eq(sig, "sha1=16458446f11127f110bbb757088f1dcd6d6b9e9a");
	platforms_onebot_signature("some-secret",
	    "{\"post_type\":"
	    "\"meta_event\"}",
	    26, sig);
	ck_assert_str_eq(sig, "sha1=075b11a3eadbca8b04342a54e3d8e3c9f86f423e");
}
END_TEST

/* ------------------------------------------------------------------ */
/* per platform                                                        */
/* ------------------------------------------------------------------ */

/*
 * An operator creates an activity and a member signs up, each through a
 * signed webhook; both replies reach the group through the platform's own
 * API with its credential.
 */
START_TEST(operator_creates_member_signs_up)
{
	const struct plat *pl = &plats[_i];
	char when[32], text[128], *r;
	int id = 0;

	start_in(30, when, sizeof(when));
	snprintf(text, sizeof(text), "/newactivity Walk %s cap=5", when);
	ck_assert_msg(say(_i, pl->op, "Olga", text) == 200,
	    "[%s] newactivity not accepted", pl->adapter);
	r = expect_reply(_i, NULL, "created", "newactivity");
	ck_assert_msg(sscanf(strstr(r, "Activity #"), "Activity #%d", &id) ==
			      1 &&
			  id > 0,
	    "[%s] no activity id in \"%s\"", pl->adapter, r);
	free(r);
	snprintf(text, sizeof(text), "/signup %d", id);
	ck_assert_msg(say(_i, pl->member, pl->member_name, text) == 200,
	    "[%s] signup not accepted", pl->adapter);
	r = expect_reply(_i, NULL, "signed up", "signup");
	free(r);
	expect_quiet(2, pl->adapter);
}
END_TEST

/*
 * Forged, stale, wrongly keyed, undecryptable and malformed requests are
 * refused with 401 / 400 and leave nothing behind: no reply, no activity.
 */
START_TEST(bad_requests_change_nothing)
{
	const struct plat *pl = &plats[_i];
	struct platforms_req req;
	struct platforms_msg m;
	char when[32], text[128], id[64], *r, sig[65];
	const char *step = "";
	int64_t now = now_s();
	size_t n = 0;

	start_in(30, when, sizeof(when));
	snprintf(text, sizeof(text), "/newactivity Forged %s", when);
	memset(&m, 0, sizeof(m));
	m.chat = pl->chat;
	m.user = pl->op;
	m.name = "Olga";
	m.text = text;
	m.event_id = id;
	m.at = now;

#define REJECT(want, what)                                                     \
	do {                                                                   \
		long st_ = post(_i, &req, NULL);                               \
		ck_assert_msg(st_ == (want), "[%s] %s: status %ld, want %d",   \
		    pl->adapter, (what), st_, (want));                         \
		platforms_req_clear(&req);                                     \
		n++;                                                           \
	} while (0)

	/* wrong signature / secret */
	build(_i, pl->op, "Olga", text, &req);
	switch (_i) {
	case P_TG:
		platforms_req_header(&req, "X-Telegram-Bot-Api-Secret-Token",
		    "wrong-secret");
		break;
	case P_SL:
		platforms_slack_sign(&req, "not-the-signing-secret", now);
		break;
	case P_FS:
		platforms_req_header(&req, "X-Lark-Signature",
		    "0000000000000000000000000000000000000000000000000000000000"
		    "000000");
		break;
	case P_FSP:
		platforms_req_clear(&req);
		next_id(_i, id, sizeof(id));
		platforms_feishu_event(&req, "vTok-wrong", NULL, now, "n", &m);
		break;
	case P_DT:
		platforms_req_header(&req, "sign",
		    "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=");
		break;
	case P_WC:
		r = strstr(req.query, "msg_signature=") + 14;
		*r = *r == 'a' ? 'b' : 'a';
		break;
	case P_OB:
		platforms_req_header(&req, "X-Signature",
		    "sha1=16458446f11127f110bbb757088f1dcd6d6b9e9a");
		break;
	}
	REJECT(401, "wrong signature");

	/* a body changed after signing */
	if (_i != P_TG && _i != P_FSP && _i != P_DT) {
		build(_i, pl->op, "Olga", text, &req);
		if (_i == P_WC) {
			/* the signature covers Encrypt: swap in another */
			struct platforms_req other;

			build(_i, pl->op, "Olga", "/newactivity X", &other);
			platforms_req_body(&req, other.body, other.len);
			platforms_req_clear(&other);
		} else {
			r = strstr(req.body, _i == P_OB ? "\"time\":" : "\"");
			ck_assert_ptr_nonnull(r);
			r[_i == P_OB ? 8 : 1] ^= 1;
		}
		REJECT(401, "tampered body");
	}
	/*
	 * DingTalk signs only the timestamp header, not the body
	 * (dingtalk.md): a changed body under a fresh header is accepted by
	 * design; only the createAt window below binds body and header.
	 */

	/* stale timestamp, correctly signed */
	next_id(_i, id, sizeof(id));
	step = "stale timestamp";
	switch (_i) {
	case P_SL:
		platforms_slack_event(&req, SL_SECRET, now - 600, &m);
		REJECT(401, step);
		break;
	case P_FS:
		platforms_feishu_event(&req, FS_VTOKEN, FS_EKEY, now - 600, "n",
		    &m);
		REJECT(401, step);
		break;
	case P_DT:
		platforms_dingtalk_event(&req, DT_SECRET, (now - 7200) * 1000,
		    (now - 7200) * 1000, &m);
		REJECT(401, step);
		/* a fresh header over an old message: createAt is 2 h off */
		next_id(_i, id, sizeof(id));
		platforms_dingtalk_event(&req, DT_SECRET, now * 1000,
		    (now - 7200) * 1000, &m);
		REJECT(401, "createAt outside the window");
		break;
	case P_WC:
		platforms_wecom_robot_event(&req, WC_TOKEN, WC_EAK, now - 10800,
		    "n", &m);
		REJECT(401, step);
		break;
	default:
		break; /* Telegram and OneBot sign no time */
	}

	/* wrong token (the keys right, the credential inside wrong) */
	next_id(_i, id, sizeof(id));
	step = "wrong token";
	switch (_i) {
	case P_FS:
		platforms_feishu_event(&req, "vTok-wrong", FS_EKEY, now, "n",
		    &m);
		REJECT(401, step);
		break;
	case P_WC:
		platforms_wecom_robot_event(&req, "otherToken", WC_EAK, now,
		    "n", &m);
		REJECT(401, step);
		break;
	case P_SL:
		/* an event signed for another app */
		platforms_slack_event(&req, "another-apps-secret-00000000000",
		    now, &m);
		REJECT(401, step);
		break;
	case P_OB:
		platforms_onebot_event(&req, "another-secret", OB_SELF, &m);
		REJECT(401, step);
		break;
	default:
		break;
	}

	/* bad ciphertext, correctly signed */
	step = "bad ciphertext";
	if (_i == P_FS) {
		/* one block {"a":1} + zeros, no valid padding */
		platforms_req_body(&req,
		    "{\"encrypt\":"
		    "\"AAECAwQFBgcICQoLDA0OD4H3eJqx5mjDNeqhDtJ0YNQ=\"}",
		    59);
		req.method = "POST";
		platforms_req_header(&req, "Content-Type", "application/json");
		{
			char *t = xasprintf("%lld", (long long)now);

			platforms_feishu_signature(FS_EKEY, t, "n", req.body,
			    req.len, sig);
			platforms_req_header(&req, "X-Lark-Request-Timestamp",
			    t);
			free(t);
		}
		platforms_req_header(&req, "X-Lark-Request-Nonce", "n");
		platforms_req_header(&req, "X-Lark-Signature", sig);
		REJECT(400, step);
	} else if (_i == P_WC) {
		/* encrypted under another EncodingAESKey, signed right */
		char *enc, *t;
		char wsig[41];

		enc = platforms_wecom_encrypt("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj"
					      "3ykkR6q2B2C",
		    NULL, "{\"msgid\":\"1\"}", 13, "");
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.body = xasprintf("{\"encrypt\":\"%s\"}", enc);
		req.len = strlen(req.body);
		platforms_req_header(&req, "Content-Type", "application/json");
		t = xasprintf("%lld", (long long)now);
		platforms_wecom_signature(WC_TOKEN, t, "n", enc, wsig);
		req.query =
		    xasprintf("msg_signature=%s&timestamp=%s&nonce=n", wsig, t);
		free(t);
		free(enc);
		REJECT(401, step);
	}

	/* malformed body, correctly signed where the platform signs it */
	step = "malformed body";
	memset(&req, 0, sizeof(req));
	switch (_i) {
	case P_TG:
		build(_i, pl->op, "Olga", text, &req);
		platforms_req_body(&req, "{\"update_id\":", 13);
		break;
	case P_SL:
		req.method = "POST";
		platforms_req_body(&req, "{\"type\":\"event_callback\",", 25);
		platforms_req_header(&req, "Content-Type", "application/json");
		platforms_slack_sign(&req, SL_SECRET, now);
		break;
	case P_FS:
		req.method = "POST";
		platforms_req_body(&req, "not json at all", 15);
		{
			char *t = xasprintf("%lld", (long long)now);

			platforms_feishu_signature(FS_EKEY, t, "n", req.body,
			    req.len, sig);
			platforms_req_header(&req, "X-Lark-Request-Timestamp",
			    t);
			free(t);
		}
		platforms_req_header(&req, "X-Lark-Request-Nonce", "n");
		platforms_req_header(&req, "X-Lark-Signature", sig);
		break;
	case P_FSP:
		req.method = "POST";
		platforms_req_body(&req, "[1,2", 4);
		break;
	case P_DT:
		build(_i, pl->op, "Olga", text, &req);
		platforms_req_body(&req, "{\"msgId\":", 9);
		break;
	case P_WC:
		build(_i, pl->op, "Olga", text, &req);
		platforms_req_body(&req, "encrypt=abc", 11);
		break;
	case P_OB:
		req.method = "POST";
		platforms_req_body(&req, "{\"post_type\":", 13);
		platforms_onebot_signature(OB_SECRET, req.body, req.len, sig);
		platforms_req_header(&req, "X-Signature", sig);
		break;
	}
	REJECT(400, step);
#undef REJECT

	/* Nothing was sent, nothing was created. */
	expect_quiet(0, pl->adapter);
	ck_assert_msg(say(_i, pl->member, pl->member_name, "/activities") ==
			  200,
	    "[%s] activities not accepted", pl->adapter);
	free(expect_reply(_i, NULL, "no open activit", "activities"));
	expect_quiet(1, pl->adapter);
	ck_assert_msg(n >= 2, "[%s] only %zu rejections checked", pl->adapter,
	    n);
}
END_TEST

/* The platform retries a webhook it thinks failed: one reply only. */
START_TEST(retried_webhook_processed_once)
{
	const struct plat *pl = &plats[_i];
	struct platforms_req req;
	long st;

	build(_i, pl->member, pl->member_name, "/activities", &req);
	ck_assert_int_eq(post(_i, &req, NULL), 200);
	free(expect_reply(_i, NULL, "no open activit", "first delivery"));
	if (_i == P_SL) {
		platforms_req_header(&req, "X-Slack-Retry-Num", "1");
		platforms_req_header(&req, "X-Slack-Retry-Reason",
		    "http_timeout");
	}
	st = post(_i, &req, NULL);
	ck_assert_msg(st == 200, "[%s] retry answered %ld", pl->adapter, st);
	platforms_req_clear(&req);
	expect_quiet(1, pl->adapter);
}
END_TEST

/* ------------------------------------------------------------------ */
/* handshakes                                                          */
/* ------------------------------------------------------------------ */

/* 1 if resp is the JSON {"challenge": challenge}. */
static int
is_challenge(const char *resp, const char *challenge)
{
	json_t *got = json_loads(resp, 0, NULL);
	json_t *want = json_pack("{s:s}", "challenge", challenge);
	int eq = json_equal(got, want);

	json_decref(got);
	json_decref(want);
	return (eq);
}

START_TEST(handshakes_answered)
{
	struct platforms_req req;
	char *resp;
	int64_t now = now_s();

	memset(&req, 0, sizeof(req));
	platforms_slack_challenge(&req, SL_SECRET, now, "3eZbrw1aBm2rZgRNFdxV");
	ck_assert_int_eq(post(P_SL, &req, &resp), 200);
	ck_assert_str_eq(resp, "3eZbrw1aBm2rZgRNFdxV");
	free(resp);
	platforms_req_clear(&req);
	/* unsigned: refused */
	platforms_slack_challenge(&req, SL_SECRET, now, "x");
	platforms_req_header(&req, "X-Slack-Signature", "v0=00");
	ck_assert_int_eq(post(P_SL, &req, NULL), 401);
	platforms_req_clear(&req);

	/* Feishu, plain mode: {"challenge":...} */
	platforms_feishu_challenge(&req, FSP_VTOKEN, NULL, 0, NULL, "ch-plain");
	ck_assert_int_eq(post(P_FSP, &req, &resp), 200);
	ck_assert_msg(is_challenge(resp, "ch-plain"), "feishu plain: %s", resp);
	free(resp);
	platforms_req_clear(&req);
	platforms_feishu_challenge(&req, "vTok-wrong", NULL, 0, NULL, "x");
	ck_assert_int_eq(post(P_FSP, &req, NULL), 401);
	platforms_req_clear(&req);

	/* Feishu, encrypted: unsigned and signed, answered in plain JSON */
	platforms_feishu_challenge(&req, FS_VTOKEN, FS_EKEY, 0, NULL, "ch-enc");
	ck_assert_int_eq(post(P_FS, &req, &resp), 200);
	ck_assert_msg(is_challenge(resp, "ch-enc"), "feishu encrypted: %s",
	    resp);
	free(resp);
	platforms_req_clear(&req);
	platforms_feishu_challenge(&req, FS_VTOKEN, FS_EKEY, now, "nonce-1",
	    "ch-signed");
	ck_assert_int_eq(post(P_FS, &req, &resp), 200);
	ck_assert_msg(is_challenge(resp, "ch-signed"), "feishu signed: %s",
	    resp);
	free(resp);
	platforms_req_clear(&req);
	platforms_feishu_challenge(&req, "vTok-wrong", FS_EKEY, 0, NULL, "x");
	ck_assert_int_eq(post(P_FS, &req, NULL), 401);
	platforms_req_clear(&req);

	/* WeCom GET echostr: the decrypted plaintext, exactly */
	platforms_wecom_echo(&req, WC_TOKEN, WC_EAK, WC_CORP, now, "9931",
	    "8523674923416537");
	ck_assert_int_eq(post(P_WC, &req, &resp), 200);
	ck_assert_str_eq(resp, "8523674923416537");
	free(resp);
	platforms_req_clear(&req);
	platforms_wecom_echo(&req, WC_TOKEN, WC_EAK, "", now, "9932",
	    "1616140317555161061");
	ck_assert_int_eq(post(P_WC, &req, &resp), 200);
	ck_assert_str_eq(resp, "1616140317555161061");
	free(resp);
	platforms_req_clear(&req);
	platforms_wecom_echo(&req, "otherToken", WC_EAK, "", now, "9933", "1");
	ck_assert_int_eq(post(P_WC, &req, NULL), 401);
	platforms_req_clear(&req);

	expect_quiet(0, "handshakes");
}
END_TEST

/* WeCom's self-built app callback (XML, 1:1): answered via message/send. */
START_TEST(wecom_app_callback_answered)
{
	struct platforms_req req;
	struct platforms_msg m;
	char id[64], *r;

	next_id(P_WC, id, sizeof(id));
	memset(&m, 0, sizeof(m));
	m.chat = "";
	m.user = "zhangsan";
	m.text = "/activities";
	m.event_id = id;
	m.at = now_s();
	memset(&req, 0, sizeof(req));
	e2e_since = mock_count();
	platforms_wecom_app_event(&req, WC_TOKEN, WC_EAK, WC_CORP, m.at, "42",
	    &m);
	ck_assert_int_eq(post(P_WC, &req, NULL), 200);
	ck_assert_int_eq(post(P_WC, &req, NULL), 200); /* a retry */
	platforms_req_clear(&req);
	r = expect_reply(P_WC, "zhangsan", "no open activit", "app callback");
	free(r);
	/* the receiveid must be our CorpID */
	next_id(P_WC, id, sizeof(id));
	platforms_wecom_app_event(&req, WC_TOKEN, WC_EAK, "wwSomeoneElse", m.at,
	    "43", &m);
	ck_assert_int_eq(post(P_WC, &req, NULL), 401);
	platforms_req_clear(&req);
	expect_quiet(1, "app callback");
}
END_TEST

/* ------------------------------------------------------------------ */
/* broadcasts                                                          */
/* ------------------------------------------------------------------ */

/*
 * One node with a chat on every adapter, plus a WeCom group-robot chat and
 * a DingTalk custom-robot chat: an urgent broadcast reaches each once,
 * the robots through their webhook URLs.
 */
START_TEST(broadcast_reaches_every_platform)
{
	static const char csv[] =
	    "path,name,kind,tags,adapter,chat_id,purpose,identity\n"
	    "city,City,city,,,,,\n"
	    "city,City,city,,tg,-100200300,,\n"
	    "city,City,city,,sl,C0E2E0001,,\n"
	    "city,City,city,,fs,oc_e2e_fs,,\n"
	    "city,City,city,,fsp,oc_e2e_fsp,,\n"
	    "city,City,city,,dt,cid_e2e_dt,,\n"
	    "city,City,city,,wc,wr_e2e_wc,,\n"
	    "city,City,city,,ob,123456789,,\n"
	    "city,City,city,,wc,wr_robot_chat,,robot:" WC_ROBOT "\n"
	    "city,City,city,,dt,cid_robot_chat,,robot:" DT_RTOKEN ":" DT_RSECRET
	    "\n";
	static const char *const want[][2] = {
		{ "telegram", "-100200300" },
		{ "slack", "C0E2E0001" },
		{ "feishu", "oc_e2e_fs" },
		{ "feishu", "oc_e2e_fsp" },
		{ "dingtalk", "cid_e2e_dt" },
		{ "wecom", "wr_e2e_wc" },
		{ "onebot", "123456789" },
		{ "wecom", "robot" },
		{ "dingtalk", "robot" },
	};
	const char *hdr[] = { "Authorization: Bearer " ADMIN_TOKEN,
		"Content-Type: text/csv", NULL };
	const char *jhdr[] = { "Authorization: Bearer " ADMIN_TOKEN,
		"Content-Type: application/json", NULL };
	size_t nwant = sizeof(want) / sizeof(want[0]);
	size_t got[sizeof(want) / sizeof(want[0])];
	json_t *ans, *reqs, *r;
	struct sent s;
	char *url, *resp;
	long st;
	size_t i, j, total;
	int waited;

	url = daemon_url(e2e_d, "/api/v1/import");
	ck_assert_int_eq(http_post(url, hdr, csv, strlen(csv), &st, &resp), 0);
	ck_assert_msg(st == 200, "import: %ld %s", st, resp);
	free(resp);
	free(url);
	url = daemon_url(e2e_d, "/api/v1/broadcasts");
	{
		static const char b[] = "{\"path\":\"city\",\"text\":\"Storm "
					"warning: stay indoors\","
					"\"urgent\":true}";

		ck_assert_int_eq(http_post(url, jhdr, b, strlen(b), &st, &resp),
		    0);
	}
	ck_assert_msg(st == 200, "broadcast: %ld %s", st, resp);
	ans = json_loads(resp, 0, NULL);
	ck_assert_msg(json_integer_value(json_object_get(ans, "chats")) ==
			  (json_int_t)nwant,
	    "broadcast targets: %s", resp);
	json_decref(ans);
	free(resp);
	free(url);

	for (waited = 0;; waited += 50) {
		memset(got, 0, sizeof(got));
		total = 0;
		reqs = daemon_mock_requests(e2e_d);
		ck_assert_ptr_nonnull(reqs);
		json_array_foreach(reqs, i, r)
		{
			if (!sent_view(r, &s))
				continue;
			total++;
			for (j = 0; j < nwant; j++)
				if (strcmp(s.platform, want[j][0]) == 0 &&
				    strcmp(s.chat, want[j][1]) == 0 &&
				    strstr(s.text, "Storm warning") != NULL)
					break;
			ck_assert_msg(j < nwant,
			    "unexpected delivery %s %s: %s", s.platform, s.chat,
			    s.text);
			ck_assert_msg(s.authed, "%s %s: credential: %s",
			    s.platform, s.chat, s.why);
			got[j]++;
			sent_clear(&s);
		}
		json_decref(reqs);
		if (total >= nwant || waited >= WAIT_MS)
			break;
		daemon_sleep_ms(50);
	}
	for (j = 0; j < nwant; j++)
		ck_assert_msg(got[j] == 1, "%s %s: %zu deliveries", want[j][0],
		    want[j][1], got[j]);
	expect_quiet(nwant, "broadcast");
}
END_TEST

/* ------------------------------------------------------------------ */
/* identity across platforms                                           */
/* ------------------------------------------------------------------ */

/* One person on Telegram and Slack: a credit change on one shows on both. */
START_TEST(same_phone_links_identities)
{
	char *r;

	ck_assert_int_eq(say(P_TG, "2001", "Alice",
			     "/register Alice 13800000000"),
	    200);
	free(expect_reply(P_TG, NULL, "Registered, Alice", "register on tg"));
	ck_assert_int_eq(say(P_SL, "UALICE", "Alice",
			     "/register Alice 13800000000"),
	    200);
	free(expect_reply(P_SL, NULL, "Linked", "register on slack"));
	/* daemon_tg_update() gave her no username: use a reply instead */
	{
		struct platforms_req req;
		char *tg =
		    daemon_tg_update(e2e_d, plats[P_TG].chat, DAEMON_OPERATOR,
			"Olga", "olga", "/credit -5 late twice", "2001");

		memset(&req, 0, sizeof(req));
		e2e_since = mock_count();
		req.method = "POST";
		platforms_req_body(&req, tg, strlen(tg));
		free(tg);
		platforms_req_header(&req, "Content-Type", "application/json");
		platforms_req_header(&req, "X-Telegram-Bot-Api-Secret-Token",
		    DAEMON_TG_SECRET);
		ck_assert_int_eq(post(P_TG, &req, NULL), 200);
		platforms_req_clear(&req);
	}
	r = expect_reply(P_TG, NULL, "now 95", "credit on telegram");
	free(r);
	ck_assert_int_eq(say(P_SL, "UALICE", "Alice", "/me"), 200);
	r = expect_reply(P_SL, NULL, "Credit: 95", "me on slack");
	free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* tokens                                                              */
/* ------------------------------------------------------------------ */

/*
 * Feishu, WeCom and DingTalk fetch their access token once and reuse it
 * for every send; a token the platform rejects is renewed and the message
 * still goes out.
 */
START_TEST(tokens_fetched_once_and_renewed)
{
	static const int rows[] = { P_FS, P_DT, P_WC };
	static const char *const names[] = { "feishu", "dingtalk", "wecom" };
	json_t *stats, *tok;
	size_t k;
	int i;

	test_setup();
	for (i = 0; i < 3; i++)
		for (k = 0; k < 3; k++) {
			ck_assert_int_eq(say(rows[k], plats[rows[k]].member,
					     "Alice", "/activities"),
			    200);
			free(expect_reply(rows[k], NULL, "no open activit",
			    "activities"));
		}
	stats = daemon_mock_stats(e2e_d);
	ck_assert_ptr_nonnull(stats);
	tok = json_object_get(stats, "tokens");
	for (k = 0; k < 3; k++)
		ck_assert_msg(json_integer_value(
				  json_object_get(tok, names[k])) == 1,
		    "%s: %lld token fetches for 3 sends", names[k],
		    (long long)json_integer_value(
			json_object_get(tok, names[k])));
	json_decref(stats);
	ck_assert_int_eq(count_sends(NULL), 9);

	/* The platform says the token is invalid: renew, then deliver. */
	ck_assert_int_eq(daemon_mock_script(e2e_d,
			     "{\"path_prefix\":\"/open-apis/im/\","
			     "\"status\":400,\"body\":\"{\\\"code\\\":99991663,"
			     "\\\"msg\\\":\\\"invalid token\\\"}\"}"),
	    0);
	ck_assert_int_eq(say(P_FS, plats[P_FS].member, "Alice", "/activities"),
	    200);
	free(expect_reply(P_FS, NULL, "no open activit", "after renewal"));
	stats = daemon_mock_stats(e2e_d);
	tok = json_object_get(stats, "tokens");
	ck_assert_int_eq(json_integer_value(json_object_get(tok, "feishu")), 2);
	json_decref(stats);
}
END_TEST

Suite *
e2e_platforms_suite(void)
{
	Suite *s = suite_create("e2e_platforms");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, helpers_reproduce_slack_vectors);
	tcase_add_test(tc, helpers_reproduce_feishu_vectors);
	tcase_add_test(tc, helpers_reproduce_dingtalk_vectors);
	tcase_add_test(tc, helpers_reproduce_wecom_vectors);
	tcase_add_test(tc, helpers_reproduce_onebot_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("platforms");
	tcase_add_unchecked_fixture(tc, stack_up, stack_down);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, operator_creates_member_signs_up, 0, P_N);
	tcase_add_loop_test(tc, bad_requests_change_nothing, 0, P_N);
	tcase_add_loop_test(tc, retried_webhook_processed_once, 0, P_N);
	tcase_add_test(tc, handshakes_answered);
	tcase_add_test(tc, wecom_app_callback_answered);
	tcase_add_test(tc, broadcast_reaches_every_platform);
	tcase_add_test(tc, same_phone_links_identities);
	suite_add_tcase(s, tc);

	tc = tcase_create("tokens");
	tcase_add_unchecked_fixture(tc, stack_up, stack_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tokens_fetched_once_and_renewed);
	suite_add_tcase(s, tc);
	return (s);
}
