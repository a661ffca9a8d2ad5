/*
 * check_warn.c -- the warning ladder (SPEC section 3): core/warn.h.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "core/credit.h"
#include "core/warn.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DAY      86400
#define T0       1700000000

/* SPEC default ladder. */
static const enum warn_rung spec_ladder[] = { RUNG_REMIND, RUNG_WARN,
	RUNG_BLACKLIST };

static const struct {
	const char *s;
	int rc;
	enum warn_rung want;
} parse_rows[] = {
	{ "remind", 0, RUNG_REMIND },
	{ "warn", 0, RUNG_WARN },
	{ "blacklist", 0, RUNG_BLACKLIST },
	{ "Remind", -1, RUNG_REMIND },
	{ "warn ", -1, RUNG_REMIND },
	{ "", -1, RUNG_REMIND },
	{ "ban", -1, RUNG_REMIND },
	{ "blacklisted", -1, RUNG_REMIND },
	{ NULL, -1, RUNG_REMIND },
};

START_TEST(rung_names_parse_exactly)
{
	enum warn_rung r = (enum warn_rung)77;
	int rc = warn_rung_parse(parse_rows[_i].s, &r);

	ck_assert_msg(rc == parse_rows[_i].rc, "row %d: rc %d", _i, rc);
	if (rc == 0) {
		ck_assert_msg(r == parse_rows[_i].want, "row %d: rung %d", _i,
		    r);
		ck_assert_str_eq(warn_rung_str(r), parse_rows[_i].s);
	} else
		ck_assert_msg(r == (enum warn_rung)77, "row %d: *out set", _i);
}
END_TEST

START_TEST(rung_strings)
{
	ck_assert_str_eq(warn_rung_str(RUNG_REMIND), "remind");
	ck_assert_str_eq(warn_rung_str(RUNG_WARN), "warn");
	ck_assert_str_eq(warn_rung_str(RUNG_BLACKLIST), "blacklist");
	ck_assert_str_eq(warn_rung_str((enum warn_rung)3), "unknown");
	ck_assert_int_eq(warn_credit_reason(RUNG_REMIND), CREDIT_REMIND);
	ck_assert_int_eq(warn_credit_reason(RUNG_WARN), CREDIT_WARN);
	ck_assert_int_eq(warn_credit_reason(RUNG_BLACKLIST), CREDIT_BLACKLIST);
}
END_TEST

/* A strike given at T0 with 90 days is active until, not at, its expiry. */
static const struct {
	int64_t now;
	unsigned int want;
} expiry_rows[] = {
	{ T0, 1 }, { T0 + 90 * DAY - 1, 1 },
	{ T0 + 90 * DAY, 0 }, /* expired exactly at the expiry */
	{ T0 + 90 * DAY + 1, 0 },
	{ T0 - 1, 1 }, /* clock behind the issuer: still active */
};

START_TEST(strikes_expire_after_90_days)
{
	int64_t e = warn_expiry(T0, 90);
	unsigned int got;

	ck_assert_int_eq(e, T0 + 90 * DAY);
	got = warn_active(&e, 1, expiry_rows[_i].now);
	ck_assert_msg(got == expiry_rows[_i].want, "row %d: got %u", _i, got);
}
END_TEST

START_TEST(active_counts_only_unexpired)
{
	const int64_t ex[] = { T0 - 5, T0, T0 + 1, T0 + 90 * DAY, INT64_MIN,
		INT64_MAX };

	ck_assert_uint_eq(warn_active(ex, 6, T0), 3);
	ck_assert_uint_eq(warn_active(ex, 6, T0 - 6), 5);
	ck_assert_uint_eq(warn_active(ex, 6, INT64_MAX), 0);
	ck_assert_uint_eq(warn_active(ex, 0, T0), 0);
	ck_assert_uint_eq(warn_active(NULL, 0, T0), 0);
}
END_TEST

static const struct {
	unsigned int days;
	int64_t now, want;
} expiry_calc_rows[] = {
	{ 90, T0, T0 + 90 * DAY },
	{ 1, 0, DAY },
	{ 0, T0, T0 }, /* already expired */
	{ 90, INT64_MAX - 10, INT64_MAX },
	{ UINT_MAX, INT64_MAX - (int64_t)UINT_MAX *DAY,
	    INT64_MAX }, /* exactly fits */
	{ UINT_MAX, INT64_MAX - (int64_t)UINT_MAX *DAY + 1, INT64_MAX },
	{ UINT_MAX, 0, (int64_t)UINT_MAX *DAY },
	{ 90, -90 * DAY, 0 },
};

START_TEST(expiry_saturates)
{
	int64_t got =
	    warn_expiry(expiry_calc_rows[_i].now, expiry_calc_rows[_i].days);

	ck_assert_msg(got == expiry_calc_rows[_i].want, "row %d: got %lld", _i,
	    (long long)got);
}
END_TEST

/* Strike n (active_before n - 1) applies rung n of the default ladder. */
START_TEST(third_warn_blacklists)
{
	int64_t ex[3];
	unsigned int active;
	int64_t now = T0;
	size_t k;
	const enum warn_rung want[] = { RUNG_REMIND, RUNG_WARN,
		RUNG_BLACKLIST };

	for (k = 0; k < 3; k++) {
		active = warn_active(ex, k, now);
		ck_assert_uint_eq(active, k);
		ck_assert_msg(warn_next(spec_ladder, 3, active) == want[k],
		    "strike %zu", k + 1);
		ex[k] = warn_expiry(now, 90);
		now += 10 * DAY;
	}
}
END_TEST

/* The first strike expired: the next one counts as the second. */
START_TEST(expired_strike_moves_back_down)
{
	int64_t ex[2];

	ex[0] = warn_expiry(T0, 90);
	ex[1] = warn_expiry(T0 + 60 * DAY, 90);
	ck_assert_uint_eq(warn_active(ex, 2, T0 + 100 * DAY), 1);
	ck_assert_int_eq(warn_next(spec_ladder, 3,
			     warn_active(ex, 2, T0 + 100 * DAY)),
	    RUNG_WARN);
	ck_assert_int_eq(warn_next(spec_ladder, 3,
			     warn_active(ex, 2, T0 + 89 * DAY)),
	    RUNG_BLACKLIST);
}
END_TEST

static const enum warn_rung ladder_ww[] = { RUNG_WARN, RUNG_WARN };
static const enum warn_rung ladder_b[] = { RUNG_BLACKLIST };
static const enum warn_rung ladder_rrrb[] = { RUNG_REMIND, RUNG_REMIND,
	RUNG_REMIND, RUNG_BLACKLIST };

static const struct {
	const enum warn_rung *ladder;
	size_t n;
	unsigned int active_before;
	enum warn_rung want;
} next_rows[] = {
	{ spec_ladder, 3, 0, RUNG_REMIND },
	{ spec_ladder, 3, 1, RUNG_WARN },
	{ spec_ladder, 3, 2, RUNG_BLACKLIST },
	{ spec_ladder, 3, 3, RUNG_BLACKLIST },
	{ spec_ladder, 3, 4, RUNG_BLACKLIST },
	{ spec_ladder, 3, UINT_MAX, RUNG_BLACKLIST }, /* no wrap */
	{ ladder_ww, 2, 0, RUNG_WARN },
	{ ladder_ww, 2, 5, RUNG_WARN },
	{ ladder_b, 1, 0, RUNG_BLACKLIST },
	{ ladder_b, 1, 9, RUNG_BLACKLIST },
	{ ladder_rrrb, 4, 2, RUNG_REMIND },
	{ ladder_rrrb, 4, 3, RUNG_BLACKLIST },
	{ ladder_rrrb, 4, 4, RUNG_BLACKLIST },
	{ NULL, 0, 0, RUNG_REMIND }, /* empty ladder */
	{ NULL, 0, 7, RUNG_REMIND },
};

START_TEST(ladder_beyond_last_rung)
{
	enum warn_rung got = warn_next(next_rows[_i].ladder, next_rows[_i].n,
	    next_rows[_i].active_before);

	ck_assert_msg(got == next_rows[_i].want, "row %d: got %s want %s", _i,
	    warn_rung_str(got), warn_rung_str(next_rows[_i].want));
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *warn_suite(void);

Suite *
warn_suite(void)
{
	Suite *s = suite_create("warn");
	TCase *tc = tcase_create("ladder");

	tcase_add_loop_test(tc, rung_names_parse_exactly, 0, NROWS(parse_rows));
	tcase_add_test(tc, rung_strings);
	tcase_add_loop_test(tc, strikes_expire_after_90_days, 0,
	    NROWS(expiry_rows));
	tcase_add_test(tc, active_counts_only_unexpired);
	tcase_add_loop_test(tc, expiry_saturates, 0, NROWS(expiry_calc_rows));
	tcase_add_test(tc, third_warn_blacklists);
	tcase_add_test(tc, expired_strike_moves_back_down);
	tcase_add_loop_test(tc, ladder_beyond_last_rung, 0, NROWS(next_rows));
	suite_add_tcase(s, tc);
	return (s);
}
