/*
 * activity.c -- sign-up, cancel, leave, check-in and close decisions
 * (SPEC sections 2 and 4); see activity.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/activity.h"
#include "core/covenant.h"
#include "core/credit.h"

static int activity_holds_seat_or_queue(enum su_state);

static const char *const su_state_names[] = {
	[SU_NONE] = "none",
	[SU_SIGNED] = "signed",
	[SU_WAITLISTED] = "waitlisted",
	[SU_CANCELLED] = "cancelled",
	[SU_LEAVE] = "leave",
	[SU_ATTENDED] = "attended",
	[SU_ABSENT] = "absent",
};

#define SU_NSTATES (sizeof(su_state_names) / sizeof(su_state_names[0]))

/* The states that /cancel and /leave act on. */
static int
activity_holds_seat_or_queue(enum su_state s)
{
	return (s == SU_SIGNED || s == SU_WAITLISTED);
}

const char *
su_state_str(enum su_state s)
{
	if ((size_t)s >= SU_NSTATES)
		return ("unknown");
	return (su_state_names[s]);
}

enum su_state
su_state_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return (SU_NONE);
	for (i = 0; i < SU_NSTATES; i++)
		if (strcmp(s, su_state_names[i]) == 0)
			return ((enum su_state)i);
	return (SU_NONE);
}

enum signup_outcome
activity_signup(const struct activity *act, enum su_state current,
    int restricted, int blacklisted, int credit, int64_t now)
{
	switch (current) {
	case SU_SIGNED:
	case SU_WAITLISTED:
	case SU_ATTENDED:
	case SU_LEAVE:
		return (SIGNUP_ALREADY);
	default:
		break;
	}
	if (!act->open || now >= act->deadline || now >= act->start)
		return (SIGNUP_CLOSED);
	if (blacklisted)
		return (SIGNUP_BLACKLISTED);
	if (restricted)
		return (SIGNUP_RESTRICTED);
	if (credit < act->mincredit)
		return (SIGNUP_CREDIT);
	if (act->cap > 0 && act->signed_n >= act->cap)
		return (SIGNUP_WAITLIST);
	return (SIGNUP_OK);
}

const char *
signup_outcome_str(enum signup_outcome o)
{
	switch (o) {
	case SIGNUP_OK:
		return ("signup_ok");
	case SIGNUP_WAITLIST:
		return ("signup_waitlist");
	case SIGNUP_ALREADY:
		return ("signup_already");
	case SIGNUP_CLOSED:
		return ("signup_closed");
	case SIGNUP_RESTRICTED:
		return ("signup_restricted");
	case SIGNUP_BLACKLISTED:
		return ("signup_blacklisted");
	case SIGNUP_CREDIT:
		return ("signup_credit");
	}
	return ("unknown");
}

enum cancel_outcome
activity_cancel(const struct activity *act, enum su_state current, int64_t now,
    unsigned int late_cancel_hours, int *late)
{
	if (late != NULL)
		*late = 0;
	if (!activity_holds_seat_or_queue(current))
		return (CANCEL_NONE);
	if (now >= act->start)
		return (CANCEL_STARTED);
	if (late != NULL && current == SU_SIGNED)
		*late = credit_late_cancel(now, act->start, late_cancel_hours);
	return (CANCEL_OK);
}

const char *
cancel_outcome_str(enum cancel_outcome o)
{
	switch (o) {
	case CANCEL_OK:
		return ("cancel_ok");
	case CANCEL_NONE:
		return ("cancel_none");
	case CANCEL_STARTED:
		return ("cancel_started");
	}
	return ("unknown");
}

int
activity_promote_needed(const struct activity *act, unsigned int waitlist_n,
    int64_t now)
{
	if (!act->open || now >= act->start || waitlist_n == 0)
		return (0);
	return (act->cap == 0 || act->signed_n < act->cap);
}

enum leave_outcome
activity_leave(const struct activity *act, enum su_state current, int64_t now)
{
	if (!activity_holds_seat_or_queue(current))
		return (LEAVE_NONE);
	if (now >= act->start)
		return (LEAVE_STARTED);
	return (LEAVE_OK);
}

const char *
leave_outcome_str(enum leave_outcome o)
{
	switch (o) {
	case LEAVE_OK:
		return ("leave_ok");
	case LEAVE_NONE:
		return ("leave_none");
	case LEAVE_STARTED:
		return ("leave_started");
	}
	return ("unknown");
}

enum checkin_outcome
activity_checkin(const struct activity *act, enum su_state current, int64_t now,
    unsigned int before_minutes)
{
	if (current == SU_ATTENDED)
		return (CHECKIN_ALREADY);
	if (current != SU_SIGNED || !act->open)
		return (CHECKIN_NONE);
	if (now < activity_checkin_opens(act, before_minutes))
		return (CHECKIN_EARLY);
	return (CHECKIN_OK);
}

int64_t
activity_checkin_opens(const struct activity *act, unsigned int before_minutes)
{
	int64_t span = (int64_t)before_minutes * 60; /* < 2^38 */

	if (act->start < INT64_MIN + span)
		return (INT64_MIN);
	return (act->start - span);
}

const char *
checkin_outcome_str(enum checkin_outcome o)
{
	switch (o) {
	case CHECKIN_OK:
		return ("checkin_ok");
	case CHECKIN_EARLY:
		return ("checkin_early");
	case CHECKIN_NONE:
		return ("checkin_none");
	case CHECKIN_ALREADY:
		return ("checkin_already");
	}
	return ("unknown");
}

enum attendance
activity_close_attendance(enum su_state s)
{
	switch (s) {
	case SU_SIGNED:
		return (ATT_ABSENT);
	case SU_ATTENDED:
		return (ATT_ATTENDED);
	case SU_LEAVE:
		return (ATT_LEAVE);
	default:
		return (ATT_NONE);
	}
}
