/*
 * bcast.h -- broadcasts down the tower (SPEC section 5), the daemon's
 * side: create (tower.lua bc_create, or towerbot.lua for /broadcast), plan
 * the deadline with core/broadcast.c, tell the sender, fan out in chunks
 * (tower.lua bc_enqueue, resumed after a restart), and escalate silent
 * chats on a timer (tower.lua escalate).
 */
#ifndef BOT_BCAST_H
#define BOT_BCAST_H

#include <stdint.h>

#include "bot/botd.h"
#include "bot/store_redis.h"

/* What a broadcast is, as the API or a chat asks for it. */
struct bcast_req {
	const char *origin; /* node path */
	const char *text;
	int urgent;
	const char *level; /* filters; "" = none */
	const char *tag;
	const char *purpose;
};

/* The outcome of creating and planning one. */
struct bcast_result {
	enum store_status st;
	long long id;    /* 0: no chat matched */
	uint64_t total;  /* chats targeted */
	uint64_t eta_ms; /* from the configured limits */
	uint64_t deadline_ms;
	int ontime;
	uint64_t late;     /* chats that would miss the deadline */
	char missing[256]; /* "telegram: 2, wecom: 1", or "" */
	const char *error; /* a reason when st is not STORE_OK */
};

typedef void bcast_done_fn(void *arg, const struct bcast_result *);

/*
 * The reply target of a /broadcast issued in a chat, so the plan can be
 * told there.  Strings are copied.
 */
struct bcast_origin_chat {
	const char *adapter, *account, *chat, *user, *msg_id;
};

/* "adapter=acct,...;..." for the scripts: every identity that can send. */
char *bcast_identities(const struct botd *);

/*
 * API: create a broadcast from origin, plan it, start the fan-out.  0, and
 * done runs once later; -1 when Redis is down (done does not run).
 */
int bcast_create(struct botd *, const struct bcast_req *, bcast_done_fn *,
    void *arg);

/*
 * A /broadcast created by towerbot.lua (id, total, "adapter/ident=n,..."):
 * plan it, tell the sender in their chat, start the fan-out.
 */
void bcast_created(struct botd *, long long id, uint64_t total,
    const char *idents, int urgent, const struct bcast_origin_chat *);

/* Redis is up: resume fan-outs a dead daemon left half done. */
void bcast_resume(struct botd *);

/*
 * Set up the module's state in bd->bcast and start the escalation timer
 * (every few seconds; one daemon wins each); 0 or -1.  bcast_stop_timers()
 * stops what runs and frees that state.
 */
int bcast_start_timers(struct botd *);
void bcast_stop_timers(struct botd *);

/* Fan-outs in progress (for the SIGTERM drain). */
unsigned int bcast_inflight(const struct botd *);

#endif /* BOT_BCAST_H */
