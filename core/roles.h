/*
 * roles.h -- roles on nodes and what they allow (SPEC section 2).
 *
 * A role held on a node is inherited by its descendants; operators come
 * from the config.  Ranks are ordered so that "needs at least committee"
 * is a comparison.  Pure: the caller passes in the roles it loaded.
 */
#ifndef CORE_ROLES_H
#define CORE_ROLES_H

#include <stddef.h>

enum role_rank {
	RANK_NONE = 0, /* not seen / no role: treated as a member */
	RANK_MEMBER,
	RANK_SEED,
	RANK_LIAISON,
	RANK_COMMITTEE,
	RANK_OWNER,
	RANK_OPERATOR, /* from config "operators": everything */
};

#endif /* CORE_ROLES_H */
