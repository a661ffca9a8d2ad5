/*
 * ratelimit.c -- GCRA in integer milliseconds; the formula is in
 * ratelimit.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"

static uint64_t ratelimit_mul_sat(uint64_t, uint64_t);
static uint64_t ratelimit_add_sat(uint64_t, uint64_t);

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

void
ratelimit_init(struct ratelimit *rl)
{
	rl->tat_ms = 0;
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
	base = rl->tat_ms > now_ms ? rl->tat_ms : now_ms;
	ahead = base - now_ms;
	limit = ratelimit_mul_sat(burst - 1, period_ms);
	if (ahead > limit) {
		if (wait_ms != NULL)
			*wait_ms = ahead - limit;
		return (0);
	}
	rl->tat_ms = ratelimit_add_sat(base, period_ms);
	return (1);
}

/*
 * No libm: core links libc only.  The bounds check comes first so the
 * conversion to uint64_t is always in range.
 */
uint64_t
ratelimit_period_ms(double per_second)
{
	double p;
	uint64_t q;

	if (!(per_second > 0))
		return (0); /* NaN or not positive */
	p = 1000.0 / per_second;
	if (!(p < (double)RATELIMIT_PERIOD_MAX_MS))
		return (RATELIMIT_PERIOD_MAX_MS);
	q = (uint64_t)p; /* truncates: q <= p < q + 1 */
	if (p - (double)q > 1e-9 * p)
		q++; /* round up, unless q is only off by division error */
	if (q == 0)
		q = 1;
	return (q);
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
