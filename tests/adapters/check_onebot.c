/*
 * check_onebot.c -- the OneBot v11 adapter against shared/platforms/
 * onebot.md: its X-Signature vectors O1-O3 (verbatim), its sample events
 * in both message forms (tests/fixtures/onebot/), send_group_msg bodies
 * and the implementation's answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/onebot.h"
#include "tests/adapters/fixture.h"

/* onebot.md section 2, test vectors, verbatim. */
#define O1_SECRET "kSLuTF2GC2Q4q4ugm3"
#define O1_BODY                                                                \
	"{\"time\":1700000000,\"self_id\":10001000,\"post_type\":"             \
	"\"message\",\"message_type\":\"group\",\"sub_type\":\"normal\","      \
	"\"message_id\":-2147483000,\"group_id\":123456789,\"user_id\":"       \
	"12345678,\"anonymous\":null,\"message\":\"[CQ:at,qq=10001000] "       \
	"你好\",\"raw_message\":\"[CQ:at,qq=10001000] 你好\",\"font\":0,"  \
	"\"sender\":{\"user_id\":12345678,\"nickname\":\"小不点\","         \
	"\"card\":\"群名片\",\"sex\":\"unknown\",\"age\":0,\"area\":\"\","  \
	"\"level\":\"\",\"role\":\"member\",\"title\":\"\"}}"
#define O1_SIG    "sha1=16458446f11127f110bbb757088f1dcd6d6b9e9a"
#define O2_SECRET "some-secret"
#define O2_BODY   "{\"post_type\":\"meta_event\"}"
#define O2_SIG    "sha1=075b11a3eadbca8b04342a54e3d8e3c9f86f423e"
#define O3_SECRET ""
#define O3_BODY   ""
#define O3_SIG    "sha1=fbdb1d1b18aa6c08324b7d64b71fb76370690e1d"

#define OB_BASE  "http://127.0.0.1:5700"
#define OB_TOKEN "ob-access-Token"

Suite *onebot_suite(void);

static void *ob;

static void *ob_make(const char *, const char *, const char *);
static enum adapter_rc ob_parse_with(void *, const char *, size_t,
    struct chat_event *);
static enum adapter_rc ob_parse(const char *, struct chat_event *);
static enum adapter_rc ob_parse_file(const char *, struct chat_event *);
static void ob_setup(void);
static void ob_teardown(void);
static void ob_check_body(const struct httpreq *, json_t *);

/* An instance; NULL arguments leave the key out. */
static void *
ob_make(const char *secret, const char *token, const char *self)
{
	json_t *conf;
	void *priv = NULL;
	char err[256] = "";

	conf = json_pack("{s:s}", "api_base", OB_BASE "/");
	ck_assert_ptr_nonnull(conf);
	if (secret != NULL)
		json_object_set_new(conf, "secret", json_string(secret));
	if (token != NULL)
		json_object_set_new(conf, "access_token", json_string(token));
	if (self != NULL)
		json_object_set_new(conf, "self_id", json_string(self));
	ck_assert_msg(adapter_onebot.init(&priv, conf, err, sizeof(err)) == 0,
	    "init: %s", err);
	json_decref(conf);
	return (priv);
}

static enum adapter_rc
ob_parse_with(void *priv, const char *body, size_t len, struct chat_event *ev)
{
	static const char *const hdr[] = { "X-Self-ID", "10001000", NULL };
	struct webhook wh = { "POST", "", "", hdr, body, len };
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;

	rc = adapter_onebot.parse(priv, &wh, ev, &rep);
	ck_assert_ptr_null(rep.body);
	return (rc);
}

static enum adapter_rc
ob_parse(const char *body, struct chat_event *ev)
{
	return (ob_parse_with(ob, body, strlen(body), ev));
}

static enum adapter_rc
ob_parse_file(const char *name, struct chat_event *ev)
{
	enum adapter_rc rc;
	size_t len;
	char *body;

	body = fixture_read("onebot", name, &len);
	rc = ob_parse_with(ob, body, len, ev);
	free(body);
	return (rc);
}

static void
ob_setup(void)
{
	ob = ob_make(O1_SECRET, OB_TOKEN, NULL);
}

static void
ob_teardown(void)
{
	adapter_onebot.free(ob);
	ob = NULL;
}

/* ------------------------------------------------------------- config */

static const struct fixture_conf init_rows[] = {
	{ "{}", "api_base: missing" },
	{ "{\"api_base\":5700}", "api_base: expected a string" },
	{ "{\"api_base\":\"127.0.0.1:5700\"}",
	    "api_base: expected an http(s) URL" },
	{ "{\"api_base\":\"http://x\",\"token\":\"t\"}", "token: unknown key" },
	{ "{\"api_base\":\"http://x\",\"secret\":\"\"}", "secret: empty" },
	{ "{\"api_base\":\"http://x\",\"secret\":1}",
	    "secret: expected a string" },
	{ "{\"api_base\":\"http://x\",\"access_token\":\"a b\"}",
	    "access_token: empty or white space" },
	{ "{\"api_base\":\"http://x\",\"self_id\":10001000}",
	    "self_id: expected a string" },
	{ "{\"api_base\":\"http://x\",\"self_id\":\"qq10001000\"}",
	    "self_id: expected a QQ number" },
	{ "{\"api_base\":\"http://x\",\"secret\":\"s\",\"access_token\":\"t\","
	  "\"self_id\":\"10001000\"}",
	    NULL },
	{ "{\"api_base\":\"http://x\"}", NULL },
};

START_TEST(init_names_the_bad_key)
{
	fixture_init(&adapter_onebot, &init_rows[_i], _i);
}
END_TEST

/* ---- verification: onebot.md section 2 vectors, verbatim ---- */

/* O1-O3 through the X-Signature check itself (O3 needs an empty key). */
START_TEST(signature_vectors)
{
	ck_assert_uint_eq(strlen(O1_BODY), 420);
	ck_assert(onebot_sig_ok(O1_SECRET, strlen(O1_SECRET), O1_BODY,
	    strlen(O1_BODY), O1_SIG));
	ck_assert(onebot_sig_ok(O2_SECRET, strlen(O2_SECRET), O2_BODY,
	    strlen(O2_BODY), O2_SIG));
	ck_assert(onebot_sig_ok(O3_SECRET, 0, O3_BODY, 0, O3_SIG));
	ck_assert(!onebot_sig_ok(O3_SECRET, 0, " ", 1, O3_SIG));
	ck_assert(!onebot_sig_ok(O2_SECRET, strlen(O2_SECRET), O2_BODY,
	    strlen(O2_BODY), O1_SIG));
	ck_assert(!onebot_sig_ok(O2_SECRET, strlen(O2_SECRET), O2_BODY,
	    strlen(O2_BODY), NULL));
}
END_TEST

static const struct {
	const char *secret, *token; /* the instance's config */
	const char *hname, *hval;   /* the one header sent, or NULL */
	const char *query, *body;
	enum adapter_rc want;
} verify_rows[] = {
	{ O1_SECRET, NULL, "X-Signature", O1_SIG, "", O1_BODY, ADAPTER_OK },
	{ O2_SECRET, NULL, "x-signature", O2_SIG, "", O2_BODY, ADAPTER_OK },
	{ O2_SECRET, NULL, "X-Signature",
	    "sha1=075B11A3EADBCA8B04342A54E3D8E3C9F86F423E", "", O2_BODY,
	    ADAPTER_OK },
	/* one byte tampered, one appended */
	{ O2_SECRET, NULL, "X-Signature", O2_SIG, "",
	    "{\"post_type\":\"meta_evenT\"}", ADAPTER_EAUTH },
	{ O2_SECRET, NULL, "X-Signature", O2_SIG, "", O2_BODY "\n",
	    ADAPTER_EAUTH },
	/* missing header, wrong scheme, wrong secret, truncated */
	{ O2_SECRET, NULL, NULL, NULL, "", O2_BODY, ADAPTER_EAUTH },
	{ O2_SECRET, NULL, "X-Signature",
	    "sha256=075b11a3eadbca8b04342a54e3d8e3c9f86f423e", "", O2_BODY,
	    ADAPTER_EAUTH },
	{ O2_SECRET, NULL, "X-Signature",
	    "075b11a3eadbca8b04342a54e3d8e3c9f86f423e", "", O2_BODY,
	    ADAPTER_EAUTH },
	{ O1_SECRET, NULL, "X-Signature", O2_SIG, "", O2_BODY, ADAPTER_EAUTH },
	{ O2_SECRET, NULL, "X-Signature", "sha1=075b11a3", "", O2_BODY,
	    ADAPTER_EAUTH },
	/* a secret set: the access token alone does not do */
	{ O2_SECRET, OB_TOKEN, "Authorization", "Bearer " OB_TOKEN, "", O2_BODY,
	    ADAPTER_EAUTH },
	/* no secret: the access token, as header or query */
	{ NULL, OB_TOKEN, "Authorization", "Bearer " OB_TOKEN, "", O2_BODY,
	    ADAPTER_OK },
	{ NULL, OB_TOKEN, "Authorization", "Bearer wrong", "", O2_BODY,
	    ADAPTER_EAUTH },
	{ NULL, OB_TOKEN, "Authorization", "Token " OB_TOKEN, "", O2_BODY,
	    ADAPTER_EAUTH },
	{ NULL, OB_TOKEN, NULL, NULL, "access_token=" OB_TOKEN, O2_BODY,
	    ADAPTER_OK },
	{ NULL, OB_TOKEN, NULL, NULL, "access_token=x", O2_BODY,
	    ADAPTER_EAUTH },
	{ NULL, OB_TOKEN, NULL, NULL, "", O2_BODY, ADAPTER_EAUTH },
	/* neither: nothing is accepted */
	{ NULL, NULL, "X-Signature", O2_SIG, "", O2_BODY, ADAPTER_EAUTH },
	{ NULL, NULL, NULL, NULL, "", O2_BODY, ADAPTER_EAUTH },
};

START_TEST(verify_rejects_and_accepts)
{
	const char *hdr[] = { verify_rows[_i].hname, verify_rows[_i].hval,
		"X-Self-ID", "10001000", NULL };
	struct webhook wh = { "POST", verify_rows[_i].query, "", hdr,
		verify_rows[_i].body, strlen(verify_rows[_i].body) };
	enum adapter_rc got;
	void *priv;

	if (verify_rows[_i].hname == NULL) {
		hdr[0] = "X-Self-ID";
		hdr[1] = "10001000";
		hdr[2] = NULL;
	}
	priv = ob_make(verify_rows[_i].secret, verify_rows[_i].token, NULL);
	got = adapter_onebot.verify(priv, &wh, 0);
	adapter_onebot.free(priv);
	ck_assert_msg(got == verify_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

/* The recorded O1 fixture is byte for byte the vector's body. */
START_TEST(verify_fixture_o1)
{
	const char *hdr[] = { "X-Signature", O1_SIG, NULL };
	struct webhook wh = { "POST", "", "", hdr, NULL, 0 };
	char *body;
	size_t len;

	body = fixture_read("onebot", "o1_group_message.json", &len);
	ck_assert_uint_eq(len, 420);
	wh.body = body;
	wh.len = len;
	ck_assert_int_eq(adapter_onebot.verify(ob, &wh, 1700000000),
	    ADAPTER_OK);
	free(body);
}
END_TEST

/* ---------------------------------------------------------------- parse */

START_TEST(o1_group_message_to_bot)
{
	struct chat_event ev;

	ck_assert_int_eq(ob_parse_file("o1_group_message.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_int_eq(ev.at, 1700000000);
	ck_assert_str_eq(ev.event_id, "10001000:123456789:-2147483000");
	ck_assert_str_eq(ev.chat, "123456789");
	ck_assert_str_eq(ev.msg_id, "-2147483000");
	ck_assert_str_eq(ev.from.id, "12345678");
	ck_assert_str_eq(ev.from.name, "群名片");
	ck_assert_str_eq(ev.from.username, "");
	ck_assert_str_eq(ev.text, "你好");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_uint_eq(ev.nmentions, 0);
}
END_TEST

/* onebot.md section 1: the string form and the array form agree. */
START_TEST(string_and_array_forms_agree)
{
	static const char *const files[] = { "group_message.json",
		"group_message_array.json" };
	struct chat_event ev;
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert_msg(ob_parse_file(files[i], &ev) == ADAPTER_OK, "%s",
		    files[i]);
		ck_assert_str_eq(ev.text, "状态怎么样");
		ck_assert_int_eq(ev.to_bot, 1);
		ck_assert_str_eq(ev.from.name, "运维-小不点");
		ck_assert_str_eq(ev.event_id, "10001000:123456789:-2147483000");
		/* the reply segment names a message, not its author */
		ck_assert_str_eq(ev.reply_to.id, "");
		ck_assert_uint_eq(ev.nmentions, 0);
	}
}
END_TEST

static const struct {
	const char *message; /* JSON value of "message" */
	const char *text;
	int to_bot;
	const char *mention; /* first mention id, or "" */
} text_rows[] = {
	{ "\"[CQ:at,qq=10001000] /signup 3\"", "/signup 3", 1, "" },
	{ "\"/warn [CQ:at,qq=222] 迟到\"", "/warn @222 迟到", 0, "222" },
	{ "\"a &#91;b&#93; &amp;amp; c&#44;d\"", "a [b] &amp; c,d", 0, "" },
	{ "\"[CQ:face,id=1]报名[CQ:image,file=x.jpg,url=http://a/b?c&#44;d]\"",
	    "报名", 0, "" },
	{ "\"[CQ:at,qq=all] 收到\"", "收到", 0, "" },
	{ "\"[CQ:at,qq=10001000]\\u3000活动\"", "活动", 1, "" },
	{ "\"[CQ:at,qq=10001000\"", "[CQ:at,qq=10001000", 0, "" },
	{ "\"[CQ:]x[CQ:at]\"", "x", 0, "" },
	{ "[{\"type\":\"at\",\"data\":{\"qq\":10001000}},{\"type\":\"text\","
	  "\"data\":{\"text\":\" /cancel 2\"}}]",
	    "/cancel 2", 1, "" },
	{ "[{\"type\":\"text\",\"data\":{\"text\":\"/blacklist \"}},"
	  "{\"type\":\"at\",\"data\":{\"qq\":\"333\",\"name\":\"Bob\"}}]",
	    "/blacklist @333", 0, "333" },
	{ "\"\"", "", 0, "" },
	{ "[]", "", 0, "" },
};

START_TEST(message_text_and_mentions)
{
	struct chat_event ev;
	char *body;

	body = malloc(strlen(text_rows[_i].message) + 256);
	ck_assert_ptr_nonnull(body);
	sprintf(body,
	    "{\"time\":1,\"self_id\":10001000,\"post_type\":\"message\","
	    "\"message_type\":\"group\",\"message_id\":7,\"group_id\":9,"
	    "\"user_id\":5,\"message\":%s}",
	    text_rows[_i].message);
	ck_assert_msg(ob_parse(body, &ev) == ADAPTER_OK, "row %d", _i);
	ck_assert_msg(strcmp(ev.text, text_rows[_i].text) == 0,
	    "row %d: text \"%s\"", _i, ev.text);
	ck_assert_msg(ev.to_bot == text_rows[_i].to_bot, "row %d: to_bot", _i);
	if (text_rows[_i].mention[0] == '\0')
		ck_assert_msg(ev.nmentions == 0, "row %d: mentions", _i);
	else {
		ck_assert_msg(ev.nmentions == 1, "row %d: mentions", _i);
		ck_assert_str_eq(ev.mentions[0].id, text_rows[_i].mention);
	}
	free(body);
}
END_TEST

/* self_id from the config wins over the event's. */
START_TEST(configured_self_id_detects_mention)
{
	static const char body[] =
	    "{\"time\":1,\"self_id\":1,\"post_type\":\"message\","
	    "\"message_type\":\"group\",\"message_id\":7,\"group_id\":9,"
	    "\"user_id\":5,\"message\":\"[CQ:at,qq=424242] /me\"}";
	struct chat_event ev;
	void *priv = ob_make(O1_SECRET, NULL, "424242");

	ck_assert_int_eq(ob_parse_with(priv, body, strlen(body), &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "/me");
	ck_assert_str_eq(ev.event_id, "424242:9:7");
	adapter_onebot.free(priv);
}
END_TEST

START_TEST(private_message_chat_id)
{
	struct chat_event ev;

	ck_assert_int_eq(ob_parse_file("private_message.json", &ev),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.chat, "private:12345678");
	ck_assert_int_eq(ev.is_group, 0);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "/me");
	ck_assert_str_eq(ev.from.name, "小不点");
	ck_assert_str_eq(ev.event_id, "10001000:private:12345678:12345");
	ck_assert_int_eq(ev.at, 1700000500);
}
END_TEST

START_TEST(join_and_leave_notices)
{
	struct chat_event ev;

	ck_assert_int_eq(ob_parse_file("group_increase.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_JOIN);
	ck_assert_str_eq(ev.chat, "123456789");
	ck_assert_str_eq(ev.from.id, "34567890");
	ck_assert_str_eq(ev.event_id,
	    "10001000:group_increase:123456789:34567890:1700000100");
	ck_assert_int_eq(ev.at, 1700000100);
	ck_assert_int_eq(ev.is_group, 1);

	ck_assert_int_eq(ob_parse_file("group_decrease.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_LEAVE);
	ck_assert_str_eq(ev.from.id, "34567890");
	ck_assert_str_eq(ev.event_id,
	    "10001000:group_decrease:123456789:34567890:1700000200");
}
END_TEST

static const struct {
	const char *body;
	enum adapter_rc want;
} skip_rows[] = {
	{ O2_BODY, ADAPTER_SKIP },
	{ "{\"post_type\":\"meta_event\",\"meta_event_type\":\"lifecycle\","
	  "\"sub_type\":\"connect\",\"self_id\":1,\"time\":1}",
	    ADAPTER_SKIP },
	{ "{\"post_type\":\"request\",\"request_type\":\"group\"}",
	    ADAPTER_SKIP },
	{ "{\"post_type\":\"notice\",\"notice_type\":\"group_recall\","
	  "\"group_id\":9,\"user_id\":5}",
	    ADAPTER_SKIP },
	{ "{\"post_type\":\"message_sent\",\"message_type\":\"group\"}",
	    ADAPTER_SKIP },
	/* our own message reported back */
	{ "{\"time\":1,\"self_id\":10001000,\"post_type\":\"message\","
	  "\"message_type\":\"group\",\"message_id\":7,\"group_id\":9,"
	  "\"user_id\":10001000,\"message\":\"hi\"}",
	    ADAPTER_SKIP },
	/* anonymous: every such sender shares one user_id */
	{ "{\"time\":1,\"self_id\":10001000,\"post_type\":\"message\","
	  "\"message_type\":\"group\",\"sub_type\":\"anonymous\","
	  "\"message_id\":7,\"group_id\":9,\"user_id\":80000000,"
	  "\"anonymous\":{\"id\":1,\"name\":\"x\",\"flag\":\"f\"},"
	  "\"message\":\"/signup\"}",
	    ADAPTER_SKIP },
	{ "{\"post_type\":\"message\",\"message_type\":\"guild\"}",
	    ADAPTER_SKIP },
};

START_TEST(skips_what_is_not_for_core)
{
	struct chat_event ev;
	enum adapter_rc got;

	got = ob_parse(skip_rows[_i].body, &ev);
	ck_assert_msg(got == skip_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

START_TEST(recorded_heartbeat_skips)
{
	struct chat_event ev;

	ck_assert_int_eq(ob_parse_file("heartbeat.json", &ev), ADAPTER_SKIP);
	ck_assert_int_eq(ob_parse_file("o2_meta_event.json", &ev),
	    ADAPTER_SKIP);
}
END_TEST

static const char *const garbage_rows[] = {
	"",
	"{",
	"[]",
	"null",
	"{\"post_type\":1}",
	"{\"post_type\":\"message\"}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"user_id\":5,"
	"\"message_id\":7,\"message\":\"x\"}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":"
	"\"abc\",\"user_id\":5,\"message_id\":7,\"message\":\"x\"}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":9,"
	"\"user_id\":5,\"message_id\":7,\"message\":5}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":9,"
	"\"user_id\":5,\"message_id\":7,\"message\":[5]}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":9,"
	"\"user_id\":5,\"message_id\":7,\"message\":[{\"type\":\"text\","
	"\"data\":{\"text\":5}}]}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":9,"
	"\"user_id\":5,\"message_id\":7,\"message\":[{\"type\":\"text\"}]}",
	"{\"post_type\":\"message\",\"message_type\":\"group\",\"group_id\":9,"
	"\"user_id\":{},\"message_id\":7,\"message\":\"x\"}",
	"{\"post_type\":\"notice\",\"notice_type\":\"group_increase\","
	"\"group_id\":9}",
	"{\"post_type\":\"notice\"}",
};

START_TEST(garbage_is_an_error_not_a_crash)
{
	struct chat_event ev;
	enum adapter_rc got;

	got = ob_parse(garbage_rows[_i], &ev);
	ck_assert_msg(got == ADAPTER_EPARSE, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

/* A 100 kB message is cut to fit chat_event.text, at a UTF-8 boundary. */
START_TEST(huge_message_is_cut)
{
	struct chat_event ev;
	json_t *root;
	char *text, *body;
	size_t i;

	text = malloc(100001);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i + 3 <= 100000; i += 3)
		memcpy(text + i, "\xe4\xbd\xa0", 3);
	text[i] = '\0';
	root = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "post_type",
	    "message", "message_type", "group", "group_id", 9, "user_id", 5,
	    "message_id", 7, "message", text);
	ck_assert_ptr_nonnull(root);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	ck_assert_int_eq(ob_parse(body, &ev), ADAPTER_OK);
	ck_assert_uint_le(strlen(ev.text), CHAT_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(ev.text) % 3, 0);
	free(body);
	free(text);
}
END_TEST

/* --------------------------------------------------------------- format */

static void
ob_check_body(const struct httpreq *req, json_t *want)
{
	json_t *got = json_loads(req->body, 0, NULL);

	ck_assert_ptr_nonnull(want);
	ck_assert_msg(json_equal(got, want), "body %s", req->body);
	json_decref(got);
	json_decref(want);
}

START_TEST(format_group_message)
{
	struct chat_msg msg = { .chat = "123456789", .text = "全部服务正常" };
	struct httpreq req;

	ck_assert_int_eq(adapter_onebot.format(ob, &msg, &req), 0);
	ck_assert_str_eq(req.url, OB_BASE "/send_group_msg");
	ck_assert_str_eq(req.log_url, OB_BASE "/send_group_msg");
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0], "Content-Type: application/json");
	ck_assert_str_eq(req.hdr[1], "Authorization: Bearer " OB_TOKEN);
	ck_assert_ptr_null(req.hdr[2]);
	ob_check_body(&req,
	    json_pack("{s:I, s:s, s:b}", "group_id", (json_int_t)123456789,
		"message", "全部服务正常", "auto_escape", 0));
	httpreq_clear(&req);
}
END_TEST

/* Reply and @ lead the text as CQ codes; the text itself is escaped. */
START_TEST(format_reply_mention_escape)
{
	struct chat_msg msg = { .chat = "123456789",
		.text = "[CQ:at,qq=all] & co, 1",
		.reply_to = "-2147483000",
		.mention_id = "12345678" };
	struct httpreq req;

	ck_assert_int_eq(adapter_onebot.format(ob, &msg, &req), 0);
	ob_check_body(&req, json_pack("{s:I, s:s, s:b}", "group_id",
				(json_int_t)123456789, "message",
				"[CQ:reply,id=-2147483000][CQ:at,qq=12345678] "
				"&#91;CQ:at,qq=all&#93; &amp; co, 1",
				"auto_escape", 0));
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_private_message)
{
	struct chat_msg msg = { .chat = "private:12345678", .text = "hi" };
	struct httpreq req;
	void *priv = ob_make(O1_SECRET, NULL, NULL);

	ck_assert_int_eq(adapter_onebot.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url, OB_BASE "/send_private_msg");
	ck_assert_ptr_null(req.hdr[1]); /* no access_token configured */
	ob_check_body(&req,
	    json_pack("{s:I, s:s, s:b}", "user_id", (json_int_t)12345678,
		"message", "hi", "auto_escape", 0));
	httpreq_clear(&req);
	adapter_onebot.free(priv);
}
END_TEST

START_TEST(format_refuses_what_it_cannot_encode)
{
	static const struct chat_msg bad[] = {
		{ .chat = "123", .text = "a\xff" },
		{ .chat = "", .text = "a" },
		{ .chat = "C123", .text = "a" },
		{ .chat = "private:", .text = "a" },
		{ .chat = "private:x1", .text = "a" },
		{ .chat = "123", .text = NULL },
		{ .chat = NULL, .text = "a" },
	};
	struct httpreq req;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(adapter_onebot.format(ob, &bad[i], &req) == -1,
		    "row %zu", i);
}
END_TEST

/* kick_on_blacklist: set_group_kick, later join requests still allowed. */
START_TEST(kick_posts_set_group_kick)
{
	struct httpreq req;
	json_t *got, *want;
	void *priv;

	ck_assert_int_eq(adapter_onebot.kick(ob, "123456789", "12345678",
			     1700000000, &req),
	    0);
	ck_assert_str_eq(req.url, OB_BASE "/set_group_kick");
	ck_assert_str_eq(req.log_url, OB_BASE "/set_group_kick");
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0], "Content-Type: application/json");
	ck_assert_str_eq(req.hdr[1], "Authorization: Bearer " OB_TOKEN);
	ck_assert_ptr_null(req.hdr[2]);
	ck_assert_ptr_null(strstr(req.log_url, OB_TOKEN));
	got = fixture_body(&req);
	want = json_pack("{s:I, s:I, s:b}", "group_id", (json_int_t)123456789,
	    "user_id", (json_int_t)12345678, "reject_add_request", 0);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	/* Without an access_token there is no Authorization header. */
	priv = ob_make(O1_SECRET, NULL, NULL);
	ck_assert_int_eq(adapter_onebot.kick(priv, "123456789", "12345678",
			     1700000000, &req),
	    0);
	ck_assert_str_eq(req.hdr[0], "Content-Type: application/json");
	ck_assert_ptr_null(req.hdr[1]);
	httpreq_clear(&req);
	adapter_onebot.free(priv);
}
END_TEST

static const struct {
	const char *chat, *user;
} kick_bad_rows[] = {
	{ "private:12345678", "12345678" }, /* a private chat */
	{ "private:", "12345678" }, { "", "12345678" }, { NULL, "12345678" },
	{ "-123456789", "12345678" }, { "0", "12345678" },
	{ "12345678901234567890", "12345678" }, { "123456789", "" },
	{ "123456789", NULL }, { "123456789", "12345678 " },
	{ "123456789", "-12345678" },
	{ "123456789", "10001000" }, /* the bot itself (self_id) */
};

/* Chats and users that cannot be removed: -1 and nothing to free. */
START_TEST(kick_refuses_private_self_and_bad_ids)
{
	struct httpreq req;
	void *priv = ob_make(O1_SECRET, OB_TOKEN, "10001000");

	ck_assert_msg(adapter_onebot.kick(priv, kick_bad_rows[_i].chat,
			  kick_bad_rows[_i].user, 1700000000, &req) == -1,
	    "row %d", _i);
	ck_assert_msg(req.url == NULL && req.body == NULL, "row %d", _i);
	adapter_onebot.free(priv);
}
END_TEST

START_TEST(cq_escape_rules)
{
	char *s;

	s = onebot_cq_escape("[a],&b", 0);
	ck_assert_str_eq(s, "&#91;a&#93;,&amp;b");
	free(s);
	s = onebot_cq_escape("[a],&b", 1);
	ck_assert_str_eq(s, "&#91;a&#93;&#44;&amp;b");
	free(s);
	ck_assert_ptr_eq(adapter_ops_lookup("onebot"), &adapter_onebot);
	ck_assert_uint_gt(adapter_onebot.text_max, 0);
}
END_TEST

/* ------------------------------------------------------------- classify */

static const struct fixture_answer classify_rows[] = {
	/* onebot.md section 3 answers */
	{ 200,
	    "{ \"status\": \"ok\", \"retcode\": 0, \"data\": { \"message_id\": "
	    "-2147482980 }, \"message\": \"\", \"wording\": \"\" }",
	    NULL, SEND_OK, 0 },
	{ 200,
	    "{ \"status\": \"failed\", \"retcode\": 100, \"data\": null, "
	    "\"msg\": \"GROUP_NOT_FOUND\", \"wording\": \"群聊不存在\", "
	    "\"message\": \"群聊不存在\" }",
	    NULL, SEND_FAIL, 0 },
	{ 200, "{\"status\":\"async\",\"retcode\":1,\"data\":null}", NULL,
	    SEND_OK, 0 },
	{ 200, "{\"retcode\":0}", NULL, SEND_OK, 0 },
	{ 200, "{\"retcode\":100}", NULL, SEND_FAIL, 0 },
	{ 200, "", NULL, SEND_FAIL, 0 },
	{ 200, "not json", NULL, SEND_FAIL, 0 },
	{ 401, "", NULL, SEND_FAIL, 0 },
	{ 403, "", NULL, SEND_FAIL, 0 },
	{ 404, "", NULL, SEND_FAIL, 0 },
	{ 406, "", NULL, SEND_FAIL, 0 },
	{ 400, "", NULL, SEND_FAIL, 0 },
	{ 429, "", "3", SEND_RETRY, 3000 },
	{ 500, "", NULL, SEND_RETRY, 0 },
	{ 502, "", NULL, SEND_RETRY, 0 },
	{ 0, "", NULL, SEND_RETRY, 0 },
};

START_TEST(classify_answers)
{
	fixture_classify(&adapter_onebot, ob, &classify_rows[_i], _i);
}
END_TEST

Suite *
onebot_suite(void)
{
	Suite *s = suite_create("onebot");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_loop_test(tc, init_names_the_bad_key, 0,
	    sizeof(init_rows) / sizeof(init_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, ob_setup, ob_teardown);
	tcase_add_test(tc, signature_vectors);
	tcase_add_loop_test(tc, verify_rejects_and_accepts, 0,
	    sizeof(verify_rows) / sizeof(verify_rows[0]));
	tcase_add_test(tc, verify_fixture_o1);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, ob_setup, ob_teardown);
	tcase_add_test(tc, o1_group_message_to_bot);
	tcase_add_test(tc, string_and_array_forms_agree);
	tcase_add_loop_test(tc, message_text_and_mentions, 0,
	    sizeof(text_rows) / sizeof(text_rows[0]));
	tcase_add_test(tc, configured_self_id_detects_mention);
	tcase_add_test(tc, private_message_chat_id);
	tcase_add_test(tc, join_and_leave_notices);
	tcase_add_loop_test(tc, skips_what_is_not_for_core, 0,
	    sizeof(skip_rows) / sizeof(skip_rows[0]));
	tcase_add_test(tc, recorded_heartbeat_skips);
	tcase_add_loop_test(tc, garbage_is_an_error_not_a_crash, 0,
	    sizeof(garbage_rows) / sizeof(garbage_rows[0]));
	tcase_add_test(tc, huge_message_is_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, ob_setup, ob_teardown);
	tcase_add_test(tc, format_group_message);
	tcase_add_test(tc, format_reply_mention_escape);
	tcase_add_test(tc, format_private_message);
	tcase_add_test(tc, format_refuses_what_it_cannot_encode);
	tcase_add_test(tc, cq_escape_rules);
	tcase_add_test(tc, kick_posts_set_group_kick);
	tcase_add_loop_test(tc, kick_refuses_private_self_and_bad_ids, 0,
	    sizeof(kick_bad_rows) / sizeof(kick_bad_rows[0]));
	tcase_add_loop_test(tc, classify_answers, 0,
	    sizeof(classify_rows) / sizeof(classify_rows[0]));
	suite_add_tcase(s, tc);
	return (s);
}
