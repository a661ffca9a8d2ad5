/*
 * check_e2e_telegram.c -- whole Telegram conversations through the real
 * towerbot binary (suite "e2e_telegram", tag "redis"): signed webhooks
 * over HTTP in, sendMessage calls at tests/mock/mock_platform out, a
 * private redis-server behind.  Assertions are on what the mock received
 * (chat_id, the SPEC section 4 outcome words, mentions) and on HTTP
 * statuses.
 *
 * TCase "conversation" shares one redis-server + mock + daemon (unchecked
 * fixture); each test starts from FLUSHALL and a mock reset.  TCase
 * "lifecycle" starts its own stack in every test, because those tests
 * stop, restart and wait for processes, which only their parent can do.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/redis_server.h"

#define CHAT     "-100200300"
#define CHAT_ID  -100200300LL
#define OP       DAEMON_OPERATOR
#define ALICE    "2001"
#define BOB      "2002"
#define CAROL    "2003"
#define WAIT_MS  15000
#define QUIET_MS 400
#define MAX_BODY 4096

static struct redis_server *e2e_rs;
static struct daemon *e2e_d;
static size_t e2e_seen;       /* deliveries consumed by expect() */
static const char *e2e_extra; /* daemon_cfg.extra_json of the next stack */

static void e2e_stack_up(int);
static void e2e_stack_down(void);
static void e2e_shared_up(void);
static void e2e_shared_down(void);
static void e2e_setup(void);
static void e2e_flush(void);
static json_t *expect(size_t, const char *);
static json_t *expect_says(const char *, ...);
static char *joined(const json_t *);
static size_t count_of(const char *, const char *);
static void expect_quiet(const char *);
static const char *msg_text(const json_t *, size_t);
static json_t *msg_find(const json_t *, const char *);
static void assert_chat(const json_t *, size_t);
static void say(const char *, const char *, const char *, const char *);
static json_t *say1(const char *, const char *, const char *, const char *);
static const char *who_name(const char *);
static const char *who_user(const char *);
static void start_in(int, char *, size_t);
static int new_activity(const char *, const char *, int);
static long long last_msg_id(void);
static int find_status(const json_t *, long long);
static size_t age_pending(long long);

/* ------------------------------------------------------------------ */
/* fixtures                                                            */
/* ------------------------------------------------------------------ */

static void
e2e_stack_up(int aof)
{
	struct redis_server_cfg rc = { aof, 0 };
	struct daemon_cfg dc = { MAX_BODY, 0, e2e_extra };

	e2e_rs = redis_server_start_cfg(&rc);
	ck_assert_msg(e2e_rs != NULL, "redis-server did not start");
	e2e_d = daemon_new(redis_server_socket(e2e_rs), &dc);
	ck_assert_msg(e2e_d != NULL, "towerbot or mock_platform did not start");
	e2e_seen = 0;
}

static void
e2e_stack_down(void)
{
	daemon_free(e2e_d);
	e2e_d = NULL;
	redis_server_stop(e2e_rs);
	e2e_rs = NULL;
}

static void
e2e_shared_up(void)
{
	e2e_stack_up(0);
}

static void
e2e_shared_down(void)
{
	e2e_stack_down();
}

static void
e2e_flush(void)
{
	redisContext *c = redis_server_connect(e2e_rs);
	redisReply *r;

	ck_assert_ptr_nonnull(c);
	r = redisCommand(c, "FLUSHALL");
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	redisFree(c);
}

/* Per test on the shared stack: empty Redis, empty mock. */
static void
e2e_setup(void)
{
	e2e_flush();
	ck_assert_int_eq(daemon_reset(e2e_d), 0);
	e2e_seen = 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

/*
 * Wait for n more deliveries and return just those (caller decrefs).
 * step names the conversation step in the failure message.
 */
static json_t *
expect(size_t n, const char *step)
{
	json_t *all, *out;
	size_t i;

	all = daemon_wait_sends(e2e_d, e2e_seen + n, WAIT_MS);
	ck_assert_msg(all != NULL, "%s: mock does not answer", step);
	ck_assert_msg(json_array_size(all) >= e2e_seen + n,
	    "%s: %zu deliveries, wanted %zu", step, json_array_size(all),
	    e2e_seen + n);
	out = json_array();
	for (i = e2e_seen; i < json_array_size(all); i++)
		json_array_append(out, json_array_get(all, i));
	json_decref(all);
	ck_assert_msg(json_array_size(out) == n,
	    "%s: %zu new deliveries, wanted %zu", step, json_array_size(out),
	    n);
	e2e_seen += n;
	return (out);
}

/* The texts of msgs joined by newlines (malloc'd). */
static char *
joined(const json_t *msgs)
{
	size_t i, len = 1;
	char *out;

	for (i = 0; i < json_array_size(msgs); i++)
		len += strlen(msg_text(msgs, i)) + 1;
	out = calloc(1, len);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < json_array_size(msgs); i++) {
		strcat(out, msg_text(msgs, i));
		strcat(out, "\n");
	}
	return (out);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

/*
 * Wait until the deliveries after the ones consumed say every needle (a
 * NULL-terminated list), whether they came one by one or merged into a
 * digest (SPEC section 5); return them (caller decrefs).
 */
static json_t *
expect_says(const char *step, ...)
{
	json_t *all, *out = NULL;
	const char *needle;
	char *text = NULL;
	va_list ap;
	size_t i;
	int waited, ok = 0;

	for (waited = 0; !ok && waited <= WAIT_MS; waited += 25) {
		if (waited > 0)
			daemon_sleep_ms(25);
		all = daemon_wait_sends(e2e_d, 0, 0);
		ck_assert_msg(all != NULL, "%s: mock does not answer", step);
		json_decref(out);
		out = json_array();
		for (i = e2e_seen; i < json_array_size(all); i++)
			json_array_append(out, json_array_get(all, i));
		json_decref(all);
		free(text);
		text = joined(out);
		ok = 1;
		va_start(ap, step);
		while (ok && (needle = va_arg(ap, const char *)) != NULL)
			ok = strstr(text, needle) != NULL;
		va_end(ap);
	}
	ck_assert_msg(ok, "%s: the replies do not say it all: \"%s\"", step,
	    text);
	free(text);
	e2e_seen += json_array_size(out);
	for (i = 0; i < json_array_size(out); i++)
		assert_chat(out, i);
	return (out);
}

/* Nothing more arrives within QUIET_MS. */
static void
expect_quiet(const char *step)
{
	json_t *all;

	daemon_sleep_ms(QUIET_MS);
	all = daemon_wait_sends(e2e_d, 0, 0);
	ck_assert_ptr_nonnull(all);
	ck_assert_msg(json_array_size(all) == e2e_seen,
	    "%s: %zu deliveries, wanted exactly %zu (last: %s)", step,
	    json_array_size(all), e2e_seen,
	    json_array_size(all) > 0
		? json_string_value(
		      json_object_get(json_array_get(all,
					  json_array_size(all) - 1),
			  "text"))
		: "");
	json_decref(all);
}

static const char *
msg_text(const json_t *msgs, size_t i)
{
	const char *t =
	    json_string_value(json_object_get(json_array_get(msgs, i), "text"));

	return (t != NULL ? t : "");
}

/* The first message whose text contains needle, or NULL. */
static json_t *
msg_find(const json_t *msgs, const char *needle)
{
	size_t i;

	for (i = 0; i < json_array_size(msgs); i++)
		if (strstr(msg_text(msgs, i), needle) != NULL)
			return (json_array_get(msgs, i));
	return (NULL);
}

static void
assert_chat(const json_t *msgs, size_t i)
{
	json_t *id = json_object_get(json_array_get(msgs, i), "chat_id");

	ck_assert_msg(json_is_integer(id) && json_integer_value(id) == CHAT_ID,
	    "message %zu: chat_id is not %lld", i, CHAT_ID);
}

static const char *
who_name(const char *user)
{
	if (strcmp(user, OP) == 0)
		return ("Olga");
	if (strcmp(user, ALICE) == 0)
		return ("Alice");
	if (strcmp(user, BOB) == 0)
		return ("Bob");
	return ("Carol");
}

static const char *
who_user(const char *user)
{
	if (strcmp(user, OP) == 0)
		return ("olga");
	if (strcmp(user, ALICE) == 0)
		return ("alice");
	if (strcmp(user, BOB) == 0)
		return ("bobby");
	return ("carol");
}

/* user says text in CHAT; the webhook must be accepted. */
static void
say(const char *user, const char *text, const char *reply_to, const char *step)
{
	long st = daemon_tg_send(e2e_d, CHAT, user, who_name(user),
	    who_user(user), text, reply_to);

	ck_assert_msg(st == 200, "%s: webhook answered %ld", step, st);
}

/*
 * user says text and gets exactly one reply, in CHAT, quoting the message;
 * returns that reply (caller decrefs the array it came in: we copy).
 */
static json_t *
say1(const char *user, const char *text, const char *want, const char *step)
{
	json_t *msgs, *m, *rp;
	long long mid;

	say(user, text, NULL, step);
	mid = last_msg_id();
	msgs = expect(1, step);
	assert_chat(msgs, 0);
	ck_assert_msg(strstr(msg_text(msgs, 0), want) != NULL,
	    "%s: reply \"%s\" does not say \"%s\"", step, msg_text(msgs, 0),
	    want);
	rp = json_object_get(json_array_get(msgs, 0), "reply_parameters");
	ck_assert_msg(json_integer_value(json_object_get(rp, "message_id")) ==
			  mid,
	    "%s: reply does not quote message %lld", step, mid);
	m = json_deep_copy(json_array_get(msgs, 0));
	json_decref(msgs);
	return (m);
}

/* The message_id of the update daemon_tg_send() last posted. */
static long long
last_msg_id(void)
{
	json_t *u = json_loads(daemon_tg_last(e2e_d), 0, NULL);
	long long id;

	ck_assert_ptr_nonnull(u);
	id = json_integer_value(
	    json_object_get(json_object_get(u, "message"), "message_id"));
	json_decref(u);
	return (id);
}

/* "YYYY-MM-DD HH:MM" (UTC, the test config's zone) minutes from now. */
static void
start_in(int minutes, char *out, size_t outlen)
{
	time_t t = time(NULL) + (time_t)minutes * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

/* user creates an activity; returns its id from the reply. */
static int
new_activity(const char *user, const char *title, int cap)
{
	char when[32], text[128];
	const char *t;
	json_t *m;
	int id = 0;

	start_in(5, when, sizeof(when));
	if (cap > 0)
		snprintf(text, sizeof(text), "/newactivity %s %s cap=%d", title,
		    when, cap);
	else
		snprintf(text, sizeof(text), "/newactivity %s %s", title, when);
	m = say1(user, text, "created", title);
	t = json_string_value(json_object_get(m, "text"));
	ck_assert_msg(strstr(t, title) != NULL, "created: %s", t);
	ck_assert_msg(sscanf(t, "Activity #%d created", &id) == 1 && id > 0,
	    "no activity id in \"%s\"", t);
	json_decref(m);
	return (id);
}

/* Index of the first recorded call the mock answered with status, or -1. */
static int
find_status(const json_t *reqs, long long status)
{
	size_t i;

	for (i = 0; i < json_array_size(reqs); i++)
		if (json_integer_value(json_object_get(json_array_get(reqs, i),
			"status")) == status)
			return ((int)i);
	return (-1);
}

/*
 * Make every entry pending in the reply streams look idle for ms, as if
 * its consumer had died that long ago (XCLAIM to the same consumer with
 * IDLE).  Returns how many entries were aged.
 */
static size_t
age_pending(long long ms)
{
	redisContext *c = redis_server_connect(e2e_rs);
	redisReply *keys, *pend, *r;
	size_t i, j, n = 0;

	ck_assert_ptr_nonnull(c);
	keys = redisCommand(c, "KEYS tb:q:*");
	ck_assert(keys != NULL && keys->type == REDIS_REPLY_ARRAY);
	for (i = 0; i < keys->elements; i++) {
		pend = redisCommand(c, "XPENDING %s tb - + 100",
		    keys->element[i]->str);
		if (pend == NULL)
			continue;
		for (j = 0;
		     pend->type == REDIS_REPLY_ARRAY && j < pend->elements;
		     j++) {
			redisReply *e = pend->element[j];

			if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
				continue;
			r = redisCommand(c,
			    "XCLAIM %s tb %s 0 %s IDLE %lld JUSTID",
			    keys->element[i]->str, e->element[1]->str,
			    e->element[0]->str, ms);
			if (r != NULL && r->type == REDIS_REPLY_ARRAY &&
			    r->elements == 1)
				n++;
			if (r != NULL)
				freeReplyObject(r);
		}
		freeReplyObject(pend);
	}
	freeReplyObject(keys);
	redisFree(c);
	return (n);
}

/* ------------------------------------------------------------------ */
/* conversations */
/* ------------------------------------------------------------------ */

/* Only committee and up create activities; /role grants it. */
START_TEST(newactivity_needs_committee)
{
	char when[32], text[128];
	json_t *m;

	start_in(5, when, sizeof(when));
	snprintf(text, sizeof(text), "/newactivity Walk %s cap=2", when);
	m = say1(ALICE, text, "not allowed", "member creates");
	json_decref(m);
	ck_assert_int_eq(new_activity(OP, "Walk", 2), 1);
	m = say1(BOB, "/close 1", "not allowed", "member closes");
	json_decref(m);

	/* The operator makes Alice committee by replying to her. */
	say(OP, "/role committee", ALICE, "role");
	json_decref(expect_says("role", "Alice", "is now", "committee", NULL));
	ck_assert_int_eq(new_activity(ALICE, "Run", 0), 2);
	/* Bob is still a member. */
	snprintf(text, sizeof(text), "/newactivity Swim %s", when);
	m = say1(BOB, text, "not allowed", "member still refused");
	json_decref(m);
	expect_quiet("end");
}
END_TEST

/* A full activity waitlists; a cancel promotes and mentions the next. */
START_TEST(cancel_promotes_waitlist)
{
	json_t *msgs, *p, *ent;
	int id;
	char text[32];

	id = new_activity(OP, "Walk", 1);
	snprintf(text, sizeof(text), "/signup %d", id);
	json_decref(say1(ALICE, text, "signed up", "alice signs up"));
	json_decref(say1(BOB, text, "waitlist", "bob waitlisted"));
	json_decref(say1(CAROL, "/signup", "waitlist", "carol waitlisted"));

	snprintf(text, sizeof(text), "/cancel %d", id);
	say(ALICE, text, NULL, "alice cancels");
	msgs =
	    expect_says("alice cancels", "is cancelled", "seat freed up", NULL);
	/* A notice with a mention goes alone, never in a digest. */
	p = msg_find(msgs, "seat freed up");
	ck_assert_msg(p != NULL, "no promotion notice: %s / %s",
	    msg_text(msgs, 0), msg_text(msgs, 1));
	/* It names Bob, the head of the waitlist, with a text_mention. */
	ck_assert_msg(strncmp(json_string_value(json_object_get(p, "text")),
			  "Bob", 3) == 0,
	    "promotion text: %s",
	    json_string_value(json_object_get(p, "text")));
	ent = json_array_get(json_object_get(p, "entities"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ent, "type")),
	    "text_mention");
	ck_assert_int_eq(json_integer_value(json_object_get(ent, "offset")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(ent, "length")), 3);
	ck_assert_int_eq(json_integer_value(
			     json_object_get(json_object_get(ent, "user"),
				 "id")),
	    2002);
	json_decref(msgs);

	/* Bob holds the seat now; Carol is still waiting. */
	json_decref(say1(BOB, "/signup", "already", "bob already"));
	expect_quiet("end");
}
END_TEST

/* Three unexcused absences bar the fourth activity; the next close lifts. */
START_TEST(three_absences_restrict_then_lift)
{
	json_t *msgs, *n, *ent;
	char text[32], title[16];
	int i, id;

	for (i = 1; i <= 3; i++) {
		snprintf(title, sizeof(title), "Meet%d", i);
		id = new_activity(OP, title, 0);
		snprintf(text, sizeof(text), "/signup %d", id);
		json_decref(say1(ALICE, text, "signed up", title));
		snprintf(text, sizeof(text), "/close %d", id);
		say(OP, text, NULL, title);
		if (i < 3) {
			msgs = expect_says(title, "1 absent", NULL);
			ck_assert_msg(msg_find(msgs, "restricted") == NULL,
			    "%s: restricted too early", title);
		} else
			msgs =
			    expect_says(title, "1 absent", "1 now restricted",
				"restricted from signing up", NULL);
		if (i == 3) {
			n = msg_find(msgs, "restricted from signing up");
			ck_assert_msg(n != NULL, "no restriction notice");
			ent = json_array_get(json_object_get(n, "entities"), 0);
			ck_assert_int_eq(json_integer_value(json_object_get(
					     json_object_get(ent, "user"),
					     "id")),
			    2001);
		}
		json_decref(msgs);
	}

	id = new_activity(OP, "Meet4", 0);
	snprintf(text, sizeof(text), "/signup %d", id);
	json_decref(say1(ALICE, text, "restricted", "fourth sign-up"));
	/* Bob is not affected. */
	json_decref(say1(BOB, text, "signed up", "bob fourth"));
	snprintf(text, sizeof(text), "/close %d", id);
	json_decref(say1(OP, text, "1 no longer restricted", "fourth close"));

	id = new_activity(OP, "Meet5", 0);
	snprintf(text, sizeof(text), "/signup %d", id);
	json_decref(say1(ALICE, text, "signed up", "fifth sign-up"));
	expect_quiet("end");
}
END_TEST

/* The third /warn blacklists; the next sign-up says so. */
START_TEST(third_warn_blacklists)
{
	(void)new_activity(OP, "Walk", 0);
	/* Bob is seen (plain messages get no reply). */
	say(BOB, "hello everyone", NULL, "bob talks");
	json_decref(say1(OP, "/warn @bobby late", "strike 1", "warn 1"));
	/* By replying to his message. */
	say(OP, "/warn noisy", BOB, "warn 2");
	json_decref(expect_says("warn 2", "Bob now has strike 2", NULL));
	say(OP, "/warn @bobby again", NULL, "warn 3");
	json_decref(expect_says("warn 3", "Bob now has strike 3",
	    "Bob is blacklisted", NULL));
	json_decref(say1(BOB, "/signup", "blacklisted", "bob signs up"));
	json_decref(say1(ALICE, "/signup", "signed up", "alice signs up"));
	expect_quiet("end");
}
END_TEST

/* Unknown commands point to help. */
START_TEST(unknown_command_points_to_help)
{
	json_decref(say1(ALICE, "/frobnicate", "help", "unknown"));
	expect_quiet("end");
}
END_TEST

/* Bad requests get 4xx and change nothing; a retried update counts once. */
START_TEST(bad_requests_are_refused)
{
	char *up, *big, *text;
	json_t *msgs, *reqs;
	long st;

	up =
	    daemon_tg_update(e2e_d, CHAT, ALICE, "Alice", "alice", "/me", NULL);
	st = daemon_post(e2e_d, "/webhook/tg", "wrong-secret", up, strlen(up));
	ck_assert_int_eq(st, 401);
	st = daemon_post(e2e_d, "/webhook/tg", NULL, up, strlen(up));
	ck_assert_int_eq(st, 401);
	free(up);
	st = daemon_post(e2e_d, "/webhook/tg", DAEMON_TG_SECRET,
	    "{\"update_id\": 1, \"message\": {", 29);
	ck_assert_int_eq(st, 400);
	big = malloc(5000);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 5000);
	big[0] = '{';
	big[4999] = '}';
	st = daemon_post(e2e_d, "/webhook/tg", DAEMON_TG_SECRET, big, 5000);
	ck_assert_int_eq(st, 413);
	free(big);
	up = daemon_tg_update(e2e_d, CHAT, ALICE, "Alice", "alice", "/help",
	    NULL);
	st = daemon_post(e2e_d, "/webhook/nope", DAEMON_TG_SECRET, up,
	    strlen(up));
	ck_assert_int_eq(st, 404);
	free(up);

	/* The same update twice: both accepted, one reply. */
	up = daemon_tg_update(e2e_d, CHAT, ALICE, "Alice", "alice",
	    "/activities", NULL);
	ck_assert_int_eq(daemon_post(e2e_d, "/webhook/tg", DAEMON_TG_SECRET, up,
			     strlen(up)),
	    200);
	ck_assert_int_eq(daemon_post(e2e_d, "/webhook/tg", DAEMON_TG_SECRET, up,
			     strlen(up)),
	    200);
	free(up);
	/* A sentinel after them: once its reply is in, theirs would be. */
	say(BOB, "/frobnicate", NULL, "sentinel");
	json_decref(expect_says("dup + sentinel", "no open activity",
	    "/frobnicate", NULL));
	expect_quiet("duplicate");

	/* One /activities reply; nothing for the refused /me. */
	msgs = daemon_wait_sends(e2e_d, 0, 0);
	ck_assert_ptr_nonnull(msgs);
	text = joined(msgs);
	ck_assert_msg(count_of(text, "no open activity") == 1,
	    "duplicate answered twice: %s", text);
	ck_assert_msg(strstr(text, "Credit:") == NULL, "refused /me ran");
	free(text);
	/* Every call the platform got was one of those deliveries. */
	reqs = daemon_mock_requests(e2e_d);
	ck_assert_int_eq(json_array_size(reqs), json_array_size(msgs));
	json_decref(reqs);
	json_decref(msgs);
}
END_TEST

/*
 * A member who talks in a second chat within the minute the daemon
 * remembers them is recorded in that chat too: kick_on_blacklist removes
 * them from every chat they were seen in (tb:mchats:<adapter>:<user>).
 */
START_TEST(member_is_recorded_in_every_chat_they_talk_in)
{
	static const char *const chats[] = { CHAT, "-100200301", "-100200302" };
	/* Nobody else in this suite: the daemon cannot remember them from
	 * an earlier test (Redis is flushed between tests, the daemon's
	 * memory is not). */
	static const char dan[] = "2077";
	redisContext *c;
	redisReply *r;
	size_t i;

	/* Alice talks in all three first, so every chat is recently seen. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(daemon_tg_send(e2e_d, chats[i], ALICE,
				     who_name(ALICE), who_user(ALICE),
				     "good morning", NULL),
		    200);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(daemon_tg_send(e2e_d, chats[i], dan,
				     who_name(dan), who_user(dan),
				     "hello everyone", NULL),
		    200);
	/* Again in the first: nothing new to record, still answered. */
	ck_assert_int_eq(daemon_tg_send(e2e_d, CHAT, dan, who_name(dan),
			     who_user(dan), "me again", NULL),
	    200);
	c = redis_server_connect(e2e_rs);
	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 3; i++) {
		r = redisCommand(c, "SISMEMBER tb:mchats:tg:%s %s", dan,
		    chats[i]);
		ck_assert_ptr_nonnull(r);
		ck_assert_msg(r->type == REDIS_REPLY_INTEGER && r->integer == 1,
		    "Dan not recorded in chat %s", chats[i]);
		freeReplyObject(r);
	}
	redisFree(c);
	expect_quiet("plain messages");
}
END_TEST

/* A 429 with retry_after 2: the reply still arrives, 2 s or more later. */
START_TEST(retry_after_is_honoured)
{
	json_t *reqs, *msgs;
	long long t429, t200;
	int i429, i200;

	ck_assert_int_eq(daemon_mock_script(e2e_d,
			     "{\"path_prefix\": \"/bot\", \"status\": 429, "
			     "\"body\": \"{\\\"ok\\\":false,\\\"error_code\\\":"
			     "429,\\\"description\\\":\\\"Too Many Requests: "
			     "retry after 2\\\",\\\"parameters\\\":"
			     "{\\\"retry_after\\\":2}}\", \"count\": 1}"),
	    0);
	msgs = say1(ALICE, "/activities", "no open activity", "after 429");
	json_decref(msgs);
	reqs = daemon_mock_requests(e2e_d);
	ck_assert_int_eq(json_array_size(reqs), 2);
	i429 = find_status(reqs, 429);
	i200 = find_status(reqs, 200);
	ck_assert_int_eq(i429, 0);
	ck_assert_int_eq(i200, 1);
	t429 = json_integer_value(
	    json_object_get(json_array_get(reqs, 0), "at_ms"));
	t200 = json_integer_value(
	    json_object_get(json_array_get(reqs, 1), "at_ms"));
	ck_assert_msg(t200 - t429 >= 2000, "retried after %lld ms",
	    t200 - t429);
	/* The same message both times. */
	ck_assert_str_eq(json_string_value(
			     json_object_get(json_array_get(reqs, 0), "body")),
	    json_string_value(
		json_object_get(json_array_get(reqs, 1), "body")));
	json_decref(reqs);
	expect_quiet("end");
}
END_TEST

/* ------------------------------------------------------------------ */
/* lifecycle: each test owns its stack                                 */
/* ------------------------------------------------------------------ */

static void
e2e_lifecycle_teardown(void)
{
	e2e_stack_down();
}

/* SIGTERM stops accepting, drains and exits 0. */
START_TEST(sigterm_exits_zero)
{
	char *log;

	e2e_stack_up(0);
	json_decref(say1(ALICE, "/activities", "no open activity", "before"));
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
	ck_assert_int_eq(daemon_get_status(e2e_d, "/healthz"), 0);
	log = daemon_log(e2e_d);
	ck_assert_msg(strstr(log, "outcome=stopped") != NULL,
	    "no stop line in the log");
	free(log);
	/* And it comes back on the same data. */
	ck_assert_int_eq(daemon_start(e2e_d), 0);
	json_decref(say1(ALICE, "/activities", "no open activity", "after"));
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
}
END_TEST

/* kick_on_blacklist: a blacklisted member is removed from the chat. */
START_TEST(blacklist_kicks_when_configured)
{
	json_t *reqs, *body;
	size_t i, n;
	int waited, found = 0;

	e2e_extra = "{\"covenant\": {\"kick_on_blacklist\": true}}";
	e2e_stack_up(0);
	e2e_extra = NULL;
	say(BOB, "hello everyone", NULL, "bob talks");
	say(OP, "/blacklist spam", BOB, "blacklist");
	for (waited = 0; !found && waited < WAIT_MS; waited += 100) {
		reqs = daemon_mock_requests(e2e_d);
		n = json_array_size(reqs);
		for (i = 0; i < n && !found; i++) {
			json_t *r = json_array_get(reqs, i);
			const char *path =
			    json_string_value(json_object_get(r, "path"));

			if (path == NULL ||
			    strstr(path, "/banChatMember") == NULL)
				continue;
			body = json_loads(json_string_value(
					      json_object_get(r, "body")),
			    0, NULL);
			ck_assert_ptr_nonnull(body);
			ck_assert_int_eq(json_integer_value(
					     json_object_get(body, "chat_id")),
			    CHAT_ID);
			ck_assert_int_eq(json_integer_value(
					     json_object_get(body, "user_id")),
			    2002);
			json_decref(body);
			found = 1;
		}
		json_decref(reqs);
		if (!found)
			daemon_sleep_ms(100);
	}
	ck_assert_msg(found, "no banChatMember for Bob");
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
}
END_TEST

/* A reply held back by the platform survives kill -9 of the daemon. */
START_TEST(queued_reply_survives_kill)
{
	json_t *reqs, *msgs;
	int waited;

	e2e_stack_up(0);
	/* The first send is told to wait a minute: the reply stays queued. */
	ck_assert_int_eq(daemon_mock_script(e2e_d,
			     "{\"path_prefix\": \"/bot\", \"status\": 429, "
			     "\"body\": \"{\\\"ok\\\":false,\\\"parameters\\\":"
			     "{\\\"retry_after\\\":60}}\", \"count\": 1}"),
	    0);
	say(ALICE, "/activities", NULL, "held");
	for (waited = 0, reqs = NULL; waited < WAIT_MS; waited += 50) {
		json_decref(reqs);
		reqs = daemon_mock_requests(e2e_d);
		if (json_array_size(reqs) >= 1)
			break;
		daemon_sleep_ms(50);
	}
	ck_assert_int_eq(json_array_size(reqs), 1);
	ck_assert_int_eq(find_status(reqs, 429), 0);
	json_decref(reqs);
	ck_assert_int_eq(daemon_kill(e2e_d), 0);
	ck_assert_int_eq(daemon_start(e2e_d), 0);
	msgs = expect_says("after restart", "no open activity", NULL);
	ck_assert_msg(strstr(msg_text(msgs, 0), "no open activity") != NULL,
	    "redelivered: %s", msg_text(msgs, 0));
	assert_chat(msgs, 0);
	json_decref(msgs);
	expect_quiet("end");
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
}
END_TEST

/*
 * The same after kill -9, but the daemon comes back on another address,
 * as a replacement instance would (its Redis consumer name differs):
 * SPEC section 5 says delivery resumes "after restart (or on another
 * daemon)".  The dead daemon's entry is aged past the reclaim idle time
 * (bot/deliver.c: 60 s), so the new one's periodic XAUTOCLAIM (every
 * 10 s) takes it over.
 */
START_TEST(queued_reply_survives_kill_new_instance)
{
	json_t *reqs, *msgs;
	int waited;

	e2e_stack_up(0);
	ck_assert_int_eq(daemon_mock_script(e2e_d,
			     "{\"path_prefix\": \"/bot\", \"status\": 429, "
			     "\"body\": \"{\\\"ok\\\":false,\\\"parameters\\\":"
			     "{\\\"retry_after\\\":60}}\", \"count\": 1}"),
	    0);
	say(ALICE, "/activities", NULL, "held");
	for (waited = 0, reqs = NULL; waited < WAIT_MS; waited += 50) {
		json_decref(reqs);
		reqs = daemon_mock_requests(e2e_d);
		if (json_array_size(reqs) >= 1)
			break;
		daemon_sleep_ms(50);
	}
	ck_assert_int_eq(find_status(reqs, 429), 0);
	json_decref(reqs);
	ck_assert_int_eq(daemon_kill(e2e_d), 0);
	ck_assert_int_eq(age_pending(120000), 1);
	ck_assert_int_eq(daemon_relisten(e2e_d), 0);
	ck_assert_int_eq(daemon_start(e2e_d), 0);
	msgs = expect_says("after takeover", "no open activity", NULL);
	ck_assert_msg(strstr(msg_text(msgs, 0), "no open activity") != NULL,
	    "redelivered: %s", msg_text(msgs, 0));
	json_decref(msgs);
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
}
END_TEST

/* Redis stops: 503s; it comes back (AOF): recovery, nothing lost. */
START_TEST(redis_outage_recovers)
{
	json_t *reqs, *msgs;
	char *held;
	int waited, id;
	long st;

	e2e_stack_up(1);
	id = new_activity(OP, "Walk", 0);
	ck_assert_int_eq(id, 1);
	/* Alice's reply is queued and held by a 429 through the outage. */
	ck_assert_int_eq(daemon_mock_script(e2e_d,
			     "{\"path_prefix\": \"/bot\", \"status\": 429, "
			     "\"body\": \"{\\\"ok\\\":false,\\\"parameters\\\":"
			     "{\\\"retry_after\\\":3}}\", \"count\": 1}"),
	    0);
	say(ALICE, "/signup 1", NULL, "alice signs up");
	for (waited = 0, reqs = NULL; waited < WAIT_MS; waited += 50) {
		json_decref(reqs);
		reqs = daemon_mock_requests(e2e_d);
		if (find_status(reqs, 429) >= 0)
			break;
		daemon_sleep_ms(50);
	}
	ck_assert_int_ge(find_status(reqs, 429), 0);
	json_decref(reqs);

	ck_assert_int_eq(redis_server_kill(e2e_rs, SIGTERM), 0);
	st =
	    daemon_tg_send(e2e_d, CHAT, BOB, "Bob", "bobby", "/signup 1", NULL);
	ck_assert_int_eq(st, 503);
	held = strdup(daemon_tg_last(e2e_d));
	for (waited = 0;
	     waited < WAIT_MS && daemon_get_status(e2e_d, "/healthz") != 503;
	     waited += 50)
		daemon_sleep_ms(50);
	ck_assert_int_eq(daemon_get_status(e2e_d, "/healthz"), 503);

	ck_assert_int_eq(redis_server_restart(e2e_rs), 0);
	for (waited = 0;
	     waited < WAIT_MS && daemon_get_status(e2e_d, "/healthz") != 200;
	     waited += 50)
		daemon_sleep_ms(50);
	ck_assert_int_eq(daemon_get_status(e2e_d, "/healthz"), 200);

	/* Telegram retries the refused update: now it is taken. */
	ck_assert_int_eq(daemon_post(e2e_d, "/webhook/tg", DAEMON_TG_SECRET,
			     held, strlen(held)),
	    200);
	free(held);
	msgs = expect_says("after the outage", "1 signed up so far",
	    "2 signed up so far", NULL);
	/* Alice's held reply, and Bob's on the activity that survived. */
	ck_assert_msg(msg_find(msgs, "1 signed up so far") != NULL,
	    "alice: %s / %s", msg_text(msgs, 0), msg_text(msgs, 1));
	ck_assert_msg(msg_find(msgs, "2 signed up so far") != NULL,
	    "bob: %s / %s", msg_text(msgs, 0), msg_text(msgs, 1));
	json_decref(msgs);
	expect_quiet("end");
	ck_assert_int_eq(daemon_stop(e2e_d), 0);
}
END_TEST

Suite *
e2e_telegram_suite(void)
{
	Suite *s = suite_create("e2e_telegram");
	TCase *tc = tcase_create("conversation");
	TCase *lc = tcase_create("lifecycle");

	tcase_add_unchecked_fixture(tc, e2e_shared_up, e2e_shared_down);
	tcase_add_checked_fixture(tc, e2e_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_set_tags(tc, "redis");
	tcase_add_test(tc, newactivity_needs_committee);
	tcase_add_test(tc, cancel_promotes_waitlist);
	tcase_add_test(tc, three_absences_restrict_then_lift);
	tcase_add_test(tc, third_warn_blacklists);
	tcase_add_test(tc, unknown_command_points_to_help);
	tcase_add_test(tc, bad_requests_are_refused);
	tcase_add_test(tc, retry_after_is_honoured);
	tcase_add_test(tc, member_is_recorded_in_every_chat_they_talk_in);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(lc, NULL, e2e_lifecycle_teardown);
	tcase_set_timeout(lc, 60);
	tcase_set_tags(lc, "redis");
	tcase_add_test(lc, sigterm_exits_zero);
	tcase_add_test(lc, blacklist_kicks_when_configured);
	tcase_add_test(lc, queued_reply_survives_kill);
	tcase_add_test(lc, queued_reply_survives_kill_new_instance);
	tcase_add_test(lc, redis_outage_recovers);
	suite_add_tcase(s, lc);
	return (s);
}
