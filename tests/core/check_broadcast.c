/*
 * check_broadcast.c -- the broadcast planner (SPEC section 5):
 * core/broadcast.h.  The reference numbers are the city of SPEC section 1:
 * 37,074 chats, an urgent deadline of 3 minutes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "core/broadcast.h"
#include "core/ratelimit.h"
#include "tests/suites.h"

#define NROWS(a)    ((int)(sizeof(a) / sizeof((a)[0])))
#define CITY_CHATS  UINT64_C(37074)
#define DEADLINE_MS UINT64_C(180000)

/*
 * Telegram at 30/s: ratelimit_period_ms(30) is 34 ms (rounded up, so the
 * limit holds), so one bot sends 30 at once and then one every 34 ms.
 * By 180 s that is 30 + 180000 / 34 = 30 + 5294 = 5324 chats.
 */
#define TG_SENDABLE UINT64_C(5324)

static const struct {
	double per_second;
	unsigned int burst;
	uint64_t deadline, want;
} sendable_rows[] = {
	{ 30, 30, DEADLINE_MS, TG_SENDABLE },
	{ 50, 50, DEADLINE_MS, 50 + 9000 }, /* Feishu: 20 ms */
	{ 20.0 / 60, 1, DEADLINE_MS, 61 },  /* a robot: every 3 s */
	{ 30, 30, 0, 30 },                  /* the burst goes at once */
	{ 30, 0, 0, 1 },                    /* burst 0 counts as 1 */
	{ 30, 0, 34, 2 },
	{ 30, 30, 33, 30 },
	{ 0, 1, DEADLINE_MS, UINT64_MAX }, /* unlimited */
	{ -1, 1, 0, UINT64_MAX },
	{ 1, 1, 3600000, 3601 },
};

/* The definition: eta(sendable) <= deadline < eta(sendable + 1). */
START_TEST(sendable_is_largest_on_time)
{
	uint64_t s = broadcast_sendable(sendable_rows[_i].per_second,
	    sendable_rows[_i].burst, sendable_rows[_i].deadline);

	ck_assert_msg(s == sendable_rows[_i].want, "row %d: got %llu", _i,
	    (unsigned long long)s);
	if (s == UINT64_MAX)
		return;
	ck_assert_msg(ratelimit_eta_ms(s, sendable_rows[_i].per_second,
			  sendable_rows[_i].burst) <=
			  sendable_rows[_i].deadline,
	    "row %d: eta(s) late", _i);
	ck_assert_msg(ratelimit_eta_ms(s + 1, sendable_rows[_i].per_second,
			  sendable_rows[_i].burst) > sendable_rows[_i].deadline,
	    "row %d: s + 1 on time", _i);
}
END_TEST

static struct broadcast_ident
tg(uint64_t assigned)
{
	struct broadcast_ident id = { "telegram", "bot", 30, 30, assigned, 0 };

	return (id);
}

/*
 * One Telegram bot for the whole city: (37074 - 30) * 34 ms = 1259.5 s
 * (not 37074 / 30 = 1235.8 s: the period is rounded up to whole ms).
 * 5324 chats make the 3 minutes, 31,750 are late, and 7 bots would do.
 */
START_TEST(city_on_one_bot_is_late)
{
	struct broadcast_ident id = tg(CITY_CHATS);
	struct broadcast_plan p;

	broadcast_plan_make(&id, 1, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, (CITY_CHATS - 30) * 34);
	ck_assert_uint_eq(p.eta_ms, 1259496);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, CITY_CHATS - TG_SENDABLE);
	ck_assert_uint_eq(p.late, 31750);
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert_str_eq(p.missing[0].platform, "telegram");
	ck_assert_uint_eq(p.missing[0].more, 6); /* ceil(37074/5324) - 1 */
}
END_TEST

/* Seven bots, balanced (5 x 5296 + 2 x 5297): on time with 0.9 s spare. */
START_TEST(city_on_seven_bots_is_on_time)
{
	struct broadcast_ident ids[7];
	struct broadcast_plan p;
	size_t i;

	for (i = 0; i < 7; i++)
		ids[i] = tg(CITY_CHATS / 7 + (i < CITY_CHATS % 7 ? 1 : 0));
	ck_assert_uint_eq(ids[0].assigned, 5297);
	ck_assert_uint_eq(ids[6].assigned, 5296);
	broadcast_plan_make(ids, 7, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, (5297 - 30) * 34);
	ck_assert_uint_eq(p.eta_ms, 179078);
	ck_assert_int_eq(p.ontime, 1);
	ck_assert_uint_eq(p.late, 0);
	ck_assert_uint_eq(p.nmissing, 0);
}
END_TEST

/* Six bots of 6179: 855 late each, one bot more needed. */
START_TEST(city_on_six_bots_needs_one_more)
{
	struct broadcast_ident ids[6];
	struct broadcast_plan p;
	size_t i;

	for (i = 0; i < 6; i++)
		ids[i] = tg(CITY_CHATS / 6);
	broadcast_plan_make(ids, 6, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, (6179 - 30) * 34);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, 6 * (6179 - TG_SENDABLE));
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert_uint_eq(p.missing[0].more, 1);
}
END_TEST

/* The last chat at exactly the deadline is on time; 1 ms less is not. */
START_TEST(exactly_on_time)
{
	struct broadcast_ident id = tg(TG_SENDABLE);
	struct broadcast_plan p;

	broadcast_plan_make(&id, 1, 179996, &p);
	ck_assert_uint_eq(p.eta_ms, 179996);
	ck_assert_int_eq(p.ontime, 1);
	ck_assert_uint_eq(p.late, 0);
	ck_assert_uint_eq(p.nmissing, 0);

	broadcast_plan_make(&id, 1, 179995, &p);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, 1);
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert_uint_eq(p.missing[0].more, 1);
}
END_TEST

START_TEST(zero_chats_is_on_time)
{
	struct broadcast_ident ids[2] = { tg(0), tg(0) };
	struct broadcast_plan p;

	memset(&p, 0xa5, sizeof(p));
	broadcast_plan_make(NULL, 0, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, 0);
	ck_assert_int_eq(p.ontime, 1);
	ck_assert_uint_eq(p.late, 0);
	ck_assert_uint_eq(p.nmissing, 0);

	broadcast_plan_make(ids, 2, 0, &p);
	ck_assert_uint_eq(p.eta_ms, 0);
	ck_assert_int_eq(p.ontime, 1);
	ck_assert_uint_eq(p.late, 0);
}
END_TEST

/*
 * Robot lanes: every chat has its own robot (20 a minute each), so one
 * message to each of 37,074 chats goes at once -- unless the lane has a
 * rate of its own.
 */
START_TEST(robot_lane_unlimited_is_instant)
{
	struct broadcast_ident id = { "wecom", "~robot", 0, 1, CITY_CHATS, 1 };
	struct broadcast_plan p;

	broadcast_plan_make(&id, 1, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, 0);
	ck_assert_int_eq(p.ontime, 1);
	ck_assert_uint_eq(p.late, 0);
	ck_assert_uint_eq(p.nmissing, 0);
}
END_TEST

START_TEST(robot_lane_rate_governs)
{
	/* 200/s = every 5 ms: 1 + 36000 by 180 s */
	struct broadcast_ident id = { "wecom", "~robot", 200, 1, CITY_CHATS,
		1 };
	struct broadcast_plan p;

	broadcast_plan_make(&id, 1, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, (CITY_CHATS - 1) * 5);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, CITY_CHATS - 36001);
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert_str_eq(p.missing[0].platform, "wecom");
	ck_assert_uint_eq(p.missing[0].more, 1);
}
END_TEST

/* Two platforms: only the late one is listed; eta is the slowest. */
START_TEST(mixed_platforms_list_only_the_late)
{
	struct broadcast_ident ids[3] = { tg(10000), tg(10000),
		{ "wecom", "~robot", 0, 1, 17074, 1 } };
	struct broadcast_plan p;

	broadcast_plan_make(ids, 3, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, (10000 - 30) * 34);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, 2 * (10000 - TG_SENDABLE));
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert_str_eq(p.missing[0].platform, "telegram");
	ck_assert_uint_eq(p.missing[0].more, 2); /* ceil(20000/5324) - 2 */
}
END_TEST

/* Late only because one bot has everything: rebalancing would do. */
START_TEST(unbalanced_is_late_with_nothing_missing)
{
	struct broadcast_ident ids[2] = { tg(6000), tg(0) };
	struct broadcast_plan p;

	broadcast_plan_make(ids, 2, DEADLINE_MS, &p);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, 6000 - TG_SENDABLE);
	ck_assert_uint_eq(p.nmissing, 0);
}
END_TEST

/* Unequal rates: new identities are counted like the slowest one. */
START_TEST(unequal_rates_count_the_slowest)
{
	/* 10/s burst 10: 100 ms, 10 + 1800 = 1810 by 180 s */
	struct broadcast_ident ids[2] = { tg(10000),
		{ "telegram", "slow", 10, 10, 0, 0 } };
	struct broadcast_plan p;

	broadcast_plan_make(ids, 2, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.late, 10000 - TG_SENDABLE);
	ck_assert_uint_eq(p.nmissing, 1);
	/* (10000 - 5324 - 1810) / 1810 = 1.58 */
	ck_assert_uint_eq(p.missing[0].more, 2);
}
END_TEST

/* More late platforms than the plan has room for: the first 8 listed. */
START_TEST(missing_list_is_bounded)
{
	static const char *const names[] = { "p0", "p1", "p2", "p3", "p4", "p5",
		"p6", "p7", "p8", "p9" };
	struct broadcast_ident ids[10];
	struct broadcast_plan p;
	size_t i;

	for (i = 0; i < 10; i++) {
		ids[i] = tg(TG_SENDABLE + 1);
		ids[i].platform = names[i];
	}
	broadcast_plan_make(ids, 10, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.late, 10);
	ck_assert_uint_eq(p.nmissing, BROADCAST_MISSING_MAX);
	ck_assert_str_eq(p.missing[0].platform, "p0");
	ck_assert_str_eq(p.missing[7].platform, "p7");
	ck_assert_uint_eq(p.missing[7].more, 1);
}
END_TEST

/* A long platform name is cut at a UTF-8 boundary; NULL counts as "". */
START_TEST(platform_names_are_bounded)
{
	struct broadcast_ident ids[2] = { tg(TG_SENDABLE + 1),
		tg(TG_SENDABLE + 1) };
	struct broadcast_plan p;

	ids[0].platform = "\xe5\xb9\xb3\xe5\x8f\xb0\xe5\xb9\xb3\xe5\x8f\xb0"
			  "\xe5\xb9\xb3\xe5\x8f\xb0\xe5\xb9\xb3\xe5\x8f\xb0"
			  "\xe5\xb9\xb3\xe5\x8f\xb0\xe5\xb9\xb3"; /* 33 bytes */
	ids[1].platform = NULL;
	broadcast_plan_make(ids, 2, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.nmissing, 2);
	ck_assert_uint_eq(strlen(p.missing[0].platform), 30);
	ck_assert_str_eq(p.missing[1].platform, "");
}
END_TEST

START_TEST(huge_counts_saturate)
{
	struct broadcast_ident ids[2] = { tg(UINT64_MAX), tg(UINT64_MAX) };
	struct broadcast_plan p;

	broadcast_plan_make(ids, 2, DEADLINE_MS, &p);
	ck_assert_uint_eq(p.eta_ms, UINT64_MAX);
	ck_assert_int_eq(p.ontime, 0);
	ck_assert_uint_eq(p.late, UINT64_MAX);
	ck_assert_uint_eq(p.nmissing, 1);
	ck_assert(p.missing[0].more > 0);
}
END_TEST

Suite *
broadcast_suite(void)
{
	Suite *s = suite_create("broadcast");
	TCase *tc = tcase_create("plan");

	tcase_add_loop_test(tc, sendable_is_largest_on_time, 0,
	    NROWS(sendable_rows));
	tcase_add_test(tc, city_on_one_bot_is_late);
	tcase_add_test(tc, city_on_seven_bots_is_on_time);
	tcase_add_test(tc, city_on_six_bots_needs_one_more);
	tcase_add_test(tc, exactly_on_time);
	tcase_add_test(tc, zero_chats_is_on_time);
	tcase_add_test(tc, robot_lane_unlimited_is_instant);
	tcase_add_test(tc, robot_lane_rate_governs);
	tcase_add_test(tc, mixed_platforms_list_only_the_late);
	tcase_add_test(tc, unbalanced_is_late_with_nothing_missing);
	tcase_add_test(tc, unequal_rates_count_the_slowest);
	tcase_add_test(tc, missing_list_is_bounded);
	tcase_add_test(tc, platform_names_are_bounded);
	tcase_add_test(tc, huge_counts_saturate);
	suite_add_tcase(s, tc);
	return (s);
}
