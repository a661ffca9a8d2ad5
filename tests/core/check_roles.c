/*
 * check_roles.c -- role names, inheritance down the tower and rights
 * (SPEC sections 2 and 4): core/roles.h.
 */
#include <stddef.h>
#include <string.h>

#include <check.h>

#include "core/roles.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	const char *s;
	enum role_rank want;
} parse_rows[] = {
	{ "owner", RANK_OWNER },
	{ "群主", RANK_OWNER },
	{ "负责人", RANK_OWNER },
	{ "committee", RANK_COMMITTEE },
	{ "委员", RANK_COMMITTEE },
	{ "liaison", RANK_LIAISON },
	{ "联络员", RANK_LIAISON },
	{ "seed", RANK_SEED },
	{ "骨干", RANK_SEED },
	{ "member", RANK_MEMBER },
	{ "成员", RANK_MEMBER },
	{ "OWNER", RANK_OWNER },
	{ "Committee", RANK_COMMITTEE },
	{ "operator", RANK_NONE }, /* config only */
	{ "none", RANK_NONE },
	{ "", RANK_NONE },
	{ " owner", RANK_NONE },
	{ "owner ", RANK_NONE },
	{ "own", RANK_NONE },
	{ "owners", RANK_NONE },
	{ "群", RANK_NONE },
	{ "群主 ", RANK_NONE },
	{ "admin", RANK_NONE },
	{ "\xc5\xbf"
	  "eed",
	    RANK_NONE }, /* U+017F long s: no Unicode folding */
	{ NULL, RANK_NONE },
};

START_TEST(role_names_in_both_languages)
{
	enum role_rank got = role_parse(parse_rows[_i].s);

	ck_assert_msg(got == parse_rows[_i].want, "row %d (%s): got %s", _i,
	    parse_rows[_i].s ? parse_rows[_i].s : "NULL", role_str(got));
}
END_TEST

START_TEST(role_str_round_trips)
{
	enum role_rank r;

	for (r = RANK_MEMBER; r <= RANK_OWNER; r++)
		ck_assert_int_eq(role_parse(role_str(r)), r);
	ck_assert_str_eq(role_str(RANK_NONE), "none");
	ck_assert_str_eq(role_str(RANK_MEMBER), "member");
	ck_assert_str_eq(role_str(RANK_SEED), "seed");
	ck_assert_str_eq(role_str(RANK_LIAISON), "liaison");
	ck_assert_str_eq(role_str(RANK_COMMITTEE), "committee");
	ck_assert_str_eq(role_str(RANK_OWNER), "owner");
	ck_assert_str_eq(role_str(RANK_OPERATOR), "operator");
	ck_assert_str_eq(role_str((enum role_rank)40), "unknown");
}
END_TEST

static const struct {
	const char *path, *scope;
	int want;
} within_rows[] = {
	{ "a/b", "a/b", 1 },
	{ "a/b/c", "a/b", 1 },
	{ "a/b/c/d", "a/b", 1 },
	{ "a/bc", "a/b", 0 },  /* sibling with a common prefix */
	{ "a/b", "a/b/c", 0 }, /* ancestor is not within a child */
	{ "a", "a/b", 0 },
	{ "a/c", "a/b", 0 },
	{ "b/a/b", "a/b", 0 },
	{ "yiwu/suxi/liudu/zu-03", "yiwu", 1 },
	{ "yiwu/suxi/liudu/zu-03", "yiwu/suxi/liudu", 1 },
	{ "yiwu/suxi/liudu/zu-03", "yiwu/suxi/liu", 0 },
	{ "yiwu-2/suxi", "yiwu", 0 },
	{ "", "", 1 },
	{ "a", "", 0 }, /* no implicit root */
	{ "", "a", 0 },
	{ "chat:tg:-100", "chat:tg:-100", 1 },
	{ "chat:tg:-1001", "chat:tg:-100", 0 },
	{ "chat:dt:cid/x==", "chat:dt:cid", 0 }, /* a "/" in a chat id */
	{ "chat:tg:-100", "chat:tg", 0 },
	{ "chat:tg:-100", "chat", 0 },
	{ "chat/x", "chat", 1 }, /* a node slug "chat", not a chat */
	{ NULL, "a", 0 },
	{ "a", NULL, 0 },
	{ NULL, NULL, 0 },
};

START_TEST(path_within_scope)
{
	int got =
	    roles_path_is_within(within_rows[_i].path, within_rows[_i].scope);

	ck_assert_msg(got == within_rows[_i].want, "row %d (%s in %s): got %d",
	    _i, within_rows[_i].path ? within_rows[_i].path : "NULL",
	    within_rows[_i].scope ? within_rows[_i].scope : "NULL", got);
}
END_TEST

/* A village's owner, a group's liaison, a sibling village's committee. */
static const struct role_grant grants[] = {
	{ "yiwu/suxi", RANK_OWNER },
	{ "yiwu/suxi/liudu/zu-03", RANK_LIAISON },
	{ "yiwu/suxia", RANK_COMMITTEE },
	{ "yiwu/suxi/liudu", RANK_SEED },
};

START_TEST(role_inherited_down_the_path)
{
	ck_assert_int_eq(roles_effective("yiwu/suxi", grants, 4, 0),
	    RANK_OWNER);
	ck_assert_int_eq(roles_effective("yiwu/suxi/liudu", grants, 4, 0),
	    RANK_OWNER);
	ck_assert_int_eq(roles_effective("yiwu/suxi/liudu/zu-03", grants, 4, 0),
	    RANK_OWNER); /* the highest wins, not the nearest */
	ck_assert_int_eq(roles_effective("yiwu/suxi/liudu/zu-03", grants + 1, 3,
			     0),
	    RANK_LIAISON);
	ck_assert_int_eq(roles_effective("yiwu/suxi/liudu/zu-04", grants + 1, 3,
			     0),
	    RANK_SEED);
}
END_TEST

START_TEST(sibling_path_not_inherited)
{
	/* "yiwu/suxia" is not under "yiwu/suxi", nor the reverse */
	ck_assert_int_eq(roles_effective("yiwu/suxia/x", grants, 4, 0),
	    RANK_COMMITTEE);
	ck_assert_int_eq(roles_effective("yiwu/suxib", grants, 4, 0),
	    RANK_MEMBER);
	ck_assert_int_eq(roles_effective("yiwu", grants, 4, 0), RANK_MEMBER);
	ck_assert_int_eq(roles_effective("yiwu/suxi/liudux", grants + 1, 3, 0),
	    RANK_MEMBER);
}
END_TEST

START_TEST(unbound_chat_has_no_ancestors)
{
	const struct role_grant g[] = {
		{ "chat:tg:-100", RANK_COMMITTEE },
		{ "chat", RANK_OWNER },
		{ "chat:tg", RANK_OWNER },
	};

	ck_assert_int_eq(roles_effective("chat:tg:-100", g, 3, 0),
	    RANK_COMMITTEE);
	ck_assert_int_eq(roles_effective("chat:tg:-1001", g, 3, 0),
	    RANK_MEMBER);
	ck_assert_int_eq(roles_effective("chat:tg:-100/x", g, 3, 0),
	    RANK_MEMBER);
}
END_TEST

START_TEST(operator_and_defaults)
{
	const struct role_grant odd[] = {
		{ "a", RANK_OPERATOR }, /* stored "operator": owner at most */
		{ NULL, RANK_OWNER },
		{ "a", (enum role_rank)99 },
		{ "a", RANK_NONE },
	};

	ck_assert_int_eq(roles_effective("a", NULL, 0, 0), RANK_MEMBER);
	ck_assert_int_eq(roles_effective("a", NULL, 0, 1), RANK_OPERATOR);
	ck_assert_int_eq(roles_effective("x/y", grants, 4, 1), RANK_OPERATOR);
	ck_assert_int_eq(roles_effective("a/b", odd, 4, 0), RANK_OWNER);
	ck_assert_int_eq(roles_effective("a", odd + 1, 3, 0), RANK_MEMBER);
	ck_assert_int_eq(roles_effective(NULL, grants, 4, 0), RANK_MEMBER);
}
END_TEST

static const struct {
	enum role_rank have, need;
	int want;
} may_rows[] = {
	{ RANK_NONE, RANK_MEMBER, 1 },
	{ RANK_NONE, RANK_SEED, 0 },
	{ RANK_MEMBER, RANK_COMMITTEE, 0 },
	{ RANK_SEED, RANK_COMMITTEE, 0 },
	{ RANK_LIAISON, RANK_COMMITTEE, 0 },
	{ RANK_LIAISON, RANK_LIAISON, 1 }, /* broadcasts */
	{ RANK_SEED, RANK_LIAISON, 0 },
	{ RANK_COMMITTEE, RANK_COMMITTEE, 1 },
	{ RANK_OWNER, RANK_COMMITTEE, 1 },
	{ RANK_OPERATOR, RANK_COMMITTEE, 1 },
	{ RANK_OPERATOR, RANK_OPERATOR, 1 },
	{ RANK_OWNER, RANK_OPERATOR, 0 }, /* /bind */
	{ RANK_MEMBER, RANK_NONE, 1 },
};

START_TEST(admin_needs_committee)
{
	int got = roles_may(may_rows[_i].have, may_rows[_i].need);

	ck_assert_msg(got == may_rows[_i].want, "row %d: %s needs %s: got %d",
	    _i, role_str(may_rows[_i].have), role_str(may_rows[_i].need), got);
}
END_TEST

/* Every (have, role) pair: only operators grant owner, owners the rest. */
START_TEST(only_operator_grants_owner)
{
	enum role_rank have, role;
	int want, got;

	for (have = RANK_NONE; have <= RANK_OPERATOR; have++) {
		for (role = RANK_NONE; role <= RANK_OPERATOR; role++) {
			if (role == RANK_NONE || role == RANK_OPERATOR)
				want = 0;
			else if (role == RANK_OWNER)
				want = have == RANK_OPERATOR;
			else
				want =
				    have == RANK_OWNER || have == RANK_OPERATOR;
			got = roles_may_grant(have, role);
			ck_assert_msg(got == want, "%s grants %s: got %d",
			    role_str(have), role_str(role), got);
		}
	}
	/* spelled out, so the rule does not rest on the loop above alone */
	ck_assert(!roles_may_grant(RANK_OWNER, RANK_OWNER));
	ck_assert(roles_may_grant(RANK_OPERATOR, RANK_OWNER));
	ck_assert(roles_may_grant(RANK_OWNER, RANK_COMMITTEE));
	ck_assert(!roles_may_grant(RANK_COMMITTEE, RANK_LIAISON));
	ck_assert(!roles_may_grant(RANK_COMMITTEE, RANK_MEMBER));
	ck_assert(!roles_may_grant(RANK_OPERATOR, RANK_OPERATOR));
}
END_TEST

/* tests/suites.h declares only the generated list, not the suites. */
Suite *roles_suite(void);

Suite *
roles_suite(void)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("roles");

	tcase_add_loop_test(tc, role_names_in_both_languages, 0,
	    NROWS(parse_rows));
	tcase_add_test(tc, role_str_round_trips);
	tcase_add_loop_test(tc, path_within_scope, 0, NROWS(within_rows));
	tcase_add_test(tc, role_inherited_down_the_path);
	tcase_add_test(tc, sibling_path_not_inherited);
	tcase_add_test(tc, unbound_chat_has_no_ancestors);
	tcase_add_test(tc, operator_and_defaults);
	tcase_add_loop_test(tc, admin_needs_committee, 0, NROWS(may_rows));
	tcase_add_test(tc, only_operator_grants_owner);
	suite_add_tcase(s, tc);
	return (s);
}
