/*
 * check_dingtalk.c -- the DingTalk adapter against shared/platforms/
 * dingtalk.md: its sign vectors IN1, IN2 and OUT (verbatim), the group
 * text sample (tests/fixtures/dingtalk/), the replay guard of dingtalk.h,
 * the three send paths and the answers DingTalk gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/dingtalk.h"
#include "tests/adapters/fixture.h"

/* dingtalk.md section 2, "Test vectors (computed with python3)" */
#define IN1_SECRET "this is a secret"
#define IN1_TS     "1577262236757"
#define IN1_SIGN   "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA="
#define IN2_SECRET                                                             \
	"Xk9-aQ2bR7cT4dU1eV6fW3gY8hZ5iA0jB2kC7lD4mE9nF1oG6pH3qI8rJ5sK0tL2"
#define IN2_TS   "1700000000000"
#define IN2_SIGN "zhpgLVX+V1s48zf1VkMVWK1wShN2uB0i2ZiL2irct1Y="
#define OUT_SECRET                                                             \
	"SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"
#define OUT_TS       "1700000000000"
#define OUT_SIGN     "swQnTQ8J44r0Oi1fH4uWPMpgBqFW+Fn2kwgx6+xunqA="
#define OUT_SIGN_URL "swQnTQ8J44r0Oi1fH4uWPMpgBqFW%2BFn2kwgx6%2BxunqA%3D"

#define DT_KEY  "dingappkey0001"
#define DT_CODE "dingq4ev7d2l3zj1xxxx"
#define DT_API  "http://127.0.0.1:8082"
#define DT_OAPI "http://127.0.0.1:8083"

Suite *dingtalk_suite(void);

static void *dt_make(const char *, int, const char *, const char *, int);
static enum adapter_rc dt_verify(void *, const char *, const char *,
    const char *, const char *, int64_t);
static enum adapter_rc dt_parse(void *, const char *, size_t,
    struct chat_event *);

/* An instance; code/oapi may be NULL, window 0 means the default. */
static void *
dt_make(const char *secret, int with_code, const char *api, const char *oapi,
    int window)
{
	json_t *conf;
	void *priv = NULL;
	char err[256] = "";

	conf = json_pack("{s:s, s:s}", "app_key", DT_KEY, "app_secret", secret);
	ck_assert_ptr_nonnull(conf);
	if (with_code)
		json_object_set_new(conf, "robot_code", json_string(DT_CODE));
	if (api != NULL)
		json_object_set_new(conf, "api_base", json_string(api));
	if (oapi != NULL)
		json_object_set_new(conf, "oapi_base", json_string(oapi));
	if (window != 0)
		json_object_set_new(conf, "replay_window_s",
		    json_integer(window));
	ck_assert_msg(adapter_dingtalk.init(&priv, conf, err, sizeof(err)) == 0,
	    "init: %s", err);
	json_decref(conf);
	return (priv);
}

static enum adapter_rc
dt_verify(void *priv, const char *method, const char *ts, const char *sign,
    const char *body, int64_t now)
{
	const char *hdr[7];
	struct webhook wh = { method, "", "", hdr, body, strlen(body) };
	size_t i = 0;

	hdr[i++] = "Content-Type";
	hdr[i++] = "application/json; charset=utf-8";
	if (ts != NULL) {
		hdr[i++] = "timestamp";
		hdr[i++] = ts;
	}
	if (sign != NULL) {
		hdr[i++] = "sign";
		hdr[i++] = sign;
	}
	hdr[i] = NULL;
	return (adapter_dingtalk.verify(priv, &wh, now));
}

static enum adapter_rc
dt_parse(void *priv, const char *body, size_t len, struct chat_event *ev)
{
	const char *hdr[] = { NULL };
	struct webhook wh = { "POST", "", "", hdr, body, len };
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;

	rc = adapter_dingtalk.parse(priv, &wh, ev, &rep);
	ck_assert_ptr_null(rep.body);
	return (rc);
}

/* dingtalk.md section 2: every vector reproduces exactly. */
static const struct {
	const char *secret, *ts, *sign;
} sign_rows[] = {
	{ IN1_SECRET, IN1_TS, IN1_SIGN },
	{ IN2_SECRET, IN2_TS, IN2_SIGN },
	{ OUT_SECRET, OUT_TS, OUT_SIGN },
};

START_TEST(sign_vectors_reproduce)
{
	char out[DINGTALK_SIGN_LEN];

	ck_assert_int_eq(dingtalk_sign(sign_rows[_i].secret, sign_rows[_i].ts,
			     out),
	    0);
	ck_assert_msg(strcmp(out, sign_rows[_i].sign) == 0, "row %d: got %s",
	    _i, out);
}
END_TEST

#define BODY_AT(ms) "{\"msgId\":\"m1\",\"createAt\":" ms "}"

/* One row per way a callback can arrive. */
static const struct {
	const char *secret, *method, *ts, *sign, *body;
	int64_t now;
	int window;
	enum adapter_rc want;
} verify_rows[] = {
	/* IN1 and IN2 as DingTalk would send them */
	{ IN1_SECRET, "POST", IN1_TS, IN1_SIGN, BODY_AT("1577262236000"),
	    1577262236, 0, ADAPTER_OK },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_OK },
	/* the 1-hour window, both sides */
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000 + 3600, 0, ADAPTER_OK },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000 + 3601, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000 - 3601, 0, ADAPTER_EAUTH },
	/* a tighter configured window */
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000 + 301, 300, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000 + 299, 300, ADAPTER_OK },
	/* sign tampered by one byte, wrong secret, URL-encoded (wrong
	 * scheme for inbound), missing headers, timestamp not digits */
	{ IN2_SECRET, "POST", IN2_TS,
	    "zhpgLVX+V1s48zf1VkMVWK1wShN2uB0i2ZiL2irct1Z=",
	    BODY_AT("1700000000123"), 1700000000, 0, ADAPTER_EAUTH },
	{ IN1_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ OUT_SECRET, "POST", OUT_TS, OUT_SIGN_URL, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", "1700000000001", IN2_SIGN,
	    BODY_AT("1700000000123"), 1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", NULL, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, NULL, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", "1700000000000 ", IN2_SIGN,
	    BODY_AT("1700000000123"), 1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", "", IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "GET", IN2_TS, IN2_SIGN, BODY_AT("1700000000123"),
	    1700000000, 0, ADAPTER_EAUTH },
	/* replay guard: the body must be as fresh as the signed header */
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1699990000000"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700003600000"),
	    1700000000, 0, ADAPTER_OK },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1700003600001"),
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, BODY_AT("1699999000000"),
	    1700000000, 300, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, "{\"msgId\":\"m1\"}",
	    1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN,
	    "{\"createAt\":\"1700000000123\"}", 1700000000, 0, ADAPTER_EAUTH },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, "not json", 1700000000, 0,
	    ADAPTER_EPARSE },
	{ IN2_SECRET, "POST", IN2_TS, IN2_SIGN, "", 1700000000, 0,
	    ADAPTER_EPARSE },
};

START_TEST(verify_signs_timestamp_and_binds_body)
{
	void *priv = dt_make(verify_rows[_i].secret, 1, NULL, NULL,
	    verify_rows[_i].window);
	enum adapter_rc got;

	got = dt_verify(priv, verify_rows[_i].method, verify_rows[_i].ts,
	    verify_rows[_i].sign, verify_rows[_i].body, verify_rows[_i].now);
	ck_assert_msg(got == verify_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
	adapter_dingtalk.free(priv);
}
END_TEST

/* The recorded sample, signed like IN2, passes verify and parses. */
START_TEST(group_sample_parses)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	size_t len;
	char *body = fixture_read("dingtalk", "group_text.json", &len);

	ck_assert_int_eq(dt_verify(priv, "POST", IN2_TS, IN2_SIGN, body,
			     1700000000),
	    ADAPTER_OK);
	ck_assert_int_eq(dt_parse(priv, body, len, &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_int_eq(ev.at, 1700000000);
	ck_assert_str_eq(ev.event_id, "msgABCDEFxyz0123456789==");
	ck_assert_str_eq(ev.msg_id, "msgABCDEFxyz0123456789==");
	ck_assert_str_eq(ev.chat, "cidXYZabc123+Q8yF0m9kZw==");
	ck_assert_str_eq(ev.chat_title, "运维值班群");
	ck_assert_str_eq(ev.from.id, "manager4521");
	ck_assert_str_eq(ev.from.name, "张三");
	ck_assert_str_eq(ev.text, "状态怎么样");
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_uint_eq(ev.nmentions, 1); /* the robot itself is skipped */
	ck_assert_str_eq(ev.mentions[0].id, "lisi8877");
	ck_assert_str_eq(ev.reply_url,
	    "https://oapi.dingtalk.com/robot/sendBySession?session="
	    "5b2e8d1f7a4c9e0b3d6f1a8c2e5b7d90");
	ck_assert_int_eq(ev.reply_url_expires, 1700005400);
	free(body);
	adapter_dingtalk.free(priv);
}
END_TEST

/* Top-level "content" (the HTTP-mode sample), a 1:1 chat, an external
 * sender without staff id, and a sessionWebhook pointing elsewhere. */
START_TEST(private_content_sample_parses)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	size_t len;
	char *body = fixture_read("dingtalk", "private_content.json", &len);

	ck_assert_int_eq(dt_parse(priv, body, len, &ev), ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/help");
	ck_assert_int_eq(ev.is_group, 0);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.from.id, "$:LWCP_v1:$externalSender==");
	ck_assert_str_eq(ev.from.name, "Guest");
	ck_assert_str_eq(ev.reply_url, "");
	ck_assert_int_eq(ev.reply_url_expires, 0);
	ck_assert_int_eq(ev.at, 1700000100);
	free(body);
	adapter_dingtalk.free(priv);
}
END_TEST

/* The legacy member-event push (dingtalk.md section 1, "Join / leave") is
 * another scheme on another URL: as a robot callback it does not parse. */
START_TEST(legacy_member_push_is_not_a_callback)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	size_t len;
	char *body = fixture_read("dingtalk", "legacy_member_event.json", &len);

	ck_assert_int_eq(dt_parse(priv, body, len, &ev), ADAPTER_EPARSE);
	free(body);
	adapter_dingtalk.free(priv);
}
END_TEST

/* With oapi_base pointing at a test server, its session URLs count. */
START_TEST(session_webhook_follows_oapi_base)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, DT_OAPI "/", 0);
	struct chat_event ev;
	const char *body =
	    "{\"conversationId\":\"c\",\"msgId\":\"m\","
	    "\"senderId\":\"s\",\"conversationType\":\"2\","
	    "\"sessionWebhook\":\"" DT_OAPI "/robot/sendBySession?session=1\","
	    "\"sessionWebhookExpiredTime\":5000,"
	    "\"text\":{\"content\":\"hi\"}}";

	ck_assert_int_eq(dt_parse(priv, body, strlen(body), &ev), ADAPTER_OK);
	ck_assert_str_eq(ev.reply_url,
	    DT_OAPI "/robot/sendBySession?session=1");
	ck_assert_int_eq(ev.reply_url_expires, 5);
	ck_assert_int_eq(ev.to_bot, 0);
	adapter_dingtalk.free(priv);
}
END_TEST

/* Anything malformed is EPARSE, never a crash. */
static const char *const garbage_rows[] = {
	"",
	"{",
	"[]",
	"null",
	"{}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\"}",
	"{\"conversationId\":1,\"msgId\":\"m\",\"senderId\":\"s\"}",
	"{\"conversationId\":\"c\",\"msgId\":\"\",\"senderId\":\"s\"}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"text\":\"hi\"}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"text\":{\"content\":7}}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"atUsers\":{}}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"atUsers\":[\"x\"]}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"isInAtList\":\"yes\"}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"createAt\":\"1\"}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"msgtype\":\"richText\",\"content\":{\"richText\":[1]}}",
	"{\"conversationId\":\"c\",\"msgId\":\"m\",\"senderId\":\"s\","
	"\"content\":[]}",
	/* the legacy member-event push is not a robot callback */
	"{ \"EventType\": \"chat_add_member\", \"userId\": [\"wangwu0001\"] }",
};

START_TEST(garbage_is_eparse)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	enum adapter_rc got;

	got = dt_parse(priv, garbage_rows[_i], strlen(garbage_rows[_i]), &ev);
	ck_assert_msg(got == ADAPTER_EPARSE, "row %d: got %s", _i,
	    adapter_rc_str(got));
	adapter_dingtalk.free(priv);
}
END_TEST

START_TEST(truncated_and_huge_are_eparse)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	size_t len, i, n = 1 << 20;
	char *body = fixture_read("dingtalk", "group_text.json", &len), *huge;

	for (i = 0; i < len; i += 7)
		ck_assert_msg(dt_parse(priv, body, i, &ev) == ADAPTER_EPARSE,
		    "prefix %zu", i);
	huge = malloc(n);
	ck_assert_ptr_nonnull(huge);
	memset(huge, '[', n);
	ck_assert_int_eq(dt_parse(priv, huge, n, &ev), ADAPTER_EPARSE);
	free(huge);
	free(body);
	adapter_dingtalk.free(priv);
}
END_TEST

/* richText parts are joined; picture messages carry no text; a long text
 * is cut to the field; our own robot as sender is skipped. */
START_TEST(other_message_shapes)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_event ev;
	const char *rich =
	    "{\"conversationId\":\"c\",\"msgId\":\"m\","
	    "\"senderId\":\"s\",\"msgtype\":\"richText\","
	    "\"content\":{\"richText\":[{\"text\":\" /signup\"},"
	    "{\"pictureDownloadCode\":\"x\"},{\"text\":\" 3\"}]}}";
	const char *pic = "{\"conversationId\":\"c\",\"msgId\":\"m\","
			  "\"senderId\":\"s\",\"msgtype\":\"picture\","
			  "\"content\":{\"downloadCode\":\"x\"}}";
	const char *own = "{\"conversationId\":\"c\",\"msgId\":\"m\","
			  "\"senderId\":\"$:bot\",\"chatbotUserId\":\"$:bot\","
			  "\"text\":{\"content\":\"echo\"}}";
	json_t *j;
	char *s, *longtext = malloc(20001);

	ck_assert_int_eq(dt_parse(priv, rich, strlen(rich), &ev), ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/signup 3");
	ck_assert_int_eq(dt_parse(priv, pic, strlen(pic), &ev), ADAPTER_OK);
	ck_assert_str_eq(ev.text, "");
	ck_assert_int_eq(dt_parse(priv, own, strlen(own), &ev), ADAPTER_SKIP);

	ck_assert_ptr_nonnull(longtext);
	memset(longtext, 'a', 20000);
	longtext[20000] = '\0';
	j = json_pack("{s:s, s:s, s:s, s:{s:s}}", "conversationId", "c",
	    "msgId", "m", "senderId", "s", "text", "content", longtext);
	s = json_dumps(j, 0);
	ck_assert_int_eq(dt_parse(priv, s, strlen(s), &ev), ADAPTER_OK);
	ck_assert_uint_eq(strlen(ev.text), CHAT_TEXT_MAX - 1);
	free(s);
	json_decref(j);
	free(longtext);
	adapter_dingtalk.free(priv);
}
END_TEST

/* Custom robot: vector OUT in the query, credentials kept out of logs. */
START_TEST(format_custom_robot_signs_url)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *got, *want;

	msg.chat = "cidXYZabc123+Q8yF0m9kZw==";
	msg.text = "每日巡检：全部正常";
	msg.mention_id = "manager4521";
	msg.robot = "b0e1token:" OUT_SECRET;
	msg.now = 1700000000;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url,
	    "https://oapi.dingtalk.com/robot/send?access_token=b0e1token"
	    "&timestamp=" OUT_TS "&sign=" OUT_SIGN_URL);
	ck_assert_str_eq(req.log_url, "https://oapi.dingtalk.com/robot/send");
	ck_assert_ptr_null(strstr(req.log_url, "b0e1token"));
	ck_assert_str_eq(req.hdr[0],
	    "Content-Type: application/json; charset=utf-8");
	got = fixture_body(&req);
	want = json_pack("{s:s, s:{s:s}, s:{s:[s], s:b}}", "msgtype", "text",
	    "text", "content", "@manager4521 每日巡检：全部正常", "at",
	    "atUserIds", "manager4521", "isAtAll", 0);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	/* a robot secured by keyword only: no secret, no sign */
	msg.robot = "b0e1token";
	msg.mention_id = NULL;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url,
	    "https://oapi.dingtalk.com/robot/send?access_token=b0e1token");
	got = fixture_body(&req);
	want = json_pack("{s:s, s:{s:s}, s:{s:[], s:b}}", "msgtype", "text",
	    "text", "content", "每日巡检：全部正常", "at", "atUserIds",
	    "isAtAll", 0);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	msg.robot = "b0e1token:";
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), -1);
	msg.robot = ":" OUT_SECRET;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), -1);
	msg.robot = "b0e1token:" OUT_SECRET;
	msg.text = "\xff\xfe";
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), -1);
	adapter_dingtalk.free(priv);
}
END_TEST

START_TEST(format_session_webhook)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *got, *want;

	msg.chat = "cidXYZabc123+Q8yF0m9kZw==";
	msg.text = "全部服务正常";
	msg.mention_id = "manager4521";
	msg.reply_url = "https://oapi.dingtalk.com/robot/sendBySession?"
			"session=5b2e8d1f7a4c9e0b3d6f1a8c2e5b7d90";
	msg.now = 1700000000;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url, msg.reply_url);
	ck_assert_str_eq(req.log_url,
	    "https://oapi.dingtalk.com/robot/sendBySession");
	ck_assert_ptr_null(req.hdr[1]); /* no token */
	got = fixture_body(&req);
	want = json_pack("{s:s, s:{s:s}, s:{s:[s], s:b}}", "msgtype", "text",
	    "text", "content", "@manager4521 全部服务正常", "at", "atUserIds",
	    "manager4521", "isAtAll", 0);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
	adapter_dingtalk.free(priv);
}
END_TEST

/* OpenAPI: needs the token (and robot_code); msgParam is a JSON string. */
START_TEST(format_openapi_group_send)
{
	void *priv = dt_make(IN2_SECRET, 1, DT_API, NULL, 0);
	void *nocode = dt_make(IN2_SECRET, 0, DT_API, NULL, 0);
	struct chat_msg msg = { 0 };
	struct httpreq req;
	const char *tok = "{\"accessToken\":\"fw8ef8we8f76e6f7s8df\","
			  "\"expireIn\":7200}";
	struct httpresp r = { 200, tok, strlen(tok), NULL, NULL };
	json_t *got, *want, *param;

	msg.chat = "cidXYZabc123+Q8yF0m9kZw==";
	msg.text = "全部服务正常";
	msg.now = 1700000000;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), -1);
	ck_assert_int_eq(adapter_dingtalk.auth_parse(priv, &r, 1700000000), 0);
	ck_assert_int_eq(adapter_dingtalk.auth_parse(nocode, &r, 1700000000),
	    0);
	ck_assert_int_eq(adapter_dingtalk.format(nocode, &msg, &req), -1);

	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url, DT_API "/v1.0/robot/groupMessages/send");
	ck_assert_str_eq(req.log_url, req.url);
	ck_assert_str_eq(req.hdr[1],
	    "x-acs-dingtalk-access-token: fw8ef8we8f76e6f7s8df");
	got = fixture_body(&req);
	want = json_pack("{s:s, s:s, s:s}", "robotCode", DT_CODE,
	    "openConversationId", "cidXYZabc123+Q8yF0m9kZw==", "msgKey",
	    "sampleText");
	param = json_loads(json_string_value(json_object_get(got, "msgParam")),
	    0, NULL);
	ck_assert_ptr_nonnull(param);
	json_object_del(got, "msgParam");
	ck_assert(json_equal(got, want));
	json_decref(want);
	want = json_pack("{s:s}", "content", "全部服务正常");
	ck_assert(json_equal(param, want));
	json_decref(param);
	json_decref(want);
	json_decref(got);
	httpreq_clear(&req);

	msg.chat = NULL;
	ck_assert_int_eq(adapter_dingtalk.format(priv, &msg, &req), -1);
	adapter_dingtalk.free(priv);
	adapter_dingtalk.free(nocode);
}
END_TEST

/* Answers DingTalk gives (dingtalk.md sections 3 and 4). */
static const struct fixture_answer classify_rows[] = {
	{ 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", NULL, SEND_OK, 0 },
	{ 200, "{\"processQueryKey\":\"abc=\"}", NULL, SEND_OK, 0 },
	{ 200, "{\"errcode\":410100,\"errmsg\":\"send too fast\"}", NULL,
	    SEND_RETRY, 600000 },
	{ 200,
	    "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 "
	    "times per minute\"}",
	    NULL, SEND_RETRY, 600000 },
	{ 200, "{\"errcode\":-1,\"errmsg\":\"busy\"}", NULL, SEND_RETRY, 0 },
	{ 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"errcode\":400013,\"errmsg\":\"group dissolved\"}", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"errcode\":400101,\"errmsg\":\"access_token not found\"}",
	    NULL, SEND_FAIL, 0 },
	{ 200, "{\"errcode\":42001,\"errmsg\":\"expired\"}", NULL, SEND_AUTH,
	    0 },
	{ 403,
	    "{\"code\":\"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi\","
	    "\"message\":\"x\",\"requestid\":\"r\"}",
	    NULL, SEND_RETRY, 1000 },
	{ 403,
	    "{\"code\":\"Forbidden.AccessDenied.QpmLimitForAppkeyAndApi\","
	    "\"message\":\"x\"}",
	    NULL, SEND_RETRY, 60000 },
	{ 403, "{\"code\":\"Forbidden.AccessDenied.QpsLimitForApi\"}", "3",
	    SEND_RETRY, 3000 },
	{ 429, "{\"code\":\"system.busy\",\"message\":\"x\"}", NULL, SEND_RETRY,
	    0 },
	{ 429, "", "7", SEND_RETRY, 7000 },
	{ 400, "{\"code\":\"invalidParameter.robotCode.notExsit\"}", NULL,
	    SEND_FAIL, 0 },
	{ 400, "{\"code\":\"group.disbanded\"}", NULL, SEND_FAIL, 0 },
	{ 401, "{\"code\":\"InvalidAuthentication\",\"message\":\"x\"}", NULL,
	    SEND_AUTH, 0 },
	{ 400, "{\"code\":\"InvalidAuthentication\"}", NULL, SEND_AUTH, 0 },
	{ 403, "{\"status\":1111,\"wait\":5}", NULL, SEND_RETRY, 5000 },
	{ 500, "oops", NULL, SEND_RETRY, 0 },
	{ 502, "", "4", SEND_RETRY, 4000 },
	{ 0, NULL, NULL, SEND_RETRY, 0 },
	{ 200, "not json", NULL, SEND_FAIL, 0 },
	{ 200, "{}", NULL, SEND_FAIL, 0 },
	{ 404, "", NULL, SEND_FAIL, 0 },
};

START_TEST(classify_answers)
{
	void *priv = dt_make(IN2_SECRET, 1, NULL, NULL, 0);

	fixture_classify(&adapter_dingtalk, priv, &classify_rows[_i], _i);
	adapter_dingtalk.free(priv);
}
END_TEST

START_TEST(access_token_lifecycle)
{
	void *priv = dt_make(IN2_SECRET, 1, DT_API "/", NULL, 0);
	void *nocode = dt_make(IN2_SECRET, 0, NULL, NULL, 0);
	struct httpreq req;
	json_t *got, *want;
	const char *ok = "{\"accessToken\":\"tok1\",\"expireIn\":7200}";
	const char *bad[] = { "{\"accessToken\":\"\",\"expireIn\":7200}",
		"{\"accessToken\":\"t\",\"expireIn\":\"7200\"}",
		"{\"accessToken\":\"t\",\"expireIn\":0}",
		"{\"code\":\"invalidClientSecret\"}", "nope", NULL };
	struct httpresp r = { 200, ok, strlen(ok), NULL, NULL };
	size_t i;

	ck_assert_int_eq(adapter_dingtalk.auth_due(nocode, 1700000000), 0);
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000), 1);
	ck_assert_int_eq(adapter_dingtalk.auth_request(priv, &req), 0);
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.url, DT_API "/v1.0/oauth2/accessToken");
	ck_assert_ptr_null(strstr(req.log_url, IN2_SECRET));
	got = fixture_body(&req);
	want =
	    json_pack("{s:s, s:s}", "appKey", DT_KEY, "appSecret", IN2_SECRET);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	for (i = 0; bad[i] != NULL; i++) {
		struct httpresp b = { 200, bad[i], strlen(bad[i]), NULL, NULL };

		ck_assert_msg(adapter_dingtalk.auth_parse(priv, &b,
				  1700000000) == -1,
		    "bad %zu", i);
	}
	r.status = 400;
	ck_assert_int_eq(adapter_dingtalk.auth_parse(priv, &r, 1700000000), -1);
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000), 1);
	r.status = 200;
	ck_assert_int_eq(adapter_dingtalk.auth_parse(priv, &r, 1700000000), 0);
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000), 0);
	/* renewal margin: 10% of 7200 s = 720 s (more than 5 min) */
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000 + 6479), 0);
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000 + 6481), 1);
	ck_assert_int_eq(adapter_dingtalk.auth_due(priv, 1700000000 + 9000), 1);
	adapter_dingtalk.free(priv);
	adapter_dingtalk.free(nocode);
}
END_TEST

/* Config errors name the key. */
static const struct fixture_conf init_rows[] = {
	{ "{\"app_secret\":\"s\"}", "app_key: missing" },
	{ "{\"app_key\":\"k\"}", "app_secret: missing" },
	{ "{\"app_key\":1,\"app_secret\":\"s\"}",
	    "app_key: expected a string" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"token\":\"t\"}",
	    "token: unknown key" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"api_base\":\"ftp://x\"}",
	    "api_base: expected an http(s) URL" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"oapi_base\":\"x\"}",
	    "oapi_base: expected an http(s) URL" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"replay_window_s\":\"1\"}",
	    "replay_window_s: expected an integer" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"replay_window_s\":7200}",
	    "replay_window_s: must be 1..3600 (DingTalk signs for 1 hour)" },
	{ "{\"app_key\":\"k\",\"app_secret\":\"s\",\"robot_code\":\"\"}",
	    "robot_code: must be a non-empty string" },
};

START_TEST(init_names_the_key)
{
	fixture_init(&adapter_dingtalk, &init_rows[_i], _i);
}
END_TEST

START_TEST(registered_by_name)
{
	ck_assert_ptr_eq(adapter_ops_lookup("dingtalk"), &adapter_dingtalk);
	ck_assert_uint_eq(adapter_dingtalk.text_max, 6000);
}
END_TEST

Suite *
dingtalk_suite(void)
{
	Suite *s = suite_create("dingtalk");
	TCase *tc = tcase_create("dingtalk");

	tcase_add_loop_test(tc, sign_vectors_reproduce, 0,
	    sizeof(sign_rows) / sizeof(sign_rows[0]));
	tcase_add_loop_test(tc, verify_signs_timestamp_and_binds_body, 0,
	    sizeof(verify_rows) / sizeof(verify_rows[0]));
	tcase_add_test(tc, group_sample_parses);
	tcase_add_test(tc, private_content_sample_parses);
	tcase_add_test(tc, legacy_member_push_is_not_a_callback);
	tcase_add_test(tc, session_webhook_follows_oapi_base);
	tcase_add_loop_test(tc, garbage_is_eparse, 0,
	    sizeof(garbage_rows) / sizeof(garbage_rows[0]));
	tcase_add_test(tc, truncated_and_huge_are_eparse);
	tcase_add_test(tc, other_message_shapes);
	tcase_add_test(tc, format_custom_robot_signs_url);
	tcase_add_test(tc, format_session_webhook);
	tcase_add_test(tc, format_openapi_group_send);
	tcase_add_loop_test(tc, classify_answers, 0,
	    sizeof(classify_rows) / sizeof(classify_rows[0]));
	tcase_add_test(tc, access_token_lifecycle);
	tcase_add_loop_test(tc, init_names_the_key, 0,
	    sizeof(init_rows) / sizeof(init_rows[0]));
	tcase_add_test(tc, registered_by_name);
	suite_add_tcase(s, tc);
	return (s);
}
