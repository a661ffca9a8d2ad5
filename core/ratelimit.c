/*
 * ratelimit.c -- GCRA in integers of the caller's unit; the formulas are
 * in ratelimit.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"

static uint64_t ratelimit_mul_sat(uint64_t, uint64_t);
static uint64_t ratelimit_add_sat(uint64_t, uint64_t);
static uint64_t ratelimit_earliest(const struct ratelimit *, uint64_t, uint64_t,
    uint64_t);
static int64_t ratelimit_i64(uint64_t);
static uint64_t ratelimit_period(double, double, uint64_t);

static uint64_t
ratelimit_mul_sat(uint64_t a, uint64_t b)
{
	if (a != 0 && b > UINT64_MAX / a)
		return (UINT64_MAX);
	return (a * b);
}

static uint64_t
ratelimit_add_sat(uint64_t a, uint64_t b)
{
	if (a > UINT64_MAX - b)
		return (UINT64_MAX);
	return (a + b);
}

/* The earliest time rl lets a send go at or after now. */
static uint64_t
ratelimit_earliest(const struct ratelimit *rl, uint64_t period, uint64_t burst,
    uint64_t now)
{
	uint64_t limit, e;

	if (rl == NULL || period == 0)
		return (now);
	if (burst == 0)
		burst = 1;
	limit = ratelimit_mul_sat(burst - 1, period);
	e = rl->tat > limit ? rl->tat - limit : 0;
	return (e > now ? e : now);
}

static int64_t
ratelimit_i64(uint64_t v)
{
	return (v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

void
ratelimit_init(struct ratelimit *rl)
{
	rl->tat = 0;
}

int
ratelimit_take(struct ratelimit *rl, uint64_t period_ms, uint64_t burst,
    uint64_t now_ms, uint64_t *wait_ms)
{
	uint64_t base, ahead, limit;

	if (wait_ms != NULL)
		*wait_ms = 0;
	if (period_ms == 0)
		return (1);
	if (burst == 0)
		burst = 1;
	base = rl->tat > now_ms ? rl->tat : now_ms;
	ahead = base - now_ms;
	limit = ratelimit_mul_sat(burst - 1, period_ms);
	if (ahead > limit) {
		if (wait_ms != NULL)
			*wait_ms = ahead - limit;
		return (0);
	}
	rl->tat = ratelimit_add_sat(base, period_ms);
	return (1);
}

int
ratelimit_reserve(struct ratelimit *acct, uint64_t period, uint64_t burst,
    struct ratelimit *chat, uint64_t chat_period, uint64_t chat_burst,
    uint64_t now, uint64_t horizon, int64_t *delay)
{
	uint64_t s, sc;
	int64_t d;

	s = ratelimit_earliest(acct, period, burst, now);
	if (s - now <= horizon) {
		sc = ratelimit_earliest(chat, chat_period, chat_burst, now);
		if (sc > s)
			s = sc;
	}
	if (s - now > horizon) {
		d = ratelimit_i64(s - now - horizon);
		if (delay != NULL)
			*delay = -d;
		return (0);
	}
	if (acct != NULL && period != 0)
		acct->tat =
		    ratelimit_add_sat(acct->tat > s ? acct->tat : s, period);
	if (chat != NULL && chat_period != 0)
		chat->tat = ratelimit_add_sat(chat->tat > s ? chat->tat : s,
		    chat_period);
	if (delay != NULL)
		*delay = ratelimit_i64(s - now);
	return (1);
}

/*
 * unit / per_second rounded up, at least 1, at most max.  No libm: core
 * links libc only.  The bounds check comes first so the conversion to
 * uint64_t is always in range.
 */
static uint64_t
ratelimit_period(double per_second, double unit, uint64_t max)
{
	double p;
	uint64_t q;

	if (!(per_second > 0))
		return (0); /* NaN or not positive */
	p = unit / per_second;
	if (!(p < (double)max))
		return (max);
	q = (uint64_t)p; /* truncates: q <= p < q + 1 */
	if (p - (double)q > 1e-9 * p)
		q++; /* round up, unless q is only off by division error */
	if (q == 0)
		q = 1;
	return (q);
}

uint64_t
ratelimit_period_ms(double per_second)
{
	return (ratelimit_period(per_second, 1e3, RATELIMIT_PERIOD_MAX_MS));
}

uint64_t
ratelimit_period_us(double per_second)
{
	return (ratelimit_period(per_second, 1e6, RATELIMIT_PERIOD_MAX_US));
}

uint64_t
ratelimit_eta_ms(uint64_t n, double per_second, uint64_t burst)
{
	uint64_t period = ratelimit_period_ms(per_second);

	if (burst == 0)
		burst = 1;
	if (period == 0 || n <= burst)
		return (0);
	return (ratelimit_mul_sat(n - burst, period));
}
