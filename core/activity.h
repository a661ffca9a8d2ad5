/*
 * activity.h -- the sign-up rules of SPEC sections 2 and 4 as pure
 * decisions: sign up, cancel, leave, check in, close.
 *
 * Each function looks at one activity and one member's sign-up state and
 * answers what the command does; it changes nothing.  bot/ (in practice
 * the Lua mirror in bot/scripts/towerbot.lua, so that two daemons never
 * oversell a capacity) performs the answer: writes the new state, moves
 * the signed count, pops the waitlist.  Times are unix seconds passed in
 * by the caller; no clock, no store.  The *_str() names are the message
 * keys of bot/scripts/README.md.
 */
#ifndef CORE_ACTIVITY_H
#define CORE_ACTIVITY_H

#include <stdint.h>

#include "core/covenant.h"

/* What the rules need of an activity (act:<id>). */
struct activity {
	int64_t start;         /* unix s */
	int64_t deadline;      /* unix s; set it to start when none was given */
	unsigned int cap;      /* seats; 0 = unlimited */
	unsigned int signed_n; /* members in state signed now */
	int mincredit;         /* minimum credit to sign up; <= 0: none */
	int open;              /* 1 until /close */
};

/* One member's sign-up to one activity (act:<id>:su). */
enum su_state {
	SU_NONE = 0, /* never signed up */
	SU_SIGNED,
	SU_WAITLISTED,
	SU_CANCELLED,
	SU_LEAVE, /* excused */
	SU_ATTENDED,
	SU_ABSENT,
};

/* "none", "signed", "waitlisted", "cancelled", "leave", "attended",
 * "absent"; "unknown" for other values.  Static storage. */
const char *su_state_str(enum su_state);

/*
 * The stored state string as an enum: the names above, exactly.  NULL,
 * "" (no hash field), "none" and anything unknown give SU_NONE, so a
 * corrupt value reads as "not signed up" and can be signed up afresh.
 */
enum su_state su_state_parse(const char *);

enum signup_outcome {
	SIGNUP_OK = 0,      /* signed: take a seat, signed_n + 1 */
	SIGNUP_WAITLIST,    /* full: append to the waitlist */
	SIGNUP_ALREADY,     /* signed, waitlisted, attended or on leave */
	SIGNUP_CLOSED,      /* closed, deadline passed or started */
	SIGNUP_RESTRICTED,  /* serving an attendance restriction */
	SIGNUP_BLACKLISTED, /* blacklisted in a scope above the chat */
	SIGNUP_CREDIT,      /* credit below the activity's minimum */
};

/*
 * What /signup does, first match wins:
 *  1. SIGNUP_ALREADY when current is signed, waitlisted, attended or leave
 *     (a member who cancelled, or SU_NONE, may sign up again; SU_ABSENT
 *     falls through, and the activity is closed by then);
 *  2. SIGNUP_CLOSED when !open, or now >= deadline, or now >= start
 *     (both edges are closed: exactly at the deadline is too late);
 *  3. SIGNUP_BLACKLISTED when blacklisted;
 *  4. SIGNUP_RESTRICTED when restricted (!covenant_may_sign_up());
 *  5. SIGNUP_CREDIT when credit < mincredit (equal is enough);
 *  6. SIGNUP_WAITLIST when cap > 0 and signed_n >= cap;
 *  7. SIGNUP_OK.
 */
enum signup_outcome activity_signup(const struct activity *,
    enum su_state current, int restricted, int blacklisted, int credit,
    int64_t now);

/* "signup_ok", "signup_waitlist", "signup_already", "signup_closed",
 * "signup_restricted", "signup_blacklisted", "signup_credit"; "unknown"
 * otherwise.  Static storage. */
const char *signup_outcome_str(enum signup_outcome);

enum cancel_outcome {
	CANCEL_OK = 0,  /* state becomes cancelled */
	CANCEL_NONE,    /* not signed or waitlisted */
	CANCEL_STARTED, /* refused: the activity has started */
};

/*
 * What /cancel does, first match wins: CANCEL_NONE unless current is
 * signed or waitlisted; CANCEL_STARTED when now >= start; else CANCEL_OK.
 * `open' is not consulted: a closed activity has no signed or waitlisted
 * sign-up left that could ask.
 *
 * *late (if late is not NULL) is set on every call: 1 only for CANCEL_OK
 * of a signed member within the late window, credit_late_cancel(now,
 * start, late_cancel_hours) (exactly late_cancel_hours before the start
 * is late); the caller then applies CREDIT_LATE_CANCEL.  A waitlisted
 * member never cancels late.  A signed member's CANCEL_OK frees a seat:
 * the caller decrements signed_n and promotes (activity_promote_needed);
 * a waitlisted one is just removed from the waitlist.
 */
enum cancel_outcome activity_cancel(const struct activity *,
    enum su_state current, int64_t now, unsigned int late_cancel_hours,
    int *late);

/* "cancel_ok", "cancel_none", "cancel_started" (the catalogue in
 * bot/scripts/README.md has no key for the last yet); "unknown". */
const char *cancel_outcome_str(enum cancel_outcome);

/*
 * 1 if the head of the waitlist should be promoted to signed now: the
 * activity is open, its start (now >= start) has not come, waitlist_n > 0
 * and a seat is free (cap 0, or signed_n < cap).  Call it after any
 * change that freed a seat, with the counts as they are after the change;
 * each promotion adds one to signed_n, so the caller loops until 0.
 */
int activity_promote_needed(const struct activity *, unsigned int waitlist_n,
    int64_t now);

enum leave_outcome {
	LEAVE_OK = 0,  /* state becomes leave */
	LEAVE_NONE,    /* not signed or waitlisted */
	LEAVE_STARTED, /* refused: the activity has started */
};

/*
 * What /leave does, first match wins: LEAVE_NONE unless current is signed
 * or waitlisted (a second /leave is LEAVE_NONE too); LEAVE_STARTED when
 * now >= start (leave is asked before the start, SPEC section 4); else
 * LEAVE_OK.  A signed member on leave frees the seat like a cancel (the
 * caller decrements signed_n and promotes) but is never late and keeps
 * the state leave, which closes as ATT_LEAVE.  A waitlisted member taking
 * leave just leaves the waitlist; the state becomes leave all the same
 * (closing as ATT_LEAVE, which changes nothing either way).
 */
enum leave_outcome activity_leave(const struct activity *,
    enum su_state current, int64_t now);

/* "leave_ok", "leave_none", "leave_started"; "unknown".  Static. */
const char *leave_outcome_str(enum leave_outcome);

enum checkin_outcome {
	CHECKIN_OK = 0,  /* state becomes attended */
	CHECKIN_EARLY,   /* the window has not opened yet */
	CHECKIN_NONE,    /* not signed (waitlisted, cancelled, leave, none) */
	CHECKIN_ALREADY, /* attended already */
};

/*
 * What /checkin does, first match wins: CHECKIN_ALREADY when current is
 * attended; CHECKIN_NONE when current is not signed, or the activity is
 * closed (bot/ normally answers act_not_found first); CHECKIN_EARLY when
 * now < activity_checkin_opens(); else CHECKIN_OK.  The window opens
 * exactly before_minutes before the start and stays open until /close.
 */
enum checkin_outcome activity_checkin(const struct activity *,
    enum su_state current, int64_t now, unsigned int before_minutes);

/* When check-in opens: start - before_minutes * 60, saturating at
 * INT64_MIN (the from_at param of checkin_early). */
int64_t activity_checkin_opens(const struct activity *,
    unsigned int before_minutes);

/* "checkin_ok", "checkin_early", "checkin_none", "checkin_already";
 * "unknown".  Static storage. */
const char *checkin_outcome_str(enum checkin_outcome);

/*
 * The attendance a sign-up state counts as when its activity closes, for
 * covenant_close(): signed (did not check in, no leave) -> ATT_ABSENT, and
 * the caller stores the sign-up as absent and applies CREDIT_ABSENT;
 * attended -> ATT_ATTENDED; leave -> ATT_LEAVE; anything else
 * (waitlisted, cancelled, none, absent) -> ATT_NONE.
 */
enum attendance activity_close_attendance(enum su_state);

#endif /* CORE_ACTIVITY_H */
