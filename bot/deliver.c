/*
 * deliver.c -- queued messages to platform sends.
 *
 * Reading: one XREADGROUP ... BLOCK over every identity's two streams on
 * the blocking connection; what it returns is held in per-identity local
 * lists (still pending in Redis).  Sending: deliver_pump() takes messages
 * urgent-first, within the identity's rate, formats them with the adapter
 * and hands them to the outbox.  Finishing: XACK + XDEL on success or
 * dead-letter; on a retryable failure the message waits locally until its
 * backoff has passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "adapters/sig.h"
#include "bot/deliver.h"
#include "bot/log.h"
#include "bot/outbox.h"
#include "bot/render.h"
#include "bot/store_redis.h"
#include "core/ratelimit.h"
#include "core/xmem.h"

#define DELIVER_GROUP      "tb"
#define DELIVER_READ_COUNT "64"
#define DELIVER_BLOCK_MS   2000
#define DELIVER_LOCAL_MAX                                                      \
	2048                     /* messages held locally before pausing       \
				    reads */
#define DELIVER_LANE_INFLIGHT 32 /* transfers per identity at once */
#define DELIVER_SEND_TIMEOUT  10000
#define DELIVER_TEXT_MAX      16384
#define DELIVER_BACKOFF_BASE  1000
#define DELIVER_BACKOFF_MAX   300000

struct dlv {
	TAILQ_ENTRY(dlv) entry;
	struct lane *lane;
	int urgent;
	char id[48]; /* stream entry id */
	char req[17];
	char *chat, *reply_to, *mention, *mention_name, *key, *params;
	char *text; /* rendered once */
	size_t off; /* next part starts here */
	unsigned int attempts;
	uint64_t not_before; /* monotonic ms */
	uint64_t started;    /* monotonic ms of this attempt */
};
TAILQ_HEAD(dlv_list, dlv);

/* One sending identity's local state. */
struct lane {
	struct deliver *dv;
	struct bot_ident *ident;
	struct dlv_list q[2]; /* [0] urgent, [1] normal */
	struct ratelimit rl;
	uint64_t period_ms, burst;
	uint64_t paused_until; /* a 429 told us to wait */
	unsigned int inflight;
	int auth_inflight, auth_force;
	uint64_t auth_retry_at;
	unsigned int auth_failures;
};

struct deliver {
	struct botd *bd;
	struct lane *lanes;
	size_t nlanes;
	unsigned int queued, inflight;
	int reading, recovered, stopped, groups_ready;
	struct event *wake;       /* earliest not_before / pause / auth retry */
	struct event *read_again; /* after a failed read */
	uint64_t jitter;
};

static void deliver_pump(struct deliver *);
static void deliver_read(struct deliver *);
static void deliver_send_part(struct dlv *);

static uint64_t
deliver_rand(struct deliver *dv)
{
	uint64_t x = (dv->jitter += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

static void
dlv_free(struct dlv *d)
{
	free(d->chat);
	free(d->reply_to);
	free(d->mention);
	free(d->mention_name);
	free(d->key);
	free(d->params);
	free(d->text);
	free(d);
}

static struct lane *
deliver_lane_by_stream(struct deliver *dv, const char *stream, int *urgent)
{
	size_t i;

	for (i = 0; i < dv->nlanes; i++) {
		if (strcmp(dv->lanes[i].ident->stream_u, stream) == 0) {
			*urgent = 1;
			return (&dv->lanes[i]);
		}
		if (strcmp(dv->lanes[i].ident->stream_n, stream) == 0) {
			*urgent = 0;
			return (&dv->lanes[i]);
		}
	}
	return (NULL);
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

/* Remove the entry from its stream: it has been handled for good. */
static void
deliver_ack(struct deliver *dv, struct dlv *d)
{
	const char *stream =
	    d->urgent ? d->lane->ident->stream_u : d->lane->ident->stream_n;
	const char *ack[] = { "XACK", stream, DELIVER_GROUP, d->id };
	const char *del[] = { "XDEL", stream, d->id };

	/* Down: the entry stays pending and is sent again after restart. */
	if (store_redis_cmd(dv->bd->store, deliver_store_ignore, dv, 0, 4, ack,
		NULL) == 0)
		store_redis_cmd(dv->bd->store, deliver_store_ignore, dv, 0, 3,
		    del, NULL);
}

static void
deliver_dead_letter(struct deliver *dv, struct dlv *d, const char *why)
{
	char *stream = xasprintf("%sdead", dv->bd->cfg.redis_prefix);
	char attempts[16];
	const char *av[] = { "XADD", stream, "MAXLEN", "~", "100000", "*",
		"adapter", d->lane->ident->acfg->name, "account",
		d->lane->ident->account->name, "chat", d->chat, "key", d->key,
		"params", d->params, "entry", d->id, "why", why, "attempts",
		attempts };

	snprintf(attempts, sizeof(attempts), "%u", d->attempts);
	store_redis_cmd(dv->bd->store, deliver_store_ignore, dv, 0,
	    (int)(sizeof(av) / sizeof(av[0])), av, NULL);
	free(stream);
	dv->bd->metrics.deliveries_failed++;
	deliver_ack(dv, d);
}

static void
deliver_requeue(struct deliver *dv, struct dlv *d, int64_t retry_ms)
{
	uint64_t backoff;

	if (retry_ms <= 0) {
		/* Exponential backoff with +-25% jitter. */
		backoff = DELIVER_BACKOFF_BASE;
		if (d->attempts > 1)
			backoff <<=
			    (d->attempts - 1 > 16 ? 16 : d->attempts - 1);
		if (backoff > DELIVER_BACKOFF_MAX)
			backoff = DELIVER_BACKOFF_MAX;
		backoff =
		    backoff * 3 / 4 + deliver_rand(dv) % (backoff / 2 + 1);
	} else
		backoff = (uint64_t)retry_ms;
	d->not_before = botd_mono_ms() + backoff;
	TAILQ_INSERT_HEAD(&d->lane->q[d->urgent ? 0 : 1], d, entry);
	dv->queued++;
}

/* Next part of d->text starting at d->off, at most max bytes, preferring
 * a line break, never inside a UTF-8 character.  Returns its length. */
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
deliver_done(void *arg, const struct httpresp *resp, const char *err,
    int sent_any, double ms)
{
	struct dlv *d = arg;
	struct lane *ln = d->lane;
	struct deliver *dv = ln->dv;
	const struct adapter_ops *ops = ln->ident->ops;
	enum send_rc rc;
	int64_t retry_ms = 0;

	ln->inflight--;
	dv->inflight--;
	if (resp->status == 0) {
		rc = SEND_RETRY;
		if (sent_any) {
			/* The request may have arrived: the platforms we
			 * speak offer no idempotency key on these sends, so
			 * a retry may duplicate (bounded by max_attempts). */
			dv->bd->metrics.deliveries_unknown++;
			LOG(LL_WARN, "outbox",
			    KS("adapter", ln->ident->acfg->name),
			    KS("chat", d->chat), KS("req", d->req),
			    KD("ms", ms), KS("outcome", "unknown"),
			    KS("err", "transport"), KS("detail", err));
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
		d->off += deliver_part_len(d->text, d->off, ops->text_max);
		LOG(LL_DEBUG, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("req", d->req), KS("key", d->key),
		    KD("ms", ms), KI("attempt", d->attempts + 1),
		    KS("outcome", "sent"));
		if (d->text[d->off] != '\0') {
			d->attempts = 0;
			deliver_send_part(d);
			return;
		}
		dv->bd->metrics.deliveries_ok++;
		deliver_ack(dv, d);
		dlv_free(d);
	} else if ((rc == SEND_RETRY || rc == SEND_AUTH) &&
		   ++d->attempts < dv->bd->cfg.delivery.max_attempts) {
		dv->bd->metrics.deliveries_retry++;
		LOG(LL_WARN, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("req", d->req),
		    KI("status", resp->status), KI("attempt", d->attempts),
		    KI("retry_ms", retry_ms), KS("outcome", "retry"),
		    KS("err", send_rc_str(rc)),
		    KS("detail", err != NULL ? err : ""));
		deliver_requeue(dv, d, retry_ms);
	} else {
		LOG(LL_ERROR, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("req", d->req), KS("key", d->key),
		    KI("status", resp->status), KI("attempts", d->attempts + 1),
		    KS("outcome", "dead_letter"), KS("err", send_rc_str(rc)),
		    KS("detail", err != NULL ? err : ""));
		if (rc != SEND_FAIL)
			d->attempts++;
		deliver_dead_letter(dv, d, send_rc_str(rc));
		dlv_free(d);
	}
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

/* Format and start the part of d at d->off. */
static void
deliver_send_part(struct dlv *d)
{
	struct lane *ln = d->lane;
	struct deliver *dv = ln->dv;
	const struct adapter_ops *ops = ln->ident->ops;
	struct chat_msg msg;
	struct httpreq req;
	char *part;
	size_t n;
	ssize_t w;

	n = deliver_part_len(d->text, d->off, ops->text_max);
	part = xstrndup(d->text + d->off, n);
	memset(&msg, 0, sizeof(msg));
	memset(&req, 0, sizeof(req));
	msg.chat = d->chat;
	msg.text = part;
	msg.now = botd_now();
	if (d->off == 0) {
		msg.reply_to = d->reply_to;
		msg.mention_id = d->mention;
		msg.mention_name = d->mention_name;
	}
	if (ops->format(ln->ident->priv, &msg, &req) == -1) {
		free(part);
		LOG(LL_ERROR, "outbox", KS("adapter", ln->ident->acfg->name),
		    KS("chat", d->chat), KS("req", d->req), KS("key", d->key),
		    KS("outcome", "dead_letter"), KS("err", "format"));
		deliver_dead_letter(dv, d, "format");
		dlv_free(d);
		return;
	}
	free(part);
	if (req.url == NULL) {
		/* Not HTTP: the console writes to standard output. */
		n = req.body != NULL ? strlen(req.body) : 0;
		w = n > 0 ? write(STDOUT_FILENO, req.body, n) : 0;
		(void)w;
		httpreq_clear(&req);
		d->off += deliver_part_len(d->text, d->off, ops->text_max);
		if (d->text[d->off] != '\0') {
			deliver_send_part(d);
			return;
		}
		dv->bd->metrics.deliveries_ok++;
		deliver_ack(dv, d);
		dlv_free(d);
		return;
	}
	d->started = botd_mono_ms();
	if (outbox_send(dv->bd->outbox, &req, DELIVER_SEND_TIMEOUT,
		deliver_done, d) == -1) {
		httpreq_clear(&req);
		d->attempts++;
		deliver_requeue(dv, d, 0);
		return;
	}
	httpreq_clear(&req);
	ln->inflight++;
	dv->inflight++;
}

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
			  << (ln->auth_failures > 8 ? 8 : ln->auth_failures);
		if (backoff > 60000)
			backoff = 60000;
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

	if (ops->auth_due == NULL)
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

static struct dlv *
deliver_pick(struct lane *ln, uint64_t now, uint64_t *wake)
{
	struct dlv *d;
	int p;

	for (p = 0; p < 2; p++)
		TAILQ_FOREACH(d, &ln->q[p], entry)
		{
			if (d->not_before <= now)
				return (d);
			if (*wake == 0 || d->not_before < *wake)
				*wake = d->not_before;
		}
	return (NULL);
}

static void
deliver_pump(struct deliver *dv)
{
	uint64_t now = botd_mono_ms(), wake = 0, wait;
	struct timeval tv;
	struct dlv *d;
	size_t i;

	/* Draining: what is in flight finishes, the rest stays pending in
	 * Redis for the next start. */
	if (dv->stopped)
		return;
	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];

		if (TAILQ_EMPTY(&ln->q[0]) && TAILQ_EMPTY(&ln->q[1]))
			continue;
		if (ln->paused_until > now) {
			if (wake == 0 || ln->paused_until < wake)
				wake = ln->paused_until;
			continue;
		}
		if (!deliver_lane_authed(ln, now, &wake))
			continue;
		while (ln->inflight < DELIVER_LANE_INFLIGHT &&
		       (d = deliver_pick(ln, now, &wake)) != NULL) {
			if (!ratelimit_take(&ln->rl, ln->period_ms, ln->burst,
				now, &wait)) {
				if (wake == 0 || now + wait < wake)
					wake = now + wait;
				break;
			}
			TAILQ_REMOVE(&ln->q[d->urgent ? 0 : 1], d, entry);
			dv->queued--;
			log_new_id(d->req);
			deliver_send_part(d);
		}
	}
	if (wake != 0) {
		wait = wake > now ? wake - now : 0;
		tv.tv_sec = (long)(wait / 1000);
		tv.tv_usec = (long)(wait % 1000) * 1000;
		evtimer_add(dv->wake, &tv);
	}
	if (!dv->reading && !dv->stopped && dv->groups_ready &&
	    dv->queued < DELIVER_LOCAL_MAX)
		deliver_read(dv);
}

static void
deliver_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_pump(arg);
}

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

/* Take the entries of one XREADGROUP answer into the local lists. */
static size_t
deliver_take(struct deliver *dv, const redisReply *r)
{
	char text[DELIVER_TEXT_MAX];
	size_t i, j, n = 0;

	if (r->type != REDIS_REPLY_ARRAY)
		return (0);
	for (i = 0; i < r->elements; i++) {
		const redisReply *s = r->element[i], *entries;
		struct lane *ln;
		int urgent;

		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->type != REDIS_REPLY_STRING)
			continue;
		ln = deliver_lane_by_stream(dv, s->element[0]->str, &urgent);
		entries = s->element[1];
		if (ln == NULL || entries->type != REDIS_REPLY_ARRAY)
			continue;
		for (j = 0; j < entries->elements; j++) {
			const redisReply *e = entries->element[j];
			struct dlv *d;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			d = xcalloc(1, sizeof(*d));
			d->lane = ln;
			d->urgent = urgent;
			snprintf(d->id, sizeof(d->id), "%s",
			    e->element[0]->str);
			if (e->element[1]->type != REDIS_REPLY_ARRAY) {
				/* Deleted while pending: only the ack is
				 * left to do. */
				deliver_ack(dv, d);
				free(d);
				continue;
			}
			d->chat = xstrdup(deliver_field(e->element[1], "chat"));
			d->reply_to =
			    xstrdup(deliver_field(e->element[1], "reply_to"));
			d->mention =
			    xstrdup(deliver_field(e->element[1], "mention"));
			d->mention_name = xstrdup(
			    deliver_field(e->element[1], "mention_name"));
			d->key = xstrdup(deliver_field(e->element[1], "key"));
			d->params =
			    xstrdup(deliver_field(e->element[1], "params"));
			if (*d->key != '\0')
				render_reply(dv->bd->cfg.lang == CONFIG_LANG_EN
						 ? CATALOG_EN
						 : CATALOG_ZH,
				    d->key, d->params, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "%s",
				    deliver_field(e->element[1], "text"));
			d->text = xstrdup(text);
			if (*d->chat == '\0' || *d->text == '\0') {
				LOG(LL_WARN, "outbox", KS("entry", d->id),
				    KS("outcome", "dead_letter"),
				    KS("err", "malformed"));
				deliver_dead_letter(dv, d, "malformed");
				dlv_free(d);
				continue;
			}
			TAILQ_INSERT_TAIL(&ln->q[urgent ? 0 : 1], d, entry);
			dv->queued++;
			n++;
		}
	}
	return (n);
}

static void
deliver_read_again_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_pump(arg);
}

static void
deliver_read_done(void *arg, enum store_status st, const redisReply *r)
{
	struct deliver *dv = arg;
	struct timeval tv = { 0, 500000 };
	size_t n = 0;

	dv->reading = 0;
	if (st == STORE_OK) {
		if (r->type == REDIS_REPLY_ARRAY)
			n = deliver_take(dv, r);
		if (!dv->recovered) {
			/* Our own pending entries are back in hand; from now
			 * on only new ones. */
			dv->recovered = 1;
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
			evtimer_add(dv->read_again, &tv);
		return;
	}
	deliver_pump(dv);
	botd_drain_check(dv->bd);
}

static void
deliver_read(struct deliver *dv)
{
	const char **av;
	char block[16];
	size_t i, ac = 0, n = 2 * dv->nlanes;

	if (dv->nlanes == 0 || !store_redis_up(dv->bd->qstore))
		return;
	av = xcalloc(8 + 2 * n, sizeof(*av));
	av[ac++] = "XREADGROUP";
	av[ac++] = "GROUP";
	av[ac++] = DELIVER_GROUP;
	av[ac++] = dv->bd->consumer;
	av[ac++] = "COUNT";
	av[ac++] = DELIVER_READ_COUNT;
	if (dv->recovered) {
		snprintf(block, sizeof(block), "%d", DELIVER_BLOCK_MS);
		av[ac++] = "BLOCK";
		av[ac++] = block;
	}
	av[ac++] = "STREAMS";
	for (i = 0; i < dv->nlanes; i++)
		av[ac++] = dv->lanes[i].ident->stream_u;
	for (i = 0; i < dv->nlanes; i++)
		av[ac++] = dv->lanes[i].ident->stream_n;
	for (i = 0; i < n; i++)
		av[ac++] = dv->recovered ? ">" : "0";
	if (store_redis_cmd(dv->bd->qstore, deliver_read_done, dv,
		DELIVER_BLOCK_MS, (int)ac, av, NULL) == 0)
		dv->reading = 1;
	free(av);
}

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
		for (p = 0; p < 2; p++) {
			av[0] = "XGROUP";
			av[1] = "CREATE";
			av[2] = p == 0 ? dv->lanes[i].ident->stream_u
				       : dv->lanes[i].ident->stream_n;
			av[3] = DELIVER_GROUP;
			av[4] = "0";
			av[5] = "MKSTREAM";
			last = i + 1 == dv->nlanes && p == 1;
			store_redis_cmd(dv->bd->store,
			    last ? deliver_groups_last : deliver_group_done, dv,
			    0, 6, av, NULL);
		}
}

struct deliver *
deliver_new(struct botd *bd)
{
	struct deliver *dv;
	size_t i;

	dv = xcalloc(1, sizeof(*dv));
	dv->bd = bd;
	dv->jitter = (uint64_t)botd_now_ms() ^ (uint64_t)getpid() << 32;
	dv->nlanes = bd->nidents;
	dv->lanes =
	    xcalloc(dv->nlanes == 0 ? 1 : dv->nlanes, sizeof(*dv->lanes));
	for (i = 0; i < dv->nlanes; i++) {
		struct lane *ln = &dv->lanes[i];
		const struct rate_cfg *rate = &bd->idents[i].account->rate;

		ln->dv = dv;
		ln->ident = &bd->idents[i];
		TAILQ_INIT(&ln->q[0]);
		TAILQ_INIT(&ln->q[1]);
		ratelimit_init(&ln->rl);
		ln->period_ms = ratelimit_period_ms(rate->per_second);
		ln->burst = rate->burst;
	}
	dv->wake = evtimer_new(bd->base, deliver_wake_cb, dv);
	dv->read_again = evtimer_new(bd->base, deliver_read_again_cb, dv);
	if (dv->wake == NULL || dv->read_again == NULL)
		abort();
	return (dv);
}

void
deliver_stop(struct deliver *dv)
{
	dv->stopped = 1;
	evtimer_del(dv->read_again);
}

unsigned int
deliver_inflight(const struct deliver *dv)
{
	return (dv->inflight);
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
	for (i = 0; i < dv->nlanes; i++)
		for (p = 0; p < 2; p++)
			while ((d = TAILQ_FIRST(&dv->lanes[i].q[p])) != NULL) {
				TAILQ_REMOVE(&dv->lanes[i].q[p], d, entry);
				dlv_free(d);
			}
	event_free(dv->wake);
	event_free(dv->read_again);
	free(dv->lanes);
	free(dv);
}
