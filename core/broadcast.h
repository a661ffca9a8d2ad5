/*
 * broadcast.h -- the broadcast planner of SPEC section 5: can the chats of
 * a broadcast be reached by the deadline with the sending identities
 * available, and if not, how many would be late and how many more
 * identities of which platform would be needed.
 *
 * The model.  Each targeted chat is assigned once, to one sending identity
 * (tower.lua bc_create shards the chats over the identities that can reach
 * each one), and an identity sends its chats one after another at its
 * account rate, starting idle, exactly as ratelimit_take() grants them:
 * its last chat goes out ratelimit_eta_ms(assigned, per_second, burst)
 * after the first.  Identities send in parallel, so the broadcast's ETA is
 * the largest of these.  One broadcast sends one message per chat, so a
 * chat's own per-minute limit never delays it (unless other traffic to
 * that chat is queued, which the plan does not see).
 *
 * A robot lane (per_chat set: a WeCom or DingTalk group robot, one webhook
 * per chat) is the many identities of its chats counted as one entry: each
 * of its chats is sent by its own robot, so the lane's time is governed
 * only by an optional lane-wide rate (per_second; 0 = none, the lane sends
 * everything at once).
 *
 * Late chats are counted on the assignment as given: an identity with more
 * chats than it can send by the deadline makes the rest late.  The missing
 * identities assume a balanced assignment: a platform's chats are spread
 * evenly over its identities, old and new, which is possible only where
 * the chats' identity lists allow it (a chat imported with one account
 * stays with that account).  So a plan may be late with nothing missing:
 * the platform has the capacity, but the assignment is unbalanced.
 *
 * Pure arithmetic: no I/O, no clock, no allocation.  Formatting the answer
 * for people is bot/'s business.
 */
#ifndef CORE_BROADCAST_H
#define CORE_BROADCAST_H

#include <stddef.h>
#include <stdint.h>

#define BROADCAST_MISSING_MAX  8  /* platforms listed in a plan */
#define BROADCAST_PLATFORM_LEN 32 /* bytes, with the NUL */

/* One sending identity and the chats of this broadcast assigned to it. */
struct broadcast_ident {
	const char *platform; /* "telegram": missing identities per this */
	const char *name;     /* account name, "~robot"; not used here */
	double per_second;    /* account rate; <= 0 or NaN = unlimited */
	unsigned int burst;   /* 0 counts as 1 */
	uint64_t assigned;    /* chats given to it */
	int per_chat;         /* 1 for a robot lane (see above) */
};

struct broadcast_missing {
	char platform[BROADCAST_PLATFORM_LEN];
	uint64_t more; /* identities to add, > 0 */
};

struct broadcast_plan {
	uint64_t eta_ms; /* when the last chat is sent, from the first */
	int ontime;      /* 1 if eta_ms <= the deadline */
	uint64_t late;   /* chats sent after the deadline */
	struct broadcast_missing missing[BROADCAST_MISSING_MAX];
	size_t nmissing; /* platforms in input order of first appearance */
};

/*
 * The most chats one identity sends by deadline_ms: the largest n with
 * ratelimit_eta_ms(n, per_second, burst) <= deadline_ms, that is burst +
 * deadline_ms / period (at least 1); UINT64_MAX when unlimited.
 */
uint64_t broadcast_sendable(double per_second, unsigned int burst,
    uint64_t deadline_ms);

/*
 * Plan the broadcast of ids[0..n) against deadline_ms into *plan:
 *
 *   eta_ms  = max over identities of ratelimit_eta_ms(assigned, ...);
 *   ontime  = eta_ms <= deadline_ms (so 1 for no chats);
 *   late    = sum over identities of max(0, assigned - sendable);
 *   missing = when late > 0, per platform with identities late: the
 *	       identities to add so that the platform's chats, spread evenly,
 *	       all make the deadline: ceil(total / s) - k for k identities of
 *	       equal sendable s.  With unequal rates, new identities are
 *	       assumed to be like the slowest of the platform's: more =
 *	       ceil((total - sum of sendable) / min sendable).  Platforms that
 *	       need none are not listed; beyond BROADCAST_MISSING_MAX platforms
 *	       the rest are dropped.  A NULL platform counts as "".
 *
 * ids may be NULL when n is 0.  Counts saturate at UINT64_MAX.
 */
void broadcast_plan_make(const struct broadcast_ident *ids, size_t n,
    uint64_t deadline_ms, struct broadcast_plan *plan);

#endif /* CORE_BROADCAST_H */
