/*
 * config.h -- the daemon's JSON configuration (SPEC section 7) as a
 * validated struct.
 *
 * config_parse() is pure: bytes in, struct or an error naming the key
 * path out ("adapters.tg.token: missing").  It resolves "env:NAME" string
 * values through the getenv-like function it is given (so tests need no
 * environment), applies the defaults of SPEC sections 3, 5 and 7 and
 * shared/platforms, and checks every adapter's own keys by building (and
 * freeing) its instances with the adapter's init slot.  config_load() is
 * the thin wrapper that reads a file and uses the real environment.
 * No logging, no sockets.
 */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters/adapter.h"

struct config_err {
	char text[512]; /* "key.path: problem", ready to print */
};

enum config_lang {
	CONFIG_LANG_ZH = 0,
	CONFIG_LANG_EN,
};

enum config_log_level {
	CONFIG_LOG_DEBUG = 0,
	CONFIG_LOG_INFO,
	CONFIG_LOG_WARN,
	CONFIG_LOG_ERROR,
};

/* "rate": limits of one sending identity (SPEC section 5). */
struct rate_cfg {
	double per_second;                /* account-wide sends per second */
	unsigned int burst;               /* bucket size, sends */
	unsigned int per_chat_per_minute; /* sends to one chat per minute */
};

/* One sending identity: an entry of "accounts", or the adapter itself. */
struct account_cfg {
	char *name;           /* account name; "" for an adapter without
				 accounts */
	json_t *conf;         /* the adapter's own keys merged with the
				 account's (account wins), env: resolved,
				 without platform/rate/accounts: what the
				 adapter's init slot gets.  Owned. */
	struct rate_cfg rate; /* defaults per platform, then adapter's, then
				 account's "rate" */
};

struct adapter_cfg {
	char *name;     /* key under "adapters": the webhook path */
	char *platform; /* "telegram", "console", ... */
	const struct adapter_ops *ops; /* adapter_ops_lookup(platform) */
	struct account_cfg *accounts;  /* at least one */
	size_t naccounts;
};

struct operator_cfg {
	char *adapter;
	char *user;
};

struct covenant_cfgs {
	unsigned int absence_limit;          /* 3 */
	unsigned int restriction_activities; /* 1 */
	char **warn_ladder;                  /* {"remind","warn","blacklist"} */
	size_t nwarn_ladder;
	unsigned int warn_expiry_days;       /* 90 */
	int kick_on_blacklist;               /* 0 */
	unsigned int late_cancel_hours;      /* 2 */
	unsigned int checkin_before_minutes; /* 60 */
};

struct credit_cfg {
	int initial;     /* 100 */
	int attended;    /* +2 */
	int absent;      /* -10 */
	int late_cancel; /* -3 */
	int remind;      /* -2 */
	int warn;        /* -5 */
	int blacklist;   /* -20 */
};

struct delivery_cfg {
	unsigned int max_attempts;      /* 8 */
	unsigned int urgent_deadline_s; /* 180 */
	unsigned int escalate_urgent_s; /* 900 */
	unsigned int escalate_normal_s; /* 3600 */
};

struct config {
	char *listen;          /* "127.0.0.1:8080" */
	char *redis;           /* "spawn", "redis://h:p/db", "unix:/p" */
	char *redis_prefix;    /* "tb:" */
	char *redis_server;    /* binary for spawn: "redis-server" */
	char *data_dir;        /* "./var" */
	enum config_lang lang; /* zh */
	char *timezone;        /* "Asia/Shanghai" */
	enum config_log_level log_level; /* info */
	char *log_file;                  /* "-" = stderr */
	size_t max_body;                 /* 1 MiB */
	char *admin_token;               /* NULL = admin API off */
	struct operator_cfg *operators;
	size_t noperators;
	struct covenant_cfgs covenant;
	struct credit_cfg credit;
	struct delivery_cfg delivery;
	struct adapter_cfg *adapters;
	size_t nadapters;
};

/*
 * getenv-like lookup used for "env:NAME" values; returns NULL when unset.
 * Borrowed result.
 */
typedef const char *config_getenv_fn(void *arg, const char *name);

/*
 * Parse and validate json[0..len) into *cfg (zeroed first).  0 on success
 * (the caller owns *cfg: config_clear()), -1 with err->text naming the key
 * path and the problem, *cfg then holding nothing to free.
 */
int config_parse(const char *json, size_t len, config_getenv_fn *getenv_fn,
    void *getenv_arg, struct config *cfg, struct config_err *err);

/* Read path and config_parse() it with the process environment. */
int config_load(const char *path, struct config *cfg, struct config_err *err);

/* Release everything *cfg owns, wiping secrets, and zero it. */
void config_clear(struct config *);

/* The adapter entry called name, or NULL. */
const struct adapter_cfg *config_adapter(const struct config *,
    const char *name);
/* The account of a called name ("" = the first/only one), or NULL. */
const struct account_cfg *config_account(const struct adapter_cfg *,
    const char *name);
/* 1 if (adapter, user) is listed under "operators". */
int config_is_operator(const struct config *, const char *adapter,
    const char *user);

#endif /* CONFIG_CONFIG_H */
