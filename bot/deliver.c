/*
 * deliver.c -- queued messages to platform sends (SPEC section 5).
 *
 * Reading: two blocking XREADGROUP loops, one over every identity's reply
 * and urgent streams, one over the normal streams, so that a normal
 * broadcast filling the local buffer never holds back an urgent one.  What
 * they return is held in per-identity lists (still pending in Redis).
 *
 * Sending: deliver_pump() takes up to a batch of distinct chats per
 * identity, replies first, then urgent, then normal, and asks Redis for
 * the rate (tower.lua "take": one GCRA call for the whole batch, shared by
 * every daemon).  Granted chats are sent through the outbox; several
 * messages waiting for one chat go as one digest.
 *
 * Finishing: acknowledgements are batched into one tower.lua "ack" call
 * (XACK + XDEL + broadcast bookkeeping).  A retryable failure waits
 * locally (Retry-After, or exponential backoff with jitter) up to
 * max_attempts; then the entry is dead-lettered.  Entries held locally are
 * touched (XCLAIM) so that other daemons never reclaim them, and entries
 * left pending by a dead daemon are reclaimed with XAUTOCLAIM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "bot/deliver.h"
#include "bot/log.h"
#include "bot/outbox.h"
#include "bot/render.h"
#include "bot/store_redis.h"
#include "core/ratelimit.h"
#include "core/xmem.h"

#define DELIVER_GROUP         "tb"
#define DELIVER_READ_COUNT    "256"
#define DELIVER_BLOCK_MS      2000
#define DELIVER_HIGH_MAX      2048 /* replies + urgent held per identity */
#define DELIVER_NORMAL_SECS   8    /* normal held: this many seconds of rate */
#define DELIVER_NORMAL_MIN    256
#define DELIVER_BATCH         64  /* chats per rate-limit call */
#define DELIVER_LANE_INFLIGHT 256 /* transfers per identity at once */
#define DELIVER_SEND_TIMEOUT  10000
#define DELIVER_TEXT_MAX      16384
#define DELIVER_BACKOFF_BASE  1000
#define DELIVER_BACKOFF_MAX   300000
#define DELIVER_ACK_BATCH     128
#define DELIVER_ACK_DELAY_MS  5
#define DELIVER_TOUCH_MS      15000 /* re-claim entries held this long */
#define DELIVER_RECLAIM_IDLE  "60000"
#define DELIVER_RECLAIM_MS    10000
#define DELIVER_DIGEST_MAX    20      /* messages merged into one */
#define DELIVER_HORIZON_US    1000000 /* rate slots reserved this far ahead */
#define DELIVER_HORIZON_N_US  50000   /* ... for normal broadcasts */
#define DELIVER_SOON_MS       1000    /* a wait this short is the account's */
#define DELIVER_BLOCK_FULL_MS 50 /* read block while a stream is left out */
#define DELIVER_CHAT_BUCKETS  1024

enum {
	PRIO_R = 0, /* replies to commands */
	PRIO_U,     /* urgent broadcasts, escalations */
	PRIO_N,     /* normal broadcasts */
	PRIO_COUNT,
};

static const char prio_suffix[PRIO_COUNT] = { 'r', 'u', 'n' };

/* One stream entry held locally. */
struct dlv {
	TAILQ_ENTRY(dlv) entry;
	struct dlv *hnext; /* in the held-id hash */
	struct lane *lane;
	int prio;
	int queued;  /* on lane->q[prio] */
	char id[48]; /* stream entry id */
	char *chat, *reply_to, *mention, *mention_name, *params, *key;
	char *robot, *bc, *thread, *reply_url;
	char *kick; /* a removal of this user (kick_on_blacklist), or NULL */
	int64_t reply_url_expires;
	char *text; /* rendered once */
	unsigned int attempts;
	uint64_t not_before; /* monotonic ms */
	uint64_t send_at;    /* monotonic us of its reserved rate slot */
	int scheduled;       /* on lane->sched */
	int waited;          /* refused by a rate limit at least once */
	int in_batch; /* in lane->batch while its rate call runs: not to be
			  taken into another send meanwhile */
	uint64_t held_since; /* monotonic ms, for touching */
};
TAILQ_HEAD(dlv_list, dlv);

/* How many entries of one chat a lane has queued, for digests. */
struct chat_count {
	struct chat_count *next;
	unsigned int n;
	char chat[];
};

/* One send: a message, or a digest of several for one chat. */
struct send {
	struct lane *lane;
	struct dlv **items;
	size_t n;
	char *text;
	size_t off; /* next part */
	char req[17];
	unsigned int attempt;
};

struct lane {
	struct deliver *dv;
	struct bot_ident *ident;
	char *streams[PRIO_COUNT];
	struct dlv_list q[PRIO_COUNT];
	unsigned int nq[PRIO_COUNT];
	struct dlv_list sched; /* granted, waiting for their slot, in order */
	struct chat_count *chats[DELIVER_CHAT_BUCKETS]; /* queued per chat */
	unsigned int normal_cap;
	uint64_t period_us, burst, chat_period_us, chat_burst;
	uint64_t paused_until; /* the platform asked us to wait */
	unsigned int inflight;
	int taking;          /* a rate call is in flight */
	uint64_t horizon_us; /* of that call */
	struct dlv **batch;  /* candidates of that call */
	size_t nbatch;
	int auth_inflight, auth_force;
	uint64_t auth_retry_at;
	unsigned int auth_failures;
};

struct reader {
	struct deliver *dv;
	int high; /* r+u streams (connection qstore), else n (qstore_n) */
	int reading;
	int recovered; /* own pending entries read back */
	struct event *again;
};

#define DELIVER_HASH 4096

struct deliver {
	struct botd *bd;
	struct lane *lanes;
	size_t nlanes;
	struct reader readers[2];
	unsigned int queued, inflight;
	int stopped, groups_ready;
	struct event *wake, *ack_timer, *maint;
	struct event *sched_ev; /* the earliest reserved slot */
	char **acks;            /* pending "ack" argument groups */
	size_t nacks, acks_cap;
	size_t ack_calls;
	struct dlv *held[DELIVER_HASH];
	uint64_t jitter;
	char *dead_stream;
};

static void deliver_pump(struct deliver *);
static void deliver_read(struct reader *);
static void deliver_send_part(struct send *);
static void deliver_send_kick(struct send *);
static void deliver_transfer(struct send *, struct httpreq *);
static void deliver_sched_run(struct deliver *);

static uint64_t
deliver_rand(struct deliver *dv)
{
	uint64_t x = (dv->jitter += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

/* Held entries by (lane, prio, id), so a re-read never doubles one. */
static size_t
deliver_hash(const struct lane *ln, int prio, const char *id)
{
	uint64_t h =
	    1469598103934665603ULL ^ (uint64_t)(uintptr_t)ln ^ (uint64_t)prio;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return ((size_t)(h % DELIVER_HASH));
}

static struct dlv *
deliver_held_find(struct deliver *dv, struct lane *ln, int prio, const char *id)
{
	struct dlv *d;

	for (d = dv->held[deliver_hash(ln, prio, id)]; d != NULL; d = d->hnext)
		if (d->lane == ln && d->prio == prio && strcmp(d->id, id) == 0)
			return (d);
	return (NULL);
}

static void
deliver_held_add(struct deliver *dv, struct dlv *d)
{
	size_t h = deliver_hash(d->lane, d->prio, d->id);

	d->hnext = dv->held[h];
	dv->held[h] = d;
}

static void
deliver_held_del(struct deliver *dv, struct dlv *d)
{
	struct dlv **pp = &dv->held[deliver_hash(d->lane, d->prio, d->id)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == d) {
			*pp = d->hnext;
			return;
		}
}

static void
dlv_free(struct dlv *d)
{
	free(d->chat);
	free(d->reply_to);
	free(d->mention);
	free(d->mention_name);
	free(d->params);
	free(d->key);
	free(d->robot);
	free(d->bc);
	free(d->thread);
	free(d->reply_url);
	free(d->kick);
	free(d->text);
	free(d);
}

static struct chat_count **
deliver_chat_slot(struct lane *ln, const char *chat)
{
	struct chat_count **pp;
	uint64_t h = 1469598103934665603ULL;
	const char *c;

	for (c = chat; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	pp = &ln->chats[h % DELIVER_CHAT_BUCKETS];
	while (*pp != NULL && strcmp((*pp)->chat, chat) != 0)
		pp = &(*pp)->next;
	return (pp);
}

/* Entries of chat queued in ln. */
static unsigned int
deliver_chat_queued(struct lane *ln, const char *chat)
{
	struct chat_count **pp = deliver_chat_slot(ln, chat);

	return (*pp != NULL ? (*pp)->n : 0);
}

static void
deliver_chat_add(struct lane *ln, const char *chat, int delta)
{
	struct chat_count **pp = deliver_chat_slot(ln, chat), *cc;
	size_t len;

	if (*pp == NULL) {
		if (delta < 0)
			return;
		len = strlen(chat);
		cc = xcalloc(1, sizeof(*cc) + len + 1);
		memcpy(cc->chat, chat, len);
		*pp = cc;
	}
	cc = *pp;
	if (delta < 0 && cc->n <= 1) {
		*pp = cc->next;
		free(cc);
		return;
	}
	cc->n = delta < 0 ? cc->n - 1 : cc->n + 1;
}

static void
deliver_unqueue(struct deliver *dv, struct dlv *d)
{
	if (!d->queued)
		return;
	TAILQ_REMOVE(&d->lane->q[d->prio], d, entry);
	d->lane->nq[d->prio]--;
	dv->queued--;
	d->queued = 0;
	deliver_chat_add(d->lane, d->chat, -1);
}

static void
deliver_enqueue(struct deliver *dv, struct dlv *d, int head)
{
	if (head)
		TAILQ_INSERT_HEAD(&d->lane->q[d->prio], d, entry);
	else
		TAILQ_INSERT_TAIL(&d->lane->q[d->prio], d, entry);
	d->lane->nq[d->prio]++;
	dv->queued++;
	d->queued = 1;
	deliver_chat_add(d->lane, d->chat, 1);
}

static void
deliver_store_ignore(void *arg, enum store_status st, const redisReply *r)
{
	struct deliver *dv = arg;

	if (st != STORE_OK)
		dv->bd->metrics.redis_errors++;
	if (st == STORE_ERR)
		LOG(LL_WARN, "outbox", KS("outcome", "redis_error"),
		    KS("detail", r->str));
}

/* ---- acknowledgements, batched into tower.lua "ack" ---- */

static void
deliver_ack_done(void *arg, enum store_status st, const redisReply *r)
{
	struct deliver *dv = arg;

	dv->ack_calls--;
	/* Not acknowledged: the entries stay pending and are sent again
	 * after a restart (bounded duplicates, SPEC section 5). */
	deliver_store_ignore(arg, st, r);
	botd_drain_check(dv->bd);
}

static void
deliver_ack_flush(struct deliver *dv)
{
	const char **av;
	char now[32];
	size_t i, ac = 0;

	if (dv->nacks == 0)
		return;
	av = xcalloc(3 + dv->nacks, sizeof(*av));
	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	av[ac++] = dv->bd->cfg.redis_prefix;
	av[ac++] = "ack";
	av[ac++] = now;
	for (i = 0; i < dv->nacks; i++)
		av[ac++] = dv->acks[i];
	if (store_redis_eval(dv->bd->store, SCRIPT_TOWER, deliver_ack_done, dv,
		(int)ac, av, NULL) == 0)
		dv->ack_calls++;
	for (i = 0; i < dv->nacks; i++)
		free(dv->acks[i]);
	dv->nacks = 0;
	free(av);
}

static void
deliver_ack_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_ack_flush(arg);
}

/* Queue the acknowledgement of d: delivered (ok) or failed for good. */
static void
deliver_ack(struct deliver *dv, struct dlv *d, int ok)
{
	struct timeval tv = { 0, DELIVER_ACK_DELAY_MS * 1000 };
	const char *f[6];
	size_t i;

	f[0] = d->lane->streams[d->prio];
	f[1] = d->id;
	f[2] = d->bc != NULL ? d->bc : "";
	f[3] = d->lane->ident->acfg->name;
	f[4] = d->chat;
	f[5] = ok ? "d" : "f";
	if (dv->nacks + 6 > dv->acks_cap) {
		dv->acks_cap = dv->acks_cap == 0 ? 6 * 64 : 2 * dv->acks_cap;
		dv->acks =
		    xreallocarray(dv->acks, dv->acks_cap, sizeof(*dv->acks));
	}
	for (i = 0; i < 6; i++)
		dv->acks[dv->nacks++] = xstrdup(f[i]);
	deliver_held_del(dv, d);
	if (dv->nacks >= 6 * DELIVER_ACK_BATCH || dv->stopped)
		deliver_ack_flush(dv);
	else if (!evtimer_pending(dv->ack_timer, NULL))
		evtimer_add(dv->ack_timer, &tv);
}

static void
deliver_dead_letter(struct deliver *dv, struct dlv *d, const char *why)
{
	char attempts[16];
	const char *av[] = { "XADD", dv->dead_stream, "MAXLEN", "~", "100000",
		"*", "adapter", d->lane->ident->acfg->name, "account",
		d->lane->ident->account->name, "chat", d->chat, "key",
		d->key != NULL ? d->key : "", "params",
		d->params != NULL ? d->params : "", "bc",
		d->bc != NULL ? d->bc : "", "entry", d->id, "why", why,
		"attempts", attempts };

	snprintf(attempts, sizeof(attempts), "%u", d->attempts);
	store_redis_cmd(dv->bd->store, deliver_store_ignore, dv, 0,
	    (int)(sizeof(av) / sizeof(av[0])), av, NULL);
	dv->bd->metrics.deliveries_failed++;
	deliver_ack(dv, d, 0);
}

/* ---- sending ---- */

static uint64_t
deliver_backoff(struct deliver *dv, unsigned int attempts, int64_t retry_ms)
{
	uint64_t b;

	if (retry_ms > 0)
		return ((uint64_t)retry_ms);
	b = DELIVER_BACKOFF_BASE;
	if (attempts > 1)
		b <<= (attempts - 1 > 16 ? 16 : attempts - 1);
	if (b > DELIVER_BACKOFF_MAX)
		b = DELIVER_BACKOFF_MAX;
	/* +-25% jitter, so retries of a burst do not come back together. */
	return (b * 3 / 4 + deliver_rand(dv) % (b / 2 + 1));
}

/* Next part of text starting at off, at most max bytes, preferring a line
 * break, never inside a UTF-8 character. */
static size_t
deliver_part_len(const char *text, size_t off, size_t max)
{
	size_t left = strlen(text + off), n, nl;

	if (max == 0 || left <= max)
		return (left);
	n = max;
	while (n > 0 && ((unsigned char)text[off + n] & 0xc0) == 0x80)
		n--;
	for (nl = n; nl > max / 2; nl--)
		if (text[off + nl - 1] == '\n')
			return (nl);
	return (n);
}

static void
send_free(struct send *s)
{
	free(s->items);
	free(s->text);
	free(s);
}

static void
deliver_finish_send(struct send *s, int ok, const char *why)
{
	struct deliver *dv = s->lane->dv;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (ok) {
			dv->bd->metrics.deliveries_ok++;
			deliver_ack(dv, s->items[i], 1);
		} else
			deliver_dead_letter(dv, s->items[i], why);
		dlv_free(s->items[i]);
	}
	send_free(s);
}

static void
deliver_retry_send(struct send *s, int64_t retry_ms)
{
	struct deliver *dv = s->lane->dv;
	uint64_t when;
	size_t i;

	/* Back on the queue, individually: the next turn may digest them
	 * differently. */
	for (i = 0; i < s->n; i++) {
		struct dlv *d = s->items[i];

		when =
		    botd_mono_ms() + deliver_backoff(dv, d->attempts, retry_ms);
		d->not_before = when;
		deliver_enqueue(dv, d, 1);
	}
	send_free(s);
}

static void
deliver_done(void *arg, const struct httpresp *resp, const char *err,
    int sent_any, double ms)
{
	struct send *s = arg;
	struct lane *ln = s->lane;
	struct deliver *dv = ln->dv;
	const struct adapter_ops *ops = ln->ident->ops;
	const char *chat = s->items[0]->chat;
	enum send_rc rc;
	int64_t retry_ms = 0;
	size_t i;

	ln->inflight--;
	dv->inflight--;
	if (resp->status == 0) {
		rc = SEND_RETRY;
		if (sent_any) {
			/* The request may have arrived: none of the send
			 * APIs we use offers a way to check, so this may
			 * duplicate, at most max_attempts times. */
			dv->bd->metrics.deliveries_unknown++;
			LOG(LL_WARN, "outbox",
			    KS("adapter", ln->ident->acfg->name),
			    KS("chat", chat), KS("req", s->req), KD("ms", ms),
			    KS("outcome", "unknown"), KS("err", "transport"),
			    KS("detail", err));
		}
	} else
		rc = ops->classify(ln->ident->priv, resp, &retry_ms);

	if (resp->status == 429 || (rc == SEND_RETRY && retry_ms > 0)) {
		dv->bd->metrics.rate_limited++;
		/* The platform asked the whole identity to slow down. */
		ln->paused_until =
		    botd_mono_ms() + (uint64_t)(retry_ms > 0 ? retry_ms : 1000);
	}
	if (rc == SEND_AUTH)
		ln->auth_force = 1;

	if (rc == SEND_OK) {
		s->off += deliver_part_len(s->text, s->off, ops->text_max);
		LOG(LL_DEBUG, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", chat), KS("req", s->req), KI("n", s->n),
		    KD("ms", ms), KI("attempt", s->attempt + 1),
		    KS("outcome", "sent"));
		if (s->text[s->off] != '\0')
			deliver_send_part(s);
		else
			deliver_finish_send(s, 1, NULL);
	} else {
		int again = rc == SEND_RETRY || rc == SEND_AUTH;

		for (i = 0; i < s->n; i++)
			if (++s->items[i]->attempts >=
			    dv->bd->cfg.delivery.max_attempts)
				again = 0;
		if (again && !dv->stopped) {
			dv->bd->metrics.deliveries_retry++;
			LOG(LL_WARN, "outbox",
			    KS("adapter", ln->ident->acfg->name),
			    KS("chat", chat), KS("req", s->req),
			    KI("status", resp->status),
			    KI("attempt", s->items[0]->attempts),
			    KI("retry_ms", retry_ms), KS("outcome", "retry"),
			    KS("err", send_rc_str(rc)), KS("detail", err));
			deliver_retry_send(s, retry_ms);
		} else if (again) {
			/* Draining: leave them pending for the next start. */
			for (i = 0; i < s->n; i++) {
				deliver_held_del(dv, s->items[i]);
				dlv_free(s->items[i]);
			}
			send_free(s);
		} else {
			LOG(LL_ERROR, "outbox",
			    KS("adapter", ln->ident->acfg->name),
			    KS("chat", chat), KS("req", s->req),
			    KS("key", s->items[0]->key),
			    KI("status", resp->status),
			    KI("attempts", s->items[0]->attempts),
			    KS("outcome", "dead_letter"),
			    KS("err", send_rc_str(rc)), KS("detail", err));
			deliver_finish_send(s, 0, send_rc_str(rc));
		}
	}
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

/* Hand the request of s to the outbox; *req is cleared either way. */
static void
deliver_transfer(struct send *s, struct httpreq *req)
{
	struct lane *ln = s->lane;
	struct deliver *dv = ln->dv;

	s->attempt = s->items[0]->attempts;
	if (outbox_send(dv->bd->outbox, req, DELIVER_SEND_TIMEOUT, deliver_done,
		s) == -1) {
		httpreq_clear(req);
		s->off = 0;
		deliver_retry_send(s, 0);
		return;
	}
	httpreq_clear(req);
	ln->inflight++;
	dv->inflight++;
}

/*
 * A removal (kick_on_blacklist): through the adapter's kick slot where the
 * platform has one; where it has none, or not for this chat, there is
 * nothing to do and the entry is done.
 */
static void
deliver_send_kick(struct send *s)
{
	struct lane *ln = s->lane;
	struct dlv *d = s->items[0];
	struct httpreq req;

	memset(&req, 0, sizeof(req));
	if (ln->ident->ops->kick == NULL ||
	    ln->ident->ops->kick(ln->ident->priv, d->chat, d->kick, botd_now(),
		&req) == -1) {
		LOG(LL_INFO, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("user", d->kick), KS("req", s->req),
		    KS("outcome", "kick_unsupported"));
		httpreq_clear(&req);
		deliver_finish_send(s, 1, NULL);
		return;
	}
	s->off = strlen(s->text); /* one request, no parts */
	deliver_transfer(s, &req);
}

/* Format and start the part of s at s->off. */
static void
deliver_send_part(struct send *s)
{
	struct lane *ln = s->lane;
	const struct adapter_ops *ops = ln->ident->ops;
	struct dlv *d = s->items[0];
	struct chat_msg msg;
	struct httpreq req;
	char *part, did[96];
	size_t n;
	ssize_t w;

	if (d->kick != NULL) {
		deliver_send_kick(s);
		return;
	}
	n = deliver_part_len(s->text, s->off, ops->text_max);
	part = xstrndup(s->text + s->off, n);
	memset(&msg, 0, sizeof(msg));
	memset(&req, 0, sizeof(req));
	snprintf(did, sizeof(did), "%s-%s-%zu", ln->streams[d->prio], d->id,
	    s->off);
	msg.chat = d->chat;
	msg.text = part;
	msg.now = botd_now();
	msg.robot = d->robot;
	msg.thread = d->thread;
	/* A per-conversation reply endpoint, only while it lasts. */
	if (*d->reply_url != '\0' &&
	    (d->reply_url_expires == 0 || msg.now < d->reply_url_expires)) {
		msg.reply_url = d->reply_url;
		msg.reply_url_expires = d->reply_url_expires;
	}
	msg.delivery_id = did;
	if (s->off == 0) {
		msg.reply_to = d->reply_to;
		msg.mention_id = d->mention;
		msg.mention_name = d->mention_name;
	}
	if (ops->format(ln->ident->priv, &msg, &req) == -1) {
		free(part);
		LOG(LL_ERROR, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("req", s->req), KS("key", d->key),
		    KS("outcome", "dead_letter"), KS("err", "format"));
		deliver_finish_send(s, 0, "format");
		return;
	}
	free(part);
	if (req.url == NULL) {
		/* Not HTTP: the console writes to standard output. */
		n = req.body != NULL ? strlen(req.body) : 0;
		w = n > 0 ? write(STDOUT_FILENO, req.body, n) : 0;
		(void)w;
		httpreq_clear(&req);
		s->off += deliver_part_len(s->text, s->off, ops->text_max);
		if (s->text[s->off] != '\0')
			deliver_send_part(s);
		else
			deliver_finish_send(s, 1, NULL);
		return;
	}
	deliver_transfer(s, &req);
}

/*
 * Send d now, with every other message waiting for the same chat that
 * fits (SPEC section 5: a digest instead of waiting for the chat's
 * quota).  Messages that @-mention someone go alone.
 */
static void
deliver_start(struct lane *ln, struct dlv *d, uint64_t now)
{
	struct deliver *dv = ln->dv;
	struct send *s;
	struct dlv *o, *next;
	size_t len, max = ln->ident->ops->text_max, cap = 4;
	unsigned int left;
	int p;

	s = xcalloc(1, sizeof(*s));
	s->lane = ln;
	log_new_id(s->req);
	s->items = xcalloc(cap, sizeof(*s->items));
	deliver_unqueue(dv, d);
	s->items[s->n++] = d;
	len = strlen(d->text);
	/*
	 * A digest only for a message that had to wait for a rate (SPEC
	 * section 5: merged "rather than wait for the chat's quota"); replies
	 * ready at once go one by one, each quoting its own message.  Only as
	 * long as entries of this chat remain to be found.
	 */
	left =
	    d->waited && d->kick == NULL ? deliver_chat_queued(ln, d->chat) : 0;
	if (*d->mention == '\0' && (max == 0 || len < max) && left > 0) {
		for (p = 0; p < PRIO_COUNT && s->n < DELIVER_DIGEST_MAX; p++)
			for (o = TAILQ_FIRST(&ln->q[p]);
			     o != NULL && s->n < DELIVER_DIGEST_MAX && left > 0;
			     o = next) {
				next = TAILQ_NEXT(o, entry);
				if (strcmp(o->chat, d->chat) != 0)
					continue;
				left--;
				if (o->in_batch || o->kick != NULL)
					continue;
				/* Waiting for this chat's quota is what the
				 * digest is for; a retry's backoff is not. */
				if ((o->attempts > 0 && o->not_before > now) ||
				    *o->mention != '\0' ||
				    strcmp(o->robot, d->robot) != 0 ||
				    (max != 0 &&
					len + 2 + strlen(o->text) > max))
					continue;
				deliver_unqueue(dv, o);
				if (s->n == cap) {
					cap *= 2;
					s->items = xreallocarray(s->items, cap,
					    sizeof(*s->items));
				}
				s->items[s->n++] = o;
				len += 2 + strlen(o->text);
			}
	}
	if (s->n == 1)
		s->text = xstrdup(d->text);
	else {
		size_t i;

		s->text = xcalloc(1, len + 1);
		for (i = 0; i < s->n; i++) {
			if (i > 0)
				strcat(s->text, "\n\n");
			strcat(s->text, s->items[i]->text);
		}
	}
	deliver_send_part(s);
}

/* ---- access tokens ---- */

static void
deliver_auth_done(void *arg, const struct httpresp *resp, const char *err,
    int sent_any, double ms)
{
	struct lane *ln = arg;
	struct deliver *dv = ln->dv;
	uint64_t backoff;

	(void)sent_any;
	ln->auth_inflight = 0;
	dv->inflight--;
	if (resp->status != 0 && ln->ident->ops->auth_parse(ln->ident->priv,
				     resp, botd_now()) == 0) {
		ln->auth_force = 0;
		ln->auth_failures = 0;
		LOG(LL_INFO, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("account", ln->ident->account->name), KD("ms", ms),
		    KS("outcome", "token_renewed"));
	} else {
		ln->auth_failures++;
		backoff = (uint64_t)DELIVER_BACKOFF_BASE
			  << (ln->auth_failures > 6 ? 6 : ln->auth_failures);
		ln->auth_retry_at = botd_mono_ms() + backoff;
		LOG(LL_ERROR, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("account", ln->ident->account->name),
		    KI("status", resp->status), KS("outcome", "token_failed"),
		    KS("detail", err != NULL ? err : "rejected"));
	}
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

/* 1 if the lane may send now; otherwise a token fetch may be started. */
static int
deliver_lane_authed(struct lane *ln, uint64_t now, uint64_t *wake)
{
	const struct adapter_ops *ops = ln->ident->ops;
	struct httpreq req;

	if (ops->auth_due == NULL || ln->ident->robot)
		return (1);
	if (!ln->auth_force && !ops->auth_due(ln->ident->priv, botd_now()))
		return (1);
	if (ln->auth_inflight)
		return (0);
	if (ln->auth_retry_at > now) {
		if (*wake == 0 || ln->auth_retry_at < *wake)
			*wake = ln->auth_retry_at;
		return (0);
	}
	memset(&req, 0, sizeof(req));
	if (ops->auth_request(ln->ident->priv, &req) == -1 ||
	    outbox_send(ln->dv->bd->outbox, &req, DELIVER_SEND_TIMEOUT,
		deliver_auth_done, ln) == -1) {
		httpreq_clear(&req);
		ln->auth_retry_at = now + 5000;
		return (0);
	}
	httpreq_clear(&req);
	ln->auth_inflight = 1;
	ln->dv->inflight++;
	return (0);
}

/* ---- rate: one tower.lua "take" per batch ---- */

/* Send the entries whose reserved slot has come; re-arm for the next. */
static void
deliver_sched_run(struct deliver *dv)
{
	uint64_t now = botd_mono_us(), next = 0;
	struct timeval tv;
	struct dlv *d;
	size_t i;

	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];

		/* The platform asked to wait (429): reserved slots are no
		 * longer good; ask for new ones once the pause is over. */
		if (ln->paused_until > now / 1000)
			while ((d = TAILQ_FIRST(&ln->sched)) != NULL) {
				TAILQ_REMOVE(&ln->sched, d, entry);
				d->scheduled = 0;
				d->not_before = ln->paused_until;
				deliver_enqueue(dv, d, 1);
			}
		while ((d = TAILQ_FIRST(&ln->sched)) != NULL) {
			if (d->send_at > now) {
				if (next == 0 || d->send_at < next)
					next = d->send_at;
				break;
			}
			TAILQ_REMOVE(&ln->sched, d, entry);
			d->scheduled = 0;
			if (dv->stopped) {
				/* Stays pending in Redis for the next start. */
				deliver_held_del(dv, d);
				dlv_free(d);
				continue;
			}
			deliver_start(ln, d, now / 1000);
		}
	}
	if (next != 0) {
		tv.tv_sec = (long)((next - now) / 1000000);
		tv.tv_usec = (long)((next - now) % 1000000);
		evtimer_add(dv->sched_ev, &tv);
	}
}

static void
deliver_sched_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_sched_run(arg);
	deliver_pump(arg);
}

/* Keep d for its reserved slot, delay_us from now; slots come in order. */
static void
deliver_schedule(struct deliver *dv, struct dlv *d, uint64_t delay_us)
{
	struct lane *ln = d->lane;
	struct dlv *o;

	deliver_unqueue(dv, d);
	d->send_at = botd_mono_us() + delay_us;
	d->scheduled = 1;
	TAILQ_FOREACH_REVERSE(o, &ln->sched, dlv_list, entry)
	if (o->send_at <= d->send_at)
		break;
	if (o == NULL)
		TAILQ_INSERT_HEAD(&ln->sched, d, entry);
	else
		TAILQ_INSERT_AFTER(&ln->sched, o, d, entry);
	if (TAILQ_FIRST(&ln->sched) == d)
		deliver_sched_run(dv);
}

/*
 * The rate answer (tower.lua take, bot/scripts/README.md): per chat, a
 * reserved slot delay_us >= 0 from now, or a refusal to ask again after
 * -delay_us.
 */
static void
deliver_take_done(void *arg, enum store_status st, const redisReply *r)
{
	struct lane *ln = arg;
	struct deliver *dv = ln->dv;
	uint64_t now = botd_mono_ms();
	size_t i;

	ln->taking = 0;
	for (i = 0; i < ln->nbatch; i++)
		ln->batch[i]->in_batch = 0;
	for (i = 0; i < ln->nbatch; i++) {
		struct dlv *d = ln->batch[i];
		long long us = -500000;

		/* Gone into a digest sent meanwhile (an earlier item of this
		 * loop, or a reserved slot that fired). */
		if (!d->queued)
			continue;

		if (st == STORE_OK && r->type == REDIS_REPLY_ARRAY &&
		    i < r->elements) {
			if (r->element[i]->type == REDIS_REPLY_INTEGER)
				us = r->element[i]->integer;
			else if (r->element[i]->type == REDIS_REPLY_STRING)
				us = strtoll(r->element[i]->str, NULL, 10);
		}
		if (us >= 0 && !dv->stopped) {
			if (us == 0)
				deliver_start(ln, d, now);
			else
				deliver_schedule(dv, d, (uint64_t)us);
		} else {
			/* Refused at the edge of the horizon: the slots ahead
			 * are reserved, so ask again when half of them have
			 * gone, not at every slot. */
			uint64_t wait_us = (uint64_t)(-us);

			if (wait_us < ln->horizon_us / 2)
				wait_us = ln->horizon_us / 2;
			d->waited = 1;
			d->not_before = now + (wait_us + 999) / 1000;
		}
	}
	ln->nbatch = 0;
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

/*
 * Pick up to a batch of distinct ready chats, replies first, then urgent,
 * then normal.  A higher priority with entries about to be ready (waiting
 * for the account's next slot, not for a chat's quota far off) keeps the
 * lower ones out of the batch, so they cannot take its slots: urgent is
 * always served before normal (SPEC section 5).
 */
static size_t
deliver_collect(struct lane *ln, uint64_t now, uint64_t *wake, size_t max)
{
	struct dlv *d;
	size_t n = 0, i;
	int p, dup, soon;

	for (p = 0, soon = 0; p < PRIO_COUNT && n < max && !soon; p++)
		TAILQ_FOREACH(d, &ln->q[p], entry)
		{
			if (n == max)
				break;
			if (d->not_before > now) {
				if (*wake == 0 || d->not_before < *wake)
					*wake = d->not_before;
				if (d->attempts == 0 &&
				    d->not_before - now <= DELIVER_SOON_MS)
					soon = 1;
				continue;
			}
			for (dup = 0, i = 0; i < n && !dup; i++)
				dup = strcmp(ln->batch[i]->chat, d->chat) == 0;
			if (!dup) {
				d->in_batch = 1;
				ln->batch[n++] = d;
			}
		}
	return (n);
}

static void
deliver_pump_lane(struct deliver *dv, struct lane *ln, uint64_t now,
    uint64_t *wake)
{
	const char **av;
	char nowbuf[32], per[5][24];
	uint64_t horizon;
	size_t n, i, ac = 0, room;

	if (ln->taking || (ln->nq[0] + ln->nq[1] + ln->nq[2]) == 0)
		return;
	if (ln->paused_until > now) {
		if (*wake == 0 || ln->paused_until < *wake)
			*wake = ln->paused_until;
		return;
	}
	if (!deliver_lane_authed(ln, now, wake))
		return;
	if (ln->inflight >= DELIVER_LANE_INFLIGHT)
		return;
	room = DELIVER_LANE_INFLIGHT - ln->inflight;
	n = deliver_collect(ln, now, wake,
	    room < DELIVER_BATCH ? room : DELIVER_BATCH);
	if (n == 0)
		return;
	if (ln->period_us == 0 && ln->chat_period_us == 0) {
		/* No limit at all (the console): no need to ask Redis. */
		for (i = 0; i < n; i++)
			ln->batch[i]->in_batch = 0;
		for (i = 0; i < n; i++)
			if (ln->batch[i]->queued)
				deliver_start(ln, ln->batch[i], now);
		return;
	}
	av = xcalloc(10 + n, sizeof(*av));
	snprintf(nowbuf, sizeof(nowbuf), "%lld", (long long)botd_now_ms());
	snprintf(per[0], sizeof(per[0]), "%llu",
	    (unsigned long long)ln->period_us);
	snprintf(per[1], sizeof(per[1]), "%llu", (unsigned long long)ln->burst);
	snprintf(per[2], sizeof(per[2]), "%llu",
	    (unsigned long long)ln->chat_period_us);
	snprintf(per[3], sizeof(per[3]), "%llu",
	    (unsigned long long)ln->chat_burst);
	/* Reserve far ahead only for replies and urgent messages: a normal
	 * broadcast must not commit slots an urgent one may need. */
	for (i = 0, horizon = DELIVER_HORIZON_US; i < n; i++)
		if (ln->batch[i]->prio == PRIO_N) {
			horizon = 2 * ln->period_us > DELIVER_HORIZON_N_US
				      ? 2 * ln->period_us
				      : DELIVER_HORIZON_N_US;
			break;
		}
	snprintf(per[4], sizeof(per[4]), "%llu", (unsigned long long)horizon);
	av[ac++] = dv->bd->cfg.redis_prefix;
	av[ac++] = "take";
	av[ac++] = nowbuf;
	av[ac++] = ln->ident->acfg->name;
	av[ac++] = ln->ident->account->name;
	for (i = 0; i < 5; i++)
		av[ac++] = per[i];
	for (i = 0; i < n; i++)
		av[ac++] = ln->batch[i]->chat;
	if (store_redis_eval(dv->bd->store, SCRIPT_TOWER, deliver_take_done, ln,
		(int)ac, av, NULL) == 0) {
		ln->taking = 1;
		ln->nbatch = n;
		ln->horizon_us = horizon;
	} else {
		for (i = 0; i < n; i++)
			ln->batch[i]->in_batch = 0;
		if (*wake == 0 || now + 500 < *wake)
			*wake = now + 500;
	}
	free(av);
}

static void
deliver_pump(struct deliver *dv)
{
	uint64_t now = botd_mono_ms(), wake = 0, wait;
	struct timeval tv;
	size_t i;

	/* Draining: what is in flight finishes, the rest stays pending in
	 * Redis for the next start. */
	if (dv->stopped)
		return;
	for (i = 0; i < dv->nlanes; i++)
		deliver_pump_lane(dv, &dv->lanes[i], now, &wake);
	if (wake != 0) {
		wait = wake > now ? wake - now : 0;
		tv.tv_sec = (long)(wait / 1000);
		tv.tv_usec = (long)(wait % 1000) * 1000;
		evtimer_add(dv->wake, &tv);
	}
	for (i = 0; i < 2; i++)
		if (!dv->readers[i].reading && dv->groups_ready)
			deliver_read(&dv->readers[i]);
}

static void
deliver_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_pump(arg);
}

/* ---- reading ---- */

static const char *
deliver_field(const redisReply *fv, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < fv->elements; i += 2)
		if (fv->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fv->element[i]->str, name) == 0 &&
		    fv->element[i + 1]->type == REDIS_REPLY_STRING)
			return (fv->element[i + 1]->str);
	return ("");
}

static struct lane *
deliver_lane_by_stream(struct deliver *dv, const char *stream, int *prio)
{
	size_t i;
	int p;

	for (i = 0; i < dv->nlanes; i++)
		for (p = 0; p < PRIO_COUNT; p++)
			if (strcmp(dv->lanes[i].streams[p], stream) == 0) {
				*prio = p;
				return (&dv->lanes[i]);
			}
	return (NULL);
}

/* Take one entry [id, [field, value, ...]] of stream (ln, prio). */
static int
deliver_take_entry(struct deliver *dv, struct lane *ln, int prio,
    const redisReply *e)
{
	char text[DELIVER_TEXT_MAX];
	const redisReply *fv;
	struct dlv *d;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return (0);
	if (deliver_held_find(dv, ln, prio, e->element[0]->str) != NULL)
		return (0);
	d = xcalloc(1, sizeof(*d));
	d->lane = ln;
	d->prio = prio;
	snprintf(d->id, sizeof(d->id), "%s", e->element[0]->str);
	d->held_since = botd_mono_ms();
	fv = e->element[1];
	if (fv->type != REDIS_REPLY_ARRAY) {
		/* Deleted while pending: only the acknowledgement is left. */
		d->chat = xstrdup("");
		deliver_ack(dv, d, 1);
		dlv_free(d);
		return (0);
	}
	d->chat = xstrdup(deliver_field(fv, "chat"));
	d->reply_to = xstrdup(deliver_field(fv, "reply_to"));
	d->mention = xstrdup(deliver_field(fv, "mention"));
	d->mention_name = xstrdup(deliver_field(fv, "mention_name"));
	d->key = xstrdup(deliver_field(fv, "key"));
	d->params = xstrdup(deliver_field(fv, "params"));
	d->robot = xstrdup(deliver_field(fv, "robot"));
	d->thread = xstrdup(deliver_field(fv, "thread"));
	d->reply_url = xstrdup(deliver_field(fv, "reply_url"));
	d->reply_url_expires =
	    strtoll(deliver_field(fv, "reply_url_expires"), NULL, 10);
	/* Only the broadcast itself counts as reaching a chat; an escalation
	 * also names its broadcast but is not a delivery of it. */
	if (*deliver_field(fv, "bc") != '\0' &&
	    strcmp(deliver_field(fv, "key"), "broadcast") == 0)
		d->bc = xstrdup(deliver_field(fv, "bc"));
	if (*deliver_field(fv, "kick") != '\0')
		d->kick = xstrdup(deliver_field(fv, "kick"));
	if (d->kick != NULL)
		text[0] = '-'; /* nothing to render: a removal */
	else if (*d->key != '\0')
		render_reply(dv->bd->cfg.lang == CONFIG_LANG_EN ? CATALOG_EN
								: CATALOG_ZH,
		    d->key, d->params, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", deliver_field(fv, "text"));
	if (d->kick != NULL)
		text[1] = '\0';
	d->text = xstrdup(text);
	deliver_held_add(dv, d);
	if (*d->chat == '\0' || *d->text == '\0') {
		LOG(LL_WARN, "outbox", KS("entry", d->id),
		    KS("outcome", "dead_letter"), KS("err", "malformed"));
		deliver_dead_letter(dv, d, "malformed");
		dlv_free(d);
		return (0);
	}
	deliver_enqueue(dv, d, 0);
	return (1);
}

/* Entries of an XREADGROUP answer: [[stream, [entry, ...]], ...]. */
static size_t
deliver_take_streams(struct deliver *dv, const redisReply *r)
{
	size_t i, j, n = 0;

	if (r->type != REDIS_REPLY_ARRAY)
		return (0);
	for (i = 0; i < r->elements; i++) {
		const redisReply *s = r->element[i];
		struct lane *ln;
		int prio;

		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->type != REDIS_REPLY_STRING ||
		    s->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		if ((ln = deliver_lane_by_stream(dv, s->element[0]->str,
			 &prio)) == NULL)
			continue;
		for (j = 0; j < s->element[1]->elements; j++)
			n += (size_t)deliver_take_entry(dv, ln, prio,
			    s->element[1]->element[j]);
	}
	return (n);
}

static void
deliver_read_again_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reader *rd = arg;

	(void)fd;
	(void)what;
	deliver_read(rd);
}

static void
deliver_read_done(void *arg, enum store_status st, const redisReply *r)
{
	struct reader *rd = arg;
	struct deliver *dv = rd->dv;
	struct timeval tv = { 0, 500000 };
	size_t n = 0;

	rd->reading = 0;
	if (st == STORE_OK) {
		if (r->type == REDIS_REPLY_ARRAY)
			n = deliver_take_streams(dv, r);
		if (!rd->recovered) {
			/* Our own pending entries are back in hand; from now
			 * on only new ones. */
			rd->recovered = 1;
			if (n > 0)
				LOG(LL_INFO, "outbox", KI("n", n),
				    KS("outcome", "recovered"));
		}
	} else if (st == STORE_ERR && strncmp(r->str, "NOGROUP", 7) == 0) {
		/* The streams vanished (Redis flushed or restarted empty). */
		dv->groups_ready = 0;
		deliver_store_up(dv);
		return;
	} else if (st != STORE_TIMEOUT) {
		if (!dv->stopped)
			evtimer_add(rd->again, &tv);
		return;
	}
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

static void
deliver_read(struct reader *rd)
{
	struct deliver *dv = rd->dv;
	const char **av, **ids;
	char block[16];
	size_t i, ac = 0, ns = 0;
	int p, left_out = 0;

	if (dv->stopped || rd->reading || dv->nlanes == 0 ||
	    !store_redis_up((rd->high ? dv->bd->qstore : dv->bd->qstore_n)))
		return;
	av = xcalloc(8 + 4 * dv->nlanes * PRIO_COUNT, sizeof(*av));
	ids = xcalloc(2 * dv->nlanes * PRIO_COUNT, sizeof(*ids));
	av[ac++] = "XREADGROUP";
	av[ac++] = "GROUP";
	av[ac++] = DELIVER_GROUP;
	av[ac++] = dv->bd->consumer;
	av[ac++] = "COUNT";
	/* Our own pending entries (after a crash) all at once: there are at
	 * most what we had read, a few buffers' worth. */
	av[ac++] = rd->recovered ? DELIVER_READ_COUNT : "1000000";
	if (rd->recovered) {
		av[ac++] = "BLOCK";
		av[ac++] = block; /* filled in below */
	}
	av[ac++] = "STREAMS";
	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];

		for (p = 0; p < PRIO_COUNT; p++) {
			if ((p == PRIO_N) == rd->high)
				continue;
			/* Full: read nothing more for this stream now. */
			if (rd->recovered &&
			    ln->nq[p] >= (p == PRIO_N ? ln->normal_cap
						      : DELIVER_HIGH_MAX)) {
				left_out = 1;
				continue;
			}
			av[ac++] = ln->streams[p];
			ids[ns++] = rd->recovered ? ">" : "0";
		}
	}
	/* With a stream left out, block only briefly: it must be read again
	 * as soon as its entries have gone out. */
	snprintf(block, sizeof(block), "%d",
	    left_out ? DELIVER_BLOCK_FULL_MS : DELIVER_BLOCK_MS);
	if (ns > 0) {
		for (i = 0; i < ns; i++)
			av[ac++] = ids[i];
		if (store_redis_cmd((rd->high ? dv->bd->qstore
					      : dv->bd->qstore_n),
			deliver_read_done, rd,
			rd->recovered ? DELIVER_BLOCK_MS : 0, (int)ac, av,
			NULL) == 0)
			rd->reading = 1;
	}
	free(ids);
	free(av);
}

/* ---- keeping entries ours, and reclaiming a dead daemon's ---- */

struct claim_ctx {
	struct lane *lane;
	int prio;
};

static void
deliver_autoclaim_done(void *arg, enum store_status st, const redisReply *r)
{
	struct claim_ctx *cc = arg;
	struct deliver *dv = cc->lane->dv;
	size_t j, n = 0;

	if (st == STORE_OK && r->type == REDIS_REPLY_ARRAY &&
	    r->elements >= 2 && r->element[1]->type == REDIS_REPLY_ARRAY &&
	    !dv->stopped) {
		for (j = 0; j < r->element[1]->elements; j++)
			n += (size_t)deliver_take_entry(dv, cc->lane, cc->prio,
			    r->element[1]->element[j]);
		if (n > 0) {
			LOG(LL_INFO, "outbox",
			    KS("adapter", cc->lane->ident->acfg->name),
			    KS("stream", cc->lane->streams[cc->prio]),
			    KI("n", n), KS("outcome", "reclaimed"));
			deliver_pump(dv);
		}
	}
	free(cc);
}

/* Every few seconds: touch entries held long, reclaim abandoned ones. */
static void
deliver_maint_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deliver *dv = arg;
	struct timeval tv = { DELIVER_RECLAIM_MS / 1000, 0 };
	uint64_t now = botd_mono_ms();
	const char **av;
	size_t i, h, ac, cap = 64;
	int p;

	(void)fd;
	(void)what;
	if (dv->stopped)
		return;
	evtimer_add(dv->maint, &tv);
	if (!store_redis_up(dv->bd->store) || !dv->groups_ready)
		return;
	av = xcalloc(cap + 8, sizeof(*av));
	for (i = 0; i < dv->nlanes; i++)
		for (p = 0; p < PRIO_COUNT; p++) {
			struct lane *ln = &dv->lanes[i];
			struct claim_ctx *cc;
			const char *xa[] = { "XAUTOCLAIM", ln->streams[p],
				DELIVER_GROUP, dv->bd->consumer,
				DELIVER_RECLAIM_IDLE, "0-0", "COUNT", "256" };

			/* XCLAIM ... JUSTID resets the idle time of what we
			 * hold, so no other daemon takes it. */
			ac = 0;
			av[ac++] = "XCLAIM";
			av[ac++] = ln->streams[p];
			av[ac++] = DELIVER_GROUP;
			av[ac++] = dv->bd->consumer;
			av[ac++] = "0";
			for (h = 0; h < DELIVER_HASH; h++) {
				struct dlv *d;

				for (d = dv->held[h]; d != NULL; d = d->hnext) {
					if (d->lane != ln || d->prio != p ||
					    now - d->held_since <
						DELIVER_TOUCH_MS)
						continue;
					if (ac - 5 == cap) {
						cap *= 2;
						av = xreallocarray(av, cap + 8,
						    sizeof(*av));
					}
					av[ac++] = d->id;
				}
			}
			if (ac > 5) {
				av[ac++] = "JUSTID";
				store_redis_cmd(dv->bd->store,
				    deliver_store_ignore, dv, 0, (int)ac, av,
				    NULL);
			}
			cc = xcalloc(1, sizeof(*cc));
			cc->lane = ln;
			cc->prio = p;
			if (store_redis_cmd(dv->bd->store,
				deliver_autoclaim_done, cc, 0, 8, xa,
				NULL) == -1)
				free(cc);
		}
	free(av);
}

/* ---- set-up ---- */

static void
deliver_group_done(void *arg, enum store_status st, const redisReply *r)
{
	(void)arg;
	if (st == STORE_ERR && strncmp(r->str, "BUSYGROUP", 9) != 0)
		LOG(LL_ERROR, "outbox", KS("outcome", "group_failed"),
		    KS("detail", r->str));
}

static void
deliver_groups_last(void *arg, enum store_status st, const redisReply *r)
{
	struct deliver *dv = arg;

	deliver_group_done(arg, st, r);
	if (st == STORE_OK || st == STORE_ERR) {
		dv->groups_ready = 1;
		deliver_pump(dv);
	}
}

void
deliver_store_up(struct deliver *dv)
{
	const char *av[6];
	size_t i;
	int p, last;

	if (dv->stopped || dv->nlanes == 0)
		return;
	if (dv->groups_ready) {
		deliver_pump(dv);
		return;
	}
	/* Commands on one connection finish in order: the last one's
	 * completion means every group exists. */
	for (i = 0; i < dv->nlanes; i++)
		for (p = 0; p < PRIO_COUNT; p++) {
			av[0] = "XGROUP";
			av[1] = "CREATE";
			av[2] = dv->lanes[i].streams[p];
			av[3] = DELIVER_GROUP;
			av[4] = "0";
			av[5] = "MKSTREAM";
			last = i + 1 == dv->nlanes && p == PRIO_COUNT - 1;
			store_redis_cmd(dv->bd->store,
			    last ? deliver_groups_last : deliver_group_done, dv,
			    0, 6, av, NULL);
		}
}

struct deliver *
deliver_new(struct botd *bd)
{
	struct deliver *dv;
	struct timeval tv = { DELIVER_RECLAIM_MS / 1000, 0 };
	size_t i;
	int p;

	dv = xcalloc(1, sizeof(*dv));
	dv->bd = bd;
	dv->jitter = (uint64_t)botd_now_ms() ^ (uint64_t)getpid() << 32;
	dv->dead_stream = xasprintf("%sdead", bd->cfg.redis_prefix);
	dv->nlanes = bd->nidents;
	dv->lanes =
	    xcalloc(dv->nlanes == 0 ? 1 : dv->nlanes, sizeof(*dv->lanes));
	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];
		struct bot_ident *id = &bd->idents[i];
		const struct rate_cfg *rate = &id->account->rate;
		double per_s;

		ln->dv = dv;
		ln->ident = id;
		TAILQ_INIT(&ln->sched);
		for (p = 0; p < PRIO_COUNT; p++) {
			TAILQ_INIT(&ln->q[p]);
			ln->streams[p] = xasprintf("%sq:%s:%s:%c",
			    bd->cfg.redis_prefix, id->acfg->name,
			    id->robot                    ? "~robot"
			    : *id->account->name != '\0' ? id->account->name
							 : "_",
			    prio_suffix[p]);
		}
		/* A robot lane has no account: every chat is its own
		 * sending identity with the per-chat limit. */
		/* Paced a little under the limit: a send that leaves a few
		 * ms late must not make the platform count one too many. */
		ln->period_us = id->robot
				    ? 0
				    : ratelimit_period_us(rate->per_second *
							  DELIVER_RATE_MARGIN);
		ln->burst = rate->burst;
		ln->chat_period_us =
		    rate->per_chat_per_minute > 0
			? ratelimit_period_us(rate->per_chat_per_minute / 60.0 *
					      DELIVER_RATE_MARGIN)
			: 0;
		ln->chat_burst = 1;
		per_s = id->robot ? 1000 : rate->per_second;
		ln->normal_cap = (unsigned int)(per_s * DELIVER_NORMAL_SECS);
		if (ln->normal_cap < DELIVER_NORMAL_MIN)
			ln->normal_cap = DELIVER_NORMAL_MIN;
		ln->batch = xcalloc(DELIVER_BATCH, sizeof(*ln->batch));
	}
	for (i = 0; i < 2; i++) {
		dv->readers[i].dv = dv;
		dv->readers[i].high = i == 0;
		dv->readers[i].again = evtimer_new(bd->base,
		    deliver_read_again_cb, &dv->readers[i]);
		if (dv->readers[i].again == NULL)
			abort();
	}
	dv->wake = evtimer_new(bd->base, deliver_wake_cb, dv);
	dv->ack_timer = evtimer_new(bd->base, deliver_ack_timer_cb, dv);
	dv->maint = evtimer_new(bd->base, deliver_maint_cb, dv);
	dv->sched_ev = evtimer_new(bd->base, deliver_sched_cb, dv);
	if (dv->wake == NULL || dv->ack_timer == NULL || dv->maint == NULL ||
	    dv->sched_ev == NULL)
		abort();
	evtimer_add(dv->maint, &tv);
	return (dv);
}

void
deliver_stop(struct deliver *dv)
{
	size_t i;

	dv->stopped = 1;
	for (i = 0; i < 2; i++)
		evtimer_del(dv->readers[i].again);
	evtimer_del(dv->maint);
	evtimer_del(dv->sched_ev);
	deliver_ack_flush(dv);
}

unsigned int
deliver_inflight(const struct deliver *dv)
{
	return (dv->inflight + (unsigned int)dv->ack_calls);
}

unsigned int
deliver_queued(const struct deliver *dv)
{
	return (dv->queued);
}

void
deliver_free(struct deliver *dv)
{
	struct dlv *d;
	size_t i;
	int p;

	if (dv == NULL)
		return;
	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];
		size_t b;

		while ((d = TAILQ_FIRST(&ln->sched)) != NULL) {
			TAILQ_REMOVE(&ln->sched, d, entry);
			dlv_free(d);
		}
		for (p = 0; p < PRIO_COUNT; p++) {
			while ((d = TAILQ_FIRST(&ln->q[p])) != NULL) {
				TAILQ_REMOVE(&ln->q[p], d, entry);
				dlv_free(d);
			}
			free(ln->streams[p]);
		}
		for (b = 0; b < DELIVER_CHAT_BUCKETS; b++)
			while (ln->chats[b] != NULL) {
				struct chat_count *cc = ln->chats[b];

				ln->chats[b] = cc->next;
				free(cc);
			}
		free(ln->batch);
	}
	for (i = 0; i < dv->nacks; i++)
		free(dv->acks[i]);
	free(dv->acks);
	for (i = 0; i < 2; i++)
		event_free(dv->readers[i].again);
	event_free(dv->wake);
	event_free(dv->ack_timer);
	event_free(dv->maint);
	event_free(dv->sched_ev);
	free(dv->dead_stream);
	free(dv->lanes);
	free(dv);
}
