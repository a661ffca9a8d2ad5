/*
 * command.c -- the command table and parser (SPEC section 4).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/command.h"
#include "core/xmem.h"

#define CMD_TOK_MAX 256 /* tokens kept; the rest only counts as text */

/* One word of the arguments. */
struct cmd_tok {
	const char *s;    /* cooked: quotes removed, ＝＃＠ folded */
	size_t len;       /* of s */
	size_t raw_start; /* byte offsets in the text */
	size_t raw_end;
	int quoted; /* the word began with a quote */
};

/* The arguments of one command, split into words. */
struct cmd_lex {
	const char *text;
	size_t len;
	struct cmd_tok tok[CMD_TOK_MAX];
	size_t ntok;
	size_t stop; /* offset where splitting stopped (end, or the cap) */
	int slash;   /* typed with '/', not as a bare keyword */
	char buf[CHAT_TEXT_MAX + CMD_TOK_MAX + 1];
};

static size_t command_space(const char *, const char *);
static size_t command_quote_open(const char *, const char *);
static size_t command_quote_close(const char *, const char *);
static int command_ascii_ieq(const char *, size_t, const char *);
static const struct cmd_info *command_lookup(const char *, size_t);
static void command_lex(struct cmd_lex *, const char *, size_t, size_t);
static void command_rest(const struct cmd_lex *, size_t, char *, size_t);
static void command_span(const struct cmd_lex *, size_t, size_t, char *,
    size_t);
static int command_is_digits(const char *, size_t, size_t);
static int command_number(const char *, long, long *);
static int command_act_id(const struct cmd_tok *, struct command *);
static void command_bad(struct command *, enum cmd_err, const char *, size_t);
static int command_target(const struct chat_event *, const struct cmd_lex *,
    size_t *, struct command *);
static int command_date_shape(const char *, struct civil_time *);
static int command_time_shape(const char *, struct civil_time *);
static int command_days_in(int, int);
static int command_datetime(const struct cmd_lex *, size_t, size_t *,
    const char *, struct civil_time *, struct command *);
static int command_option(const char *, size_t, const char *const *);
static void command_parse_newactivity(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_register(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_credit(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_role(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_bind(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_broadcast(const struct cmd_lex *, size_t,
    struct command *);
static void command_parse_bid(const struct cmd_lex *, size_t, struct command *);
static int64_t command_days_from_civil(int64_t, int, int);

/* SPEC section 4, in its order. */
static const struct cmd_info command_rows[] = {
	{ CMD_HELP, "help", "帮助", 1, RANK_MEMBER, "/help [command]",
	    "帮助 [命令]", "list the commands you can use",
	    "查看你能用的命令" },
	{ CMD_ACTIVITIES, "activities", "活动", 1, RANK_MEMBER, "/activities",
	    "活动", "list the open activities", "查看正在报名的活动" },
	{ CMD_SIGNUP, "signup", "报名", 1, RANK_MEMBER, "/signup [id]",
	    "报名 [活动编号]", "sign up, or join the waitlist when it is full",
	    "报名参加活动，满员时自动候补" },
	{ CMD_CANCEL, "cancel", "取消报名", 1, RANK_MEMBER, "/cancel [id]",
	    "取消报名 [活动编号]", "cancel your sign-up",
	    "取消报名，名额让给候补的人" },
	{ CMD_LEAVE, "leave", "请假", 1, RANK_MEMBER, "/leave [id] [reason]",
	    "请假 [活动编号] [原因]",
	    "ask for leave before the start; it is not counted as an absence",
	    "活动开始前请假，不算缺席" },
	{ CMD_CHECKIN, "checkin", "签到", 1, RANK_MEMBER, "/checkin [id]",
	    "签到 [活动编号]", "check in, from 1 hour before the start",
	    "签到（开始前 1 小时起可签）" },
	{ CMD_ME, "me", "我的", 1, RANK_MEMBER, "/me", "我的",
	    "your credit, absences, warnings and volunteer hours",
	    "查看我的信用分、缺席、警告和志愿时长" },
	{ CMD_ACK, "ack", "收到", 1, RANK_MEMBER, "/ack [broadcast id]",
	    "收到 [广播编号]", "acknowledge the latest (or given) broadcast",
	    "确认收到最新（或指定）的广播" },
	{ CMD_REGISTER, "register", "登记", 1, RANK_MEMBER,
	    "/register name [phone]", "登记 姓名 [手机号]",
	    "register your real name", "实名登记" },
	{ CMD_NEWACTIVITY, "newactivity", "发起活动", 0, RANK_COMMITTEE,
	    "/newactivity title MM-DD HH:MM [cap=N] [place=...] "
	    "[deadline=MM-DD HH:MM] [mincredit=N] [hours=N]",
	    "/发起活动 标题 月-日 时:分 [名额=N] [地点=…] [截止=月-日 时:分] "
	    "[最低信用=N] [时长=N]",
	    "create an activity", "发起一个活动" },
	{ CMD_CLOSE, "close", "结束活动", 0, RANK_COMMITTEE, "/close [id]",
	    "/结束活动 [活动编号]", "close an activity and record attendance",
	    "结束活动并记录出勤" },
	{ CMD_WARN, "warn", "警告", 0, RANK_COMMITTEE, "/warn member [reason]",
	    "/警告 成员 [原因]", "the next step of the warning ladder",
	    "警告成员（提醒、警告、拉黑逐级升级）" },
	{ CMD_BLACKLIST, "blacklist", "拉黑", 0, RANK_COMMITTEE,
	    "/blacklist member [reason]", "/拉黑 成员 [原因]",
	    "blacklist a member under this node", "在本节点及下级拉黑成员" },
	{ CMD_UNBLACKLIST, "unblacklist", "解除拉黑", 0, RANK_COMMITTEE,
	    "/unblacklist member", "/解除拉黑 成员", "lift a blacklisting",
	    "解除拉黑" },
	{ CMD_CREDIT, "credit", "信用", 0, RANK_COMMITTEE,
	    "/credit member ±N [reason]", "/信用 成员 ±N [原因]",
	    "change a member's credit by hand", "手动调整成员信用分" },
	{ CMD_ROLE, "role", "任命", 0, RANK_OWNER, "/role member role",
	    "/任命 成员 角色",
	    "assign a role: owner, committee, liaison, seed or member",
	    "任命角色：负责人、委员、联络员、骨干或成员" },
	{ CMD_BIND, "bind", "绑定", 0, RANK_OPERATOR,
	    "/bind node/path [council]", "/绑定 节点路径 [议事]",
	    "bind this chat to a node of the tower", "把本群绑定到组织节点" },
	{ CMD_BROADCAST, "broadcast", "广播", 0, RANK_LIAISON,
	    "/broadcast [urgent] [level=N] [tag=x] [purpose=members|council] "
	    "text",
	    "/广播 [紧急] [级别=N] [标签=x] [用途=成员|议事] 内容",
	    "broadcast down the tower from this chat's node",
	    "从本群节点向下级群发广播" },
	{ CMD_REPORT, "report", "报告", 0, RANK_LIAISON,
	    "/report [broadcast id]", "/报告 [广播编号]",
	    "reach and acknowledgement report of a broadcast",
	    "查看广播的送达和确认情况" },
	{ CMD_STARS, "stars", "星级", 0, RANK_COMMITTEE, "/stars", "/星级",
	    "star ratings of the liaisons under this node",
	    "查看下级联络员的星级评价" },
};

#define COMMAND_NROWS (sizeof(command_rows) / sizeof(command_rows[0]))

/* Chinese and English spellings of the roles, canonical name second. */
static const char *const command_roles[][2] = {
	{ "owner", "owner" },
	{ "committee", "committee" },
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

static const char *const opt_cap[] = { "cap", "名额", NULL };
static const char *const opt_place[] = { "place", "地点", NULL };
static const char *const opt_deadline[] = { "deadline", "截止", NULL };
static const char *const opt_mincredit[] = { "mincredit", "最低信用", NULL };
static const char *const opt_hours[] = { "hours", "时长", NULL };
static const char *const opt_level[] = { "level", "级别", "层级", NULL };
static const char *const opt_tag[] = { "tag", "标签", NULL };
static const char *const opt_purpose[] = { "purpose", "用途", NULL };

const struct cmd_info *
command_table(size_t *n)
{
	if (n != NULL)
		*n = COMMAND_NROWS;
	return (command_rows);
}

const struct cmd_info *
command_info(enum cmd_id id)
{
	size_t i;

	for (i = 0; i < COMMAND_NROWS; i++)
		if (command_rows[i].id == id)
			return (&command_rows[i]);
	return (NULL);
}

const struct cmd_info *
command_by_name(const char *name)
{
	if (name == NULL)
		return (NULL);
	if (name[0] == '/')
		name++;
	return (command_lookup(name, strlen(name)));
}

const char *
cmd_err_str(enum cmd_err e)
{
	switch (e) {
	case CMD_OK:
		return ("ok");
	case CMD_EUSAGE:
		return ("usage");
	case CMD_ETIME:
		return ("time");
	case CMD_EMEMBER:
		return ("member");
	}
	return ("unknown");
}

/* Bytes of the word separator at p (ASCII white space or U+3000), or 0. */
static size_t
command_space(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;

	if (p >= end)
		return (0);
	if (*u == ' ' || (*u >= '\t' && *u <= '\r'))
		return (1);
	if (end - p >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return (3);
	return (0);
}

/* Bytes of an opening quote (" or “) at p, or 0. */
static size_t
command_quote_open(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;

	if (p >= end)
		return (0);
	if (*u == '"')
		return (1);
	if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0x9c)
		return (3);
	return (0);
}

/* Bytes of a closing quote (" or ”) at p, or 0. */
static size_t
command_quote_close(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;

	if (p >= end)
		return (0);
	if (*u == '"')
		return (1);
	if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0x9d)
		return (3);
	return (0);
}

/* 1 if s[0..n) equals the NUL-terminated want, ASCII case-insensitively. */
static int
command_ascii_ieq(const char *s, size_t n, const char *want)
{
	size_t i;
	unsigned char a, b;

	for (i = 0; i < n; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)want[i];
		if (b == '\0')
			return (0);
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return (0);
	}
	return (want[n] == '\0');
}

static const struct cmd_info *
command_lookup(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return (NULL);
	for (i = 0; i < COMMAND_NROWS; i++)
		if (command_ascii_ieq(s, n, command_rows[i].name) ||
		    command_ascii_ieq(s, n, command_rows[i].zh))
			return (&command_rows[i]);
	return (NULL);
}

/*
 * Split text[from..len) into words.  Quotes may open a word or follow '='
 * inside one; an unterminated quote runs to the end.  Outside quotes the
 * full-width ＝ ＃ ＠ are folded to ASCII.
 */
static void
command_lex(struct cmd_lex *lx, const char *text, size_t len, size_t from)
{
	const char *p = text + from, *end = text + len;
	char *out = lx->buf;
	const unsigned char *u;
	struct cmd_tok *t;
	size_t n;

	lx->text = text;
	lx->len = len;
	lx->ntok = 0;
	for (;;) {
		while ((n = command_space(p, end)) > 0)
			p += n;
		if (p >= end || lx->ntok == CMD_TOK_MAX)
			break;
		t = &lx->tok[lx->ntok++];
		t->s = out;
		t->raw_start = p - text;
		t->quoted = command_quote_open(p, end) > 0;
		while (p < end && command_space(p, end) == 0) {
			if ((n = command_quote_open(p, end)) > 0) {
				p += n;
				while (p < end &&
				       (n = command_quote_close(p, end)) == 0)
					*out++ = *p++;
				p += n;
				continue;
			}
			u = (const unsigned char *)p;
			if (end - p >= 3 && u[0] == 0xef && u[1] == 0xbc &&
			    (u[2] == 0x9d || u[2] == 0x83 || u[2] == 0xa0)) {
				*out++ = u[2] == 0x9d   ? '='
					 : u[2] == 0x83 ? '#'
							: '@';
				p += 3;
				continue;
			}
			*out++ = *p++;
		}
		t->raw_end = p - text;
		t->len = out - t->s;
		*out++ = '\0';
	}
	lx->stop = p - text;
}

/* The raw text from word i to the end, trimmed; one quoted word unquoted. */
static void
command_rest(const struct cmd_lex *lx, size_t i, char *dst, size_t dstlen)
{
	size_t a, b, n;

	if (i + 1 == lx->ntok && lx->stop == lx->len && lx->tok[i].quoted) {
		xmemlcpy_utf8(dst, lx->tok[i].s, lx->tok[i].len, dstlen);
		return;
	}
	a = i < lx->ntok ? lx->tok[i].raw_start : lx->stop;
	b = lx->len;
	for (;;) {
		if (b > a && command_space(lx->text + b - 1, lx->text + b))
			b--;
		else if (b >= a + 3 &&
			 command_space(lx->text + b - 3, lx->text + b) == 3)
			b -= 3;
		else
			break;
	}
	n = b - a;
	xmemlcpy_utf8(dst, lx->text + a, n, dstlen);
}

/* The raw text of words [i, j); one quoted word unquoted. */
static void
command_span(const struct cmd_lex *lx, size_t i, size_t j, char *dst,
    size_t dstlen)
{
	if (j == i + 1 && lx->tok[i].quoted) {
		xmemlcpy_utf8(dst, lx->tok[i].s, lx->tok[i].len, dstlen);
		return;
	}
	if (j <= i) {
		dst[0] = '\0';
		return;
	}
	xmemlcpy_utf8(dst, lx->text + lx->tok[i].raw_start,
	    lx->tok[j - 1].raw_end - lx->tok[i].raw_start, dstlen);
}

/* 1 if s[0..n) is 1 to max ASCII digits. */
static int
command_is_digits(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* A non-negative decimal no larger than max: 0, or -1. */
static int
command_number(const char *s, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		v = v * 10 + (*s - '0');
		if (v > max)
			return (-1);
	}
	*out = v;
	return (0);
}

/* Take "12" or "#12" as the activity id: 1, or 0 if t is not one. */
static int
command_act_id(const struct cmd_tok *t, struct command *cmd)
{
	const char *s = t->s;
	size_t n = t->len;

	if (n > 0 && s[0] == '#') {
		s++;
		n--;
	}
	if (!command_is_digits(s, n, CMD_ACT_ID_MAX - 1))
		return (0);
	xmemlcpy_utf8(cmd->act_id, s, n, sizeof(cmd->act_id));
	return (1);
}

static void
command_bad(struct command *cmd, enum cmd_err err, const char *s, size_t n)
{
	cmd->err = err;
	xmemlcpy_utf8(cmd->bad, s, n, sizeof(cmd->bad));
}

/*
 * The <member> of the command, in SPEC order: the author of the quoted
 * message, a platform mention, a typed "@name", a typed "#12".  A typed
 * word at *ti is consumed when it is the source, or when it is the "@name"
 * text of the platform mention.  Returns 1 if a target was found.
 */
static int
command_target(const struct chat_event *ev, const struct cmd_lex *lx,
    size_t *ti, struct command *cmd)
{
	struct cmd_target *tg = &cmd->target;
	const struct chat_user *m;
	const struct cmd_tok *t = *ti < lx->ntok ? &lx->tok[*ti] : NULL;
	int at = t != NULL && t->len > 1 && t->s[0] == '@' && !t->quoted;

	if (ev->reply_to.id[0] != '\0') {
		tg->kind = TARGET_USER;
		xstrlcpy_utf8(tg->value, ev->reply_to.id, sizeof(tg->value));
		xstrlcpy_utf8(tg->name, ev->reply_to.name, sizeof(tg->name));
		xstrlcpy_utf8(tg->username, ev->reply_to.username,
		    sizeof(tg->username));
		return (1);
	}
	m = &ev->mentions[0];
	if (ev->nmentions > 0 && (m->id[0] != '\0' || m->username[0] != '\0')) {
		tg->kind = m->id[0] != '\0' ? TARGET_USER : TARGET_USERNAME;
		xstrlcpy_utf8(tg->value, m->id[0] != '\0' ? m->id : m->username,
		    sizeof(tg->value));
		xstrlcpy_utf8(tg->name, m->name, sizeof(tg->name));
		xstrlcpy_utf8(tg->username, m->username, sizeof(tg->username));
		if (at)
			(*ti)++;
		return (1);
	}
	if (at) {
		tg->kind = TARGET_USERNAME;
		xmemlcpy_utf8(tg->value, t->s + 1, t->len - 1,
		    sizeof(tg->value));
		xmemlcpy_utf8(tg->username, t->s + 1, t->len - 1,
		    sizeof(tg->username));
		(*ti)++;
		return (1);
	}
	if (t != NULL && !t->quoted && t->len > 1 && t->s[0] == '#' &&
	    command_is_digits(t->s + 1, t->len - 1, CHAT_ID_MAX - 1)) {
		tg->kind = TARGET_MEMBER;
		xmemlcpy_utf8(tg->value, t->s + 1, t->len - 1,
		    sizeof(tg->value));
		(*ti)++;
		return (1);
	}
	return (0);
}

/*
 * "YYYY-MM-DD", "MM-DD", "YYYY/MM/DD", "MM/DD": 1 and the fields (not yet
 * range-checked) if s has that shape, else 0.
 */
static int
command_date_shape(const char *s, struct civil_time *ct)
{
	int v[3], w[3], ng = 0;
	const char *p = s;

	while (ng < 3) {
		v[ng] = 0;
		w[ng] = 0;
		while (*p >= '0' && *p <= '9' && w[ng] < 5) {
			v[ng] = v[ng] * 10 + (*p - '0');
			w[ng]++;
			p++;
		}
		if (w[ng] == 0)
			return (0);
		ng++;
		if (*p == '\0')
			break;
		if (*p != '-' && *p != '/')
			return (0);
		p++;
	}
	if (*p != '\0')
		return (0);
	if (ng == 2 && w[0] <= 2 && w[1] <= 2) {
		ct->year = 0;
		ct->month = v[0];
		ct->day = v[1];
		return (1);
	}
	if (ng == 3 && w[0] == 4 && w[1] <= 2 && w[2] <= 2) {
		ct->year = v[0];
		ct->month = v[1];
		ct->day = v[2];
		return (1);
	}
	return (0);
}

/* "H:MM" or "HH:MM", the colon ASCII or full-width: 1 and the fields. */
static int
command_time_shape(const char *s, struct civil_time *ct)
{
	const unsigned char *u = (const unsigned char *)s;
	int h = 0, nh = 0;

	while (*u >= '0' && *u <= '9' && nh < 3) {
		h = h * 10 + (*u - '0');
		nh++;
		u++;
	}
	if (nh == 0 || nh > 2)
		return (0);
	if (*u == ':')
		u++;
	else if (u[0] == 0xef && u[1] == 0xbc && u[2] == 0x9a)
		u += 3;
	else
		return (0);
	if (u[0] < '0' || u[0] > '9' || u[1] < '0' || u[1] > '9' ||
	    u[2] != '\0')
		return (0);
	ct->hour = h;
	ct->minute = (u[0] - '0') * 10 + (u[1] - '0');
	return (1);
}

/* Days in month m (1-12) of year y; y 0 (not given) allows 29 February. */
static int
command_days_in(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (m == 2 &&
	    (y == 0 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return (29);
	return (days[m - 1]);
}

/*
 * A date and a time.  date is the cooked date text, which may itself hold
 * "date time" when it was quoted; otherwise the time is word *j, which is
 * consumed.  The error quotes the words from bad_from on.  Returns 0, or
 * -1 with cmd->err set.
 */
static int
command_datetime(const struct cmd_lex *lx, size_t bad_from, size_t *j,
    const char *date, struct civil_time *ct, struct command *cmd)
{
	char dbuf[64];
	const char *time = NULL, *sp;
	size_t bad_to = bad_from + 1;
	int next = 0;

	if ((sp = strchr(date, ' ')) != NULL) {
		xmemlcpy_utf8(dbuf, date, sp - date, sizeof(dbuf));
		while (*sp == ' ')
			sp++;
		time = sp;
		date = dbuf;
	} else if (*j < lx->ntok) {
		time = lx->tok[*j].s;
		next = 1;
		/* "11-30 cap=5": quote the date alone */
		if (strchr(time, '=') == NULL)
			bad_to = *j + 1;
	}
	if (!command_date_shape(date, ct) || time == NULL ||
	    !command_time_shape(time, ct))
		goto bad;
	if ((ct->year != 0 && ct->year < 1970) || ct->month < 1 ||
	    ct->month > 12 || ct->day < 1 ||
	    ct->day > command_days_in(ct->year, ct->month) || ct->hour > 23 ||
	    ct->minute > 59)
		goto bad;
	if (next)
		(*j)++;
	return (0);
bad:
	memset(ct, 0, sizeof(*ct));
	cmd->err = CMD_ETIME;
	command_span(lx, bad_from, bad_to, cmd->bad, sizeof(cmd->bad));
	return (-1);
}

/* 1 if key[0..n) is one of names (English ones ASCII case-insensitive). */
static int
command_option(const char *key, size_t n, const char *const *names)
{
	for (; *names != NULL; names++)
		if (command_ascii_ieq(key, n, *names))
			return (1);
	return (0);
}

/* title time [cap=N] [place=...] [deadline=...] [mincredit=N] [hours=N] */
static void
command_parse_newactivity(const struct cmd_lex *lx, size_t ti,
    struct command *cmd)
{
	struct civil_time probe;
	const struct cmd_tok *t;
	const char *eq, *val;
	size_t di, j, kn;
	long *num;

	for (di = ti; di < lx->ntok; di++)
		if (!lx->tok[di].quoted &&
		    command_date_shape(lx->tok[di].s, &probe))
			break;
	if (di == ti || di == lx->ntok) {
		command_bad(cmd, CMD_EUSAGE, "", 0);
		return;
	}
	command_span(lx, ti, di, cmd->text, sizeof(cmd->text));
	j = di + 1;
	if (command_datetime(lx, di, &j, lx->tok[di].s, &cmd->start, cmd) == -1)
		return;
	for (; j < lx->ntok; j++) {
		t = &lx->tok[j];
		if ((eq = memchr(t->s, '=', t->len)) == NULL || eq == t->s ||
		    eq[1] == '\0')
			goto usage;
		kn = eq - t->s;
		val = eq + 1;
		num = NULL;
		if (command_option(t->s, kn, opt_cap))
			num = &cmd->cap;
		else if (command_option(t->s, kn, opt_mincredit))
			num = &cmd->mincredit;
		else if (command_option(t->s, kn, opt_hours))
			num = &cmd->hours;
		else if (command_option(t->s, kn, opt_place))
			xstrlcpy_utf8(cmd->place, val, sizeof(cmd->place));
		else if (command_option(t->s, kn, opt_deadline)) {
			size_t k = j + 1;

			if (command_datetime(lx, j, &k, val, &cmd->deadline,
				cmd) == -1)
				return;
			j = k - 1;
		} else
			goto usage;
		if (num != NULL && command_number(val, CMD_NUM_MAX, num) == -1)
			goto usage;
	}
	return;
usage:
	command_bad(cmd, CMD_EUSAGE, lx->tok[j].s, lx->tok[j].len);
}

/* name [phone] */
static void
command_parse_register(const struct cmd_lex *lx, size_t ti, struct command *cmd)
{
	const struct cmd_tok *t;
	size_t n = lx->ntok, digits;
	const char *d;

	if (ti >= n || lx->stop != lx->len)
		goto usage;
	t = &lx->tok[n - 1];
	d = t->s + (t->s[0] == '+');
	digits = t->len - (d - t->s);
	if (!t->quoted && command_is_digits(d, digits, (size_t)-1)) {
		if (n - ti < 2 || digits < 5 || digits > 20)
			goto usage;
		xmemlcpy_utf8(cmd->phone, t->s, t->len, sizeof(cmd->phone));
		n--;
	}
	command_span(lx, ti, n, cmd->text, sizeof(cmd->text));
	if (cmd->text[0] == '\0' || strlen(cmd->text) > CMD_REALNAME_MAX) {
		cmd->phone[0] = '\0';
		command_bad(cmd, CMD_EUSAGE, cmd->text, strlen(cmd->text));
	}
	return;
usage:
	cmd->text[0] = '\0';
	cmd->phone[0] = '\0';
	if (ti < lx->ntok)
		command_bad(cmd, CMD_EUSAGE, lx->tok[lx->ntok - 1].s,
		    lx->tok[lx->ntok - 1].len);
	else
		command_bad(cmd, CMD_EUSAGE, "", 0);
}

/* (member) ±N [reason]; the sign may be full-width or U+2212. */
static void
command_parse_credit(const struct cmd_lex *lx, size_t ti, struct command *cmd)
{
	const struct cmd_tok *t;
	const unsigned char *u;
	int neg = 0;
	long v;
	size_t skip = 0;

	if (ti >= lx->ntok) {
		command_bad(cmd, CMD_EUSAGE, "", 0);
		return;
	}
	t = &lx->tok[ti];
	u = (const unsigned char *)t->s;
	if (u[0] == '+' || u[0] == '-') {
		neg = u[0] == '-';
		skip = 1;
	} else if (t->len >= 3 && u[0] == 0xef && u[1] == 0xbc &&
		   (u[2] == 0x8b || u[2] == 0x8d)) {
		neg = u[2] == 0x8d;
		skip = 3;
	} else if (t->len >= 3 && u[0] == 0xe2 && u[1] == 0x88 &&
		   u[2] == 0x92) {
		neg = 1;
		skip = 3;
	}
	if (command_number(t->s + skip, CMD_DELTA_MAX, &v) == -1 || v == 0) {
		command_bad(cmd, CMD_EUSAGE, t->s, t->len);
		return;
	}
	cmd->delta = neg ? -v : v;
	command_rest(lx, ti + 1, cmd->text, sizeof(cmd->text));
}

/* (member) role */
static void
command_parse_role(const struct cmd_lex *lx, size_t ti, struct command *cmd)
{
	size_t i;

	if (ti >= lx->ntok) {
		command_bad(cmd, CMD_EUSAGE, "", 0);
		return;
	}
	for (i = 0; i < sizeof(command_roles) / sizeof(command_roles[0]); i++)
		if (command_ascii_ieq(lx->tok[ti].s, lx->tok[ti].len,
			command_roles[i][0])) {
			xstrlcpy_utf8(cmd->role, command_roles[i][1],
			    sizeof(cmd->role));
			return;
		}
	command_bad(cmd, CMD_EUSAGE, lx->tok[ti].s, lx->tok[ti].len);
}

/* path [council]: slugs [a-z0-9-]+ joined by '/', at most 255 bytes. */
static void
command_parse_bind(const struct cmd_lex *lx, size_t ti, struct command *cmd)
{
	const struct cmd_tok *t;
	size_t i, seg = 0;
	char c;

	if (ti >= lx->ntok) {
		command_bad(cmd, CMD_EUSAGE, "", 0);
		return;
	}
	t = &lx->tok[ti];
	if (t->len == 0 || t->len >= CMD_PATH_MAX)
		goto bad;
	for (i = 0; i < t->len; i++) {
		c = t->s[i];
		if (c == '/') {
			if (seg == 0)
				goto bad;
			seg = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-')
			seg++;
		else
			goto bad;
	}
	if (seg == 0)
		goto bad;
	memcpy(cmd->path, t->s, t->len);
	cmd->path[t->len] = '\0';
	for (i = ti + 1; i < lx->ntok; i++) {
		t = &lx->tok[i];
		if (command_ascii_ieq(t->s, t->len, "council") ||
		    command_ascii_ieq(t->s, t->len, "议事"))
			cmd->council = 1;
		else if (command_ascii_ieq(t->s, t->len, "members") ||
			 command_ascii_ieq(t->s, t->len, "成员"))
			cmd->council = 0;
		else
			goto bad;
	}
	return;
bad:
	cmd->path[0] = '\0';
	command_bad(cmd, CMD_EUSAGE, t->s, t->len);
}

/* [urgent|紧急] [level=N] [tag=x] [purpose=members|council] text */
static void
command_parse_broadcast(const struct cmd_lex *lx, size_t ti,
    struct command *cmd)
{
	const struct cmd_tok *t;
	const char *eq, *val;
	size_t kn, vn;
	long lv;

	for (; ti < lx->ntok; ti++) {
		t = &lx->tok[ti];
		if (t->quoted)
			break;
		if (command_ascii_ieq(t->s, t->len, "urgent") ||
		    command_ascii_ieq(t->s, t->len, "紧急")) {
			cmd->urgent = 1;
			continue;
		}
		if (command_ascii_ieq(t->s, t->len, "normal") ||
		    command_ascii_ieq(t->s, t->len, "普通")) {
			cmd->urgent = 0;
			continue;
		}
		if ((eq = memchr(t->s, '=', t->len)) == NULL)
			break;
		kn = eq - t->s;
		val = eq + 1;
		vn = t->len - kn - 1;
		if (command_option(t->s, kn, opt_level)) {
			if (command_number(val, CMD_NUM_MAX, &lv) == -1)
				goto bad;
			memcpy(cmd->level, val, vn + 1);
		} else if (command_option(t->s, kn, opt_tag)) {
			if (vn == 0 || vn >= sizeof(cmd->tag))
				goto bad;
			memcpy(cmd->tag, val, vn + 1);
		} else if (command_option(t->s, kn, opt_purpose)) {
			if (command_ascii_ieq(val, vn, "members") ||
			    command_ascii_ieq(val, vn, "成员"))
				xstrlcpy_utf8(cmd->purpose, "members",
				    sizeof(cmd->purpose));
			else if (command_ascii_ieq(val, vn, "council") ||
				 command_ascii_ieq(val, vn, "议事"))
				xstrlcpy_utf8(cmd->purpose, "council",
				    sizeof(cmd->purpose));
			else
				goto bad;
		} else
			break; /* "a=b" that is no option starts the text */
	}
	command_rest(lx, ti, cmd->text, sizeof(cmd->text));
	if (cmd->text[0] == '\0')
		command_bad(cmd, CMD_EUSAGE, "", 0);
	return;
bad:
	command_bad(cmd, CMD_EUSAGE, t->s, t->len);
}

/* [broadcast id]: [A-Za-z0-9_:.-], with a digit, "#" allowed in front. */
static void
command_parse_bid(const struct cmd_lex *lx, size_t ti, struct command *cmd)
{
	const struct cmd_tok *t;
	const char *s;
	size_t n, i;
	int digit = 0;
	char c;

	if (ti >= lx->ntok)
		return;
	t = &lx->tok[ti];
	s = t->s + (t->s[0] == '#');
	n = t->len - (s - t->s);
	if (n == 0 || n >= sizeof(cmd->broadcast_id))
		goto bad;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			digit = 1;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_' || c == '-' || c == ':' || c == '.'))
			goto bad;
	}
	if (!digit)
		goto bad;
	memcpy(cmd->broadcast_id, s, n);
	cmd->broadcast_id[n] = '\0';
	return;
bad:
	/* "收到 谢谢" is chatter, not a bad id */
	if (lx->slash)
		command_bad(cmd, CMD_EUSAGE, t->s, t->len);
}

int
command_parse(const struct chat_event *ev, struct command *cmd)
{
	struct cmd_lex lx;
	const struct cmd_info *ci = NULL;
	const char *text, *end, *w, *we, *p;
	size_t len, n, ti = 0, i;
	const unsigned char *u;

	memset(cmd, 0, sizeof(*cmd));
	if (ev == NULL || ev->kind != CHAT_MESSAGE)
		return (0);
	text = ev->text;
	len = strnlen(text, sizeof(ev->text));
	end = text + len;
	p = text;
	while ((n = command_space(p, end)) > 0)
		p += n;
	u = (const unsigned char *)p;
	memset(&lx, 0, offsetof(struct cmd_lex, buf));
	if (p < end && *p == '/') {
		lx.slash = 1;
		p++;
	} else if (end - p >= 3 && u[0] == 0xef && u[1] == 0xbc &&
		   u[2] == 0x8f) {
		lx.slash = 1; /* full-width solidus */
		p += 3;
	}
	w = p;
	while (p < end && command_space(p, end) == 0)
		p++;
	/* "/signup@Bot": the name ends at '@' or '＠' */
	for (we = w; we < p; we++) {
		u = (const unsigned char *)we;
		if (*we == '@' || (p - we >= 3 && u[0] == 0xef &&
				      u[1] == 0xbc && u[2] == 0xa0))
			break;
	}
	if (lx.slash) {
		if (we == w)
			return (0);
		ci = command_lookup(w, we - w);
	} else {
		for (i = 0; i < COMMAND_NROWS; i++)
			if (command_rows[i].keyword &&
			    strlen(command_rows[i].zh) == (size_t)(p - w) &&
			    memcmp(command_rows[i].zh, w, p - w) == 0)
				ci = &command_rows[i];
		if (ci == NULL)
			return (0);
	}
	xmemlcpy_utf8(cmd->name, w, we - w, sizeof(cmd->name));
	if (ci == NULL) {
		cmd->id = CMD_UNKNOWN;
		return (1);
	}
	cmd->id = ci->id;
	command_lex(&lx, text, len, p - text);

	switch (cmd->id) {
	case CMD_SIGNUP:
	case CMD_CANCEL:
	case CMD_CHECKIN:
	case CMD_CLOSE:
		if (ti < lx.ntok && !command_act_id(&lx.tok[ti], cmd) &&
		    lx.slash)
			command_bad(cmd, CMD_EUSAGE, lx.tok[ti].s,
			    lx.tok[ti].len);
		break;
	case CMD_LEAVE:
		if (ti < lx.ntok && command_act_id(&lx.tok[ti], cmd))
			ti++;
		command_rest(&lx, ti, cmd->text, sizeof(cmd->text));
		break;
	case CMD_HELP:
		if (ti < lx.ntok) {
			if ((ci = command_by_name(lx.tok[ti].s)) != NULL)
				xstrlcpy_utf8(cmd->text, ci->name,
				    sizeof(cmd->text));
			else
				xmemlcpy_utf8(cmd->text, lx.tok[ti].s,
				    lx.tok[ti].len, sizeof(cmd->text));
		}
		break;
	case CMD_REGISTER:
		command_parse_register(&lx, ti, cmd);
		break;
	case CMD_NEWACTIVITY:
		command_parse_newactivity(&lx, ti, cmd);
		break;
	case CMD_WARN:
	case CMD_BLACKLIST:
	case CMD_UNBLACKLIST:
	case CMD_CREDIT:
	case CMD_ROLE:
		if (!command_target(ev, &lx, &ti, cmd)) {
			cmd->err = CMD_EMEMBER;
			break;
		}
		if (cmd->id == CMD_CREDIT)
			command_parse_credit(&lx, ti, cmd);
		else if (cmd->id == CMD_ROLE)
			command_parse_role(&lx, ti, cmd);
		else if (cmd->id != CMD_UNBLACKLIST)
			command_rest(&lx, ti, cmd->text, sizeof(cmd->text));
		break;
	case CMD_BIND:
		command_parse_bind(&lx, ti, cmd);
		break;
	case CMD_BROADCAST:
		command_parse_broadcast(&lx, ti, cmd);
		break;
	case CMD_ACK:
	case CMD_REPORT:
		command_parse_bid(&lx, ti, cmd);
		break;
	case CMD_ACTIVITIES:
	case CMD_ME:
	case CMD_STARS:
	case CMD_NONE:
	case CMD_UNKNOWN:
		break;
	}
	return (1);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
command_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

int
command_time_resolve(const struct civil_time *ct, int64_t now, long utcoff_s,
    int64_t *out)
{
	int64_t days, t, y;

	if (ct->month < 1 || ct->month > 12 || ct->day < 1 || ct->hour < 0 ||
	    ct->hour > 23 || ct->minute < 0 || ct->minute > 59)
		return (-1);
	y = ct->year;
	if (y == 0) {
		/* the local year of now: invert days_from_civil by search */
		days =
		    (now + utcoff_s) / 86400 - ((now + utcoff_s) % 86400 < 0);
		y = 1970 + days / 366;
		while (command_days_from_civil(y, 1, 1) > days)
			y--;
		while (command_days_from_civil(y + 1, 1, 1) <= days)
			y++;
		t = command_days_from_civil(y, ct->month, ct->day) * 86400 +
		    ct->hour * 3600 + ct->minute * 60 - utcoff_s;
		if (t < now - 30 * 86400)
			y++;
	}
	if (ct->day > command_days_in((int)y, ct->month))
		return (-1);
	*out = command_days_from_civil(y, ct->month, ct->day) * 86400 +
	       ct->hour * 3600 + ct->minute * 60 - utcoff_s;
	return (0);
}
