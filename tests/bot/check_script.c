/*
 * check_script.c -- tb_event (bot/scripts/towerbot.lua) driven through a
 * real redis-server 7 (suite "script", tag "redis").  Each test loads the
 * function library (FUNCTION LOAD REPLACE script_library), calls FCALL
 * tb_event with the args layout of bot/scripts/README.md and reads back the
 * reply entries it queued (XRANGE), decoding key and params with jansson.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "tests/harness/fcall.h"
#include "tests/harness/redis_server.h"

#define T0       1700000000 /* "now" of most tests, unix s */
#define HOUR     3600
#define DAY      86400
#define COV_STD  "3,1,90,100,2,-10,-3,-2,-5,-20,2,60"
#define LADDER   "remind,warn,blacklist"
#define ARGS_MAX 8

/* One call of the script, fields named after README's ARGV table. */
struct script_call {
	const char *user; /* sender user id (name/username derived) */
	const char *op;
	const char *chat;     /* NULL = the test's current chat */
	const char *adapter;  /* NULL = "tg" */
	const char *event_id; /* NULL = a fresh one */
	int oper;             /* sender is an operator */
	const char *tkind, *tvalue, *tname, *thandle;
	const char *thread;         /* ARGV 19, NULL = "" */
	const char *reply_url;      /* ARGV 20, NULL = "" */
	const char *reply_exp;      /* ARGV 21, NULL = "" */
	const char *args[ARGS_MAX]; /* ARGV 22 onwards */
};

static struct redis_server *script_rs;
static redisContext *script_c;
static int64_t script_now = T0; /* seconds */
static const char *script_chat = "-100";
static const char *script_cov = COV_STD;
static char script_outcome[64];
static char script_act[32];
static json_t *script_last_ids; /* queue name -> last XRANGE id read */
static json_t *script_replies;  /* entries queued by the last call */
static unsigned long script_evseq;

static void script_server_up(void);
static void script_server_down(void);
static void script_setup(void);
static void script_teardown(void);
static void script_call_run(const struct script_call *);
static void script_replies_read(const char *);
static const char *reply_key(size_t);
static json_t *reply_params(size_t);
static json_int_t reply_int(size_t, const char *);
static const char *reply_str(size_t, const char *);
static const char *reply_field(size_t, const char *);
static const char *act_new(const char *, const char *, int64_t, int);
static const char *run(const char *, const char *, const char *);
static void bind_chat(const char *, const char *);

#define CALL(...) script_call_run(&(struct script_call){ __VA_ARGS__ })

/* ------------------------------------------------------------------ */
/* fixtures and helpers                                                */
/* ------------------------------------------------------------------ */

static void
script_server_up(void)
{
	script_rs = redis_server_start();
	ck_assert_msg(script_rs != NULL, "redis-server did not start");
}

static void
script_server_down(void)
{
	redis_server_stop(script_rs);
	script_rs = NULL;
}

static void
script_setup(void)
{
	script_c = fcall_open(script_rs, 0);
	script_now = T0;
	script_chat = "-100";
	script_cov = COV_STD;
	script_last_ids = json_object();
	script_replies = json_array();
}

static void
script_teardown(void)
{
	json_decref(script_replies);
	script_replies = NULL;
	json_decref(script_last_ids);
	script_last_ids = NULL;
	redisFree(script_c);
	script_c = NULL;
}

/* Build the README args vector, FCALL it, then read the new replies. */
static void
script_call_run(const struct script_call *sc)
{
	struct fcall_argv av = { 0 };
	redisReply *r;
	int i, last;

	fcall_argv_head(&av, "tb_event");
	fcall_argv_addf(&av, "%" PRId64 "000", script_now);
	fcall_argv_add(&av, script_cov);
	fcall_argv_add(&av, LADDER);
	fcall_argv_add(&av, sc->adapter ? sc->adapter : "tg");
	fcall_argv_add(&av, "");
	if (sc->event_id != NULL)
		fcall_argv_add(&av, sc->event_id);
	else
		fcall_argv_addf(&av, "ev%lu", ++script_evseq);
	fcall_argv_add(&av, sc->chat ? sc->chat : script_chat);
	fcall_argv_add(&av, sc->user);
	fcall_argv_addf(&av, "Name %s", sc->user);
	fcall_argv_addf(&av, "h%s", sc->user);
	fcall_argv_add(&av, "m1");
	fcall_argv_add(&av, sc->oper ? "1" : "0");
	fcall_argv_add(&av, sc->op);
	fcall_argv_add(&av, sc->tkind ? sc->tkind : "");
	fcall_argv_add(&av, sc->tvalue ? sc->tvalue : "");
	fcall_argv_add(&av, sc->tname ? sc->tname : "");
	fcall_argv_add(&av, sc->thandle ? sc->thandle : "");
	fcall_argv_add(&av, sc->thread ? sc->thread : "");
	fcall_argv_add(&av, sc->reply_url ? sc->reply_url : "");
	fcall_argv_add(&av, sc->reply_exp ? sc->reply_exp : "");
	for (last = ARGS_MAX - 1; last >= 0 && sc->args[last] == NULL; last--)
		;
	for (i = 0; i <= last; i++)
		fcall_argv_add(&av, sc->args[i] ? sc->args[i] : "");

	r = fcall_argv_run(script_c, &av);
	ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "script error: %s",
	    r->type == REDIS_REPLY_ERROR ? r->str : "not an array");
	ck_assert_uint_eq(r->elements, 3);
	if (strcmp(r->element[0]->str, "ok") == 0)
		snprintf(script_outcome, sizeof(script_outcome), "%s",
		    r->element[1]->str);
	else
		snprintf(script_outcome, sizeof(script_outcome), "%s:%s",
		    r->element[0]->str, r->element[1]->str);
	snprintf(script_act, sizeof(script_act), "%s", r->element[2]->str);
	freeReplyObject(r);
	script_replies_read(sc->adapter ? sc->adapter : "tg");
}

/*
 * XRANGE the adapter's reply queue after the last id seen into
 * script_replies, params decoded.
 */
static void
script_replies_read(const char *adapter)
{
	json_t *last, *e;
	size_t i;
	char q[64];

	snprintf(q, sizeof(q), "tb:q:%s:_:r", adapter);
	last = json_object_get(script_last_ids, q);
	json_decref(script_replies);
	script_replies = fcall_xrange(script_c, q,
	    last != NULL ? json_string_value(last) : "0-0");
	json_array_foreach(script_replies, i, e)
	{
		json_object_set(script_last_ids, q, json_object_get(e, "_id"));
		if (json_object_get(e, "params") != NULL)
			json_object_set_new(e, "params", fcall_entry_params(e));
	}
}

static const char *
reply_field(size_t i, const char *name)
{
	json_t *o;

	ck_assert_msg(i < json_array_size(script_replies), "reply %zu of %zu",
	    i, json_array_size(script_replies));
	o = json_object_get(json_array_get(script_replies, i), name);
	ck_assert_msg(json_is_string(o), "reply %zu: no field %s", i, name);
	return (json_string_value(o));
}

static const char *
reply_key(size_t i)
{
	return (reply_field(i, "key"));
}

static json_t *
reply_params(size_t i)
{
	ck_assert_msg(i < json_array_size(script_replies), "reply %zu of %zu",
	    i, json_array_size(script_replies));
	return (json_object_get(json_array_get(script_replies, i), "params"));
}

static json_int_t
reply_int(size_t i, const char *name)
{
	json_t *v = json_object_get(reply_params(i), name);

	ck_assert_msg(json_is_integer(v), "reply %zu (%s): param %s", i,
	    reply_key(i), name);
	return (json_integer_value(v));
}

static const char *
reply_str(size_t i, const char *name)
{
	json_t *v = json_object_get(reply_params(i), name);

	ck_assert_msg(json_is_string(v), "reply %zu (%s): param %s", i,
	    reply_key(i), name);
	return (json_string_value(v));
}

/* The sender is u1 (committee via operator flag); returns the new id. */
static const char *
act_new(const char *title, const char *cap, int64_t start, int hours)
{
	char sbuf[32], hbuf[16];

	snprintf(sbuf, sizeof(sbuf), "%" PRId64, start);
	snprintf(hbuf, sizeof(hbuf), "%d", hours);
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { title, sbuf, cap, "Park", NULL, NULL, hbuf });
	ck_assert_str_eq(script_outcome, "created");
	ck_assert_str_eq(reply_key(0), "act_created");
	return (script_act);
}

/* Run a one-argument member command and return the outcome token. */
static const char *
run(const char *user, const char *op, const char *id)
{
	CALL(.user = user, .op = op, .args = { id });
	return (script_outcome);
}

static void
bind_chat(const char *chat, const char *path)
{
	CALL(.user = "op", .op = "bind", .oper = 1, .chat = chat,
	    .args = { path });
	ck_assert_str_eq(reply_key(0), "bind_ok");
}

/* ------------------------------------------------------------------ */
/* dedup and members                                                   */
/* ------------------------------------------------------------------ */

START_TEST(dedup_same_event_once)
{
	CALL(.user = "1", .op = "help", .event_id = "E1");
	ck_assert_str_eq(script_outcome, "help");
	ck_assert_uint_eq(json_array_size(script_replies), 1);
	CALL(.user = "1", .op = "help", .event_id = "E1");
	ck_assert_str_eq(script_outcome, "dup:dup");
	ck_assert_uint_eq(json_array_size(script_replies), 0);
	ck_assert_int_eq(fcall_int(script_c, "TTL tb:dedup:tg:E1") > 0, 1);
	/* The same id on another adapter is another event. */
	CALL(.user = "1", .op = "help", .event_id = "E1", .adapter = "sl");
	ck_assert_str_eq(script_outcome, "help");
}
END_TEST

START_TEST(plain_message_records_sender_only)
{
	char *s;

	CALL(.user = "42", .op = "msg");
	ck_assert_str_eq(script_outcome, "seen");
	ck_assert_uint_eq(json_array_size(script_replies), 0);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:m:tg:42 id"), 1);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:m:tg:42 pid"), 1);
	s = fcall_str(script_c, "GET tb:uname:tg:h42");
	ck_assert_str_eq(s, "42");
	free(s);
	s = fcall_str(script_c, "HGET tb:mid:1 user");
	ck_assert_str_eq(s, "42");
	free(s);
	CALL(.user = "42", .op = "msg");
	ck_assert_int_eq(fcall_int(script_c, "GET tb:seq:member"), 1);
	ck_assert_int_eq(fcall_int(script_c, "EXISTS tb:q:tg:_:r"), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* activities, sign-up, cancel, leave, check-in                        */
/* ------------------------------------------------------------------ */

START_TEST(capacity_waitlist_cancel_promotes_next)
{
	const char *id = act_new("Hike", "2", T0 + DAY, 0);
	char idb[16];

	snprintf(idb, sizeof(idb), "%s", id);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_int_eq(reply_int(0, "signed"), 1);
	ck_assert_str_eq(run("2", "signup", idb), "signed");
	ck_assert_str_eq(run("3", "signup", ""), "waitlisted");
	ck_assert_str_eq(reply_key(0), "signup_waitlist");
	ck_assert_int_eq(reply_int(0, "pos"), 1);
	ck_assert_str_eq(run("4", "signup", ""), "waitlisted");
	ck_assert_int_eq(reply_int(0, "pos"), 2);
	ck_assert_str_eq(run("3", "signup", ""), "already");
	ck_assert_str_eq(reply_str(0, "state"), "waitlisted");

	ck_assert_str_eq(run("1", "cancel", ""), "cancelled");
	ck_assert_uint_eq(json_array_size(script_replies), 2);
	ck_assert_str_eq(reply_key(0), "promoted");
	ck_assert_str_eq(reply_field(0, "mention"), "3");
	ck_assert_str_eq(reply_field(0, "mention_name"), "Name 3");
	ck_assert_str_eq(reply_field(0, "reply_to"), "");
	ck_assert_str_eq(reply_key(1), "cancel_ok");
	ck_assert_int_eq(reply_int(1, "penalty"), 0);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:act:%s signed", idb), 2);
	ck_assert_int_eq(fcall_int(script_c, "LLEN tb:act:%s:wl", idb), 1);

	/* A waitlisted cancel takes no seat and promotes nobody. */
	ck_assert_str_eq(run("4", "cancel", ""), "cancelled");
	ck_assert_uint_eq(json_array_size(script_replies), 1);
	ck_assert_int_eq(fcall_int(script_c, "LLEN tb:act:%s:wl", idb), 0);
	ck_assert_str_eq(run("4", "cancel", ""), "none");
	ck_assert_str_eq(reply_key(0), "cancel_none");
	/* Cancelled members may sign up again. */
	ck_assert_str_eq(run("1", "signup", ""), "waitlisted");
}
END_TEST

/* start - now (s), signed?, expected penalty */
static const struct {
	int64_t before_s;
	int signed_up;
	int penalty;
} late_rows[] = {
	{ 2 * HOUR, 1, 0 },
	{ 2 * HOUR - 1, 1, -3 },
	{ 60, 1, -3 },
	{ 2 * HOUR - 1, 0, 0 },
	{ 3 * DAY, 1, 0 },
};

START_TEST(late_cancel_penalty_edges)
{
	int64_t start = T0 + DAY;

	act_new("Full", "1", start, 0);
	ck_assert_str_eq(run("9", "signup", ""), "signed");
	ck_assert_str_eq(run("1", "signup", ""), "waitlisted");
	if (late_rows[_i].signed_up) {
		/* Make 1 hold the seat: 9 cancels early, 1 is promoted. */
		ck_assert_str_eq(run("9", "cancel", ""), "cancelled");
	}
	script_now = start - late_rows[_i].before_s;
	ck_assert_msg(strcmp(run("1", "cancel", ""), "cancelled") == 0,
	    "row %d: %s", _i, script_outcome);
	ck_assert_msg(reply_int(json_array_size(script_replies) - 1,
			  "penalty") == late_rows[_i].penalty,
	    "row %d: penalty", _i);
	ck_assert_msg(fcall_int(script_c, "HGET tb:p:3 credit") ==
			  (late_rows[_i].penalty ? 100 + late_rows[_i].penalty
						 : 0),
	    "row %d: credit", _i);
	ck_assert_msg(fcall_int(script_c, "XLEN tb:ledger:3") ==
			  (late_rows[_i].penalty ? 1 : 0),
	    "row %d: ledger", _i);
}
END_TEST

START_TEST(cancel_after_start_refused)
{
	act_new("Run", "0", T0 + HOUR, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	script_now = T0 + HOUR;
	ck_assert_str_eq(run("1", "cancel", ""), "closed");
	ck_assert_str_eq(reply_key(0), "signup_closed");
	ck_assert_str_eq(run("2", "signup", ""), "closed");
}
END_TEST

START_TEST(leave_before_start_promotes_after_start_refused)
{
	const char *id = act_new("Run", "1", T0 + HOUR, 0);
	char idb[16];

	snprintf(idb, sizeof(idb), "%s", id);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_str_eq(run("2", "signup", ""), "waitlisted");
	ck_assert_str_eq(run("3", "leave", ""), "none");
	ck_assert_str_eq(reply_key(0), "leave_none");
	CALL(.user = "1", .op = "leave", .args = { "", "sick" });
	ck_assert_str_eq(script_outcome, "leave");
	ck_assert_str_eq(reply_key(0), "promoted");
	ck_assert_str_eq(reply_field(0, "mention"), "2");
	ck_assert_str_eq(reply_key(1), "leave_ok");
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:act:%s signed", idb), 1);
	ck_assert_str_eq(run("1", "signup", ""), "already");
	script_now = T0 + HOUR;
	ck_assert_str_eq(run("2", "leave", ""), "started");
	ck_assert_str_eq(reply_key(0), "leave_started");
}
END_TEST

START_TEST(checkin_window)
{
	act_new("Run", "0", T0 + 3 * HOUR, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_str_eq(run("2", "checkin", ""), "none");
	ck_assert_str_eq(reply_key(0), "checkin_none");
	script_now = T0 + 2 * HOUR - 1;
	ck_assert_str_eq(run("1", "checkin", ""), "early");
	ck_assert_str_eq(reply_key(0), "checkin_early");
	ck_assert_int_eq(reply_int(0, "from_at"), T0 + 2 * HOUR);
	script_now = T0 + 2 * HOUR;
	ck_assert_str_eq(run("1", "checkin", ""), "attended");
	ck_assert_str_eq(reply_key(0), "checkin_ok");
	ck_assert_str_eq(run("1", "checkin", ""), "already");
	script_now = T0 + 5 * HOUR;
	ck_assert_str_eq(run("1", "signup", ""), "already");
}
END_TEST

START_TEST(activity_id_omitted_or_unknown)
{
	ck_assert_str_eq(run("1", "signup", ""), "not_found");
	ck_assert_str_eq(reply_key(0), "act_none");
	act_new("A", "0", T0 + DAY, 0);
	act_new("B", "5", T0 + 2 * DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "not_found");
	ck_assert_str_eq(reply_key(0), "act_choose");
	ck_assert_str_eq(reply_str(0, "cmd"), "signup");
	ck_assert_uint_eq(json_array_size(
			      json_object_get(reply_params(0), "items")),
	    2);
	ck_assert_str_eq(run("1", "signup", "9"), "not_found");
	ck_assert_str_eq(reply_key(0), "act_not_found");
	ck_assert_str_eq(reply_str(0, "id"), "9");
	/* Open in another chat is not open here. */
	CALL(.user = "1", .op = "signup", .chat = "-200", .args = { "1" });
	ck_assert_str_eq(reply_key(0), "act_not_found");
	ck_assert_str_eq(run("1", "signup", "#2"), "signed");
	CALL(.user = "1", .op = "activities");
	ck_assert_str_eq(reply_key(0), "act_list");
	{
		json_t *want = json_pack("{s:[{s:i,s:s,s:i,s:i,s:i,s:i},"
					 "{s:i,s:s,s:i,s:i,s:i,s:i}]}",
		    "items", "id", 1, "title", "A", "start_at", T0 + DAY,
		    "signed", 0, "cap", 0, "waitlist", 0, "id", 2, "title", "B",
		    "start_at", T0 + 2 * DAY, "signed", 1, "cap", 5, "waitlist",
		    0);
		ck_assert_msg(json_equal(want, reply_params(0)),
		    "act_list params");
		json_decref(want);
	}
}
END_TEST

START_TEST(newactivity_checks)
{
	char past[32];

	snprintf(past, sizeof(past), "%d", T0 - 1);
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { "Old", past });
	ck_assert_str_eq(reply_key(0), "act_in_past");
	ck_assert_int_eq(reply_int(0, "start_at"), T0 - 1);
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { "Bad", "soon" });
	ck_assert_str_eq(reply_key(0), "usage");
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { "Bad", "1800000000", "0x10" });
	ck_assert_str_eq(reply_key(0), "usage");
	ck_assert_int_eq(fcall_int(script_c, "EXISTS tb:seq:act"), 0);
	/* Deadline before the start closes sign-ups early. */
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { "D", "1700090000", "0", "", "1700000500", "" });
	ck_assert_str_eq(reply_key(0), "act_created");
	ck_assert_int_eq(reply_int(0, "deadline_at"), 1700000500);
	script_now = 1700000500;
	ck_assert_str_eq(run("1", "signup", ""), "closed");
}
END_TEST

START_TEST(signup_minimum_credit)
{
	CALL(.user = "op", .op = "newactivity", .oper = 1,
	    .args = { "Elite", "1800000000", "0", "", "", "100" });
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "user",
	    .tvalue = "2", .args = { "-1" });
	ck_assert_str_eq(run("2", "signup", ""), "credit");
	ck_assert_str_eq(reply_key(0), "signup_credit");
	ck_assert_int_eq(reply_int(0, "credit"), 99);
	ck_assert_int_eq(reply_int(0, "min"), 100);
}
END_TEST

/* ------------------------------------------------------------------ */
/* close and the attendance strikes (SPEC section 3)                   */
/* ------------------------------------------------------------------ */

/* One activity in which user "1" signs up and does not come. */
static void
absent_once(int64_t start)
{
	act_new("Week", "0", start, 2);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_str_eq(run("2", "signup", ""), "signed");
	script_now = start;
	ck_assert_str_eq(run("2", "checkin", ""), "attended");
	script_now = start + HOUR;
	CALL(.user = "op", .op = "close", .oper = 1);
	ck_assert_str_eq(script_outcome, "closed");
}

START_TEST(three_absences_bar_the_fourth)
{
	size_t last;

	absent_once(T0 + DAY);
	ck_assert_int_eq(reply_int(0, "absent"), 1);
	ck_assert_int_eq(reply_int(0, "attended"), 1);
	ck_assert_int_eq(reply_int(0, "restricted"), 0);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:2 credit"), 90);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:3 credit"), 102);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:3 hours"), 2);
	absent_once(T0 + 2 * DAY);
	absent_once(T0 + 3 * DAY);
	ck_assert_uint_eq(json_array_size(script_replies), 2);
	ck_assert_str_eq(reply_key(0), "restricted_notice");
	ck_assert_str_eq(reply_field(0, "mention"), "1");
	ck_assert_int_eq(reply_int(0, "limit"), 3);
	ck_assert_str_eq(reply_key(1), "close_ok");
	ck_assert_int_eq(reply_int(1, "restricted"), 1);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:2 credit"), 70);
	ck_assert_int_eq(fcall_int(script_c,
			     "SISMEMBER tb:restricted:chat:tg:-100 2"),
	    1);

	/* The fourth activity refuses the sign-up. */
	act_new("Fourth", "0", T0 + 5 * DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "restricted");
	ck_assert_str_eq(reply_key(0), "signup_restricted");
	ck_assert_int_eq(reply_int(0, "left"), 1);
	CALL(.user = "1", .op = "me");
	ck_assert_int_eq(reply_int(0, "restricted"), 1);
	ck_assert_int_eq(reply_int(0, "absences"), 3);
	ck_assert_int_eq(reply_int(0, "credit"), 70);

	/* Closing it serves the restriction: the bar lifts. */
	script_now = T0 + 5 * DAY + HOUR;
	CALL(.user = "op", .op = "close", .oper = 1);
	last = json_array_size(script_replies) - 1;
	ck_assert_int_eq(reply_int(last, "lifted"), 1);
	ck_assert_int_eq(fcall_int(script_c,
			     "SCARD tb:restricted:chat:tg:-100"),
	    0);
	act_new("Fifth", "0", T0 + 7 * DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	CALL(.user = "1", .op = "me");
	ck_assert_int_eq(reply_int(0, "absences"), 0);
	ck_assert_int_eq(reply_int(0, "restricted"), 0);
}
END_TEST

START_TEST(attendance_resets_and_leave_keeps_count)
{
	absent_once(T0 + DAY);
	absent_once(T0 + 2 * DAY);
	/* Excused: the count stays at 2. */
	act_new("L", "0", T0 + 3 * DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_str_eq(run("1", "leave", ""), "leave");
	script_now = T0 + 3 * DAY + HOUR;
	CALL(.user = "op", .op = "close", .oper = 1);
	ck_assert_int_eq(reply_int(0, "leave"), 1);
	ck_assert_int_eq(fcall_int(script_c,
			     "HGET tb:st:chat:tg:-100:2 absences"),
	    2);
	/* Attended: back to 0. */
	act_new("A", "0", T0 + 4 * DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	script_now = T0 + 4 * DAY;
	ck_assert_str_eq(run("1", "checkin", ""), "attended");
	CALL(.user = "op", .op = "close", .oper = 1);
	ck_assert_int_eq(fcall_int(script_c,
			     "HGET tb:st:chat:tg:-100:2 absences"),
	    0);
}
END_TEST

START_TEST(restriction_cancels_pending_signups)
{
	char later[16];

	script_cov = "1,1,90,100,2,-10,-3,-2,-5,-20,2,60";
	/* A later activity, full: 1 holds a seat, 3 waits. */
	snprintf(later, sizeof(later), "%s",
	    act_new("Later", "1", T0 + 9 * DAY, 0));
	ck_assert_str_eq(run("1", "signup", later), "signed");
	ck_assert_str_eq(run("3", "signup", later), "waitlisted");
	/* Another chat of another community is not touched. */
	CALL(.user = "op", .op = "newactivity", .oper = 1, .chat = "-200",
	    .args = { "Elsewhere", "1800000000" });
	CALL(.user = "1", .op = "signup", .chat = "-200");
	ck_assert_str_eq(script_outcome, "signed");

	act_new("Now", "0", T0 + DAY, 0);
	CALL(.user = "1", .op = "signup", .args = { script_act });
	script_now = T0 + DAY + HOUR;
	CALL(.user = "op", .op = "close", .oper = 1, .args = { "3" });
	ck_assert_str_eq(script_outcome, "closed");
	ck_assert_uint_eq(json_array_size(script_replies), 4);
	ck_assert_str_eq(reply_key(0), "restricted_notice");
	ck_assert_str_eq(reply_key(1), "restriction_cancelled");
	ck_assert_str_eq(reply_field(1, "mention"), "1");
	ck_assert_int_eq(reply_int(1, "id"), 1);
	ck_assert_str_eq(reply_key(2), "promoted");
	ck_assert_str_eq(reply_field(2, "mention"), "3");
	ck_assert_str_eq(reply_key(3), "close_ok");
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:act:%s signed", later),
	    1);
	ck_assert_int_eq(fcall_int(script_c, "SISMEMBER tb:psu:2 1"), 0);
	ck_assert_int_eq(fcall_int(script_c, "SISMEMBER tb:psu:2 2"), 1);
	ck_assert_int_eq(fcall_int(script_c, "SISMEMBER tb:psu:2 3"), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* warn, blacklist, credit                                             */
/* ------------------------------------------------------------------ */

static const char *
warn_u5(void)
{
	CALL(.user = "op", .op = "warn", .oper = 1, .tkind = "user",
	    .tvalue = "5", .tname = "Five");
	return (script_outcome);
}

START_TEST(third_warn_blacklists)
{
	act_new("Later", "0", T0 + 9 * DAY, 0);
	ck_assert_str_eq(run("5", "signup", ""), "signed");
	ck_assert_str_eq(warn_u5(), "warned");
	ck_assert_str_eq(reply_key(0), "warn_ok");
	ck_assert_str_eq(reply_str(0, "rung"), "remind");
	ck_assert_int_eq(reply_int(0, "strike"), 1);
	ck_assert_int_eq(reply_int(0, "delta"), -2);
	ck_assert_str_eq(warn_u5(), "warned");
	ck_assert_str_eq(reply_str(0, "rung"), "warn");
	ck_assert_str_eq(warn_u5(), "blacklisted");
	ck_assert_str_eq(reply_key(0), "warn_ok");
	ck_assert_str_eq(reply_str(0, "rung"), "blacklist");
	ck_assert_int_eq(reply_int(0, "delta"), -20);
	ck_assert_str_eq(reply_key(1), "restriction_cancelled");
	ck_assert_str_eq(reply_field(1, "mention"), "5");
	ck_assert_str_eq(reply_key(2), "blacklist_ok");
	ck_assert_int_eq(reply_int(2, "cancelled"), 1);
	ck_assert_str_eq(reply_str(2, "scope"), "chat:tg:-100");
	/* 100 - 2 - 5 - 20 */
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:2 credit"), 73);
	ck_assert_int_eq(fcall_int(script_c, "XLEN tb:ledger:2"), 3);
	ck_assert_str_eq(run("5", "signup", ""), "blacklisted");
	ck_assert_str_eq(reply_key(0), "signup_blacklisted");
	CALL(.user = "5", .op = "me");
	ck_assert_int_eq(reply_int(0, "blacklisted"), 1);
	ck_assert_int_eq(reply_int(0, "strikes"), 3);
}
END_TEST

START_TEST(strikes_expire_after_90_days)
{
	ck_assert_str_eq(warn_u5(), "warned");
	script_now = T0 + DAY;
	ck_assert_str_eq(warn_u5(), "warned");
	ck_assert_int_eq(reply_int(0, "strike"), 2);
	/* 90 days after the first: it has expired, the second has not. */
	script_now = T0 + 90 * DAY;
	ck_assert_str_eq(warn_u5(), "warned");
	ck_assert_int_eq(reply_int(0, "strike"), 2);
	ck_assert_str_eq(reply_str(0, "rung"), "warn");
	script_now = T0 + 200 * DAY;
	ck_assert_str_eq(warn_u5(), "warned");
	ck_assert_int_eq(reply_int(0, "strike"), 1);
	ck_assert_str_eq(reply_str(0, "rung"), "remind");
}
END_TEST

START_TEST(blacklist_inherited_by_descendants_not_siblings)
{
	bind_chat("-1", "town/a");
	bind_chat("-2", "town/a/b");
	bind_chat("-3", "town/c");
	CALL(.user = "op", .op = "newactivity", .oper = 1, .chat = "-2",
	    .args = { "Child", "1800000000" });
	CALL(.user = "7", .op = "signup", .chat = "-2");
	ck_assert_str_eq(script_outcome, "signed");
	CALL(.user = "op", .op = "blacklist", .oper = 1, .chat = "-1",
	    .tkind = "user", .tvalue = "7", .args = { "spam" });
	ck_assert_str_eq(script_outcome, "blacklisted");
	ck_assert_str_eq(reply_key(0), "restriction_cancelled");
	ck_assert_str_eq(reply_field(0, "chat"), "-2");
	ck_assert_str_eq(reply_key(1), "blacklist_ok");
	ck_assert_str_eq(reply_str(1, "scope"), "town/a");
	ck_assert_int_eq(reply_int(1, "cancelled"), 1);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:2 credit"), 80);

	CALL(.user = "7", .op = "signup", .chat = "-2");
	ck_assert_str_eq(script_outcome, "blacklisted");
	CALL(.user = "op", .op = "newactivity", .oper = 1, .chat = "-3",
	    .args = { "Sibling", "1800000000" });
	CALL(.user = "7", .op = "signup", .chat = "-3");
	ck_assert_str_eq(script_outcome, "signed");

	/* Unblacklisting happens where it was issued. */
	CALL(.user = "op", .op = "unblacklist", .oper = 1, .chat = "-2",
	    .tkind = "user", .tvalue = "7");
	ck_assert_str_eq(reply_key(0), "unblacklist_none");
	CALL(.user = "op", .op = "unblacklist", .oper = 1, .chat = "-1",
	    .tkind = "user", .tvalue = "7");
	ck_assert_str_eq(reply_key(0), "unblacklist_ok");
	CALL(.user = "7", .op = "signup", .chat = "-2");
	ck_assert_str_eq(script_outcome, "signed");
}
END_TEST

START_TEST(credit_floor_zero)
{
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "user",
	    .tvalue = "8", .args = { "-150", "rude" });
	ck_assert_str_eq(script_outcome, "credit");
	ck_assert_str_eq(reply_key(0), "credit_ok");
	ck_assert_int_eq(reply_int(0, "credit"), 0);
	ck_assert_int_eq(reply_int(0, "delta"), -100);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:2 credit"), 0);
	{
		redisReply *r = fcall_cmd(script_c, "XRANGE tb:ledger:2 - +");
		redisReply *f;
		json_t *got = json_object(), *want;
		size_t j;

		ck_assert_uint_eq(r->elements, 1);
		f = r->element[0]->element[1];
		for (j = 0; j + 1 < f->elements; j += 2)
			json_object_set_new(got, f->element[j]->str,
			    json_string(f->element[j + 1]->str));
		want = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "delta", "-100",
		    "reason", "manual", "actor", "1", "credit", "0", "note",
		    "rude", "at", "1700000000");
		ck_assert_msg(json_equal(got, want), "ledger entry");
		json_decref(got);
		json_decref(want);
		freeReplyObject(r);
	}
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "user",
	    .tvalue = "8", .args = { "+5" });
	ck_assert_int_eq(reply_int(0, "credit"), 5);
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "user",
	    .tvalue = "8", .args = { "lots" });
	ck_assert_str_eq(reply_key(0), "usage");
}
END_TEST

/* ------------------------------------------------------------------ */
/* roles, bind, register, targets                                      */
/* ------------------------------------------------------------------ */

START_TEST(role_inherited_and_not_allowed)
{
	bind_chat("-1", "town");
	bind_chat("-2", "town/a/b");
	bind_chat("-3", "village");
	/* A member may not create; refusals change nothing. */
	CALL(.user = "2", .op = "newactivity", .chat = "-2",
	    .args = { "X", "1800000000" });
	ck_assert_str_eq(script_outcome, "not_allowed");
	ck_assert_str_eq(reply_key(0), "not_allowed");
	ck_assert_str_eq(reply_str(0, "cmd"), "newactivity");
	ck_assert_int_eq(fcall_int(script_c, "EXISTS tb:seq:act"), 0);
	/* Only an operator appoints owners. */
	CALL(.user = "op", .op = "role", .oper = 1, .chat = "-1",
	    .tkind = "user", .tvalue = "3", .args = { "owner" });
	ck_assert_str_eq(reply_key(0), "role_ok");
	ck_assert_str_eq(reply_str(0, "node"), "town");
	CALL(.user = "3", .op = "role", .chat = "-1", .tkind = "user",
	    .tvalue = "2", .args = { "owner" });
	ck_assert_str_eq(script_outcome, "not_allowed");
	CALL(.user = "3", .op = "role", .chat = "-1", .tkind = "user",
	    .tvalue = "2", .args = { "boss" });
	ck_assert_str_eq(reply_key(0), "role_bad");
	CALL(.user = "3", .op = "role", .chat = "-1", .tkind = "user",
	    .tvalue = "2", .args = { "committee" });
	ck_assert_str_eq(reply_key(0), "role_ok");
	/* Committee on town reaches town/a/b, not village. */
	CALL(.user = "2", .op = "newactivity", .chat = "-2",
	    .args = { "X", "1800000000" });
	ck_assert_str_eq(script_outcome, "created");
	CALL(.user = "2", .op = "newactivity", .chat = "-3",
	    .args = { "X", "1800000000" });
	ck_assert_str_eq(script_outcome, "not_allowed");
	/* Committee may not appoint; only operators bind. */
	CALL(.user = "2", .op = "role", .chat = "-2", .tkind = "user",
	    .tvalue = "4", .args = { "seed" });
	ck_assert_str_eq(script_outcome, "not_allowed");
	CALL(.user = "3", .op = "bind", .chat = "-2", .args = { "x" });
	ck_assert_str_eq(script_outcome, "not_allowed");
	CALL(.user = "2", .op = "help", .chat = "-2");
	ck_assert_str_eq(reply_str(0, "rank"), "committee");
	CALL(.user = "9", .op = "help", .chat = "-2");
	ck_assert_str_eq(reply_str(0, "rank"), "member");
	CALL(.user = "9", .op = "broadcast", .chat = "-2");
	ck_assert_str_eq(script_outcome, "not_allowed");
	/* Liaison rank suffices; a broadcast without a priority is bad. */
	CALL(.user = "2", .op = "broadcast", .chat = "-2");
	ck_assert_str_eq(reply_key(0), "usage");
}
END_TEST

static const char *const bind_bad_rows[] = { "", "Town", "a//b", "/a", "a/",
	"a b", "a/b_c", "村" };

START_TEST(bind_rejects_bad_paths)
{
	CALL(.user = "op", .op = "bind", .oper = 1,
	    .args = { bind_bad_rows[_i] });
	ck_assert_msg(strcmp(reply_key(0), "bind_bad") == 0, "row %d: %s", _i,
	    reply_key(0));
}
END_TEST

START_TEST(bind_sets_chat_and_node)
{
	char *s;

	CALL(.user = "op", .op = "bind", .oper = 1,
	    .args = { "yiwu/suxi/zu-03", "council" });
	ck_assert_str_eq(reply_key(0), "bind_ok");
	ck_assert_str_eq(reply_str(0, "purpose"), "council");
	s = fcall_str(script_c, "HGET tb:chat:tg:-100 node");
	ck_assert_str_eq(s, "yiwu/suxi/zu-03");
	free(s);
	s = fcall_str(script_c, "HGET tb:node:yiwu/suxi/zu-03 name");
	ck_assert_str_eq(s, "zu-03");
	free(s);
}
END_TEST

START_TEST(register_links_and_merges_credit)
{
	CALL(.user = "1", .op = "register",
	    .args = { "Li Lei", "13800000000" });
	ck_assert_str_eq(reply_key(0), "register_ok");
	ck_assert_int_eq(reply_int(0, "linked"), 0);
	/* pid 1 loses 10 */
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "user",
	    .tvalue = "1", .args = { "-10" });
	/* the same person on Slack earns 5 there, then registers */
	CALL(.user = "U9", .op = "msg", .adapter = "sl");
	CALL(.user = "op", .op = "credit", .oper = 1, .adapter = "sl",
	    .tkind = "user", .tvalue = "U9", .args = { "5" });
	CALL(.user = "U9", .op = "register", .adapter = "sl",
	    .args = { "Li Lei", "13800000000" });
	ck_assert_str_eq(script_outcome, "linked");
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:p:1 credit"), 95);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:m:sl:U9 pid"), 1);
	CALL(.user = "U9", .op = "me", .adapter = "sl");
	ck_assert_int_eq(reply_int(0, "credit"), 95);
	/* Bad input */
	CALL(.user = "1", .op = "register", .args = { "  ", "" });
	ck_assert_str_eq(reply_key(0), "register_bad");
	CALL(.user = "1", .op = "register", .args = { "Li", "12ab" });
	ck_assert_str_eq(reply_key(0), "register_bad");
}
END_TEST

START_TEST(targets_by_member_id_and_username)
{
	CALL(.user = "55", .op = "msg"); /* member 1, handle h55 */
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "username",
	    .tvalue = "H55", .args = { "-1" });
	ck_assert_str_eq(reply_key(0), "credit_ok");
	ck_assert_str_eq(reply_str(0, "name"), "Name 55");
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "member",
	    .tvalue = "1", .args = { "-1" });
	ck_assert_int_eq(reply_int(0, "credit"), 98);
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "username",
	    .tvalue = "nobody", .args = { "-1" });
	ck_assert_str_eq(reply_key(0), "member_not_found");
	ck_assert_str_eq(reply_str(0, "spec"), "@nobody");
	CALL(.user = "op", .op = "credit", .oper = 1, .tkind = "member",
	    .tvalue = "77", .args = { "-1" });
	ck_assert_str_eq(reply_str(0, "spec"), "#77");
	CALL(.user = "op", .op = "warn", .oper = 1);
	ck_assert_str_eq(reply_key(0), "member_required");
	ck_assert_str_eq(reply_str(0, "cmd"), "warn");
}
END_TEST

START_TEST(say_queues_key_and_params)
{
	json_t *want;

	CALL(.user = "1", .op = "say",
	    .args = { "unknown_command", "{\"name\":\"frob\"}" });
	ck_assert_str_eq(reply_key(0), "unknown_command");
	want = json_pack("{s:s}", "name", "frob");
	ck_assert(json_equal(want, reply_params(0)));
	json_decref(want);
	CALL(.user = "1", .op = "say", .args = { "usage", "not json" });
	ck_assert_uint_eq(json_object_size(reply_params(0)), 0);
}
END_TEST

#define REPLY_URL "https://oapi.dingtalk.com/robot/sendBySession?session=s1"

/*
 * ARGV 19-21: every entry queued to the sender's chat carries the thread,
 * the per-conversation reply URL and its expiry (here the answer and the
 * promotion notice of a /cancel); empty when the event had none ("0" as
 * the expiry counts as none); op arguments start at ARGV 22.
 */
START_TEST(reply_carries_thread_and_reply_url)
{
	size_t i;

	act_new("Hike", "1", T0 + DAY, 0);
	ck_assert_str_eq(run("1", "signup", ""), "signed");
	ck_assert_str_eq(run("2", "signup", ""), "waitlisted");
	CALL(.user = "1", .op = "cancel", .thread = "1700000000.000100",
	    .reply_url = REPLY_URL, .reply_exp = "1700003600", .args = { "1" });
	ck_assert_str_eq(script_outcome, "cancelled");
	ck_assert_uint_eq(json_array_size(script_replies), 2);
	ck_assert_str_eq(reply_key(0), "promoted");
	ck_assert_str_eq(reply_key(1), "cancel_ok");
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(reply_field(i, "thread"), "1700000000.000100");
		ck_assert_str_eq(reply_field(i, "reply_url"), REPLY_URL);
		ck_assert_str_eq(reply_field(i, "reply_url_expires"),
		    "1700003600");
	}
	ck_assert_str_eq(reply_field(1, "reply_to"), "m1");

	/* Op arguments after the three: say's key and params. */
	CALL(.user = "1", .op = "say", .thread = "t9", .reply_exp = "0",
	    .args = { "unknown_command", "{\"name\":\"frob\"}" });
	ck_assert_str_eq(reply_key(0), "unknown_command");
	ck_assert_str_eq(reply_str(0, "name"), "frob");
	ck_assert_str_eq(reply_field(0, "thread"), "t9");
	ck_assert_str_eq(reply_field(0, "reply_url"), "");
	ck_assert_str_eq(reply_field(0, "reply_url_expires"), "");

	/* None given: the fields are there, empty. */
	CALL(.user = "1", .op = "help");
	ck_assert_str_eq(reply_key(0), "help");
	ck_assert_str_eq(reply_field(0, "thread"), "");
	ck_assert_str_eq(reply_field(0, "reply_url"), "");
	ck_assert_str_eq(reply_field(0, "reply_url_expires"), "");
}
END_TEST

/* ------------------------------------------------------------------ */
/* concurrency smoke                                                   */
/* ------------------------------------------------------------------ */

#define CONNS 4
#define USERS 200

START_TEST(many_signups_never_oversell)
{
	redisContext *cs[CONNS];
	redisReply *r;
	char nowbuf[32], ev[32], u[16], name[32];
	const char *argv[32];
	int i, k;

	act_new("Big", "50", T0 + DAY, 0);
	snprintf(nowbuf, sizeof(nowbuf), "%d000", T0);
	for (k = 0; k < CONNS; k++) {
		cs[k] = redis_server_connect(script_rs);
		ck_assert_ptr_nonnull(cs[k]);
	}
	/* Pipeline the sign-ups over several connections before reading. */
	for (i = 0; i < USERS; i++) {
		snprintf(ev, sizeof(ev), "s%d", i);
		snprintf(u, sizeof(u), "u%d", i);
		snprintf(name, sizeof(name), "User %d", i);
		const char *a[] = { "FCALL", "tb_event", "0", "tb:", nowbuf,
			COV_STD, LADDER, "tg", "", ev, "-100", u, name, "", "",
			"0", "signup", "", "", "", "", "", "", "", "1" };
		memcpy(argv, a, sizeof(a));
		ck_assert_int_eq(redisAppendCommandArgv(cs[i % CONNS],
				     (int)(sizeof(a) / sizeof(a[0])), argv,
				     NULL),
		    REDIS_OK);
	}
	for (i = 0; i < USERS; i++) {
		ck_assert_int_eq(redisGetReply(cs[i % CONNS], (void **)&r),
		    REDIS_OK);
		ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
		freeReplyObject(r);
	}
	for (k = 0; k < CONNS; k++)
		redisFree(cs[k]);
	ck_assert_int_eq(fcall_int(script_c, "HGET tb:act:1 signed"), 50);
	ck_assert_int_eq(fcall_int(script_c, "LLEN tb:act:1:wl"), 150);
	ck_assert_int_eq(fcall_int(script_c, "HLEN tb:act:1:su"), 200);
	script_replies_read("tg");
	ck_assert_uint_eq(json_array_size(script_replies), USERS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the harness itself                                                  */
/* ------------------------------------------------------------------ */

START_TEST(harness_restart_keeps_aof_data)
{
	struct redis_server_cfg cfg = { .aof = 1 };
	struct redis_server *rs;
	redisContext *c;
	redisReply *r;

	rs = redis_server_start_cfg(&cfg);
	ck_assert_ptr_nonnull(rs);
	c = redis_server_connect(rs);
	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "SET k v");
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	redisFree(c);
	/* A crash, then a restart on the same directory. */
	ck_assert_int_eq(redis_server_kill(rs, SIGKILL), 0);
	ck_assert_int_eq(redis_server_pid(rs), -1);
	ck_assert_ptr_null(redis_server_connect(rs));
	ck_assert_int_eq(redis_server_restart(rs), 0);
	c = redis_server_connect(rs);
	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "GET k");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "v");
	freeReplyObject(r);
	redisFree(c);
	redis_server_stop(rs);
}
END_TEST

Suite *script_suite(void);

Suite *
script_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("script");

	tc = tcase_create("members");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, script_server_up, script_server_down);
	tcase_add_checked_fixture(tc, script_setup, script_teardown);
	tcase_add_test(tc, dedup_same_event_once);
	tcase_add_test(tc, plain_message_records_sender_only);
	tcase_add_test(tc, targets_by_member_id_and_username);
	tcase_add_test(tc, register_links_and_merges_credit);
	tcase_add_test(tc, say_queues_key_and_params);
	tcase_add_test(tc, reply_carries_thread_and_reply_url);
	suite_add_tcase(s, tc);

	tc = tcase_create("activities");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, script_server_up, script_server_down);
	tcase_add_checked_fixture(tc, script_setup, script_teardown);
	tcase_add_test(tc, capacity_waitlist_cancel_promotes_next);
	tcase_add_loop_test(tc, late_cancel_penalty_edges, 0,
	    (int)(sizeof(late_rows) / sizeof(late_rows[0])));
	tcase_add_test(tc, cancel_after_start_refused);
	tcase_add_test(tc, leave_before_start_promotes_after_start_refused);
	tcase_add_test(tc, checkin_window);
	tcase_add_test(tc, activity_id_omitted_or_unknown);
	tcase_add_test(tc, newactivity_checks);
	tcase_add_test(tc, signup_minimum_credit);
	tcase_add_test(tc, many_signups_never_oversell);
	suite_add_tcase(s, tc);

	tc = tcase_create("covenants");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, script_server_up, script_server_down);
	tcase_add_checked_fixture(tc, script_setup, script_teardown);
	tcase_add_test(tc, three_absences_bar_the_fourth);
	tcase_add_test(tc, attendance_resets_and_leave_keeps_count);
	tcase_add_test(tc, restriction_cancels_pending_signups);
	tcase_add_test(tc, third_warn_blacklists);
	tcase_add_test(tc, strikes_expire_after_90_days);
	tcase_add_test(tc, blacklist_inherited_by_descendants_not_siblings);
	tcase_add_test(tc, credit_floor_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("roles");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, script_server_up, script_server_down);
	tcase_add_checked_fixture(tc, script_setup, script_teardown);
	tcase_add_test(tc, role_inherited_and_not_allowed);
	tcase_add_loop_test(tc, bind_rejects_bad_paths, 0,
	    (int)(sizeof(bind_bad_rows) / sizeof(bind_bad_rows[0])));
	tcase_add_test(tc, bind_sets_chat_and_node);
	suite_add_tcase(s, tc);

	tc = tcase_create("harness");
	tcase_set_tags(tc, "redis");
	tcase_add_test(tc, harness_restart_keeps_aof_data);
	suite_add_tcase(s, tc);

	return (s);
}
