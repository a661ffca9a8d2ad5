/*
 * ratelimit.h -- send-rate arithmetic (SPEC section 5): GCRA, the
 * "generic cell rate algorithm", a token bucket kept as one timestamp.
 *
 * Pure: time comes in as an argument (any clock; the unit is the
 * caller's, milliseconds for ratelimit_take() in practice, microseconds
 * for ratelimit_reserve(), whose Lua mirror is tb_tower op take over the
 * Redis server's TIME: bot/scripts/README.md).  No clock, no store.
 *
 * ratelimit_take(), grant-now-or-refuse, in integer milliseconds:
 * T is the emission interval (period_ms), B the burst (0 counts as 1),
 * tat the stored theoretical arrival time (0 when idle):
 *
 *	base  = max(tat, now)
 *	ahead = base - now		how far the schedule runs ahead
 *	limit = (B - 1) * T		the tolerance, saturating
 *	if ahead <= limit:  allow;  tat = base + T (saturating)
 *	else:		    refuse; wait = ahead - limit; tat unchanged
 *
 * From idle, B sends pass at once and then one every T ms.  In any window
 * of W ms (half open) at most B + ceil(W / T) - 1 sends pass, so at most
 * rate + burst in any second.  If now steps backwards, base stays at tat
 * and ahead only grows: a clock step never grants an extra send (it
 * delays the next ones by the size of the step instead).
 *
 * ratelimit_reserve(), reservations: a caller asks for a send and is
 * given the earliest time it may go, up to horizon ahead, so it never
 * polls and a late caller loses no slot that is still within the
 * horizon.  Per limiter (period T, burst B, 0 counting as 1; period 0
 * does not constrain), the earliest time is max(now, tat - (B - 1) * T)
 * (saturating at 0); for an account and a chat:
 *
 *	s = max(now, earliest(acct), earliest(chat))
 *	if s - now <= horizon:	grant, delay = s - now (>= 0);
 *				tat = max(tat, s) + T for both limiters
 *	else:			refuse, delay = -(s - now - horizon) (<= -1);
 *				nothing changes
 *
 * The account is checked first: when it alone refuses, the delay is its
 * own refusal, whatever the chat (a caller reserving for several chats
 * stops at that one: they would all get the same).  Each grant advances
 * tat by T from the later of tat and its slot, so grants of one limiter
 * are at least T apart beyond the burst, and any window of W (half open)
 * holds at most B + ceil(W / T) - 1 of them; a refusal reserves nothing.
 * A clock step back only delays (s never goes below the stored schedule).
 */
#ifndef CORE_RATELIMIT_H
#define CORE_RATELIMIT_H

#include <stdint.h>

/* The longest emission interval ratelimit_period_ms() returns: a year. */
#define RATELIMIT_PERIOD_MAX_MS (UINT64_C(366) * 86400 * 1000)
/* The same in microseconds, for ratelimit_period_us(). */
#define RATELIMIT_PERIOD_MAX_US (RATELIMIT_PERIOD_MAX_MS * 1000)

/* One limited sender (an account, or one chat).  Zero it, or call
 * ratelimit_init(), for an idle limiter. */
struct ratelimit {
	uint64_t tat; /* theoretical arrival time of the next send, in the
		       * caller's unit */
};

void ratelimit_init(struct ratelimit *);

/*
 * Take one send at now_ms.  Returns 1 and advances *rl when the send may
 * go now (*wait_ms = 0); returns 0 with *wait_ms = the milliseconds
 * until the same call would return 1, leaving *rl unchanged.  wait_ms may
 * be NULL.  period_ms 0 means unlimited: always 1, *rl untouched.
 */
int ratelimit_take(struct ratelimit *rl, uint64_t period_ms, uint64_t burst,
    uint64_t now_ms, uint64_t *wait_ms);

/*
 * The emission interval for a rate of per_second sends a second: 1000 /
 * per_second rounded up, so the configured rate is never exceeded (30/s
 * gives 34 ms, 29.4/s), except that a quotient within a billionth of an
 * integer from above counts as that integer (20 a minute, 0.333.../s, is
 * 3000.0000000000005 in doubles and gives 3000, not 3001; a billionth is
 * far above the division's rounding error, about 1e-16).  At least 1 and at
 * most RATELIMIT_PERIOD_MAX_MS; 0 (no limit) for a per_second that is not a
 * positive number (NaN, <= 0), which the config rejects.  Rates above 1000/s
 * round up to 1 ms.
 */
uint64_t ratelimit_period_ms(double per_second);

/*
 * The same in microseconds: 1e6 / per_second rounded up, with the same
 * near-integer care (400/s gives 2500 exactly, 30/s 33334), at least 1
 * and at most RATELIMIT_PERIOD_MAX_US; 0 (no limit) for a per_second that
 * is not a positive number.
 */
uint64_t ratelimit_period_us(double per_second);

/*
 * Reserve one send for a chat through an account at now (the formula
 * above).  Returns 1 and advances both limiters when granted, with
 * *delay = when to send, from now (>= 0); returns 0 when refused, with
 * *delay = minus how long to wait before asking again (<= -1), leaving
 * both unchanged.  Either limiter may be NULL, or have period 0, and then
 * does not constrain (a NULL chat checks the account alone).  delay may
 * be NULL.  Any unit, the same for every time argument.
 */
int ratelimit_reserve(struct ratelimit *acct, uint64_t period, uint64_t burst,
    struct ratelimit *chat, uint64_t chat_period, uint64_t chat_burst,
    uint64_t now, uint64_t horizon, int64_t *delay);

/*
 * How long sending n messages takes from an idle limiter at per_second
 * with this burst: the time of the last send after the first, which is
 * 0 for n <= burst (burst 0 counts as 1) and (n - burst) * period
 * otherwise, with the period of ratelimit_period_ms() (saturating at
 * UINT64_MAX; 0 when unlimited).  This is exactly what ratelimit_take()
 * grants to a sender that retries after each *wait_ms.
 */
uint64_t ratelimit_eta_ms(uint64_t n, double per_second, uint64_t burst);

#endif /* CORE_RATELIMIT_H */
