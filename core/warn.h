/*
 * warn.h -- the warning ladder of SPEC section 3, as pure arithmetic.
 *
 * Each /warn adds a strike that expires after warn_expiry_days; strike n
 * applies rung n of the configured ladder.  The store keeps the strikes
 * of one member in one community as a sorted set of expiries
 * (warn:<community>:<pid>); bot/ and its Lua mirror pass them in.  No
 * store, no clock: `now' is unix seconds supplied by the caller.
 */
#ifndef CORE_WARN_H
#define CORE_WARN_H

#include <stddef.h>
#include <stdint.h>

#include "core/credit.h"

enum warn_rung {
	RUNG_REMIND = 0, /* a reminder */
	RUNG_WARN,       /* a warning */
	RUNG_BLACKLIST,  /* blacklisted in the chat's node subtree */
};

/* Longest ladder the config accepts; warn_next() takes any length. */
#define WARN_LADDER_MAX 16

/*
 * Parse a ladder entry of the config: exactly "remind", "warn" or
 * "blacklist" (lower case, no spaces).  Returns 0 and sets *out, or -1
 * (NULL or anything else) leaving *out alone.
 */
int warn_rung_parse(const char *, enum warn_rung *out);

/* "remind", "warn", "blacklist"; "unknown" for other values.  Static. */
const char *warn_rung_str(enum warn_rung);

/*
 * How many of the n strikes are still active at `now': those whose
 * expiry is strictly later than now.  A strike expiring exactly at now
 * has expired (in Redis: ZCOUNT key (now +inf).  expiries may be NULL
 * when n is 0.
 */
unsigned int warn_active(const int64_t *expiries, size_t n, int64_t now);

/*
 * The rung a new strike applies, given the active strikes before it.  The
 * new strike is number active_before + 1 and applies rung
 * min(active_before + 1, n) of ladder[0..n-1], 1-based: strike 1 gets
 * ladder[0]; strikes beyond the ladder keep applying the last rung.  An
 * empty ladder (n 0; the config rejects it) gives RUNG_REMIND.
 */
enum warn_rung warn_next(const enum warn_rung *ladder, size_t n,
    unsigned int active_before);

/* When a strike given at `now' expires: now + days * 86400, saturating at
 * INT64_MAX.  days 0 gives now, a strike that is already expired. */
int64_t warn_expiry(int64_t now, unsigned int days);

/* The credit reason a rung carries: CREDIT_REMIND, CREDIT_WARN or
 * CREDIT_BLACKLIST (and CREDIT_REMIND for an unknown value). */
enum credit_reason warn_credit_reason(enum warn_rung);

#endif /* CORE_WARN_H */
