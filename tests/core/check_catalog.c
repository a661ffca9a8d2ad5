/*
 * check_catalog.c -- reply templates: core/catalog.h against the message
 * keys of bot/scripts/README.md (read from the source tree, so a key added
 * there without a template fails here).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "core/catalog.h"
#include "core/command.h"
#include "tests/suites.h"

#define NROWS(a)    ((int)(sizeof(a) / sizeof((a)[0])))
#define README_PATH TOWERBOT_SOURCE_DIR "/bot/scripts/README.md"
#define KEYS_MAX    128
#define PARAMS_MAX  16

/* One row of the README's "Message keys" table. */
struct readme_key {
	char key[64];
	char params[PARAMS_MAX][32];
	size_t nparams;
};

static struct readme_key readme_keys[KEYS_MAX];
static size_t readme_nkeys;

static char out[8192];

/* 1 if s is valid UTF-8 (no character cut). */
static int
utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int need;

	while (*u != '\0') {
		if (*u < 0x80)
			need = 0;
		else if ((*u & 0xe0) == 0xc0)
			need = 1;
		else if ((*u & 0xf0) == 0xe0)
			need = 2;
		else if ((*u & 0xf8) == 0xf0)
			need = 3;
		else
			return (0);
		u++;
		while (need-- > 0) {
			if ((*u & 0xc0) != 0x80)
				return (0);
			u++;
		}
	}
	return (1);
}

/*
 * Read the "### Message keys" tables: every row's first cell is a key in
 * backticks, the second the params, each in backticks (words inside
 * parentheses are explanations, not params).
 */
static void
readme_load(void)
{
	FILE *f;
	char line[1024], *p, *q, *cell2, *cell3;
	int in = 0, paren;
	struct readme_key *k;

	readme_nkeys = 0;
	f = fopen(README_PATH, "r");
	ck_assert_msg(f != NULL, "cannot open %s", README_PATH);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "### Message keys" and "### Message keys, additions" */
		if (strncmp(line, "### Message keys", 16) == 0) {
			in = 1;
			continue;
		}
		if (strncmp(line, "#", 1) == 0)
			in = 0;
		if (!in || strncmp(line, "| `", 3) != 0)
			continue;
		ck_assert(readme_nkeys < KEYS_MAX);
		k = &readme_keys[readme_nkeys++];
		memset(k, 0, sizeof(*k));
		p = line + 3;
		q = strchr(p, '`');
		ck_assert(q != NULL);
		snprintf(k->key, sizeof(k->key), "%.*s", (int)(q - p), p);
		cell2 = strchr(q, '|');
		ck_assert(cell2 != NULL);
		cell3 = strchr(cell2 + 1, '|');
		ck_assert(cell3 != NULL);
		*cell3 = '\0';
		paren = 0;
		for (p = cell2 + 1; *p != '\0'; p++) {
			if (*p == '(')
				paren++;
			else if (*p == ')')
				paren--;
			else if (*p == '`' && paren == 0 &&
				 (q = strchr(p + 1, '`')) != NULL) {
				if (k->nparams < PARAMS_MAX)
					snprintf(k->params[k->nparams++], 32,
					    "%.*s", (int)(q - p - 1), p + 1);
				p = q;
			} else if (*p == '`' &&
				   (q = strchr(p + 1, '`')) != NULL)
				p = q;
		}
	}
	fclose(f);
	ck_assert_uint_ge(readme_nkeys, 40);
	/* both tables were read */
	ck_assert_str_eq(readme_keys[0].key, "help");
	ck_assert_str_eq(readme_keys[readme_nkeys - 1].key, "escalation");
}

/* Sample values: enumerations get a real value, the rest a number. */
static const char *
sample_value(const char *param)
{
	static const struct {
		const char *p, *v;
	} s[] = { { "rank", "member" }, { "cmd", "signup" }, { "rung", "warn" },
		{ "role", "committee" }, { "state", "waitlisted" },
		{ "purpose", "council" }, { "title", "植树" },
		{ "name", "张三" }, { "place", "东门" },
		{ "path", "yiwu/suxi" }, { "node", "yiwu" },
		{ "scope", "yiwu" }, { "spec", "@bob" },
		{ "value", "13-01 10:00" }, { "delta", "-5" },
		{ "penalty", "-3" }, { "items", "#3 x" },
		{ "text", "今晚 8 点前报送人数" }, { "origin", "义乌" },
		{ "urgent", "1" }, { "ontime", "0" },
		{ "missing", "telegram: 2" } };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (strcmp(param, s[i].p) == 0)
			return (s[i].v);
	if (strlen(param) > 3 && strcmp(param + strlen(param) - 3, "_at") == 0)
		return ("2024-11-30 18:00");
	return ("3");
}

static size_t
render_key(enum catalog_lang lang, const struct readme_key *k, char *buf,
    size_t len)
{
	struct catalog_arg args[PARAMS_MAX];
	size_t i;

	for (i = 0; i < k->nparams; i++) {
		args[i].k = k->params[i];
		args[i].v = sample_value(k->params[i]);
	}
	return (catalog_render(lang, k->key, args, k->nparams, buf, len));
}

/* The params of each "<key>.item" (README: act_list, report, ...). */
static const struct {
	const char *key;
	const char *params[PARAMS_MAX];
} item_rows[] = {
	{ "act_list",
	    { "id", "title", "start_at", "signed", "cap", "waitlist" } },
	{ "act_choose",
	    { "id", "title", "start_at", "signed", "cap", "waitlist" } },
	{ "report", { "level", "targeted", "delivered", "failed", "pending",
			"p50", "p95", "max", "ack_chats", "ack_members" } },
	{ "stars", { "name", "node", "stars", "acked", "delivered" } },
	{ "escalation", { "chat", "node", "liaisons" } },
};

/*
 * "<key>.item" exists and, given a distinct value for each of its params,
 * shows every one of them in both languages.
 */
static void
check_item(const char *key)
{
	static const enum catalog_lang langs[] = { CATALOG_ZH, CATALOG_EN };
	struct catalog_arg args[PARAMS_MAX];
	char ikey[80], vals[PARAMS_MAX][16];
	size_t r, i, n, j;

	snprintf(ikey, sizeof(ikey), "%s.item", key);
	ck_assert_msg(catalog_has(ikey), "no %s", ikey);
	for (r = 0; r < sizeof(item_rows) / sizeof(item_rows[0]); r++)
		if (strcmp(item_rows[r].key, key) == 0)
			break;
	ck_assert_msg(r < sizeof(item_rows) / sizeof(item_rows[0]),
	    "no item params for %s in item_rows", key);
	for (n = 0; n < PARAMS_MAX && item_rows[r].params[n] != NULL; n++) {
		snprintf(vals[n], sizeof(vals[n]), "~%zu~", n + 1);
		args[n].k = item_rows[r].params[n];
		args[n].v = vals[n];
	}
	for (j = 0; j < 2; j++) {
		catalog_render(langs[j], ikey, args, n, out, sizeof(out));
		ck_assert_msg(strchr(out, '{') == NULL &&
				  strchr(out, '}') == NULL,
		    "%s lang %zu left a brace: %s", ikey, j, out);
		ck_assert_msg(utf8_valid(out), "%s lang %zu", ikey, j);
		for (i = 0; i < n; i++)
			ck_assert_msg(strstr(out, vals[i]) != NULL,
			    "%s lang %zu does not show %s: %s", ikey, j,
			    args[i].k, out);
	}
}

/* Every README key has a template that uses up every placeholder. */
START_TEST(every_readme_key_renders_in_both_languages)
{
	static const enum catalog_lang langs[] = { CATALOG_ZH, CATALOG_EN };
	size_t i, j, n;

	readme_load();
	for (i = 0; i < readme_nkeys; i++) {
		ck_assert_msg(catalog_has(readme_keys[i].key), "no template %s",
		    readme_keys[i].key);
		for (j = 0; j < 2; j++) {
			n = render_key(langs[j], &readme_keys[i], out,
			    sizeof(out));
			ck_assert_msg(n > 0 && strlen(out) == n, "%s empty",
			    readme_keys[i].key);
			ck_assert_msg(strcmp(out, readme_keys[i].key) != 0,
			    "%s renders as its key", readme_keys[i].key);
			ck_assert_msg(strchr(out, '{') == NULL &&
					  strchr(out, '}') == NULL,
			    "%s left a brace: %s", readme_keys[i].key, out);
			ck_assert_msg(utf8_valid(out), "%s",
			    readme_keys[i].key);
		}
		for (j = 0; j < readme_keys[i].nparams; j++) {
			if (strcmp(readme_keys[i].params[j], "items") == 0)
				check_item(readme_keys[i].key);
		}
	}
	/* and the catalogue has nothing the README does not know */
	for (i = 0; catalog_key(i) != NULL; i++) {
		char base[64];
		char *dot;

		snprintf(base, sizeof(base), "%s", catalog_key(i));
		if ((dot = strstr(base, ".item")) != NULL)
			*dot = '\0';
		for (j = 0; j < readme_nkeys; j++)
			if (strcmp(readme_keys[j].key, base) == 0)
				break;
		ck_assert_msg(j < readme_nkeys, "%s not in README",
		    catalog_key(i));
	}
	ck_assert_uint_eq(i, catalog_nkeys());
}
END_TEST

/* SPEC section 4: the English outcome words tests and users rely on. */
static const struct {
	const char *key;
	const char *word;
} outcome_rows[] = {
	{ "signup_ok", "signed up" },
	{ "signup_waitlist", "waitlist" },
	{ "signup_restricted", "restricted" },
	{ "signup_blacklisted", "blacklisted" },
	{ "signup_credit", "credit" },
	{ "not_allowed", "not allowed" },
	{ "unknown_command", "help" },
	{ "promoted", "signed up" },
};

START_TEST(english_names_the_outcome)
{
	static const struct catalog_arg args[] = { { "id", "3" },
		{ "title", "Cleanup" }, { "cmd", "newactivity" },
		{ "name", "frob" }, { "credit", "40" }, { "min", "60" },
		{ "pos", "2" }, { "left", "1" } };

	catalog_render(CATALOG_EN, outcome_rows[_i].key, args, NROWS(args), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, outcome_rows[_i].word) != NULL,
	    "row %d: %s: %s", _i, outcome_rows[_i].key, out);
}
END_TEST

START_TEST(enumerations_are_translated)
{
	struct catalog_arg a[] = { { "name", "张三" }, { "strike", "3" },
		{ "rung", "blacklist" }, { "delta", "-20" } };
	struct catalog_arg s[] = { { "id", "3" }, { "state", "waitlisted" } };
	struct catalog_arg r[] = { { "name", "Ann" }, { "role", "liaison" },
		{ "node", "yiwu" } };

	catalog_render(CATALOG_ZH, "warn_ok", a, 4, out, sizeof(out));
	ck_assert_msg(strstr(out, "拉黑") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "blacklist") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "-20") != NULL, "%s", out);
	a[2].v = "remind";
	catalog_render(CATALOG_ZH, "warn_ok", a, 4, out, sizeof(out));
	ck_assert_msg(strstr(out, "提醒") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "warn_ok", a, 4, out, sizeof(out));
	ck_assert_msg(strstr(out, "reminder") != NULL, "%s", out);

	catalog_render(CATALOG_ZH, "signup_already", s, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "候补") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "signup_already", s, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "waitlist") != NULL, "%s", out);

	catalog_render(CATALOG_ZH, "role_ok", r, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "联络员") != NULL, "%s", out);
	r[1].v = "owner";
	catalog_render(CATALOG_ZH, "role_ok", r, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "负责人") != NULL, "%s", out);
	/* a value the table does not know passes through */
	r[1].v = "wizard";
	catalog_render(CATALOG_ZH, "role_ok", r, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "wizard") != NULL, "%s", out);
}
END_TEST

/* {?k|...} and {!k|...}: unlimited capacity, optional place, penalty. */
START_TEST(conditionals_follow_their_param)
{
	struct catalog_arg a[] = { { "id", "7" }, { "title", "T" },
		{ "start_at", "S" }, { "cap", "0" }, { "place", "" },
		{ "deadline_at", "D" }, { "mincredit", "0" },
		{ "hours", "0" } };
	struct catalog_arg c[] = { { "id", "7" }, { "title", "T" },
		{ "penalty", "0" } };
	struct catalog_arg d[] = { { "name", "N" }, { "delta", "5" },
		{ "credit", "105" } };

	catalog_render(CATALOG_ZH, "act_created", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "不限") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "地点") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "最低信用") == NULL, "%s", out);
	catalog_render(CATALOG_EN, "act_created", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "unlimited") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Where") == NULL, "%s", out);
	a[3].v = "25";
	a[4].v = "Town Hall";
	a[7].v = "3";
	catalog_render(CATALOG_EN, "act_created", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "Seats: 25") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "unlimited") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "Where: Town Hall") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Volunteer hours: 3") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "/signup 7") != NULL, "%s", out);

	catalog_render(CATALOG_EN, "cancel_ok", c, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "credit") == NULL, "%s", out);
	c[2].v = "-3";
	catalog_render(CATALOG_EN, "cancel_ok", c, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "credit by -3") != NULL, "%s", out);
	catalog_render(CATALOG_ZH, "cancel_ok", c, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "信用") == NULL, "missing = 0: %s", out);

	catalog_render(CATALOG_EN, "credit_ok", d, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "+5") != NULL, "%s", out);
	d[1].v = "-5";
	catalog_render(CATALOG_EN, "credit_ok", d, 3, out, sizeof(out));
	ck_assert_msg(strstr(out, "-5") != NULL && strstr(out, "+-") == NULL,
	    "%s", out);
}
END_TEST

START_TEST(missing_params_render_empty)
{
	size_t n;

	n = catalog_render(CATALOG_EN, "leave_none", NULL, 3, out, sizeof(out));
	ck_assert_str_eq(out,
	    "You are not signed up for #, so no leave is needed.");
	ck_assert_uint_eq(n, strlen(out));
}
END_TEST

START_TEST(unknown_key_renders_itself)
{
	ck_assert_uint_eq(catalog_render(CATALOG_ZH, "no_such_key", NULL, 0,
			      out, sizeof(out)),
	    11);
	ck_assert_str_eq(out, "no_such_key");
	ck_assert(!catalog_has("no_such_key"));
	catalog_render(CATALOG_ZH, NULL, NULL, 0, out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

/* Commands named in replies are spelled as users type them. */
START_TEST(commands_are_named_per_language)
{
	struct catalog_arg a[] = { { "cmd", "signup" }, { "items", "#1" } };

	catalog_render(CATALOG_ZH, "act_choose", a, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "“报名 编号”") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "act_choose", a, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "/signup <id>") != NULL, "%s", out);
	a[0].v = "newactivity";
	catalog_render(CATALOG_ZH, "not_allowed", a, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "/发起活动") != NULL, "%s", out);
}
END_TEST

/* SPEC section 5: the broadcast asks for 收到 / /ack with its id. */
START_TEST(broadcast_asks_for_ack_with_its_id)
{
	struct catalog_arg a[] = { { "id", "42" },
		{ "text", "今晚 8 点前报送人数" }, { "urgent", "0" },
		{ "origin", "苏溪镇" } };

	catalog_render(CATALOG_ZH, "broadcast", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "“收到 42”") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "/ack 42") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "#42") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "今晚 8 点前报送人数") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "苏溪镇") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "broadcast", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "reply /ack 42") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "收到 42") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "今晚 8 点前报送人数") != NULL, "%s", out);
}
END_TEST

/* Urgent broadcasts carry a mark in front; normal ones none. */
static const struct {
	enum catalog_lang lang;
	const char *urgent;
	const char *mark;
} urgent_rows[] = {
	{ CATALOG_ZH, "1", "【紧急】" },
	{ CATALOG_EN, "1", "[URGENT] " },
	{ CATALOG_ZH, "0", NULL },
	{ CATALOG_EN, "0", NULL },
	{ CATALOG_ZH, NULL, NULL },
};

START_TEST(urgent_broadcasts_are_marked)
{
	struct catalog_arg a[] = { { "id", "7" }, { "text", "Flood warning" },
		{ "urgent", urgent_rows[_i].urgent } };
	size_t n = urgent_rows[_i].urgent != NULL ? 3 : 2;

	catalog_render(urgent_rows[_i].lang, "broadcast", a, n, out,
	    sizeof(out));
	if (urgent_rows[_i].mark != NULL)
		ck_assert_msg(strncmp(out, urgent_rows[_i].mark,
				  strlen(urgent_rows[_i].mark)) == 0,
		    "row %d: %s", _i, out);
	else
		ck_assert_msg(strstr(out, "紧急") == NULL &&
				  strstr(out, "URGENT") == NULL,
		    "row %d: %s", _i, out);
}
END_TEST

/* The sender learns the chats, the ETA and, when late, what is missing. */
START_TEST(broadcast_ok_says_chats_eta_and_shortfall)
{
	struct catalog_arg a[] = { { "id", "9" }, { "chats", "37074" },
		{ "eta_s", "150" }, { "deadline_s", "180" }, { "ontime", "1" },
		{ "late", "0" }, { "missing", "" } };

	catalog_render(CATALOG_ZH, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "#9") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "共 37074 个群") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "约 2 分 30 秒内") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "晚") == NULL, "on time: %s", out);
	catalog_render(CATALOG_EN, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "Chats: 37074") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "about 2 min 30 s") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "would get it late") == NULL, "on time: %s",
	    out);

	a[2].v = "400";
	a[4].v = "0";
	a[5].v = "20512";
	a[6].v = "telegram: 2, feishu: 1";
	catalog_render(CATALOG_ZH, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "约 6 分 40 秒内") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "3 分钟内送不完") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "约有 20512 个群会晚收到") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "发送账号：telegram: 2, feishu: 1") != NULL,
	    "%s", out);
	catalog_render(CATALOG_EN, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "within 3 min:") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "about 20512 chats would get it late") !=
			  NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "needed to be on time: telegram: 2, "
				  "feishu: 1.") != NULL,
	    "%s", out);
	/* late, but no identity would help (e.g. robot chats) */
	a[6].v = "";
	catalog_render(CATALOG_EN, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "late") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "identities needed") == NULL, "%s", out);
}
END_TEST

/* {k:dur}: seconds as a readable duration (broadcast_ok's eta_s). */
static const struct {
	const char *v, *zh, *en;
} dur_rows[] = {
	{ "0", "0 秒", "0 s" }, { "45", "45 秒", "45 s" },
	{ "44.1", "45 秒", "45 s" }, { "45.0", "45 秒", "45 s" },
	{ "60", "1 分钟", "1 min" }, { "75", "1 分 15 秒", "1 min 15 s" },
	{ "3599", "59 分 59 秒", "59 min 59 s" }, { "3600", "1 小时", "1 h" },
	{ "3601", "1 小时 1 分钟", "1 h 1 min" },
	{ "5400", "1 小时 30 分钟", "1 h 30 min" },
	{ "90000", "25 小时", "25 h" }, { "soon", "soon", "soon" },
	{ "1e3", "1e3", "1e3" }, { "-5", "-5", "-5" }, { "12.", "12.", "12." },
	{ "99999999999999999999999", "2777777777 小时 47 分钟",
	    "2777777777 h 47 min" }, /* capped: no overflow */
};

START_TEST(durations_are_readable)
{
	struct catalog_arg a[] = { { "id", "1" }, { "chats", "2" },
		{ "eta_s", dur_rows[_i].v }, { "ontime", "1" } };
	char want[128];

	catalog_render(CATALOG_ZH, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	snprintf(want, sizeof(want), "预计约 %s内全部送达", dur_rows[_i].zh);
	ck_assert_msg(strstr(out, want) != NULL, "row %d: %s", _i, out);
	catalog_render(CATALOG_EN, "broadcast_ok", a, NROWS(a), out,
	    sizeof(out));
	snprintf(want, sizeof(want), "about %s.", dur_rows[_i].en);
	ck_assert_msg(strstr(out, want) != NULL, "row %d: %s", _i, out);
}
END_TEST

/* SPEC section 5, "Report": every measure of a level, labelled. */
START_TEST(report_item_shows_every_measure)
{
	static const char *const zh[] = { "下 1 级", "目标 120 个群",
		"已送达 110", "失败 2", "待发送 8", "中位 12.5 秒",
		"95% 在 40.1 秒内", "最长 95.0 秒", "30 个群", "75 人" };
	static const char *const en[] = { "Level 1", "targeted 120",
		"delivered 110", "failed 2", "pending 8", "p50 12.5 s",
		"p95 40.1 s", "max 95.0 s", "30 chats", "75 members" };
	struct catalog_arg a[] = { { "level", "1" }, { "targeted", "120" },
		{ "delivered", "110" }, { "failed", "2" }, { "pending", "8" },
		{ "p50", "12.5" }, { "p95", "40.1" }, { "max", "95.0" },
		{ "ack_chats", "30" }, { "ack_members", "75" } };
	struct catalog_arg r[] = { { "id", "5" }, { "text", "防汛通知" },
		{ "created_at", "2024-11-30（周六）18:00" },
		{ "items", "LINES" } };
	size_t i;

	catalog_render(CATALOG_ZH, "report.item", a, NROWS(a), out,
	    sizeof(out));
	for (i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
		ck_assert_msg(strstr(out, zh[i]) != NULL, "%zu %s: %s", i,
		    zh[i], out);
	catalog_render(CATALOG_EN, "report.item", a, NROWS(a), out,
	    sizeof(out));
	for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
		ck_assert_msg(strstr(out, en[i]) != NULL, "%zu %s: %s", i,
		    en[i], out);
	/* level 0 is the origin node itself */
	a[0].v = "0";
	catalog_render(CATALOG_ZH, "report.item", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "本级") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "report.item", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "Level 0 (this node)") != NULL, "%s", out);
	/* nothing delivered yet: no reach times to show */
	a[2].v = "0";
	catalog_render(CATALOG_ZH, "report.item", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "已送达 0") != NULL &&
			  strstr(out, "中位") == NULL,
	    "%s", out);
	catalog_render(CATALOG_EN, "report.item", a, NROWS(a), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "delivered 0") != NULL &&
			  strstr(out, "p50") == NULL,
	    "%s", out);

	catalog_render(CATALOG_ZH, "report", r, NROWS(r), out, sizeof(out));
	ck_assert_msg(strstr(out, "#5") != NULL && strstr(out, "防汛通知") &&
			  strstr(out, "2024-11-30（周六）18:00") &&
			  strstr(out, "\nLINES"),
	    "%s", out);
	catalog_render(CATALOG_EN, "report", r, NROWS(r), out, sizeof(out));
	ck_assert_msg(strstr(out, "#5") != NULL && strstr(out, "防汛通知") &&
			  strstr(out, "2024-11-30") && strstr(out, "\nLINES"),
	    "%s", out);
}
END_TEST

/* SPEC section 5: the parent chat hears which chats are silent, and who. */
START_TEST(escalation_names_silent_chats_and_liaisons)
{
	struct catalog_arg e[] = { { "id", "12" }, { "count", "2" },
		{ "items", "CHATS" } };
	struct catalog_arg it[] = { { "chat", "三组志愿者群" },
		{ "node", "yiwu/suxi/zu-03" }, { "liaisons", "李四, 王五" } };

	catalog_render(CATALOG_ZH, "escalation", e, NROWS(e), out, sizeof(out));
	ck_assert_msg(strstr(out, "#12") != NULL && strstr(out, "2 个群") &&
			  strstr(out, "\nCHATS\n"),
	    "%s", out);
	catalog_render(CATALOG_EN, "escalation", e, NROWS(e), out, sizeof(out));
	ck_assert_msg(strstr(out, "#12") != NULL && strstr(out, "(2)") &&
			  strstr(out, "\nCHATS\n"),
	    "%s", out);

	catalog_render(CATALOG_ZH, "escalation.item", it, NROWS(it), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "三组志愿者群") != NULL &&
			  strstr(out, "yiwu/suxi/zu-03") &&
			  strstr(out, "联络员：李四, 王五"),
	    "%s", out);
	catalog_render(CATALOG_EN, "escalation.item", it, NROWS(it), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "三组志愿者群") != NULL &&
			  strstr(out, "liaisons: 李四, 王五"),
	    "%s", out);
	it[2].v = "";
	catalog_render(CATALOG_ZH, "escalation.item", it, NROWS(it), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "暂无联络员") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "escalation.item", it, NROWS(it), out,
	    sizeof(out));
	ck_assert_msg(strstr(out, "no liaison") != NULL, "%s", out);
}
END_TEST

/* Stars 1-5 with the counts behind them; 0 means no data yet. */
START_TEST(stars_show_rating_or_no_data)
{
	struct catalog_arg a[] = { { "name", "李四" }, { "node", "zu-03" },
		{ "stars", "4" }, { "acked", "8" }, { "delivered", "10" } };

	catalog_render(CATALOG_ZH, "stars.item", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "李四（zu-03）：4 星，按时确认 8/10") != NULL,
	    "%s", out);
	catalog_render(CATALOG_EN, "stars.item", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "4/5, 8 of 10 acknowledged") != NULL, "%s",
	    out);
	a[2].v = "0";
	a[3].v = "0";
	a[4].v = "0";
	catalog_render(CATALOG_ZH, "stars.item", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "暂无") != NULL &&
			  strstr(out, "0 星") == NULL,
	    "%s", out);
	catalog_render(CATALOG_EN, "stars.item", a, NROWS(a), out, sizeof(out));
	ck_assert_msg(strstr(out, "no broadcasts yet") != NULL &&
			  strstr(out, "0/5") == NULL,
	    "%s", out);
}
END_TEST

START_TEST(ack_ok_names_the_broadcast)
{
	struct catalog_arg a[] = { { "id", "31" } };

	catalog_render(CATALOG_ZH, "ack_ok", a, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "广播 #31") != NULL, "%s", out);
	catalog_render(CATALOG_EN, "ack_ok", a, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "Broadcast #31 is acknowledged") != NULL,
	    "%s", out);
}
END_TEST

/* help lists exactly the commands whose min_rank the rank reaches. */
static const struct {
	const char *rank;
	enum role_rank r;
} help_rows[] = {
	{ "member", RANK_MEMBER },
	{ "seed", RANK_SEED },
	{ "liaison", RANK_LIAISON },
	{ "committee", RANK_COMMITTEE },
	{ "owner", RANK_OWNER },
	{ "operator", RANK_OPERATOR },
	{ "bogus", RANK_MEMBER },
};

START_TEST(help_is_filtered_by_rank)
{
	struct catalog_arg a[] = { { "rank", help_rows[_i].rank } };
	const struct cmd_info *tab;
	size_t n, i;
	char word[64];
	int lang;

	tab = command_table(&n);
	for (lang = 0; lang < 2; lang++) {
		catalog_render(lang == 0 ? CATALOG_ZH : CATALOG_EN, "help", a,
		    1, out, sizeof(out));
		for (i = 0; i < n; i++) {
			/* the usage line starts a line of its own */
			snprintf(word, sizeof(word), "\n%s",
			    lang == 0 ? tab[i].usage_zh : tab[i].usage_en);
			ck_assert_msg((strstr(out, word) != NULL) ==
					  (tab[i].min_rank <= help_rows[_i].r),
			    "row %d lang %d: %s", _i, lang, tab[i].name);
		}
	}
}
END_TEST

START_TEST(help_and_usage_of_one_command)
{
	struct catalog_arg a[] = { { "rank", "member" },
		{ "cmd", "newactivity" } };

	catalog_render(CATALOG_EN, "help", a, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "/newactivity title") == out, "%s", out);
	ck_assert(strstr(out, "/signup") == NULL);
	catalog_render(CATALOG_EN, "usage", a + 1, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "cap=N") != NULL, "%s", out);
	catalog_render(CATALOG_ZH, "usage", a + 1, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "名额=N") != NULL, "%s", out);
	a[1].v = "报名";
	catalog_render(CATALOG_ZH, "usage", a + 1, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "报名 [活动编号]") != NULL, "%s", out);
	a[1].v = "nope";
	catalog_render(CATALOG_EN, "usage", a + 1, 1, out, sizeof(out));
	ck_assert_msg(strstr(out, "/help") != NULL, "%s", out);
}
END_TEST

/* Every buffer size cuts the full text at a character boundary. */
START_TEST(small_buffers_cut_at_a_character)
{
	static const char *const keys[] = { "signup_ok", "help", "me" };
	struct catalog_arg a[] = { { "id", "3" }, { "title", "敬老院探访" },
		{ "start_at", "2024-11-30（周六）18:00" }, { "signed", "5" },
		{ "cap", "10" }, { "rank", "operator" }, { "name", "张三" } };
	char full[8192], small[64];
	size_t k, len, n, fl;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		fl = catalog_render(CATALOG_ZH, keys[k], a, NROWS(a), full,
		    sizeof(full));
		for (len = 1; len <= sizeof(small); len++) {
			memset(small, 'Z', sizeof(small));
			n = catalog_render(CATALOG_ZH, keys[k], a, NROWS(a),
			    small, len);
			ck_assert_uint_lt(n, len);
			ck_assert_uint_eq(strlen(small), n);
			ck_assert_msg(utf8_valid(small), "%s len %zu", keys[k],
			    len);
			ck_assert(memcmp(small, full, n) == 0);
			/* no more than one character (4 bytes) was lost */
			ck_assert(n + 4 >= len - 1 || n == fl);
		}
	}
	ck_assert_uint_eq(catalog_render(CATALOG_ZH, "help", NULL, 0, small, 0),
	    0);
}
END_TEST

START_TEST(times_are_local)
{
	catalog_time(CATALOG_ZH, 1732960800, 28800, out, sizeof(out));
	ck_assert_str_eq(out, "2024-11-30（周六）18:00");
	catalog_time(CATALOG_EN, 1732960800, 28800, out, sizeof(out));
	ck_assert_str_eq(out, "Sat 2024-11-30 18:00");
	catalog_time(CATALOG_EN, 0, 0, out, sizeof(out));
	ck_assert_str_eq(out, "Thu 1970-01-01 00:00");
	catalog_time(CATALOG_EN, -1, 0, out, sizeof(out));
	ck_assert_str_eq(out, "Wed 1969-12-31 23:59");
	catalog_time(CATALOG_EN, INT64_MAX, 28800, out, sizeof(out));
	ck_assert(utf8_valid(out));
	catalog_time(CATALOG_ZH, 1709168400, 28800, out, 12);
	ck_assert_str_eq(out, "2024-02-29");
}
END_TEST

Suite *
catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, every_readme_key_renders_in_both_languages);
	tcase_add_loop_test(tc, english_names_the_outcome, 0,
	    NROWS(outcome_rows));
	tcase_add_test(tc, enumerations_are_translated);
	tcase_add_test(tc, conditionals_follow_their_param);
	tcase_add_test(tc, missing_params_render_empty);
	tcase_add_test(tc, unknown_key_renders_itself);
	tcase_add_test(tc, commands_are_named_per_language);
	suite_add_tcase(s, tc);

	tc = tcase_create("broadcast");
	tcase_add_test(tc, broadcast_asks_for_ack_with_its_id);
	tcase_add_loop_test(tc, urgent_broadcasts_are_marked, 0,
	    NROWS(urgent_rows));
	tcase_add_test(tc, broadcast_ok_says_chats_eta_and_shortfall);
	tcase_add_loop_test(tc, durations_are_readable, 0, NROWS(dur_rows));
	tcase_add_test(tc, report_item_shows_every_measure);
	tcase_add_test(tc, escalation_names_silent_chats_and_liaisons);
	tcase_add_test(tc, stars_show_rating_or_no_data);
	tcase_add_test(tc, ack_ok_names_the_broadcast);
	suite_add_tcase(s, tc);

	tc = tcase_create("help");
	tcase_add_loop_test(tc, help_is_filtered_by_rank, 0, NROWS(help_rows));
	tcase_add_test(tc, help_and_usage_of_one_command);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_test(tc, small_buffers_cut_at_a_character);
	tcase_add_test(tc, times_are_local);
	suite_add_tcase(s, tc);
	return (s);
}
