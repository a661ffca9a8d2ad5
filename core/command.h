/*
 * command.h -- the chat commands of SPEC section 4: the table, and the
 * parser that turns one struct chat_event into one struct command.
 *
 * Pure: no I/O, no clock, no store, no allocation.  The parser only reads
 * the text and the reply/mention fields of the event; whether the sender
 * may run the command, which activity an omitted id means and who a
 * "@name" is are decided later by the store script.  Every field of
 * struct command is fixed-size and NUL-terminated; text that does not fit
 * is cut at a UTF-8 boundary.
 *
 * Syntax accepted (the rules the tests in tests/core/check_command.c pin):
 *  - a command is "/name" (English or Chinese, ASCII case-insensitive,
 *    "/name@Bot" too) at the start of the text, or a first word that is
 *    exactly one of the Chinese member keywords (帮助 活动 报名 取消报名
 *    请假 签到 我的 收到 登记);
 *  - words are separated by ASCII white space or U+3000; a word may be
 *    quoted with "..." or “...”, and a quote may start after '=' (place="A B");
 *  - full-width ＝ ＃ ＠ count as = # @, a full-width ：in a time as ':',
 *    ＋ －  before a credit delta as + -.
 */
#ifndef CORE_COMMAND_H
#define CORE_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "core/chat.h"
#include "core/roles.h"

enum cmd_id {
	CMD_NONE = 0,
	CMD_HELP,
	CMD_ACTIVITIES,
	CMD_SIGNUP,
	CMD_CANCEL,
	CMD_LEAVE,
	CMD_CHECKIN,
	CMD_ME,
	CMD_ACK,
	CMD_REGISTER,
	CMD_NEWACTIVITY,
	CMD_CLOSE,
	CMD_WARN,
	CMD_BLACKLIST,
	CMD_UNBLACKLIST,
	CMD_CREDIT,
	CMD_ROLE,
	CMD_BIND,
	CMD_BROADCAST,
	CMD_REPORT,
	CMD_STARS,
	CMD_UNKNOWN, /* a "/word" that names no command */
};

/* One row of the command table. */
struct cmd_info {
	enum cmd_id id;
	const char *name; /* canonical English, also the script op name */
	const char *zh;   /* Chinese name: "报名" */
	int keyword;      /* 1: zh works without the '/' */
	enum role_rank min_rank; /* least rank the help lists it for; the
				    script makes the real check */
	const char *usage_en;    /* "/signup [id]" */
	const char *usage_zh;    /* "报名 [编号]" */
	const char *desc_en;     /* one line, no final full stop */
	const char *desc_zh;
};

/* The row of id, or NULL for CMD_NONE, CMD_UNKNOWN and out-of-range ids. */
const struct cmd_info *command_info(enum cmd_id);
/*
 * The row named name: English or Chinese, ASCII case-insensitive, with or
 * without a leading '/'.  NULL if none.
 */
const struct cmd_info *command_by_name(const char *name);
/* The whole table in SPEC order; *n gets its length. */
const struct cmd_info *command_table(size_t *n);

/* A wall-clock time as typed, in the configured time zone. */
struct civil_time {
	int year; /* 0: not given */
	int month, day, hour, minute;
};

enum cmd_target_kind {
	TARGET_NONE = 0,
	TARGET_USER,     /* platform user id */
	TARGET_USERNAME, /* @handle, without '@' */
	TARGET_MEMBER,   /* member id, from "#12" */
};

struct cmd_target {
	enum cmd_target_kind kind;
	char value[CHAT_ID_MAX];  /* user id, username or member id */
	char name[CHAT_NAME_MAX]; /* display name if the platform gave one */
	char username[CHAT_NAME_MAX]; /* username if known */
};

enum cmd_err {
	CMD_OK = 0,
	CMD_EUSAGE,  /* missing or bad argument */
	CMD_ETIME,   /* a time that does not parse */
	CMD_EMEMBER, /* needs a <member>, none given */
};

const char *cmd_err_str(enum cmd_err);

#define CMD_NAME_MAX     64
#define CMD_ACT_ID_MAX   16 /* 15 digits */
#define CMD_PHONE_MAX    32
#define CMD_PATH_MAX     256
#define CMD_REALNAME_MAX 64      /* bytes of a /register name */
#define CMD_DELTA_MAX    1000    /* |N| of /credit */
#define CMD_NUM_MAX      1000000 /* cap, mincredit, hours, level */

/* One parsed command.  Plain data; "" and 0 mean "not given". */
struct command {
	enum cmd_id id;
	char name[CMD_NAME_MAX]; /* command word as typed, no '/', no @Bot */
	enum cmd_err err;
	char bad[128];               /* offending token (ETIME, EUSAGE) */
	char act_id[CMD_ACT_ID_MAX]; /* digits only; "" = omitted */
	struct cmd_target target;
	char text[CHAT_TEXT_MAX];   /* title (newactivity), reason (leave,
				       warn, blacklist, credit), real name
				       (register), text (broadcast), command
				       (help: canonical name if known) */
	char phone[CMD_PHONE_MAX];  /* "+" and digits */
	struct civil_time start;    /* newactivity */
	struct civil_time deadline; /* month 0 = not given */
	char place[256];            /* newactivity; "" = none */
	long cap, mincredit, hours; /* newactivity; 0 = none */
	long delta;                 /* credit: signed, non-zero */
	char role[16];              /* owner committee liaison seed member */
	char path[CMD_PATH_MAX];    /* bind: slug/slug/... */
	int council;                /* bind: purpose council */
	int urgent;                 /* broadcast */
	char level[16];             /* broadcast filters, "" = none */
	char tag[64];
	char purpose[16];      /* "members" or "council" */
	char broadcast_id[32]; /* ack, report */
};

/*
 * Parse ev into *cmd (which is cleared first).  Returns 0 when the
 * message is not a command, so no reply is due; 1 when it is, and then
 * cmd->id and cmd->err say which and whether its arguments were good.
 * An unknown "/word" is 1 with CMD_UNKNOWN and cmd->name set.
 */
int command_parse(const struct chat_event *ev, struct command *cmd);

/*
 * Turn a parsed civil time into unix seconds, for a zone utcoff_s seconds
 * east of UTC (Asia/Shanghai: 28800).  A time without a year is taken in
 * the current local year, or the next one if it would lie more than 30
 * days in the past.  Returns 0, or -1 if the date does not exist (29
 * February in a common year).
 */
int command_time_resolve(const struct civil_time *, int64_t now, long utcoff_s,
    int64_t *out);

#endif /* CORE_COMMAND_H */
