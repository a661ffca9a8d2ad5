/*
 * check_config.c -- config/config.c against SPEC section 7: the examples
 * parse, defaults apply, and every bad config fails with the exact key
 * path and problem.  The adapter rows use console and telegram, whose
 * init slots judge their own keys.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "config/config.h"
#include "tests/suites.h"

Suite *config_suite(void);

/* Environment seen by config_parse() in these tests: name, value, ... */
static const char *const fake_env[] = {
	"TG_TOKEN",
	"123456:AAE-fake_token",
	"TG_SECRET",
	"s3cret_Token",
	"TGPOOL_SECRET",
	"pool-secret",
	"TGPOOL_TOKEN_1",
	"111:one",
	"TGPOOL_TOKEN_2",
	"222:two",
	"TOWERBOT_ADMIN_TOKEN",
	"0123456789abcdef0123",
	"OP_USER",
	"1001",
	"RUNG",
	"warn",
	"EMPTY",
	"",
	NULL,
};

static const char *
fake_getenv(void *arg, const char *name)
{
	size_t i;

	(void)arg;
	for (i = 0; fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return (fake_env[i + 1]);
	return (NULL);
}

static int
parse(const char *json, struct config *cfg, struct config_err *err)
{
	return (config_parse(json, strlen(json), fake_getenv, NULL, cfg, err));
}

/* Parse json, which must be valid; the test fails with err otherwise. */
static void
parse_ok(const char *json, struct config *cfg)
{
	struct config_err err;

	ck_assert_msg(parse(json, cfg, &err) == 0, "parse failed: %s",
	    err.text);
}

/* Compare an owned json_t with the JSON text want. */
static void
assert_json(const json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	char *g;

	ck_assert_ptr_nonnull(w);
	g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_msg(json_equal(got, w), "got %s, want %s", g, want);
	free(g);
	json_decref(w);
}

/* The example of SPEC section 7, verbatim. */
static const char spec_example[] =
    "{\n"
    "  \"listen\": \"127.0.0.1:8080\",\n"
    "  \"redis\": \"spawn\",\n"
    "  \"data_dir\": \"./var\",\n"
    "  \"lang\": \"zh\",\n"
    "  \"timezone\": \"Asia/Shanghai\",\n"
    "  \"log\": { \"level\": \"info\", \"file\": \"-\" },\n"
    "  \"operators\": [ { \"adapter\": \"tg\", \"user\": \"1001\" } ],\n"
    "  \"covenant\": { \"absence_limit\": 3, \"restriction_activities\": "
    "1,\n"
    "                \"warn_ladder\": [\"remind\", \"warn\", "
    "\"blacklist\"], \"warn_expiry_days\": 90 },\n"
    "  \"adapters\": {\n"
    "    \"tg\": { \"platform\": \"telegram\", \"token\": "
    "\"env:TG_TOKEN\", \"secret_token\": \"env:TG_SECRET\",\n"
    "            \"api_base\": \"https://api.telegram.org\",\n"
    "            \"rate\": { \"per_second\": 30, \"burst\": 30, "
    "\"per_chat_per_minute\": 20 } }\n"
    "  }\n"
    "}\n";

START_TEST(spec_example_parses)
{
	const struct adapter_cfg *ad;
	const struct account_cfg *acct;
	struct config cfg;

	parse_ok(spec_example, &cfg);
	ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
	ck_assert_str_eq(cfg.redis, "spawn");
	ck_assert_str_eq(cfg.data_dir, "./var");
	ck_assert_int_eq(cfg.lang, CONFIG_LANG_ZH);
	ck_assert_str_eq(cfg.timezone, "Asia/Shanghai");
	ck_assert_int_eq(cfg.log_level, CONFIG_LOG_INFO);
	ck_assert_str_eq(cfg.log_file, "-");
	ck_assert_uint_eq(cfg.noperators, 1);
	ck_assert(config_is_operator(&cfg, "tg", "1001"));
	ck_assert_uint_eq(cfg.nadapters, 1);
	ad = config_adapter(&cfg, "tg");
	ck_assert_ptr_nonnull(ad);
	ck_assert_str_eq(ad->platform, "telegram");
	ck_assert_ptr_eq(ad->ops, adapter_ops_lookup("telegram"));
	ck_assert_uint_eq(ad->naccounts, 1);
	acct = config_account(ad, "");
	ck_assert_ptr_nonnull(acct);
	ck_assert_str_eq(acct->name, "");
	assert_json(acct->conf,
	    "{\"token\": \"123456:AAE-fake_token\", \"secret_token\": "
	    "\"s3cret_Token\", \"api_base\": \"https://api.telegram.org\"}");
	ck_assert_double_eq(acct->rate.per_second, 30);
	ck_assert_uint_eq(acct->rate.burst, 30);
	ck_assert_uint_eq(acct->rate.per_chat_per_minute, 20);
	config_clear(&cfg);
}
END_TEST

/* A telegram adapter that init accepts, as the tail of an object. */
#define TG                                                                     \
	"\"platform\": \"telegram\", \"token\": \"1:a\", \"secret_token\": "   \
	"\"s\""
#define AD "\"adapters\": {\"c\": {\"platform\": \"console\"}}}"
/* The smallest valid config. */
#define MINIMAL "{\"adapters\": {\"c\": {\"platform\": \"console\"}}}"

enum def_kind { DEF_STR, DEF_UINT, DEF_INT, DEF_SIZE, DEF_ENUM };

/* SPEC sections 3, 5 and 7: what a config without the key gets. */
static const struct {
	const char *key;
	enum def_kind kind;
	size_t off;
	long long num;
	const char *str;
} def_rows[] = {
	{ "listen", DEF_STR, offsetof(struct config, listen), 0,
	    "127.0.0.1:8080" },
	{ "redis", DEF_STR, offsetof(struct config, redis), 0, "spawn" },
	{ "redis_prefix", DEF_STR, offsetof(struct config, redis_prefix), 0,
	    "tb:" },
	{ "redis_server", DEF_STR, offsetof(struct config, redis_server), 0,
	    "redis-server" },
	{ "data_dir", DEF_STR, offsetof(struct config, data_dir), 0, "./var" },
	{ "lang", DEF_ENUM, offsetof(struct config, lang), CONFIG_LANG_ZH,
	    NULL },
	{ "timezone", DEF_STR, offsetof(struct config, timezone), 0,
	    "Asia/Shanghai" },
	{ "log.level", DEF_ENUM, offsetof(struct config, log_level),
	    CONFIG_LOG_INFO, NULL },
	{ "log.file", DEF_STR, offsetof(struct config, log_file), 0, "-" },
	{ "max_body", DEF_SIZE, offsetof(struct config, max_body), 1048576,
	    NULL },
	{ "admin_token", DEF_STR, offsetof(struct config, admin_token), 0,
	    NULL },
	{ "covenant.absence_limit", DEF_UINT,
	    offsetof(struct config, covenant.absence_limit), 3, NULL },
	{ "covenant.restriction_activities", DEF_UINT,
	    offsetof(struct config, covenant.restriction_activities), 1, NULL },
	{ "covenant.warn_expiry_days", DEF_UINT,
	    offsetof(struct config, covenant.warn_expiry_days), 90, NULL },
	{ "covenant.kick_on_blacklist", DEF_INT,
	    offsetof(struct config, covenant.kick_on_blacklist), 0, NULL },
	{ "covenant.late_cancel_hours", DEF_UINT,
	    offsetof(struct config, covenant.late_cancel_hours), 2, NULL },
	{ "covenant.checkin_before_minutes", DEF_UINT,
	    offsetof(struct config, covenant.checkin_before_minutes), 60,
	    NULL },
	{ "credit.initial", DEF_INT, offsetof(struct config, credit.initial),
	    100, NULL },
	{ "credit.attended", DEF_INT, offsetof(struct config, credit.attended),
	    2, NULL },
	{ "credit.absent", DEF_INT, offsetof(struct config, credit.absent), -10,
	    NULL },
	{ "credit.late_cancel", DEF_INT,
	    offsetof(struct config, credit.late_cancel), -3, NULL },
	{ "credit.remind", DEF_INT, offsetof(struct config, credit.remind), -2,
	    NULL },
	{ "credit.warn", DEF_INT, offsetof(struct config, credit.warn), -5,
	    NULL },
	{ "credit.blacklist", DEF_INT,
	    offsetof(struct config, credit.blacklist), -20, NULL },
	{ "delivery.max_attempts", DEF_UINT,
	    offsetof(struct config, delivery.max_attempts), 8, NULL },
	{ "delivery.urgent_deadline_s", DEF_UINT,
	    offsetof(struct config, delivery.urgent_deadline_s), 180, NULL },
	{ "delivery.escalate_urgent_s", DEF_UINT,
	    offsetof(struct config, delivery.escalate_urgent_s), 900, NULL },
	{ "delivery.escalate_normal_s", DEF_UINT,
	    offsetof(struct config, delivery.escalate_normal_s), 3600, NULL },
};

START_TEST(defaults_apply)
{
	struct config cfg;
	const char *base;
	long long got;
	const char *s;

	parse_ok(MINIMAL, &cfg);
	base = (const char *)&cfg;
	switch (def_rows[_i].kind) {
	case DEF_STR:
		s = *(char *const *)(base + def_rows[_i].off);
		if (def_rows[_i].str == NULL)
			ck_assert_msg(s == NULL, "row %d %s: got \"%s\"", _i,
			    def_rows[_i].key, s);
		else
			ck_assert_msg(s != NULL &&
					  strcmp(s, def_rows[_i].str) == 0,
			    "row %d %s: got \"%s\"", _i, def_rows[_i].key,
			    s == NULL ? "(null)" : s);
		config_clear(&cfg);
		return;
	case DEF_UINT:
		got = *(const unsigned int *)(base + def_rows[_i].off);
		break;
	case DEF_INT:
		got = *(const int *)(base + def_rows[_i].off);
		break;
	case DEF_SIZE:
		got = (long long)*(const size_t *)(base + def_rows[_i].off);
		break;
	case DEF_ENUM:
	default:
		got = *(const enum config_lang *)(base + def_rows[_i].off);
		break;
	}
	ck_assert_msg(got == def_rows[_i].num, "row %d %s: got %lld, want %lld",
	    _i, def_rows[_i].key, got, def_rows[_i].num);
	config_clear(&cfg);
}
END_TEST

/* The ladder and the platform rate table, which the rows cannot hold. */
START_TEST(defaults_ladder_and_platform_rates)
{
	const struct account_cfg *acct;
	struct config cfg;

	parse_ok("{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
		 "\"token\": \"1:a\", \"secret_token\": \"s\"}, "
		 "\"c\": {\"platform\": \"console\"}}}",
	    &cfg);
	ck_assert_uint_eq(cfg.covenant.nwarn_ladder, 3);
	ck_assert_str_eq(cfg.covenant.warn_ladder[0], "remind");
	ck_assert_str_eq(cfg.covenant.warn_ladder[1], "warn");
	ck_assert_str_eq(cfg.covenant.warn_ladder[2], "blacklist");
	ck_assert_uint_eq(cfg.noperators, 0);
	acct = config_account(config_adapter(&cfg, "tg"), "");
	ck_assert_double_eq(acct->rate.per_second, 30);
	ck_assert_uint_eq(acct->rate.burst, 30);
	ck_assert_uint_eq(acct->rate.per_chat_per_minute, 20);
	acct = config_account(config_adapter(&cfg, "c"), "");
	ck_assert_double_eq(acct->rate.per_second, 1000);
	ck_assert_uint_eq(acct->rate.burst, 1000);
	ck_assert_uint_eq(acct->rate.per_chat_per_minute, 60000);
	assert_json(acct->conf, "{}");
	config_clear(&cfg);
}
END_TEST

/* Every key set to a non-default value lands in its field. */
START_TEST(every_key_is_read)
{
	struct config cfg;

	parse_ok("{\"listen\": \"[::1]:9000\", \"redis\": "
		 "\"redis://10.0.0.5:6380/2\", \"redis_prefix\": \"x:\", "
		 "\"redis_server\": \"/opt/redis/bin/redis-server\", "
		 "\"data_dir\": \"/var/lib/towerbot\", \"lang\": \"en\", "
		 "\"timezone\": \"UTC\", \"log\": {\"level\": \"debug\", "
		 "\"file\": \"/var/log/towerbot.log\"}, \"max_body\": 1024, "
		 "\"admin_token\": \"env:TOWERBOT_ADMIN_TOKEN\", "
		 "\"covenant\": {\"absence_limit\": 5, "
		 "\"restriction_activities\": 0, \"warn_ladder\": "
		 "[\"warn\", \"blacklist\"], \"warn_expiry_days\": 30, "
		 "\"kick_on_blacklist\": true, \"late_cancel_hours\": 0, "
		 "\"checkin_before_minutes\": 15}, \"credit\": {\"initial\": "
		 "50, \"attended\": 1, \"absent\": -1, \"late_cancel\": -2, "
		 "\"remind\": 0, \"warn\": -3, \"blacklist\": -4}, "
		 "\"delivery\": {\"max_attempts\": 100, "
		 "\"urgent_deadline_s\": 60, \"escalate_urgent_s\": 600, "
		 "\"escalate_normal_s\": 7200}, " AD,
	    &cfg);
	ck_assert_str_eq(cfg.listen, "[::1]:9000");
	ck_assert_str_eq(cfg.redis, "redis://10.0.0.5:6380/2");
	ck_assert_str_eq(cfg.redis_prefix, "x:");
	ck_assert_str_eq(cfg.redis_server, "/opt/redis/bin/redis-server");
	ck_assert_str_eq(cfg.data_dir, "/var/lib/towerbot");
	ck_assert_int_eq(cfg.lang, CONFIG_LANG_EN);
	ck_assert_str_eq(cfg.timezone, "UTC");
	ck_assert_int_eq(cfg.log_level, CONFIG_LOG_DEBUG);
	ck_assert_str_eq(cfg.log_file, "/var/log/towerbot.log");
	ck_assert_uint_eq(cfg.max_body, 1024);
	ck_assert_str_eq(cfg.admin_token, "0123456789abcdef0123");
	ck_assert_uint_eq(cfg.covenant.absence_limit, 5);
	ck_assert_uint_eq(cfg.covenant.restriction_activities, 0);
	ck_assert_uint_eq(cfg.covenant.nwarn_ladder, 2);
	ck_assert_str_eq(cfg.covenant.warn_ladder[0], "warn");
	ck_assert_str_eq(cfg.covenant.warn_ladder[1], "blacklist");
	ck_assert_uint_eq(cfg.covenant.warn_expiry_days, 30);
	ck_assert_int_eq(cfg.covenant.kick_on_blacklist, 1);
	ck_assert_uint_eq(cfg.covenant.late_cancel_hours, 0);
	ck_assert_uint_eq(cfg.covenant.checkin_before_minutes, 15);
	ck_assert_int_eq(cfg.credit.initial, 50);
	ck_assert_int_eq(cfg.credit.attended, 1);
	ck_assert_int_eq(cfg.credit.absent, -1);
	ck_assert_int_eq(cfg.credit.late_cancel, -2);
	ck_assert_int_eq(cfg.credit.remind, 0);
	ck_assert_int_eq(cfg.credit.warn, -3);
	ck_assert_int_eq(cfg.credit.blacklist, -4);
	ck_assert_uint_eq(cfg.delivery.max_attempts, 100);
	ck_assert_uint_eq(cfg.delivery.urgent_deadline_s, 60);
	ck_assert_uint_eq(cfg.delivery.escalate_urgent_s, 600);
	ck_assert_uint_eq(cfg.delivery.escalate_normal_s, 7200);
	config_clear(&cfg);
	ck_assert_ptr_null(cfg.listen);
	ck_assert_ptr_null(cfg.admin_token);
	ck_assert_uint_eq(cfg.nadapters, 0);
}
END_TEST

/* One row per way a config can be wrong: the exact error. */
static const struct {
	const char *json, *want;
} bad_rows[] = {
	/* JSON itself */
	{ "{\"listen\": }", "line 1 column 12: unexpected token near '}'" },
	{ "{\"lang\": \"en\", \"lang\": \"zh\", " AD,
	    "line 1 column 21: duplicate object key near '\"lang\"'" },
	{ "[]", "top level: expected an object" },
	{ "{}", "adapters: missing" },
	/* unknown keys at each level */
	{ "{\"bogus\": 1, " AD, "bogus: unknown key" },
	{ "{\"log\": {\"lvl\": \"info\"}, " AD, "log.lvl: unknown key" },
	{ "{\"covenant\": {\"absense_limit\": 3}, " AD,
	    "covenant.absense_limit: unknown key" },
	{ "{\"credit\": {\"bonus\": 3}, " AD, "credit.bonus: unknown key" },
	{ "{\"delivery\": {\"retries\": 3}, " AD,
	    "delivery.retries: unknown key" },
	{ "{\"operators\": [{\"adapter\": \"c\", \"user\": \"a\", \"role\": "
	  "\"x\"}], " AD,
	    "operators[0].role: unknown key" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"foo\": 1}}}",
	    "adapters.c.foo: unknown key" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": "
	  "{\"per_minute\": 1}}}}",
	    "adapters.c.rate.per_minute: unknown key" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"tokn\": \"x\"}}}",
	    "adapters.tg.tokn: unknown key" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a1\": "
	  "{\"tokn\": \"x\"}}}}}",
	    "adapters.tg.accounts.a1.tokn: unknown key" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a1\": {\"rate\": "
	  "{\"brust\": 2}}}}}}",
	    "adapters.tg.accounts.a1.rate.brust: unknown key" },
	/* wrong types */
	{ "{\"listen\": 8080, " AD, "listen: expected a string" },
	{ "{\"admin_token\": null, " AD, "admin_token: expected a string" },
	{ "{\"log\": \"info\", " AD, "log: expected an object" },
	{ "{\"covenant\": [], " AD, "covenant: expected an object" },
	{ "{\"covenant\": {\"absence_limit\": \"3\"}, " AD,
	    "covenant.absence_limit: expected an integer" },
	{ "{\"covenant\": {\"absence_limit\": 3.0}, " AD,
	    "covenant.absence_limit: expected an integer" },
	{ "{\"covenant\": {\"kick_on_blacklist\": 1}, " AD,
	    "covenant.kick_on_blacklist: expected a boolean" },
	{ "{\"covenant\": {\"warn_ladder\": \"remind\"}, " AD,
	    "covenant.warn_ladder: expected an array" },
	{ "{\"covenant\": {\"warn_ladder\": [\"remind\", 2]}, " AD,
	    "covenant.warn_ladder[1]: expected a string" },
	{ "{\"credit\": {\"absent\": \"-10\"}, " AD,
	    "credit.absent: expected an integer" },
	{ "{\"max_body\": 1.5, " AD, "max_body: expected an integer" },
	{ "{\"operators\": {}, " AD, "operators: expected an array" },
	{ "{\"operators\": [\"c:alice\"], " AD,
	    "operators[0]: expected an object" },
	{ "{\"operators\": [{\"adapter\": \"c\", \"user\": 1001}], " AD,
	    "operators[0].user: expected a string" },
	{ "{\"adapters\": []}", "adapters: expected an object" },
	{ "{\"adapters\": {\"c\": \"console\"}}",
	    "adapters.c: expected an object" },
	{ "{\"adapters\": {\"c\": {\"platform\": 5}}}",
	    "adapters.c.platform: expected a string" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": "
	  "{\"per_second\": \"fast\"}}}}",
	    "adapters.c.rate.per_second: expected a number" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": 5}}}",
	    "adapters.c.rate: expected an object" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": []}}}",
	    "adapters.tg.accounts: expected an object" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a1\": 1}}}}",
	    "adapters.tg.accounts.a1: expected an object" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"api_base\": 1}}}",
	    "adapters.tg.api_base: expected a string" },
	/* ranges and values */
	{ "{\"covenant\": {\"absence_limit\": 0}, " AD,
	    "covenant.absence_limit: must be at least 1" },
	{ "{\"covenant\": {\"restriction_activities\": -1}, " AD,
	    "covenant.restriction_activities: must be at least 0" },
	{ "{\"covenant\": {\"warn_expiry_days\": 0}, " AD,
	    "covenant.warn_expiry_days: must be at least 1" },
	{ "{\"covenant\": {\"late_cancel_hours\": -2}, " AD,
	    "covenant.late_cancel_hours: must be at least 0" },
	{ "{\"covenant\": {\"warn_ladder\": []}, " AD,
	    "covenant.warn_ladder: must not be empty" },
	{ "{\"covenant\": {\"warn_ladder\": [\"remind\", \"ban\"]}, " AD,
	    "covenant.warn_ladder[1]: must be one of remind, warn, blacklist" },
	{ "{\"delivery\": {\"max_attempts\": 0}, " AD,
	    "delivery.max_attempts: must be at least 1" },
	{ "{\"delivery\": {\"max_attempts\": 101}, " AD,
	    "delivery.max_attempts: must be at most 100" },
	{ "{\"max_body\": 1023, " AD, "max_body: must be at least 1024" },
	{ "{\"max_body\": 67108865, " AD,
	    "max_body: must be at most 67108864" },
	{ "{\"admin_token\": \"short\", " AD,
	    "admin_token: must be at least 16 characters" },
	{ "{\"lang\": \"fr\", " AD, "lang: must be \"zh\" or \"en\"" },
	{ "{\"log\": {\"level\": \"verbose\"}, " AD,
	    "log.level: must be one of debug, info, warn, error" },
	{ "{\"log\": {\"file\": \"\"}, " AD,
	    "log.file: must not be empty (\"-\" is stderr)" },
	{ "{\"timezone\": \"\", " AD, "timezone: must not be empty" },
	{ "{\"data_dir\": \"\", " AD, "data_dir: must not be empty" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": "
	  "{\"per_second\": 0}}}}",
	    "adapters.c.rate.per_second: must be greater than 0" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": "
	  "{\"burst\": 0}}}}",
	    "adapters.c.rate.burst: must be at least 1" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"rate\": "
	  "{\"per_chat_per_minute\": 0}}}}",
	    "adapters.c.rate.per_chat_per_minute: must be at least 1" },
	/* listen */
	{ "{\"listen\": \"8080\", " AD, "listen: expected \"host:port\"" },
	{ "{\"listen\": \":8080\", " AD, "listen: empty host" },
	{ "{\"listen\": \"localhost:0\", " AD, "listen: port must be 1-65535" },
	{ "{\"listen\": \"localhost:65536\", " AD,
	    "listen: port must be 1-65535" },
	{ "{\"listen\": \"localhost:80x\", " AD,
	    "listen: port must be 1-65535" },
	{ "{\"listen\": \"localhost:\", " AD, "listen: port must be 1-65535" },
	{ "{\"listen\": \"::1:8080\", " AD,
	    "listen: an IPv6 address needs brackets: \"[::1]:8080\"" },
	/* redis */
	{ "{\"redis\": \"localhost:6379\", " AD,
	    "redis: expected \"spawn\", \"redis://host[:port][/db]\" or "
	    "\"unix:/path\"" },
	{ "{\"redis\": \"redis://\", " AD, "redis: empty host" },
	{ "{\"redis\": \"redis://:6379\", " AD, "redis: empty host" },
	{ "{\"redis\": \"redis://h:0\", " AD, "redis: port must be 1-65535" },
	{ "{\"redis\": \"redis://h:6379x/0\", " AD,
	    "redis: port must be 1-65535" },
	{ "{\"redis\": \"redis://h:6379/x\", " AD,
	    "redis: db must be a number" },
	{ "{\"redis\": \"redis://h/\", " AD, "redis: db must be a number" },
	{ "{\"redis\": \"redis://u:pw@h:6379\", " AD,
	    "redis: credentials in the URL are not supported" },
	{ "{\"redis\": \"unix:var/redis.sock\", " AD,
	    "redis: unix socket path must be absolute" },
	/* adapters and platforms */
	{ "{\"adapters\": {}}", "adapters: must name at least one adapter" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telgram\"}}}",
	    "adapters.tg.platform: unknown platform \"telgram\"" },
	{ "{\"adapters\": {\"tg\": {\"token\": \"1:a\"}}}",
	    "adapters.tg.platform: missing" },
	{ "{\"adapters\": {\"TG\": {\"platform\": \"console\"}}}",
	    "adapters.TG: adapter names are 1-32 characters of a-z, 0-9, _ "
	    "and -" },
	{ "{\"adapters\": {\"\": {\"platform\": \"console\"}}}",
	    "adapters.: adapter names are 1-32 characters of a-z, 0-9, _ "
	    "and -" },
	{ "{\"adapters\": {\"abcdefghijklmnopqrstuvwxyz0123456\": "
	  "{\"platform\": \"console\"}}}",
	    "adapters.abcdefghijklmnopqrstuvwxyz0123456: adapter names are "
	    "1-32 characters of a-z, 0-9, _ and -" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {}}}}",
	    "adapters.tg.accounts: must name at least one account" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a.b\": {}}}}}",
	    "adapters.tg.accounts.a.b: account names are 1-32 characters of "
	    "A-Z, a-z, 0-9, _ and -" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a1\": "
	  "{\"platform\": \"telegram\"}}}}}",
	    "adapters.tg.accounts.a1.platform: only allowed at the adapter "
	    "level" },
	/* adapter init errors, under the adapter or the account path */
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
	  "\"secret_token\": \"s\"}}}",
	    "adapters.tg.token: missing" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
	  "\"secret_token\": \"s\", \"accounts\": {\"a1\": {\"token\": "
	  "\"1:a\"}, \"a2\": {}}}}}",
	    "adapters.tg.accounts.a2.token: missing" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
	  "\"secret_token\": \"s\", \"username\": 5, \"accounts\": {\"a1\": "
	  "{\"token\": \"1:a\"}}}}}",
	    "adapters.tg.username: expected a string" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
	  "\"secret_token\": \"s\", \"username\": \"ok\", \"accounts\": "
	  "{\"a1\": {\"token\": \"1:a\", \"username\": 5}}}}}",
	    "adapters.tg.accounts.a1.username: expected a string" },
	/* env: resolution */
	{ "{\"admin_token\": \"env:NOPE\", " AD,
	    "admin_token: environment variable NOPE is not set" },
	{ "{\"admin_token\": \"env:\", " AD,
	    "admin_token: \"env:\" needs a variable name" },
	{ "{\"admin_token\": \"env:EMPTY\", " AD,
	    "admin_token: must be at least 16 characters" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"telegram\", \"token\": "
	  "\"env:NOPE\", \"secret_token\": \"s\"}}}",
	    "adapters.tg.token: environment variable NOPE is not set" },
	{ "{\"adapters\": {\"tg\": {" TG ", \"accounts\": {\"a1\": "
	  "{\"token\": \"env:TGPOOL_TOKEN_1\"}, \"a2\": {\"token\": "
	  "\"env:NOPE\"}}}}}",
	    "adapters.tg.accounts.a2.token: environment variable NOPE is not "
	    "set" },
	{ "{\"adapters\": {\"tg\": {\"platform\": \"env:NOPE\"}}}",
	    "adapters.tg.platform: environment variable NOPE is not set" },
	{ "{\"operators\": [{\"adapter\": \"c\", \"user\": \"env:NOPE\"}], " AD,
	    "operators[0].user: environment variable NOPE is not set" },
	{ "{\"covenant\": {\"warn_ladder\": [\"remind\", \"warn\", "
	  "\"env:NOPE\"]}, " AD,
	    "covenant.warn_ladder[2]: environment variable NOPE is not set" },
	{ "{\"adapters\": {\"c\": {\"platform\": \"console\", \"api_base\": "
	  "[\"x\", \"env:NOPE\"]}}}",
	    "adapters.c.api_base[1]: environment variable NOPE is not set" },
	/* operators */
	{ "{\"operators\": [{\"adapter\": \"c\", \"user\": \"a\"}, "
	  "{\"adapter\": \"c\"}], " AD,
	    "operators[1].user: missing" },
	{ "{\"operators\": [{\"user\": \"a\"}], " AD,
	    "operators[0].adapter: missing" },
	{ "{\"operators\": [{\"adapter\": \"tgg\", \"user\": \"a\"}], " AD,
	    "operators[0].adapter: no adapter named \"tgg\"" },
};

START_TEST(bad_config_names_key_path)
{
	struct config cfg;
	struct config_err err;
	int rc;

	memset(&err, 'x', sizeof(err));
	rc = parse(bad_rows[_i].json, &cfg, &err);
	ck_assert_msg(rc == -1, "row %d: accepted %s", _i, bad_rows[_i].json);
	ck_assert_msg(strcmp(err.text, bad_rows[_i].want) == 0,
	    "row %d: got \"%s\", want \"%s\"", _i, err.text, bad_rows[_i].want);
	/* A failed parse leaves nothing to free. */
	ck_assert_ptr_null(cfg.listen);
	ck_assert_ptr_null(cfg.adapters);
	ck_assert_ptr_null(cfg.operators);
}
END_TEST

/* env: values are resolved inside arrays, adapters and accounts. */
START_TEST(env_resolved_everywhere)
{
	const struct adapter_cfg *ad;
	struct config cfg;

	parse_ok("{\"operators\": [{\"adapter\": \"tg\", \"user\": "
		 "\"env:OP_USER\"}], \"covenant\": {\"warn_ladder\": "
		 "[\"remind\", \"env:RUNG\"]}, \"adapters\": {\"tg\": "
		 "{\"platform\": \"telegram\", \"secret_token\": "
		 "\"env:TGPOOL_SECRET\", \"accounts\": {\"bot1\": {\"token\": "
		 "\"env:TGPOOL_TOKEN_1\"}, \"bot2\": {\"token\": "
		 "\"env:TGPOOL_TOKEN_2\"}}}}}",
	    &cfg);
	ck_assert_str_eq(cfg.operators[0].user, "1001");
	ck_assert(config_is_operator(&cfg, "tg", "1001"));
	ck_assert_uint_eq(cfg.covenant.nwarn_ladder, 2);
	ck_assert_str_eq(cfg.covenant.warn_ladder[1], "warn");
	ad = config_adapter(&cfg, "tg");
	ck_assert_uint_eq(ad->naccounts, 2);
	assert_json(config_account(ad, "bot1")->conf,
	    "{\"secret_token\": \"pool-secret\", \"token\": \"111:one\"}");
	assert_json(config_account(ad, "bot2")->conf,
	    "{\"secret_token\": \"pool-secret\", \"token\": \"222:two\"}");
	config_clear(&cfg);
}
END_TEST

/*
 * An account's keys win over the adapter's; rates go platform default,
 * then the adapter's "rate", then the account's, key by key.
 */
START_TEST(accounts_merge_and_rate_order)
{
	const struct adapter_cfg *ad;
	const struct account_cfg *a;
	struct config cfg;

	parse_ok("{\"adapters\": {\"tg\": {\"platform\": \"telegram\", "
		 "\"api_base\": \"http://127.0.0.1:1\", \"secret_token\": "
		 "\"s\", \"rate\": {\"per_second\": 10.5, \"burst\": 12}, "
		 "\"accounts\": {\"a1\": {\"token\": \"1:a\"}, \"A-2\": "
		 "{\"token\": \"2:b\", \"api_base\": \"http://10.0.0.1\", "
		 "\"rate\": {\"burst\": 3, \"per_chat_per_minute\": 7}}}}}}",
	    &cfg);
	ad = config_adapter(&cfg, "tg");
	ck_assert_ptr_nonnull(ad);
	ck_assert_uint_eq(ad->naccounts, 2);
	ck_assert_ptr_eq(config_account(ad, ""), &ad->accounts[0]);
	a = config_account(ad, "a1");
	ck_assert_ptr_eq(a, &ad->accounts[0]);
	ck_assert_str_eq(a->name, "a1");
	assert_json(a->conf,
	    "{\"api_base\": \"http://127.0.0.1:1\", \"secret_token\": \"s\", "
	    "\"token\": \"1:a\"}");
	ck_assert_double_eq(a->rate.per_second, 10.5);
	ck_assert_uint_eq(a->rate.burst, 12);
	ck_assert_uint_eq(a->rate.per_chat_per_minute, 20);
	a = config_account(ad, "A-2");
	ck_assert_ptr_nonnull(a);
	assert_json(a->conf,
	    "{\"api_base\": \"http://10.0.0.1\", \"secret_token\": \"s\", "
	    "\"token\": \"2:b\"}");
	ck_assert_double_eq(a->rate.per_second, 10.5);
	ck_assert_uint_eq(a->rate.burst, 3);
	ck_assert_uint_eq(a->rate.per_chat_per_minute, 7);
	ck_assert_ptr_null(config_account(ad, "a3"));
	config_clear(&cfg);
}
END_TEST

START_TEST(lookups_answer_by_name)
{
	const struct adapter_cfg *ad;
	struct config cfg;

	parse_ok("{\"operators\": [{\"adapter\": \"c\", \"user\": \"alice\"}, "
		 "{\"adapter\": \"tg\", \"user\": \"-42\"}], \"adapters\": "
		 "{\"c\": {\"platform\": \"console\"}, \"tg\": {" TG "}}}",
	    &cfg);
	ck_assert(config_is_operator(&cfg, "c", "alice"));
	ck_assert(config_is_operator(&cfg, "tg", "-42"));
	ck_assert(!config_is_operator(&cfg, "tg", "alice"));
	ck_assert(!config_is_operator(&cfg, "c", "alic"));
	ad = config_adapter(&cfg, "c");
	ck_assert_ptr_eq(ad, &cfg.adapters[0]);
	ck_assert_ptr_eq(config_adapter(&cfg, "tg"), &cfg.adapters[1]);
	ck_assert_ptr_null(config_adapter(&cfg, "t"));
	ck_assert_ptr_eq(config_account(ad, ""), &ad->accounts[0]);
	ck_assert_ptr_null(config_account(ad, "x"));
	config_clear(&cfg);
}
END_TEST

/* The shipped examples parse (with their env: secrets supplied). */
static const char *const example_files[] = {
	TOWERBOT_SOURCE_DIR "/config/console.json",
	TOWERBOT_SOURCE_DIR "/config/towerbot.example.json",
};

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	ck_assert_msg(f != NULL, "%s: cannot open", path);
	buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return (buf);
}

START_TEST(example_files_parse)
{
	struct config cfg;
	struct config_err err;
	size_t len;
	char *buf;

	buf = read_file(example_files[_i], &len);
	ck_assert_msg(config_parse(buf, len, fake_getenv, NULL, &cfg, &err) ==
			  0,
	    "%s: %s", example_files[_i], err.text);
	free(buf);
	ck_assert_uint_ge(cfg.nadapters, 1);
	config_clear(&cfg);
}
END_TEST

/* console.json is the newcomer's demo: what it promises, it gives. */
START_TEST(console_demo_is_what_it_says)
{
	const struct adapter_cfg *ad;
	struct config cfg;
	struct config_err err;

	ck_assert_msg(config_load(TOWERBOT_SOURCE_DIR "/config/console.json",
			  &cfg, &err) == 0,
	    "%s", err.text);
	ck_assert_str_eq(cfg.redis, "spawn");
	ck_assert_str_eq(cfg.data_dir, "./var");
	ck_assert_int_eq(cfg.lang, CONFIG_LANG_EN);
	ck_assert_int_eq(cfg.log_level, CONFIG_LOG_INFO);
	ck_assert(config_is_operator(&cfg, "console", "alice"));
	ad = config_adapter(&cfg, "console");
	ck_assert_ptr_nonnull(ad);
	ck_assert_str_eq(ad->platform, "console");
	config_clear(&cfg);
}
END_TEST

/* The full example: accounts and every section as documented. */
START_TEST(full_example_has_accounts)
{
	const struct adapter_cfg *ad;
	struct config cfg;
	struct config_err err;
	size_t len;
	char *buf;

	buf = read_file(TOWERBOT_SOURCE_DIR "/config/towerbot.example.json",
	    &len);
	ck_assert_msg(config_parse(buf, len, fake_getenv, NULL, &cfg, &err) ==
			  0,
	    "%s", err.text);
	free(buf);
	ck_assert_str_eq(cfg.admin_token, "0123456789abcdef0123");
	ad = config_adapter(&cfg, "tgpool");
	ck_assert_ptr_nonnull(ad);
	ck_assert_uint_eq(ad->naccounts, 2);
	assert_json(config_account(ad, "bot2")->conf,
	    "{\"api_base\": \"https://api.telegram.org\", \"secret_token\": "
	    "\"pool-secret\", \"token\": \"222:two\"}");
	ck_assert_double_eq(config_account(ad, "bot2")->rate.per_second, 20);
	ck_assert_uint_eq(config_account(ad, "bot1")->rate.burst, 30);
	config_clear(&cfg);
}
END_TEST

START_TEST(load_reports_unreadable_file)
{
	struct config cfg;
	struct config_err err;

	ck_assert_int_eq(config_load(TOWERBOT_SOURCE_DIR "/config/nope.json",
			     &cfg, &err),
	    -1);
	ck_assert_str_eq(err.text,
	    TOWERBOT_SOURCE_DIR "/config/nope.json: No such file or directory");
	ck_assert_ptr_null(cfg.adapters);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, spec_example_parses);
	tcase_add_loop_test(tc, defaults_apply, 0,
	    sizeof(def_rows) / sizeof(def_rows[0]));
	tcase_add_test(tc, defaults_ladder_and_platform_rates);
	tcase_add_test(tc, every_key_is_read);
	tcase_add_loop_test(tc, bad_config_names_key_path, 0,
	    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_test(tc, env_resolved_everywhere);
	tcase_add_test(tc, accounts_merge_and_rate_order);
	tcase_add_test(tc, lookups_answer_by_name);
	tcase_add_loop_test(tc, example_files_parse, 0,
	    sizeof(example_files) / sizeof(example_files[0]));
	tcase_add_test(tc, console_demo_is_what_it_says);
	tcase_add_test(tc, full_example_has_accounts);
	tcase_add_test(tc, load_reports_unreadable_file);
	suite_add_tcase(s, tc);
	return (s);
}
