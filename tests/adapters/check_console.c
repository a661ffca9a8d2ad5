/*
 * check_console.c -- the console adapter: "CHAT USER: TEXT" lines in,
 * "[CHAT] text" lines out (SPEC section 7).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/console.h"

Suite *console_suite(void);

static void *con;

static enum adapter_rc con_parse(const char *, size_t, struct chat_event *);
static void con_setup(void);
static void con_teardown(void);

static enum adapter_rc
con_parse(const char *line, size_t len, struct chat_event *ev)
{
	struct webhook wh = { "POST", "", "", NULL, line, len };
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc rc;

	ck_assert_int_eq(adapter_console.verify(con, &wh, 0), ADAPTER_OK);
	rc = adapter_console.parse(con, &wh, ev, &rep);
	ck_assert_ptr_null(rep.body);
	return (rc);
}

static void
con_setup(void)
{
	json_t *conf = json_object();
	char err[128] = "";

	ck_assert_int_eq(adapter_console.init(&con, conf, err, sizeof(err)), 0);
	json_decref(conf);
}

static void
con_teardown(void)
{
	adapter_console.free(con);
	con = NULL;
}

static const struct {
	const char *line;
	const char *chat, *user, *text;
} ok_rows[] = {
	{ "g1 alice: /signup 3\n", "g1", "alice", "/signup 3" },
	{ "g1 alice: hi @bob\r\n", "g1", "alice", "hi @bob" },
	{ "-100 bob:no space", "-100", "bob", "no space" },
	{ "g1   bob:   spaced  out", "g1", "bob", "spaced  out" },
	{ "room-7 \xe5\xbc\xa0\xe4\xb8\x89: \xe6\x8a\xa5\xe5\x90\x8d", "room-7",
	    "\xe5\xbc\xa0\xe4\xb8\x89", "\xe6\x8a\xa5\xe5\x90\x8d" },
	{ "g1 carol: a: b", "g1", "carol", "a: b" },
};

START_TEST(parse_chat_user_text_line)
{
	struct chat_event ev;
	enum adapter_rc rc;

	rc = con_parse(ok_rows[_i].line, strlen(ok_rows[_i].line), &ev);
	ck_assert_msg(rc == ADAPTER_OK, "row %d: got %s", _i,
	    adapter_rc_str(rc));
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_msg(strcmp(ev.chat, ok_rows[_i].chat) == 0,
	    "row %d: chat \"%s\"", _i, ev.chat);
	ck_assert_msg(strcmp(ev.from.id, ok_rows[_i].user) == 0,
	    "row %d: user \"%s\"", _i, ev.from.id);
	ck_assert_str_eq(ev.from.name, ok_rows[_i].user);
	ck_assert_str_eq(ev.from.username, ok_rows[_i].user);
	ck_assert_msg(strcmp(ev.text, ok_rows[_i].text) == 0,
	    "row %d: text \"%s\"", _i, ev.text);
	ck_assert_str_eq(ev.event_id, "");
	ck_assert_str_eq(ev.msg_id, "");
	ck_assert_uint_eq(ev.nmentions, 0);
}
END_TEST

static const char *const skip_rows[] = {
	"",
	"\n",
	"   \r\n",
	"> [g1] You are signed up.",
	">",
	"g1 alice:",
	"g1 alice:   \n",
};

START_TEST(parse_skips_blank_and_quoted_lines)
{
	struct chat_event ev;
	enum adapter_rc rc;

	rc = con_parse(skip_rows[_i], strlen(skip_rows[_i]), &ev);
	ck_assert_msg(rc == ADAPTER_SKIP, "row %d: got %s", _i,
	    adapter_rc_str(rc));
}
END_TEST

static const struct {
	const char *line;
	size_t len; /* 0: strlen */
} bad_rows[] = {
	{ "no colon here", 0 },
	{ "g1: hello", 0 },
	{ "g1alice: hello", 0 },
	{ "g1 al ice: hello", 0 },
	{ " g1 alice: hello", 0 },
	{ "g1 : hello", 0 },
	{ "g1 alice: a\nb", 0 },
	{ "g1 alice: \xff\xfe", 0 },
	{ "g1 alice: \xed\xa0\x80", 0 }, /* a UTF-16 surrogate */
	{ "g1 alice: a\0b", 13 },
	{ "{\"update_id\":1}", 0 },
};

START_TEST(parse_rejects_malformed_lines)
{
	struct chat_event ev;
	enum adapter_rc rc;
	size_t len;

	len = bad_rows[_i].len ? bad_rows[_i].len : strlen(bad_rows[_i].line);
	rc = con_parse(bad_rows[_i].line, len, &ev);
	ck_assert_msg(rc == ADAPTER_EPARSE, "row %d: got %s", _i,
	    adapter_rc_str(rc));
}
END_TEST

START_TEST(parse_rejects_overlong_ids)
{
	struct chat_event ev;
	char line[400];

	memset(line, 'c', 200);
	strcpy(line + 200, " alice: hi");
	ck_assert_int_eq(con_parse(line, strlen(line), &ev), ADAPTER_EPARSE);
	memcpy(line, "g1 ", 3);
	memset(line + 3, 'u', 200);
	strcpy(line + 203, ": hi");
	ck_assert_int_eq(con_parse(line, strlen(line), &ev), ADAPTER_EPARSE);
	ck_assert_int_eq(con_parse(NULL, 0, &ev), ADAPTER_SKIP);
}
END_TEST

static const struct {
	const char *chat, *text, *mention_id, *mention_name;
	const char *want;
} fmt_rows[] = {
	{ "g1", "hi", NULL, NULL, "[g1] hi\n" },
	{ "g1", "hi", "bob", "Bob", "[g1] Bob: hi\n" },
	{ "g1", "hi", "bob", NULL, "[g1] bob: hi\n" },
	{ "g1", "a\nb\nc", NULL, NULL, "[g1] a\n     b\n     c\n" },
	{ "-100", "x\n\ny\n", "7", "Al", "[-100] Al: x\n       \n       y\n" },
	{ "\xe7\xbe\xa4", "a\nb", NULL, NULL, "[\xe7\xbe\xa4] a\n    b\n" },
};

START_TEST(format_prefixes_chat_and_indents)
{
	struct chat_msg msg = { 0 };
	struct httpreq req;

	msg.chat = fmt_rows[_i].chat;
	msg.text = fmt_rows[_i].text;
	msg.mention_id = fmt_rows[_i].mention_id;
	msg.mention_name = fmt_rows[_i].mention_name;
	ck_assert_int_eq(adapter_console.format(con, &msg, &req), 0);
	ck_assert_ptr_null(req.url);
	ck_assert_ptr_null(req.hdr[0]);
	ck_assert_msg(strcmp(req.body, fmt_rows[_i].want) == 0,
	    "row %d: body \"%s\"", _i, req.body);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_rejects_empty_or_invalid_text)
{
	static const char *const bad[] = { "", "\n", "\xff", NULL };
	struct chat_msg msg = { 0 };
	struct httpreq req;
	size_t i;

	msg.chat = "g1";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg.text = bad[i];
		ck_assert_msg(adapter_console.format(con, &msg, &req) == -1,
		    "text %zu accepted", i);
		ck_assert_ptr_null(req.body);
	}
}
END_TEST

START_TEST(classify_is_always_sent)
{
	struct httpresp r = { 0, NULL, 0, NULL, NULL };
	int64_t ms = -1;

	ck_assert_int_eq(adapter_console.classify(con, &r, &ms), SEND_OK);
	r.status = 500;
	ck_assert_int_eq(adapter_console.classify(con, &r, &ms), SEND_OK);
	ck_assert_int_eq(ms, 0);
}
END_TEST

static const struct {
	const char *conf;
	const char *err; /* NULL: accepted */
} init_rows[] = {
	{ "{}", NULL },
	{ "{\"api_base\":\"http://127.0.0.1:1\"}", NULL },
	{ "{\"token\":\"x\"}", "token: unknown key" },
	{ "{\"api_base\":1}", "api_base: expected a string" },
};

START_TEST(init_accepts_empty_config_only)
{
	json_t *conf;
	void *priv = NULL;
	char err[128] = "";
	int rc;

	conf = json_loads(init_rows[_i].conf, 0, NULL);
	ck_assert_ptr_nonnull(conf);
	rc = adapter_console.init(&priv, conf, err, sizeof(err));
	if (init_rows[_i].err == NULL) {
		ck_assert_msg(rc == 0, "row %d: %s", _i, err);
		ck_assert_ptr_nonnull(priv);
	} else {
		ck_assert_msg(rc == -1, "row %d: accepted", _i);
		ck_assert_msg(strcmp(err, init_rows[_i].err) == 0,
		    "row %d: err \"%s\"", _i, err);
	}
	adapter_console.free(priv);
	json_decref(conf);
	ck_assert_ptr_eq(adapter_ops_lookup("console"), &adapter_console);
	ck_assert_uint_eq(adapter_console.text_max, 65536);
}
END_TEST

Suite *
console_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("console");
	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, con_setup, con_teardown);
	tcase_add_loop_test(tc, parse_chat_user_text_line, 0,
	    sizeof(ok_rows) / sizeof(ok_rows[0]));
	tcase_add_loop_test(tc, parse_skips_blank_and_quoted_lines, 0,
	    sizeof(skip_rows) / sizeof(skip_rows[0]));
	tcase_add_loop_test(tc, parse_rejects_malformed_lines, 0,
	    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_test(tc, parse_rejects_overlong_ids);
	tcase_add_loop_test(tc, format_prefixes_chat_and_indents, 0,
	    sizeof(fmt_rows) / sizeof(fmt_rows[0]));
	tcase_add_test(tc, format_rejects_empty_or_invalid_text);
	tcase_add_test(tc, classify_is_always_sent);
	tcase_add_loop_test(tc, init_accepts_empty_config_only, 0,
	    sizeof(init_rows) / sizeof(init_rows[0]));
	suite_add_tcase(s, tc);
	return (s);
}
