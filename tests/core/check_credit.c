/*
 * check_credit.c -- the credit score (SPEC section 3): core/credit.h.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "core/credit.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* SPEC section 3 defaults. */
static const struct credit_rules spec = { 100, 2, -10, -3, -2, -5, -20 };

static const struct {
	enum credit_reason why;
	int manual;
	int want;
	const char *name;
} delta_rows[] = {
	{ CREDIT_ATTENDED, 0, 2, "attended" },
	{ CREDIT_ABSENT, 0, -10, "absent" },
	{ CREDIT_LATE_CANCEL, 0, -3, "late_cancel" },
	{ CREDIT_REMIND, 0, -2, "remind" },
	{ CREDIT_WARN, 0, -5, "warn" },
	{ CREDIT_BLACKLIST, 0, -20, "blacklist" },
	{ CREDIT_MANUAL, 7, 7, "manual" },
	{ CREDIT_MANUAL, -15, -15, "manual" },
	{ CREDIT_MANUAL, 0, 0, "manual" },
	{ CREDIT_ABSENT, 99, -10, "absent" }, /* manual ignored */
	{ (enum credit_reason)42, 5, 0, "unknown" },
};

START_TEST(each_reason_has_its_delta)
{
	int got;

	got = credit_delta(&spec, delta_rows[_i].why, delta_rows[_i].manual);
	ck_assert_msg(got == delta_rows[_i].want, "row %d: got %d want %d", _i,
	    got, delta_rows[_i].want);
	ck_assert_msg(strcmp(credit_reason_str(delta_rows[_i].why),
			  delta_rows[_i].name) == 0,
	    "row %d: name %s", _i, credit_reason_str(delta_rows[_i].why));
}
END_TEST

static const struct {
	int score, delta, want;
} apply_rows[] = {
	{ 100, 2, 102 },
	{ 100, -10, 90 },
	{ 10, -10, 0 },
	{ 9, -10, 0 }, /* floor */
	{ 0, -20, 0 },
	{ 0, 0, 0 },
	{ 0, 1, 1 },
	{ 3, INT_MIN, 0 },
	{ CREDIT_MAX, 1, CREDIT_MAX }, /* ceiling */
	{ CREDIT_MAX - 1, 1, CREDIT_MAX },
	{ CREDIT_MAX, -1, CREDIT_MAX - 1 },
	{ 100, INT_MAX, CREDIT_MAX },
	{ INT_MAX, INT_MAX, CREDIT_MAX }, /* no overflow */
	{ INT_MAX, 0, CREDIT_MAX },       /* corrupt stored value */
	{ -5, 0, 0 },                     /* corrupt stored value */
	{ -5, 8, 3 },
	{ INT_MIN, INT_MIN, 0 },
};

START_TEST(credit_never_below_zero)
{
	int got = credit_apply(apply_rows[_i].score, apply_rows[_i].delta);

	ck_assert_msg(got == apply_rows[_i].want,
	    "row %d: %d%+d got %d want %d", _i, apply_rows[_i].score,
	    apply_rows[_i].delta, got, apply_rows[_i].want);
	ck_assert_msg(got >= 0 && got <= CREDIT_MAX, "row %d: range", _i);
}
END_TEST

/* A member absent eleven times from 100 ends at 0, and one attendance
 * then gives 2, not -8. */
START_TEST(floor_is_not_a_debt)
{
	int score = spec.initial, i;

	for (i = 0; i < 11; i++)
		score =
		    credit_apply(score, credit_delta(&spec, CREDIT_ABSENT, 0));
	ck_assert_int_eq(score, 0);
	score = credit_apply(score, credit_delta(&spec, CREDIT_ATTENDED, 0));
	ck_assert_int_eq(score, 2);
}
END_TEST

#define START 1700000000
static const struct {
	int64_t now, start;
	unsigned int hours;
	int want;
} late_rows[] = {
	{ START - 2 * 3600 - 1, START, 2, 0 }, /* one second early enough */
	{ START - 2 * 3600, START, 2, 1 },     /* exactly 2 h before: late */
	{ START - 2 * 3600 + 1, START, 2, 1 },
	{ START - 1, START, 2, 1 },
	{ START, START, 2, 1 }, /* at the start */
	{ START + 3600, START, 2, 1 },
	{ START - 86400, START, 2, 0 },
	{ START - 1, START, 0, 0 }, /* no window */
	{ START, START, 0, 1 },
	{ START - 24 * 3600, START, 24, 1 },
	{ START - 24 * 3600 - 1, START, 24, 0 },
	{ INT64_MIN, INT64_MAX, 2, 0 },            /* no overflow */
	{ INT64_MIN, INT64_MAX, UINT_MAX, 0 },     /* still far */
	{ INT64_MAX - 1, INT64_MAX, UINT_MAX, 1 }, /* huge window */
	{ 0, (int64_t)UINT_MAX * 3600, UINT_MAX, 1 },
	{ -1, (int64_t)UINT_MAX * 3600, UINT_MAX, 0 },
};

START_TEST(late_cancel_window_edges)
{
	int got = credit_late_cancel(late_rows[_i].now, late_rows[_i].start,
	    late_rows[_i].hours);

	ck_assert_msg(got == late_rows[_i].want,
	    "row %d: now %lld start %lld h %u: got %d", _i,
	    (long long)late_rows[_i].now, (long long)late_rows[_i].start,
	    late_rows[_i].hours, got);
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *credit_suite(void);

Suite *
credit_suite(void)
{
	Suite *s = suite_create("credit");
	TCase *tc = tcase_create("credit");

	tcase_add_loop_test(tc, each_reason_has_its_delta, 0,
	    NROWS(delta_rows));
	tcase_add_loop_test(tc, credit_never_below_zero, 0, NROWS(apply_rows));
	tcase_add_test(tc, floor_is_not_a_debt);
	tcase_add_loop_test(tc, late_cancel_window_edges, 0, NROWS(late_rows));
	suite_add_tcase(s, tc);
	return (s);
}
