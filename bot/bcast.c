/*
 * bcast.c -- create, plan, fan out and escalate broadcasts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "bot/bcast.h"
#include "bot/deliver.h"
#include "bot/inbound.h"
#include "bot/log.h"
#include "core/broadcast.h"
#include "core/xmem.h"

#define BCAST_CHUNK             "5000" /* chats per bc_enqueue call */
#define BCAST_ESCALATE_MS       5000
#define BCAST_RETRY_MS          1000
#define BCAST_NORMAL_DEADLINE_S 3600 /* "an ordinary activity within 1 h" */
#define BCAST_RUNNING_MAX       64

/* One fan-out in progress. */
struct fanout {
	struct botd *bd;
	char id[32];
	uint64_t t0; /* monotonic ms */
	unsigned long long n;
	struct event *retry;
};

/*
 * The module's state, owned by struct botd (bd->bcast): the fan-outs
 * running in this daemon, so a resume does not double one, and the
 * escalation timer.
 */
struct bcast {
	struct fanout *running[BCAST_RUNNING_MAX];
	unsigned int nrunning;
	struct event *escalate_ev;
};

static void bcast_enqueue_next(struct fanout *);

unsigned int
bcast_inflight(const struct botd *bd)
{
	return (bd->bcast != NULL ? bd->bcast->nrunning : 0);
}

char *
bcast_identities(const struct botd *bd)
{
	char *out = xstrdup(""), *next;
	size_t i, j;

	for (i = 0; i < bd->cfg.nadapters; i++) {
		const struct adapter_cfg *ac = &bd->cfg.adapters[i];

		next = xasprintf("%s%s%s=", out, i > 0 ? ";" : "", ac->name);
		free(out);
		out = next;
		for (j = 0; j < ac->naccounts; j++) {
			const char *n = ac->accounts[j].name;

			next = xasprintf("%s%s%s", out, j > 0 ? "," : "",
			    *n != '\0' ? n : "_");
			free(out);
			out = next;
		}
		if (ac->ops->robots) {
			next = xasprintf("%s,~robot", out);
			free(out);
			out = next;
		}
	}
	return (out);
}

/* The identity "adapter/ident" names: "_" is the default account. */
static struct bot_ident *
bcast_ident(struct botd *bd, const char *adapter, const char *ident)
{
	size_t i;

	for (i = 0; i < bd->nidents; i++) {
		struct bot_ident *id = &bd->idents[i];

		if (strcmp(id->acfg->name, adapter) != 0)
			continue;
		if (strcmp(ident, "~robot") == 0
			? id->robot
			: !id->robot &&
			      strcmp(id->account->name,
				  strcmp(ident, "_") == 0 ? "" : ident) == 0)
			return (id);
	}
	return (NULL);
}

/* Plan from "adapter/ident=n,..." against the configured limits. */
static void
bcast_plan(struct botd *bd, const char *idents, int urgent,
    struct bcast_result *res)
{
	struct broadcast_ident *ids;
	struct broadcast_plan plan;
	char *copy, *tok, *save = NULL, *slash, *eq;
	size_t n = 0, cap = 8, i, off = 0;

	ids = xcalloc(cap, sizeof(*ids));
	copy = xstrdup(idents != NULL ? idents : "");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct bot_ident *id;

		if ((eq = strrchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		if ((slash = strchr(tok, '/')) == NULL)
			continue;
		*slash = '\0';
		if ((id = bcast_ident(bd, tok, slash + 1)) == NULL)
			continue;
		if (n == cap) {
			cap *= 2;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[n].platform = id->acfg->platform;
		ids[n].name = id->account->name;
		ids[n].per_second =
		    id->robot ? 0 : id->account->rate.per_second;
		ids[n].burst = id->account->rate.burst;
		ids[n].assigned = strtoull(eq + 1, NULL, 10);
		ids[n].per_chat = id->robot;
		n++;
	}
	res->deadline_ms =
	    (uint64_t)(urgent ? bd->cfg.delivery.urgent_deadline_s
			      : BCAST_NORMAL_DEADLINE_S) *
	    1000;
	broadcast_plan_make(ids, n, res->deadline_ms, &plan);
	res->eta_ms = plan.eta_ms;
	res->ontime = plan.ontime;
	res->late = plan.late;
	res->missing[0] = '\0';
	for (i = 0; i < plan.nmissing && off < sizeof(res->missing); i++)
		off += (size_t)snprintf(res->missing + off,
		    sizeof(res->missing) - off, "%s%s: %llu", i > 0 ? ", " : "",
		    plan.missing[i].platform,
		    (unsigned long long)plan.missing[i].more);
	free(copy);
	free(ids);
}

static void
bcast_log_plan(const char *id, const struct bcast_result *res)
{
	LOG(LL_INFO, "broadcast", KS("broadcast", id), KI("n", res->total),
	    KI("eta_ms", res->eta_ms), KI("deadline_ms", res->deadline_ms),
	    KI("late", res->late),
	    KS("missing", *res->missing != '\0' ? res->missing : NULL),
	    KS("outcome", res->ontime ? "planned_ontime" : "planned_late"));
}

/* ---- fan-out ---- */

static int
bcast_is_running(const struct bcast *B, const char *id)
{
	unsigned int i;

	for (i = 0; i < B->nrunning; i++)
		if (strcmp(B->running[i]->id, id) == 0)
			return (1);
	return (0);
}

static void
bcast_fanout_end(struct fanout *fo)
{
	struct bcast *B = fo->bd->bcast;
	unsigned int i;

	for (i = 0; i < B->nrunning; i++)
		if (B->running[i] == fo) {
			B->running[i] = B->running[--B->nrunning];
			break;
		}
	event_free(fo->retry);
	botd_drain_check(fo->bd);
	free(fo);
}

static void
bcast_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bcast_enqueue_next(arg);
}

static void
bcast_enqueue_done(void *arg, enum store_status st, const redisReply *r)
{
	struct fanout *fo = arg;
	struct timeval tv = { 0, BCAST_RETRY_MS * 1000 };
	long long n = 0, done = 0;

	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
		LOG(LL_WARN, "broadcast", KS("broadcast", fo->id),
		    KS("outcome", "enqueue_retry"),
		    KS("detail",
			st == STORE_ERR ? r->str : "redis unavailable"));
		if (fo->bd->draining) {
			/* Another start resumes it (bc:enqueuing). */
			bcast_fanout_end(fo);
			return;
		}
		evtimer_add(fo->retry, &tv);
		return;
	}
	n = r->element[0]->type == REDIS_REPLY_INTEGER
		? r->element[0]->integer
		: strtoll(r->element[0]->str != NULL ? r->element[0]->str : "0",
		      NULL, 10);
	done =
	    r->element[1]->type == REDIS_REPLY_INTEGER
		? r->element[1]->integer
		: strtoll(r->element[1]->str != NULL ? r->element[1]->str : "0",
		      NULL, 10);
	fo->n += (unsigned long long)n;
	if (done || fo->bd->draining) {
		if (done)
			LOG(LL_INFO, "broadcast", KS("broadcast", fo->id),
			    KI("n", fo->n), KI("ms", botd_mono_ms() - fo->t0),
			    KS("outcome", "enqueued"));
		bcast_fanout_end(fo);
		return;
	}
	bcast_enqueue_next(fo);
}

static void
bcast_enqueue_next(struct fanout *fo)
{
	struct botd *bd = fo->bd;
	struct timeval tv = { 0, BCAST_RETRY_MS * 1000 };
	char now[32];
	const char *av[] = { bd->cfg.redis_prefix, "bc_enqueue", now, fo->id,
		BCAST_CHUNK };

	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	if (store_redis_eval(bd->store, SCRIPT_TOWER, bcast_enqueue_done, fo, 5,
		av, NULL) == -1) {
		if (bd->draining) {
			bcast_fanout_end(fo);
			return;
		}
		evtimer_add(fo->retry, &tv);
	}
}

static void
bcast_fanout_start(struct botd *bd, const char *id)
{
	struct bcast *B = bd->bcast;
	struct fanout *fo;

	if (bcast_is_running(B, id) || B->nrunning == BCAST_RUNNING_MAX)
		return;
	fo = xcalloc(1, sizeof(*fo));
	fo->bd = bd;
	snprintf(fo->id, sizeof(fo->id), "%s", id);
	fo->t0 = botd_mono_ms();
	if ((fo->retry = evtimer_new(bd->base, bcast_retry_cb, fo)) == NULL)
		abort();
	B->running[B->nrunning++] = fo;
	bcast_enqueue_next(fo);
}

/* ---- creation ---- */

struct create_op {
	struct botd *bd;
	bcast_done_fn *done;
	void *arg;
	int urgent;
};

static void
bcast_create_done(void *arg, enum store_status st, const redisReply *r)
{
	struct create_op *op = arg;
	struct bcast_result res;
	char idbuf[32], b[32];

	memset(&res, 0, sizeof(res));
	res.st = st;
	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
		if (res.st == STORE_OK)
			res.st = STORE_ERR;
		res.error = st == STORE_ERR ? r->str : "store unavailable";
		op->done(op->arg, &res);
		free(op);
		return;
	}
	res.id = r->element[0]->type == REDIS_REPLY_INTEGER
		     ? r->element[0]->integer
		     : strtoll(r->element[0]->str, NULL, 10);
	if (r->element[1]->type == REDIS_REPLY_INTEGER)
		res.total = (uint64_t)r->element[1]->integer;
	else {
		snprintf(b, sizeof(b), "%s", r->element[1]->str);
		res.total = strtoull(b, NULL, 10);
	}
	if (res.id > 0) {
		bcast_plan(op->bd,
		    r->element[2]->type == REDIS_REPLY_STRING
			? r->element[2]->str
			: "",
		    op->urgent, &res);
		snprintf(idbuf, sizeof(idbuf), "%lld", res.id);
		bcast_log_plan(idbuf, &res);
		bcast_fanout_start(op->bd, idbuf);
	}
	op->done(op->arg, &res);
	free(op);
}

int
bcast_create(struct botd *bd, const struct bcast_req *req, bcast_done_fn *done,
    void *arg)
{
	struct create_op *op;
	char now[32], esc[32];
	const char *av[14];
	int ac = 0;

	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	snprintf(esc, sizeof(esc), "%llu",
	    (unsigned long long)(req->urgent
				     ? bd->cfg.delivery.escalate_urgent_s
				     : bd->cfg.delivery.escalate_normal_s) *
		1000ULL);
	av[ac++] = bd->cfg.redis_prefix;
	av[ac++] = "bc_create";
	av[ac++] = now;
	av[ac++] = req->origin;
	av[ac++] = "";
	av[ac++] = "";
	av[ac++] = "api";
	av[ac++] = req->urgent ? "urgent" : "normal";
	av[ac++] = req->text;
	av[ac++] = req->level != NULL ? req->level : "";
	av[ac++] = req->tag != NULL ? req->tag : "";
	av[ac++] = req->purpose != NULL ? req->purpose : "";
	av[ac++] = bd->identities;
	av[ac++] = esc;
	op = xcalloc(1, sizeof(*op));
	op->bd = bd;
	op->done = done;
	op->arg = arg;
	op->urgent = req->urgent;
	if (store_redis_eval(bd->store, SCRIPT_TOWER, bcast_create_done, op, ac,
		av, NULL) == -1) {
		free(op);
		return (-1);
	}
	return (0);
}

void
bcast_created(struct botd *bd, long long id, uint64_t total, const char *idents,
    int urgent, const struct bcast_origin_chat *oc)
{
	struct bcast_result res;
	char idbuf[32];
	json_t *p;
	char *params;

	memset(&res, 0, sizeof(res));
	res.id = id;
	res.total = total;
	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	if (id <= 0) {
		inbound_say(bd, oc->adapter, oc->account, oc->chat, oc->user,
		    oc->msg_id, "broadcast_none", "{}", NULL, NULL);
		return;
	}
	bcast_plan(bd, idents, urgent, &res);
	bcast_log_plan(idbuf, &res);
	p = json_pack("{s:s, s:I, s:I, s:I, s:i, s:I, s:s}", "id", idbuf,
	    "chats", (json_int_t)total, "eta_s",
	    (json_int_t)((res.eta_ms + 999) / 1000), "deadline_s",
	    (json_int_t)(res.deadline_ms / 1000), "ontime", res.ontime, "late",
	    (json_int_t)res.late, "missing", res.missing);
	if (p != NULL && (params = json_dumps(p, JSON_COMPACT)) != NULL) {
		/* Queued before the fan-out, and on the reply stream: the
		 * sender hears of it first. */
		inbound_say(bd, oc->adapter, oc->account, oc->chat, oc->user,
		    oc->msg_id, "broadcast_ok", params, NULL, NULL);
		free(params);
	}
	json_decref(p);
	bcast_fanout_start(bd, idbuf);
}

/* ---- resume and escalation ---- */

static void
bcast_resume_done(void *arg, enum store_status st, const redisReply *r)
{
	struct botd *bd = arg;
	char b[32];
	size_t i;

	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++) {
		const char *id = r->element[i]->str;

		if (r->element[i]->type == REDIS_REPLY_INTEGER) {
			snprintf(b, sizeof(b), "%lld", r->element[i]->integer);
			id = b;
		} else if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if (!bcast_is_running(bd->bcast, id)) {
			LOG(LL_INFO, "broadcast", KS("broadcast", id),
			    KS("outcome", "resumed"));
			bcast_fanout_start(bd, id);
		}
	}
}

void
bcast_resume(struct botd *bd)
{
	char now[32];
	const char *av[] = { bd->cfg.redis_prefix, "resume", now };

	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	store_redis_eval(bd->store, SCRIPT_TOWER, bcast_resume_done, bd, 3, av,
	    NULL);
}

static void
bcast_escalate_done(void *arg, enum store_status st, const redisReply *r)
{
	size_t i;
	char b[32];

	(void)arg;
	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++) {
		const char *id = r->element[i]->type == REDIS_REPLY_STRING
				     ? r->element[i]->str
				     : "";

		if (r->element[i]->type == REDIS_REPLY_INTEGER) {
			snprintf(b, sizeof(b), "%lld", r->element[i]->integer);
			id = b;
		}
		LOG(LL_INFO, "broadcast", KS("broadcast", id),
		    KS("outcome", "escalated"));
	}
}

static void
bcast_escalate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct botd *bd = arg;
	struct bcast *B = bd->bcast;
	struct timeval tv = { BCAST_ESCALATE_MS / 1000, 0 };
	char now[32];
	const char *av[] = { bd->cfg.redis_prefix, "escalate", now, "20" };

	(void)fd;
	(void)what;
	if (bd->draining)
		return;
	evtimer_add(B->escalate_ev, &tv);
	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	store_redis_eval(bd->store, SCRIPT_TOWER, bcast_escalate_done, bd, 4,
	    av, NULL);
}

int
bcast_start_timers(struct botd *bd)
{
	struct timeval tv = { BCAST_ESCALATE_MS / 1000, 0 };
	struct bcast *B;

	B = bd->bcast = xcalloc(1, sizeof(*bd->bcast));
	if ((B->escalate_ev = evtimer_new(bd->base, bcast_escalate_cb, bd)) ==
	    NULL)
		return (-1);
	evtimer_add(B->escalate_ev, &tv);
	return (0);
}

void
bcast_stop_timers(struct botd *bd)
{
	struct bcast *B = bd->bcast;
	unsigned int i;

	if (B == NULL)
		return;
	if (B->escalate_ev != NULL) {
		event_free(B->escalate_ev);
		B->escalate_ev = NULL;
	}
	for (i = 0; i < B->nrunning; i++) {
		event_free(B->running[i]->retry);
		free(B->running[i]);
	}
	free(B);
	bd->bcast = NULL;
}
