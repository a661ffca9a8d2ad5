/*
 * broadcast.c -- the broadcast planner; the model is in broadcast.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/broadcast.h"
#include "core/ratelimit.h"
#include "core/xmem.h"

static uint64_t broadcast_add_sat(uint64_t, uint64_t);
static const char *broadcast_platform(const struct broadcast_ident *);
static void broadcast_platform_need(const struct broadcast_ident *, size_t,
    size_t, uint64_t, struct broadcast_plan *);

static uint64_t
broadcast_add_sat(uint64_t a, uint64_t b)
{
	if (a > UINT64_MAX - b)
		return (UINT64_MAX);
	return (a + b);
}

static const char *
broadcast_platform(const struct broadcast_ident *id)
{
	return (id->platform != NULL ? id->platform : "");
}

uint64_t
broadcast_sendable(double per_second, unsigned int burst, uint64_t deadline_ms)
{
	uint64_t period = ratelimit_period_ms(per_second);
	uint64_t b = burst == 0 ? 1 : burst;

	if (period == 0)
		return (UINT64_MAX);
	/* eta(n) = (n - b) * period for n > b: largest n is b + D / period */
	return (broadcast_add_sat(b, deadline_ms / period));
}

/*
 * The platform of ids[first], seen for the first time there: add it to
 * plan->missing if its identities, spread evenly, cannot make the deadline.
 */
static void
broadcast_platform_need(const struct broadcast_ident *ids, size_t n,
    size_t first, uint64_t deadline_ms, struct broadcast_plan *plan)
{
	const char *platform = broadcast_platform(&ids[first]);
	uint64_t total = 0, capacity = 0, slowest = UINT64_MAX, s, more;
	size_t i;
	int late = 0;

	for (i = first; i < n; i++) {
		if (strcmp(broadcast_platform(&ids[i]), platform) != 0)
			continue;
		s = broadcast_sendable(ids[i].per_second, ids[i].burst,
		    deadline_ms);
		total = broadcast_add_sat(total, ids[i].assigned);
		capacity = broadcast_add_sat(capacity, s);
		if (s < slowest)
			slowest = s;
		if (ids[i].assigned > s)
			late = 1;
	}
	if (!late || total <= capacity)
		return; /* on time, or only the assignment is unbalanced */
	/* slowest >= 1: a late identity has a finite sendable, >= burst */
	more = (total - capacity) / slowest +
	       ((total - capacity) % slowest != 0 ? 1 : 0);
	if (plan->nmissing == BROADCAST_MISSING_MAX)
		return;
	xstrlcpy_utf8(plan->missing[plan->nmissing].platform, platform,
	    sizeof(plan->missing[plan->nmissing].platform));
	plan->missing[plan->nmissing].more = more;
	plan->nmissing++;
}

void
broadcast_plan_make(const struct broadcast_ident *ids, size_t n,
    uint64_t deadline_ms, struct broadcast_plan *plan)
{
	uint64_t eta, s;
	size_t i, j;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < n; i++) {
		eta = ratelimit_eta_ms(ids[i].assigned, ids[i].per_second,
		    ids[i].burst);
		if (eta > plan->eta_ms)
			plan->eta_ms = eta;
		s = broadcast_sendable(ids[i].per_second, ids[i].burst,
		    deadline_ms);
		if (ids[i].assigned > s)
			plan->late =
			    broadcast_add_sat(plan->late, ids[i].assigned - s);
	}
	plan->ontime = plan->eta_ms <= deadline_ms;
	if (plan->late == 0)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(broadcast_platform(&ids[j]),
				broadcast_platform(&ids[i])) == 0)
				break;
		if (j == i) /* first of its platform */
			broadcast_platform_need(ids, n, i, deadline_ms, plan);
	}
}
