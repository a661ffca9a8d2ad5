/*
 * check_slack.c -- the Slack adapter against shared/platforms/slack.md:
 * its v0 signature vectors S1 and S2 (verbatim), its sample envelopes
 * (tests/fixtures/slack/), slash commands, chat.postMessage bodies and
 * the Web API's answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/slack.h"
#include "tests/adapters/fixture.h"

/* slack.md section 2, "S1 -- Slack's own documented inputs", verbatim. */
#define S1_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define S1_TS     "1531420618"
#define S1_BODY                                                                \
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="        \
	"testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id="        \
	"U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"     \
	"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J"    \
	"%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="               \
	"398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
#define S1_SIG                                                                 \
	"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

/* slack.md section 2, "S2 -- Events API JSON body", verbatim. */
#define S2_SECRET "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define S2_TS     "1700000000"
#define S2_BODY                                                                \
	"{\"token\":\"XXYYZZ\",\"team_id\":\"T0001\",\"api_app_id\":"          \
	"\"A0001\",\"event\":{\"type\":\"message\",\"channel\":"               \
	"\"C0123ABC\",\"user\":\"U0456DEF\",\"text\":\"hello "                 \
	"<@U0BOT>\",\"ts\":\"1700000000.000100\",\"channel_type\":"            \
	"\"channel\"},\"type\":\"event_callback\",\"event_id\":"               \
	"\"Ev0001\",\"event_time\":1700000000}"
#define S2_SIG                                                                 \
	"v0=fafe8d071ddfc6748ff13cbca21a4299e9cf17dfcc77e1ebfd0634b254e03770"

#define SL_TOKEN "xoxb-1234-5678-abcdEFGHijkl"
#define SL_BASE  "http://127.0.0.1:8082/api"

Suite *slack_suite(void);

static void *sl;

static void *sl_make(const char *, const char *);
static enum adapter_rc sl_parse_with(void *, const char *, size_t, const char *,
    struct chat_event *, struct webreply *);
static enum adapter_rc sl_parse(const char *, struct chat_event *);
static enum adapter_rc sl_parse_file(void *, const char *, struct chat_event *);
static void sl_setup(void);
static void sl_teardown(void);

/* An instance with S2's secret and the given bot_user_id (NULL: none). */
static void *
sl_make(const char *secret, const char *bot)
{
	json_t *conf;
	void *priv = NULL;
	char err[256] = "";

	conf = json_pack("{s:s, s:s, s:s}", "signing_secret", secret,
	    "bot_token", SL_TOKEN, "api_base", SL_BASE "/");
	ck_assert_ptr_nonnull(conf);
	if (bot != NULL)
		json_object_set_new(conf, "bot_user_id", json_string(bot));
	ck_assert_msg(adapter_slack.init(&priv, conf, err, sizeof(err)) == 0,
	    "init: %s", err);
	json_decref(conf);
	return (priv);
}

/* Parse body with the given Content-Type (NULL: none sent). */
static enum adapter_rc
sl_parse_with(void *priv, const char *body, size_t len, const char *ctype,
    struct chat_event *ev, struct webreply *rep)
{
	const char *hdr[] = { "X-Slack-Request-Timestamp", S1_TS,
		"Content-Type", ctype, NULL };
	struct webhook wh = { "POST", "", "", hdr, body, len };

	if (ctype == NULL)
		hdr[2] = NULL;
	return (adapter_slack.parse(priv, &wh, ev, rep));
}

static enum adapter_rc
sl_parse(const char *body, struct chat_event *ev)
{
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;

	rc =
	    sl_parse_with(sl, body, strlen(body), "application/json", ev, &rep);
	ck_assert_ptr_null(rep.body);
	return (rc);
}

static enum adapter_rc
sl_parse_file(void *priv, const char *name, struct chat_event *ev)
{
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;
	size_t len;
	char *body;

	body = fixture_read("slack", name, &len);
	rc = sl_parse_with(priv, body, len, "application/json", ev, &rep);
	ck_assert_ptr_null(rep.body);
	free(body);
	return (rc);
}

static void
sl_setup(void)
{
	sl = sl_make(S2_SECRET, NULL);
}

static void
sl_teardown(void)
{
	adapter_slack.free(sl);
	sl = NULL;
}

/* ------------------------------------------------------------- config */

static const struct fixture_conf init_rows[] = {
	{ "{\"bot_token\":\"xoxb-1\"}", "signing_secret: missing" },
	{ "{\"signing_secret\":\"s\"}", "bot_token: missing" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":\"xoxb-1\",\"x\":\"1\"}",
	    "x: unknown key" },
	{ "{\"signing_secret\":1,\"bot_token\":\"xoxb-1\"}",
	    "signing_secret: expected a string" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":true}",
	    "bot_token: expected a string" },
	{ "{\"signing_secret\":\"\",\"bot_token\":\"xoxb-1\"}",
	    "signing_secret: empty" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":\"xoxp-1\"}",
	    "bot_token: expected a bot token (xoxb-)" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":\"xoxb-1\","
	  "\"bot_user_id\":\"<@U1>\"}",
	    "bot_user_id: expected a user id (U...)" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":\"xoxb-1\","
	  "\"api_base\":\"slack.com\"}",
	    "api_base: expected an http(s) URL" },
	{ "{\"signing_secret\":\"s\",\"bot_token\":\"xoxb-1\","
	  "\"bot_user_id\":\"U0BOT1234\",\"api_base\":\"https://x/api\"}",
	    NULL },
};

START_TEST(init_names_the_bad_key)
{
	fixture_init(&adapter_slack, &init_rows[_i], _i);
}
END_TEST

START_TEST(public_api_base_is_the_default)
{
	json_t *conf = json_pack("{s:s, s:s}", "signing_secret", "s",
	    "bot_token", SL_TOKEN);
	struct chat_msg msg = { .chat = "C1", .text = "x" };
	struct httpreq req;
	void *priv = NULL;
	char err[256] = "";

	ck_assert_int_eq(adapter_slack.init(&priv, conf, err, sizeof(err)), 0);
	json_decref(conf);
	ck_assert_int_eq(adapter_slack.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url, "https://slack.com/api/chat.postMessage");
	httpreq_clear(&req);
	adapter_slack.free(priv);
	adapter_slack.free(NULL);
}
END_TEST

/* ---- verification: slack.md section 2 vectors S1 and S2, verbatim ---- */

static const struct {
	const char *secret, *ts, *sig, *body;
	int64_t now;
	enum adapter_rc want;
} verify_rows[] = {
	{ S1_SECRET, S1_TS, S1_SIG, S1_BODY, 1531420618, ADAPTER_OK },
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000, ADAPTER_OK },
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000 + 300, ADAPTER_OK },
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000 - 300, ADAPTER_OK },
	/* stale, and from the future */
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000 + 301, ADAPTER_EAUTH },
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000 - 301, ADAPTER_EAUTH },
	/* one byte of the body tampered, one byte appended */
	{ S2_SECRET, S2_TS, S2_SIG,
	    "{\"token\":\"XXYYZZ\",\"team_id\":\"T0002\"", 1700000000,
	    ADAPTER_EAUTH },
	{ S2_SECRET, S2_TS, S2_SIG, S2_BODY " ", 1700000000, ADAPTER_EAUTH },
	/* the timestamp the signature covers changed */
	{ S2_SECRET, "1700000001", S2_SIG, S2_BODY, 1700000000, ADAPTER_EAUTH },
	/* missing headers */
	{ S2_SECRET, NULL, S2_SIG, S2_BODY, 1700000000, ADAPTER_EAUTH },
	{ S2_SECRET, S2_TS, NULL, S2_BODY, 1700000000, ADAPTER_EAUTH },
	/* wrong scheme, wrong secret, truncated, garbage timestamp */
	{ S2_SECRET, S2_TS,
	    "v1="
	    "fafe8d071ddfc6748ff13cbca21a4299e9cf17dfcc77e1ebfd0634b254e03770",
	    S2_BODY, 1700000000, ADAPTER_EAUTH },
	{ S1_SECRET, S2_TS, S2_SIG, S2_BODY, 1700000000, ADAPTER_EAUTH },
	{ S2_SECRET, S2_TS, "v0=fafe8d071ddfc6748ff13cbca21a4299", S2_BODY,
	    1700000000, ADAPTER_EAUTH },
	{ S2_SECRET, "17e8", S2_SIG, S2_BODY, 1700000000, ADAPTER_EAUTH },
	{ S2_SECRET, "", S2_SIG, S2_BODY, 1700000000, ADAPTER_EAUTH },
};

START_TEST(verify_signature_and_window)
{
	const char *hdr[] = { "X-Slack-Signature", verify_rows[_i].sig,
		"X-Slack-Request-Timestamp", verify_rows[_i].ts, NULL };
	struct webhook wh = { "POST", "", "", hdr, verify_rows[_i].body,
		strlen(verify_rows[_i].body) };
	enum adapter_rc got;
	void *priv;

	if (verify_rows[_i].ts == NULL)
		hdr[2] = NULL;
	if (verify_rows[_i].sig == NULL) {
		hdr[0] = hdr[2];
		hdr[1] = hdr[3];
		hdr[2] = NULL;
	}
	priv = sl_make(verify_rows[_i].secret, NULL);
	got = adapter_slack.verify(priv, &wh, verify_rows[_i].now);
	adapter_slack.free(priv);
	ck_assert_msg(got == verify_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

/* The recorded S2 fixture is byte for byte the vector's body. */
START_TEST(verify_fixture_s2)
{
	const char *hdr[] = { "x-slack-signature", S2_SIG,
		"x-slack-request-timestamp", S2_TS, NULL };
	struct webhook wh = { "POST", "", "", hdr, NULL, 0 };
	char *body;
	size_t len;

	body = fixture_read("slack", "s2_event.json", &len);
	ck_assert_uint_eq(len, 265);
	wh.body = body;
	wh.len = len;
	ck_assert_int_eq(adapter_slack.verify(sl, &wh, 1700000000), ADAPTER_OK);
	free(body);
}
END_TEST

/* ---------------------------------------------------------------- parse */

START_TEST(url_verification_echoes_challenge)
{
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;
	char *body;
	size_t len;

	body = fixture_read("slack", "url_verification.json", &len);
	ck_assert_int_eq(sl_parse_with(sl, body, len, "application/json", &ev,
			     &rep),
	    ADAPTER_REPLY);
	ck_assert_str_eq(rep.body, "Hq7Tz3WkP0cVn5LbR8sJ2mYdF6gQa1Xe9uC4iKo");
	ck_assert_str_eq(rep.ctype, "text/plain");
	ck_assert(rep.status == 0 || rep.status == 200);
	free(rep.body);
	free(body);
}
END_TEST

/* slack.md section 1 sample: the bot is found in authorizations[]. */
START_TEST(thread_message_mentioning_bot)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse_file(sl, "message_thread.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_int_eq(ev.at, 1700000000);
	ck_assert_str_eq(ev.event_id, "C0123ABCD:1700000000.000100");
	ck_assert_str_eq(ev.chat, "C0123ABCD");
	ck_assert_str_eq(ev.msg_id, "1700000000.000100");
	ck_assert_str_eq(ev.thread, "1699999900.000200");
	ck_assert_str_eq(ev.from.id, "U0456EFGH");
	ck_assert_str_eq(ev.text, "status please");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_str_eq(ev.reply_url, "");
}
END_TEST

/* S2's body: "hello <@U0BOT>" is for the bot only if we know its id. */
START_TEST(s2_mention_needs_bot_id)
{
	struct chat_event ev;
	void *priv;

	ck_assert_int_eq(sl_parse(S2_BODY, &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.to_bot, 0);
	ck_assert_str_eq(ev.text, "hello @U0BOT");
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].id, "U0BOT");
	ck_assert_str_eq(ev.thread, "");
	ck_assert_str_eq(ev.chat, "C0123ABC");

	priv = sl_make(S2_SECRET, "U0BOT");
	ck_assert_int_eq(sl_parse_file(priv, "s2_event.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "hello");
	ck_assert_uint_eq(ev.nmentions, 0);
	adapter_slack.free(priv);
}
END_TEST

/* Users write "@bot /signup 3": Slack would take a leading '/' itself. */
START_TEST(leading_mention_is_the_bot_without_config)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse("{\"type\":\"event_callback\","
				  "\"event_id\":\"Ev9\",\"event_time\":5,"
				  "\"event\":{\"type\":\"message\","
				  "\"channel\":\"C1\",\"user\":\"U2\","
				  "\"text\":\"<@U0BOT9|tower>  /signup 3\","
				  "\"ts\":\"5.000001\"}}",
			     &ev),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/signup 3");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_int_eq(ev.is_group, 1);
}
END_TEST

START_TEST(app_mention_signup)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse_file(sl, "app_mention_signup.json", &ev),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/signup 3");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.event_id, "C0123ABCD:1700000400.000600");
	ck_assert_str_eq(ev.msg_id, "1700000400.000600");
	ck_assert_int_eq(ev.at, 1700000400);
}
END_TEST

/* The same message as app_mention and as message gets one dedup key. */
START_TEST(app_mention_and_message_share_event_id)
{
	struct chat_event a, b;

	ck_assert_int_eq(sl_parse("{\"type\":\"event_callback\","
				  "\"event_id\":\"EvA\",\"event\":{\"type\":"
				  "\"app_mention\",\"channel\":\"C1\","
				  "\"user\":\"U2\",\"text\":\"<@U0B> /me\","
				  "\"ts\":\"7.000001\"}}",
			     &a),
	    ADAPTER_OK);
	ck_assert_int_eq(sl_parse("{\"type\":\"event_callback\","
				  "\"event_id\":\"EvB\",\"event\":{\"type\":"
				  "\"message\",\"channel\":\"C1\","
				  "\"user\":\"U2\",\"text\":\"<@U0B> /me\","
				  "\"ts\":\"7.000001\"}}",
			     &b),
	    ADAPTER_OK);
	ck_assert_str_eq(a.event_id, b.event_id);
	ck_assert_str_eq(a.text, "/me");
	ck_assert_str_eq(b.text, "/me");
	ck_assert_int_eq(a.at, 7);
}
END_TEST

/* Markup: names, channels, specials, links and entities decoded. */
START_TEST(markup_decoded_mentions_listed)
{
	static const char body[] =
	    "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	    "\"channel\":\"C1\",\"user\":\"U2\",\"ts\":\"1.2\",\"text\":"
	    "\"<@U0BOT1234> /warn <@U0AAA|alice> <@U0BBB> &lt;late&gt; &amp; "
	    "<#C9|general> <!here> <https://x.y/?a=1&amp;b=2|link> "
	    "<https://z.w/> <@U0AAA>\"}}";
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;
	void *priv = sl_make(S2_SECRET, "U0BOT1234");

	ck_assert_int_eq(sl_parse_with(priv, body, strlen(body), NULL, &ev,
			     &rep),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text,
	    "/warn @alice @U0BBB <late> & #general @here link https://z.w/ "
	    "@U0AAA");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_uint_eq(ev.nmentions, 2);
	ck_assert_str_eq(ev.mentions[0].id, "U0AAA");
	ck_assert_str_eq(ev.mentions[0].name, "alice");
	ck_assert_str_eq(ev.mentions[1].id, "U0BBB");
	ck_assert_str_eq(ev.mentions[1].name, "");
	adapter_slack.free(priv);
}
END_TEST

START_TEST(join_and_leave)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse_file(sl, "member_joined_channel.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_JOIN);
	ck_assert_str_eq(ev.event_id, "Ev06ABCDEF13");
	ck_assert_str_eq(ev.chat, "C0123ABCD");
	ck_assert_str_eq(ev.from.id, "U0789IJKL");
	ck_assert_int_eq(ev.at, 1700000100);
	ck_assert_int_eq(ev.is_group, 1);

	ck_assert_int_eq(sl_parse_file(sl, "member_left_channel.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_LEAVE);
	ck_assert_str_eq(ev.event_id, "Ev06ABCDEF14");
	ck_assert_str_eq(ev.from.id, "U0789IJKL");
	ck_assert_int_eq(ev.at, 1700000200);
}
END_TEST

/* Edits, bot posts (ours) and other subtypes are not commands. */
static const struct {
	const char *body;
	enum adapter_rc want;
} skip_rows[] = {
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"subtype\":\"thread_broadcast\",\"channel\":\"C1\",\"user\":"
	  "\"U2\",\"text\":\"hi\",\"ts\":\"1.2\",\"thread_ts\":\"1.1\"}}",
	    ADAPTER_OK },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"subtype\":\"channel_join\",\"channel\":\"C1\",\"user\":\"U2\","
	  "\"text\":\"<@U2> has joined\",\"ts\":\"1.2\"}}",
	    ADAPTER_SKIP },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"subtype\":\"message_deleted\",\"channel\":\"C1\",\"ts\":\"1.2\"}}",
	    ADAPTER_SKIP },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"subtype\":\"bot_message\",\"channel\":\"C1\",\"text\":\"x\","
	  "\"ts\":\"1.2\"}}",
	    ADAPTER_SKIP },
	/* our own user id, without bot_id */
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"channel\":\"C1\",\"user\":\"U0BOT1234\",\"text\":\"x\","
	  "\"ts\":\"1.2\"},\"authorizations\":[{\"user_id\":\"U0BOT1234\","
	  "\"is_bot\":true}]}",
	    ADAPTER_SKIP },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"reaction_added\","
	  "\"user\":\"U2\"}}",
	    ADAPTER_SKIP },
	{ "{\"type\":\"app_rate_limited\",\"minute_rate_limited\":1}",
	    ADAPTER_SKIP },
};

START_TEST(skips_what_is_not_a_command)
{
	struct chat_event ev;
	enum adapter_rc got;

	got = sl_parse(skip_rows[_i].body, &ev);
	ck_assert_msg(got == skip_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

START_TEST(direct_message_is_for_the_bot)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse("{\"type\":\"event_callback\","
				  "\"event\":{\"type\":\"message\","
				  "\"channel\":\"D1\",\"user\":\"U2\","
				  "\"text\":\"/me\",\"ts\":\"1.2\","
				  "\"channel_type\":\"im\"}}",
			     &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.is_group, 0);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "/me");
}
END_TEST

START_TEST(recorded_edits_and_echoes_skip)
{
	struct chat_event ev;

	ck_assert_int_eq(sl_parse_file(sl, "message_changed.json", &ev),
	    ADAPTER_SKIP);
	ck_assert_int_eq(sl_parse_file(sl, "bot_echo.json", &ev), ADAPTER_SKIP);
}
END_TEST

/* A redelivery carries X-Slack-Retry-Num: parsed as usual, same key. */
START_TEST(retry_delivery_parses_with_same_key)
{
	const char *hdr[] = { "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason",
		"http_timeout", NULL };
	struct webhook wh = { "POST", "", "", hdr, S2_BODY, strlen(S2_BODY) };
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;

	ck_assert_int_eq(adapter_slack.parse(sl, &wh, &ev, &rep), ADAPTER_OK);
	ck_assert_str_eq(ev.event_id, "C0123ABC:1700000000.000100");
}
END_TEST

/* S1's body: the documented slash command, form-encoded. */
START_TEST(slash_command_s1)
{
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;
	char *body;
	size_t len;

	body = fixture_read("slack", "s1_slash_command.form", &len);
	ck_assert_uint_eq(len, strlen(S1_BODY));
	ck_assert_int_eq(memcmp(body, S1_BODY, len), 0);
	ck_assert_int_eq(sl_parse_with(sl, body, len,
			     "application/x-www-form-urlencoded", &ev, &rep),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_str_eq(ev.text, "/webhook-collect");
	ck_assert_str_eq(ev.event_id,
	    "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
	ck_assert_str_eq(ev.chat, "G8PSS9T3V");
	ck_assert_str_eq(ev.chat_title, "foobar");
	ck_assert_str_eq(ev.from.id, "U2CERLKJA");
	ck_assert_str_eq(ev.from.username, "roadrunner");
	ck_assert_str_eq(ev.reply_url,
	    "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
	    "96rGlfmibIGlgcZRskXaIFfN");
	ck_assert_int_eq(ev.at, 1531420618);
	ck_assert_int_eq(ev.reply_url_expires, 1531420618 + 1800);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_str_eq(ev.msg_id, "");
	free(body);
}
END_TEST

/* "/signup" with text "3" is the command "/signup 3"; no Content-Type. */
START_TEST(slash_command_joins_command_and_text)
{
	static const char body[] =
	    "command=%2Fsignup&text=3+%26lt%3Bnow%26gt%3B+%3C%40U0CC%7Cbob%3E"
	    "&channel_id=C0123ABCD&user_id=U0456EFGH&user_name=alice"
	    "&trigger_id=111.222.abc&response_url=https%3A%2F%2Fh.example%2Fx";
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;

	ck_assert_int_eq(sl_parse_with(sl, body, strlen(body), NULL, &ev, &rep),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/signup 3 <now> @bob");
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].id, "U0CC");
	ck_assert_str_eq(ev.event_id, "111.222.abc");
	ck_assert_str_eq(ev.reply_url, "https://h.example/x");
}
END_TEST

static const struct {
	const char *body, *ctype;
	enum adapter_rc want;
} garbage_rows[] = {
	{ "", "application/json", ADAPTER_EPARSE },
	{ "{", "application/json", ADAPTER_EPARSE },
	{ "[]", "application/json", ADAPTER_EPARSE },
	{ "null", "application/json", ADAPTER_EPARSE },
	{ "{\"type\":5}", "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"url_verification\"}", "application/json",
	    ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\"}", "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":[]}", "application/json",
	    ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"channel\":5,\"user\":\"U1\",\"text\":\"x\",\"ts\":\"1.2\"}}",
	    "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"channel\":\"C1\",\"user\":\"U1\",\"text\":7,\"ts\":\"1.2\"}}",
	    "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"subtype\":3,\"channel\":\"C1\",\"user\":\"U1\",\"ts\":\"1.2\"}}",
	    "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":"
	  "\"member_joined_channel\",\"channel\":\"C1\"}}",
	    "application/json", ADAPTER_EPARSE },
	{ "{\"type\":\"event_callback\",\"event\":{\"type\":\"message\","
	  "\"channel\":\"C1\",\"user\":\"U1\",\"text\":\"<<<&&&<@\","
	  "\"ts\":\"1.2\"}}",
	    "application/json", ADAPTER_OK },
	{ "text=3&channel_id=C1&user_id=U1",
	    "application/x-www-form-urlencoded", ADAPTER_EPARSE },
	{ "command=signup&channel_id=C1&user_id=U1",
	    "application/x-www-form-urlencoded", ADAPTER_EPARSE },
	{ "command=%2Fsignup&user_id=U1", "application/x-www-form-urlencoded",
	    ADAPTER_EPARSE },
	{ "payload=%7B%22type%22%3A%22block_actions%22%7D",
	    "application/x-www-form-urlencoded", ADAPTER_SKIP },
	{ "\x01\x02\xff", NULL, ADAPTER_EPARSE },
};

START_TEST(garbage_is_an_error_not_a_crash)
{
	struct webreply rep = { 0, NULL, NULL };
	struct chat_event ev;
	enum adapter_rc got;

	got = sl_parse_with(sl, garbage_rows[_i].body,
	    strlen(garbage_rows[_i].body), garbage_rows[_i].ctype, &ev, &rep);
	ck_assert_msg(got == garbage_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
	ck_assert_ptr_null(rep.body);
}
END_TEST

/* A 100 kB text is cut to fit chat_event.text, at a UTF-8 boundary. */
START_TEST(huge_text_is_cut)
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
	root = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "type",
	    "event_callback", "event", "type", "message", "channel", "C1",
	    "user", "U1", "ts", "1.2", "text", text);
	ck_assert_ptr_nonnull(root);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	ck_assert_int_eq(sl_parse(body, &ev), ADAPTER_OK);
	ck_assert_uint_le(strlen(ev.text), CHAT_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(ev.text) % 3, 0);
	free(body);
	free(text);
}
END_TEST

/* --------------------------------------------------------------- format */

START_TEST(format_post_message)
{
	struct chat_msg msg = { .chat = "C0123ABCD",
		.text = "All services green." };
	struct httpreq req;
	json_t *got, *want;

	ck_assert_int_eq(adapter_slack.format(sl, &msg, &req), 0);
	ck_assert_str_eq(req.url, SL_BASE "/chat.postMessage");
	ck_assert_str_eq(req.log_url, SL_BASE "/chat.postMessage");
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0],
	    "Content-Type: application/json; charset=utf-8");
	ck_assert_str_eq(req.hdr[1], "Authorization: Bearer " SL_TOKEN);
	ck_assert_ptr_null(req.hdr[2]);
	ck_assert_ptr_null(strstr(req.log_url, SL_TOKEN));
	got = json_loads(req.body, 0, NULL);
	want = json_pack("{s:s, s:s}", "channel", "C0123ABCD", "text",
	    "All services green.");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

/* Replies go into the thread: thread wins, else the message replied to. */
START_TEST(format_thread_mention_and_escape)
{
	struct chat_msg msg = { .chat = "C0123ABCD",
		.text = "a<b>&c",
		.reply_to = "1700000000.000100",
		.mention_id = "U0456EFGH",
		.mention_name = "Ann" };
	struct httpreq req;
	json_t *got, *want;

	ck_assert_int_eq(adapter_slack.format(sl, &msg, &req), 0);
	got = json_loads(req.body, 0, NULL);
	want = json_pack("{s:s, s:s, s:s}", "channel", "C0123ABCD", "text",
	    "<@U0456EFGH> a&lt;b&gt;&amp;c", "thread_ts", "1700000000.000100");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	msg.thread = "1699999900.000200";
	msg.mention_id = NULL;
	ck_assert_int_eq(adapter_slack.format(sl, &msg, &req), 0);
	got = json_loads(req.body, 0, NULL);
	want = json_pack("{s:s, s:s, s:s}", "channel", "C0123ABCD", "text",
	    "a&lt;b&gt;&amp;c", "thread_ts", "1699999900.000200");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

/* A slash command's reply goes to its response_url, without the token. */
START_TEST(format_response_url)
{
	struct chat_msg msg = { .chat = "G8PSS9T3V",
		.text = "signed up",
		.reply_to = "",
		.reply_url = "https://hooks.slack.com/commands/"
			     "T1DC2JH3J/397700885554/"
			     "96rGlfmibIGlgcZRskXaIFfN" };
	struct httpreq req;
	json_t *got, *want;
	size_t i;

	ck_assert_int_eq(adapter_slack.format(sl, &msg, &req), 0);
	ck_assert_str_eq(req.url, msg.reply_url);
	ck_assert_str_eq(req.log_url, "https://hooks.slack.com/...");
	for (i = 0; i < 6 && req.hdr[i] != NULL; i++)
		ck_assert_ptr_null(strstr(req.hdr[i], SL_TOKEN));
	got = json_loads(req.body, 0, NULL);
	want = json_pack("{s:s, s:s}", "text", "signed up", "response_type",
	    "in_channel");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_refuses_what_it_cannot_encode)
{
	struct chat_msg bad_utf8 = { .chat = "C1", .text = "a\xff" };
	struct chat_msg no_chat = { .chat = "", .text = "a" };
	struct chat_msg no_text = { .chat = "C1", .text = NULL };
	struct chat_msg bad_mention = { .chat = "C1",
		.text = "a",
		.mention_id = "U1> <!channel" };
	struct httpreq req;

	ck_assert_int_eq(adapter_slack.format(sl, &bad_utf8, &req), -1);
	ck_assert_int_eq(adapter_slack.format(sl, &no_chat, &req), -1);
	ck_assert_int_eq(adapter_slack.format(sl, &no_text, &req), -1);
	ck_assert_int_eq(adapter_slack.format(sl, &bad_mention, &req), -1);
}
END_TEST

START_TEST(escape_only_amp_lt_gt)
{
	char *s = slack_escape("<@U1> & \"q\" 'x' >");

	ck_assert_str_eq(s, "&lt;@U1&gt; &amp; \"q\" 'x' &gt;");
	free(s);
}
END_TEST

START_TEST(text_max_is_conservative)
{
	ck_assert_uint_gt(adapter_slack.text_max, 0);
	ck_assert_uint_le(adapter_slack.text_max, 4000);
	ck_assert_ptr_eq(adapter_ops_lookup("slack"), &adapter_slack);
}
END_TEST

/* kick_on_blacklist: conversations.kick with the bot token. */
START_TEST(kick_posts_conversations_kick)
{
	struct httpreq req;
	json_t *got, *want;

	ck_assert_int_eq(adapter_slack.kick(sl, "C0123ABCD", "U0456EFGH",
			     1700000000, &req),
	    0);
	ck_assert_str_eq(req.url, SL_BASE "/conversations.kick");
	ck_assert_str_eq(req.log_url, SL_BASE "/conversations.kick");
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0],
	    "Content-Type: application/json; charset=utf-8");
	ck_assert_str_eq(req.hdr[1], "Authorization: Bearer " SL_TOKEN);
	ck_assert_ptr_null(req.hdr[2]);
	ck_assert_ptr_null(strstr(req.log_url, SL_TOKEN));
	got = fixture_body(&req);
	want = json_pack("{s:s, s:s}", "channel", "C0123ABCD", "user",
	    "U0456EFGH");
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	/* A private channel, and an Enterprise Grid user (W...). */
	ck_assert_int_eq(adapter_slack.kick(sl, "G8PSS9T3V", "W0456EFGH",
			     1700000000, &req),
	    0);
	got = fixture_body(&req);
	want = json_pack("{s:s, s:s}", "channel", "G8PSS9T3V", "user",
	    "W0456EFGH");
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

static const struct {
	const char *chat, *user;
} kick_bad_rows[] = {
	{ "D0123ABCD", "U0456EFGH" }, /* a direct message */
	{ "", "U0456EFGH" }, { NULL, "U0456EFGH" }, { "C0123ABCD", "" },
	{ "C0123ABCD", NULL }, { "C0123ABCD", "B0XYZ" }, /* not a user id */
	{ "C0123ABCD", "U1\",\"x\":\"y" },               /* not an id at all */
	{ "c0123abcd", "U0456EFGH" },
	{ "C0123ABCD", "U0BOT" }, /* the bot itself (bot_user_id) */
};

/* Chats and users that cannot be removed: -1 and nothing to free. */
START_TEST(kick_refuses_dm_self_and_bad_ids)
{
	struct httpreq req;
	void *bot = sl_make(S2_SECRET, "U0BOT");

	ck_assert_msg(adapter_slack.kick(bot, kick_bad_rows[_i].chat,
			  kick_bad_rows[_i].user, 1700000000, &req) == -1,
	    "row %d", _i);
	ck_assert_msg(req.url == NULL && req.body == NULL, "row %d", _i);
	adapter_slack.free(bot);
}
END_TEST

/* ------------------------------------------------------------- classify */

static const char *const ra_hdr[] = { "Retry-After", "30", NULL };

static const struct fixture_answer classify_rows[] = {
	/* slack.md section 3 answers */
	{ 200,
	    "{ \"ok\": true, \"channel\": \"C0123ABCD\", \"ts\": "
	    "\"1700000001.000200\", \"message\": { \"type\": \"message\", "
	    "\"user\": \"U0BOT1234\", \"bot_id\": \"B0XYZ\", \"text\": \"All "
	    "services green.\", \"ts\": \"1700000001.000200\" } }",
	    NULL, SEND_OK, 0 },
	{ 200, "{ \"ok\": false, \"error\": \"not_in_channel\" }", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"ok\":false,\"error\":\"channel_not_found\"}", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"ok\":false,\"error\":\"invalid_auth\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":false,\"error\":\"not_authed\"}", NULL, SEND_FAIL, 0 },
	{ 200, "{\"ok\":false,\"error\":\"token_revoked\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":false,\"error\":\"msg_too_long\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":false,\"error\":\"is_archived\"}", NULL, SEND_FAIL, 0 },
	/* conversations.kick refusals: final, never retried */
	{ 200, "{\"ok\":false,\"error\":\"cant_kick_self\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":false,\"error\":\"cant_kick_from_general\"}", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"ok\":false,\"error\":\"restricted_action\"}", NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"ok\":false,\"error\":\"user_not_found\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":false,\"error\":\"missing_scope\"}", NULL, SEND_FAIL,
	    0 },
	{ 200, "{\"ok\":true,\"errors\":{}}", NULL, SEND_OK, 0 },
	{ 200, "{\"ok\":false,\"error\":\"ratelimited\"}", "7", SEND_RETRY,
	    7000 },
	{ 200, "{\"ok\":false,\"error\":\"ratelimited\"}", NULL, SEND_RETRY,
	    0 },
	{ 429, "{\"ok\":false,\"error\":\"ratelimited\"}", "30", SEND_RETRY,
	    30000 },
	{ 429, "", NULL, SEND_RETRY, 0 },
	{ 500, "", NULL, SEND_RETRY, 0 },
	{ 503, "upstream", NULL, SEND_RETRY, 0 },
	{ 0, "", NULL, SEND_RETRY, 0 },
	{ 200, "ok", NULL, SEND_OK, 0 }, /* response_url */
	{ 200, "<html>", NULL, SEND_FAIL, 0 },
	{ 200, "{\"ok\":\"yes\"}", NULL, SEND_FAIL, 0 },
	{ 404, "expired_url", NULL, SEND_FAIL, 0 },
	{ 403, "", NULL, SEND_FAIL, 0 },
};

START_TEST(classify_answers)
{
	fixture_classify(&adapter_slack, sl, &classify_rows[_i], _i);
}
END_TEST

/* Retry-After found among all headers when bot/ left retry_after NULL. */
START_TEST(classify_reads_retry_after_header)
{
	struct httpresp r = { 429, "", 0, NULL, ra_hdr };
	int64_t ms = -1;

	ck_assert_int_eq(adapter_slack.classify(sl, &r, &ms), SEND_RETRY);
	ck_assert_int_eq(ms, 30000);
}
END_TEST

Suite *
slack_suite(void)
{
	Suite *s = suite_create("slack");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_loop_test(tc, init_names_the_bad_key, 0,
	    sizeof(init_rows) / sizeof(init_rows[0]));
	tcase_add_test(tc, public_api_base_is_the_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, sl_setup, sl_teardown);
	tcase_add_loop_test(tc, verify_signature_and_window, 0,
	    sizeof(verify_rows) / sizeof(verify_rows[0]));
	tcase_add_test(tc, verify_fixture_s2);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, sl_setup, sl_teardown);
	tcase_add_test(tc, url_verification_echoes_challenge);
	tcase_add_test(tc, thread_message_mentioning_bot);
	tcase_add_test(tc, s2_mention_needs_bot_id);
	tcase_add_test(tc, leading_mention_is_the_bot_without_config);
	tcase_add_test(tc, app_mention_signup);
	tcase_add_test(tc, app_mention_and_message_share_event_id);
	tcase_add_test(tc, markup_decoded_mentions_listed);
	tcase_add_test(tc, join_and_leave);
	tcase_add_loop_test(tc, skips_what_is_not_a_command, 0,
	    sizeof(skip_rows) / sizeof(skip_rows[0]));
	tcase_add_test(tc, direct_message_is_for_the_bot);
	tcase_add_test(tc, recorded_edits_and_echoes_skip);
	tcase_add_test(tc, retry_delivery_parses_with_same_key);
	tcase_add_test(tc, slash_command_s1);
	tcase_add_test(tc, slash_command_joins_command_and_text);
	tcase_add_loop_test(tc, garbage_is_an_error_not_a_crash, 0,
	    sizeof(garbage_rows) / sizeof(garbage_rows[0]));
	tcase_add_test(tc, huge_text_is_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, sl_setup, sl_teardown);
	tcase_add_test(tc, format_post_message);
	tcase_add_test(tc, format_thread_mention_and_escape);
	tcase_add_test(tc, format_response_url);
	tcase_add_test(tc, format_refuses_what_it_cannot_encode);
	tcase_add_test(tc, escape_only_amp_lt_gt);
	tcase_add_test(tc, text_max_is_conservative);
	tcase_add_test(tc, kick_posts_conversations_kick);
	tcase_add_loop_test(tc, kick_refuses_dm_self_and_bad_ids, 0,
	    sizeof(kick_bad_rows) / sizeof(kick_bad_rows[0]));
	tcase_add_loop_test(tc, classify_answers, 0,
	    sizeof(classify_rows) / sizeof(classify_rows[0]));
	tcase_add_test(tc, classify_reads_retry_after_header);
	suite_add_tcase(s, tc);
	return (s);
}
