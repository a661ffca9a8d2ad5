/*
 * config.c -- JSON to struct config (SPEC section 7), with the defaults of
 * SPEC sections 3 and 5 and shared/platforms.
 *
 * Every object is walked key by key in document order, so the first error
 * reported is the first one in the file, and a key nobody knows is an error
 * at every level.  "env:NAME" strings are resolved where they are read.
 * The adapters' own keys are checked by their init slots, which is why an
 * adapter is built (and freed again) for every sending identity here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "config/config.h"
#include "core/xmem.h"

#define CONFIG_FILE_MAX     (4 * 1024 * 1024) /* config_load() limit */
#define CONFIG_PATH_MAX     256               /* key paths in errors */
#define CONFIG_NAME_MAX     32                /* adapter, account names */
#define CONFIG_ENV_PREFIX   "env:"
#define CONFIG_TOKEN_MIN    16 /* admin_token, characters */
#define CONFIG_BODY_MIN     1024
#define CONFIG_BODY_MAX     (64 * 1024 * 1024)
#define CONFIG_BODY_DEFAULT (1024 * 1024)

/* What config_parse() carries down the tree. */
struct config_ctx {
	config_getenv_fn *getenv_fn;
	void *getenv_arg;
	struct config_err *err;
};

enum config_kind {
	CONFIG_UINT, /* unsigned int, range checked */
	CONFIG_INT,  /* int, range checked */
	CONFIG_BOOL, /* int 0/1 */
};

/* One plain numeric or boolean key of a section, stored at base + off. */
struct config_field {
	const char *key;
	enum config_kind kind;
	size_t off;
	long long min, max;
};

/*
 * Default rates per platform (SPEC section 5), from the published limits
 * in shared/platforms/<platform>.md.  Where a platform publishes both a
 * per-second and a per-minute cap, the bucket is sized so that neither can
 * be exceeded.
 *
 * platform  per_second burst per_chat/min  source
 * telegram        30     30      20        ~30 msg/s per bot; 20 msg/min
 *                                          per group (Bots FAQ)
 * slack            1      5      60        chat.postMessage ~1 msg/s per
 *                                          channel, short bursts, and an
 *                                          unpublished workspace cap
 * feishu          16     30      60        im/v1/messages 50/s and
 *                                          1000/min per app (16/s + 30
 *                                          burst stays under both); 5 QPS
 *                                          per group shared by all bots,
 *                                          so 1/s per chat
 * dingtalk        20     20      20        custom robot 20 msg/min per
 *                                          chat, then a 10 min block;
 *                                          per-app cap unpublished
 * wecom           20     20      20        group robot 20 msg/min;
 *                                          10,000 calls/min per corp
 * onebot           2      2      20        nothing published; the
 *                                          implementation's own queue
 *                                          sends every 500 ms, and QQ's
 *                                          risk control punishes bursts
 * console       1000   1000   60000        stdout: effectively unlimited
 * (other)          1      1      20        unknown: be conservative
 */
static const struct config_rate_default {
	const char *platform;
	struct rate_cfg rate;
} config_rate_defaults[] = {
	{ "telegram", { 30, 30, 20 } },
	{ "slack", { 1, 5, 60 } },
	{ "feishu", { 16, 30, 60 } },
	{ "dingtalk", { 20, 20, 20 } },
	{ "wecom", { 20, 20, 20 } },
	{ "onebot", { 2, 2, 20 } },
	{ "console", { 1000, 1000, 60000 } },
};
static const struct rate_cfg config_rate_fallback = { 1, 1, 20 };

#define FIELD(s, k, kind, min, max)                                            \
	{                                                                      \
#k, kind, offsetof(struct s, k), min, max                      \
	}

/* SPEC section 3; warn_ladder is handled on its own. */
static const struct config_field config_covenant_fields[] = {
	FIELD(covenant_cfgs, absence_limit, CONFIG_UINT, 1, 1000),
	FIELD(covenant_cfgs, restriction_activities, CONFIG_UINT, 0, 1000),
	FIELD(covenant_cfgs, warn_expiry_days, CONFIG_UINT, 1, 36500),
	FIELD(covenant_cfgs, kick_on_blacklist, CONFIG_BOOL, 0, 1),
	FIELD(covenant_cfgs, late_cancel_hours, CONFIG_UINT, 0, 8760),
	FIELD(covenant_cfgs, checkin_before_minutes, CONFIG_UINT, 0, 10080),
	{ NULL, CONFIG_UINT, 0, 0, 0 },
};

/* SPEC section 3, "Credit score". */
static const struct config_field config_credit_fields[] = {
	FIELD(credit_cfg, initial, CONFIG_INT, 0, 1000000),
	FIELD(credit_cfg, attended, CONFIG_INT, -1000000, 1000000),
	FIELD(credit_cfg, absent, CONFIG_INT, -1000000, 1000000),
	FIELD(credit_cfg, late_cancel, CONFIG_INT, -1000000, 1000000),
	FIELD(credit_cfg, remind, CONFIG_INT, -1000000, 1000000),
	FIELD(credit_cfg, warn, CONFIG_INT, -1000000, 1000000),
	FIELD(credit_cfg, blacklist, CONFIG_INT, -1000000, 1000000),
	{ NULL, CONFIG_UINT, 0, 0, 0 },
};

/* SPEC section 5, "Delivery" and "Acknowledgement and escalation". */
static const struct config_field config_delivery_fields[] = {
	FIELD(delivery_cfg, max_attempts, CONFIG_UINT, 1, 100),
	FIELD(delivery_cfg, urgent_deadline_s, CONFIG_UINT, 1, 86400),
	FIELD(delivery_cfg, escalate_urgent_s, CONFIG_UINT, 1, 604800),
	FIELD(delivery_cfg, escalate_normal_s, CONFIG_UINT, 1, 604800),
	{ NULL, CONFIG_UINT, 0, 0, 0 },
};

static const char *const config_ladder_rungs[] = { "remind", "warn",
	"blacklist", NULL };

static int config_fail(struct config_ctx *, const char *path, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void config_fmt(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void config_path_key(char *, size_t, const char *, const char *);
static void config_path_index(char *, size_t, const char *, size_t);
static json_t *config_jcheck(json_t *);
static void config_json_wipe(json_t *);
static void config_json_free(json_t *);
static void config_str_free(char *);
static int config_env(struct config_ctx *, const char *path, const char *s,
    const char **out);
static int config_string(struct config_ctx *, const char *path, const json_t *,
    const char **out);
static int config_string_dup(struct config_ctx *, const char *path,
    const json_t *, char **out);
static json_t *config_resolve(struct config_ctx *, const char *path,
    const json_t *);
static int config_object(struct config_ctx *, const char *path, const json_t *);
static int config_field_set(struct config_ctx *, const char *path,
    const struct config_field *, const json_t *, void *base);
static int config_fields(struct config_ctx *, const char *path, const json_t *,
    const struct config_field *, void *base);
static int config_listen_check(struct config_ctx *, const char *);
static int config_port_check(const char *, size_t);
static int config_redis_check(struct config_ctx *, const char *);
static int config_name_ok(const char *, int upper);
static void config_defaults(struct config *);
static int config_log(struct config_ctx *, const json_t *, struct config *);
static int config_covenant(struct config_ctx *, const json_t *,
    struct config *);
static int config_operators(struct config_ctx *, const json_t *,
    struct config *);
static int config_operators_check(struct config_ctx *, const struct config *);
static int config_rate(struct config_ctx *, const char *path, const json_t *,
    struct rate_cfg *);
static struct rate_cfg config_rate_default(const char *platform);
static int config_conf_merge(struct config_ctx *, const char *path,
    const json_t *from, json_t *into, int account);
static int config_init_check(struct config_ctx *, const struct adapter_cfg *,
    const char *path, const char *alt_path, const json_t *alt,
    const json_t *own, const json_t *conf);
static int config_account_build(struct config_ctx *, struct adapter_cfg *,
    const char *path, const json_t *adapter, const char *name,
    const json_t *account, const struct rate_cfg *);
static int config_adapter_build(struct config_ctx *, const char *name,
    const json_t *, struct adapter_cfg *);
static int config_adapters(struct config_ctx *, const json_t *,
    struct config *);
static int config_nonempty(struct config_ctx *, const char *, const json_t *,
    char **);
static int config_top(struct config_ctx *, const json_t *, struct config *);
static config_getenv_fn config_getenv;

/* Write "path: problem" into the error; always returns -1. */
static int
config_fail(struct config_ctx *ctx, const char *path, const char *fmt, ...)
{
	char msg[sizeof(ctx->err->text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_fmt(ctx->err->text, sizeof(ctx->err->text), "%s: %s", path, msg);
	return (-1);
}

/* snprintf that may cut (key paths in errors need not be complete). */
static void
config_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* parent.key, or key at the top level. */
static void
config_path_key(char *buf, size_t len, const char *parent, const char *key)
{
	if (*parent == '\0')
		config_fmt(buf, len, "%s", key);
	else
		config_fmt(buf, len, "%s.%s", parent, key);
}

static void
config_path_index(char *buf, size_t len, const char *parent, size_t i)
{
	config_fmt(buf, len, "%s[%zu]", parent, i);
}

/* jansson constructors return NULL only when out of memory: abort, as xmem. */
static json_t *
config_jcheck(json_t *j)
{
	if (j == NULL)
		abort();
	return (j);
}

/*
 * Zero every string value under j in place.  jansson hands out its
 * buffers as const, but they are plain heap memory the json_t owns.
 */
static void
config_json_wipe(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j))
		explicit_bzero((char *)json_string_value(j),
		    json_string_length(j));
	else if (json_is_object(j)) {
		json_object_foreach(j, key, v) config_json_wipe(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) config_json_wipe(v);
	}
}

/* Wipe and release a json_t this module owns; NULL is a no-op. */
static void
config_json_free(json_t *j)
{
	if (j == NULL)
		return;
	config_json_wipe(j);
	json_decref(j);
}

static void
config_str_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Resolve s: "env:NAME" becomes the variable's value (borrowed from the
 * getenv function), anything else is itself.
 */
static int
config_env(struct config_ctx *ctx, const char *path, const char *s,
    const char **out)
{
	const char *name, *val;

	*out = NULL;
	if (strncmp(s, CONFIG_ENV_PREFIX, strlen(CONFIG_ENV_PREFIX)) != 0) {
		*out = s;
		return (0);
	}
	name = s + strlen(CONFIG_ENV_PREFIX);
	if (*name == '\0')
		return (
		    config_fail(ctx, path, "\"env:\" needs a variable name"));
	val = ctx->getenv_fn(ctx->getenv_arg, name);
	if (val == NULL)
		return (config_fail(ctx, path,
		    "environment variable %s is not set", name));
	*out = val;
	return (0);
}

/* A string value at path, env: resolved; *out is borrowed. */
static int
config_string(struct config_ctx *ctx, const char *path, const json_t *v,
    const char **out)
{
	*out = NULL;
	if (!json_is_string(v))
		return (config_fail(ctx, path, "expected a string"));
	return (config_env(ctx, path, json_string_value(v), out));
}

/* As config_string(), into an owned copy (the old *out is released). */
static int
config_string_dup(struct config_ctx *ctx, const char *path, const json_t *v,
    char **out)
{
	const char *s;

	if (config_string(ctx, path, v, &s) == -1)
		return (-1);
	config_str_free(*out);
	*out = xstrdup(s);
	return (0);
}

/* A deep copy of v with every "env:NAME" string resolved; NULL on error. */
static json_t *
config_resolve(struct config_ctx *ctx, const char *path, const json_t *v)
{
	char sub[CONFIG_PATH_MAX];
	const char *key, *s;
	json_t *out, *item, *copy;
	size_t i;

	if (json_is_string(v)) {
		if (config_env(ctx, path, json_string_value(v), &s) == -1)
			return (NULL);
		if ((out = json_string(s)) == NULL)
			config_fail(ctx, path, "value is not valid UTF-8");
		return (out);
	}
	if (json_is_object(v)) {
		out = config_jcheck(json_object());
		json_object_foreach((json_t *)v, key, item)
		{
			config_path_key(sub, sizeof(sub), path, key);
			if ((copy = config_resolve(ctx, sub, item)) == NULL) {
				config_json_free(out);
				return (NULL);
			}
			if (json_object_set_new(out, key, copy) == -1)
				abort();
		}
		return (out);
	}
	if (json_is_array(v)) {
		out = config_jcheck(json_array());
		json_array_foreach(v, i, item)
		{
			config_path_index(sub, sizeof(sub), path, i);
			if ((copy = config_resolve(ctx, sub, item)) == NULL) {
				config_json_free(out);
				return (NULL);
			}
			if (json_array_append_new(out, copy) == -1)
				abort();
		}
		return (out);
	}
	return (config_jcheck(json_copy((json_t *)v)));
}

static int
config_object(struct config_ctx *ctx, const char *path, const json_t *v)
{
	if (!json_is_object(v))
		return (config_fail(ctx, path, "expected an object"));
	return (0);
}

static int
config_field_set(struct config_ctx *ctx, const char *path,
    const struct config_field *f, const json_t *v, void *base)
{
	json_int_t n;

	if (f->kind == CONFIG_BOOL) {
		if (!json_is_boolean(v))
			return (config_fail(ctx, path, "expected a boolean"));
		*(int *)((char *)base + f->off) = json_is_true(v);
		return (0);
	}
	if (!json_is_integer(v))
		return (config_fail(ctx, path, "expected an integer"));
	n = json_integer_value(v);
	if (n < f->min)
		return (
		    config_fail(ctx, path, "must be at least %lld", f->min));
	if (n > f->max)
		return (config_fail(ctx, path, "must be at most %lld", f->max));
	if (f->kind == CONFIG_UINT)
		*(unsigned int *)((char *)base + f->off) = (unsigned int)n;
	else
		*(int *)((char *)base + f->off) = (int)n;
	return (0);
}

/* A section made only of fields (credit, delivery). */
static int
config_fields(struct config_ctx *ctx, const char *path, const json_t *obj,
    const struct config_field *fields, void *base)
{
	char sub[CONFIG_PATH_MAX];
	const struct config_field *f;
	const char *key;
	json_t *v;

	if (config_object(ctx, path, obj) == -1)
		return (-1);
	json_object_foreach((json_t *)obj, key, v)
	{
		config_path_key(sub, sizeof(sub), path, key);
		for (f = fields; f->key != NULL; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (f->key == NULL)
			return (config_fail(ctx, sub, "unknown key"));
		if (config_field_set(ctx, sub, f, v, base) == -1)
			return (-1);
	}
	return (0);
}

/* 1 if s[0..len) is a decimal port 1-65535. */
static int
config_port_check(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t i;

	if (len == 0 || len > 5)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return (port >= 1 && port <= 65535);
}

/* "host:port", "[v6]:port"; the host is resolved by bot/, not here. */
static int
config_listen_check(struct config_ctx *ctx, const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t hostlen;

	if (colon == NULL)
		return (config_fail(ctx, "listen", "expected \"host:port\""));
	hostlen = (size_t)(colon - s);
	if (hostlen == 0)
		return (config_fail(ctx, "listen", "empty host"));
	if (s[0] == '[') {
		if (hostlen < 3 || s[hostlen - 1] != ']')
			return (config_fail(ctx, "listen",
			    "expected \"host:port\""));
	} else if (memchr(s, ':', hostlen) != NULL)
		return (config_fail(ctx, "listen",
		    "an IPv6 address needs brackets: \"[::1]:8080\""));
	if (!config_port_check(colon + 1, strlen(colon + 1)))
		return (config_fail(ctx, "listen", "port must be 1-65535"));
	return (0);
}

/* "spawn", "redis://host[:port][/db]" or "unix:/path" (SPEC section 7). */
static int
config_redis_check(struct config_ctx *ctx, const char *s)
{
	const char *host, *end, *slash, *colon, *p;

	if (strcmp(s, "spawn") == 0)
		return (0);
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/')
			return (config_fail(ctx, "redis",
			    "unix socket path must be absolute"));
		return (0);
	}
	if (strncmp(s, "redis://", 8) != 0)
		return (config_fail(ctx, "redis",
		    "expected \"spawn\", \"redis://host[:port][/db]\" or "
		    "\"unix:/path\""));
	host = s + 8;
	if ((slash = strchr(host, '/')) == NULL)
		slash = host + strlen(host);
	end = slash;
	if (host[0] == '[') {
		if ((p = memchr(host, ']', (size_t)(slash - host))) == NULL)
			return (config_fail(ctx, "redis",
			    "unterminated IPv6 address"));
		colon = p + 1 < slash && p[1] == ':' ? p + 1 : NULL;
		if (colon == NULL && p + 1 != slash)
			return (config_fail(ctx, "redis",
			    "expected \"redis://host[:port][/db]\""));
		end = p + 1;
	} else {
		colon = memchr(host, ':', (size_t)(slash - host));
		if (colon != NULL)
			end = colon;
	}
	if (end == host)
		return (config_fail(ctx, "redis", "empty host"));
	if (memchr(host, '@', (size_t)(slash - host)) != NULL)
		return (config_fail(ctx, "redis",
		    "credentials in the URL are not supported"));
	if (colon != NULL &&
	    !config_port_check(colon + 1, (size_t)(slash - colon - 1)))
		return (config_fail(ctx, "redis", "port must be 1-65535"));
	if (*slash == '/') {
		p = slash + 1;
		if (*p == '\0' || strlen(p) > 9 ||
		    strspn(p, "0123456789") != strlen(p))
			return (
			    config_fail(ctx, "redis", "db must be a number"));
	}
	return (0);
}

/* [a-z0-9_-]{1,32}, with A-Z too when upper. */
static int
config_name_ok(const char *s, int upper)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > CONFIG_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || (upper && c >= 'A' && c <= 'Z'))
			continue;
		return (0);
	}
	return (1);
}

/* SPEC sections 3, 5 and 7. */
static void
config_defaults(struct config *cfg)
{
	size_t i;

	cfg->listen = xstrdup("127.0.0.1:8080");
	cfg->redis = xstrdup("spawn");
	cfg->redis_prefix = xstrdup("tb:");
	cfg->redis_server = xstrdup("redis-server");
	cfg->data_dir = xstrdup("./var");
	cfg->lang = CONFIG_LANG_ZH;
	cfg->timezone = xstrdup("Asia/Shanghai");
	cfg->log_level = CONFIG_LOG_INFO;
	cfg->log_file = xstrdup("-");
	cfg->max_body = CONFIG_BODY_DEFAULT;

	cfg->covenant.absence_limit = 3;
	cfg->covenant.restriction_activities = 1;
	cfg->covenant.nwarn_ladder = 3;
	cfg->covenant.warn_ladder = xcalloc(3, sizeof(char *));
	for (i = 0; i < 3; i++)
		cfg->covenant.warn_ladder[i] = xstrdup(config_ladder_rungs[i]);
	cfg->covenant.warn_expiry_days = 90;
	cfg->covenant.kick_on_blacklist = 0;
	cfg->covenant.late_cancel_hours = 2;
	cfg->covenant.checkin_before_minutes = 60;

	cfg->credit.initial = 100;
	cfg->credit.attended = 2;
	cfg->credit.absent = -10;
	cfg->credit.late_cancel = -3;
	cfg->credit.remind = -2;
	cfg->credit.warn = -5;
	cfg->credit.blacklist = -20;

	cfg->delivery.max_attempts = 8;
	cfg->delivery.urgent_deadline_s = 180;
	cfg->delivery.escalate_urgent_s = 900;
	cfg->delivery.escalate_normal_s = 3600;
}

static int
config_log(struct config_ctx *ctx, const json_t *obj, struct config *cfg)
{
	static const char *const levels[] = { "debug", "info", "warn",
		"error" };
	char sub[CONFIG_PATH_MAX];
	const char *key, *s;
	json_t *v;
	size_t i;

	if (config_object(ctx, "log", obj) == -1)
		return (-1);
	json_object_foreach((json_t *)obj, key, v)
	{
		config_path_key(sub, sizeof(sub), "log", key);
		if (strcmp(key, "level") == 0) {
			if (config_string(ctx, sub, v, &s) == -1)
				return (-1);
			for (i = 0; i < 4; i++)
				if (strcmp(s, levels[i]) == 0)
					break;
			if (i == 4)
				return (config_fail(ctx, sub,
				    "must be one of debug, info, warn, "
				    "error"));
			cfg->log_level = (enum config_log_level)i;
		} else if (strcmp(key, "file") == 0) {
			if (config_string_dup(ctx, sub, v, &cfg->log_file) ==
			    -1)
				return (-1);
			if (*cfg->log_file == '\0')
				return (config_fail(ctx, sub,
				    "must not be empty (\"-\" is stderr)"));
		} else
			return (config_fail(ctx, sub, "unknown key"));
	}
	return (0);
}

static int
config_covenant(struct config_ctx *ctx, const json_t *obj, struct config *cfg)
{
	char sub[CONFIG_PATH_MAX], elem[CONFIG_PATH_MAX];
	const struct config_field *f;
	const char *key, *s;
	json_t *v, *rung;
	size_t i, j, n;

	if (config_object(ctx, "covenant", obj) == -1)
		return (-1);
	json_object_foreach((json_t *)obj, key, v)
	{
		config_path_key(sub, sizeof(sub), "covenant", key);
		if (strcmp(key, "warn_ladder") != 0) {
			for (f = config_covenant_fields; f->key != NULL; f++)
				if (strcmp(f->key, key) == 0)
					break;
			if (f->key == NULL)
				return (config_fail(ctx, sub, "unknown key"));
			if (config_field_set(ctx, sub, f, v, &cfg->covenant) ==
			    -1)
				return (-1);
			continue;
		}
		if (!json_is_array(v))
			return (config_fail(ctx, sub, "expected an array"));
		if ((n = json_array_size(v)) == 0)
			return (config_fail(ctx, sub, "must not be empty"));
		for (i = 0; i < cfg->covenant.nwarn_ladder; i++)
			free(cfg->covenant.warn_ladder[i]);
		free(cfg->covenant.warn_ladder);
		cfg->covenant.warn_ladder = xcalloc(n, sizeof(char *));
		cfg->covenant.nwarn_ladder = n;
		json_array_foreach(v, i, rung)
		{
			config_path_index(elem, sizeof(elem), sub, i);
			if (config_string(ctx, elem, rung, &s) == -1)
				return (-1);
			for (j = 0; config_ladder_rungs[j] != NULL; j++)
				if (strcmp(s, config_ladder_rungs[j]) == 0)
					break;
			if (config_ladder_rungs[j] == NULL)
				return (config_fail(ctx, elem,
				    "must be one of remind, warn, "
				    "blacklist"));
			cfg->covenant.warn_ladder[i] = xstrdup(s);
		}
	}
	return (0);
}

static int
config_operators(struct config_ctx *ctx, const json_t *arr, struct config *cfg)
{
	char path[CONFIG_PATH_MAX], sub[CONFIG_PATH_MAX];
	struct operator_cfg *op;
	const char *key;
	json_t *item, *v;
	size_t i;

	if (!json_is_array(arr))
		return (config_fail(ctx, "operators", "expected an array"));
	cfg->operators = xcalloc(json_array_size(arr) + 1, sizeof(*op));
	json_array_foreach(arr, i, item)
	{
		config_path_index(path, sizeof(path), "operators", i);
		if (config_object(ctx, path, item) == -1)
			return (-1);
		op = &cfg->operators[cfg->noperators++];
		json_object_foreach(item, key, v)
		{
			config_path_key(sub, sizeof(sub), path, key);
			if (strcmp(key, "adapter") == 0) {
				if (config_string_dup(ctx, sub, v,
					&op->adapter) == -1)
					return (-1);
			} else if (strcmp(key, "user") == 0) {
				if (config_string_dup(ctx, sub, v, &op->user) ==
				    -1)
					return (-1);
			} else
				return (config_fail(ctx, sub, "unknown key"));
		}
		if (op->adapter == NULL || op->user == NULL) {
			config_path_key(sub, sizeof(sub), path,
			    op->adapter == NULL ? "adapter" : "user");
			return (config_fail(ctx, sub, "missing"));
		}
	}
	return (0);
}

/* An operator of an adapter that does not exist is a typo. */
static int
config_operators_check(struct config_ctx *ctx, const struct config *cfg)
{
	char path[CONFIG_PATH_MAX];
	size_t i;

	for (i = 0; i < cfg->noperators; i++) {
		if (config_adapter(cfg, cfg->operators[i].adapter) != NULL)
			continue;
		config_fmt(path, sizeof(path), "operators[%zu].adapter", i);
		return (config_fail(ctx, path, "no adapter named \"%s\"",
		    cfg->operators[i].adapter));
	}
	return (0);
}

/* "rate": each key present overrides the one in *rate. */
static int
config_rate(struct config_ctx *ctx, const char *path, const json_t *obj,
    struct rate_cfg *rate)
{
	static const struct config_field fields[] = {
		FIELD(rate_cfg, burst, CONFIG_UINT, 1, 1000000),
		FIELD(rate_cfg, per_chat_per_minute, CONFIG_UINT, 1, 1000000),
		{ NULL, CONFIG_UINT, 0, 0, 0 },
	};
	const struct config_field *f;
	char sub[CONFIG_PATH_MAX];
	const char *key;
	json_t *v;
	double d;

	if (config_object(ctx, path, obj) == -1)
		return (-1);
	json_object_foreach((json_t *)obj, key, v)
	{
		config_path_key(sub, sizeof(sub), path, key);
		if (strcmp(key, "per_second") == 0) {
			if (!json_is_number(v))
				return (
				    config_fail(ctx, sub, "expected a number"));
			d = json_number_value(v);
			if (!(d > 0))
				return (config_fail(ctx, sub,
				    "must be greater than 0"));
			if (d > 1000000)
				return (config_fail(ctx, sub,
				    "must be at most 1000000"));
			rate->per_second = d;
			continue;
		}
		for (f = fields; f->key != NULL; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (f->key == NULL)
			return (config_fail(ctx, sub, "unknown key"));
		if (config_field_set(ctx, sub, f, v, rate) == -1)
			return (-1);
	}
	return (0);
}

static struct rate_cfg
config_rate_default(const char *platform)
{
	size_t i;

	for (i = 0;
	     i < sizeof(config_rate_defaults) / sizeof(config_rate_defaults[0]);
	     i++)
		if (strcmp(config_rate_defaults[i].platform, platform) == 0)
			return (config_rate_defaults[i].rate);
	return (config_rate_fallback);
}

/*
 * Copy the keys of from (adapter level, or one account) into into, env:
 * resolved, leaving out what config/ itself interprets.  An account's
 * "rate" is read by the caller.
 */
static int
config_conf_merge(struct config_ctx *ctx, const char *path, const json_t *from,
    json_t *into, int account)
{
	char sub[CONFIG_PATH_MAX];
	const char *key;
	json_t *v, *copy;

	json_object_foreach((json_t *)from, key, v)
	{
		config_path_key(sub, sizeof(sub), path, key);
		if (strcmp(key, "rate") == 0)
			continue;
		if (strcmp(key, "platform") == 0 ||
		    strcmp(key, "accounts") == 0) {
			if (!account)
				continue;
			return (config_fail(ctx, sub,
			    "only allowed at the adapter level"));
		}
		if ((copy = config_resolve(ctx, sub, v)) == NULL)
			return (-1);
		if (json_object_set_new(into, key, copy) == -1)
			abort();
	}
	return (0);
}

/*
 * Let the adapter judge its own keys: build an instance from conf and
 * free it again.  Its error names a key relative to the adapter ("token:
 * missing"); it is reported under the account (own, at path) unless only
 * the adapter level (alt, at alt_path) has that key.
 */
static int
config_init_check(struct config_ctx *ctx, const struct adapter_cfg *ad,
    const char *path, const char *alt_path, const json_t *alt,
    const json_t *own, const json_t *conf)
{
	char e[256], key[CONFIG_PATH_MAX];
	const char *where = path;
	void *priv = NULL;
	size_t n;

	e[0] = '\0';
	if (ad->ops->init(&priv, conf, e, sizeof(e)) == 0) {
		ad->ops->free(priv);
		return (0);
	}
	n = strcspn(e, ":.[ ");
	if (n == 0 || n >= sizeof(key) ||
	    (e[n] != ':' && e[n] != '.' && e[n] != '['))
		return (config_fail(ctx, path, "%s",
		    e[0] != '\0' ? e : "rejected by the adapter"));
	memcpy(key, e, n);
	key[n] = '\0';
	if (alt != NULL && json_object_get(own, key) == NULL &&
	    json_object_get(alt, key) != NULL)
		where = alt_path;
	config_fmt(ctx->err->text, sizeof(ctx->err->text), "%s.%s", where, e);
	return (-1);
}

/*
 * One sending identity of ad: the adapter itself (name "", account NULL)
 * or one entry of its "accounts".
 */
static int
config_account_build(struct config_ctx *ctx, struct adapter_cfg *ad,
    const char *path, const json_t *adapter, const char *name,
    const json_t *account, const struct rate_cfg *rate)
{
	char apath[CONFIG_PATH_MAX], sub[CONFIG_PATH_MAX];
	struct account_cfg *acct;
	json_t *v;

	acct = &ad->accounts[ad->naccounts++];
	acct->name = xstrdup(name);
	acct->rate = *rate;
	acct->conf = config_jcheck(json_object());
	if (account == NULL)
		config_fmt(apath, sizeof(apath), "%s", path);
	else
		config_fmt(apath, sizeof(apath), "%s.accounts.%s", path, name);

	if (config_conf_merge(ctx, path, adapter, acct->conf, 0) == -1)
		return (-1);
	if (account != NULL) {
		if (config_conf_merge(ctx, apath, account, acct->conf, 1) == -1)
			return (-1);
		if ((v = json_object_get(account, "rate")) != NULL) {
			config_path_key(sub, sizeof(sub), apath, "rate");
			if (config_rate(ctx, sub, v, &acct->rate) == -1)
				return (-1);
		}
	}
	if (account == NULL)
		return (config_init_check(ctx, ad, path, NULL, NULL, adapter,
		    acct->conf));
	return (config_init_check(ctx, ad, apath, path, adapter, account,
	    acct->conf));
}

static int
config_adapter_build(struct config_ctx *ctx, const char *name,
    const json_t *obj, struct adapter_cfg *ad)
{
	char path[CONFIG_PATH_MAX], sub[CONFIG_PATH_MAX];
	struct rate_cfg rate;
	const char *key, *platform;
	json_t *v, *accounts, *acct;

	config_path_key(path, sizeof(path), "adapters", name);
	if (!config_name_ok(name, 0))
		return (config_fail(ctx, path,
		    "adapter names are 1-32 characters of a-z, 0-9, _ "
		    "and -"));
	ad->name = xstrdup(name);
	if (config_object(ctx, path, obj) == -1)
		return (-1);

	config_path_key(sub, sizeof(sub), path, "platform");
	if ((v = json_object_get(obj, "platform")) == NULL)
		return (config_fail(ctx, sub, "missing"));
	if (config_string(ctx, sub, v, &platform) == -1)
		return (-1);
	if ((ad->ops = adapter_ops_lookup(platform)) == NULL)
		return (
		    config_fail(ctx, sub, "unknown platform \"%s\"", platform));
	ad->platform = xstrdup(platform);

	/* Defaults for the platform, then the adapter's, then the account's. */
	rate = config_rate_default(ad->platform);
	if ((v = json_object_get(obj, "rate")) != NULL) {
		config_path_key(sub, sizeof(sub), path, "rate");
		if (config_rate(ctx, sub, v, &rate) == -1)
			return (-1);
	}

	if ((accounts = json_object_get(obj, "accounts")) == NULL) {
		ad->accounts = xcalloc(1, sizeof(*ad->accounts));
		return (
		    config_account_build(ctx, ad, path, obj, "", NULL, &rate));
	}
	config_path_key(sub, sizeof(sub), path, "accounts");
	if (config_object(ctx, sub, accounts) == -1)
		return (-1);
	if (json_object_size(accounts) == 0)
		return (
		    config_fail(ctx, sub, "must name at least one account"));
	ad->accounts =
	    xcalloc(json_object_size(accounts), sizeof(*ad->accounts));
	json_object_foreach(accounts, key, acct)
	{
		char apath[CONFIG_PATH_MAX];

		config_path_key(apath, sizeof(apath), sub, key);
		if (!config_name_ok(key, 1))
			return (config_fail(ctx, apath,
			    "account names are 1-32 characters of A-Z, a-z, "
			    "0-9, _ and -"));
		if (config_object(ctx, apath, acct) == -1)
			return (-1);
		if (config_account_build(ctx, ad, path, obj, key, acct,
			&rate) == -1)
			return (-1);
	}
	return (0);
}

static int
config_adapters(struct config_ctx *ctx, const json_t *obj, struct config *cfg)
{
	const char *key;
	json_t *v;

	if (config_object(ctx, "adapters", obj) == -1)
		return (-1);
	if (json_object_size(obj) == 0)
		return (config_fail(ctx, "adapters",
		    "must name at least one adapter"));
	cfg->adapters = xcalloc(json_object_size(obj), sizeof(*cfg->adapters));
	json_object_foreach((json_t *)obj, key, v)
	{
		if (config_adapter_build(ctx, key, v,
			&cfg->adapters[cfg->nadapters++]) == -1)
			return (-1);
	}
	return (0);
}

/* A string at the top level that may not be empty. */
static int
config_nonempty(struct config_ctx *ctx, const char *key, const json_t *v,
    char **out)
{
	if (config_string_dup(ctx, key, v, out) == -1)
		return (-1);
	if (**out == '\0')
		return (config_fail(ctx, key, "must not be empty"));
	return (0);
}

static int
config_top(struct config_ctx *ctx, const json_t *root, struct config *cfg)
{
	const char *key, *s;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)root, key, v)
	{
		if (strcmp(key, "listen") == 0) {
			rc = config_string_dup(ctx, key, v, &cfg->listen);
			if (rc == 0)
				rc = config_listen_check(ctx, cfg->listen);
		} else if (strcmp(key, "redis") == 0) {
			rc = config_string_dup(ctx, key, v, &cfg->redis);
			if (rc == 0)
				rc = config_redis_check(ctx, cfg->redis);
		} else if (strcmp(key, "redis_prefix") == 0) {
			rc = config_string_dup(ctx, key, v, &cfg->redis_prefix);
			if (rc == 0 && strlen(cfg->redis_prefix) > 64)
				rc = config_fail(ctx, key,
				    "must be at most 64 bytes");
		} else if (strcmp(key, "redis_server") == 0)
			rc = config_nonempty(ctx, key, v, &cfg->redis_server);
		else if (strcmp(key, "data_dir") == 0)
			rc = config_nonempty(ctx, key, v, &cfg->data_dir);
		else if (strcmp(key, "timezone") == 0)
			rc = config_nonempty(ctx, key, v, &cfg->timezone);
		else if (strcmp(key, "lang") == 0) {
			if ((rc = config_string(ctx, key, v, &s)) == 0) {
				if (strcmp(s, "zh") == 0)
					cfg->lang = CONFIG_LANG_ZH;
				else if (strcmp(s, "en") == 0)
					cfg->lang = CONFIG_LANG_EN;
				else
					rc = config_fail(ctx, key,
					    "must be \"zh\" or \"en\"");
			}
		} else if (strcmp(key, "log") == 0)
			rc = config_log(ctx, v, cfg);
		else if (strcmp(key, "max_body") == 0) {
			if (!json_is_integer(v))
				rc = config_fail(ctx, key,
				    "expected an integer");
			else if (json_integer_value(v) < CONFIG_BODY_MIN)
				rc = config_fail(ctx, key,
				    "must be at least %d", CONFIG_BODY_MIN);
			else if (json_integer_value(v) > CONFIG_BODY_MAX)
				rc = config_fail(ctx, key, "must be at most %d",
				    CONFIG_BODY_MAX);
			else {
				cfg->max_body = (size_t)json_integer_value(v);
				rc = 0;
			}
		} else if (strcmp(key, "admin_token") == 0) {
			rc = config_string_dup(ctx, key, v, &cfg->admin_token);
			if (rc == 0 &&
			    strlen(cfg->admin_token) < CONFIG_TOKEN_MIN)
				rc = config_fail(ctx, key,
				    "must be at least %d characters",
				    CONFIG_TOKEN_MIN);
		} else if (strcmp(key, "operators") == 0)
			rc = config_operators(ctx, v, cfg);
		else if (strcmp(key, "covenant") == 0)
			rc = config_covenant(ctx, v, cfg);
		else if (strcmp(key, "credit") == 0)
			rc = config_fields(ctx, key, v, config_credit_fields,
			    &cfg->credit);
		else if (strcmp(key, "delivery") == 0)
			rc = config_fields(ctx, key, v, config_delivery_fields,
			    &cfg->delivery);
		else if (strcmp(key, "adapters") == 0)
			rc = config_adapters(ctx, v, cfg);
		else
			rc = config_fail(ctx, key, "unknown key");
		if (rc == -1)
			return (-1);
	}
	if (json_object_get(root, "adapters") == NULL)
		return (config_fail(ctx, "adapters", "missing"));
	return (config_operators_check(ctx, cfg));
}

int
config_parse(const char *json, size_t len, config_getenv_fn *getenv_fn,
    void *getenv_arg, struct config *cfg, struct config_err *err)
{
	struct config_ctx ctx;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	ctx.getenv_fn = getenv_fn;
	ctx.getenv_arg = getenv_arg;
	ctx.err = err;

	/* Duplicate keys are typos too: the later one would win silently. */
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(err->text, sizeof(err->text), "line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return (-1);
	}
	if (!json_is_object(root)) {
		config_json_free(root);
		return (config_fail(&ctx, "top level", "expected an object"));
	}
	config_defaults(cfg);
	rc = config_top(&ctx, root, cfg);
	config_json_free(root);
	if (rc == -1)
		config_clear(cfg);
	return (rc);
}

static const char *
config_getenv(void *arg, const char *name)
{
	(void)arg;
	return (getenv(name));
}

int
config_load(const char *path, struct config *cfg, struct config_err *err)
{
	FILE *f;
	char *buf;
	size_t len = 0, n;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err->text, sizeof(err->text), "%s: %s", path,
		    strerror(errno));
		return (-1);
	}
	/* One byte more than allowed tells "too large" from "exactly 4 MiB". */
	buf = xmalloc(CONFIG_FILE_MAX + 1);
	while (len <= CONFIG_FILE_MAX &&
	       (n = fread(buf + len, 1, CONFIG_FILE_MAX + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		snprintf(err->text, sizeof(err->text), "%s: %s", path,
		    strerror(errno));
		rc = -1;
	} else if (len > CONFIG_FILE_MAX) {
		snprintf(err->text, sizeof(err->text), "%s: larger than 4 MiB",
		    path);
		rc = -1;
	} else
		rc = config_parse(buf, len, config_getenv, NULL, cfg, err);
	fclose(f);
	/* The file may hold secrets written in clear. */
	explicit_bzero(buf, len);
	free(buf);
	return (rc);
}

void
config_clear(struct config *cfg)
{
	struct adapter_cfg *ad;
	size_t i, j;

	free(cfg->listen);
	free(cfg->redis);
	free(cfg->redis_prefix);
	free(cfg->redis_server);
	free(cfg->data_dir);
	free(cfg->timezone);
	free(cfg->log_file);
	config_str_free(cfg->admin_token);
	for (i = 0; i < cfg->noperators; i++) {
		free(cfg->operators[i].adapter);
		free(cfg->operators[i].user);
	}
	free(cfg->operators);
	for (i = 0; i < cfg->covenant.nwarn_ladder; i++)
		free(cfg->covenant.warn_ladder[i]);
	free(cfg->covenant.warn_ladder);
	for (i = 0; i < cfg->nadapters; i++) {
		ad = &cfg->adapters[i];
		for (j = 0; j < ad->naccounts; j++) {
			free(ad->accounts[j].name);
			config_json_free(ad->accounts[j].conf);
		}
		free(ad->accounts);
		free(ad->name);
		free(ad->platform);
	}
	free(cfg->adapters);
	memset(cfg, 0, sizeof(*cfg));
}

const struct adapter_cfg *
config_adapter(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nadapters; i++)
		if (strcmp(cfg->adapters[i].name, name) == 0)
			return (&cfg->adapters[i]);
	return (NULL);
}

const struct account_cfg *
config_account(const struct adapter_cfg *ad, const char *name)
{
	size_t i;

	if (ad->naccounts == 0)
		return (NULL);
	if (*name == '\0')
		return (&ad->accounts[0]);
	for (i = 0; i < ad->naccounts; i++)
		if (strcmp(ad->accounts[i].name, name) == 0)
			return (&ad->accounts[i]);
	return (NULL);
}

int
config_is_operator(const struct config *cfg, const char *adapter,
    const char *user)
{
	size_t i;

	for (i = 0; i < cfg->noperators; i++)
		if (strcmp(cfg->operators[i].adapter, adapter) == 0 &&
		    strcmp(cfg->operators[i].user, user) == 0)
			return (1);
	return (0);
}
