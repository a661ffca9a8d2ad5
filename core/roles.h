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

/*
 * A role held on a node, as loaded from the store.  node borrows the
 * caller's string for the duration of the call.
 */
struct role_grant {
	const char *node; /* node path, or chat:<adapter>:<chat> */
	enum role_rank rank;
};

/*
 * The rank named by a /role argument or a stored role, in English or
 * Chinese: "owner", "群主" or "负责人"; "committee" or "委员"; "liaison"
 * or "联络员"; "seed" or "骨干"; "member" or "成员".  English names match
 * in any ASCII case; Chinese names exactly (UTF-8); no surrounding space
 * is stripped.  "operator" is not a role one can hold on a node, so it,
 * NULL and anything unknown give RANK_NONE.
 */
enum role_rank role_parse(const char *);

/*
 * "none", "member", "seed", "liaison", "committee", "owner", "operator"
 * (the `rank' param of the help message); "unknown" for other values.
 * role_parse(role_str(r)) == r for the five roles.  Static storage.
 */
const char *role_str(enum role_rank);

/*
 * 1 if path is scope itself or lies below it: path == scope, or path
 * begins with scope followed by "/".  So "a/b/c" is within "a/b", and
 * "a/bc" is not.  Paths are compared as given (callers store them
 * normalised: no leading, trailing or doubled "/"); "" is within only "".
 * A community of an unbound chat, "chat:<adapter>:<chat>", has no
 * ancestors and no descendants: when either string begins with "chat:"
 * only equality counts, since a platform chat id may contain "/".  NULL
 * for either gives 0.
 */
int roles_path_is_within(const char *path, const char *scope);

/*
 * The rank a member has in `community' (a node path, or chat:… for an
 * unbound chat): RANK_OPERATOR if is_operator; otherwise the highest
 * rank among the grants whose node the community is within (a role on a
 * node is inherited by all its descendants, roles_path_is_within()), or
 * RANK_MEMBER when none applies.  A grant of RANK_OPERATOR counts as
 * RANK_OWNER (operators come only from the config); grants of RANK_NONE,
 * with a NULL node, or with an out-of-range rank are ignored.  grants may
 * be NULL when n is 0.  Never returns RANK_NONE.
 */
enum role_rank roles_effective(const char *community,
    const struct role_grant *grants, size_t n, int is_operator);

/*
 * 1 if a member of rank `have' may do what needs rank `need': have >=
 * need, with RANK_NONE counting as RANK_MEMBER.  Admin commands need
 * RANK_COMMITTEE, broadcasts RANK_LIAISON (SPEC section 4).
 */
int roles_may(enum role_rank have, enum role_rank need);

/*
 * 1 if a member of rank `have' may assign `role' with /role: operators
 * may assign any of member, seed, liaison, committee and owner; owners
 * any of those but owner; nobody else anything.  RANK_NONE and
 * RANK_OPERATOR are never assignable.
 */
int roles_may_grant(enum role_rank have, enum role_rank role);

#endif /* CORE_ROLES_H */
