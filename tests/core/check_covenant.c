/*
 * check_covenant.c -- attendance strikes (SPEC section 3): core/covenant.h.
 * The rows of each_closing_applies_the_rule are the cases the Lua mirror
 * must agree with.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <check.h>

#include "core/covenant.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct covenant_cfg spec = { 3, 1 }; /* SPEC defaults */

/* Three misses in a row bar the member from the fourth activity only. */
START_TEST(three_absences_bar_the_fourth)
{
	struct standing st = { 0, 0 };

	ck_assert_int_eq(covenant_close(&spec, &st, ATT_ABSENT), COVENANT_SAME);
	ck_assert(covenant_may_sign_up(&st));
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_ABSENT), COVENANT_SAME);
	ck_assert(covenant_may_sign_up(&st));
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_ABSENT),
	    COVENANT_RESTRICTED);
	ck_assert(!covenant_may_sign_up(&st));
	ck_assert_uint_eq(st.absences, 3);
	ck_assert_uint_eq(st.serve_left, 1);
	/* The fourth activity closes without them: that serves it. */
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_NONE), COVENANT_LIFTED);
	ck_assert(covenant_may_sign_up(&st));
	ck_assert_uint_eq(st.absences, 0);
	ck_assert_uint_eq(st.serve_left, 0);
}
END_TEST

START_TEST(restriction_lifts_after_one_closing)
{
	struct standing st = { 3, 1 };

	ck_assert_int_eq(covenant_close(&spec, &st, ATT_NONE), COVENANT_LIFTED);
	ck_assert_uint_eq(st.serve_left, 0);
	ck_assert_uint_eq(st.absences, 0);
	/* Free again: the next closing changes nothing. */
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_NONE), COVENANT_SAME);
	ck_assert_uint_eq(st.absences, 0);
}
END_TEST

/* restriction_activities 2: two closings to serve, the first is SAME. */
START_TEST(restriction_of_two_closings_needs_two)
{
	static const struct covenant_cfg two = { 2, 2 };
	struct standing st = { 1, 0 };

	ck_assert_int_eq(covenant_close(&two, &st, ATT_ABSENT),
	    COVENANT_RESTRICTED);
	ck_assert_uint_eq(st.serve_left, 2);
	ck_assert_int_eq(covenant_close(&two, &st, ATT_NONE), COVENANT_SAME);
	ck_assert(!covenant_may_sign_up(&st));
	ck_assert_uint_eq(st.serve_left, 1);
	ck_assert_uint_eq(st.absences, 2);
	ck_assert_int_eq(covenant_close(&two, &st, ATT_NONE), COVENANT_LIFTED);
	ck_assert(covenant_may_sign_up(&st));
	ck_assert_uint_eq(st.absences, 0);
}
END_TEST

START_TEST(leave_keeps_count_attendance_resets)
{
	struct standing st = { 2, 0 };

	ck_assert_int_eq(covenant_close(&spec, &st, ATT_LEAVE), COVENANT_SAME);
	ck_assert_uint_eq(st.absences, 2);
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_NONE), COVENANT_SAME);
	ck_assert_uint_eq(st.absences, 2);
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_ATTENDED),
	    COVENANT_SAME);
	ck_assert_uint_eq(st.absences, 0);
	ck_assert_uint_eq(st.serve_left, 0);
}
END_TEST

/* Leave between absences does not break the run: A, L, A, A restricts. */
START_TEST(leave_does_not_break_a_run)
{
	struct standing st = { 0, 0 };

	covenant_close(&spec, &st, ATT_ABSENT);
	covenant_close(&spec, &st, ATT_LEAVE);
	covenant_close(&spec, &st, ATT_ABSENT);
	ck_assert_int_eq(covenant_close(&spec, &st, ATT_ABSENT),
	    COVENANT_RESTRICTED);
}
END_TEST

START_TEST(restriction_zero_disables)
{
	static const struct covenant_cfg off = { 3, 0 };
	struct standing st = { 0, 0 };
	int i;

	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(covenant_close(&off, &st, ATT_ABSENT),
		    COVENANT_SAME);
		ck_assert(covenant_may_sign_up(&st));
	}
	ck_assert_uint_eq(st.absences, 10); /* still counted, for /me */
	ck_assert_uint_eq(st.serve_left, 0);
}
END_TEST

START_TEST(absence_limit_zero_acts_as_one)
{
	static const struct covenant_cfg zero = { 0, 1 };
	struct standing st = { 0, 0 };

	ck_assert_int_eq(covenant_close(&zero, &st, ATT_ATTENDED),
	    COVENANT_SAME);
	ck_assert_int_eq(covenant_close(&zero, &st, ATT_ABSENT),
	    COVENANT_RESTRICTED);
}
END_TEST

START_TEST(absences_saturate)
{
	static const struct covenant_cfg off = { 3, 0 };
	struct standing st = { UINT_MAX, 0 };

	ck_assert_int_eq(covenant_close(&off, &st, ATT_ABSENT), COVENANT_SAME);
	ck_assert_uint_eq(st.absences, UINT_MAX);
}
END_TEST

/* Every attendance against every interesting standing, one closing each. */
static const struct {
	struct covenant_cfg cfg;
	struct standing in;
	enum attendance att;
	enum covenant_change want;
	struct standing out;
} close_rows[] = {
	/* free, below the limit */
	{ { 3, 1 }, { 0, 0 }, ATT_NONE, COVENANT_SAME, { 0, 0 } },
	{ { 3, 1 }, { 0, 0 }, ATT_ATTENDED, COVENANT_SAME, { 0, 0 } },
	{ { 3, 1 }, { 0, 0 }, ATT_LEAVE, COVENANT_SAME, { 0, 0 } },
	{ { 3, 1 }, { 0, 0 }, ATT_ABSENT, COVENANT_SAME, { 1, 0 } },
	{ { 3, 1 }, { 1, 0 }, ATT_ABSENT, COVENANT_SAME, { 2, 0 } },
	{ { 3, 1 }, { 2, 0 }, ATT_NONE, COVENANT_SAME, { 2, 0 } },
	{ { 3, 1 }, { 2, 0 }, ATT_LEAVE, COVENANT_SAME, { 2, 0 } },
	{ { 3, 1 }, { 2, 0 }, ATT_ATTENDED, COVENANT_SAME, { 0, 0 } },
	/* reaching the limit */
	{ { 3, 1 }, { 2, 0 }, ATT_ABSENT, COVENANT_RESTRICTED, { 3, 1 } },
	{ { 3, 4 }, { 2, 0 }, ATT_ABSENT, COVENANT_RESTRICTED, { 3, 4 } },
	{ { 1, 1 }, { 0, 0 }, ATT_ABSENT, COVENANT_RESTRICTED, { 1, 1 } },
	/* a stored count already past the limit (limit lowered) */
	{ { 3, 1 }, { 5, 0 }, ATT_ABSENT, COVENANT_RESTRICTED, { 6, 1 } },
	{ { 3, 1 }, { 5, 0 }, ATT_NONE, COVENANT_SAME, { 5, 0 } },
	/* serving: attendance is ignored, each closing counts */
	{ { 3, 1 }, { 3, 1 }, ATT_NONE, COVENANT_LIFTED, { 0, 0 } },
	{ { 3, 1 }, { 3, 1 }, ATT_ABSENT, COVENANT_LIFTED, { 0, 0 } },
	{ { 3, 1 }, { 3, 1 }, ATT_ATTENDED, COVENANT_LIFTED, { 0, 0 } },
	{ { 3, 1 }, { 3, 1 }, ATT_LEAVE, COVENANT_LIFTED, { 0, 0 } },
	{ { 3, 2 }, { 3, 2 }, ATT_ABSENT, COVENANT_SAME, { 3, 1 } },
	{ { 3, 2 }, { 3, 2 }, ATT_ATTENDED, COVENANT_SAME, { 3, 1 } },
	/* serving continues even if the config turned restrictions off */
	{ { 3, 0 }, { 3, 2 }, ATT_NONE, COVENANT_SAME, { 3, 1 } },
	{ { 3, 0 }, { 3, 1 }, ATT_NONE, COVENANT_LIFTED, { 0, 0 } },
	/* disabled */
	{ { 3, 0 }, { 2, 0 }, ATT_ABSENT, COVENANT_SAME, { 3, 0 } },
	{ { 3, 0 }, { 3, 0 }, ATT_ABSENT, COVENANT_SAME, { 4, 0 } },
	/* not an attendance value: nothing changes */
	{ { 3, 1 }, { 2, 0 }, (enum attendance)99, COVENANT_SAME, { 2, 0 } },
};

START_TEST(each_closing_applies_the_rule)
{
	struct standing st = close_rows[_i].in;
	enum covenant_change got;

	got = covenant_close(&close_rows[_i].cfg, &st, close_rows[_i].att);
	ck_assert_msg(got == close_rows[_i].want, "row %d: got %s want %s", _i,
	    covenant_change_str(got), covenant_change_str(close_rows[_i].want));
	ck_assert_msg(st.absences == close_rows[_i].out.absences,
	    "row %d: absences %u want %u", _i, st.absences,
	    close_rows[_i].out.absences);
	ck_assert_msg(st.serve_left == close_rows[_i].out.serve_left,
	    "row %d: serve_left %u want %u", _i, st.serve_left,
	    close_rows[_i].out.serve_left);
	ck_assert_msg(covenant_may_sign_up(&st) == (st.serve_left == 0),
	    "row %d: may_sign_up", _i);
}
END_TEST

/*
 * Whole histories under the SPEC defaults: one letter per closing (A
 * absent, T attended, L leave, N not signed up), and after each the
 * expected sign-up right (1 free, 0 restricted).
 */
static const struct {
	const char *history;
	const char *may;
} history_rows[] = {
	{ "AAAN", "1101" }, { "AATAAA", "111110" }, { "AALAN", "11101" },
	{ "AAAAA", "11011" }, /* served, then the count starts again */
	{ "AAAAAAA", "1101110" }, { "NNNNNN", "111111" },
	{ "AANAAN", "111011" }, /* N keeps the count: barred after the 4th */
};

START_TEST(histories_under_the_defaults)
{
	struct standing st = { 0, 0 };
	const char *h = history_rows[_i].history;
	enum attendance att;
	size_t k;

	ck_assert_uint_eq(strlen(h), strlen(history_rows[_i].may));
	for (k = 0; h[k] != '\0'; k++) {
		switch (h[k]) {
		case 'A':
			att = ATT_ABSENT;
			break;
		case 'T':
			att = ATT_ATTENDED;
			break;
		case 'L':
			att = ATT_LEAVE;
			break;
		default:
			att = ATT_NONE;
			break;
		}
		covenant_close(&spec, &st, att);
		ck_assert_msg(covenant_may_sign_up(&st) ==
				  (history_rows[_i].may[k] == '1'),
		    "row %d (%s): closing %zu", _i, h, k + 1);
	}
}
END_TEST

START_TEST(change_names)
{
	ck_assert_str_eq(covenant_change_str(COVENANT_SAME), "same");
	ck_assert_str_eq(covenant_change_str(COVENANT_RESTRICTED),
	    "restricted");
	ck_assert_str_eq(covenant_change_str(COVENANT_LIFTED), "lifted");
	ck_assert_str_eq(covenant_change_str((enum covenant_change)7),
	    "unknown");
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *covenant_suite(void);

Suite *
covenant_suite(void)
{
	Suite *s = suite_create("covenant");
	TCase *tc = tcase_create("attendance");

	tcase_add_test(tc, three_absences_bar_the_fourth);
	tcase_add_test(tc, restriction_lifts_after_one_closing);
	tcase_add_test(tc, restriction_of_two_closings_needs_two);
	tcase_add_test(tc, leave_keeps_count_attendance_resets);
	tcase_add_test(tc, leave_does_not_break_a_run);
	tcase_add_test(tc, restriction_zero_disables);
	tcase_add_test(tc, absence_limit_zero_acts_as_one);
	tcase_add_test(tc, absences_saturate);
	tcase_add_loop_test(tc, each_closing_applies_the_rule, 0,
	    NROWS(close_rows));
	tcase_add_loop_test(tc, histories_under_the_defaults, 0,
	    NROWS(history_rows));
	tcase_add_test(tc, change_names);
	suite_add_tcase(s, tc);
	return (s);
}
