/*
 * check_ratelimit.c -- GCRA send-rate arithmetic (SPEC section 5):
 * core/ratelimit.h.  Times are numbers chosen here; nothing is timed.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
	ck_assert_msg(rl.tat == take_rows[_i].tat_after, "row %d: tat %llu", _i,
	    (unsigned long long)rl.tat);
	/* wait_ms may be NULL */
	rl.tat = take_rows[_i].tat;
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
	ck_assert_uint_eq(rl.tat, 0);
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
		before = rl.tat;
		ck_assert_msg(!ratelimit_take(&rl, 100, 5, t - back, &wait),
		    "granted %llu ms back", (unsigned long long)back);
		ck_assert_uint_eq(wait, 100 + back);
		ck_assert_uint_eq(rl.tat, before);
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

/* ------------------------------------------------------------------ */
/* reservations (ratelimit_reserve), in microseconds                    */
/* ------------------------------------------------------------------ */

#define US UINT64_C(1000000) /* one second */

static const struct {
	double per_second;
	uint64_t want;
} period_us_rows[] = {
	{ 400, 2500 },          /* not 3 ms = 333/s */
	{ 30, 33334 },          /* Telegram: rounded up */
	{ 50, 20000 },          /* Feishu */
	{ 20.0 / 60, 3000000 }, /* 20 a minute: not 3000001 */
	{ 3, 333334 },
	{ 1e6, 1 },
	{ 999999, 2 },
	{ 5e6, 1 }, /* faster than 1/us: 1 us */
	{ 1e-12, RATELIMIT_PERIOD_MAX_US },
	{ 0, 0 },
	{ -1, 0 },
	{ NAN, 0 },
	{ INFINITY, 1 },
};

START_TEST(period_us_rounds_up)
{
	uint64_t got = ratelimit_period_us(period_us_rows[_i].per_second);

	ck_assert_msg(got == period_us_rows[_i].want, "row %d: got %llu", _i,
	    (unsigned long long)got);
}
END_TEST

/* One reservation from a given state, edge by edge (chat 0 = no chat). */
static const struct {
	uint64_t atat, T, B, ctat, CT, CB, now, H;
	int want;
	int64_t delay;
	uint64_t atat_after, ctat_after;
} reserve_rows[] = {
	/* idle: now */
	{ 0, 100, 1, 0, 0, 0, T0, 0, 1, 0, T0 + 100, 0 },
	{ 0, 100, 0, 0, 0, 0, T0, 0, 1, 0, T0 + 100, 0 }, /* burst 0 as 1 */
	/* busy, no horizon: refused by the distance to the slot */
	{ T0 + 100, 100, 1, 0, 0, 0, T0, 0, 0, -100, T0 + 100, 0 },
	{ T0 + 100, 100, 1, 0, 0, 0, T0 + 99, 0, 0, -1, T0 + 100, 0 },
	{ T0 + 100, 100, 1, 0, 0, 0, T0 + 100, 0, 1, 0, T0 + 200, 0 },
	/* busy, within the horizon: reserved at the slot */
	{ T0 + 100, 100, 1, 0, 0, 0, T0, 100, 1, 100, T0 + 200, 0 },
	{ T0 + 100, 100, 1, 0, 0, 0, T0, 99, 0, -1, T0 + 100, 0 },
	{ T0 + 950, 100, 1, 0, 0, 0, T0, 1000, 1, 950, T0 + 1050, 0 },
	/* burst 3: tolerance (B - 1) * T */
	{ T0 + 200, 100, 3, 0, 0, 0, T0, 0, 1, 0, T0 + 300, 0 },
	{ T0 + 300, 100, 3, 0, 0, 0, T0, 0, 0, -100, T0 + 300, 0 },
	{ T0 + 300, 100, 3, 0, 0, 0, T0, 150, 1, 100, T0 + 400, 0 },
	/* the chat is later than the account: both advance from its slot */
	{ T0 + 100, 100, 1, T0 + 500, 1000, 1, T0, 600, 1, 500, T0 + 600,
	    T0 + 1500 },
	/* the chat refuses: nothing moves, the wait is the chat's */
	{ T0 + 100, 100, 1, T0 + 500, 1000, 1, T0, 400, 0, -100, T0 + 100,
	    T0 + 500 },
	/* the account refuses: its own wait, whatever the chat */
	{ T0 + 900, 100, 1, T0 + 5000, 1000, 1, T0, 400, 0, -500, T0 + 900,
	    T0 + 5000 },
	/* chat burst 2 lets a send go one chat period early */
	{ 0, 0, 1, T0 + 1000, 1000, 2, T0, 0, 1, 0, 0, T0 + 2000 },
	/* no limit at all */
	{ T0 + 5000, 0, 1, T0 + 5000, 0, 1, T0, 0, 1, 0, T0 + 5000, T0 + 5000 },
	/* clock 10 s behind the schedule: waits the 10 s */
	{ T0 + 100, 100, 1, 0, 0, 0, T0 - 10000, 0, 0, -10100, T0 + 100, 0 },
	/* saturation */
	{ UINT64_MAX - 10, 100, 1, 0, 0, 0, UINT64_MAX - 10, 0, 1, 0,
	    UINT64_MAX, 0 },
	{ UINT64_MAX, 100, 1, 0, 0, 0, 0, 0, 0, -INT64_MAX, UINT64_MAX, 0 },
	{ 0, UINT64_MAX, UINT64_MAX, 0, 0, 0, T0, 0, 1, 0, UINT64_MAX, 0 },
	{ T0 + 5, 1, 1, 0, 0, 0, T0, UINT64_MAX, 1, 5, T0 + 6, 0 },
};

START_TEST(reserve_follows_the_formula)
{
	struct ratelimit a = { reserve_rows[_i].atat };
	struct ratelimit c = { reserve_rows[_i].ctat };
	int64_t delay = 12345;
	int got;

	got = ratelimit_reserve(&a, reserve_rows[_i].T, reserve_rows[_i].B, &c,
	    reserve_rows[_i].CT, reserve_rows[_i].CB, reserve_rows[_i].now,
	    reserve_rows[_i].H, &delay);
	ck_assert_msg(got == reserve_rows[_i].want, "row %d: got %d", _i, got);
	ck_assert_msg(delay == reserve_rows[_i].delay, "row %d: delay %lld", _i,
	    (long long)delay);
	ck_assert_msg(a.tat == reserve_rows[_i].atat_after,
	    "row %d: account tat %llu", _i, (unsigned long long)a.tat);
	ck_assert_msg(c.tat == reserve_rows[_i].ctat_after,
	    "row %d: chat tat %llu", _i, (unsigned long long)c.tat);
	/* delay may be NULL */
	a.tat = reserve_rows[_i].atat;
	c.tat = reserve_rows[_i].ctat;
	ck_assert_int_eq(ratelimit_reserve(&a, reserve_rows[_i].T,
			     reserve_rows[_i].B, &c, reserve_rows[_i].CT,
			     reserve_rows[_i].CB, reserve_rows[_i].now,
			     reserve_rows[_i].H, NULL),
	    reserve_rows[_i].want);
}
END_TEST

static int
u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a < b ? -1 : a > b);
}

#define RESERVE_CALLS 4000
#define RESERVE_BATCH 8

static const struct {
	double per_second;
	uint64_t burst, horizon, max_gap; /* us */
} reserve_window_rows[] = {
	{ 400, 1, 50000, 20000 },   /* callers faster than the horizon */
	{ 400, 1, 50000, 120000 },  /* callers late beyond the horizon */
	{ 30, 30, 200000, 100000 }, /* Telegram */
	{ 50, 1, 0, 30000 },        /* no horizon: grant-now only */
	{ 20.0 / 60, 1, 10 * US, 2 * US }, { 7, 3, 500000, 700000 },
	{ 1e6, 5, 100, 50 }, /* 1 us period */
};

/*
 * Callers at random times (monotonic), each reserving up to a batch:
 * sorted by send time, any 1 s window [t, t + 1 s) holds at most burst +
 * ceil(1 s / T) - 1 sends (so with burst 1 at most the rate), every grant
 * is within the horizon, and every refusal's wait is exact: asking that
 * much later grants, a microsecond sooner does not.
 */
START_TEST(reserve_never_exceeds_rate_over_any_window)
{
	static uint64_t sent[RESERVE_CALLS * RESERVE_BATCH];
	struct ratelimit rl, probe;
	uint64_t T = ratelimit_period_us(reserve_window_rows[_i].per_second);
	uint64_t B = reserve_window_rows[_i].burst;
	uint64_t H = reserve_window_rows[_i].horizon;
	uint64_t seed = 7 + (uint64_t)_i, now = T0 * 1000, bound;
	size_t n = 0, lo = 0, hi, k, j, want;
	int64_t d;

	ratelimit_init(&rl);
	for (k = 0; k < RESERVE_CALLS; k++) {
		now += lcg_next(&seed) % (reserve_window_rows[_i].max_gap + 1);
		want = 1 + lcg_next(&seed) % RESERVE_BATCH;
		for (j = 0; j < want; j++) {
			if (ratelimit_reserve(&rl, T, B, NULL, 0, 0, now, H,
				&d)) {
				ck_assert_msg(d >= 0 && (uint64_t)d <= H,
				    "row %d: delay %lld", _i, (long long)d);
				sent[n++] = now + (uint64_t)d;
				continue;
			}
			ck_assert_msg(d <= -1, "row %d: refusal %lld", _i,
			    (long long)d);
			probe = rl;
			ck_assert_msg(!ratelimit_reserve(&probe, T, B, NULL, 0,
					  0, now + (uint64_t)-d - 1, H, NULL),
			    "row %d: wait %lld too long", _i, (long long)d);
			ck_assert_msg(ratelimit_reserve(&probe, T, B, NULL, 0,
					  0, now + (uint64_t)-d, H, NULL),
			    "row %d: wait %lld too short", _i, (long long)d);
			break;
		}
	}
	ck_assert_msg(n > B, "row %d: only %zu sent", _i, n);
	qsort(sent, n, sizeof(sent[0]), u64_cmp);
	bound = B + (US + T - 1) / T - 1;
	for (hi = 0; hi < n; hi++) {
		while (sent[hi] - sent[lo] >= US)
			lo++;
		ck_assert_msg(hi - lo + 1 <= bound,
		    "row %d: %zu sends in the 1 s before %llu (bound %llu)", _i,
		    hi - lo + 1, (unsigned long long)sent[hi],
		    (unsigned long long)bound);
	}
	ck_assert_msg(n <= B + (sent[n - 1] - sent[0]) / T,
	    "row %d: %zu sends overall", _i, n);
}
END_TEST

/*
 * Three callers share one account (burst 1) and ask at random times no
 * further apart than the horizon, each for as many sends as it can get:
 * the send times of all grants are exactly T apart, one after the other
 * (no slot given twice, none lost, however late a caller comes within
 * the horizon), and a refusal reserves nothing.
 */
START_TEST(reserve_never_loses_a_slot_within_the_horizon)
{
	static uint64_t sent[20000];
	const uint64_t T = 2500, H = 40000;
	struct ratelimit rl, before;
	uint64_t seed = 99, now = T0 * 1000, start = now;
	size_t n = 0, k;
	int64_t d;

	ratelimit_init(&rl);
	while (n < 19000) {
		/* a caller comes up to a whole horizon after the last one */
		now += lcg_next(&seed) % (H + 1);
		if (n == 0)
			start = now;
		for (;;) {
			before = rl;
			if (!ratelimit_reserve(&rl, T, 1, NULL, 0, 0, now, H,
				&d)) {
				ck_assert_uint_eq(rl.tat, before.tat);
				break;
			}
			sent[n++] = now + (uint64_t)d;
		}
	}
	ck_assert_uint_eq(sent[0], start);
	for (k = 1; k < n; k++)
		ck_assert_msg(sent[k] - sent[k - 1] == T,
		    "grant %zu at +%llu after +%llu", k,
		    (unsigned long long)(sent[k] - start),
		    (unsigned long long)(sent[k - 1] - start));
	/* exactly 400 per second of schedule */
	ck_assert_uint_eq(sent[400] - sent[0], US);
}
END_TEST

/*
 * The chat limiter is independent: a refusal by one chat takes nothing
 * from the account or other chats; each chat keeps its own schedule; an
 * account without a limit never refuses; the account is checked first.
 */
START_TEST(reserve_chat_limit_independent_of_account)
{
	struct ratelimit a, x, y, before;
	const uint64_t T = 1000, CT = 60000, H = 5000;
	int64_t d;
	int k;

	ratelimit_init(&a);
	ratelimit_init(&x);
	ratelimit_init(&y);
	/* chat x: one now, then refused for about a chat period */
	ck_assert(ratelimit_reserve(&a, T, 1, &x, CT, 1, T0, H, &d));
	ck_assert_int_eq(d, 0);
	before = a;
	ck_assert(!ratelimit_reserve(&a, T, 1, &x, CT, 1, T0, H, &d));
	ck_assert_int_eq(d, -(int64_t)(CT - H));
	ck_assert_uint_eq(a.tat, before.tat);
	ck_assert_uint_eq(x.tat, T0 + CT);
	/* chat y goes in the account's next slot, unaffected by x */
	ck_assert(ratelimit_reserve(&a, T, 1, &y, CT, 1, T0, H, &d));
	ck_assert_int_eq(d, (int64_t)T);
	ck_assert_uint_eq(y.tat, T0 + T + CT);
	/* the account alone fills its horizon: 5 more slots, then refused
	 * with its own wait even though the chat would wait much longer */
	for (k = 0; k < 4; k++) {
		ck_assert(ratelimit_reserve(&a, T, 1, NULL, 0, 0, T0, H, &d));
		ck_assert_int_eq(d, (int64_t)(2 + k) * (int64_t)T);
	}
	ck_assert(!ratelimit_reserve(&a, T, 1, &x, CT, 1, T0, H, &d));
	ck_assert_int_eq(d, -(int64_t)T);
	ck_assert(!ratelimit_reserve(&a, T, 1, NULL, 0, 0, T0, H, &d));
	ck_assert_int_eq(d, -(int64_t)T);
	/* no account limit: only the chats' own schedules count */
	ratelimit_init(&x);
	ratelimit_init(&y);
	for (k = 0; k < 3; k++) {
		ck_assert(ratelimit_reserve(NULL, 0, 0, &x, CT, 3, T0, 0, &d));
		ck_assert_int_eq(d, 0);
	}
	ck_assert(!ratelimit_reserve(NULL, 0, 0, &x, CT, 3, T0, 0, &d));
	ck_assert_int_eq(d, -(int64_t)CT);
	ck_assert(ratelimit_reserve(&a, 0, 1, &y, CT, 1, T0, 0, &d));
	ck_assert_int_eq(d, 0);
	ck_assert_uint_eq(a.tat, T0 + 6 * T); /* untouched without a period */
}
END_TEST

/*
 * A clock that steps back never grants more: the schedule holds, and a
 * caller asking from the past is told to wait the step on top.
 */
START_TEST(reserve_clock_step_back_grants_nothing)
{
	struct ratelimit rl;
	uint64_t t = T0 * 1000, back;
	int64_t d;
	int k, granted = 0;

	ratelimit_init(&rl);
	for (k = 0; k < 5; k++)
		ck_assert(
		    ratelimit_reserve(&rl, 100, 1, NULL, 0, 0, t, 400, NULL));
	for (back = 0; back <= 10000; back += 250) {
		ck_assert(!ratelimit_reserve(&rl, 100, 1, NULL, 0, 0, t - back,
		    400, &d));
		ck_assert_int_eq(d, -(int64_t)(100 + back));
	}
	ck_assert_uint_eq(rl.tat, t + 500);
	/* sawtooth: 1000 forward, 900 back; net 100 per round */
	ratelimit_init(&rl);
	for (k = 0; k < 200; k++) {
		t += 1000;
		granted +=
		    ratelimit_reserve(&rl, 100, 1, NULL, 0, 0, t, 400, NULL);
		granted += ratelimit_reserve(&rl, 100, 1, NULL, 0, 0, t - 900,
		    400, NULL);
		t -= 900;
	}
	/* 200 * 100 of clock plus the horizon: at most 200 + 5 slots */
	ck_assert_int_le(granted, 200 + 5);
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

	tc = tcase_create("reserve");
	tcase_add_loop_test(tc, period_us_rounds_up, 0, NROWS(period_us_rows));
	tcase_add_loop_test(tc, reserve_follows_the_formula, 0,
	    NROWS(reserve_rows));
	tcase_add_loop_test(tc, reserve_never_exceeds_rate_over_any_window, 0,
	    NROWS(reserve_window_rows));
	tcase_add_test(tc, reserve_never_loses_a_slot_within_the_horizon);
	tcase_add_test(tc, reserve_chat_limit_independent_of_account);
	tcase_add_test(tc, reserve_clock_step_back_grants_nothing);
	suite_add_tcase(s, tc);
	return (s);
}
