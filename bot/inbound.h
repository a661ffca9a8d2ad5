/*
 * inbound.h -- one normalised chat event to one towerbot.lua call.
 *
 * Parses the command (core/command.c), resolves times in the configured
 * zone, builds the script's ARGV (bot/scripts/README.md) and runs it: one
 * Redis round trip that dedupes, records the sender, applies the rule and
 * queues the replies.  Shared by the webhook route and the console reader.
 */
#ifndef BOT_INBOUND_H
#define BOT_INBOUND_H

#include "bot/botd.h"
#include "bot/store_redis.h"
#include "core/chat.h"

struct inbound_result {
	enum store_status st;
	const char *status;   /* "ok" or "dup" when st == STORE_OK */
	const char *outcome;  /* the script's outcome token, or "" */
	const char *activity; /* activity id, or "" */
	const char *cmd;      /* op name: "signup", "msg", ... */
	/* outcome "broadcast" (bot/scripts/README.md): created, not sent */
	long long bc_id;
	unsigned long long bc_total;
	const char *bc_idents; /* "adapter/ident=n,..." */
	int bc_urgent;
};

/* Completion, exactly once, from the loop; res is borrowed. */
typedef void inbound_done_fn(void *arg, const struct inbound_result *res);

/*
 * Process ev received by adapter/account.  0: done runs later.  1: nothing
 * to do in the store (a plain message from a sender recorded, unchanged,
 * in that chat within the last minute): accepted at once, done will not
 * run.  -1:
 * Redis is not reachable (answer 503); done will not run.
 */
int inbound_submit(struct botd *, const char *adapter, const char *account,
    const struct chat_event *ev, inbound_done_fn *done, void *arg);

/*
 * Queue the reply key with params (a JSON object) to chat, as the answer
 * to user's message msg_id, through towerbot.lua's "say" (no dedup).  0,
 * or -1 when Redis is down.  done may be NULL.
 */
int inbound_say(struct botd *, const char *adapter, const char *account,
    const char *chat, const char *user, const char *msg_id, const char *key,
    const char *params, inbound_done_fn *done, void *arg);
#endif /* BOT_INBOUND_H */
