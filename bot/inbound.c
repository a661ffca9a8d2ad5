/*
 * inbound.c -- from a chat event to one EVALSHA of towerbot.lua.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "bot/inbound.h"
#include "bot/log.h"
#include "config/config.h"
#include "core/command.h"
#include "core/xmem.h"

#define INBOUND_ARGC_MAX 32

#define INBOUND_SEEN_MS 60000 /* as towerbot.lua's "seen" refresh */

struct inbound_op {
	struct botd *bd;
	inbound_done_fn *done;
	void *arg;
	char op[CMD_NAME_MAX];
	int urgent;
	/* a plain message: remember the sender in the chat once recorded */
	uint64_t seen_key, seen_val;
};

/* FNV-1a over the strings, each followed by a 0 byte; never 0. */
static uint64_t
inbound_hash(const char *const *parts, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	const char *c;
	size_t i;

	for (i = 0; i < n; i++) {
		for (c = parts[i]; *c != '\0'; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return (h == 0 ? 1 : h);
}

static struct bot_seen *
inbound_seen_slot(struct bot_seen *tab, uint64_t key)
{
	return (&tab[key % BOTD_SEEN_SLOTS]);
}

/* 1 if key was recorded with val within the last minute. */
static int
inbound_seen(struct bot_seen *tab, uint64_t key, uint64_t val, uint64_t now)
{
	struct bot_seen *e;

	if (tab == NULL)
		return (0);
	e = inbound_seen_slot(tab, key);
	return (
	    e->key == key && e->val == val && now - e->at < INBOUND_SEEN_MS);
}

static void
inbound_seen_put(struct bot_seen *tab, uint64_t key, uint64_t val, uint64_t now)
{
	struct bot_seen *e;

	if (tab == NULL || key == 0)
		return;
	e = inbound_seen_slot(tab, key);
	e->key = key;
	e->val = val;
	e->at = now;
}

/* An array element as a string or integer. */
static const char *
inbound_elem(const redisReply *r, size_t i, char *buf, size_t len)
{
	if (i >= r->elements)
		return ("");
	if (r->element[i]->type == REDIS_REPLY_STRING ||
	    r->element[i]->type == REDIS_REPLY_STATUS)
		return (r->element[i]->str);
	if (r->element[i]->type == REDIS_REPLY_INTEGER) {
		snprintf(buf, len, "%lld", r->element[i]->integer);
		return (buf);
	}
	return ("");
}

static void inbound_reply(void *, enum store_status, const redisReply *);
static int inbound_head(struct botd *, const char **, char[32], const char *,
    const char *, const char *, const char *, const char *, const char *,
    const char *, const char *, int);

static const char *
inbound_target_kind(enum cmd_target_kind k)
{
	switch (k) {
	case TARGET_USER:
		return ("user");
	case TARGET_USERNAME:
		return ("username");
	case TARGET_MEMBER:
		return ("member");
	case TARGET_NONE:
		break;
	}
	return ("");
}

/* The zone's offset from UTC at t, from the process TZ (main.c sets it). */
static long
inbound_utcoff(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (tm.tm_gmtoff);
}

/* A "say" of key with params {k: v, ...} (NULL-terminated pairs). */
static char *
inbound_params(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_t *o = json_object();
	char *s;

	if (k1 != NULL)
		json_object_set_new(o, k1, json_string(v1 != NULL ? v1 : ""));
	if (k2 != NULL)
		json_object_set_new(o, k2, json_string(v2 != NULL ? v2 : ""));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		abort();
	return (s);
}

static void
inbound_reply(void *arg, enum store_status st, const redisReply *r)
{
	struct inbound_op *op = arg;
	struct inbound_result res;
	char b1[32], b2[32], b3[32], b4[32];

	memset(&res, 0, sizeof(res));
	res.st = st;
	res.cmd = op->op;
	res.status = res.outcome = res.activity = res.bc_idents = "";
	res.bc_urgent = op->urgent;
	if (st == STORE_OK && r->type == REDIS_REPLY_ARRAY &&
	    r->elements >= 1 && r->element[0]->type == REDIS_REPLY_STRING) {
		res.status = r->element[0]->str;
		res.outcome = inbound_elem(r, 1, b1, sizeof(b1));
		res.activity = inbound_elem(r, 2, b2, sizeof(b2));
		if (strcmp(res.outcome, "broadcast") == 0 && r->elements >= 5) {
			res.bc_id = strtoll(res.activity, NULL, 10);
			res.bc_total =
			    strtoull(inbound_elem(r, 3, b3, sizeof(b3)), NULL,
				10);
			res.bc_idents = inbound_elem(r, 4, b4, sizeof(b4));
		}
	} else if (st == STORE_OK) {
		res.st = STORE_ERR;
	}
	if (res.st == STORE_ERR) {
		op->bd->metrics.redis_errors++;
		LOG(LL_ERROR, "store", KS("cmd", op->op),
		    KS("outcome", "script_error"),
		    KS("detail", r != NULL && r->type == REDIS_REPLY_ERROR
				     ? r->str
				     : "unexpected reply"));
	}
	if (res.st == STORE_OK && op->seen_key != 0)
		inbound_seen_put(op->bd->seen, op->seen_key, op->seen_val,
		    botd_mono_ms());
	if (op->done != NULL)
		op->done(op->arg, &res);
	free(op);
}

/*
 * ARGV 1-13 of tb_event (bot/scripts/README.md): the same for every call.
 * now_ms is the caller's buffer for the time.  Returns the count, 13.
 */
static int
inbound_head(struct botd *bd, const char **av, char now_ms[32],
    const char *adapter, const char *account, const char *event_id,
    const char *chat, const char *user, const char *name, const char *username,
    const char *msg_id, int operator)
{
	int ac = 0;

	snprintf(now_ms, 32, "%lld", (long long)botd_now_ms());
	av[ac++] = bd->cfg.redis_prefix;
	av[ac++] = now_ms;
	av[ac++] = bd->cfgstr;
	av[ac++] = bd->ladder;
	av[ac++] = adapter;
	av[ac++] = account;
	av[ac++] = event_id;
	av[ac++] = chat;
	av[ac++] = user;
	av[ac++] = name;
	av[ac++] = username;
	av[ac++] = msg_id;
	av[ac++] = operator? "1" : "0";
	return (ac);
}

int
inbound_say(struct botd *bd, const char *adapter, const char *account,
    const char *chat, const char *user, const char *msg_id, const char *key,
    const char *params, inbound_done_fn *done, void *arg)
{
	const char *av[24];
	char now_ms[32];
	struct inbound_op *op;
	int ac = 0;

	/* No dedup, and not as an operator: it only queues a reply. */
	ac = inbound_head(bd, av, now_ms, adapter, account, "", chat, user, "",
	    "", msg_id, 0);
	av[ac++] = "say";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = key;
	av[ac++] = params;
	op = xcalloc(1, sizeof(*op));
	op->bd = bd;
	op->done = done;
	op->arg = arg;
	snprintf(op->op, sizeof(op->op), "say");
	if (store_redis_eval(bd->store, SCRIPT_TOWERBOT, inbound_reply, op, ac,
		av, NULL) == -1) {
		free(op);
		return (-1);
	}
	return (0);
}

int
inbound_submit(struct botd *bd, const char *adapter, const char *account,
    const struct chat_event *ev, inbound_done_fn *done, void *arg)
{
	const char *av[INBOUND_ARGC_MAX];
	char now_ms[32], num[8][32], *params = NULL;
	char event_id[sizeof(ev->event_id) + 72], expires[32];
	struct command *cmd;
	struct inbound_op *op;
	const char *opname = "msg";
	int ac = 0, rc, n = 0, is_cmd = 0;
	int64_t now = botd_now(), t;
	uint64_t seen_key = 0, seen_val = 0;

	cmd = bd->scratch_cmd;
	memset(cmd, 0, sizeof(*cmd));
	if (ev->kind == CHAT_JOIN)
		opname = "join";
	else if (ev->kind == CHAT_LEAVE)
		opname = "part";
	else if ((is_cmd = command_parse(ev, cmd)) == 1)
		opname = command_info(cmd->id) != NULL
			     ? command_info(cmd->id)->name
			     : "say";

	/* A plain message from a sender recorded here lately: nothing to do. */
	if (!is_cmd && ev->kind == CHAT_MESSAGE) {
		const char *k[] = { adapter, account, ev->chat, ev->from.id };
		const char *v[] = { ev->from.name, ev->from.username };

		seen_key = inbound_hash(k, 4);
		seen_val = inbound_hash(v, 2);
		if (inbound_seen(bd->seen, seen_key, seen_val,
			botd_mono_ms())) {
			bd->metrics.webhook_cached++;
			return (1);
		}
	}

	/* Ids are unique per bot: with several accounts, per account. */
	if (*account != '\0' && *ev->event_id != '\0')
		snprintf(event_id, sizeof(event_id), "%s:%s", account,
		    ev->event_id);
	else
		snprintf(event_id, sizeof(event_id), "%s", ev->event_id);
	ac = inbound_head(bd, av, now_ms, adapter, account, event_id, ev->chat,
	    ev->from.id, ev->from.name, ev->from.username, ev->msg_id,
	    config_is_operator(&bd->cfg, adapter, ev->from.id));
	/* ARGV 14: the op, possibly turned into a "say" below. */
	av[ac++] = opname;
	av[ac++] = inbound_target_kind(cmd->target.kind);
	av[ac++] = cmd->target.value;
	av[ac++] = cmd->target.name;
	av[ac++] = cmd->target.username;
	/* ARGV 19-21: where replies go within the conversation. */
	av[ac++] = ev->thread;
	av[ac++] = ev->reply_url;
	snprintf(expires, sizeof(expires), "%lld",
	    (long long)ev->reply_url_expires);
	av[ac++] = expires;

	if (is_cmd && cmd->id == CMD_UNKNOWN) {
		params = inbound_params("name", cmd->name, NULL, NULL);
		av[13] = opname = "say";
		av[ac++] = "unknown_command";
		av[ac++] = params;
	} else if (is_cmd && cmd->err != CMD_OK) {
		const char *key = cmd->err == CMD_ETIME     ? "bad_time"
				  : cmd->err == CMD_EMEMBER ? "member_required"
							    : "usage";

		params = inbound_params("cmd", opname, "value", cmd->bad);
		av[13] = "say";
		av[ac++] = key;
		av[ac++] = params;
	} else if (is_cmd) {
		switch (cmd->id) {
		case CMD_HELP:
			av[ac++] = cmd->text;
			break;
		case CMD_SIGNUP:
		case CMD_CANCEL:
		case CMD_CHECKIN:
		case CMD_CLOSE:
			av[ac++] = cmd->act_id;
			break;
		case CMD_LEAVE:
			av[ac++] = cmd->act_id;
			av[ac++] = cmd->text;
			break;
		case CMD_REGISTER:
			av[ac++] = cmd->text;
			av[ac++] = cmd->phone;
			break;
		case CMD_NEWACTIVITY:
			if (command_time_resolve(&cmd->start, now,
				inbound_utcoff(now), &t) == -1) {
				params =
				    inbound_params("cmd", opname, "value", "");
				av[13] = "say";
				av[ac++] = "bad_time";
				av[ac++] = params;
				break;
			}
			av[ac++] = cmd->text;
			snprintf(num[n], sizeof(num[n]), "%lld", (long long)t);
			av[ac++] = num[n++];
			snprintf(num[n], sizeof(num[n]), "%ld", cmd->cap);
			av[ac++] = num[n++];
			av[ac++] = cmd->place;
			if (cmd->deadline.month != 0) {
				int64_t d;

				if (command_time_resolve(&cmd->deadline, now,
					inbound_utcoff(now), &d) == -1)
					d = t;
				snprintf(num[n], sizeof(num[n]), "%lld",
				    (long long)d);
				av[ac++] = num[n++];
			} else
				av[ac++] = "";
			snprintf(num[n], sizeof(num[n]), "%ld", cmd->mincredit);
			av[ac++] = num[n++];
			snprintf(num[n], sizeof(num[n]), "%ld", cmd->hours);
			av[ac++] = num[n++];
			break;
		case CMD_WARN:
		case CMD_BLACKLIST:
			av[ac++] = cmd->text;
			break;
		case CMD_CREDIT:
			snprintf(num[n], sizeof(num[n]), "%ld", cmd->delta);
			av[ac++] = num[n++];
			av[ac++] = cmd->text;
			break;
		case CMD_ROLE:
			av[ac++] = cmd->role;
			break;
		case CMD_BIND:
			av[ac++] = cmd->path;
			av[ac++] = cmd->council ? "council" : "members";
			break;
		case CMD_ACK:
		case CMD_REPORT:
			av[ac++] = cmd->broadcast_id;
			break;
		case CMD_BROADCAST:
			av[ac++] = cmd->urgent ? "urgent" : "normal";
			av[ac++] = cmd->text;
			av[ac++] = cmd->level;
			av[ac++] = cmd->tag;
			av[ac++] = cmd->purpose;
			av[ac++] = bd->identities;
			snprintf(num[n], sizeof(num[n]), "%llu",
			    (unsigned long long)(cmd->urgent
						     ? bd->cfg.delivery
							   .escalate_urgent_s
						     : bd->cfg.delivery
							   .escalate_normal_s) *
				1000ULL);
			av[ac++] = num[n++];
			break;
		default:
			break;
		}
	}

	op = xcalloc(1, sizeof(*op));
	op->seen_key = seen_key;
	op->seen_val = seen_val;
	op->bd = bd;
	op->done = done;
	op->arg = arg;
	op->urgent = is_cmd && cmd->id == CMD_BROADCAST && cmd->urgent;
	snprintf(op->op, sizeof(op->op), "%s", av[13]);
	rc = store_redis_eval(bd->store, SCRIPT_TOWERBOT, inbound_reply, op, ac,
	    av, NULL);
	if (rc == -1)
		free(op);
	free(params);
	return (rc);
}
