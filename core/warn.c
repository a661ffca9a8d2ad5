/*
 * warn.c -- the warning ladder (SPEC section 3); see warn.h.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/credit.h"
#include "core/warn.h"

static const char *const warn_rung_names[] = {
	[RUNG_REMIND] = "remind",
	[RUNG_WARN] = "warn",
	[RUNG_BLACKLIST] = "blacklist",
};

#define WARN_NRUNGS (sizeof(warn_rung_names) / sizeof(warn_rung_names[0]))

int
warn_rung_parse(const char *s, enum warn_rung *out)
{
	size_t i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < WARN_NRUNGS; i++) {
		if (strcmp(s, warn_rung_names[i]) == 0) {
			*out = (enum warn_rung)i;
			return (0);
		}
	}
	return (-1);
}

const char *
warn_rung_str(enum warn_rung r)
{
	if ((size_t)r >= WARN_NRUNGS)
		return ("unknown");
	return (warn_rung_names[r]);
}

unsigned int
warn_active(const int64_t *expiries, size_t n, int64_t now)
{
	unsigned int active = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (expiries[i] > now && active < UINT_MAX)
			active++;
	return (active);
}

/* Compared, not added, so that active_before + 1 cannot wrap. */
enum warn_rung
warn_next(const enum warn_rung *ladder, size_t n, unsigned int active_before)
{
	if (n == 0)
		return (RUNG_REMIND);
	if (active_before >= n)
		return (ladder[n - 1]);
	return (ladder[active_before]);
}

int64_t
warn_expiry(int64_t now, unsigned int days)
{
	int64_t span = (int64_t)days * 86400; /* < 2^49: no overflow */

	if (now > INT64_MAX - span)
		return (INT64_MAX);
	return (now + span);
}

enum credit_reason
warn_credit_reason(enum warn_rung r)
{
	switch (r) {
	case RUNG_REMIND:
		return (CREDIT_REMIND);
	case RUNG_WARN:
		return (CREDIT_WARN);
	case RUNG_BLACKLIST:
		return (CREDIT_BLACKLIST);
	}
	return (CREDIT_REMIND);
}
