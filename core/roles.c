/*
 * roles.c -- role names, node-path inheritance and rights (SPEC section
 * 2); see roles.h.
 */
#include <stddef.h>
#include <string.h>

#include "core/roles.h"

#define ROLES_CHAT_PREFIX "chat:"

static int roles_is_chat(const char *);
static int roles_ascii_caseeq(const char *, const char *);

/* Every name role_parse() accepts, English first (the role_str() name). */
static const struct {
	const char *name;
	enum role_rank rank;
	int ascii_nocase;
} roles_names[] = {
	{ "owner", RANK_OWNER, 1 },
	{ "committee", RANK_COMMITTEE, 1 },
	{ "liaison", RANK_LIAISON, 1 },
	{ "seed", RANK_SEED, 1 },
	{ "member", RANK_MEMBER, 1 },
	{ "群主", RANK_OWNER, 0 },
	{ "负责人", RANK_OWNER, 0 },
	{ "委员", RANK_COMMITTEE, 0 },
	{ "联络员", RANK_LIAISON, 0 },
	{ "骨干", RANK_SEED, 0 },
	{ "成员", RANK_MEMBER, 0 },
};

static int
roles_is_chat(const char *s)
{
	return (strncmp(s, ROLES_CHAT_PREFIX, strlen(ROLES_CHAT_PREFIX)) == 0);
}

/* Locale-free: only A-Z fold, so a UTF-8 byte never matches by accident. */
static int
roles_ascii_caseeq(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return (0);
	} while (ca != '\0');
	return (1);
}

enum role_rank
role_parse(const char *s)
{
	size_t i;
	int same;

	if (s == NULL)
		return (RANK_NONE);
	for (i = 0; i < sizeof(roles_names) / sizeof(roles_names[0]); i++) {
		if (roles_names[i].ascii_nocase)
			same = roles_ascii_caseeq(s, roles_names[i].name);
		else
			same = strcmp(s, roles_names[i].name) == 0;
		if (same)
			return (roles_names[i].rank);
	}
	return (RANK_NONE);
}

const char *
role_str(enum role_rank r)
{
	switch (r) {
	case RANK_NONE:
		return ("none");
	case RANK_MEMBER:
		return ("member");
	case RANK_SEED:
		return ("seed");
	case RANK_LIAISON:
		return ("liaison");
	case RANK_COMMITTEE:
		return ("committee");
	case RANK_OWNER:
		return ("owner");
	case RANK_OPERATOR:
		return ("operator");
	}
	return ("unknown");
}

int
roles_path_is_within(const char *path, const char *scope)
{
	size_t len;

	if (path == NULL || scope == NULL)
		return (0);
	if (strcmp(path, scope) == 0)
		return (1);
	if (roles_is_chat(path) || roles_is_chat(scope))
		return (0);
	len = strlen(scope);
	return (strncmp(path, scope, len) == 0 && path[len] == '/');
}

enum role_rank
roles_effective(const char *community, const struct role_grant *grants,
    size_t n, int is_operator)
{
	enum role_rank best = RANK_MEMBER, r;
	size_t i;

	if (is_operator)
		return (RANK_OPERATOR);
	for (i = 0; i < n; i++) {
		r = grants[i].rank;
		if (r <= RANK_NONE || r > RANK_OPERATOR)
			continue;
		if (r == RANK_OPERATOR)
			r = RANK_OWNER;
		if (r > best && roles_path_is_within(community, grants[i].node))
			best = r;
	}
	return (best);
}

int
roles_may(enum role_rank have, enum role_rank need)
{
	if (have == RANK_NONE)
		have = RANK_MEMBER;
	return (have >= need);
}

int
roles_may_grant(enum role_rank have, enum role_rank role)
{
	if (role < RANK_MEMBER || role > RANK_OWNER)
		return (0);
	if (role == RANK_OWNER)
		return (have == RANK_OPERATOR);
	return (have == RANK_OWNER || have == RANK_OPERATOR);
}
