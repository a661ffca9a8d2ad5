/*
 * credit.h -- the credit score of SPEC section 3 (信用评价), as arithmetic.
 *
 * Pure: no store, no clock.  bot/ (and its Lua mirror in
 * bot/scripts/towerbot.lua) reads the score, asks credit_delta() what a
 * reason is worth, applies it with credit_apply() and appends the ledger
 * entry (delta, reason, actor) in the same atomic step.
 */
#ifndef CORE_CREDIT_H
#define CORE_CREDIT_H

#include <limits.h>
#include <stdint.h>

/*
 * The highest score credit_apply() returns.  Half of INT_MAX, so that
 * adding any int delta to a clamped score cannot overflow anywhere a
 * caller does it in int, and a Lua double holds it exactly.
 */
#define CREDIT_MAX (INT_MAX / 2)

/* Points per reason, from the config (SPEC defaults in comments). */
struct credit_rules {
	int initial;     /* 100: a new person's score */
	int attended;    /* +2 */
	int absent;      /* -10 */
	int late_cancel; /* -3 */
	int remind;      /* -2: rung "remind" of the warning ladder */
	int warn;        /* -5: rung "warn" */
	int blacklist;   /* -20: rung "blacklist" and /blacklist */
};

enum credit_reason {
	CREDIT_ATTENDED = 0,
	CREDIT_ABSENT,
	CREDIT_LATE_CANCEL,
	CREDIT_REMIND,
	CREDIT_WARN,
	CREDIT_BLACKLIST,
	CREDIT_MANUAL, /* /credit ±N: the delta is the argument */
};

/*
 * The delta a reason is worth under the rules.  For CREDIT_MANUAL it is
 * `manual' as given (ignored for the other reasons).  An unknown reason
 * is worth 0.
 */
int credit_delta(const struct credit_rules *, enum credit_reason, int manual);

/*
 * The new score after adding delta to score, computed without overflow
 * and clamped to [0, CREDIT_MAX]: the score never drops below 0 (SPEC),
 * and never grows past CREDIT_MAX.  A stored score outside that range
 * (corrupt) is clamped the same way.  The ledger should record the delta
 * actually applied, new - old, not the requested one.
 */
int credit_apply(int score, int delta);

/*
 * 1 if cancelling at `now' (unix s) is a late cancel for an activity
 * starting at `start': now >= start - late_cancel_hours * 3600.  The
 * window is closed at its start (exactly late_cancel_hours before is
 * late) and has no end: a cancel at or after the start is late too
 * (activity_cancel() refuses it anyway).  late_cancel_hours 0 makes only
 * cancels at or after the start late.  Computed without overflow.
 */
int credit_late_cancel(int64_t now, int64_t start,
    unsigned int late_cancel_hours);

/* "attended", "absent", "late_cancel", "remind", "warn", "blacklist",
 * "manual" (the ledger's reason field); "unknown" otherwise.  Static. */
const char *credit_reason_str(enum credit_reason);

#endif /* CORE_CREDIT_H */
