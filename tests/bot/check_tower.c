/*
 * check_tower.c -- tb_tower (bot/scripts/tower.lua) and the tower/broadcast
 * part of tb_event (bot/scripts/towerbot.lua) driven through a real
 * redis-server 7 (suite "tower", tag "redis").  Each test loads the
 * function library (FUNCTION LOAD REPLACE script_library), calls the
 * functions with FCALL and the args layout of bot/scripts/README.md ("The
 * tower and broadcasts") and reads back the keys and stream entries they
 * wrote.  The case "bench" prints the Redis CPU per tb_event call.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/ratelimit.h"
#include "tests/harness/fcall.h"
#include "tests/harness/redis_server.h"

#define TW_ARGS_MAX   12
#define TW_ROWS_MAX   2000 /* import rows per call */
#define VILLAGE_MAP   "tg=a,b"
#define CITY_L1       152
#define CITY_L2       3467
#define CITY_L3       33455
#define SEC_US        UINT64_C(1000000)
#define BIG_PERIOD_US (UINT64_C(1000) * SEC_US) /* longer than any test */
#define BENCH_CMD     "fcall" /* the commandstats entry of an event call */
#define BENCH_MSGS    20000
#define BENCH_SIGNS   5000

/* One tb_event call (README ARGV table). */
struct tw_event {
	const char *user;
	const char *op;
	const char *chat;    /* NULL = "v0" */
	const char *adapter; /* NULL = "tg" */
	const char *account; /* NULL = "" */
	int oper;
	const char *args[TW_ARGS_MAX];
};

static struct redis_server *tw_rs;
static redisContext *tw_c;
static unsigned long tw_evseq;

static void tw_server_up(void);
static void tw_server_down(void);
static void tw_setup(void);
static void tw_teardown(void);
static int64_t tw_time_ms(void);
static int64_t tw_time_us(void);
static void take_run(const char *, uint64_t, uint64_t, uint64_t, uint64_t,
    uint64_t, const char *const *, size_t, long long *, int64_t *, int64_t *);
static void take_model(struct ratelimit *, struct ratelimit *, uint64_t,
    uint64_t, uint64_t, uint64_t, uint64_t, const int *, size_t, uint64_t,
    long long *);
static uint64_t take_tat(const char *, const char *);
static redisReply *tower_op(const char *, int64_t, ...);
static redisReply *tw_event_run(const struct tw_event *);
static const char *tw_event_outcome(const struct tw_event *);
static void import_rows(const char *const *, size_t);
static void village_build(void);
static long long bc_create_village(const char *, const char *, const char *,
    const char *, const char *, int64_t, char *, size_t, char *, size_t);
static void bc_enqueue_all(long long, int);
static double tw_elapsed(const struct timespec *);
static double tw_usec_per_call(const char *, long long *);
static json_int_t me_credit(const char *, const char *);
static int jeq(json_t *, json_t *);

#define EV(...)  tw_event_run(&(struct tw_event){ __VA_ARGS__ })
#define EVO(...) tw_event_outcome(&(struct tw_event){ __VA_ARGS__ })

/* ------------------------------------------------------------------ */
/* fixtures and helpers                                                */
/* ------------------------------------------------------------------ */

static void
tw_server_up(void)
{
	tw_rs = redis_server_start();
	ck_assert_msg(tw_rs != NULL, "redis-server did not start");
}

static void
tw_server_down(void)
{
	redis_server_stop(tw_rs);
	tw_rs = NULL;
}

static void
tw_setup(void)
{
	/* The 37k smoke test runs long scripts under sanitizers. */
	tw_c = fcall_open(tw_rs, 60);
}

static void
tw_teardown(void)
{
	redisFree(tw_c);
	tw_c = NULL;
}

/* The server's clock (TIME), in ms: the clock take/ack/escalate use. */
static int64_t
tw_time_ms(void)
{
	redisReply *r = fcall_cmd(tw_c, "TIME");
	int64_t ms;

	ck_assert_uint_eq(r->elements, 2);
	ms = strtoll(r->element[0]->str, NULL, 10) * 1000 +
	     strtoll(r->element[1]->str, NULL, 10) / 1000;
	freeReplyObject(r);
	return (ms);
}

/* tb_tower: op, now (ms), then string arguments up to NULL. */
static redisReply *
tower_op(const char *op, int64_t now_ms, ...)
{
	struct fcall_argv av = { 0 };
	va_list ap;
	const char *s;

	fcall_argv_head(&av, "tb_tower");
	fcall_argv_add(&av, op);
	fcall_argv_addf(&av, "%" PRId64, now_ms);
	va_start(ap, now_ms);
	while ((s = va_arg(ap, const char *)) != NULL)
		fcall_argv_add(&av, s);
	va_end(ap);
	return (fcall_argv_run(tw_c, &av));
}

/* tb_event with README's ARGV layout; now is the server's clock. */
static redisReply *
tw_event_run(const struct tw_event *e)
{
	struct fcall_argv av = { 0 };
	int last, i;

	fcall_argv_head(&av, "tb_event");
	fcall_argv_addf(&av, "%" PRId64, tw_time_ms());
	fcall_argv_add(&av, "3,1,90,100,2,-10,-3,-2,-5,-20,2,60");
	fcall_argv_add(&av, "remind,warn,blacklist");
	fcall_argv_add(&av, e->adapter ? e->adapter : "tg");
	fcall_argv_add(&av, e->account ? e->account : "");
	fcall_argv_addf(&av, "tw%lu", ++tw_evseq);
	fcall_argv_add(&av, e->chat ? e->chat : "v0");
	fcall_argv_add(&av, e->user);
	fcall_argv_addf(&av, "Name %s", e->user);
	fcall_argv_addf(&av, "h%s", e->user);
	fcall_argv_add(&av, "m1");
	fcall_argv_add(&av, e->oper ? "1" : "0");
	fcall_argv_add(&av, e->op);
	for (i = 0; i < 4 + 3; i++) /* no target, thread, reply URL */
		fcall_argv_add(&av, "");
	for (last = TW_ARGS_MAX - 1; last >= 0 && e->args[last] == NULL; last--)
		;
	for (i = 0; i <= last; i++)
		fcall_argv_add(&av, e->args[i] ? e->args[i] : "");
	return (fcall_argv_run(tw_c, &av));
}

/* The outcome token of a tb_event call (a static buffer). */
static const char *
tw_event_outcome(const struct tw_event *e)
{
	static char out[64];
	redisReply *r = tw_event_run(e);

	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_ge(r->elements, 3);
	snprintf(out, sizeof(out), "%s", r->element[1]->str);
	freeReplyObject(r);
	return (out);
}

/* Import n rows of 8 strings each, in calls of TW_ROWS_MAX rows. */
static void
import_rows(const char *const *cells, size_t n)
{
	struct fcall_argv av = { 0 };
	redisReply *r;
	size_t i, j, k;

	for (i = 0; i < n; i += TW_ROWS_MAX) {
		fcall_argv_head(&av, "tb_tower");
		fcall_argv_add(&av, "import");
		fcall_argv_add(&av, "0");
		for (j = i; j < n && j < i + TW_ROWS_MAX; j++)
			for (k = 0; k < 8; k++)
				fcall_argv_add(&av, cells[j * 8 + k]);
		r = fcall_argv_run(tw_c, &av);
		ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
		freeReplyObject(r);
	}
}

/*
 * The village tower, 1 + 5 + 62 chats on tg: node v (chat v0, council),
 * v/g1..v/g5 (chats g1..g5; g1 council, the others members; g1 and g2
 * tagged east), and 62 level-2 nodes v/gX/hY (chats hXY, members), 13
 * under g1, 13 under g2, 12 under g3..g5.
 */
static void
village_build(void)
{
	static char buf[80][6][32];
	const char *cells[80 * 8];
	size_t n = 0, x, y, per;

#define ROW(p, nm, kd, tg, ch, pu)                                             \
	do {                                                                   \
		cells[n * 8 + 0] = (p);                                        \
		cells[n * 8 + 1] = (nm);                                       \
		cells[n * 8 + 2] = (kd);                                       \
		cells[n * 8 + 3] = (tg);                                       \
		cells[n * 8 + 4] = (ch)[0] ? "tg" : "";                        \
		cells[n * 8 + 5] = (ch);                                       \
		cells[n * 8 + 6] = (pu);                                       \
		cells[n * 8 + 7] = "";                                         \
		n++;                                                           \
	} while (0)

	ROW("v", "Village", "village", "", "", "");
	ROW("v", "Village council", "", "", "v0", "council");
	for (x = 1; x <= 5; x++) {
		snprintf(buf[x][0], 32, "v/g%zu", x);
		snprintf(buf[x][1], 32, "Group %zu", x);
		snprintf(buf[x][2], 32, "g%zu", x);
		ROW(buf[x][0], buf[x][1], "group", x <= 2 ? "east,old" : "west",
		    "", "");
		ROW(buf[x][0], buf[x][1], "", "", buf[x][2],
		    x == 1 ? "council" : "members");
	}
	for (x = 1; x <= 5; x++) {
		per = x <= 2 ? 13 : 12;
		for (y = 1; y <= per; y++) {
			size_t i = 5 + (x - 1) * 13 + y;

			snprintf(buf[i][0], 32, "v/g%zu/h%zu", x, y);
			snprintf(buf[i][1], 32, "h%zu%02zu", x, y);
			ROW(buf[i][0], buf[i][1], "", "", buf[i][1], "");
		}
	}
#undef ROW
	ck_assert_uint_eq(n, 1 + 1 + 10 + 62);
	import_rows(cells, n);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 68);
}

/*
 * bc_create from v with the given filters and identity map; id and the
 * two count strings are returned.  escalate_ms "" = the default.
 */
static long long
bc_create_village(const char *flevel, const char *ftag, const char *fpurpose,
    const char *map, const char *esc, int64_t now_ms, char *idents, size_t isz,
    char *levels, size_t lsz)
{
	redisReply *r;
	long long id;

	r = tower_op("bc_create", now_ms, "v", "", "", "api", "urgent",
	    "Flood warning", flevel, ftag, fpurpose, map, esc, NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, 4);
	id = r->element[0]->integer;
	if (idents != NULL)
		snprintf(idents, isz, "%s", r->element[2]->str);
	if (levels != NULL)
		snprintf(levels, lsz, "%s", r->element[3]->str);
	if (id > 0)
		ck_assert_int_eq(r->element[1]->integer,
		    fcall_int(tw_c, "HGET tb:bc:%lld total", id));
	freeReplyObject(r);
	return (id);
}

/* bc_enqueue in chunks of max until done. */
static void
bc_enqueue_all(long long id, int max)
{
	char idb[32], maxb[16];
	redisReply *r;
	int done = 0, guard = 0;

	snprintf(idb, sizeof(idb), "%lld", id);
	snprintf(maxb, sizeof(maxb), "%d", max);
	while (!done) {
		r = tower_op("bc_enqueue", tw_time_ms(), idb, maxb, NULL);
		ck_assert_uint_eq(r->elements, 2);
		done = (int)r->element[1]->integer;
		freeReplyObject(r);
		ck_assert_int_lt(++guard, 100000);
	}
}

/* json_equal(a, b) that consumes the reference b. */
static int
jeq(json_t *a, json_t *b)
{
	int eq;

	ck_assert_ptr_nonnull(b);
	eq = json_equal(a, b);
	json_decref(b);
	return (eq);
}

static double
tw_elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0->tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0->tv_nsec) / 1e6);
}

/* ------------------------------------------------------------------ */
/* import and move                                                     */
/* ------------------------------------------------------------------ */

START_TEST(import_counts_added_changed_unchanged)
{
	const char *rows[] = {
		"t",
		"Town",
		"town",
		"",
		"",
		"",
		"",
		"",
		"t/a",
		"A",
		"village",
		"east",
		"",
		"",
		"",
		"",
		"t/a",
		"A chat",
		"",
		"",
		"tg",
		"-1",
		"council",
		"b1;b2",
		"t/b/c",
		"C chat",
		"",
		"",
		"wc",
		"w9",
		"",
		"robot:KEY-9",
		"t/b/c",
		"C2",
		"",
		"",
		"dt",
		"d1",
		"members",
		"",
	};
	redisReply *r;
	char *s;
	const char *changed[8] = { "t/a", "A", "village", "east,new", "", "",
		"", "" };

	r = tower_op("import", 0, NULL);
	ck_assert_uint_eq(r->elements, 3);
	ck_assert_int_eq(r->element[0]->integer, 0);
	freeReplyObject(r);
	import_rows(rows, 5);
	/* Chat rows created their nodes and are in the tower. */
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:nodes"), 3);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:nodes t/b/c"), 0);
	s = fcall_str(tw_c, "HGET tb:node:t/b/c name");
	ck_assert_str_eq(s, "c");
	free(s);
	s = fcall_str(tw_c, "HGET tb:node:t/a tags");
	ck_assert_str_eq(s, "east");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:tower t/a\ttg\t-1"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 3);
	/* Identities and robot credentials. */
	s = fcall_str(tw_c, "HGET tb:chat:tg:-1 ident");
	ck_assert_str_eq(s, "b1,b2");
	free(s);
	s = fcall_str(tw_c, "HGET tb:chat:tg:-1 title");
	ck_assert_str_eq(s, "A chat");
	free(s);
	s = fcall_str(tw_c, "HGET tb:chat:wc:w9 ident");
	ck_assert_str_eq(s, "~robot");
	free(s);
	s = fcall_str(tw_c, "HGET tb:chat:wc:w9 robot");
	ck_assert_str_eq(s, "KEY-9");
	free(s);
	s = fcall_str(tw_c, "HGET tb:chat:wc:w9 purpose");
	ck_assert_str_eq(s, "members");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "HEXISTS tb:chat:dt:d1 ident"), 0);

	/* The same rows again: all unchanged. */
	{
		struct fcall_argv av = { 0 };
		size_t i;

		fcall_argv_head(&av, "tb_tower");
		fcall_argv_add(&av, "import");
		fcall_argv_add(&av, "0");
		for (i = 0; i < 5 * 8; i++)
			fcall_argv_add(&av, rows[i]);
		r = fcall_argv_run(tw_c, &av);
	}
	ck_assert_int_eq(r->element[0]->integer, 0);
	ck_assert_int_eq(r->element[1]->integer, 0);
	ck_assert_int_eq(r->element[2]->integer, 5);
	freeReplyObject(r);

	/* One changed node row, one re-bound chat (tower in step). */
	r = tower_op("import", 0, changed[0], changed[1], changed[2],
	    changed[3], "", "", "", "", "t/b/c", "A chat", "", "", "tg", "-1",
	    "council", "b1;b2", "t/z", "", "", "", "", "", "", "", NULL);
	ck_assert_int_eq(r->element[0]->integer, 1);
	ck_assert_int_eq(r->element[1]->integer, 2);
	ck_assert_int_eq(r->element[2]->integer, 0);
	freeReplyObject(r);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:node:t/z"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 3);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:tower t/b/c\ttg\t-1"), 0);
	r = fcall_cmd(tw_c, "ZSCORE tb:tower t/a\ttg\t-1");
	ck_assert_int_eq(r->type, REDIS_REPLY_NIL);
	freeReplyObject(r);
	s = fcall_str(tw_c, "HGET tb:chat:tg:-1 node");
	ck_assert_str_eq(s, "t/b/c");
	free(s);
}
END_TEST

START_TEST(move_subtree_and_refusals)
{
	redisReply *r;
	char *s;

	village_build();
	(void)fcall_int(tw_c, "HSET tb:role:v/g1 7 liaison");
	(void)fcall_int(tw_c, "HSET tb:role:v/g1/h3 8 seed");
	(void)fcall_int(tw_c, "HSET tb:bl:v/g1/h2 9 spam");
	/* Into itself, onto an existing node, or below itself: refused. */
	r = tower_op("move", 0, "v/g1", "v/g1/x", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	r = tower_op("move", 0, "v/g1", "v/g1", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	r = tower_op("move", 0, "v/g1", "v/g2", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 68);

	r = tower_op("move", 0, "v/g1", "w/n", NULL);
	ck_assert_int_eq(r->element[0]->integer, 14);
	ck_assert_int_eq(r->element[1]->integer, 14);
	freeReplyObject(r);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 68);
	ck_assert_int_eq(fcall_int(tw_c, "ZLEXCOUNT tb:tower [v/g1/ (v/g10"),
	    0);
	ck_assert_int_eq(fcall_int(tw_c, "ZLEXCOUNT tb:tower [w/n/ (w/n0"), 13);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:tower w/n\ttg\tg1"), 0);
	s = fcall_str(tw_c, "HGET tb:chat:tg:h103 node");
	ck_assert_str_eq(s, "w/n/h3");
	free(s);
	s = fcall_str(tw_c, "HGET tb:role:w/n 7");
	ck_assert_str_eq(s, "liaison");
	free(s);
	s = fcall_str(tw_c, "HGET tb:role:w/n/h3 8");
	ck_assert_str_eq(s, "seed");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "HEXISTS tb:bl:w/n/h2 9"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:role:v/g1"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:node:v/g1"), 0);
	s = fcall_str(tw_c, "HGET tb:node:w/n name");
	ck_assert_str_eq(s, "Group 1");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:nodes w/n/h13"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "ZLEXCOUNT tb:nodes [v/g1 (v/g10"), 0);
	/* The sibling g2 did not move. */
	ck_assert_int_eq(fcall_int(tw_c, "ZLEXCOUNT tb:tower [v/g2/ (v/g20"),
	    13);
}
END_TEST

/* ------------------------------------------------------------------ */
/* bc_create                                                           */
/* ------------------------------------------------------------------ */

START_TEST(bc_create_levels_and_sharding)
{
	char idents[256], levels[128], *s;
	long long id;

	village_build();
	id = bc_create_village("", "", "", VILLAGE_MAP, "", 1000, idents,
	    sizeof(idents), levels, sizeof(levels));
	ck_assert_int_eq(id, 1);
	ck_assert_str_eq(levels, "0=1,1=5,2=62");
	/* No learned or imported identity: balanced over the map. */
	ck_assert_str_eq(idents, "tg/a=34,tg/b=34");
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1 total"), 68);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv t:0"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv t:1"), 5);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv t:2"), 62);
	ck_assert_int_eq(fcall_int(tw_c, "HLEN tb:bc:1:chats"), 68);
	s = fcall_str(tw_c, "HGET tb:bc:1:chats tg\th213");
	ck_assert(strcmp(s, "2\ta") == 0 || strcmp(s, "2\tb") == 0);
	free(s);
	s = fcall_str(tw_c, "HGET tb:bc:1 state");
	ck_assert_str_eq(s, "enqueuing");
	free(s);
	s = fcall_str(tw_c, "HGET tb:bc:1 prio");
	ck_assert_str_eq(s, "urgent");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "SISMEMBER tb:bc:enqueuing 1"), 1);
	/* urgent: escalate 15 min after creation by default */
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:bc:escalate 1"),
	    1000 + 900000);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1 escalate_at"),
	    1000 + 900000);
}
END_TEST

/* level, tag, purpose filters -> total, levels */
static const struct {
	const char *level, *tag, *purpose;
	long long total;
	const char *levels;
} filter_rows[] = {
	{ "2", "", "", 62, "2=62" },
	{ "0-1", "", "", 6, "0=1,1=5" },
	{ "1-2", "", "", 67, "1=5,2=62" },
	{ "", "east", "", 28, "1=2,2=26" },
	{ "2", "east", "", 26, "2=26" },
	{ "", "west", "members", 39, "1=3,2=36" },
	{ "", "", "council", 2, "0=1,1=1" },
	{ "", "old", "council", 1, "1=1" },
	{ "3", "", "", 0, "" },
	{ "", "north", "", 0, "" },
};

START_TEST(bc_create_filters)
{
	char levels[128];
	long long id;

	village_build();
	id = bc_create_village(filter_rows[_i].level, filter_rows[_i].tag,
	    filter_rows[_i].purpose, VILLAGE_MAP, "", 1000, NULL, 0, levels,
	    sizeof(levels));
	if (filter_rows[_i].total == 0) {
		ck_assert_msg(id == 0, "row %d: id %lld", _i, id);
		ck_assert_msg(fcall_int(tw_c, "EXISTS tb:seq:bc") == 0,
		    "row %d", _i);
		return;
	}
	ck_assert_msg(fcall_int(tw_c, "HGET tb:bc:%lld total", id) ==
			  filter_rows[_i].total,
	    "row %d: total", _i);
	ck_assert_msg(strcmp(levels, filter_rows[_i].levels) == 0,
	    "row %d: levels %s", _i, levels);
}
END_TEST

START_TEST(bc_create_bad_arguments)
{
	redisReply *r;

	village_build();
	r = tower_op("bc_create", 1, "v", "", "", "api", "loud", "x", "", "",
	    "", VILLAGE_MAP, "", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	r = tower_op("bc_create", 1, "v", "", "", "api", "normal", "x", "1x",
	    "", "", VILLAGE_MAP, "", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	r = tower_op("bc_create", 1, "v", "", "", "api", "normal", "", "", "",
	    "", VILLAGE_MAP, "", NULL);
	ck_assert_int_eq(r->element[0]->integer, -1);
	freeReplyObject(r);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:seq:bc"), 0);
}
END_TEST

START_TEST(bc_create_identity_choice)
{
	const char *rows[] = {
		"r",
		"",
		"",
		"",
		"wc",
		"w1",
		"",
		"robot:K1",
		"r/a",
		"",
		"",
		"",
		"wc",
		"w2",
		"",
		"robot:K2",
		"r/a",
		"",
		"",
		"",
		"wc",
		"w3",
		"",
		"",
		"r/a",
		"",
		"",
		"",
		"tg",
		"t1",
		"",
		"c",
		"r/a",
		"",
		"",
		"",
		"tg",
		"t2",
		"",
		"x;c",
		"r/b",
		"",
		"",
		"",
		"tg",
		"t3",
		"",
		"",
		"r/b",
		"",
		"",
		"",
		"tg",
		"t4",
		"",
		"",
		"r/b",
		"",
		"",
		"",
		"sl",
		"s1",
		"",
		"",
	};
	redisReply *r;
	json_t *es, *e, *p;
	char *s;

	import_rows(rows, 8);
	/* t3 was seen through account b (learned), twice. */
	ck_assert_str_eq(EVO(.user = "u1", .op = "msg", .chat = "t3",
			     .account = "b"),
	    "seen");
	ck_assert_str_eq(EVO(.user = "u2", .op = "msg", .chat = "t3",
			     .account = "b"),
	    "seen");
	s = fcall_str(tw_c, "HGET tb:chat:tg:t3 accts");
	ck_assert_str_eq(s, "b");
	free(s);
	ck_assert_str_eq(EVO(.user = "u2", .op = "msg", .chat = "t3",
			     .account = "z"),
	    "seen");
	s = fcall_str(tw_c, "HGET tb:chat:tg:t3 accts");
	ck_assert_str_eq(s, "b,z");
	free(s);

	r = tower_op("bc_create", 5, "r", "", "", "api", "normal", "Hi", "", "",
	    "", "tg=a,b,c;wc=~robot", "0", NULL);
	ck_assert_int_eq(r->element[0]->integer, 1);
	ck_assert_int_eq(r->element[1]->integer, 8);
	/*
	 * w1, w2: robot; w3: no credential, no account -> none; t1: ident c;
	 * t2: x not configured -> c; t3: learned b (z not configured); t4:
	 * the map's least loaded (a); s1: adapter not in the map -> none.
	 */
	ck_assert_str_eq(r->element[2]->str,
	    "sl/~none=1,tg/a=1,tg/b=1,tg/c=2,wc/~none=1,wc/~robot=2");
	freeReplyObject(r);
	s = fcall_str(tw_c, "HGET tb:bc:1:chats wc\tw1");
	ck_assert_str_eq(s, "0\t~robot");
	free(s);
	s = fcall_str(tw_c, "HGET tb:bc:1:chats tg\tt4");
	ck_assert_str_eq(s, "1\ta");
	free(s);
	/* escalate_ms 0: never escalated */
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:bc:escalate"), 0);

	bc_enqueue_all(1, 100);
	es = fcall_xrange(tw_c, "tb:q:wc:~robot:n", NULL);
	ck_assert_uint_eq(json_array_size(es), 2);
	e = json_array_get(es, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "chat")), "w1");
	ck_assert_str_eq(json_string_value(json_object_get(e, "robot")), "K1");
	ck_assert_str_eq(json_string_value(json_object_get(e, "account")),
	    "~robot");
	ck_assert_str_eq(json_string_value(json_object_get(e, "lvl")), "0");
	p = fcall_entry_params(e);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "urgent")), 0);
	json_decref(p);
	json_decref(es);
	es = fcall_xrange(tw_c, "tb:q:tg:c:n", NULL);
	ck_assert_uint_eq(json_array_size(es), 2);
	json_decref(es);
	/* The unreachable chats failed at once, counted per level. */
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv f:1"), 2);
	s = fcall_str(tw_c, "HGET tb:bc:1:done sl\ts1");
	ck_assert_str_eq(s, "f");
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* bc_enqueue                                                          */
/* ------------------------------------------------------------------ */

START_TEST(bc_enqueue_chunks_resume_exactly_once)
{
	redisReply *r;
	json_t *seen = json_object(), *es, *e, *p, *want;
	const char *qs[] = { "tb:q:tg:a:u", "tb:q:tg:b:u" };
	long long sum = 0;
	int calls = 0, done = 0;
	size_t i, q;
	char *cur;

	village_build();
	ck_assert_int_eq(bc_create_village("", "", "", VILLAGE_MAP, "", 4242,
			     NULL, 0, NULL, 0),
	    1);
	/* Three chunks, then the daemon dies: the cursor is in Redis. */
	for (calls = 0; calls < 3; calls++) {
		r = tower_op("bc_enqueue", 5000, "1", "10", NULL);
		ck_assert_int_eq(r->element[0]->integer, 10);
		ck_assert_int_eq(r->element[1]->integer, 0);
		freeReplyObject(r);
	}
	cur = fcall_str(tw_c, "HGET tb:bc:1 cursor");
	ck_assert_str_ne(cur, "");
	free(cur);
	/* Another daemon starts: resume names it, enqueue continues. */
	r = tower_op("resume", 0, NULL);
	ck_assert_uint_eq(r->elements, 1);
	ck_assert_str_eq(r->element[0]->str, "1");
	freeReplyObject(r);
	sum = 30;
	while (!done) {
		r = tower_op("bc_enqueue", 5000, "1", "10", NULL);
		ck_assert_int_le(r->element[0]->integer, 10);
		sum += r->element[0]->integer;
		done = (int)r->element[1]->integer;
		freeReplyObject(r);
		ck_assert_int_lt(++calls, 20);
	}
	ck_assert_int_eq(sum, 68);
	/* Called again after it finished: nothing more. */
	r = tower_op("bc_enqueue", 5000, "1", "10", NULL);
	ck_assert_int_eq(r->element[0]->integer, 0);
	ck_assert_int_eq(r->element[1]->integer, 1);
	freeReplyObject(r);
	r = tower_op("resume", 0, NULL);
	ck_assert_uint_eq(r->elements, 0);
	freeReplyObject(r);
	cur = fcall_str(tw_c, "HGET tb:bc:1 state");
	ck_assert_str_eq(cur, "sent");
	free(cur);

	/* Each chat exactly once, on the identity bc_create chose. */
	want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "adapter", "tg",
	    "reply_to", "", "mention", "", "mention_name", "", "key",
	    "broadcast", "bc", "1");
	for (q = 0; q < 2; q++) {
		es = fcall_xrange(tw_c, qs[q], NULL);
		for (i = 0; i < json_array_size(es); i++) {
			const char *chat, *acct;
			char *v, exp[64];
			const char *k;
			json_t *val;

			e = json_array_get(es, i);
			chat = json_string_value(json_object_get(e, "chat"));
			acct = json_string_value(json_object_get(e, "account"));
			ck_assert_msg(json_object_get(seen, chat) == NULL,
			    "chat %s twice", chat);
			json_object_set_new(seen, chat, json_true());
			json_object_foreach(want, k, val)
			{
				ck_assert_msg(json_equal(json_object_get(e, k),
						  val),
				    "%s: field %s", chat, k);
			}
			ck_assert_str_eq(acct, q == 0 ? "a" : "b");
			ck_assert_str_eq(json_string_value(
					     json_object_get(e, "robot")),
			    "");
			ck_assert_str_eq(json_string_value(
					     json_object_get(e, "at")),
			    "5000");
			v = fcall_str(tw_c, "HGET tb:bc:1:chats tg\t%s", chat);
			snprintf(exp, sizeof(exp), "%s\t%s",
			    json_string_value(json_object_get(e, "lvl")), acct);
			ck_assert_str_eq(v, exp);
			free(v);
			p = fcall_entry_params(e);
			ck_assert(
			    jeq(p, json_pack("{s:i, s:s, s:i, s:s}", "id", 1,
				       "text", "Flood warning", "urgent", 1,
				       "origin", "Village")));
			json_decref(p);
		}
		json_decref(es);
	}
	ck_assert_uint_eq(json_object_size(seen), 68);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:q:tg:a:n"), 0);
	json_decref(want);
	json_decref(seen);
}
END_TEST

/* ------------------------------------------------------------------ */
/* take: reservations against core/ratelimit.h (microseconds)          */
/* ------------------------------------------------------------------ */

/* The server's clock (TIME), in us: the clock take uses. */
static int64_t
tw_time_us(void)
{
	redisReply *r = fcall_cmd(tw_c, "TIME");
	int64_t us;

	ck_assert_uint_eq(r->elements, 2);
	us = strtoll(r->element[0]->str, NULL, 10) * 1000000 +
	     strtoll(r->element[1]->str, NULL, 10);
	freeReplyObject(r);
	return (us);
}

/*
 * Run take (times in us); delays[] gets one answer per chat; t0 and t1
 * bracket the call on the server's clock.
 */
static void
take_run(const char *acct, uint64_t T, uint64_t B, uint64_t CT, uint64_t CB,
    uint64_t H, const char *const *chats, size_t n, long long *delays,
    int64_t *t0, int64_t *t1)
{
	struct fcall_argv av = { 0 };
	redisReply *r;
	size_t i;

	fcall_argv_head(&av, "tb_tower");
	fcall_argv_add(&av, "take");
	fcall_argv_add(&av, "0");
	fcall_argv_add(&av, "tg");
	fcall_argv_add(&av, acct);
	fcall_argv_addf(&av, "%" PRIu64, T);
	fcall_argv_addf(&av, "%" PRIu64, B);
	fcall_argv_addf(&av, "%" PRIu64, CT);
	fcall_argv_addf(&av, "%" PRIu64, CB);
	fcall_argv_addf(&av, "%" PRIu64, H);
	for (i = 0; i < n; i++)
		fcall_argv_add(&av, chats[i]);
	*t0 = tw_time_us();
	r = fcall_argv_run(tw_c, &av);
	*t1 = tw_time_us();
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_INTEGER);
		delays[i] = r->element[i]->integer;
	}
	freeReplyObject(r);
}

/*
 * The README rule over ratelimit_reserve(): chat by chat; once the
 * account alone refuses, every later chat gets the account's refusal.
 */
static void
take_model(struct ratelimit *acct, struct ratelimit *ch, uint64_t T, uint64_t B,
    uint64_t CT, uint64_t CB, uint64_t H, const int *idx, size_t n,
    uint64_t now, long long *delays)
{
	struct ratelimit probe;
	int64_t d;
	long long refused = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (refused != 0) {
			delays[i] = refused;
			continue;
		}
		probe = *acct;
		if (!ratelimit_reserve(&probe, T, B, NULL, 0, 0, now, H, &d)) {
			refused = d;
			delays[i] = d;
			continue;
		}
		ratelimit_reserve(acct, T, B, &ch[idx[i]], CT, CB, now, H, &d);
		delays[i] = d;
	}
}

/* The tat (us) a limiter key holds, 0 when missing. */
static uint64_t
take_tat(const char *kind, const char *name)
{
	return ((uint64_t)fcall_int(tw_c, "GET tb:rlu:%s:tg:%s", kind, name));
}

/*
 * Random calls of take against the C mirror run at both ends of the
 * window the call ran in (server TIME): the same grants and refusals,
 * delays and stored schedules between the two.  Account: burst 20 and a
 * 10 s period, chats: burst 2 and 20 s, horizon 35 s, so grants now, in
 * the future and refusals all occur.
 */
START_TEST(take_matches_ratelimit_reserve)
{
	static const char *const pool[] = { "c0", "c1", "c2", "c3", "c4", "c5",
		"c6", "c7", "c8", "c9", "c10", "c11" };
	const uint64_t T = 10 * SEC_US, B = 20, CT = 20 * SEC_US, CB = 2,
		       H = 35 * SEC_US;
	struct ratelimit acct, ch[12], a0, ch0[12], a1, ch1[12];
	const char *names[8];
	long long got[8], w0[8], w1[8];
	int idx[8], call, granted = 0, later = 0, refused = 0;
	int64_t t0, t1;
	size_t n, i;
	unsigned int seed = 7;

	ratelimit_init(&acct);
	for (i = 0; i < 12; i++)
		ratelimit_init(&ch[i]);
	for (call = 0; call < 150; call++) {
		n = 1 + (size_t)(rand_r(&seed) % 8);
		for (i = 0; i < n; i++) {
			idx[i] = rand_r(&seed) % 12;
			names[i] = pool[idx[i]];
		}
		take_run("x", T, B, CT, CB, H, names, n, got, &t0, &t1);
		a0 = acct;
		a1 = acct;
		memcpy(ch0, ch, sizeof(ch));
		memcpy(ch1, ch, sizeof(ch));
		take_model(&a0, ch0, T, B, CT, CB, H, idx, n, (uint64_t)t0, w0);
		take_model(&a1, ch1, T, B, CT, CB, H, idx, n, (uint64_t)t1, w1);
		for (i = 0; i < n; i++) {
			ck_assert_msg((w0[i] >= 0) == (w1[i] >= 0),
			    "call %d chat %zu: the model straddles", call, i);
			ck_assert_msg((got[i] >= 0) == (w0[i] >= 0),
			    "call %d chat %zu: got %lld, model %lld", call, i,
			    got[i], w0[i]);
			ck_assert_msg(got[i] >=
					      (w0[i] < w1[i] ? w0[i] : w1[i]) &&
					  got[i] <=
					      (w0[i] < w1[i] ? w1[i] : w0[i]),
			    "call %d chat %zu: %lld not between %lld and %lld",
			    call, i, got[i], w0[i], w1[i]);
			granted += got[i] >= 0;
			later += got[i] > 0;
			refused += got[i] < 0;
		}
		/* Take the state Redis holds, checked against the model. */
		acct.tat = take_tat("a", "x");
		ck_assert_msg(acct.tat >= a0.tat && acct.tat <= a1.tat,
		    "call %d: account tat", call);
		for (i = 0; i < 12; i++) {
			ch[i].tat = take_tat("c", pool[i]);
			ck_assert_msg(ch[i].tat >= ch0[i].tat &&
					  ch[i].tat <= ch1[i].tat,
			    "call %d: chat %zu tat", call, i);
		}
	}
	/* The account's 20 now and its slots at 10, 20 and 30 s within the
	 * horizon (with this seed the chats never push one past the next);
	 * chats at their burst move some of the 20 into the future too. */
	ck_assert_int_eq(granted, (int)B + 3);
	ck_assert_int_gt(later, 3);
	ck_assert_int_gt(refused, 0);
	/* The schedule outlives its last slot (40 s ahead), in ms. */
	ck_assert_int_gt(fcall_int(tw_c, "PTTL tb:rlu:a:tg:x"), 40000);
	ck_assert_int_gt(fcall_int(tw_c, "PTTL tb:rlu:c:tg:c0"), 2000);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:rl:a:tg:x"), 0);
}
END_TEST

START_TEST(take_chat_limit_independent_of_account)
{
	const char *c1[] = { "x", "x", "x", "y", "z" };
	const char *c2[] = { "p", "q", "r", "s", "t" };
	const char *c3[] = { "k", "k", "l", "m", "n", "k" };
	const char *c4[] = { "e", "f", "g", "h" };
	const long long big = (long long)BIG_PERIOD_US;
	long long w[6];
	int64_t t0, t1;

	/* No account limit: only the per-chat burst of 2 counts. */
	take_run("u", 0, 0, BIG_PERIOD_US, 2, 0, c1, 5, w, &t0, &t1);
	ck_assert_int_eq(w[0], 0);
	ck_assert_int_eq(w[1], 0);
	ck_assert_int_lt(w[2], -(big - SEC_US));
	ck_assert_int_eq(w[3], 0);
	ck_assert_int_eq(w[4], 0);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:rlu:a:tg:u"), 0);
	/* No chat limit: the account's burst of 3, then its wait for all. */
	take_run("v", BIG_PERIOD_US, 3, 0, 0, 0, c2, 5, w, &t0, &t1);
	ck_assert_int_eq(w[0] + w[1] + w[2], 0);
	ck_assert_int_lt(w[3], 0);
	ck_assert_int_eq(w[3], w[4]);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:rlu:c:tg:p"), 0);
	/* A chat refusal does not use the account's quota. */
	take_run("w", BIG_PERIOD_US, 3, BIG_PERIOD_US, 1, 0, c3, 6, w, &t0,
	    &t1);
	ck_assert_int_eq(w[0], 0);
	ck_assert_int_lt(w[1], -(big - SEC_US)); /* k's own wait */
	ck_assert_int_eq(w[2], 0);
	ck_assert_int_eq(w[3], 0);
	ck_assert_int_lt(w[4], -(big - SEC_US)); /* the account's wait */
	ck_assert_int_eq(w[5], w[4]);
	/* n was never reserved: the account refused before it */
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:rlu:c:tg:n"), 0);
	/* The state is in Redis: the next call is refused as well. */
	take_run("w", BIG_PERIOD_US, 3, BIG_PERIOD_US, 1, 0, c3 + 2, 1, w, &t0,
	    &t1);
	ck_assert_int_lt(w[0], -(big - SEC_US));
	/* With a horizon of two periods: e now, f and g reserved one and two
	 * periods ahead, h refused by the account; the chats' keys hold
	 * their own slots. */
	take_run("h", 1000 * 1000, 1, BIG_PERIOD_US, 1, 2 * 1000 * 1000, c4, 4,
	    w, &t0, &t1);
	ck_assert_int_eq(w[0], 0);
	ck_assert_int_eq(w[1], 1000 * 1000);
	ck_assert_int_eq(w[2], 2 * 1000 * 1000);
	ck_assert_int_eq(w[3], -1000 * 1000);
	ck_assert_int_eq(take_tat("c", "g") - take_tat("c", "f"), 1000 * 1000);
	ck_assert_int_eq(fcall_int(tw_c, "EXISTS tb:rlu:c:tg:h"), 0);
}
END_TEST

#define RATE_SECONDS 3

/*
 * 400/s with burst 1 (period ratelimit_period_us(400) = 2500 us) and a
 * caller that asks again well within the 50 ms horizon, for 8 chats at a
 * time, over RATE_SECONDS of the server's clock: the slots it is given,
 * reconstructed exactly from the schedule Redis keeps, are 2500 us apart
 * one after the other (none lost, none shared), so every whole second
 * holds 400 (± 1 for where the second starts), not the 333 of whole
 * milliseconds, and no sliding second more than 400.
 */
START_TEST(take_400_per_second_burst_1)
{
	static const char *const chats[] = { "r0", "r1", "r2", "r3", "r4", "r5",
		"r6", "r7" };
	static uint64_t slot[RATE_SECONDS * 400 + 400];
	const uint64_t T = ratelimit_period_us(400), H = 50000;
	long long d[8];
	int64_t t0, t1, start, callnow;
	uint64_t last, end;
	size_t n = 0, lo, hi, k, i, got;
	long sec;

	ck_assert_uint_eq(T, 2500);
	start = tw_time_us();
	while (n + 8 < sizeof(slot) / sizeof(slot[0])) {
		take_run("fast", T, 1, 0, 0, H, chats, 8, d, &t0, &t1);
		for (got = 0; got < 8 && d[got] >= 0; got++)
			;
		for (i = got; i < 8; i++)
			ck_assert_int_lt(d[i], 0);
		if (got > 0) {
			/* The last grant's slot is the stored tat - T. */
			last = take_tat("a", "fast") - T;
			callnow = (int64_t)last - d[got - 1];
			ck_assert_int_ge(callnow, t0);
			ck_assert_int_le(callnow, t1);
			for (i = 0; i < got; i++)
				slot[n++] = (uint64_t)(callnow + d[i]);
		}
		if (t1 - start > (int64_t)(RATE_SECONDS * SEC_US))
			break;
		usleep(5000);
	}
	ck_assert_uint_ge(n, RATE_SECONDS * 400);
	for (k = 1; k < n; k++)
		ck_assert_msg(slot[k] - slot[k - 1] == T,
		    "slot %zu is %llu us after the one before", k,
		    (unsigned long long)(slot[k] - slot[k - 1]));
	/* Whole seconds of the server's clock from the first slot. */
	for (sec = 0; sec < RATE_SECONDS - 1; sec++) {
		end = slot[0] + (uint64_t)(sec + 1) * SEC_US;
		if (slot[n - 1] < end)
			break;
		got = 0;
		for (k = 0; k < n; k++)
			got += slot[k] >= end - SEC_US && slot[k] < end;
		ck_assert_msg(got >= 399 && got <= 401, "second %ld: %zu", sec,
		    got);
	}
	ck_assert_int_ge(sec, 2);
	for (lo = 0, hi = 0; hi < n; hi++) {
		while (slot[hi] - slot[lo] >= SEC_US)
			lo++;
		ck_assert_uint_le(hi - lo + 1, 400);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* ack, escalate, and the member commands                              */
/* ------------------------------------------------------------------ */

/* Make the streams' entries pending in group tb, as the daemon does. */
static void
group_read(const char *stream)
{
	redisReply *r;

	r = redisCommand(tw_c, "XGROUP CREATE %s tb 0 MKSTREAM", stream);
	freeReplyObject(r);
	r = fcall_cmd(tw_c, "XREADGROUP GROUP tb d1 COUNT 1000 STREAMS %s >",
	    stream);
	freeReplyObject(r);
}

/* ack one stream entry of a broadcast chat. */
static long long
ack_one(const char *stream, const char *eid, const char *bc, const char *chat,
    const char *res)
{
	redisReply *r;
	long long n;

	r = tower_op("ack", 0, stream, eid, bc, "tg", chat, res, NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
	n = r->integer;
	freeReplyObject(r);
	return (n);
}

/* Deliver (or fail) every entry of the village broadcast 1. */
static void
deliver_all(const char *fail_chat)
{
	const char *qs[] = { "tb:q:tg:a:u", "tb:q:tg:b:u" };
	json_t *es, *e;
	size_t q, i;
	const char *chat;

	for (q = 0; q < 2; q++) {
		group_read(qs[q]);
		es = fcall_xrange(tw_c, qs[q], NULL);
		for (i = 0; i < json_array_size(es); i++) {
			e = json_array_get(es, i);
			chat = json_string_value(json_object_get(e, "chat"));
			ck_assert_int_eq(ack_one(qs[q],
					     json_string_value(
						 json_object_get(e, "_id")),
					     "1", chat,
					     strcmp(chat, fail_chat) == 0
						 ? "f"
						 : "d"),
			    1);
		}
		json_decref(es);
	}
}

START_TEST(ack_counts_once_per_chat_with_reach)
{
	json_t *es, *e;
	const char *eid, *chat;
	char *s, eidb[64], chatb[32];
	int64_t created = tw_time_ms() - 5000;

	village_build();
	ck_assert_int_eq(bc_create_village("", "", "", VILLAGE_MAP, "", created,
			     NULL, 0, NULL, 0),
	    1);
	bc_enqueue_all(1, 1000);
	group_read("tb:q:tg:a:u");
	es = fcall_xrange(tw_c, "tb:q:tg:a:u", NULL);
	e = json_array_get(es, 0);
	eid = json_string_value(json_object_get(e, "_id"));
	chat = json_string_value(json_object_get(e, "chat"));
	snprintf(eidb, sizeof(eidb), "%s", eid);
	snprintf(chatb, sizeof(chatb), "%s", chat);
	json_decref(es);

	ck_assert_int_eq(ack_one("tb:q:tg:a:u", eidb, "1", chatb, "d"), 1);
	/* Acked twice (a duplicate send): counted once. */
	ck_assert_int_eq(ack_one("tb:q:tg:a:u", eidb, "1", chatb, "d"), 0);
	ck_assert_int_eq(ack_one("tb:q:tg:a:u", eidb, "1", chatb, "f"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "XLEN tb:q:tg:a:u"), 33);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv d:0"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "HEXISTS tb:bc:1:lv f:0"), 0);
	ck_assert_int_ge(fcall_int(tw_c, "ZSCORE tb:bc:1:reach:0 tg\t%s",
			     chatb),
	    5000);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:chat:tg:%s lastbc", chatb),
	    1);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:chat:tg:%s bc_n", chatb), 1);
	s = fcall_str(tw_c, "HGET tb:bc:1:done tg\t%s", chatb);
	ck_assert_str_eq(s, "d");
	free(s);

	/* The rest: h101 fails, the others are delivered. */
	deliver_all("h101");
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv d:0"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv d:1"), 5);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv d:2"), 61);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv f:2"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:bc:1:reach:2"), 61);
	ck_assert_int_eq(fcall_int(tw_c, "HEXISTS tb:chat:tg:h101 lastbc"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "XLEN tb:q:tg:a:u") +
			     fcall_int(tw_c, "XLEN tb:q:tg:b:u"),
	    0);
	/* An entry without a broadcast (a reply) is only acknowledged. */
	ck_assert_int_eq(ack_one("tb:q:tg:a:u", "1-1", "", "h102", "d"), 0);
}
END_TEST

START_TEST(escalate_once_to_parent_council_naming_liaisons)
{
	redisReply *r;
	json_t *es, *e, *p, *items, *it;
	int64_t now = tw_time_ms();
	size_t i;
	int found = 0;

	village_build();
	/* Liaisons: Li on v/g1/h1, #9 (no name known) on v/g1/h2. */
	ck_assert_str_eq(EVO(.user = "li", .op = "register",
			     .args = { "Li Lei" }),
	    "registered");
	(void)fcall_int(tw_c, "HSET tb:role:v/g1/h1 1 liaison");
	(void)fcall_int(tw_c, "HSET tb:role:v/g1/h2 9 liaison 1 seed");
	ck_assert_int_eq(bc_create_village("", "", "", VILLAGE_MAP, "1",
			     now - 10, NULL, 0, NULL, 0),
	    1);
	bc_enqueue_all(1, 1000);
	deliver_all("");
	/* Everyone under g1 acknowledged except h101 and h102. */
	for (i = 3; i <= 13; i++) {
		char chat[16];

		snprintf(chat, sizeof(chat), "h1%02zu", i);
		ck_assert_str_eq(EVO(.user = "m", .op = "ack", .chat = chat),
		    "acked");
	}
	ck_assert_str_eq(EVO(.user = "m", .op = "ack", .chat = "g2"), "acked");

	r = tower_op("escalate", 0, "10", NULL);
	ck_assert_uint_eq(r->elements, 1);
	ck_assert_str_eq(r->element[0]->str, "1");
	freeReplyObject(r);
	r = tower_op("escalate", 0, "10", NULL);
	ck_assert_uint_eq(r->elements, 0);
	freeReplyObject(r);
	ck_assert_int_ge(fcall_int(tw_c, "HGET tb:bc:1 escalated"), now);

	/*
	 * To g1's council chat: h101, h102.  To v's council chat v0: the
	 * silent g1, g3, g4, g5.  g2's silent children go to g2's members
	 * chat.  v0 itself has no parent: not escalated.
	 */
	es = fcall_xrange(tw_c, "tb:q:tg:_:u", NULL);
	for (i = 0; i < json_array_size(es); i++) {
		const char *chat;

		e = json_array_get(es, i);
		ck_assert_str_eq(json_string_value(json_object_get(e, "key")),
		    "escalation");
		chat = json_string_value(json_object_get(e, "chat"));
		p = fcall_entry_params(e);
		items = json_object_get(p, "items");
		ck_assert_int_eq(json_integer_value(json_object_get(p, "id")),
		    1);
		ck_assert_int_eq(json_integer_value(
				     json_object_get(p, "count")),
		    (json_int_t)json_array_size(items));
		if (strcmp(chat, "g1") == 0) {
			found++;
			ck_assert_uint_eq(json_array_size(items), 2);
			it = json_array_get(items, 0);
			ck_assert(jeq(it,
			    json_pack("{s:s, s:s, s:s}", "chat", "h101", "node",
				"v/g1/h1", "liaisons", "Li Lei")));
			it = json_array_get(items, 1);
			ck_assert_str_eq(json_string_value(
					     json_object_get(it, "liaisons")),
			    "#9");
		} else if (strcmp(chat, "v0") == 0) {
			found++;
			ck_assert_uint_eq(json_array_size(items), 4);
			it = json_array_get(items, 0);
			ck_assert_str_eq(json_string_value(
					     json_object_get(it, "node")),
			    "v/g1");
			ck_assert_str_eq(json_string_value(
					     json_object_get(it, "chat")),
			    "Group 1");
		} else {
			ck_assert_msg(strcmp(chat, "g2") == 0 ||
					  strcmp(chat, "g3") == 0 ||
					  strcmp(chat, "g4") == 0 ||
					  strcmp(chat, "g5") == 0,
			    "escalation to %s", chat);
			found++;
			ck_assert_uint_ge(json_array_size(items), 12);
		}
		json_decref(p);
	}
	ck_assert_int_eq(found, 6);
	ck_assert_uint_eq(json_array_size(es), 6);
	json_decref(es);
}
END_TEST

START_TEST(ack_command_counts_members_and_chats)
{
	redisReply *r;
	json_t *es, *p;
	int64_t now = tw_time_ms();

	village_build();
	ck_assert_int_eq(bc_create_village("", "", "", VILLAGE_MAP, "", now,
			     NULL, 0, NULL, 0),
	    1);
	/* Not yet delivered here: lastbc unknown, nothing to acknowledge. */
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h201"),
	    "none");
	bc_enqueue_all(1, 1000);
	deliver_all("");
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h201"),
	    "acked");
	ck_assert_str_eq(EVO(.user = "m2", .op = "ack", .chat = "h201",
			     .args = { "1" }),
	    "acked");
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h201"),
	    "already");
	ck_assert_str_eq(EVO(.user = "m3", .op = "ack", .chat = "g2",
			     .args = { "#1" }),
	    "acked");
	/* m1 again in another chat: a new chat, the same member. */
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h202"),
	    "acked");
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv ac:2"), 2);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv am:2"), 2);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv ac:1"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1:lv am:1"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "SCARD tb:bc:1:ackm"), 3);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:chat:tg:h201 bc_ack"), 1);
	es = fcall_xrange(tw_c, "tb:q:tg:_:r", NULL);
	p = fcall_entry_params(json_array_get(es, json_array_size(es) - 1));
	ck_assert(jeq(p, json_pack("{s:i}", "id", 1)));
	json_decref(p);
	json_decref(es);
	/* Unknown ids, or a chat the broadcast did not target. */
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h201",
			     .args = { "7" }),
	    "none");
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "zz",
			     .args = { "1" }),
	    "none");
	r = fcall_cmd(tw_c, "XREVRANGE tb:q:tg:_:r + - COUNT 1");
	ck_assert_str_eq(r->element[0]->element[1]->element[13]->str,
	    "ack_none");
	freeReplyObject(r);
}
END_TEST

START_TEST(broadcast_command_creates_without_reply)
{
	redisReply *r;
	char *s;

	village_build();
	/* Members may not broadcast; liaisons of the node may. */
	ck_assert_str_eq(EVO(.user = "m", .op = "broadcast", .chat = "g1",
			     .args = { "normal", "Hi" }),
	    "not_allowed");
	(void)fcall_int(tw_c, "HSET tb:role:v/g1 2 liaison");
	ck_assert_str_eq(EVO(.user = "L", .op = "msg", .chat = "g1"), "seen");
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:m:tg:L pid"), 2);
	ck_assert_int_eq(fcall_int(tw_c, "XLEN tb:q:tg:_:r"), 1);
	r = EV(.user = "L", .op = "broadcast", .chat = "g1",
	    .args = { "normal", "Water off at 3", "", "", "", "tg=a,b",
		"60000" });
	ck_assert_uint_eq(r->elements, 6);
	ck_assert_str_eq(r->element[0]->str, "ok");
	ck_assert_str_eq(r->element[1]->str, "broadcast");
	ck_assert_str_eq(r->element[2]->str, "1");
	ck_assert_int_eq(r->element[3]->integer, 14);
	ck_assert_str_eq(r->element[4]->str, "tg/a=7,tg/b=7");
	ck_assert_str_eq(r->element[5]->str, "0=1,1=13");
	freeReplyObject(r);
	/* No reply queued: bot/ plans and says broadcast_ok. */
	ck_assert_int_eq(fcall_int(tw_c, "XLEN tb:q:tg:_:r"), 1);
	s = fcall_str(tw_c, "HGET tb:bc:1 origin");
	ck_assert_str_eq(s, "v/g1");
	free(s);
	s = fcall_str(tw_c, "HGET tb:bc:1 chat");
	ck_assert_str_eq(s, "g1");
	free(s);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1 sender"), 2);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:bc:1 escalate_ms"), 60000);
	s = fcall_str(tw_c, "HGET tb:bc:1 filters");
	ck_assert_str_eq(s, "level=,tag=,purpose=");
	free(s);

	/* Nothing matched: broadcast_none, nothing created. */
	ck_assert_str_eq(EVO(.user = "L", .op = "broadcast", .chat = "g1",
			     .args = { "urgent", "x", "5" }),
	    "none");
	ck_assert_int_eq(fcall_int(tw_c, "GET tb:seq:bc"), 1);
	ck_assert_str_eq(EVO(.user = "L", .op = "broadcast", .chat = "g1",
			     .args = { "soon", "x" }),
	    "bad_args");
	/* An unbound chat. */
	ck_assert_str_eq(EVO(.user = "op", .oper = 1, .op = "broadcast",
			     .chat = "free", .args = { "normal", "x" }),
	    "unbound");
	r = fcall_cmd(tw_c, "XREVRANGE tb:q:tg:_:r + - COUNT 1");
	ck_assert_str_eq(r->element[0]->element[1]->element[13]->str,
	    "broadcast_unbound");
	freeReplyObject(r);
}
END_TEST

START_TEST(bind_keeps_tower_and_nodes_in_step)
{
	ck_assert_str_eq(EVO(.user = "op", .op = "bind", .oper = 1,
			     .chat = "c1", .args = { "x/y" }),
	    "bound");
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:tower x/y\ttg\tc1"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:nodes x/y"), 0);
	ck_assert_str_eq(EVO(.user = "op", .op = "bind", .oper = 1,
			     .chat = "c1", .args = { "x/z", "council" }),
	    "bound");
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "ZSCORE tb:tower x/z\ttg\tc1"), 0);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:nodes"), 2);
	/* The learned account of the binding operator's event. */
	ck_assert_int_eq(fcall_int(tw_c, "HEXISTS tb:chat:tg:c1 accts"), 1);
}
END_TEST

START_TEST(report_items_per_level)
{
	json_t *es, *p, *items, *it;
	int64_t created = tw_time_ms() - 5000;

	village_build();
	ck_assert_str_eq(EVO(.user = "L", .op = "msg", .chat = "g3"), "seen");
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:m:tg:L pid"), 1);
	ck_assert_int_eq(bc_create_village("", "", "", VILLAGE_MAP, "", created,
			     NULL, 0, NULL, 0),
	    1);
	bc_enqueue_all(1, 1000);
	deliver_all("h305");
	ck_assert_str_eq(EVO(.user = "m1", .op = "ack", .chat = "h201"),
	    "acked");
	ck_assert_str_eq(EVO(.user = "m2", .op = "ack", .chat = "h201"),
	    "acked");
	/* A second broadcast from g3, not delivered: pending. */
	(void)fcall_int(tw_c, "HSET tb:role:v/g3 1 liaison");
	ck_assert_str_eq(EVO(.user = "L", .op = "broadcast", .chat = "g3",
			     .args = { "normal", "Second", "", "", "",
				 "tg=a" }),
	    "broadcast");
	ck_assert_int_eq(fcall_int(tw_c, "GET tb:seq:bc"), 2);

	/* In g3, the latest broadcast within its community is 2. */
	ck_assert_str_eq(EVO(.user = "L", .op = "report", .chat = "g3"),
	    "report");
	es = fcall_xrange(tw_c, "tb:q:tg:_:r", NULL);
	p = fcall_entry_params(json_array_get(es, json_array_size(es) - 1));
	ck_assert_int_eq(json_integer_value(json_object_get(p, "id")), 2);
	ck_assert(jeq(json_object_get(p, "items"),
	    json_pack("[{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}, "
		      "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}]",
		"level", 0, "targeted", 1, "delivered", 0, "failed", 0,
		"pending", 1, "p50", 0, "p95", 0, "max", 0, "ack_chats", 0,
		"ack_members", 0, "level", 1, "targeted", 12, "delivered", 0,
		"failed", 0, "pending", 12, "p50", 0, "p95", 0, "max", 0,
		"ack_chats", 0, "ack_members", 0)));
	json_decref(p);
	json_decref(es);

	/* Broadcast 1 by id, from the village chat. */
	(void)fcall_int(tw_c, "HSET tb:role:v 1 liaison");
	ck_assert_str_eq(EVO(.user = "L", .op = "report", .chat = "v0",
			     .args = { "1" }),
	    "report");
	es = fcall_xrange(tw_c, "tb:q:tg:_:r", NULL);
	p = fcall_entry_params(json_array_get(es, json_array_size(es) - 1));
	ck_assert_str_eq(json_string_value(json_object_get(p, "text")),
	    "Flood warning");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "created_at")),
	    created / 1000);
	items = json_object_get(p, "items");
	ck_assert_uint_eq(json_array_size(items), 3);
	it = json_array_get(items, 2);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "level")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "targeted")),
	    62);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "delivered")),
	    61);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "failed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pending")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "ack_chats")),
	    1);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "ack_members")),
	    2);
	ck_assert(json_number_value(json_object_get(it, "p50")) >= 5.0);
	ck_assert(json_number_value(json_object_get(it, "p95")) >=
		  json_number_value(json_object_get(it, "p50")));
	ck_assert(json_number_value(json_object_get(it, "max")) >=
		  json_number_value(json_object_get(it, "p95")));
	json_decref(p);
	json_decref(es);

	/* Nothing to report; members may not ask. */
	ck_assert_str_eq(EVO(.user = "L", .op = "report", .chat = "v0",
			     .args = { "99" }),
	    "none");
	ck_assert_str_eq(EVO(.user = "m9", .op = "report", .chat = "v0"),
	    "not_allowed");
}
END_TEST

/* per chat under g1 (h101..h113, g1): bc_n, bc_ack -> stars of L1 */
static const struct {
	int n, ack;
	int stars;
} star_rows[] = {
	{ 0, 0, 0 },
	{ 10, 10, 5 },
	{ 10, 9, 5 },
	{ 10, 8, 4 },
	{ 20, 15, 4 },
	{ 4, 2, 3 },
	{ 4, 1, 2 },
	{ 10, 2, 1 },
	{ 10, 0, 1 },
};

START_TEST(stars_rate_liaisons)
{
	json_t *es, *p, *it;
	int delivered, acked;

	village_build();
	(void)fcall_int(tw_c, "HSET tb:role:v/g1 1 liaison");
	(void)fcall_int(tw_c, "HSET tb:role:v/g2/h5 2 liaison");
	(void)fcall_int(tw_c, "HSET tb:role:v/g4 3 committee");
	(void)fcall_int(tw_c, "HSET tb:role:v 4 committee");
	ck_assert_str_eq(EVO(.user = "A", .op = "register", .args = { "Ann" }),
	    "registered");
	ck_assert_str_eq(EVO(.user = "B", .op = "msg"), "seen");
	ck_assert_str_eq(EVO(.user = "C", .op = "msg"), "seen");
	ck_assert_str_eq(EVO(.user = "D", .op = "msg"), "seen");
	/* The counts of one chat under g1; h205 gets 3 of 4. */
	delivered = star_rows[_i].n;
	acked = star_rows[_i].ack;
	(void)fcall_int(tw_c, "HSET tb:chat:tg:h107 bc_n %d bc_ack %d",
	    delivered, acked);
	(void)fcall_int(tw_c, "HSET tb:chat:tg:g1 bc_n 0 bc_ack 0");
	ck_assert_int_eq(delivered, star_rows[_i].n);
	(void)fcall_int(tw_c, "HSET tb:chat:tg:h205 bc_n 4 bc_ack 3");

	/* The committee of v sees both liaisons, the one of g4 none. */
	ck_assert_str_eq(EVO(.user = "C", .op = "stars", .chat = "g4"), "none");
	ck_assert_str_eq(EVO(.user = "B", .op = "stars", .chat = "v0"),
	    "not_allowed");
	ck_assert_str_eq(EVO(.user = "D", .op = "stars", .chat = "v0"),
	    "stars");
	es = fcall_xrange(tw_c, "tb:q:tg:_:r", NULL);
	p = fcall_entry_params(json_array_get(es, json_array_size(es) - 1));
	ck_assert_uint_eq(json_array_size(json_object_get(p, "items")), 2);
	it = json_array_get(json_object_get(p, "items"), 0);
	ck_assert_msg(jeq(it,
			  json_pack("{s:s, s:s, s:i, s:i, s:i}", "name", "Ann",
			      "node", "v/g1", "stars", star_rows[_i].stars,
			      "acked", acked, "delivered", delivered)),
	    "row %d: %s", _i, json_dumps(it, JSON_COMPACT));
	it = json_array_get(json_object_get(p, "items"), 1);
	ck_assert(jeq(it,
	    json_pack("{s:s, s:s, s:i, s:i, s:i}", "name", "Name B", "node",
		"v/g2/h5", "stars", 4, "acked", 3, "delivered", 4)));
	json_decref(p);
	json_decref(es);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the reference city: 37,074 chats (a smoke test, no timing asserts)  */
/* ------------------------------------------------------------------ */

START_TEST(city_37k_import_create_enqueue)
{
	size_t nrows = CITY_L1 + CITY_L2 + CITY_L3, i, row = 0;
	char(*paths)[48] = calloc(nrows, sizeof(*paths));
	char(*chats)[16] = calloc(nrows, sizeof(*chats));
	const char **cells = calloc(nrows * 8, sizeof(*cells));
	struct timespec t0;
	double ms_import, ms_create, ms_chunk, ms_chunk_max = 0, ms_enq = 0;
	redisReply *r;
	long long n = 0, chunks = 0;
	int done = 0;

	ck_assert(paths != NULL && chats != NULL && cells != NULL);
	/* Level 1: d0..d151; level 2 spread over them; level 3 likewise. */
	for (i = 0; i < CITY_L1; i++, row++)
		snprintf(paths[row], sizeof(paths[row]), "city/d%zu", i);
	for (i = 0; i < CITY_L2; i++, row++)
		snprintf(paths[row], sizeof(paths[row]), "city/d%zu/s%zu",
		    i % CITY_L1, i);
	for (i = 0; i < CITY_L3; i++, row++) {
		char buf[sizeof(paths[0])];

		/* Through a copy: source and target rows share one array. */
		snprintf(buf, sizeof(buf), "%s/c%zu",
		    paths[CITY_L1 + i % CITY_L2], i);
		memcpy(paths[row], buf, sizeof(buf));
	}
	for (i = 0; i < nrows; i++) {
		snprintf(chats[i], sizeof(chats[i]), "-100%zu", i);
		cells[i * 8 + 0] = paths[i];
		cells[i * 8 + 1] = chats[i];
		cells[i * 8 + 2] = "";
		cells[i * 8 + 3] = i % 7 == 0 ? "east" : "";
		cells[i * 8 + 4] = i % 10 == 0 ? "wc" : "tg";
		cells[i * 8 + 5] = chats[i];
		cells[i * 8 + 6] = i < CITY_L1 ? "council" : "members";
		cells[i * 8 + 7] = i % 10 == 0 ? "robot:key" : "";
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	import_rows(cells, nrows);
	ms_import = tw_elapsed(&t0);
	ck_assert_int_eq(fcall_int(tw_c, "ZCARD tb:tower"), (long long)nrows);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = tower_op("bc_create", 1000, "city", "", "", "api", "urgent",
	    "City-wide drill at 10:00", "", "", "",
	    "tg=b1,b2,b3,b4,b5,b6,b7,b8;wc=~robot", "", NULL);
	ms_create = tw_elapsed(&t0);
	ck_assert_int_eq(r->element[0]->integer, 1);
	ck_assert_int_eq(r->element[1]->integer, (long long)nrows);
	ck_assert_str_eq(r->element[3]->str, "1=152,2=3467,3=33455");
	fprintf(stderr, "tower: 37k city: identities %s\n", r->element[2]->str);
	freeReplyObject(r);

	while (!done) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = tower_op("bc_enqueue", 2000, "1", "5000", NULL);
		ms_chunk = tw_elapsed(&t0);
		ms_enq += ms_chunk;
		if (ms_chunk > ms_chunk_max)
			ms_chunk_max = ms_chunk;
		n += r->element[0]->integer;
		done = (int)r->element[1]->integer;
		freeReplyObject(r);
		ck_assert_int_lt(++chunks, 100);
	}
	ck_assert_int_eq(n, (long long)nrows);
	ck_assert_int_eq(fcall_int(tw_c, "XLEN tb:q:wc:~robot:u"), 3708);
	fprintf(stderr,
	    "tower: 37k city: import %.1f ms (%zu rows, %d per call), "
	    "bc_create %.1f ms, bc_enqueue %.1f ms in %lld chunks of 5000 "
	    "(slowest %.1f ms)\n",
	    ms_import, nrows, TW_ROWS_MAX, ms_create, ms_enq, chunks,
	    ms_chunk_max);
	free(cells);
	free(chats);
	free(paths);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the function library                                                */
/* ------------------------------------------------------------------ */

/* FUNCTION LIST: library towerbot has exactly tb_event and tb_tower. */
START_TEST(library_registers_two_functions)
{
	redisReply *r = fcall_cmd(tw_c, "FUNCTION LIST"), *lib, *fns = NULL, *f;
	const char *names[2] = { NULL, NULL };
	size_t i, j;

	ck_assert_uint_eq(r->elements, 1);
	lib = r->element[0];
	for (i = 0; i + 1 < lib->elements; i += 2) {
		if (strcmp(lib->element[i]->str, "library_name") == 0)
			ck_assert_str_eq(lib->element[i + 1]->str, "towerbot");
		if (strcmp(lib->element[i]->str, "functions") == 0)
			fns = lib->element[i + 1];
	}
	ck_assert_ptr_nonnull(fns);
	ck_assert_uint_eq(fns->elements, 2);
	for (i = 0; i < 2; i++) {
		f = fns->element[i];
		for (j = 0; j + 1 < f->elements; j += 2) {
			if (strcmp(f->element[j]->str, "name") == 0)
				names[i] = f->element[j + 1]->str;
			/* Default flags: both write. */
			if (strcmp(f->element[j]->str, "flags") == 0)
				ck_assert_uint_eq(f->element[j + 1]->elements,
				    0);
		}
		ck_assert_ptr_nonnull(names[i]);
	}
	ck_assert_msg((strcmp(names[0], "tb_event") == 0 &&
			  strcmp(names[1], "tb_tower") == 0) ||
			  (strcmp(names[0], "tb_tower") == 0 &&
			      strcmp(names[1], "tb_event") == 0),
	    "functions %s, %s", names[0], names[1]);
	freeReplyObject(r);

	/* Loading again replaces it (every daemon does, on connect). */
	fcall_load(tw_c);
}
END_TEST

/* The credit of a /me of user u under prefix "x:" with covenant cov. */
static json_int_t
me_credit(const char *u, const char *cov)
{
	redisReply *r;
	json_t *es, *p;
	json_int_t credit;

	r = fcall_cmd(tw_c,
	    "FCALL tb_event 0 x: 1700000000000 %s %s tg %s %s c1 %s "
	    "%s %s m1 0 me %s %s %s %s %s %s %s",
	    cov, "remind,warn,blacklist", "", "", u, "", "", "", "", "", "", "",
	    "", "");
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_str_eq(r->element[1]->str, "me");
	freeReplyObject(r);
	es = fcall_xrange(tw_c, "x:q:tg:_:r", NULL);
	ck_assert_uint_ge(json_array_size(es), 1);
	p = fcall_entry_params(json_array_get(es, json_array_size(es) - 1));
	credit = json_integer_value(json_object_get(p, "credit"));
	json_decref(p);
	json_decref(es);
	return (credit);
}

/*
 * Nothing of one call leaks into the next: the prefix, the event and the
 * covenant numbers (cached by their string) are per call.
 */
START_TEST(library_state_is_per_call)
{
	redisReply *r;
	char *s;

	ck_assert_int_eq(me_credit("u1", "3,1,90,100"), 100);
	ck_assert_int_eq(me_credit("u2", "3,1,90,50"), 50);
	ck_assert_int_eq(me_credit("u3", "3,1,90,100"), 100);
	ck_assert_int_eq(me_credit("u4", ""), 100);

	/* Plain messages under two prefixes, one after the other. */
	r = fcall_cmd(tw_c,
	    "FCALL tb_event 0 y: 1700000000000 %s %s tg %s e1 c1 u1 "
	    "%s %s m1 0 msg %s %s %s %s %s %s %s",
	    "junk", "", "", "", "", "", "", "", "", "", "", "");
	ck_assert_str_eq(r->element[1]->str, "seen");
	freeReplyObject(r);
	ck_assert_int_eq(fcall_int(tw_c, "HGET y:m:tg:u1 id"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "HGET x:m:tg:u1 id"), 1);
	ck_assert_int_eq(fcall_int(tw_c, "GET x:seq:member"), 4);
	s = fcall_str(tw_c, "HGET y:chat:tg:c1 accts");
	ck_assert_str_eq(s, "_");
	free(s);
	/* The same event id again under y: is a duplicate there only. */
	r = fcall_cmd(tw_c,
	    "FCALL tb_event 0 y: 1700000000000 %s %s tg %s e1 c1 u1 "
	    "%s %s m1 0 msg %s %s %s %s %s %s %s",
	    "", "", "", "", "", "", "", "", "", "", "", "");
	ck_assert_str_eq(r->element[0]->str, "dup");
	freeReplyObject(r);

	/* tb_tower: an unknown op is an error, and changes nothing. */
	r = redisCommand(tw_c, "FCALL tb_tower 0 x: nosuchop 0");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
	ck_assert_ptr_nonnull(strstr(r->str, "unknown op nosuchop"));
	freeReplyObject(r);
	r = tower_op("resume", 0, NULL);
	ck_assert_uint_eq(r->elements, 0);
	freeReplyObject(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Redis CPU per event (printed, never asserted)                       */
/* ------------------------------------------------------------------ */

/* usec_per_call and calls of one command in INFO commandstats. */
static double
tw_usec_per_call(const char *cmd, long long *calls)
{
	redisReply *r = fcall_cmd(tw_c, "INFO commandstats");
	char key[64];
	const char *p, *q;
	double v = 0;

	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	snprintf(key, sizeof(key), "cmdstat_%s:", cmd);
	*calls = 0;
	if ((p = strstr(r->str, key)) != NULL) {
		if ((q = strstr(p, "calls=")) != NULL)
			*calls = strtoll(q + 6, NULL, 10);
		if ((q = strstr(p, "usec_per_call=")) != NULL)
			v = strtod(q + 14, NULL);
	}
	freeReplyObject(r);
	return (v);
}

/*
 * The webhook hot path: BENCH_MSGS plain messages from 500 members, then
 * BENCH_SIGNS /signup (no id: the chat's only open activity) of new
 * members, each loop measured by the server (INFO commandstats).
 */
START_TEST(event_cpu_per_call)
{
	char user[32], start[32];
	double us_msg, us_sign;
	long long calls;
	int i;

	freeReplyObject(fcall_cmd(tw_c, "CONFIG RESETSTAT"));
	for (i = 0; i < BENCH_MSGS; i++) {
		snprintf(user, sizeof(user), "m%d", i % 500);
		ck_assert_str_eq(EVO(.user = user, .op = "msg"), "seen");
	}
	us_msg = tw_usec_per_call(BENCH_CMD, &calls);
	ck_assert_int_eq(calls, BENCH_MSGS);

	snprintf(start, sizeof(start), "%" PRId64, tw_time_ms() / 1000 + 86400);
	ck_assert_str_eq(EVO(.user = "boss", .op = "newactivity", .oper = 1,
			     .args = { "Drill", start, "0" }),
	    "created");
	freeReplyObject(fcall_cmd(tw_c, "CONFIG RESETSTAT"));
	for (i = 0; i < BENCH_SIGNS; i++) {
		snprintf(user, sizeof(user), "s%d", i);
		ck_assert_str_eq(EVO(.user = user, .op = "signup"), "signed");
	}
	us_sign = tw_usec_per_call(BENCH_CMD, &calls);
	ck_assert_int_eq(calls, BENCH_SIGNS);
	ck_assert_int_eq(fcall_int(tw_c, "HGET tb:act:1 signed"), BENCH_SIGNS);
	fprintf(stderr,
	    "tower: redis cpu per event (%s): msg %.2f us (%d calls), "
	    "signup %.2f us (%d calls)\n",
	    BENCH_CMD, us_msg, BENCH_MSGS, us_sign, BENCH_SIGNS);
}
END_TEST

Suite *
tower_suite(void)
{
	Suite *s = suite_create("tower");
	TCase *tc;

	tc = tcase_create("library");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, library_registers_two_functions);
	tcase_add_test(tc, library_state_is_per_call);
	suite_add_tcase(s, tc);

	tc = tcase_create("import_move");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, import_counts_added_changed_unchanged);
	tcase_add_test(tc, move_subtree_and_refusals);
	tcase_add_test(tc, bind_keeps_tower_and_nodes_in_step);
	suite_add_tcase(s, tc);

	tc = tcase_create("broadcast");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, bc_create_levels_and_sharding);
	tcase_add_loop_test(tc, bc_create_filters, 0,
	    sizeof(filter_rows) / sizeof(filter_rows[0]));
	tcase_add_test(tc, bc_create_bad_arguments);
	tcase_add_test(tc, bc_create_identity_choice);
	tcase_add_test(tc, bc_enqueue_chunks_resume_exactly_once);
	tcase_add_test(tc, broadcast_command_creates_without_reply);
	suite_add_tcase(s, tc);

	tc = tcase_create("delivery");
	tcase_set_tags(tc, "redis");
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, take_matches_ratelimit_reserve);
	tcase_add_test(tc, take_chat_limit_independent_of_account);
	tcase_add_test(tc, take_400_per_second_burst_1);
	tcase_add_test(tc, ack_counts_once_per_chat_with_reach);
	tcase_add_test(tc, escalate_once_to_parent_council_naming_liaisons);
	tcase_add_test(tc, ack_command_counts_members_and_chats);
	tcase_add_test(tc, report_items_per_level);
	tcase_add_loop_test(tc, stars_rate_liaisons, 0,
	    sizeof(star_rows) / sizeof(star_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("city");
	tcase_set_tags(tc, "redis");
	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, city_37k_import_create_enqueue);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_set_tags(tc, "redis");
	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, tw_server_up, tw_server_down);
	tcase_add_checked_fixture(tc, tw_setup, tw_teardown);
	tcase_add_test(tc, event_cpu_per_call);
	suite_add_tcase(s, tc);
	return (s);
}
