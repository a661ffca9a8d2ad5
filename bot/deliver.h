/*
 * deliver.h -- the sending side: Redis Streams of queued messages to
 * platform API calls (SPEC section 5).
 *
 * One stream per sending identity and priority (<prefix>q:<adapter>:
 * <account|_>:u and :n), read through the consumer group "tb" on the
 * blocking connection, so a message stays in Redis (pending) until the
 * platform accepted it or it was dead-lettered: a daemon killed at any
 * moment loses nothing, and its own pending entries are read again at
 * start.  Urgent before normal, the identity's rate limit, Retry-After
 * and exponential backoff with jitter, max_attempts then <prefix>dead.
 */
#ifndef BOT_DELIVER_H
#define BOT_DELIVER_H

#include "bot/botd.h"

struct deliver;

/*
 * Sends are paced at this share of each configured rate, so that a send
 * leaving a few ms late never makes the platform count one too many in its
 * window; broadcast plans use the same pace.
 */
#define DELIVER_RATE_MARGIN 0.98

struct deliver *deliver_new(struct botd *);
/* Abort what is in flight (it stays pending in Redis) and free. */
void deliver_free(struct deliver *);
/* The stores went up: create the groups, (re)start reading. */
void deliver_store_up(struct deliver *);
/* Stop taking new work (SIGTERM); transfers in flight finish. */
void deliver_stop(struct deliver *);
/* Transfers and token fetches in flight. */
unsigned int deliver_inflight(const struct deliver *);
/* Messages held locally, waiting for their turn. */
unsigned int deliver_queued(const struct deliver *);

#endif /* BOT_DELIVER_H */
