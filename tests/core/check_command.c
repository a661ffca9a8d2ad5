/*
 * check_command.c -- the command table and parser (SPEC section 4):
 * core/command.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "core/command.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Parse text as a group message with no reply or mention. */
static int
parse_text(const char *text, struct command *cmd)
{
	static struct chat_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CHAT_MESSAGE;
	ev.is_group = 1;
	strncpy(ev.text, text, sizeof(ev.text) - 1);
	return (command_parse(&ev, cmd));
}

/* ------------------------------------------------------------------ */
/* Recognition and simple arguments, one row per rule. */

#define NOCHK ((const char *)1) /* field not checked */

static const struct {
	const char *text;
	int is_cmd;
	enum cmd_id id;
	enum cmd_err err;
	const char *act_id; /* NOCHK: any */
	const char *out;    /* cmd->text; NOCHK: any */
	const char *bad;    /* NOCHK: any */
} parse_rows[] = {
	/* not commands: no reply is due */
	{ "", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "hello", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "报名了吗", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "我想报名", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "取消 3", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "发起活动 植树 11-30 09:00", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "警告 @bob", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "help", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "signup 3", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "/", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "/ help", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "/@Bot", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "报名！", 0, CMD_NONE, CMD_OK, "", "", "" },
	/* unknown /words */
	{ "/foo", 1, CMD_UNKNOWN, CMD_OK, "", "", "" },
	{ "/foo@TowerBot bar", 1, CMD_UNKNOWN, CMD_OK, "", "", "" },
	{ "/signup3", 1, CMD_UNKNOWN, CMD_OK, "", "", "" },
	{ "/报名了吗", 1, CMD_UNKNOWN, CMD_OK, "", "", "" },
	/* help */
	{ "/help", 1, CMD_HELP, CMD_OK, "", "", "" },
	{ "/HELP", 1, CMD_HELP, CMD_OK, "", "", "" },
	{ "帮助", 1, CMD_HELP, CMD_OK, "", "", "" },
	{ "/帮助", 1, CMD_HELP, CMD_OK, "", "", "" },
	{ "/help signup", 1, CMD_HELP, CMD_OK, "", "signup", "" },
	{ "/help /NewActivity", 1, CMD_HELP, CMD_OK, "", "newactivity", "" },
	{ "帮助 报名", 1, CMD_HELP, CMD_OK, "", "signup", "" },
	{ "帮助 发起活动", 1, CMD_HELP, CMD_OK, "", "newactivity", "" },
	{ "/help xyzzy", 1, CMD_HELP, CMD_OK, "", "xyzzy", "" },
	/* activities, me, stars: no arguments */
	{ "/activities", 1, CMD_ACTIVITIES, CMD_OK, "", "", "" },
	{ "活动", 1, CMD_ACTIVITIES, CMD_OK, "", "", "" },
	{ "/活动@TowerBot", 1, CMD_ACTIVITIES, CMD_OK, "", "", "" },
	{ "/me", 1, CMD_ME, CMD_OK, "", "", "" },
	{ "我的", 1, CMD_ME, CMD_OK, "", "", "" },
	{ "/stars", 1, CMD_STARS, CMD_OK, "", "", "" },
	{ "/星级", 1, CMD_STARS, CMD_OK, "", "", "" },
	{ "星级", 0, CMD_NONE, CMD_OK, "", "", "" },
	/* [id] */
	{ "/signup", 1, CMD_SIGNUP, CMD_OK, "", "", "" },
	{ "/signup 12", 1, CMD_SIGNUP, CMD_OK, "12", "", "" },
	{ "/SignUp@TowerBot 7", 1, CMD_SIGNUP, CMD_OK, "7", "", "" },
	{ "/signup＠TowerBot 7", 1, CMD_SIGNUP, CMD_OK, "7", "", "" },
	{ "/signup #7", 1, CMD_SIGNUP, CMD_OK, "7", "", "" },
	{ "报名", 1, CMD_SIGNUP, CMD_OK, "", "", "" },
	{ "报名 12", 1, CMD_SIGNUP, CMD_OK, "12", "", "" },
	{ "报名　12", 1, CMD_SIGNUP, CMD_OK, "12", "", "" },
	{ "　报名 ＃12", 1, CMD_SIGNUP, CMD_OK, "12", "", "" },
	{ "报名 好的", 1, CMD_SIGNUP, CMD_OK, "", "", "" },
	{ "/报名 3", 1, CMD_SIGNUP, CMD_OK, "3", "", "" },
	{ "/signup abc", 1, CMD_SIGNUP, CMD_EUSAGE, "", "", "abc" },
	{ "/signup 1234567890123456", 1, CMD_SIGNUP, CMD_EUSAGE, "", "",
	    "1234567890123456" },
	{ "/cancel", 1, CMD_CANCEL, CMD_OK, "", "", "" },
	{ "/cancel 3", 1, CMD_CANCEL, CMD_OK, "3", "", "" },
	{ "取消报名 3", 1, CMD_CANCEL, CMD_OK, "3", "", "" },
	{ "/取消报名", 1, CMD_CANCEL, CMD_OK, "", "", "" },
	{ "/checkin", 1, CMD_CHECKIN, CMD_OK, "", "", "" },
	{ "签到 5", 1, CMD_CHECKIN, CMD_OK, "5", "", "" },
	{ "/签到 5", 1, CMD_CHECKIN, CMD_OK, "5", "", "" },
	{ "/close", 1, CMD_CLOSE, CMD_OK, "", "", "" },
	{ "/close 4", 1, CMD_CLOSE, CMD_OK, "4", "", "" },
	{ "/结束活动 4", 1, CMD_CLOSE, CMD_OK, "4", "", "" },
	{ "结束活动 4", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "/close four", 1, CMD_CLOSE, CMD_EUSAGE, "", "", "four" },
	/* leave: [id] [reason] */
	{ "/leave", 1, CMD_LEAVE, CMD_OK, "", "", "" },
	{ "/leave 3 生病了", 1, CMD_LEAVE, CMD_OK, "3", "生病了", "" },
	{ "请假 家里有事", 1, CMD_LEAVE, CMD_OK, "", "家里有事", "" },
	{ "请假 3  sick  today  ", 1, CMD_LEAVE, CMD_OK, "3", "sick  today",
	    "" },
	{ "请假 3 \"sick today\"", 1, CMD_LEAVE, CMD_OK, "3", "sick today",
	    "" },
	{ "/请假 #3 出差　", 1, CMD_LEAVE, CMD_OK, "3", "出差", "" },
	/* ack, report: [broadcast id] */
	{ "/ack", 1, CMD_ACK, CMD_OK, "", "", "" },
	{ "收到", 1, CMD_ACK, CMD_OK, "", "", "" },
	{ "收到 谢谢", 1, CMD_ACK, CMD_OK, "", "", "" },
	{ "收到，谢谢", 0, CMD_NONE, CMD_OK, "", "", "" },
	{ "/ack 谢谢", 1, CMD_ACK, CMD_EUSAGE, "", "", "谢谢" },
	{ "/report", 1, CMD_REPORT, CMD_OK, "", "", "" },
	{ "/报告 17", 1, CMD_REPORT, CMD_OK, "", "", "" },
	{ "/report what", 1, CMD_REPORT, CMD_EUSAGE, "", "", "what" },
	/* register */
	{ "/register 张三", 1, CMD_REGISTER, CMD_OK, "", "张三", "" },
	{ "登记 张三 13800138000", 1, CMD_REGISTER, CMD_OK, "", "张三", "" },
	{ "/register Zhang San +8613800138000", 1, CMD_REGISTER, CMD_OK, "",
	    "Zhang San", "" },
	{ "/register \"Zhang San\"", 1, CMD_REGISTER, CMD_OK, "", "Zhang San",
	    "" },
	{ "/register", 1, CMD_REGISTER, CMD_EUSAGE, "", "", "" },
	{ "登记 13800138000", 1, CMD_REGISTER, CMD_EUSAGE, "", "",
	    "13800138000" },
	{ "登记 张三 1234", 1, CMD_REGISTER, CMD_EUSAGE, "", "", "1234" },
	{ "登记 张三 123456789012345678901", 1, CMD_REGISTER, CMD_EUSAGE, "",
	    "", NOCHK },
	{ "/register "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    1, CMD_REGISTER, CMD_EUSAGE, "", NOCHK, NOCHK },
	/* member commands without a member */
	{ "/warn", 1, CMD_WARN, CMD_EMEMBER, "", "", "" },
	{ "/警告 spam", 1, CMD_WARN, CMD_EMEMBER, "", "", "" },
	{ "/blacklist", 1, CMD_BLACKLIST, CMD_EMEMBER, "", "", "" },
	{ "/拉黑", 1, CMD_BLACKLIST, CMD_EMEMBER, "", "", "" },
	{ "/unblacklist", 1, CMD_UNBLACKLIST, CMD_EMEMBER, "", "", "" },
	{ "/解除拉黑", 1, CMD_UNBLACKLIST, CMD_EMEMBER, "", "", "" },
	{ "/credit +5", 1, CMD_CREDIT, CMD_EMEMBER, "", "", "" },
	{ "/信用", 1, CMD_CREDIT, CMD_EMEMBER, "", "", "" },
	{ "/role committee", 1, CMD_ROLE, CMD_EMEMBER, "", "", "" },
	{ "/任命", 1, CMD_ROLE, CMD_EMEMBER, "", "", "" },
	{ "/warn # spam", 1, CMD_WARN, CMD_EMEMBER, "", "", "" },
	{ "/warn #1a", 1, CMD_WARN, CMD_EMEMBER, "", "", "" },
	{ "/warn @", 1, CMD_WARN, CMD_EMEMBER, "", "", "" },
	/* with a typed member */
	{ "/warn @bob 迟到", 1, CMD_WARN, CMD_OK, "", "迟到", "" },
	{ "/blacklist #12 cheating twice", 1, CMD_BLACKLIST, CMD_OK, "",
	    "cheating twice", "" },
	{ "/拉黑 ＃12", 1, CMD_BLACKLIST, CMD_OK, "", "", "" },
	{ "/unblacklist #3 whatever", 1, CMD_UNBLACKLIST, CMD_OK, "", "", "" },
	/* credit */
	{ "/credit #3 +5 helped out", 1, CMD_CREDIT, CMD_OK, "", "helped out",
	    "" },
	{ "/credit #3", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "" },
	{ "/credit #3 abc", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "abc" },
	{ "/credit #3 1001", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "1001" },
	{ "/credit #3 -1001", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "-1001" },
	{ "/credit #3 0", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "0" },
	{ "/credit #3 +", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "+" },
	{ "/credit #3 5.5", 1, CMD_CREDIT, CMD_EUSAGE, "", "", "5.5" },
	/* role */
	{ "/role #3", 1, CMD_ROLE, CMD_EUSAGE, "", "", "" },
	{ "/role #3 king", 1, CMD_ROLE, CMD_EUSAGE, "", "", "king" },
	/* bind */
	{ "/bind", 1, CMD_BIND, CMD_EUSAGE, "", "", "" },
	{ "/bind Yiwu", 1, CMD_BIND, CMD_EUSAGE, "", "", "Yiwu" },
	{ "/bind /yiwu", 1, CMD_BIND, CMD_EUSAGE, "", "", "/yiwu" },
	{ "/bind yiwu/", 1, CMD_BIND, CMD_EUSAGE, "", "", "yiwu/" },
	{ "/bind yiwu//suxi", 1, CMD_BIND, CMD_EUSAGE, "", "", "yiwu//suxi" },
	{ "/bind yiwu_suxi", 1, CMD_BIND, CMD_EUSAGE, "", "", "yiwu_suxi" },
	{ "/bind 义乌", 1, CMD_BIND, CMD_EUSAGE, "", "", "义乌" },
	{ "/bind yiwu extra", 1, CMD_BIND, CMD_EUSAGE, "", "", "extra" },
	/* broadcast */
	{ "/broadcast", 1, CMD_BROADCAST, CMD_EUSAGE, "", "", "" },
	{ "/broadcast urgent", 1, CMD_BROADCAST, CMD_EUSAGE, "", "", "" },
	{ "/广播 紧急 明天停水", 1, CMD_BROADCAST, CMD_OK, "", "明天停水", "" },
	{ "/broadcast level=x hi", 1, CMD_BROADCAST, CMD_EUSAGE, "", "",
	    "level=x" },
	{ "/broadcast level=-1 hi", 1, CMD_BROADCAST, CMD_EUSAGE, "", "",
	    "level=-1" },
	{ "/broadcast purpose=all hi", 1, CMD_BROADCAST, CMD_EUSAGE, "", "",
	    "purpose=all" },
	{ "/broadcast tag= hi", 1, CMD_BROADCAST, CMD_EUSAGE, "", "", "tag=" },
	{ "/broadcast 1+1=2 is news", 1, CMD_BROADCAST, CMD_OK, "",
	    "1+1=2 is news", "" },
	/* newactivity: missing parts */
	{ "/newactivity", 1, CMD_NEWACTIVITY, CMD_EUSAGE, "", "", "" },
	{ "/newactivity 植树", 1, CMD_NEWACTIVITY, CMD_EUSAGE, "", "", "" },
	{ "/newactivity 11-30 09:00", 1, CMD_NEWACTIVITY, CMD_EUSAGE, "", "",
	    "" },
	{ "/newactivity 植树 tomorrow", 1, CMD_NEWACTIVITY, CMD_EUSAGE, "", "",
	    "" },
};

START_TEST(commands_are_recognised_with_their_arguments)
{
	struct command cmd;
	int rc;

	rc = parse_text(parse_rows[_i].text, &cmd);
	ck_assert_msg(rc == parse_rows[_i].is_cmd, "row %d (%s): rc %d", _i,
	    parse_rows[_i].text, rc);
	if (!rc) {
		ck_assert_msg(cmd.id == CMD_NONE, "row %d: id set", _i);
		return;
	}
	ck_assert_msg(cmd.id == parse_rows[_i].id, "row %d (%s): id %d", _i,
	    parse_rows[_i].text, cmd.id);
	ck_assert_msg(cmd.err == parse_rows[_i].err, "row %d (%s): err %s", _i,
	    parse_rows[_i].text, cmd_err_str(cmd.err));
	if (parse_rows[_i].act_id != NOCHK)
		ck_assert_msg(strcmp(cmd.act_id, parse_rows[_i].act_id) == 0,
		    "row %d (%s): act_id \"%s\"", _i, parse_rows[_i].text,
		    cmd.act_id);
	if (parse_rows[_i].out != NOCHK)
		ck_assert_msg(strcmp(cmd.text, parse_rows[_i].out) == 0,
		    "row %d (%s): text \"%s\"", _i, parse_rows[_i].text,
		    cmd.text);
	if (parse_rows[_i].bad != NOCHK)
		ck_assert_msg(strcmp(cmd.bad, parse_rows[_i].bad) == 0,
		    "row %d (%s): bad \"%s\"", _i, parse_rows[_i].text,
		    cmd.bad);
}
END_TEST

/* Every command answers to "/english", "/中文" and, for keywords, "中文". */
START_TEST(every_command_has_both_names)
{
	const struct cmd_info *tab;
	struct command cmd;
	char buf[128];
	size_t n, i;

	tab = command_table(&n);
	ck_assert_uint_eq(n, CMD_UNKNOWN - 1);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(tab[i].id, (int)(i + 1));
		ck_assert_ptr_eq(command_info(tab[i].id), &tab[i]);
		ck_assert_ptr_eq(command_by_name(tab[i].name), &tab[i]);
		ck_assert_ptr_eq(command_by_name(tab[i].zh), &tab[i]);
		snprintf(buf, sizeof(buf), "/%s", tab[i].name);
		ck_assert_int_eq(parse_text(buf, &cmd), 1);
		ck_assert_msg(cmd.id == tab[i].id, "%s", buf);
		ck_assert_str_eq(cmd.name, tab[i].name);
		snprintf(buf, sizeof(buf), "/%s@SomeBot", tab[i].zh);
		ck_assert_int_eq(parse_text(buf, &cmd), 1);
		ck_assert_msg(cmd.id == tab[i].id, "%s", buf);
		ck_assert_str_eq(cmd.name, tab[i].zh);
		ck_assert_int_eq(parse_text(tab[i].zh, &cmd), tab[i].keyword);
		if (tab[i].keyword)
			ck_assert_msg(cmd.id == tab[i].id, "%s", tab[i].zh);
		ck_assert(tab[i].usage_en[0] == '/');
		ck_assert(tab[i].usage_zh[0] != '\0');
		ck_assert(tab[i].desc_en[0] != '\0');
		ck_assert(tab[i].desc_zh[0] != '\0');
	}
	ck_assert_ptr_null(command_info(CMD_NONE));
	ck_assert_ptr_null(command_info(CMD_UNKNOWN));
	ck_assert_ptr_null(command_by_name("nope"));
	ck_assert_ptr_null(command_by_name(NULL));
	ck_assert_ptr_eq(command_by_name("/SIGNUP"), command_info(CMD_SIGNUP));
}
END_TEST

/* The nine member keywords of SPEC section 4, and no other. */
START_TEST(keywords_are_the_member_commands)
{
	static const char *const kw[] = { "帮助", "活动", "报名", "取消报名",
		"请假", "签到", "我的", "收到", "登记" };
	const struct cmd_info *tab;
	size_t n, i, j, found = 0;

	tab = command_table(&n);
	for (i = 0; i < n; i++) {
		if (!tab[i].keyword)
			continue;
		found++;
		for (j = 0; j < sizeof(kw) / sizeof(kw[0]); j++)
			if (strcmp(tab[i].zh, kw[j]) == 0)
				break;
		ck_assert_msg(j < sizeof(kw) / sizeof(kw[0]), "%s", tab[i].zh);
		ck_assert_int_eq(tab[i].min_rank, RANK_MEMBER);
	}
	ck_assert_uint_eq(found, sizeof(kw) / sizeof(kw[0]));
}
END_TEST

/* Ranks of SPEC section 4's "who" column. */
START_TEST(min_ranks_follow_the_spec)
{
	ck_assert_int_eq(command_info(CMD_HELP)->min_rank, RANK_MEMBER);
	ck_assert_int_eq(command_info(CMD_REGISTER)->min_rank, RANK_MEMBER);
	ck_assert_int_eq(command_info(CMD_NEWACTIVITY)->min_rank,
	    RANK_COMMITTEE);
	ck_assert_int_eq(command_info(CMD_STARS)->min_rank, RANK_COMMITTEE);
	ck_assert_int_eq(command_info(CMD_CREDIT)->min_rank, RANK_COMMITTEE);
	ck_assert_int_eq(command_info(CMD_BROADCAST)->min_rank, RANK_LIAISON);
	ck_assert_int_eq(command_info(CMD_REPORT)->min_rank, RANK_LIAISON);
	ck_assert_int_eq(command_info(CMD_ROLE)->min_rank, RANK_OWNER);
	ck_assert_int_eq(command_info(CMD_BIND)->min_rank, RANK_OPERATOR);
	ck_assert_str_eq(cmd_err_str(CMD_OK), "ok");
	ck_assert_str_eq(cmd_err_str(CMD_ETIME), "time");
	ck_assert_str_eq(cmd_err_str(CMD_EUSAGE), "usage");
	ck_assert_str_eq(cmd_err_str(CMD_EMEMBER), "member");
}
END_TEST

START_TEST(unknown_command_keeps_the_word)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("/Frobnicate@TowerBot now", &cmd), 1);
	ck_assert_int_eq(cmd.id, CMD_UNKNOWN);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.name, "Frobnicate");
}
END_TEST

START_TEST(non_message_events_are_not_commands)
{
	struct chat_event ev;
	struct command cmd;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CHAT_JOIN;
	strcpy(ev.text, "/help");
	ck_assert_int_eq(command_parse(&ev, &cmd), 0);
	ck_assert_int_eq(command_parse(NULL, &cmd), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* <member>: reply, then mention, then "@name", then "#12". */

START_TEST(member_from_reply_wins)
{
	static struct chat_event ev;
	struct command cmd;

	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/warn #12 spam");
	strcpy(ev.reply_to.id, "U42");
	strcpy(ev.reply_to.name, "Bob B");
	strcpy(ev.reply_to.username, "bob");
	strcpy(ev.mentions[0].id, "U43");
	ev.nmentions = 1;
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.target.kind, TARGET_USER);
	ck_assert_str_eq(cmd.target.value, "U42");
	ck_assert_str_eq(cmd.target.name, "Bob B");
	ck_assert_str_eq(cmd.target.username, "bob");
	ck_assert_str_eq(cmd.text, "#12 spam");
}
END_TEST

START_TEST(member_from_mention_consumes_its_text)
{
	static struct chat_event ev;
	struct command cmd;

	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/credit @carol -5 late");
	strcpy(ev.mentions[0].id, "U7");
	strcpy(ev.mentions[0].name, "Carol");
	strcpy(ev.mentions[0].username, "carol");
	ev.nmentions = 1;
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.target.kind, TARGET_USER);
	ck_assert_str_eq(cmd.target.value, "U7");
	ck_assert_str_eq(cmd.target.name, "Carol");
	ck_assert_int_eq(cmd.delta, -5);
	ck_assert_str_eq(cmd.text, "late");

	/* a mention with no id (Telegram @username entity) */
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/role 骨干");
	strcpy(ev.mentions[0].username, "dave");
	ev.nmentions = 1;
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.target.kind, TARGET_USERNAME);
	ck_assert_str_eq(cmd.target.value, "dave");
	ck_assert_str_eq(cmd.role, "seed");

	/* an empty mention slot counts as none */
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/warn");
	ev.nmentions = 1;
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_EMEMBER);
}
END_TEST

static const struct {
	const char *text;
	enum cmd_target_kind kind;
	const char *value;
	const char *rest;
} typed_target_rows[] = {
	{ "/warn @bob spam", TARGET_USERNAME, "bob", "spam" },
	{ "/warn ＠张三 spam", TARGET_USERNAME, "张三", "spam" },
	{ "/blacklist #12", TARGET_MEMBER, "12", "" },
	{ "/拉黑 ＃12 作弊", TARGET_MEMBER, "12", "作弊" },
	{ "/unblacklist @bob", TARGET_USERNAME, "bob", "" },
	{ "/warn bob spam", TARGET_NONE, "", "" },
};

START_TEST(member_from_typed_token)
{
	struct command cmd;

	ck_assert_int_eq(parse_text(typed_target_rows[_i].text, &cmd), 1);
	ck_assert_msg(cmd.target.kind == typed_target_rows[_i].kind,
	    "row %d: kind %d", _i, cmd.target.kind);
	ck_assert_msg(strcmp(cmd.target.value, typed_target_rows[_i].value) ==
			  0,
	    "row %d: value %s", _i, cmd.target.value);
	if (typed_target_rows[_i].kind == TARGET_NONE)
		ck_assert_int_eq(cmd.err, CMD_EMEMBER);
	else
		ck_assert_msg(strcmp(cmd.text, typed_target_rows[_i].rest) == 0,
		    "row %d: text %s", _i, cmd.text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* /newactivity */

START_TEST(newactivity_with_every_option)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("/newactivity 社区 植树 2025-03-12 09:30 "
				    "cap=20 place=\"Town Hall\" "
				    "deadline=03-11 18:00 mincredit=60 "
				    "hours=3",
			     &cmd),
	    1);
	ck_assert_int_eq(cmd.id, CMD_NEWACTIVITY);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.text, "社区 植树");
	ck_assert_int_eq(cmd.start.year, 2025);
	ck_assert_int_eq(cmd.start.month, 3);
	ck_assert_int_eq(cmd.start.day, 12);
	ck_assert_int_eq(cmd.start.hour, 9);
	ck_assert_int_eq(cmd.start.minute, 30);
	ck_assert_int_eq(cmd.cap, 20);
	ck_assert_str_eq(cmd.place, "Town Hall");
	ck_assert_int_eq(cmd.deadline.year, 0);
	ck_assert_int_eq(cmd.deadline.month, 3);
	ck_assert_int_eq(cmd.deadline.day, 11);
	ck_assert_int_eq(cmd.deadline.hour, 18);
	ck_assert_int_eq(cmd.deadline.minute, 0);
	ck_assert_int_eq(cmd.mincredit, 60);
	ck_assert_int_eq(cmd.hours, 3);
}
END_TEST

START_TEST(newactivity_in_chinese)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("/发起活动 “敬老院 探访” 11/30 14：00 "
				    "名额＝10 地点＝“东门 广场” "
				    "截止=\"11-29 20:00\" 最低信用=80 "
				    "时长=2",
			     &cmd),
	    1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.text, "敬老院 探访");
	ck_assert_int_eq(cmd.start.year, 0);
	ck_assert_int_eq(cmd.start.month, 11);
	ck_assert_int_eq(cmd.start.day, 30);
	ck_assert_int_eq(cmd.start.hour, 14);
	ck_assert_int_eq(cmd.cap, 10);
	ck_assert_str_eq(cmd.place, "东门 广场");
	ck_assert_int_eq(cmd.deadline.month, 11);
	ck_assert_int_eq(cmd.deadline.day, 29);
	ck_assert_int_eq(cmd.deadline.hour, 20);
	ck_assert_int_eq(cmd.mincredit, 80);
	ck_assert_int_eq(cmd.hours, 2);
}
END_TEST

START_TEST(newactivity_defaults)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("/newactivity Cleanup 12-01 8:05", &cmd),
	    1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.text, "Cleanup");
	ck_assert_int_eq(cmd.start.hour, 8);
	ck_assert_int_eq(cmd.start.minute, 5);
	ck_assert_int_eq(cmd.deadline.month, 0);
	ck_assert_int_eq(cmd.cap, 0);
	ck_assert_int_eq(cmd.mincredit, 0);
	ck_assert_int_eq(cmd.hours, 0);
	ck_assert_str_eq(cmd.place, "");
}
END_TEST

/* Every accepted date form. */
static const struct {
	const char *when;
	int y, mo, d, h, mi;
} date_rows[] = {
	{ "2024-11-30 18:00", 2024, 11, 30, 18, 0 },
	{ "11-30 18:00", 0, 11, 30, 18, 0 },
	{ "2024/11/30 18:00", 2024, 11, 30, 18, 0 },
	{ "11/30 18:00", 0, 11, 30, 18, 0 }, { "1-2 3:04", 0, 1, 2, 3, 4 },
	{ "2024-1-2 03:04", 2024, 1, 2, 3, 4 },
	{ "11-30 18：00", 0, 11, 30, 18, 0 },
	{ "2024-02-29 00:00", 2024, 2, 29, 0, 0 },
	{ "2000-02-29 00:00", 2000, 2, 29, 0, 0 },
	{ "02-29 23:59", 0, 2, 29, 23, 59 },
	{ "12-31 23:59", 0, 12, 31, 23, 59 },
	{ "“11-30 18:00”", -1, 0, 0, 0, 0 }, /* quoted: part of no date */
};

START_TEST(newactivity_date_forms)
{
	struct command cmd;
	char buf[256];

	snprintf(buf, sizeof(buf), "/newactivity Title %s", date_rows[_i].when);
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	if (date_rows[_i].y == -1) {
		ck_assert_msg(cmd.err == CMD_EUSAGE, "row %d: %s", _i,
		    cmd_err_str(cmd.err));
		return;
	}
	ck_assert_msg(cmd.err == CMD_OK, "row %d: %s bad %s", _i,
	    cmd_err_str(cmd.err), cmd.bad);
	ck_assert_str_eq(cmd.text, "Title");
	ck_assert_msg(cmd.start.year == date_rows[_i].y &&
			  cmd.start.month == date_rows[_i].mo &&
			  cmd.start.day == date_rows[_i].d &&
			  cmd.start.hour == date_rows[_i].h &&
			  cmd.start.minute == date_rows[_i].mi,
	    "row %d: %d-%d-%d %d:%d", _i, cmd.start.year, cmd.start.month,
	    cmd.start.day, cmd.start.hour, cmd.start.minute);
}
END_TEST

/* Times that do not parse: CMD_ETIME, and bad quotes what was typed. */
static const struct {
	const char *args;
	const char *bad;
} etime_rows[] = {
	{ "T 13-01 10:00", "13-01 10:00" },
	{ "T 00-10 10:00", "00-10 10:00" },
	{ "T 11-31 10:00", "11-31 10:00" },
	{ "T 04-31 10:00", "04-31 10:00" },
	{ "T 11-00 10:00", "11-00 10:00" },
	{ "T 2023-02-29 10:00", "2023-02-29 10:00" },
	{ "T 1900-02-28 10:00", "1900-02-28 10:00" },
	{ "T 2100-02-29 10:00", "2100-02-29 10:00" },
	{ "T 11-30 24:00", "11-30 24:00" },
	{ "T 11-30 23:60", "11-30 23:60" },
	{ "T 11-30 9点", "11-30 9点" },
	{ "T 11-30 123:00", "11-30 123:00" },
	{ "T 11-30 10:0", "11-30 10:0" },
	{ "T 11-30", "11-30" },
	{ "T 11-30 cap=3", "11-30" },
	{ "T 11-30 10:00 deadline=11-40 10:00", "deadline=11-40 10:00" },
	{ "T 11-30 10:00 deadline=11-29", "deadline=11-29" },
	{ "T 11-30 10:00 deadline=tomorrow", "deadline=tomorrow" },
	{ "T 11-30 10:00 截止=\"11-29 25:00\"", "截止=\"11-29 25:00\"" },
};

START_TEST(newactivity_bad_times)
{
	struct command cmd;
	char buf[256];

	snprintf(buf, sizeof(buf), "/newactivity %s", etime_rows[_i].args);
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	ck_assert_msg(cmd.err == CMD_ETIME, "row %d: %s", _i,
	    cmd_err_str(cmd.err));
	ck_assert_msg(strcmp(cmd.bad, etime_rows[_i].bad) == 0,
	    "row %d: bad \"%s\"", _i, cmd.bad);
}
END_TEST

/* Bad options: CMD_EUSAGE with the option quoted. */
static const struct {
	const char *args;
	const char *bad;
} eusage_rows[] = {
	{ "T 11-30 10:00 cap=-1", "cap=-1" },
	{ "T 11-30 10:00 cap=ten", "cap=ten" },
	{ "T 11-30 10:00 cap=", "cap=" },
	{ "T 11-30 10:00 mincredit=-5", "mincredit=-5" },
	{ "T 11-30 10:00 hours=1.5", "hours=1.5" },
	{ "T 11-30 10:00 hours=99999999999999999999",
	    "hours=99999999999999999999" },
	{ "T 11-30 10:00 colour=red", "colour=red" },
	{ "T 11-30 10:00 extra", "extra" },
	{ "T 11-30 10:00 =5", "=5" },
};

START_TEST(newactivity_bad_options)
{
	struct command cmd;
	char buf[256];

	snprintf(buf, sizeof(buf), "/newactivity %s", eusage_rows[_i].args);
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	ck_assert_msg(cmd.err == CMD_EUSAGE, "row %d: %s", _i,
	    cmd_err_str(cmd.err));
	ck_assert_msg(strcmp(cmd.bad, eusage_rows[_i].bad) == 0,
	    "row %d: bad \"%s\"", _i, cmd.bad);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Other argument shapes */

START_TEST(register_takes_a_phone)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("登记 张三 13800138000", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.text, "张三");
	ck_assert_str_eq(cmd.phone, "13800138000");
	ck_assert_int_eq(parse_text("/register A B +12345", &cmd), 1);
	ck_assert_str_eq(cmd.text, "A B");
	ck_assert_str_eq(cmd.phone, "+12345");
	ck_assert_int_eq(parse_text("/register 李四", &cmd), 1);
	ck_assert_str_eq(cmd.phone, "");
}
END_TEST

static const struct {
	const char *text;
	long delta;
} delta_rows[] = {
	{ "/credit #1 5", 5 },
	{ "/credit #1 +5", 5 },
	{ "/credit #1 -5", -5 },
	{ "/credit #1 ＋7", 7 },
	{ "/credit #1 －7", -7 },
	{ "/credit #1 \xe2\x88\x92"
	  "8",
	    -8 },
	{ "/credit #1 1000", 1000 },
	{ "/credit #1 -1000", -1000 },
};

START_TEST(credit_takes_a_signed_delta)
{
	struct command cmd;

	ck_assert_int_eq(parse_text(delta_rows[_i].text, &cmd), 1);
	ck_assert_msg(cmd.err == CMD_OK, "row %d: %s", _i,
	    cmd_err_str(cmd.err));
	ck_assert_msg(cmd.delta == delta_rows[_i].delta, "row %d: %ld", _i,
	    cmd.delta);
	ck_assert_int_eq(cmd.target.kind, TARGET_MEMBER);
}
END_TEST

static const struct {
	const char *word;
	const char *role;
} role_rows[] = {
	{ "owner", "owner" },
	{ "Committee", "committee" },
	{ "liaison", "liaison" },
	{ "seed", "seed" },
	{ "member", "member" },
	{ "群主", "owner" },
	{ "负责人", "owner" },
	{ "委员", "committee" },
	{ "联络员", "liaison" },
	{ "骨干", "seed" },
	{ "成员", "member" },
};

START_TEST(role_names_in_both_languages)
{
	struct command cmd;
	char buf[128];

	snprintf(buf, sizeof(buf), "/任命 #5 %s", role_rows[_i].word);
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	ck_assert_msg(cmd.err == CMD_OK, "row %d", _i);
	ck_assert_str_eq(cmd.role, role_rows[_i].role);
}
END_TEST

START_TEST(bind_takes_a_path_and_council)
{
	struct command cmd;
	char buf[400];

	ck_assert_int_eq(parse_text("/bind yiwu/suxi/zu-03", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.path, "yiwu/suxi/zu-03");
	ck_assert_int_eq(cmd.council, 0);
	ck_assert_int_eq(parse_text("/bind yiwu council", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.council, 1);
	ck_assert_int_eq(parse_text("/绑定 yiwu/a1 议事", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.path, "yiwu/a1");
	ck_assert_int_eq(cmd.council, 1);

	/* 255 bytes fit, 256 do not */
	strcpy(buf, "/bind ");
	memset(buf + 6, 'a', 255);
	buf[6 + 255] = '\0';
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_uint_eq(strlen(cmd.path), 255);
	strcat(buf, "a");
	ck_assert_int_eq(parse_text(buf, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_EUSAGE);
	ck_assert_str_eq(cmd.path, "");
}
END_TEST

START_TEST(broadcast_filters_and_text)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("/broadcast urgent level=3 tag=farm "
				    "purpose=council 明天 停水，请 转告",
			     &cmd),
	    1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.urgent, 1);
	ck_assert_str_eq(cmd.level, "3");
	ck_assert_str_eq(cmd.tag, "farm");
	ck_assert_str_eq(cmd.purpose, "council");
	ck_assert_str_eq(cmd.text, "明天 停水，请 转告");

	ck_assert_int_eq(parse_text("/广播 级别＝2 标签=志愿 用途=成员 大家好",
			     &cmd),
	    1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_int_eq(cmd.urgent, 0);
	ck_assert_str_eq(cmd.level, "2");
	ck_assert_str_eq(cmd.tag, "志愿");
	ck_assert_str_eq(cmd.purpose, "members");
	ck_assert_str_eq(cmd.text, "大家好");

	ck_assert_int_eq(parse_text("/broadcast \"urgent is a word\"", &cmd),
	    1);
	ck_assert_int_eq(cmd.urgent, 0);
	ck_assert_str_eq(cmd.text, "urgent is a word");
}
END_TEST

START_TEST(ack_and_report_take_a_broadcast_id)
{
	struct command cmd;

	ck_assert_int_eq(parse_text("收到 b-17", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	ck_assert_str_eq(cmd.broadcast_id, "b-17");
	ck_assert_int_eq(parse_text("/report #42", &cmd), 1);
	ck_assert_str_eq(cmd.broadcast_id, "42");
	ck_assert_int_eq(parse_text("/ack@Bot", &cmd), 1);
	ck_assert_str_eq(cmd.broadcast_id, "");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Garbage never crashes and never overflows a field. */

static void
assert_terminated(const struct command *cmd)
{
	ck_assert(memchr(cmd->name, '\0', sizeof(cmd->name)) != NULL);
	ck_assert(memchr(cmd->bad, '\0', sizeof(cmd->bad)) != NULL);
	ck_assert(memchr(cmd->act_id, '\0', sizeof(cmd->act_id)) != NULL);
	ck_assert(memchr(cmd->text, '\0', sizeof(cmd->text)) != NULL);
	ck_assert(memchr(cmd->place, '\0', sizeof(cmd->place)) != NULL);
	ck_assert(memchr(cmd->path, '\0', sizeof(cmd->path)) != NULL);
	ck_assert(memchr(cmd->tag, '\0', sizeof(cmd->tag)) != NULL);
	ck_assert(
	    memchr(cmd->target.value, '\0', sizeof(cmd->target.value)) != NULL);
}

START_TEST(garbage_never_crashes)
{
	static struct chat_event ev;
	static const char *const heads[] = { "/newactivity ", "/register ",
		"/broadcast ", "/leave ", "/credit ", "/warn ", "/bind ",
		"/help ", "/", "报名 ", "/ack ", "/role #1 " };
	struct command cmd;
	uint32_t seed = 12345;
	size_t i, h, hl;
	int r;

	for (r = 0; r < 400; r++) {
		memset(&ev, 0, sizeof(ev));
		h = r % (sizeof(heads) / sizeof(heads[0]));
		hl = strlen(heads[h]);
		memcpy(ev.text, heads[h], hl);
		for (i = hl; i < sizeof(ev.text) - 1; i++) {
			seed = seed * 1103515245 + 12345;
			/* bias to the bytes the parser cares about */
			switch ((seed >> 16) % 8) {
			case 0:
				ev.text[i] = " \"=#@-/:"[(seed >> 8) % 8];
				break;
			case 1:
				ev.text[i] = '0' + (seed >> 8) % 10;
				break;
			default:
				ev.text[i] = (char)(seed >> 8);
			}
			if (r % 3 == 0 && i > (size_t)(r * 7) % 300)
				break;
		}
		if (r % 5 == 0)
			memset(ev.text, 'x', sizeof(ev.text)); /* no NUL */
		if (r % 7 == 0)
			memcpy(ev.text, heads[h], hl);
		ev.kind = CHAT_MESSAGE;
		(void)command_parse(&ev, &cmd);
		assert_terminated(&cmd);
	}
}
END_TEST

START_TEST(long_and_truncated_input_is_cut_safely)
{
	static struct chat_event ev;
	struct command cmd;
	size_t i;

	/* a title of 3000 Chinese characters, cut in the event's field */
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/newactivity ");
	for (i = strlen(ev.text); i + 3 < sizeof(ev.text); i += 3)
		memcpy(ev.text + i, "植", 3);
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_EUSAGE); /* no time */

	/* a broadcast text filling the whole field, last char cut */
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/broadcast ");
	for (i = strlen(ev.text); i + 1 < sizeof(ev.text); i++)
		ev.text[i] = "\xe6\xa4\x8d"[i % 3];
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_OK);
	assert_terminated(&cmd);

	/* 1000 words: more than the parser keeps */
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.text, "/leave 3");
	for (i = 0; i < 1000; i++)
		strcat(ev.text, " w");
	ck_assert_int_eq(command_parse(&ev, &cmd), 1);
	ck_assert_str_eq(cmd.act_id, "3");
	ck_assert_uint_eq(strlen(cmd.text), 1000 * 2 - 1);

	/* truncated UTF-8 right after the command word, and an open quote */
	ck_assert_int_eq(parse_text("/help \xe5\xb8", &cmd), 1);
	ck_assert_int_eq(cmd.id, CMD_HELP);
	ck_assert_int_eq(parse_text("报名\xe3\x80", &cmd), 0);
	ck_assert_int_eq(parse_text("/leave 3 \"unterminated", &cmd), 1);
	ck_assert_str_eq(cmd.text,
	    "unterminated"); /* quote opened, never closed */
	ck_assert_int_eq(parse_text("/newactivity \"T 11-30 10:00", &cmd), 1);
	ck_assert_int_eq(cmd.err, CMD_EUSAGE);
	ck_assert_int_eq(parse_text("/\xff\xfe", &cmd), 1);
	ck_assert_int_eq(cmd.id, CMD_UNKNOWN);
}
END_TEST

/* ------------------------------------------------------------------ */
/* command_time_resolve */

START_TEST(civil_times_resolve_in_the_zone)
{
	struct civil_time ct = { 2024, 11, 30, 18, 0 };
	int64_t t;
	const int64_t now = 1732960800 - 86400 * 10; /* 2024-11-20 */

	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), 0);
	ck_assert_int_eq(t, 1732960800); /* 2024-11-30 10:00 UTC */
	ct.year = 0;
	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), 0);
	ck_assert_int_eq(t, 1732960800);
	/* 01-05 typed in November means next January */
	ct.month = 1;
	ct.day = 5;
	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), 0);
	ck_assert_int_eq(t, 1736071200); /* 2025-01-05 10:00 UTC */
	/* a few days ago stays this year (the script says "in the past") */
	ct.month = 11;
	ct.day = 18;
	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), 0);
	ck_assert(t < now);
	/* 29 February without a year, in a year that has none */
	ct.month = 2;
	ct.day = 29;
	ck_assert_int_eq(command_time_resolve(&ct, now + 86400 * 100, 28800,
			     &t),
	    -1);
	ct.year = 2024;
	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), 0);
	ct.month = 13;
	ck_assert_int_eq(command_time_resolve(&ct, now, 28800, &t), -1);
}
END_TEST

Suite *
command_suite(void)
{
	Suite *s = suite_create("command");
	TCase *tc;

	tc = tcase_create("recognise");
	tcase_add_loop_test(tc, commands_are_recognised_with_their_arguments, 0,
	    NROWS(parse_rows));
	tcase_add_test(tc, every_command_has_both_names);
	tcase_add_test(tc, keywords_are_the_member_commands);
	tcase_add_test(tc, min_ranks_follow_the_spec);
	tcase_add_test(tc, unknown_command_keeps_the_word);
	tcase_add_test(tc, non_message_events_are_not_commands);
	suite_add_tcase(s, tc);

	tc = tcase_create("member");
	tcase_add_test(tc, member_from_reply_wins);
	tcase_add_test(tc, member_from_mention_consumes_its_text);
	tcase_add_loop_test(tc, member_from_typed_token, 0,
	    NROWS(typed_target_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("newactivity");
	tcase_add_test(tc, newactivity_with_every_option);
	tcase_add_test(tc, newactivity_in_chinese);
	tcase_add_test(tc, newactivity_defaults);
	tcase_add_loop_test(tc, newactivity_date_forms, 0, NROWS(date_rows));
	tcase_add_loop_test(tc, newactivity_bad_times, 0, NROWS(etime_rows));
	tcase_add_loop_test(tc, newactivity_bad_options, 0, NROWS(eusage_rows));
	tcase_add_test(tc, civil_times_resolve_in_the_zone);
	suite_add_tcase(s, tc);

	tc = tcase_create("arguments");
	tcase_add_test(tc, register_takes_a_phone);
	tcase_add_loop_test(tc, credit_takes_a_signed_delta, 0,
	    NROWS(delta_rows));
	tcase_add_loop_test(tc, role_names_in_both_languages, 0,
	    NROWS(role_rows));
	tcase_add_test(tc, bind_takes_a_path_and_council);
	tcase_add_test(tc, broadcast_filters_and_text);
	tcase_add_test(tc, ack_and_report_take_a_broadcast_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("garbage");
	tcase_add_test(tc, garbage_never_crashes);
	tcase_add_test(tc, long_and_truncated_input_is_cut_safely);
	suite_add_tcase(s, tc);
	return (s);
}
