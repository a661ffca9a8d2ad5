/*
 * botd.h -- struct botd, the owner of every long-lived object of the
 * daemon.  main.c builds it and tears it down in reverse order.
 */
#ifndef BOT_BOTD_H
#define BOT_BOTD_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "adapters/adapter.h"
#include "config/config.h"

struct http_server;
struct store_redis;
struct outbox;
struct deliver;
struct redis_spawn;
struct stdin_reader;
struct bcast;
struct command;

/* One sending identity: an adapter account with its live adapter state. */
struct bot_ident {
	const struct adapter_cfg *acfg; /* borrowed from botd.cfg */
	const struct account_cfg *account;
	const struct adapter_ops *ops;
	void *priv; /* owned: ops->free */
	int robot;  /* the per-chat robot lane of an adapter whose chats
		       carry their own robot credential */
};

/*
 * Plain chat messages need the store only to record the sender, that they
 * are in the chat (kick_on_blacklist) and the account that reached the
 * chat; all change rarely.  This direct-mapped cache remembers, per
 * (adapter, account, chat, user), the hash of the name and username
 * recorded, and when; a message from a sender recorded unchanged in that
 * chat within the last minute needs no Redis call (towerbot.lua refreshes
 * "seen" at most once a minute anyway).  Keyed by the pair, not by sender
 * and chat apart: someone recently seen, talking in a chat recently seen,
 * may still be new to that chat.
 */
#define BOTD_SEEN_SLOTS 65536
struct bot_seen {
	uint64_t key; /* hash of the identity; 0 = empty */
	uint64_t val; /* hash of what was recorded */
	uint64_t at;  /* monotonic ms */
};

/* Counters behind GET /metrics. */
struct bot_metrics {
	uint64_t webhooks[6];    /* by answer: 200 400 401 404 413 503 */
	uint64_t webhook_dups;   /* retried webhooks answered once */
	uint64_t webhook_cached; /* plain messages needing no store work */
	uint64_t commands;       /* commands applied */
	uint64_t deliveries_ok;
	uint64_t deliveries_retry;
	uint64_t deliveries_failed;  /* dead-lettered */
	uint64_t deliveries_unknown; /* timed out after the request left */
	uint64_t rate_limited;       /* platform 429 / busy answers */
	uint64_t redis_errors;
};

struct botd {
	struct event_base *base;
	struct config cfg; /* current config (SIGHUP swaps it) */
	char *config_path;
	char *cfgstr;              /* ARGV[3] of towerbot.lua */
	char *ladder;              /* ARGV[4] */
	char *identities;          /* "adapter=acct,...;..." (bcast.h) */
	struct redis_spawn *spawn; /* "redis": "spawn", else NULL */
	char *redis_url;
	struct store_redis *store;    /* commands, scripts */
	struct store_redis *qstore;   /* blocking reads: replies, urgent */
	struct store_redis *qstore_n; /* blocking reads: normal */
	struct outbox *outbox;
	struct http_server *http;
	struct deliver *deliver;
	struct stdin_reader *stdin_reader;
	struct bcast *bcast; /* broadcasts in progress (bcast.c) */
	struct bot_ident *idents;
	size_t nidents;
	char consumer[128]; /* stream consumer name, stable per host
			       and listen address */
	struct bot_metrics metrics;
	/* Scratch space for the one event being handled (the loop handles
	 * one at a time, synchronously up to the store call): a webhook's
	 * chat_event and command are 25 KB, too big to allocate per
	 * request. */
	struct chat_event *scratch_ev;
	struct command *scratch_cmd;
	struct bot_seen *seen; /* BOTD_SEEN_SLOTS */
	int draining;          /* SIGTERM received */
	struct event *drain_timer;
	struct event *sig_term, *sig_int, *sig_hup, *sig_chld;
	int64_t started;
};

/* The identity serving adapter name + account ("" = the first). */
struct bot_ident *botd_ident(struct botd *, const char *adapter,
    const char *account);

/* Wall clock, unix seconds and milliseconds. */
int64_t botd_now(void);
int64_t botd_now_ms(void);
/* Monotonic milliseconds and microseconds. */
uint64_t botd_mono_ms(void);
uint64_t botd_mono_us(void);

/* Check whether draining is finished, and if so leave the loop. */
void botd_drain_check(struct botd *);
/*
 * The console's stdin reached its end (Ctrl-D, or the end of a piped
 * script).  With no other adapter configured there is nothing left to
 * serve: the daemon stops like on SIGTERM, a second later so that the
 * replies to the last lines are printed first.  Otherwise it keeps
 * serving webhooks.
 */
void botd_console_eof(struct botd *);

#endif /* BOT_BOTD_H */
