/*
 * covenant.h -- the attendance rule of SPEC section 3, as pure arithmetic.
 *
 * Nothing here reads the store or the clock.  bot/ loads a member's
 * standing, calls these, and writes the result back in the same Lua
 * script that records the closing, so two daemons never double-count.
 * The Lua mirror (bot/scripts/towerbot.lua, "close") must follow every
 * edge documented below; tests/core/check_covenant.c is the table of cases.
 */
#ifndef CORE_COVENANT_H
#define CORE_COVENANT_H

struct covenant_cfg {
	unsigned int absence_limit;          /* consecutive misses: 3 */
	unsigned int restriction_activities; /* closings to serve: 1 */
};

/* One member in one community, as stored (st:<community>:<pid>). */
struct standing {
	unsigned int absences;   /* consecutive unexcused absences */
	unsigned int serve_left; /* closings left to serve; 0 = free */
};

enum attendance {
	ATT_NONE = 0, /* not signed up to the activity being closed */
	ATT_ATTENDED,
	ATT_LEAVE, /* excused: leaves the count alone */
	ATT_ABSENT,
};

enum covenant_change {
	COVENANT_SAME = 0,
	COVENANT_RESTRICTED, /* this closing started a restriction */
	COVENANT_LIFTED,     /* this closing ended one */
};

/*
 * Apply the closing of one activity in the member's community to *st and
 * say what changed.  Call it for every member with a standing in the
 * community (ATT_NONE for those not signed up), since a closing counts
 * towards a restriction whether or not the member took part.
 *
 * - While serving (serve_left > 0) the attendance is ignored: serve_left
 *   drops by one; when it reaches 0 the restriction lifts, absences reset
 *   to 0 and COVENANT_LIFTED is returned.
 * - Otherwise ATT_ATTENDED resets absences to 0, ATT_LEAVE and ATT_NONE
 *   change nothing, ATT_ABSENT adds one (saturating at UINT_MAX).
 * - When an absence brings the count to absence_limit or beyond, the
 *   restriction starts: serve_left = restriction_activities and
 *   COVENANT_RESTRICTED.  The closing that starts a restriction does not
 *   count towards serving it.  absences keeps its value until the lift.
 * - restriction_activities 0 disables restrictions: absences still count
 *   up (they show in /me) but never restrict.
 * - absence_limit 0 behaves as 1: the first absence restricts.
 */
enum covenant_change covenant_close(const struct covenant_cfg *,
    struct standing *st, enum attendance);

/* 1 if a member with this standing may sign up in the community (not
 * serving a restriction), else 0. */
int covenant_may_sign_up(const struct standing *);

/* "same", "restricted", "lifted" for logs; "unknown" for other values.
 * Static storage. */
const char *covenant_change_str(enum covenant_change);

#endif /* CORE_COVENANT_H */
