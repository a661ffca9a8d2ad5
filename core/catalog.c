/*
 * catalog.c -- reply templates (bot/scripts/README.md, "Message keys") and
 * the small template expander described in catalog.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/catalog.h"
#include "core/command.h"
#include "core/roles.h"

#define CATALOG_DEPTH_MAX 4 /* nesting of {?k|...} */

struct catalog_entry {
	const char *key;
	const char *zh;
	const char *en;
};

/* The output buffer of one render. */
struct catalog_out {
	char *buf;
	size_t cap; /* bytes of buf, NUL included */
	size_t len;
	int full; /* something did not fit */
};

/* Chinese and English words for enumerated values ({k:t}). */
struct catalog_word {
	const char *v;
	const char *zh;
	const char *en;
};

static void catalog_put(struct catalog_out *, const char *, size_t);
static void catalog_puts(struct catalog_out *, const char *);
static size_t catalog_finish(struct catalog_out *);
static const struct catalog_entry *catalog_find(const char *);
static const char *catalog_arg_get(const struct catalog_arg *, size_t,
    const char *, size_t);
static const char *catalog_match(const char *, const char *);
static void catalog_value(struct catalog_out *, enum catalog_lang, const char *,
    const char *, size_t);
static void catalog_expand(struct catalog_out *, enum catalog_lang,
    const char *, const char *, const struct catalog_arg *, size_t, int);
static void catalog_dur(struct catalog_out *, enum catalog_lang, const char *);
static void catalog_cmd_name(struct catalog_out *, enum catalog_lang,
    const struct cmd_info *);
static void catalog_usage_line(struct catalog_out *, enum catalog_lang,
    const struct cmd_info *);
static void catalog_help(struct catalog_out *, enum catalog_lang, const char *,
    const char *);
static void catalog_usage(struct catalog_out *, enum catalog_lang,
    const char *);
static void catalog_civil(int64_t, int64_t *, int *, int *);

static const struct catalog_word catalog_words[] = {
	{ "remind", "提醒", "reminder" },
	{ "warn", "警告", "warning" },
	{ "blacklist", "拉黑", "blacklist" },
	{ "signed", "已报名", "signed up" },
	{ "waitlisted", "候补中", "on the waitlist" },
	{ "cancelled", "已取消", "cancelled" },
	{ "leave", "已请假", "on leave" },
	{ "attended", "已出席", "attended" },
	{ "absent", "缺席", "absent" },
	{ "owner", "负责人", "owner" },
	{ "committee", "委员", "committee member" },
	{ "liaison", "联络员", "liaison" },
	{ "seed", "骨干", "seed member" },
	{ "member", "成员", "member" },
	{ "operator", "运维", "operator" },
	{ "members", "成员群", "members" },
	{ "council", "议事群", "council" },
	{ "urgent", "紧急", "urgent" },
	{ "normal", "普通", "normal" },
};

/*
 * Every key of bot/scripts/README.md ("help" and "usage" are built in
 * catalog_help and catalog_usage, their rows here are placeholders).
 * Replies that need the member to act say how.
 */
static const struct catalog_entry catalog_entries[] = {
	{ "help", "", "" },
	{ "usage", "", "" },
	{ "unknown_command",
	    "没有“/{name}”这个命令哦。发送“帮助”可以查看你能用的命令。",
	    "There is no command /{name}. Send /help to see the commands "
	    "you can use." },
	{ "bad_time",
	    "看不懂时间“{value}”。请写成“月-日 时:分”或“年-月-日 时:分”，"
	    "例如 11-30 18:00。",
	    "I could not read the time \"{value}\". Write it as MM-DD HH:MM "
	    "or YYYY-MM-DD HH:MM, for example 11-30 18:00." },
	{ "not_allowed",
	    "抱歉，你没有权限使用“{cmd:cmd}”。如有需要，请联系群负责人。",
	    "Sorry, you are not allowed to use {cmd:cmd}. Ask the group "
	    "owner if you need it." },
	{ "member_not_found",
	    "找不到成员“{spec}”。可以回复对方的一条消息再发命令，或 @ 对方，"
	    "或写成员编号（如 #12）。",
	    "I cannot find the member \"{spec}\". Reply to one of their "
	    "messages, mention them, or give their member number (like "
	    "#12)." },
	{ "member_required",
	    "请指明对哪位成员使用“{cmd:cmd}”：回复对方的一条消息，或 @ 对方，"
	    "或写成员编号（如 #12）。",
	    "Who is {cmd:cmd} for? Reply to one of their messages, mention "
	    "them, or give their member number (like #12)." },
	{ "act_created",
	    "活动已发起：#{id} "
	    "{title}\n时间：{start_at}{?place|\n地点：{place}}"
	    "\n名额：{?cap|{cap} 人}{!cap|不限}\n报名截止：{deadline_at}"
	    "{?mincredit|\n最低信用分：{mincredit}}"
	    "{?hours|\n志愿时长：{hours} 小时}\n想参加的朋友请发送“报名 "
	    "{id}”。",
	    "Activity #{id} created: {title}\nWhen: {start_at}"
	    "{?place|\nWhere: {place}}\nSeats: {?cap|{cap}}{!cap|unlimited}"
	    "\nSign-up deadline: {deadline_at}"
	    "{?mincredit|\nMinimum credit: {mincredit}}"
	    "{?hours|\nVolunteer hours: {hours}}\nTo join, send /signup "
	    "{id}." },
	{ "act_list", "正在报名的活动：\n{items}\n发送“报名 编号”即可报名。",
	    "Open activities:\n{items}\nSend /signup <id> to sign up." },
	{ "act_list.item",
	    "#{id} {title} · {start_at} · 已报名 {signed}"
	    "{?cap|/{cap}}{!cap| 人（不限名额）}{?waitlist| · 候补 {waitlist} "
	    "人}",
	    "#{id} {title} · {start_at} · {signed}{?cap|/{cap}} signed up"
	    "{?waitlist| · {waitlist} on the waitlist}" },
	{ "act_none", "这个群现在没有正在报名的活动。",
	    "There is no open activity in this group right now." },
	{ "act_choose",
	    "这个群有好几个活动，请带上活动编号再发一次，例如“{cmd:cmd} "
	    "编号”：\n"
	    "{items}",
	    "Several activities are open here. Please send it again with "
	    "the activity id, like \"{cmd:cmd} <id>\":\n{items}" },
	{ "act_choose.item",
	    "#{id} {title} · {start_at} · 已报名 {signed}"
	    "{?cap|/{cap}}{!cap| 人}{?waitlist| · 候补 {waitlist} 人}",
	    "#{id} {title} · {start_at} · {signed}{?cap|/{cap}} signed up"
	    "{?waitlist| · {waitlist} on the waitlist}" },
	{ "act_not_found",
	    "没有找到编号为 {id} 的进行中活动。发送“活动”查看当前的活动。",
	    "There is no open activity #{id} here. Send /activities to see "
	    "the open ones." },
	{ "act_in_past", "开始时间 {start_at} 已经过去了，请换一个将来的时间。",
	    "The start time {start_at} is in the past. Please choose a time "
	    "in the future." },
	{ "signup_ok",
	    "报名成功！你已报名 #{id} {title}（{start_at}），目前 {signed}"
	    "{?cap|/{cap}} 人。如果去不了，请发送“取消报名 {id}”或“请假 "
	    "{id}”。",
	    "You are signed up for #{id} {title} ({start_at}); {signed}"
	    "{?cap|/{cap}} signed up so far. If you cannot come, send /cancel "
	    "{id} or /leave {id}." },
	{ "signup_waitlist",
	    "#{id} {title} 名额已满，你已进入候补，排第 {pos} 位。"
	    "有人取消时会自动为你补上并通知你。",
	    "#{id} {title} is full, so you are on the waitlist at position "
	    "{pos}. If a seat frees up you will be signed up automatically "
	    "and told." },
	{ "signup_already", "你在 #{id} 的状态是“{state:t}”，不用重复报名。",
	    "You are already {state:t} for #{id}." },
	{ "signup_closed", "#{id} 已经截止报名或已经开始，不能再报名了。",
	    "Sign-up for #{id} is closed: the deadline has passed or it has "
	    "started." },
	{ "signup_restricted",
	    "抱歉，你因连续缺席，暂时被限制在本社群报名，不能报名 #{id}。"
	    "本社群再结束 {left} 场活动后会自动解除。",
	    "Sorry, you are restricted from signing up in this community "
	    "after repeated absences, so you cannot join #{id}. The "
	    "restriction lifts after {left} more activities here close." },
	{ "signup_blacklisted",
	    "抱歉，你在黑名单中，不能报名 #{id}。如有疑问请联系负责人。",
	    "Sorry, you are blacklisted here and cannot sign up for #{id}. "
	    "Ask the group owner if you think this is a mistake." },
	{ "signup_credit",
	    "抱歉，#{id} 要求信用分不低于 {min}，你目前是 {credit} "
	    "分。按时参加活动可以提高信用分。",
	    "Sorry, #{id} needs a credit score of at least {min}; yours is "
	    "{credit}. Attending activities raises your credit." },
	{ "cancel_ok",
	    "已取消你在 #{id} {title} 的报名。{?penalty|因临近开始才取消，"
	    "信用分 {penalty}。}",
	    "Your sign-up for #{id} {title} is cancelled.{?penalty| "
	    "Cancelling this close to the start changes your credit by "
	    "{penalty}.}" },
	{ "cancel_none", "你没有报名 #{id}，不需要取消。",
	    "You are not signed up for #{id}, so there is nothing to "
	    "cancel." },
	{ "promoted",
	    "好消息！有人取消了报名，你已从候补转为正式报名 #{id} {title}。"
	    "如果去不了，请发送“取消报名 {id}”。",
	    "Good news: a seat freed up and you are now signed up for #{id} "
	    "{title}. If you cannot come, send /cancel {id}." },
	{ "leave_ok", "已为你登记 #{id} {title} 的请假，这次不算缺席。",
	    "Your leave for #{id} {title} is recorded; it does not count as "
	    "an absence." },
	{ "leave_started", "#{id} 已经开始了，不能再请假。",
	    "#{id} has already started, so it is too late to ask for "
	    "leave." },
	{ "leave_none", "你没有报名 #{id}，不需要请假。",
	    "You are not signed up for #{id}, so no leave is needed." },
	{ "checkin_ok", "签到成功！欢迎参加 #{id} {title}。",
	    "Checked in to #{id} {title}. Welcome!" },
	{ "checkin_early",
	    "#{id} 还没到签到时间，请在 {from_at} 之后发送“签到 {id}”。",
	    "Check-in for #{id} opens at {from_at}. Send /checkin {id} "
	    "then." },
	{ "checkin_none", "你没有报名 #{id}，所以无法签到。",
	    "You are not signed up for #{id}, so you cannot check in." },
	{ "checkin_already", "你已经签到过 #{id} 了。",
	    "You have already checked in to #{id}." },
	{ "close_ok",
	    "活动 #{id} {title} 已结束：出席 {attended} 人，缺席 {absent} 人，"
	    "请假 {leave} 人。{?restricted|\n{restricted} "
	    "人因连续缺席被限制报名。}"
	    "{?lifted|\n{lifted} 人的报名限制已解除。}",
	    "Activity #{id} {title} is closed: {attended} attended, {absent} "
	    "absent, {leave} on leave.{?restricted|\n{restricted} now "
	    "restricted for repeated absences.}{?lifted|\n{lifted} no longer "
	    "restricted.}" },
	{ "restricted_notice",
	    "{name}，你在本社群已连续 {limit} "
	    "次报名后未到场也未请假，暂时不能报名新活动，"
	    "还没开始的报名也已取消。本社群后续活动结束后会自动解除。"
	    "以后去不了请提前发送“请假”。",
	    "{name}, you missed {limit} activities in a row without leave, "
	    "so you are restricted from signing up in this community for "
	    "now, and your pending sign-ups here were cancelled. It lifts "
	    "by itself after the next activities here close. When you "
	    "cannot come, send /leave in advance." },
	{ "restriction_cancelled",
	    "你报名的 #{id} {title} "
	    "已被取消，因为你目前被限制报名或在黑名单中。",
	    "Your sign-up for #{id} {title} was cancelled because you are "
	    "currently restricted or blacklisted." },
	{ "me",
	    "{name}（成员编号 "
	    "#{member}）\n信用分：{credit}\n连续缺席：{absences} "
	    "次\n有效警告：{strikes} 次\n志愿时长：{hours} 小时"
	    "{?restricted|\n目前被限制报名，本社群再结束 {left} 场活动后解除}"
	    "{?blacklisted|\n目前在黑名单中}",
	    "{name} (member #{member})\nCredit: {credit}\nAbsences in a row: "
	    "{absences}\nActive warnings: {strikes}\nVolunteer hours: {hours}"
	    "{?restricted|\nRestricted from signing up: lifts after {left} "
	    "more activities close}{?blacklisted|\nBlacklisted}" },
	{ "register_ok",
	    "登记成功，{name}！{?linked|已关联到你在其他平台的账号，"
	    "信用记录已合并。}",
	    "Registered, {name}!{?linked| Linked to your identity on another "
	    "platform; your credit records are merged.}" },
	{ "register_bad",
	    "登记格式不对。请发送“登记 姓名 手机号”，例如：登记 张三 "
	    "13800138000（手机号可以不填）。",
	    "That registration did not work. Send /register <name> [phone], "
	    "for example /register Zhang San 13800138000 (the phone is "
	    "optional)." },
	{ "warn_ok",
	    "已警告 {name}：这是第 {strike} 次（{rung:t}）{?delta|，信用分 "
	    "{delta:+}}。",
	    "{name} now has strike {strike} ({rung:t}){?delta|, credit "
	    "{delta:+}}." },
	{ "blacklist_ok",
	    "已将 {name} 拉黑，范围：{scope}{?cancelled|，已取消其 {cancelled} "
	    "个报名}。",
	    "{name} is blacklisted in {scope}{?cancelled|; {cancelled} "
	    "pending sign-ups were cancelled}." },
	{ "unblacklist_ok", "已解除对 {name} 的拉黑。",
	    "{name} is no longer blacklisted." },
	{ "unblacklist_none", "{name} 不在这里的黑名单中。",
	    "{name} is not blacklisted here." },
	{ "credit_ok", "已为 {name} 调整信用分 {delta:+}，现在是 {credit} 分。",
	    "Credit for {name} changed by {delta:+}; it is now {credit}." },
	{ "role_ok", "已任命 {name} 为{role:t}{?node|（{node}）}。",
	    "{name} is now {role:t}{?node| of {node}}." },
	{ "role_bad",
	    "没有“{role}”这个角色。可选：负责人、委员、联络员、骨干、成员。",
	    "There is no role \"{role}\". Choose one of: owner, committee, "
	    "liaison, seed, member." },
	{ "bind_ok", "本群已绑定到 {path}（{purpose:t}）。",
	    "This chat is now bound to {path} ({purpose:t} chat)." },
	{ "bind_bad",
	    "路径“{path}”不对：只能用小写字母、数字和短横线，层级之间用 / "
	    "分隔，例如 yiwu/suxi/zu-03。",
	    "The path \"{path}\" is not valid: use lower-case letters, digits "
	    "and dashes, with / between levels, like yiwu/suxi/zu-03." },
	{ "broadcast",
	    "{?urgent|【紧急】}【广播 #{id}{?origin| · {origin}}】\n{text}\n"
	    "——\n收到请回复“收到 {id}”（或 /ack {id}），谢谢！",
	    "{?urgent|[URGENT] }Broadcast #{id}{?origin| from {origin}}\n"
	    "{text}\n--\nPlease reply /ack {id} (or 收到 {id}) to confirm you "
	    "have seen it. Thank you!" },
	{ "broadcast_ok",
	    "广播 #{id} 已开始发送，共 {chats} 个群，预计约 {eta_s:dur}内"
	    "全部送达。"
	    "{!ontime|\n按现有的发送账号，{?deadline_s|{deadline_s:dur}"
	    "内}送不完，约有 {late} 个群会晚收到。"
	    "{?missing|要按时送达，还需增加发送账号：{missing}。}}"
	    "\n之后可以发送“/报告 {id}”查看送达和确认情况。",
	    "Broadcast #{id} is on its way. Chats: {chats}; expected time to "
	    "reach them all: about {eta_s:dur}."
	    "{!ontime|\nWith the current sending identities it cannot all "
	    "go out{?deadline_s| within {deadline_s:dur}}: about {late} "
	    "chats would get it late."
	    "{?missing| Extra sending identities needed to be on time: "
	    "{missing}.}}"
	    "\nSend /report {id} later to see delivery and "
	    "acknowledgements." },
	{ "broadcast_none",
	    "本节点及下级没有符合条件的群，广播没有发出。"
	    "请检查级别、标签、用途这些筛选条件。",
	    "No chat at this node or below matched, so nothing was sent. "
	    "Check the level=, tag= and purpose= filters." },
	{ "broadcast_unbound",
	    "本群还没有绑定到组织节点，不能从这里发广播。"
	    "请联系运维用“/绑定”把本群绑定到节点。",
	    "This chat is not bound to a node of the tower, so it cannot "
	    "broadcast. Ask an operator to /bind it first." },
	{ "ack_ok", "已确认收到广播 #{id}，谢谢！",
	    "Thanks! Broadcast #{id} is acknowledged." },
	{ "ack_none", "目前没有需要确认收到的广播。",
	    "There is no broadcast to acknowledge right now." },
	{ "report",
	    "广播 #{id} 送达报告\n内容：{text}\n发出时间：{created_at}\n"
	    "{items}",
	    "Report for broadcast #{id}\nText: {text}\nSent: {created_at}\n"
	    "{items}" },
	{ "report.item",
	    "· {!level|本级}{?level|下 {level} 级}：目标 {targeted} 个群，"
	    "已送达 {delivered}，失败 {failed}，待发送 {pending}"
	    "{?delivered|\n  送达用时：中位 {p50} 秒，95% 在 {p95} "
	    "秒内，最长 {max} 秒}"
	    "\n  确认收到：{ack_chats} 个群，{ack_members} 人",
	    "- Level {level}{!level| (this node)}: targeted {targeted}, "
	    "delivered {delivered}, failed {failed}, pending {pending}"
	    "{?delivered|\n  Reach time: p50 {p50} s, p95 {p95} s, max "
	    "{max} s}"
	    "\n  Acknowledged by {ack_chats} chats and {ack_members} members" },
	{ "report_none", "还没有可以报告的广播。",
	    "There is no broadcast to report yet." },
	{ "stars", "联络员星级（按时确认广播的比例，满分 5 星）：\n{items}",
	    "Liaison stars (share of broadcasts acknowledged in time, out "
	    "of 5):\n{items}" },
	{ "stars.item",
	    "· {name}（{node}）：{?stars|{stars} 星，按时确认 "
	    "{acked}/{delivered}}{!stars|暂无广播数据}",
	    "- {name} ({node}): {?stars|{stars}/5, {acked} of {delivered} "
	    "acknowledged in time}{!stars|no broadcasts yet}" },
	{ "stars_none",
	    "本节点及下级还没有联络员。可以用“/任命 成员 联络员”来任命。",
	    "There are no liaisons at this node or below. Use /role <member> "
	    "liaison to appoint one." },
	{ "escalation",
	    "【提醒】广播 #{id} 已过确认时限，下面 {count} "
	    "个群还没有人回复“收到”：\n{items}\n请联络员尽快跟进。",
	    "[REMINDER] Broadcast #{id} has not been acknowledged in time by "
	    "these chats ({count}):\n{items}\nLiaisons, please follow up." },
	{ "escalation.item",
	    "· {chat}（{node}）{?liaisons|，联络员：{liaisons}}"
	    "{!liaisons|，暂无联络员}",
	    "- {chat} ({node}){?liaisons| - liaisons: {liaisons}}"
	    "{!liaisons| - no liaison}" },
};

#define CATALOG_NENTRIES (sizeof(catalog_entries) / sizeof(catalog_entries[0]))

static void
catalog_put(struct catalog_out *o, const char *s, size_t n)
{
	size_t room;

	if (o->cap == 0) {
		o->full |= n > 0;
		return;
	}
	room = o->cap - 1 - o->len;
	if (n > room) {
		n = room;
		o->full = 1;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
catalog_puts(struct catalog_out *o, const char *s)
{
	catalog_put(o, s, strlen(s));
}

/* NUL-terminate; after a cut, drop a character left incomplete. */
static size_t
catalog_finish(struct catalog_out *o)
{
	size_t i, need;
	unsigned char c;

	if (o->cap == 0)
		return (0);
	if (o->full && o->len > 0) {
		i = o->len;
		while (i > 0 && o->len - i < 3 &&
		       ((unsigned char)o->buf[i - 1] & 0xc0) == 0x80)
			i--;
		if (i > 0) {
			c = (unsigned char)o->buf[i - 1];
			need = c >= 0xf0   ? 4
			       : c >= 0xe0 ? 3
			       : c >= 0xc0 ? 2
					   : 1;
			if (i - 1 + need > o->len)
				o->len = i - 1;
		}
	}
	o->buf[o->len] = '\0';
	return (o->len);
}

static const struct catalog_entry *
catalog_find(const char *key)
{
	size_t i;

	if (key == NULL)
		return (NULL);
	for (i = 0; i < CATALOG_NENTRIES; i++)
		if (strcmp(catalog_entries[i].key, key) == 0)
			return (&catalog_entries[i]);
	return (NULL);
}

int
catalog_has(const char *key)
{
	return (catalog_find(key) != NULL);
}

size_t
catalog_nkeys(void)
{
	return (CATALOG_NENTRIES);
}

const char *
catalog_key(size_t i)
{
	return (i < CATALOG_NENTRIES ? catalog_entries[i].key : NULL);
}

/* The value of the param named name[0..n), or NULL. */
static const char *
catalog_arg_get(const struct catalog_arg *args, size_t nargs, const char *name,
    size_t n)
{
	size_t i;

	for (i = 0; i < nargs; i++)
		if (args[i].k != NULL && strncmp(args[i].k, name, n) == 0 &&
		    args[i].k[n] == '\0')
			return (args[i].v != NULL ? args[i].v : "");
	return (NULL);
}

/* The word for v in catalog_words: zh or en column, or NULL. */
static const char *
catalog_match(const char *v, const char *lang)
{
	size_t i;

	for (i = 0; i < sizeof(catalog_words) / sizeof(catalog_words[0]); i++)
		if (strcmp(catalog_words[i].v, v) == 0)
			return (lang[0] == 'z' ? catalog_words[i].zh
					       : catalog_words[i].en);
	return (NULL);
}

/* Insert v with the modifier mod[0..n) ("" = none). */
static void
catalog_value(struct catalog_out *o, enum catalog_lang lang, const char *v,
    const char *mod, size_t n)
{
	const struct cmd_info *ci;
	const char *w;

	if (n == 1 && mod[0] == 't') {
		w = catalog_match(v, lang == CATALOG_ZH ? "zh" : "en");
		catalog_puts(o, w != NULL ? w : v);
	} else if (n == 1 && mod[0] == '+') {
		if (v[0] >= '1' && v[0] <= '9')
			catalog_puts(o, "+");
		catalog_puts(o, v);
	} else if (n == 3 && memcmp(mod, "dur", 3) == 0)
		catalog_dur(o, lang, v);
	else if (n == 3 && memcmp(mod, "cmd", 3) == 0 &&
		 (ci = command_by_name(v)) != NULL)
		catalog_cmd_name(o, lang, ci);
	else
		catalog_puts(o, v);
}

/*
 * Expand the template [p, end) into o.  An unmatched '{' is copied as
 * text, so a broken template shows rather than vanishes.
 */
static void
catalog_expand(struct catalog_out *o, enum catalog_lang lang, const char *p,
    const char *end, const struct catalog_arg *args, size_t nargs, int depth)
{
	const char *open, *close, *in, *bar, *colon, *v;
	int nest, truth;

	while (p < end) {
		if ((open = memchr(p, '{', end - p)) == NULL) {
			catalog_put(o, p, end - p);
			return;
		}
		catalog_put(o, p, open - p);
		nest = 0;
		for (close = open; close < end; close++) {
			if (*close == '{')
				nest++;
			else if (*close == '}' && --nest == 0)
				break;
		}
		if (close >= end) {
			catalog_put(o, open, end - open);
			return;
		}
		in = open + 1;
		if ((*in == '?' || *in == '!') &&
		    (bar = memchr(in, '|', close - in)) != NULL) {
			v = catalog_arg_get(args, nargs, in + 1, bar - in - 1);
			truth =
			    v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
			if (*in == '!')
				truth = !truth;
			if (truth && depth < CATALOG_DEPTH_MAX)
				catalog_expand(o, lang, bar + 1, close, args,
				    nargs, depth + 1);
		} else {
			colon = memchr(in, ':', close - in);
			if (colon == NULL)
				colon = close;
			v = catalog_arg_get(args, nargs, in, colon - in);
			if (v != NULL)
				catalog_value(o, lang, v,
				    colon < close ? colon + 1 : close,
				    colon < close ? close - colon - 1 : 0);
		}
		p = close + 1;
	}
}

/*
 * Seconds v ("75", or "74.2" rounded up) as a duration: "1 分 15 秒",
 * "3 分钟", "1 小时 30 分钟"; "1 min 15 s", "1 h 30 min".  From an hour
 * on, whole minutes (rounded up).  Anything else passes through.
 */
static void
catalog_dur(struct catalog_out *o, enum catalog_lang lang, const char *v)
{
	char buf[96];
	const char *p = v;
	uint64_t s = 0, h, m;
	int frac = 0, zh = lang == CATALOG_ZH;

	if (*p < '0' || *p > '9') {
		catalog_puts(o, v);
		return;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		if (s < 1000000000000ULL) /* 30,000 years is plenty */
			s = s * 10 + (uint64_t)(*p - '0');
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9'; p++)
			frac |= *p != '0';
	if (*p != '\0') {
		catalog_puts(o, v);
		return;
	}
	s += frac;
	if (s >= 3600) {
		m = (s + 59) / 60;
		h = m / 60;
		m %= 60;
		if (m == 0)
			snprintf(buf, sizeof(buf), zh ? "%llu 小时" : "%llu h",
			    (unsigned long long)h);
		else
			snprintf(buf, sizeof(buf),
			    zh ? "%llu 小时 %llu 分钟" : "%llu h %llu min",
			    (unsigned long long)h, (unsigned long long)m);
	} else if (s >= 60 && s % 60 != 0)
		snprintf(buf, sizeof(buf),
		    zh ? "%llu 分 %llu 秒" : "%llu min %llu s",
		    (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, sizeof(buf), zh ? "%llu 分钟" : "%llu min",
		    (unsigned long long)(s / 60));
	else
		snprintf(buf, sizeof(buf), zh ? "%llu 秒" : "%llu s",
		    (unsigned long long)s);
	catalog_puts(o, buf);
}

/* A command as the user types it: 报名, /发起活动, /signup. */
static void
catalog_cmd_name(struct catalog_out *o, enum catalog_lang lang,
    const struct cmd_info *ci)
{
	if (lang == CATALOG_ZH) {
		if (!ci->keyword)
			catalog_puts(o, "/");
		catalog_puts(o, ci->zh);
	} else {
		catalog_puts(o, "/");
		catalog_puts(o, ci->name);
	}
}

static void
catalog_usage_line(struct catalog_out *o, enum catalog_lang lang,
    const struct cmd_info *ci)
{
	catalog_puts(o, lang == CATALOG_ZH ? ci->usage_zh : ci->usage_en);
	catalog_puts(o, " — ");
	catalog_puts(o, lang == CATALOG_ZH ? ci->desc_zh : ci->desc_en);
}

/* Key "help": the commands rank may use, or one command's usage. */
static void
catalog_help(struct catalog_out *o, enum catalog_lang lang, const char *rank_s,
    const char *cmd)
{
	static const char *const ranks[] = { "member", "seed", "liaison",
		"committee", "owner", "operator" };
	enum role_rank rank = RANK_MEMBER;
	const struct cmd_info *tab, *ci;
	size_t i, n;
	int zh = lang == CATALOG_ZH;

	if (cmd != NULL && (ci = command_by_name(cmd)) != NULL) {
		catalog_usage_line(o, lang, ci);
		return;
	}
	for (i = 0; rank_s != NULL && i < sizeof(ranks) / sizeof(ranks[0]); i++)
		if (strcmp(rank_s, ranks[i]) == 0)
			rank = (enum role_rank)(RANK_MEMBER + i);
	catalog_puts(o, zh ? "你可以使用这些命令：" : "Commands you can use:");
	tab = command_table(&n);
	for (i = 0; i < n; i++) {
		if (tab[i].min_rank > rank)
			continue;
		catalog_puts(o, "\n");
		catalog_usage_line(o, lang, &tab[i]);
	}
	catalog_puts(o,
	    zh ? "\n[ ] 里的可以省略；群里只有一个活动时不用写编号。"
		 "发送“帮助 报名”这样可以只看一条命令。"
	       : "\nParts in [ ] are optional; the activity id "
		 "may be left out when only one is open. Send "
		 "/help <command> for one command.");
	if (rank >= RANK_COMMITTEE)
		catalog_puts(o, zh ? "\n“成员”可以是回复对方的一条消息、@ "
				     "对方，或 #成员编号。"
				   : "\nA member is given by replying to one "
				     "of their messages, a mention, or "
				     "#member-id.");
}

/* Key "usage": how to call cmd. */
static void
catalog_usage(struct catalog_out *o, enum catalog_lang lang, const char *cmd)
{
	const struct cmd_info *ci;

	if (cmd == NULL || (ci = command_by_name(cmd)) == NULL) {
		catalog_puts(o, lang == CATALOG_ZH
				    ? "命令格式不对。发送“帮助”查看命令的用法。"
				    : "That did not work. Send /help to see "
				      "how the commands "
				      "are used.");
		return;
	}
	catalog_puts(o, lang == CATALOG_ZH ? "用法：" : "Usage: ");
	catalog_usage_line(o, lang, ci);
}

size_t
catalog_render(enum catalog_lang lang, const char *key,
    const struct catalog_arg *args, size_t nargs, char *out, size_t outlen)
{
	struct catalog_out o = { out, outlen, 0, 0 };
	const struct catalog_entry *e;
	const char *tpl;

	if (args == NULL)
		nargs = 0;
	if (key == NULL)
		key = "";
	if ((e = catalog_find(key)) == NULL)
		catalog_puts(&o, key);
	else if (strcmp(key, "help") == 0)
		catalog_help(&o, lang, catalog_arg_get(args, nargs, "rank", 4),
		    catalog_arg_get(args, nargs, "cmd", 3));
	else if (strcmp(key, "usage") == 0)
		catalog_usage(&o, lang, catalog_arg_get(args, nargs, "cmd", 3));
	else {
		tpl = lang == CATALOG_EN ? e->en : e->zh;
		catalog_expand(&o, lang, tpl, tpl + strlen(tpl), args, nargs,
		    0);
	}
	return (catalog_finish(&o));
}

/* Year, month, day of days since 1970-01-01 (H. Hinnant). */
static void
catalog_civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

size_t
catalog_time(enum catalog_lang lang, int64_t t, long utcoff_s, char *out,
    size_t outlen)
{
	static const char *const wd_zh[] = { "周四", "周五", "周六", "周日",
		"周一", "周二", "周三" };
	static const char *const wd_en[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
		"Tue", "Wed" };
	struct catalog_out o = { out, outlen, 0, 0 };
	char buf[96];
	int64_t local, days, secs, y;
	int m, d, wd;

	/* keep the arithmetic far from overflow: years 0001 to 9999 */
	if (t < -62135596800LL)
		t = -62135596800LL;
	if (t > 253402300799LL)
		t = 253402300799LL;
	if (utcoff_s < -86400 || utcoff_s > 86400)
		utcoff_s = 0;
	local = t + utcoff_s;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	catalog_civil(days, &y, &m, &d);
	wd = (int)(((days % 7) + 7) % 7); /* 1970-01-01 was a Thursday */
	if (lang == CATALOG_ZH)
		snprintf(buf, sizeof(buf), "%lld-%02d-%02d（%s）%02d:%02d",
		    (long long)y, m, d, wd_zh[wd], (int)(secs / 3600),
		    (int)(secs / 60 % 60));
	else
		snprintf(buf, sizeof(buf), "%s %lld-%02d-%02d %02d:%02d",
		    wd_en[wd], (long long)y, m, d, (int)(secs / 3600),
		    (int)(secs / 60 % 60));
	catalog_puts(&o, buf);
	return (catalog_finish(&o));
}
