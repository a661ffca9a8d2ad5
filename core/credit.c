/*
 * credit.c -- credit score arithmetic (SPEC section 3); see credit.h.
 */
#include <limits.h>
#include <stdint.h>

#include "core/credit.h"

int
credit_delta(const struct credit_rules *r, enum credit_reason why, int manual)
{
	switch (why) {
	case CREDIT_ATTENDED:
		return (r->attended);
	case CREDIT_ABSENT:
		return (r->absent);
	case CREDIT_LATE_CANCEL:
		return (r->late_cancel);
	case CREDIT_REMIND:
		return (r->remind);
	case CREDIT_WARN:
		return (r->warn);
	case CREDIT_BLACKLIST:
		return (r->blacklist);
	case CREDIT_MANUAL:
		return (manual);
	}
	return (0);
}

/* In 64 bits, any two ints add without overflow. */
int
credit_apply(int score, int delta)
{
	int64_t v = (int64_t)score + delta;

	if (v < 0)
		return (0);
	if (v > CREDIT_MAX)
		return (CREDIT_MAX);
	return ((int)v);
}

/*
 * start - now is taken in unsigned arithmetic, where it is exact for any
 * now < start; h * 3600 fits in 64 bits for any unsigned int h.
 */
int
credit_late_cancel(int64_t now, int64_t start, unsigned int late_cancel_hours)
{
	uint64_t ahead;

	if (now >= start)
		return (1);
	ahead = (uint64_t)start - (uint64_t)now;
	return (ahead <= (uint64_t)late_cancel_hours * 3600);
}

const char *
credit_reason_str(enum credit_reason why)
{
	switch (why) {
	case CREDIT_ATTENDED:
		return ("attended");
	case CREDIT_ABSENT:
		return ("absent");
	case CREDIT_LATE_CANCEL:
		return ("late_cancel");
	case CREDIT_REMIND:
		return ("remind");
	case CREDIT_WARN:
		return ("warn");
	case CREDIT_BLACKLIST:
		return ("blacklist");
	case CREDIT_MANUAL:
		return ("manual");
	}
	return ("unknown");
}
