/*
 * check_ratelimit.c -- GCRA send-rate arithmetic (SPEC section 5):
 * core/ratelimit.h.  Times are numbers chosen here; nothing is timed.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "core/ratelimit.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define T0       UINT64_C(5000000) /* an arbitrary monotonic start */

static const struct {
	double per_second;
	uint64_t want;
} period_rows[] = {
	{ 30, 34 },          /* Telegram: rounded up, 29.4/s */
	{ 50, 20 },          /* Feishu */
	{ 20.0 / 60, 3000 }, /* 20 a minute: not 3001 */
	{ 1.0 / 60, 60000 },
	{ 1, 1000 },
	{ 3, 334 },
	{ 7, 143 },
	{ 0.5, 2000 },
	{ 1000, 1 },
	{ 999, 2 },  /* 1.001 ms: up */
	{ 2000, 1 }, /* faster than 1/ms: 1 ms */
	{ 1e9, 1 },
	{ 1e-12, RATELIMIT_PERIOD_MAX_MS },
	{ 0, 0 },
	{ -5, 0 },
	{ NAN, 0 },
	{ -INFINITY, 0 },
	{ INFINITY, 1 },
};

START_TEST(period_rounds_up)
{
	uint64_t got = ratelimit_period_ms(period_rows[_i].per_second);

	ck_assert_msg(got == period_rows[_i].want, "row %d: got %llu", _i,
	    (unsigned long long)got);
}
END_TEST

/* One take from a given state: the whole formula, edge by edge. */
static const struct {
	uint64_t tat, period, burst, now;
	int want;
	uint64_t wait, tat_after;
} take_rows[] = {
	/* idle */
	{ 0, 100, 1, T0, 1, 0, T0 + 100 },
	{ 0, 100, 0, T0, 1, 0, T0 + 100 }, /* burst 0 acts as 1 */
	{ T0 - 1, 100, 1, T0, 1, 0, T0 + 100 },
	/* burst 1: one per period, exact at the edge */
	{ T0 + 100, 100, 1, T0, 0, 100, T0 + 100 },
	{ T0 + 100, 100, 1, T0 + 99, 0, 1, T0 + 100 },
	{ T0 + 100, 100, 1, T0 + 100, 1, 0, T0 + 200 },
	/* burst 3: up to 200 ms ahead of now is tolerated */
	{ T0 + 200, 100, 3, T0, 1, 0, T0 + 300 },
	{ T0 + 300, 100, 3, T0, 0, 100, T0 + 300 },
	{ T0 + 300, 100, 3, T0 + 100, 1, 0, T0 + 400 },
	{ T0 + 201, 100, 3, T0, 0, 1, T0 + 201 },
	/* clock behind the schedule by 10 s: waits those 10 s */
	{ T0 + 100, 100, 1, T0 - 10000, 0, 10100, T0 + 100 },
	/* unlimited */
	{ T0 + 5000, 0, 1, T0, 1, 0, T0 + 5000 },
	/* saturation: no wrap near the top of the clock */
	{ UINT64_MAX - 10, 100, 1, UINT64_MAX - 10, 1, 0, UINT64_MAX },
	{ UINT64_MAX, 100, 1, UINT64_MAX - 50, 0, 50, UINT64_MAX },
	{ 0, UINT64_MAX, UINT64_MAX, T0, 1, 0, UINT64_MAX },
	{ T0 + 1000, 1000, UINT64_MAX, T0, 1, 0, T0 + 2000 },
};

START_TEST(take_follows_the_formula)
{
	struct ratelimit rl = { take_rows[_i].tat };
	uint64_t wait = 12345;
	int got;

	got = ratelimit_take(&rl, take_rows[_i].period, take_rows[_i].burst,
	    take_rows[_i].now, &wait);
	ck_assert_msg(got == take_rows[_i].want, "row %d: got %d", _i, got);
	ck_assert_msg(wait == take_rows[_i].wait, "row %d: wait %llu", _i,
	    (unsigned long long)wait);
	ck_assert_msg(rl.tat_ms == take_rows[_i].tat_after, "row %d: tat %llu",
	    _i, (unsigned long long)rl.tat_ms);
	/* wait_ms may be NULL */
	rl.tat_ms = take_rows[_i].tat;
	ck_assert_int_eq(ratelimit_take(&rl, take_rows[_i].period,
			     take_rows[_i].burst, take_rows[_i].now, NULL),
	    take_rows[_i].want);
}
END_TEST

/* From idle, `burst' pass at once, then one per period, never sooner. */
START_TEST(burst_then_one_per_period)
{
	struct ratelimit rl;
	uint64_t wait, now = T0;
	int k;

	ratelimit_init(&rl);
	ck_assert_uint_eq(rl.tat_ms, 0);
	for (k = 0; k < 30; k++)
		ck_assert_msg(ratelimit_take(&rl, 34, 30, now, &wait) == 1,
		    "burst send %d", k);
	ck_assert_int_eq(ratelimit_take(&rl, 34, 30, now, &wait), 0);
	ck_assert_uint_eq(wait, 34);
	for (k = 0; k < 100; k++) {
		now += 33;
		ck_assert_int_eq(ratelimit_take(&rl, 34, 30, now, &wait), 0);
		ck_assert_uint_eq(wait, 1);
		now += 1;
		ck_assert_int_eq(ratelimit_take(&rl, 34, 30, now, &wait), 1);
	}
}
END_TEST

/* A tiny deterministic generator: the same attempts on every run. */
static uint64_t
lcg_next(uint64_t *s)
{
	*s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (*s >> 33);
}

#define ATTEMPTS 10000

static const struct {
	double per_second;
	uint64_t burst;
	uint64_t max_gap_ms; /* attempts come 0..max_gap_ms apart */
} window_rows[] = {
	{ 30, 30, 20 }, /* Telegram: attempts faster than the rate */
	{ 50, 50, 5 },  /* Feishu, hammered */
	{ 50, 1, 40 }, { 1, 5, 400 },
	{ 20.0 / 60, 1, 1500 }, /* per chat: 20 a minute */
	{ 10, 0, 300 },         /* burst 0 as 1, attempts around the rate */
	{ 1000, 10, 1 },        /* 1 ms period */
};

/*
 * Any 1 s window [t, t + 1000) holds at most burst + ceil(1000 / T) - 1
 * granted sends, hence never more than rate + burst.  Each refusal's
 * wait is also exact: one ms sooner is refused, the wait itself grants.
 */
START_TEST(gcra_never_exceeds_rate_over_any_window)
{
	static uint64_t sent[ATTEMPTS];
	struct ratelimit rl, probe;
	uint64_t period = ratelimit_period_ms(window_rows[_i].per_second);
	uint64_t burst = window_rows[_i].burst ? window_rows[_i].burst : 1;
	uint64_t seed = 42 + (uint64_t)_i, now = T0, wait, bound, spec_bound;
	size_t n = 0, lo = 0, hi, k;
	double rate = window_rows[_i].per_second;

	ratelimit_init(&rl);
	for (k = 0; k < ATTEMPTS; k++) {
		now += lcg_next(&seed) % (window_rows[_i].max_gap_ms + 1);
		if (ratelimit_take(&rl, period, window_rows[_i].burst, now,
			&wait)) {
			sent[n++] = now;
			continue;
		}
		ck_assert_msg(wait > 0, "row %d: refused with no wait", _i);
		probe = rl;
		ck_assert_msg(!ratelimit_take(&probe, period,
				  window_rows[_i].burst, now + wait - 1, NULL),
		    "row %d: wait %llu too long", _i, (unsigned long long)wait);
		ck_assert_msg(ratelimit_take(&probe, period,
				  window_rows[_i].burst, now + wait, NULL),
		    "row %d: wait %llu too short", _i,
		    (unsigned long long)wait);
	}
	ck_assert_msg(n > burst, "row %d: only %zu sent", _i, n);

	bound = burst + (1000 + period - 1) / period - 1;
	spec_bound = burst + (uint64_t)(rate < 1 ? 1 : rate);
	ck_assert_msg(bound <= spec_bound, "row %d: bound %llu", _i,
	    (unsigned long long)bound);
	for (hi = 0; hi < n; hi++) {
		while (sent[hi] - sent[lo] >= 1000)
			lo++;
		ck_assert_msg(hi - lo + 1 <= bound,
		    "row %d: %zu sends in the 1 s before %llu (bound %llu)", _i,
		    hi - lo + 1, (unsigned long long)sent[hi],
		    (unsigned long long)bound);
	}
	/* and over the whole run: no more than burst + elapsed / T */
	ck_assert_msg(n <= burst + (sent[n - 1] - sent[0]) / period,
	    "row %d: %zu sends overall", _i, n);
}
END_TEST

/*
 * Exhaust at T0 + 10 s, then let the clock step back: nothing in the past
 * grants a send, and the wait covers the step.  Then the same attempts
 * with the clock interleaving back and forth never get more than a
 * monotonic run of the latest times would.
 */
START_TEST(clock_step_back_grants_nothing)
{
	struct ratelimit rl;
	uint64_t wait, t = T0 + 10000, back, before;
	int k, granted = 0;

	ratelimit_init(&rl);
	for (k = 0; k < 5; k++)
		ck_assert(ratelimit_take(&rl, 100, 5, t, NULL));
	ck_assert(!ratelimit_take(&rl, 100, 5, t, &wait));
	ck_assert_uint_eq(wait, 100);
	for (back = 0; back <= 10000; back += 250) {
		before = rl.tat_ms;
		ck_assert_msg(!ratelimit_take(&rl, 100, 5, t - back, &wait),
		    "granted %llu ms back", (unsigned long long)back);
		ck_assert_uint_eq(wait, 100 + back);
		ck_assert_uint_eq(rl.tat_ms, before);
	}
	ck_assert(!ratelimit_take(&rl, 100, 5, 0, &wait));
	ck_assert_uint_eq(wait, t + 100);

	/* sawtooth clock: 1 s forward, 900 ms back, 200 rounds */
	ratelimit_init(&rl);
	t = T0;
	for (k = 0; k < 200; k++) {
		t += 1000;
		granted += ratelimit_take(&rl, 100, 5, t, NULL);
		granted += ratelimit_take(&rl, 100, 5, t - 900, NULL);
		t -= 900;
	}
	/* the clock advanced 200 * 100 ms net: at most burst + 200 sends */
	ck_assert_int_le(granted, 5 + 200);
}
END_TEST

static const struct {
	uint64_t n;
	double per_second;
	uint64_t burst, want;
} eta_rows[] = {
	{ 0, 30, 30, 0 }, { 1, 30, 30, 0 }, { 30, 30, 30, 0 },
	{ 31, 30, 30, 34 }, { 100, 30, 30, 70 * 34 },
	{ 37074, 50, 50, (37074 - 50) * 20 },
	{ 2, 1, 0, 1000 }, /* burst 0 as 1 */
	{ 2, 1, 1, 1000 },
	{ 21, 20.0 / 60, 1, 20 * 3000 },      /* a minute for 21 to one chat */
	{ 1000, 0, 1, 0 },                    /* unlimited */
	{ UINT64_MAX, 1e-12, 1, UINT64_MAX }, /* saturates */
};

/* The ETA is the time of the last send that take() grants from idle. */
START_TEST(eta_matches_take)
{
	struct ratelimit rl;
	uint64_t period = ratelimit_period_ms(eta_rows[_i].per_second);
	uint64_t got, now = T0, wait, k;

	got = ratelimit_eta_ms(eta_rows[_i].n, eta_rows[_i].per_second,
	    eta_rows[_i].burst);
	ck_assert_msg(got == eta_rows[_i].want, "row %d: got %llu", _i,
	    (unsigned long long)got);
	if (eta_rows[_i].n == 0 || eta_rows[_i].n > 100000)
		return;
	ratelimit_init(&rl);
	for (k = 0; k < eta_rows[_i].n; k++) {
		while (!ratelimit_take(&rl, period, eta_rows[_i].burst, now,
		    &wait))
			now += wait;
	}
	ck_assert_msg(now - T0 == got, "row %d: simulated %llu", _i,
	    (unsigned long long)(now - T0));
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *ratelimit_suite(void);

Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("gcra");

	tcase_add_loop_test(tc, period_rounds_up, 0, NROWS(period_rows));
	tcase_add_loop_test(tc, take_follows_the_formula, 0, NROWS(take_rows));
	tcase_add_test(tc, burst_then_one_per_period);
	tcase_add_loop_test(tc, gcra_never_exceeds_rate_over_any_window, 0,
	    NROWS(window_rows));
	tcase_add_test(tc, clock_step_back_grants_nothing);
	tcase_add_loop_test(tc, eta_matches_take, 0, NROWS(eta_rows));
	suite_add_tcase(s, tc);
	return (s);
}
