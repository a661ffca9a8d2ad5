/*
 * covenant.c -- attendance strikes (SPEC section 3); see covenant.h.
 */
#include <limits.h>

#include "core/covenant.h"

/* One closing of the community, seen by one member. */
enum covenant_change
covenant_close(const struct covenant_cfg *cfg, struct standing *st,
    enum attendance att)
{
	if (st->serve_left > 0) {
		if (--st->serve_left > 0)
			return (COVENANT_SAME);
		st->absences = 0;
		return (COVENANT_LIFTED);
	}

	switch (att) {
	case ATT_NONE:
	case ATT_LEAVE:
		return (COVENANT_SAME);
	case ATT_ATTENDED:
		st->absences = 0;
		return (COVENANT_SAME);
	case ATT_ABSENT:
		if (st->absences < UINT_MAX)
			st->absences++;
		break;
	default:
		return (COVENANT_SAME); /* not an attendance: change nothing */
	}
	if (cfg->restriction_activities == 0 ||
	    st->absences < cfg->absence_limit)
		return (COVENANT_SAME);
	st->serve_left = cfg->restriction_activities;
	return (COVENANT_RESTRICTED);
}

int
covenant_may_sign_up(const struct standing *st)
{
	return (st->serve_left == 0);
}

const char *
covenant_change_str(enum covenant_change c)
{
	switch (c) {
	case COVENANT_SAME:
		return ("same");
	case COVENANT_RESTRICTED:
		return ("restricted");
	case COVENANT_LIFTED:
		return ("lifted");
	}
	return ("unknown");
}
