/*
 * check_telegram.c -- the Telegram adapter against shared/platforms/
 * telegram.md: its secret_token vectors (verbatim), its sample Update and
 * join message (tests/fixtures/telegram/), sendMessage bodies and the
 * answers the Bot API gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/telegram.h"
#include "tests/adapters/fixture.h"

#define TG_TOKEN  "222222222:AAE-test_Token"
#define TG_SECRET "tg_S3cr3t-Token_2024"
#define TG_BASE   "http://127.0.0.1:8081"
#define TG_HDR    "X-Telegram-Bot-Api-Secret-Token"

Suite *telegram_suite(void);

static void *tg;

static void *tg_make(const char *);
static enum adapter_rc tg_parse_with(void *, const char *, size_t,
    struct chat_event *);
static enum adapter_rc tg_parse(const char *, struct chat_event *);
static enum adapter_rc tg_parse_file(const char *, struct chat_event *);
static void tg_setup(void);
static void tg_teardown(void);

/* An instance with the given @username (NULL: none configured). */
static void *
tg_make(const char *username)
{
	json_t *conf;
	void *priv = NULL;
	char err[256] = "";

	conf = json_pack("{s:s, s:s, s:s}", "token", TG_TOKEN, "secret_token",
	    TG_SECRET, "api_base", TG_BASE "/");
	ck_assert_ptr_nonnull(conf);
	if (username != NULL)
		json_object_set_new(conf, "username", json_string(username));
	ck_assert_msg(adapter_telegram.init(&priv, conf, err, sizeof(err)) == 0,
	    "init: %s", err);
	json_decref(conf);
	return (priv);
}

static enum adapter_rc
tg_parse_with(void *priv, const char *body, size_t len, struct chat_event *ev)
{
	static const char *const hdr[] = { TG_HDR, TG_SECRET, NULL };
	struct webhook wh = { "POST", "", "", hdr, body, len };
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;

	rc = adapter_telegram.parse(priv, &wh, ev, &rep);
	ck_assert_ptr_null(rep.body);
	return (rc);
}

static enum adapter_rc
tg_parse(const char *body, struct chat_event *ev)
{
	return (tg_parse_with(tg, body, strlen(body), ev));
}

static enum adapter_rc
tg_parse_file(const char *name, struct chat_event *ev)
{
	enum adapter_rc rc;
	size_t len;
	char *body;

	body = fixture_read("telegram", name, &len);
	rc = tg_parse_with(tg, body, len, ev);
	free(body);
	return (rc);
}

static void
tg_setup(void)
{
	tg = tg_make("my_helper_bot");
}

static void
tg_teardown(void)
{
	adapter_telegram.free(tg);
	tg = NULL;
}

/* ---- verification: telegram.md section 2 test vectors, verbatim ---- */

static const struct {
	const char *header; /* NULL: header absent */
	enum adapter_rc want;
} secret_rows[] = {
	{ "tg_S3cr3t-Token_2024", ADAPTER_OK },
	{ "tg_S3cr3t-Token_2024 ", ADAPTER_EAUTH }, /* trailing space */
	{ "TG_S3CR3T-TOKEN_2024", ADAPTER_EAUTH },  /* case-sensitive */
	{ "", ADAPTER_EAUTH },                      /* empty */
	{ NULL, ADAPTER_EAUTH },                    /* absent */
};

START_TEST(verify_accepts_only_the_exact_secret)
{
	const char *hdr[] = { "Content-Type", "application/json", NULL, NULL,
		NULL };
	struct webhook wh = { "POST", "", "", hdr, "{}", 2 };
	enum adapter_rc rc;

	if (secret_rows[_i].header != NULL) {
		hdr[2] = TG_HDR;
		hdr[3] = secret_rows[_i].header;
	}
	rc = adapter_telegram.verify(tg, &wh, 1700000000);
	ck_assert_msg(rc == secret_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(rc));
}
END_TEST

START_TEST(verify_header_name_is_case_insensitive)
{
	const char *hdr[] = { "x-telegram-bot-api-secret-token", TG_SECRET,
		NULL };
	struct webhook wh = { "POST", "", "", hdr, "{}", 2 };

	ck_assert_int_eq(adapter_telegram.verify(tg, &wh, 0), ADAPTER_OK);
}
END_TEST

START_TEST(secret_token_alphabet_and_length)
{
	char s[300];

	ck_assert_int_eq(telegram_secret_valid("tg_S3cr3t-Token_2024"), 1);
	ck_assert_int_eq(telegram_secret_valid("bad token!"), 0);
	ck_assert_int_eq(telegram_secret_valid(""), 0);
	ck_assert_int_eq(telegram_secret_valid(NULL), 0);
	memset(s, 'x', 256);
	s[256] = '\0';
	ck_assert_int_eq(telegram_secret_valid(s), 1);
	s[256] = 'x';
	s[257] = '\0';
	ck_assert_int_eq(telegram_secret_valid(s), 0);
}
END_TEST

/* ---- configuration ---- */

static const struct fixture_conf conf_rows[] = {
	{ "{\"token\":\"1:A\",\"secret_token\":\"bad token!\"}",
	    "secret_token: invalid (1-256 of A-Z a-z 0-9 _ -)" },
	{ "{\"token\":\"1:A\",\"secret_token\":\"\"}",
	    "secret_token: invalid (1-256 of A-Z a-z 0-9 _ -)" },
	{ "{\"secret_token\":\"s\"}", "token: missing" },
	{ "{\"token\":\"1:A\"}", "secret_token: missing" },
	{ "{\"token\":7,\"secret_token\":\"s\"}", "token: expected a string" },
	{ "{\"token\":\"1:A\",\"secret_token\":\"s\",\"url\":\"x\"}",
	    "url: unknown key" },
	{ "{\"token\":\"1:A\",\"secret_token\":\"s\",\"username\":null}",
	    "username: expected a string" },
	{ "{\"token\":\"1:A\",\"secret_token\":\"s\",\"api_base\":[]}",
	    "api_base: expected a string" },
	{ "{\"token\":\"1:A/../x\",\"secret_token\":\"s\"}",
	    "token: invalid (expected a BotFather token)" },
};

START_TEST(init_names_the_bad_key)
{
	fixture_init(&adapter_telegram, &conf_rows[_i], _i);
}
END_TEST

START_TEST(init_rejects_257_char_secret)
{
	char s[258], err[256] = "";
	json_t *conf;
	void *priv = NULL;

	memset(s, 'x', 257);
	s[257] = '\0';
	conf = json_pack("{s:s, s:s}", "token", TG_TOKEN, "secret_token", s);
	ck_assert_int_eq(adapter_telegram.init(&priv, conf, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err,
	    "secret_token: invalid (1-256 of A-Z a-z 0-9 _ -)");
	s[256] = '\0';
	json_object_set_new(conf, "secret_token", json_string(s));
	ck_assert_int_eq(adapter_telegram.init(&priv, conf, err, sizeof(err)),
	    0);
	adapter_telegram.free(priv);
	json_decref(conf);
}
END_TEST

START_TEST(registered_with_text_max_and_no_auth_slots)
{
	ck_assert_ptr_eq(adapter_ops_lookup("telegram"), &adapter_telegram);
	ck_assert_uint_eq(adapter_telegram.text_max, 4096);
	ck_assert_ptr_null(adapter_telegram.auth_due);
	ck_assert_ptr_null(adapter_telegram.auth_request);
	ck_assert_ptr_null(adapter_telegram.auth_parse);
	adapter_telegram.free(NULL);
}
END_TEST

/* ---- UTF-16 offsets ---- */

static const struct {
	const char *s;
	size_t u16;
	int rc;
	size_t off;
} u16_rows[] = {
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    0, 0, 0 },
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    1, 0, 1 },
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    2, -1, 0 }, /* inside the surrogate pair */
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    3, 0, 5 },
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    4, 0, 6 },
	{ "a\xf0\x9f\x98\x80"
	  "b",
	    5, -1, 0 },                            /* past the end */
	{ "\xe4\xb8\xad\xe6\x96\x87@x", 2, 0, 6 }, /* 3-byte CJK */
	{ "\xc3\xa9t\xc3\xa9", 3, 0, 5 },          /* 2-byte Latin */
};

START_TEST(utf16_offsets_become_byte_offsets)
{
	size_t off = 0;
	int rc;

	rc = telegram_utf16_offset(u16_rows[_i].s, strlen(u16_rows[_i].s),
	    u16_rows[_i].u16, &off);
	ck_assert_msg(rc == u16_rows[_i].rc, "row %d: rc %d", _i, rc);
	if (rc == 0)
		ck_assert_msg(off == u16_rows[_i].off, "row %d: off %zu", _i,
		    off);
}
END_TEST

/* ---- parse ---- */

START_TEST(parse_sample_update_strips_bot_mention)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("update_mention.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_str_eq(ev.event_id, "815200417");
	ck_assert_str_eq(ev.chat, "-1001234567890");
	ck_assert_str_eq(ev.chat_title, "Ops Room");
	ck_assert_str_eq(ev.msg_id, "4242");
	ck_assert_str_eq(ev.thread, "");
	ck_assert_int_eq(ev.at, 1700000000);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_str_eq(ev.from.id, "111111111");
	ck_assert_str_eq(ev.from.name, "Alice Liddell");
	ck_assert_str_eq(ev.from.username, "alice");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "status please");
	ck_assert_uint_eq(ev.nmentions, 0);
	/* The quoted message is the bot's own: not a member to act on. */
	ck_assert_str_eq(ev.reply_to.id, "");
}
END_TEST

START_TEST(parse_utf16_offsets_after_emoji_and_chinese)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("utf16_mentions.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text,
	    "\xf0\x9f\x98\x80\xe4\xb8\xad\xe6\x96\x87 @bob "
	    "\xe4\xbd\xa0\xe5\xa5\xbd \xe6\x8a\xa5\xe5\x90\x8d");
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].username, "bob");
	ck_assert_str_eq(ev.mentions[0].id, "");
	ck_assert_str_eq(ev.chat_title, "\xe6\xb4\xbb\xe5\x8a\xa8\xe7\xbe\xa4");
}
END_TEST

START_TEST(parse_trims_ideographic_space_after_mention)
{
	struct chat_event ev;

	/* "@MY_HELPER_BOT\u3000报名 3": mention match ignores case. */
	ck_assert_int_eq(tg_parse("{\"update_id\":1,\"message\":{"
				  "\"message_id\":2,\"date\":3,"
				  "\"from\":{\"id\":5,\"first_name\":\"A\"},"
				  "\"chat\":{\"id\":-4,\"type\":\"group\"},"
				  "\"text\":\"@MY_HELPER_BOT\\u3000"
				  "\\u62a5\\u540d 3\",\"entities\":[{"
				  "\"type\":\"mention\",\"offset\":0,"
				  "\"length\":14}]}}",
			     &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "\xe6\x8a\xa5\xe5\x90\x8d 3");
	ck_assert_str_eq(ev.chat, "-4");
	ck_assert_str_eq(ev.from.name, "A");
}
END_TEST

static const struct {
	const char *username; /* configured; NULL = none */
	const char *text;
	int cmdlen; /* bot_command entity length at offset 0 */
	enum adapter_rc want;
	const char *out;
	int to_bot;
} cmd_rows[] = {
	{ "MyBot", "/signup@MyBot 3", 13, ADAPTER_OK, "/signup 3", 1 },
	{ "MyBot", "/signup@mybot 3", 13, ADAPTER_OK, "/signup 3", 1 },
	{ "MyBot", "/signup@OtherBot", 16, ADAPTER_SKIP, NULL, 0 },
	{ "MyBot", "/signup 3", 7, ADAPTER_OK, "/signup 3", 0 },
	{ NULL, "/signup@OtherBot 3", 16, ADAPTER_OK, "/signup 3", 1 },
	{ "", "/signup@OtherBot 3", 16, ADAPTER_OK, "/signup 3", 1 },
	{ "MyBot", "/help", 5, ADAPTER_OK, "/help", 0 },
};

START_TEST(bot_command_addressed_to_us_or_skipped)
{
	struct chat_event ev;
	void *priv;
	char *body;
	enum adapter_rc rc;

	priv = tg_make(cmd_rows[_i].username);
	body = NULL;
	ck_assert_int_gt(asprintf(&body,
			     "{\"update_id\":9,\"message\":{\"message_id\":1,"
			     "\"date\":2,\"from\":{\"id\":5,\"first_name\":"
			     "\"A\"},\"chat\":{\"id\":-4,\"type\":"
			     "\"supergroup\"},\"text\":\"%s\",\"entities\":["
			     "{\"type\":\"bot_command\",\"offset\":0,"
			     "\"length\":%d}]}}",
			     cmd_rows[_i].text, cmd_rows[_i].cmdlen),
	    0);
	rc = tg_parse_with(priv, body, strlen(body), &ev);
	ck_assert_msg(rc == cmd_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(rc));
	if (rc == ADAPTER_OK) {
		ck_assert_msg(strcmp(ev.text, cmd_rows[_i].out) == 0,
		    "row %d: text \"%s\"", _i, ev.text);
		ck_assert_msg(ev.to_bot == cmd_rows[_i].to_bot,
		    "row %d: to_bot %d", _i, ev.to_bot);
	}
	free(body);
	adapter_telegram.free(priv);
}
END_TEST

START_TEST(parse_text_mention_topic_and_reply)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("text_mention.json", &ev), ADAPTER_OK);
	ck_assert_str_eq(ev.text, "/warn \xf0\x9f\x8e\x89 Bob late");
	ck_assert_int_eq(ev.to_bot, 0);
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].id, "333333333");
	ck_assert_str_eq(ev.mentions[0].name, "Bob");
	ck_assert_str_eq(ev.thread, "17");
	ck_assert_str_eq(ev.reply_to.id, "444444444");
	ck_assert_str_eq(ev.reply_to.name, "Carol");
	ck_assert_str_eq(ev.reply_to.username, "carol");
}
END_TEST

START_TEST(parse_caption_and_private_chat)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse("{\"update_id\":1,\"message\":{"
				  "\"message_id\":2,\"date\":3,"
				  "\"from\":{\"id\":5,\"first_name\":\"A\","
				  "\"last_name\":\"B\"},"
				  "\"chat\":{\"id\":5,\"type\":\"private\"},"
				  "\"photo\":[],\"caption\":\"/me\"}}",
			     &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.is_group, 0);
	ck_assert_str_eq(ev.text, "/me");
	ck_assert_str_eq(ev.from.name, "A B");
	ck_assert_str_eq(ev.chat, "5");
}
END_TEST

START_TEST(parse_join_from_sample)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("join.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_JOIN);
	ck_assert_str_eq(ev.event_id, "815200418");
	ck_assert_str_eq(ev.chat, "-1001234567890");
	ck_assert_str_eq(ev.from.id, "333333333");
	ck_assert_str_eq(ev.from.name, "Bob");
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_int_eq(ev.at, 1700000100);
}
END_TEST

START_TEST(parse_join_many_skips_bots)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("join_many.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_JOIN);
	ck_assert_str_eq(ev.from.id, "333333333");
	ck_assert_str_eq(ev.from.name, "Bob Builder");
	ck_assert_str_eq(ev.from.username, "bob");
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].id, "444444444");
	ck_assert_str_eq(ev.mentions[0].name, "Carol");
}
END_TEST

START_TEST(parse_leave)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("leave.json", &ev), ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_LEAVE);
	ck_assert_str_eq(ev.from.id, "333333333");
	ck_assert_str_eq(ev.from.username, "bob");
	ck_assert_str_eq(ev.chat, "-1001234567890");
}
END_TEST

static const char *const skip_rows[] = {
	/* channel post */
	"{\"update_id\":1,\"channel_post\":{\"message_id\":2,\"date\":3,"
	"\"chat\":{\"id\":-100,\"type\":\"channel\"},\"text\":\"hi\"}}",
	/* no message at all: the bot's own membership changed */
	"{\"update_id\":1,\"my_chat_member\":{}}",
	/* sticker: no text, no caption */
	"{\"update_id\":1,\"message\":{\"message_id\":2,\"date\":3,"
	"\"from\":{\"id\":5,\"first_name\":\"A\"},"
	"\"chat\":{\"id\":-4,\"type\":\"group\"},\"sticker\":{}}}",
	/* another bot talking */
	"{\"update_id\":1,\"message\":{\"message_id\":2,\"date\":3,"
	"\"from\":{\"id\":6,\"is_bot\":true,\"first_name\":\"B\"},"
	"\"chat\":{\"id\":-4,\"type\":\"group\"},\"text\":\"/signup\"}}",
	/* only a bot joined */
	"{\"update_id\":1,\"message\":{\"message_id\":2,\"date\":3,"
	"\"chat\":{\"id\":-4,\"type\":\"group\"},\"new_chat_members\":["
	"{\"id\":6,\"is_bot\":true,\"first_name\":\"B\"}]}}",
	/* a bot left */
	"{\"update_id\":1,\"message\":{\"message_id\":2,\"date\":3,"
	"\"chat\":{\"id\":-4,\"type\":\"group\"},\"left_chat_member\":"
	"{\"id\":6,\"is_bot\":true,\"first_name\":\"B\"}}}",
};

START_TEST(parse_skips_what_core_does_not_need)
{
	struct chat_event ev;
	enum adapter_rc rc;

	rc = tg_parse(skip_rows[_i], &ev);
	ck_assert_msg(rc == ADAPTER_SKIP, "row %d: got %s", _i,
	    adapter_rc_str(rc));
}
END_TEST

START_TEST(parse_skips_edited_message)
{
	struct chat_event ev;

	ck_assert_int_eq(tg_parse_file("edited.json", &ev), ADAPTER_SKIP);
}
END_TEST

static const struct {
	const char *body;
	size_t len; /* 0: strlen */
} garbage_rows[] = {
	{ "", 0 },
	{ "[]", 0 },
	{ "null", 0 },
	{ "{}", 0 },
	{ "{\"update_id\":\"x\"}", 0 },
	{ "{\"update_id\":1,\"message\":", 0 },
	{ "{\"update_id\":99999999999999999999999999}", 0 },
	{ "{\"update_id\":1e999}", 0 },
	{ "{\"update_id\":1,\"message\":[]}", 0 },
	{ "{\"update_id\":1,\"message\":{\"message_id\":2,"
	  "\"chat\":{\"id\":\"-4\"},\"text\":\"x\"}}",
	    0 },
	{ "{\"update_id\":1,\"message\":{\"chat\":{\"id\":-4},\"text\":\"x\"}}",
	    0 },
	{ "{\"update_id\":1,\"message\":{\"message_id\":2,\"chat\":{\"id\":-4},"
	  "\"from\":\"alice\",\"text\":\"x\"}}",
	    0 },
	{ "{\"update_id\":1,\"message\":{\"message_id\":2,\"chat\":{\"id\":-4},"
	  "\"new_chat_members\":[7]}}",
	    0 },
	{ "{\"update_id\":1,\"message\":{\"message_id\":99999999999999999999"
	  "99999999999,\"chat\":{\"id\":-4}}}",
	    0 },
	{ "{\"update_id\":1,\"x\":\"\xff\xfe\"}", 0 },
	{ "{\"update_id\":1}\0{}", 17 },
};

START_TEST(parse_rejects_garbage)
{
	struct chat_event ev;
	enum adapter_rc rc;
	size_t len;

	len = garbage_rows[_i].len ? garbage_rows[_i].len
				   : strlen(garbage_rows[_i].body);
	rc = tg_parse_with(tg, garbage_rows[_i].body, len, &ev);
	ck_assert_msg(rc == ADAPTER_EPARSE, "row %d: got %s", _i,
	    adapter_rc_str(rc));
}
END_TEST

START_TEST(parse_rejects_every_truncation)
{
	struct chat_event ev;
	size_t len, n;
	char *body;

	body = fixture_read("telegram", "update_mention.json", &len);
	for (n = 0; n < len - 1; n++)
		ck_assert_msg(tg_parse_with(tg, body, n, &ev) == ADAPTER_EPARSE,
		    "prefix %zu parsed", n);
	free(body);
}
END_TEST

START_TEST(parse_ignores_entities_outside_the_text)
{
	struct chat_event ev;

	/* Offsets past the end, inside a surrogate pair, negative, huge. */
	ck_assert_int_eq(tg_parse("{\"update_id\":1,\"message\":{"
				  "\"message_id\":2,\"date\":3,"
				  "\"from\":{\"id\":5,\"first_name\":\"A\"},"
				  "\"chat\":{\"id\":-4,\"type\":\"group\"},"
				  "\"text\":\"\\ud83d\\ude00 @x\","
				  "\"entities\":["
				  "{\"type\":\"mention\",\"offset\":3,"
				  "\"length\":9},"
				  "{\"type\":\"mention\",\"offset\":1,"
				  "\"length\":2},"
				  "{\"type\":\"mention\",\"offset\":-1,"
				  "\"length\":2},"
				  "{\"type\":\"mention\",\"offset\":"
				  "9223372036854775807,\"length\":"
				  "9223372036854775807},"
				  "{\"type\":\"mention\",\"offset\":\"3\","
				  "\"length\":2},"
				  "{\"offset\":3,\"length\":2},7]}}",
			     &ev),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text, "\xf0\x9f\x98\x80 @x");
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_int_eq(ev.to_bot, 0);
}
END_TEST

START_TEST(parse_keeps_at_most_chat_mentions_max)
{
	struct chat_event ev;
	char *body, *p;
	size_t i;

	body = strdup("{\"update_id\":1,\"message\":{\"message_id\":2,"
		      "\"date\":3,\"from\":{\"id\":5,\"first_name\":\"A\"},"
		      "\"chat\":{\"id\":-4,\"type\":\"group\"},"
		      "\"text\":\"@a @b @c @d @e @f @g @h @i @j\","
		      "\"entities\":[");
	for (i = 0; i < 10; i++) {
		p = NULL;
		ck_assert_int_gt(asprintf(&p,
				     "%s%s{\"type\":\"mention\",\"offset\":%zu,"
				     "\"length\":2}",
				     body, i ? "," : "", 3 * i),
		    0);
		free(body);
		body = p;
	}
	p = NULL;
	ck_assert_int_gt(asprintf(&p, "%s]}}", body), 0);
	free(body);
	ck_assert_int_eq(tg_parse(p, &ev), ADAPTER_OK);
	ck_assert_uint_eq(ev.nmentions, CHAT_MENTIONS_MAX);
	ck_assert_str_eq(ev.mentions[0].username, "a");
	ck_assert_str_eq(ev.mentions[CHAT_MENTIONS_MAX - 1].username, "h");
	free(p);
}
END_TEST

/* ---- format ---- */

START_TEST(format_reply_in_topic_matches_sample)
{
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *got, *want;

	msg.chat = "-1001234567890";
	msg.text = "All services green.";
	msg.reply_to = "4242";
	msg.thread = "17";
	ck_assert_int_eq(adapter_telegram.format(tg, &msg, &req), 0);
	/* The body from telegram.md section 3. */
	want = json_loads("{\"chat_id\": -1001234567890,"
			  "\"text\": \"All services green.\","
			  "\"reply_parameters\": { \"message_id\": 4242,"
			  "\"allow_sending_without_reply\": true },"
			  "\"message_thread_id\": 17}",
	    0, NULL);
	got = fixture_body(&req);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	ck_assert_str_eq(req.url, TG_BASE "/bot" TG_TOKEN "/sendMessage");
	ck_assert_str_eq(req.log_url, TG_BASE "/bot<redacted>/sendMessage");
	ck_assert_ptr_null(strstr(req.log_url, "AAE-test_Token"));
	ck_assert_str_eq(req.hdr[0], "Content-Type: application/json");
	ck_assert_ptr_null(req.hdr[1]);
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_plain_and_string_chat_id)
{
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *got, *want;

	msg.chat = "@ops_channel";
	msg.text = "\xe6\x8a\xa5\xe5\x90\x8d ok";
	msg.reply_to = "";
	ck_assert_int_eq(adapter_telegram.format(tg, &msg, &req), 0);
	want = json_pack("{s:s, s:s}", "chat_id", "@ops_channel", "text",
	    "\xe6\x8a\xa5\xe5\x90\x8d ok");
	got = fixture_body(&req);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_mention_counts_utf16_units)
{
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *got, *want;

	msg.chat = "-4";
	msg.text = "signed up";
	msg.mention_id = "333333333";
	msg.mention_name =
	    "\xf0\x9f\x98\x80\xe5\xbc\xa0\xe4\xb8\x89"; /* 😀张三 */
	ck_assert_int_eq(adapter_telegram.format(tg, &msg, &req), 0);
	want = json_pack("{s:I, s:s, s:[{s:s, s:i, s:i, s:{s:I}}]}", "chat_id",
	    (json_int_t)-4, "text",
	    "\xf0\x9f\x98\x80\xe5\xbc\xa0\xe4\xb8\x89 signed up", "entities",
	    "type", "text_mention", "offset", 0, "length", 4, "user", "id",
	    (json_int_t)333333333);
	got = fixture_body(&req);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_rejects_empty_or_invalid_text)
{
	static const char *const bad[] = { "", "\xff\xfe", "ok\xc3", NULL };
	struct chat_msg msg = { 0 };
	struct httpreq req;
	size_t i;

	msg.chat = "-4";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg.text = bad[i];
		ck_assert_msg(adapter_telegram.format(tg, &msg, &req) == -1,
		    "text %zu accepted", i);
		ck_assert_ptr_null(req.url);
		ck_assert_ptr_null(req.body);
	}
	msg.text = "ok";
	msg.mention_id = "1";
	msg.mention_name = "\xc0\xaf";
	ck_assert_int_eq(adapter_telegram.format(tg, &msg, &req), -1);
}
END_TEST

START_TEST(format_uses_default_api_base)
{
	struct chat_msg msg = { 0 };
	struct httpreq req;
	json_t *conf;
	void *priv = NULL;
	char err[128];

	conf = json_pack("{s:s, s:s}", "token", TG_TOKEN, "secret_token",
	    TG_SECRET);
	ck_assert_int_eq(adapter_telegram.init(&priv, conf, err, sizeof(err)),
	    0);
	msg.chat = "-4";
	msg.text = "hi";
	ck_assert_int_eq(adapter_telegram.format(priv, &msg, &req), 0);
	ck_assert_str_eq(req.url,
	    "https://api.telegram.org/bot" TG_TOKEN "/sendMessage");
	ck_assert_str_eq(req.log_url,
	    "https://api.telegram.org/bot<redacted>/sendMessage");
	httpreq_clear(&req);
	adapter_telegram.free(priv);
	json_decref(conf);
}
END_TEST

/* ---- classify ---- */

static const struct fixture_answer classify_rows[] = {
	{ 200,
	    "{\"ok\":true,\"result\":{\"message_id\":4244,\"chat\":{\"id\":"
	    "-1001234567890,\"type\":\"supergroup\",\"title\":\"Ops Room\"},"
	    "\"date\":1700000200,\"text\":\"All services green.\"}}",
	    NULL, SEND_OK, 0 },
	{ 200, "{\"ok\":false,\"description\":\"odd\"}", NULL, SEND_FAIL, 0 },
	{ 200, "not json", NULL, SEND_FAIL, 0 },
	{ 429,
	    "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many "
	    "Requests: retry after 15\",\"parameters\":{\"retry_after\":15}}",
	    NULL, SEND_RETRY, 15000 },
	{ 429,
	    "{\"ok\":false,\"error_code\":429,\"parameters\":{"
	    "\"retry_after\":15}}",
	    "20", SEND_RETRY, 15000 }, /* the JSON field is the contract */
	{ 429, "", "7", SEND_RETRY, 7000 },
	{ 429, "{\"ok\":false}", NULL, SEND_RETRY, 0 },
	{ 500, "", NULL, SEND_RETRY, 0 },
	{ 502, "<html>", NULL, SEND_RETRY, 0 },
	{ 400,
	    "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: "
	    "chat not found\"}",
	    NULL, SEND_FAIL, 0 },
	{ 401, "{\"ok\":false,\"error_code\":401}", NULL, SEND_FAIL, 0 },
	{ 403, "{\"ok\":false,\"error_code\":403}", NULL, SEND_FAIL, 0 },
	{ 0, NULL, NULL, SEND_RETRY, 0 },
};

START_TEST(classify_by_status_and_retry_after)
{
	fixture_classify(&adapter_telegram, tg, &classify_rows[_i], _i);
}
END_TEST

/* kick_on_blacklist: banChatMember for a minute, i.e. a removal. */
START_TEST(kick_bans_for_a_minute)
{
	struct httpreq req;
	json_t *want, *got;

	ck_assert_int_eq(adapter_telegram.kick(tg, "-1001234567890", "42",
			     1700000000, &req),
	    0);
	want = json_pack("{s:I, s:I, s:I, s:b}", "chat_id",
	    (json_int_t)-1001234567890LL, "user_id", (json_int_t)42,
	    "until_date", (json_int_t)1700000060, "revoke_messages", 0);
	got = fixture_body(&req);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	ck_assert_str_eq(req.url, TG_BASE "/bot" TG_TOKEN "/banChatMember");
	ck_assert_str_eq(req.log_url, TG_BASE "/bot<redacted>/banChatMember");
	json_decref(want);
	json_decref(got);
	httpreq_clear(&req);
	/* Ids that are not numbers cannot be removed. */
	ck_assert_int_eq(adapter_telegram.kick(tg, "@chan", "42", 1700000000,
			     &req),
	    -1);
	ck_assert_int_eq(adapter_telegram.kick(tg, "-100", "bob", 1700000000,
			     &req),
	    -1);
}
END_TEST

Suite *
telegram_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("telegram");

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, tg_setup, tg_teardown);
	tcase_add_loop_test(tc, verify_accepts_only_the_exact_secret, 0,
	    sizeof(secret_rows) / sizeof(secret_rows[0]));
	tcase_add_test(tc, verify_header_name_is_case_insensitive);
	tcase_add_test(tc, secret_token_alphabet_and_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_loop_test(tc, init_names_the_bad_key, 0,
	    sizeof(conf_rows) / sizeof(conf_rows[0]));
	tcase_add_test(tc, init_rejects_257_char_secret);
	tcase_add_test(tc, registered_with_text_max_and_no_auth_slots);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, tg_setup, tg_teardown);
	tcase_add_loop_test(tc, utf16_offsets_become_byte_offsets, 0,
	    sizeof(u16_rows) / sizeof(u16_rows[0]));
	tcase_add_test(tc, parse_sample_update_strips_bot_mention);
	tcase_add_test(tc, parse_utf16_offsets_after_emoji_and_chinese);
	tcase_add_test(tc, parse_trims_ideographic_space_after_mention);
	tcase_add_loop_test(tc, bot_command_addressed_to_us_or_skipped, 0,
	    sizeof(cmd_rows) / sizeof(cmd_rows[0]));
	tcase_add_test(tc, parse_text_mention_topic_and_reply);
	tcase_add_test(tc, parse_caption_and_private_chat);
	tcase_add_test(tc, parse_join_from_sample);
	tcase_add_test(tc, parse_join_many_skips_bots);
	tcase_add_test(tc, parse_leave);
	tcase_add_loop_test(tc, parse_skips_what_core_does_not_need, 0,
	    sizeof(skip_rows) / sizeof(skip_rows[0]));
	tcase_add_test(tc, parse_skips_edited_message);
	tcase_add_loop_test(tc, parse_rejects_garbage, 0,
	    sizeof(garbage_rows) / sizeof(garbage_rows[0]));
	tcase_add_test(tc, parse_rejects_every_truncation);
	tcase_add_test(tc, parse_ignores_entities_outside_the_text);
	tcase_add_test(tc, parse_keeps_at_most_chat_mentions_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_checked_fixture(tc, tg_setup, tg_teardown);
	tcase_add_test(tc, format_reply_in_topic_matches_sample);
	tcase_add_test(tc, format_plain_and_string_chat_id);
	tcase_add_test(tc, format_mention_counts_utf16_units);
	tcase_add_test(tc, format_rejects_empty_or_invalid_text);
	tcase_add_test(tc, format_uses_default_api_base);
	tcase_add_test(tc, kick_bans_for_a_minute);
	tcase_add_loop_test(tc, classify_by_status_and_retry_after, 0,
	    sizeof(classify_rows) / sizeof(classify_rows[0]));
	suite_add_tcase(s, tc);

	return (s);
}
