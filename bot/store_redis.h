/*
 * store_redis.h -- one hiredis async connection on the daemon's libevent
 * loop, with per-command deadlines, reconnect with backoff, and the Lua
 * scripts of bot/scripts/ loaded on every (re)connect.
 *
 * Ownership: the caller owns the struct store_redis (store_redis_new /
 * store_redis_free).  hiredis owns its context.  Every command gets exactly
 * one completion, on every path: reply, error, deadline, disconnect,
 * shutdown (STYLE sketch 5).  The completion never runs from inside the
 * call that issued the command.
 */
#ifndef BOT_STORE_REDIS_H
#define BOT_STORE_REDIS_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

enum store_status {
	STORE_OK = 0,
	STORE_TIMEOUT, /* our deadline passed first */
	STORE_DOWN,    /* not connected, or the link dropped */
	STORE_ERR,     /* the server said no (reply holds the error) */
};

/*
 * Completion: runs exactly once, from the loop.  reply is borrowed (valid
 * only during the call) and non-NULL for STORE_OK and STORE_ERR.
 */
typedef void store_done_fn(void *arg, enum store_status,
    const redisReply *reply);

/* Told when the link goes up (1) or down (0); may be NULL. */
typedef void store_state_fn(void *arg, int up);

struct store_redis;

/*
 * A connection to url ("redis://host:port/db", "unix:/path") on base.
 * Connecting starts at once and is retried with backoff forever; name is
 * for logs ("main", "queue").  NULL if the URL is malformed.
 */
struct store_redis *store_redis_new(struct event_base *base, const char *url,
    const char *name, unsigned int op_timeout_ms, store_state_fn *state_cb,
    void *state_arg);
/* Fail every pending command (STORE_DOWN, run from the loop), close, free.
 * Call from a loop callback, never from a completion. */
void store_redis_free(struct store_redis *);

/* 1 if connected and the scripts were sent. */
int store_redis_up(const struct store_redis *);
/* Commands waiting for an answer. */
unsigned int store_redis_inflight(const struct store_redis *);

/*
 * Send one command.  0: done will run exactly once later.  -1: not sent
 * (not connected); done will not run.  extra_ms is added to the deadline
 * for commands that block on the server (XREADGROUP BLOCK).
 */
int store_redis_cmd(struct store_redis *, store_done_fn *done, void *arg,
    unsigned int extra_ms, int argc, const char **argv, const size_t *argvlen);

/*
 * FCALL of one function of the embedded library (bot/scripts.h) with
 * numkeys 0 and argv as its arguments.  Same contract as store_redis_cmd.
 */
enum store_script {
	SCRIPT_TOWERBOT = 0,
	SCRIPT_TOWER,
	SCRIPT_COUNT,
};
int store_redis_eval(struct store_redis *, enum store_script, store_done_fn *,
    void *arg, int argc, const char **argv, const size_t *argvlen);

#endif /* BOT_STORE_REDIS_H */
