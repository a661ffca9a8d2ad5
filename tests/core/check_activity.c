/*
 * check_activity.c -- sign-up, cancel, leave, check-in and close
 * decisions (SPEC sections 2-4): core/activity.h.  The rows are the cases
 * the Lua mirror in bot/scripts/towerbot.lua must agree with.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "core/activity.h"
#include "core/covenant.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define H        3600
#define START    1700000000
#define DEADLINE (START - 2 * H)

/* open, cap 10 with 3 signed, min credit 60, deadline 2 h before start */
#define ACT(cap, n, minc, open)                                                \
	{                                                                      \
		START, DEADLINE, (cap), (n), (minc), (open)                    \
	}

static const struct {
	struct activity act;
	enum su_state cur;
	int restricted, blacklisted, credit;
	int64_t now;
	enum signup_outcome want;
} signup_rows[] = {
	/* 0: the plain case */
	{ ACT(10, 3, 60, 1), SU_NONE, 0, 0, 100, START - 86400, SIGNUP_OK },
	/* 1-4: ALREADY beats everything, even closed and blacklisted */
	{ ACT(10, 3, 60, 0), SU_SIGNED, 1, 1, 0, START + 1, SIGNUP_ALREADY },
	{ ACT(1, 1, 60, 1), SU_WAITLISTED, 1, 1, 0, START - 86400,
	    SIGNUP_ALREADY },
	{ ACT(10, 3, 60, 0), SU_ATTENDED, 0, 0, 100, START + 1,
	    SIGNUP_ALREADY },
	{ ACT(10, 3, 60, 1), SU_LEAVE, 0, 0, 100, START - 86400,
	    SIGNUP_ALREADY },
	/* 5-6: a cancelled member may sign up again */
	{ ACT(10, 3, 60, 1), SU_CANCELLED, 0, 0, 100, START - 86400,
	    SIGNUP_OK },
	{ ACT(3, 3, 60, 1), SU_CANCELLED, 0, 0, 100, START - 86400,
	    SIGNUP_WAITLIST },
	/* 7-12: CLOSED beats blacklist, restriction, credit, capacity */
	{ ACT(10, 3, 60, 0), SU_NONE, 0, 0, 100, START - 86400, SIGNUP_CLOSED },
	{ ACT(10, 3, 60, 1), SU_NONE, 1, 1, 0, DEADLINE, SIGNUP_CLOSED },
	{ ACT(10, 3, 60, 1), SU_NONE, 0, 0, 100, DEADLINE, SIGNUP_CLOSED },
	{ ACT(10, 3, 60, 1), SU_NONE, 0, 0, 100, DEADLINE - 1, SIGNUP_OK },
	{ ACT(10, 3, 60, 1), SU_ABSENT, 0, 0, 100, START + H, SIGNUP_CLOSED },
	{ ACT(10, 3, 60, 1), SU_CANCELLED, 0, 0, 100, START, SIGNUP_CLOSED },
	/* 13-15: BLACKLISTED beats RESTRICTED beats CREDIT */
	{ ACT(1, 1, 60, 1), SU_NONE, 1, 1, 0, START - 86400,
	    SIGNUP_BLACKLISTED },
	{ ACT(1, 1, 60, 1), SU_NONE, 1, 0, 0, START - 86400,
	    SIGNUP_RESTRICTED },
	{ ACT(1, 1, 60, 1), SU_NONE, 0, 0, 59, START - 86400, SIGNUP_CREDIT },
	/* 16-19: credit edges */
	{ ACT(10, 3, 60, 1), SU_NONE, 0, 0, 60, START - 86400, SIGNUP_OK },
	{ ACT(10, 3, 0, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_OK },
	{ ACT(10, 3, -5, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_OK },
	{ ACT(1, 1, 60, 1), SU_NONE, 0, 0, 60, START - 86400,
	    SIGNUP_WAITLIST }, /* credit ok, full */
	/* 20-23: capacity */
	{ ACT(0, 5000, 0, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_OK },
	{ ACT(3, 2, 0, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_OK },
	{ ACT(3, 3, 0, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_WAITLIST },
	{ ACT(3, 4, 0, 1), SU_NONE, 0, 0, 0, START - 86400, SIGNUP_WAITLIST },
	/* 24-26: a deadline at (or after) the start: the start closes */
	{ { START, START, 10, 0, 0, 1 }, SU_NONE, 0, 0, 0, START - 1,
	    SIGNUP_OK },
	{ { START, START, 10, 0, 0, 1 }, SU_NONE, 0, 0, 0, START,
	    SIGNUP_CLOSED },
	{ { START, START + H, 10, 0, 0, 1 }, SU_NONE, 0, 0, 0, START,
	    SIGNUP_CLOSED },
};

START_TEST(signup_precedence)
{
	enum signup_outcome got;

	got = activity_signup(&signup_rows[_i].act, signup_rows[_i].cur,
	    signup_rows[_i].restricted, signup_rows[_i].blacklisted,
	    signup_rows[_i].credit, signup_rows[_i].now);
	ck_assert_msg(got == signup_rows[_i].want, "row %d: got %s want %s", _i,
	    signup_outcome_str(got), signup_outcome_str(signup_rows[_i].want));
}
END_TEST

/* Capacity 2: two sign up, the third waits; a cancel promotes the head. */
START_TEST(full_activity_waitlists)
{
	struct activity act = { START, DEADLINE, 2, 0, 0, 1 };
	int64_t now = START - 86400;
	unsigned int wl = 0;
	int late = -1;

	ck_assert_int_eq(activity_signup(&act, SU_NONE, 0, 0, 100, now),
	    SIGNUP_OK);
	act.signed_n++;
	ck_assert_int_eq(activity_signup(&act, SU_NONE, 0, 0, 100, now),
	    SIGNUP_OK);
	act.signed_n++;
	ck_assert_int_eq(activity_signup(&act, SU_NONE, 0, 0, 100, now),
	    SIGNUP_WAITLIST);
	wl++;
	ck_assert_int_eq(activity_signup(&act, SU_NONE, 0, 0, 100, now),
	    SIGNUP_WAITLIST);
	wl++;
	ck_assert(!activity_promote_needed(&act, wl, now));

	/* a signed member cancels a day ahead: on time, one seat free */
	ck_assert_int_eq(activity_cancel(&act, SU_SIGNED, now, 2, &late),
	    CANCEL_OK);
	ck_assert_int_eq(late, 0);
	act.signed_n--;
	ck_assert(activity_promote_needed(&act, wl, now));
	act.signed_n++;
	wl--;
	ck_assert(!activity_promote_needed(&act, wl, now));

	/* a waitlisted member cancelling frees nothing */
	ck_assert_int_eq(activity_cancel(&act, SU_WAITLISTED, now, 2, &late),
	    CANCEL_OK);
	wl--;
	ck_assert(!activity_promote_needed(&act, wl, now));
}
END_TEST

static const struct {
	struct activity act;
	unsigned int wl;
	int64_t now;
	int want;
} promote_rows[] = {
	{ ACT(3, 2, 0, 1), 1, START - H, 1 },
	{ ACT(3, 2, 0, 1), 0, START - H, 0 }, /* nobody waiting */
	{ ACT(3, 3, 0, 1), 4, START - H, 0 }, /* no seat */
	{ ACT(3, 4, 0, 1), 4, START - H, 0 }, /* oversold: no seat */
	{ ACT(0, 9, 0, 1), 2, START - H, 1 }, /* unlimited */
	{ ACT(3, 2, 0, 0), 1, START - H, 0 }, /* closed */
	{ ACT(3, 2, 0, 1), 1, START, 0 },     /* started */
	{ ACT(3, 2, 0, 1), 1, START - 1, 1 },
	{ ACT(3, 2, 0, 1), 1, DEADLINE + 1, 1 }, /* past deadline is fine */
};

START_TEST(promotion_fills_free_seats_only)
{
	int got = activity_promote_needed(&promote_rows[_i].act,
	    promote_rows[_i].wl, promote_rows[_i].now);

	ck_assert_msg(got == promote_rows[_i].want, "row %d: got %d", _i, got);
}
END_TEST

static const struct {
	enum su_state cur;
	int64_t now;
	unsigned int hours;
	enum cancel_outcome want;
	int late;
} cancel_rows[] = {
	{ SU_SIGNED, START - 86400, 2, CANCEL_OK, 0 },
	{ SU_SIGNED, START - 2 * H - 1, 2, CANCEL_OK, 0 },
	{ SU_SIGNED, START - 2 * H, 2, CANCEL_OK, 1 }, /* exactly 2 h */
	{ SU_SIGNED, START - 1, 2, CANCEL_OK, 1 },
	{ SU_SIGNED, START, 2, CANCEL_STARTED, 0 },
	{ SU_SIGNED, START + 1, 2, CANCEL_STARTED, 0 },
	{ SU_SIGNED, START - 1, 0, CANCEL_OK, 0 },     /* no late window */
	{ SU_WAITLISTED, START - 1, 2, CANCEL_OK, 0 }, /* never late */
	{ SU_WAITLISTED, START, 2, CANCEL_STARTED, 0 },
	{ SU_NONE, START - 86400, 2, CANCEL_NONE, 0 },
	{ SU_CANCELLED, START - 86400, 2, CANCEL_NONE, 0 },
	{ SU_LEAVE, START - 86400, 2, CANCEL_NONE, 0 },
	{ SU_ATTENDED, START + 1, 2, CANCEL_NONE, 0 }, /* NONE before STARTED */
	{ SU_ABSENT, START + 1, 2, CANCEL_NONE, 0 },
	{ SU_NONE, START + 1, 2, CANCEL_NONE, 0 },
};

START_TEST(cancel_after_start_refused)
{
	struct activity act = ACT(10, 3, 0, 1);
	enum cancel_outcome got;
	int late = -1;

	got = activity_cancel(&act, cancel_rows[_i].cur, cancel_rows[_i].now,
	    cancel_rows[_i].hours, &late);
	ck_assert_msg(got == cancel_rows[_i].want, "row %d: got %s want %s", _i,
	    cancel_outcome_str(got), cancel_outcome_str(cancel_rows[_i].want));
	ck_assert_msg(late == cancel_rows[_i].late, "row %d: late %d", _i,
	    late);
	/* late may be NULL */
	ck_assert_int_eq(activity_cancel(&act, cancel_rows[_i].cur,
			     cancel_rows[_i].now, cancel_rows[_i].hours, NULL),
	    cancel_rows[_i].want);
}
END_TEST

static const struct {
	enum su_state cur;
	int64_t now;
	enum leave_outcome want;
} leave_rows[] = {
	{ SU_SIGNED, START - 86400, LEAVE_OK },
	{ SU_SIGNED, START - 1, LEAVE_OK }, /* even inside the late window */
	{ SU_SIGNED, START, LEAVE_STARTED },
	{ SU_SIGNED, START + 1, LEAVE_STARTED },
	{ SU_WAITLISTED, START - 1, LEAVE_OK },
	{ SU_WAITLISTED, START, LEAVE_STARTED },
	{ SU_NONE, START - 86400, LEAVE_NONE },
	{ SU_CANCELLED, START - 86400, LEAVE_NONE },
	{ SU_LEAVE, START - 86400, LEAVE_NONE }, /* second /leave */
	{ SU_ATTENDED, START - 60, LEAVE_NONE },
	{ SU_ABSENT, START + H, LEAVE_NONE },
	{ SU_NONE, START + 1, LEAVE_NONE }, /* NONE before STARTED */
};

START_TEST(leave_after_start_refused)
{
	struct activity act = ACT(10, 3, 0, 1);
	enum leave_outcome got;

	got = activity_leave(&act, leave_rows[_i].cur, leave_rows[_i].now);
	ck_assert_msg(got == leave_rows[_i].want, "row %d: got %s want %s", _i,
	    leave_outcome_str(got), leave_outcome_str(leave_rows[_i].want));
}
END_TEST

static const struct {
	enum su_state cur;
	int open;
	int64_t now;
	unsigned int before;
	enum checkin_outcome want;
} checkin_rows[] = {
	{ SU_SIGNED, 1, START - H - 1, 60, CHECKIN_EARLY },
	{ SU_SIGNED, 1, START - H, 60, CHECKIN_OK }, /* exactly 1 h before */
	{ SU_SIGNED, 1, START - 1, 60, CHECKIN_OK },
	{ SU_SIGNED, 1, START, 60, CHECKIN_OK },
	{ SU_SIGNED, 1, START + 5 * H, 60, CHECKIN_OK }, /* until close */
	{ SU_SIGNED, 1, START - 1, 0, CHECKIN_EARLY },
	{ SU_SIGNED, 1, START, 0, CHECKIN_OK },
	{ SU_SIGNED, 1, START - 30 * 60, 30, CHECKIN_OK },
	{ SU_SIGNED, 1, START - 30 * 60 - 1, 30, CHECKIN_EARLY },
	{ SU_SIGNED, 0, START, 60, CHECKIN_NONE }, /* closed */
	{ SU_ATTENDED, 1, START, 60, CHECKIN_ALREADY },
	{ SU_ATTENDED, 1, START - 86400, 60, CHECKIN_ALREADY },
	{ SU_ATTENDED, 0, START, 60, CHECKIN_ALREADY },
	{ SU_WAITLISTED, 1, START, 60, CHECKIN_NONE },
	{ SU_CANCELLED, 1, START, 60, CHECKIN_NONE },
	{ SU_LEAVE, 1, START, 60, CHECKIN_NONE },
	{ SU_NONE, 1, START, 60, CHECKIN_NONE },
	{ SU_NONE, 1, START - 86400, 60, CHECKIN_NONE }, /* NONE before EARLY */
	{ SU_ABSENT, 0, START, 60, CHECKIN_NONE },
};

START_TEST(checkin_window_opens_one_hour_before)
{
	struct activity act = ACT(10, 3, 0, 1);
	enum checkin_outcome got;

	act.open = checkin_rows[_i].open;
	got = activity_checkin(&act, checkin_rows[_i].cur, checkin_rows[_i].now,
	    checkin_rows[_i].before);
	ck_assert_msg(got == checkin_rows[_i].want, "row %d: got %s want %s",
	    _i, checkin_outcome_str(got),
	    checkin_outcome_str(checkin_rows[_i].want));
}
END_TEST

START_TEST(checkin_opens_saturates)
{
	struct activity act = ACT(10, 3, 0, 1);

	ck_assert_int_eq(activity_checkin_opens(&act, 60), START - H);
	ck_assert_int_eq(activity_checkin_opens(&act, 0), START);
	act.start = INT64_MIN + 59;
	ck_assert_int_eq(activity_checkin_opens(&act, 1), INT64_MIN);
	act.start = INT64_MIN + 60;
	ck_assert_int_eq(activity_checkin_opens(&act, 1), INT64_MIN);
	act.start = INT64_MIN + 61;
	ck_assert_int_eq(activity_checkin_opens(&act, 1), INT64_MIN + 1);
	act.start = INT64_MIN;
	ck_assert_int_eq(activity_checkin(&act, SU_SIGNED, INT64_MIN, 60),
	    CHECKIN_OK);
}
END_TEST

static const struct {
	enum su_state s;
	enum attendance want;
} close_rows[] = {
	{ SU_SIGNED, ATT_ABSENT },
	{ SU_ATTENDED, ATT_ATTENDED },
	{ SU_LEAVE, ATT_LEAVE },
	{ SU_WAITLISTED, ATT_NONE },
	{ SU_CANCELLED, ATT_NONE },
	{ SU_NONE, ATT_NONE },
	{ SU_ABSENT, ATT_NONE },
	{ (enum su_state)42, ATT_NONE },
};

START_TEST(close_marks_signed_absent)
{
	enum attendance got = activity_close_attendance(close_rows[_i].s);

	ck_assert_msg(got == close_rows[_i].want, "row %d (%s): got %d", _i,
	    su_state_str(close_rows[_i].s), got);
}
END_TEST

/* Three sign-ups left unattended restrict; the fourth sign-up is refused. */
START_TEST(absences_feed_the_covenant)
{
	static const struct covenant_cfg spec = { 3, 1 };
	struct activity act = ACT(10, 0, 0, 1);
	struct standing st = { 0, 0 };
	int k;

	for (k = 0; k < 3; k++)
		covenant_close(&spec, &st,
		    activity_close_attendance(SU_SIGNED));
	ck_assert_int_eq(activity_signup(&act, SU_NONE,
			     !covenant_may_sign_up(&st), 0, 100, START - 86400),
	    SIGNUP_RESTRICTED);
}
END_TEST

static const struct {
	const char *s;
	enum su_state want;
} state_rows[] = {
	{ "signed", SU_SIGNED },
	{ "waitlisted", SU_WAITLISTED },
	{ "cancelled", SU_CANCELLED },
	{ "leave", SU_LEAVE },
	{ "attended", SU_ATTENDED },
	{ "absent", SU_ABSENT },
	{ "none", SU_NONE },
	{ "", SU_NONE },
	{ NULL, SU_NONE },
	{ "Signed", SU_NONE },
	{ "canceled", SU_NONE },
	{ "signed ", SU_NONE },
};

START_TEST(state_names_are_the_stored_ones)
{
	enum su_state got = su_state_parse(state_rows[_i].s);

	ck_assert_msg(got == state_rows[_i].want, "row %d: got %s", _i,
	    su_state_str(got));
	if (state_rows[_i].s != NULL && got != SU_NONE)
		ck_assert_str_eq(su_state_str(got), state_rows[_i].s);
}
END_TEST

START_TEST(outcome_names_are_message_keys)
{
	ck_assert_str_eq(su_state_str((enum su_state)7), "unknown");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_OK), "signup_ok");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_WAITLIST),
	    "signup_waitlist");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_ALREADY), "signup_already");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_CLOSED), "signup_closed");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_RESTRICTED),
	    "signup_restricted");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_BLACKLISTED),
	    "signup_blacklisted");
	ck_assert_str_eq(signup_outcome_str(SIGNUP_CREDIT), "signup_credit");
	ck_assert_str_eq(signup_outcome_str((enum signup_outcome)9), "unknown");
	ck_assert_str_eq(cancel_outcome_str(CANCEL_OK), "cancel_ok");
	ck_assert_str_eq(cancel_outcome_str(CANCEL_NONE), "cancel_none");
	ck_assert_str_eq(cancel_outcome_str(CANCEL_STARTED), "cancel_started");
	ck_assert_str_eq(leave_outcome_str(LEAVE_OK), "leave_ok");
	ck_assert_str_eq(leave_outcome_str(LEAVE_NONE), "leave_none");
	ck_assert_str_eq(leave_outcome_str(LEAVE_STARTED), "leave_started");
	ck_assert_str_eq(checkin_outcome_str(CHECKIN_OK), "checkin_ok");
	ck_assert_str_eq(checkin_outcome_str(CHECKIN_EARLY), "checkin_early");
	ck_assert_str_eq(checkin_outcome_str(CHECKIN_NONE), "checkin_none");
	ck_assert_str_eq(checkin_outcome_str(CHECKIN_ALREADY),
	    "checkin_already");
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *activity_suite(void);

Suite *
activity_suite(void)
{
	Suite *s = suite_create("activity");
	TCase *tc = tcase_create("activity");

	tcase_add_loop_test(tc, signup_precedence, 0, NROWS(signup_rows));
	tcase_add_test(tc, full_activity_waitlists);
	tcase_add_loop_test(tc, promotion_fills_free_seats_only, 0,
	    NROWS(promote_rows));
	tcase_add_loop_test(tc, cancel_after_start_refused, 0,
	    NROWS(cancel_rows));
	tcase_add_loop_test(tc, leave_after_start_refused, 0,
	    NROWS(leave_rows));
	tcase_add_loop_test(tc, checkin_window_opens_one_hour_before, 0,
	    NROWS(checkin_rows));
	tcase_add_test(tc, checkin_opens_saturates);
	tcase_add_loop_test(tc, close_marks_signed_absent, 0,
	    NROWS(close_rows));
	tcase_add_test(tc, absences_feed_the_covenant);
	tcase_add_loop_test(tc, state_names_are_the_stored_ones, 0,
	    NROWS(state_rows));
	tcase_add_test(tc, outcome_names_are_message_keys);
	suite_add_tcase(s, tc);
	return (s);
}
