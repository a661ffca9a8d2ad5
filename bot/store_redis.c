/*
 * store_redis.c -- hiredis async over libevent, as STYLE sketch 5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "bot/log.h"
#include "bot/scripts.h"
#include "bot/store_redis.h"
#include "core/xmem.h"

#define STORE_BACKOFF_MIN_MS 100
#define STORE_BACKOFF_MAX_MS 5000
#define STORE_CONNECT_MS     3000

/* The Redis function of each script (bot/scripts/README.md). */
static const char *const store_functions[SCRIPT_COUNT] = {
	[SCRIPT_TOWERBOT] = "tb_event",
	[SCRIPT_TOWER] = "tb_tower",
};

struct store_redis {
	struct event_base *base;
	char *name;
	char *host; /* NULL for unix */
	int port;
	char *path; /* unix socket */
	int db;
	redisAsyncContext *ac; /* NULL while disconnected */
	int up;
	unsigned int op_timeout_ms;
	unsigned int inflight;
	unsigned int backoff_ms;
	struct event *reconnect; /* backoff timer */
	struct event *connect_deadline;
	store_state_fn *state_cb;
	void *state_arg;
	int freeing;
};

/*
 * One command in flight.  Two parties may finish it: hiredis (reply, or
 * NULL when the link drops or the context is freed) and our deadline.  The
 * first calls done; only the hiredis callback frees the op, because hiredis
 * holds the privdata pointer until then.
 */
struct store_op {
	struct store_redis *sr;
	store_done_fn *done;
	void *arg;
	struct event deadline; /* in the op: no allocation per command */
	int finished;
};

static void store_redis_connect(struct store_redis *);
static void store_redis_load_scripts(struct store_redis *);
static void store_redis_loaded(redisAsyncContext *, void *, void *);
static void store_redis_schedule(struct store_redis *);

/*
 * Our own libevent hooks for hiredis, instead of <hiredis/adapters/
 * libevent.h>, whose events are one-shot: it re-adds the read event after
 * every reply and adds and deletes the write event for every command,
 * four epoll_ctl calls per command.  Here the read event is persistent,
 * and writes are flushed once per loop pass through an activated (not
 * polled) event, so every command issued in one pass goes out in one
 * write; only when the socket is full (or still connecting) does a real
 * write event wait for it.
 */
struct store_ev {
	redisAsyncContext *ac;
	struct event *rev;   /* EV_READ | EV_PERSIST */
	struct event *wev;   /* the socket writable, when it was full */
	struct event *flush; /* activated: write what was queued */
	int reading, flushing;
};

/*
 * The connection whose queued output is being written right now.  Not a
 * field of it: hiredis may free the context (and our struct) inside the
 * write, so nothing of it may be touched afterwards.
 */
static struct store_ev *store_ev_writing;

static void
store_ev_read(evutil_socket_t fd, short what, void *arg)
{
	struct store_ev *e = arg;

	(void)fd;
	(void)what;
	redisAsyncHandleRead(e->ac);
}

static void
store_ev_write(evutil_socket_t fd, short what, void *arg)
{
	struct store_ev *e = arg;

	(void)fd;
	(void)what;
	e->flushing = 0;
	store_ev_writing = e;
	redisAsyncHandleWrite(e->ac);
	store_ev_writing = NULL;
}

static void
store_ev_add_read(void *privdata)
{
	struct store_ev *e = privdata;

	if (!e->reading) {
		event_add(e->rev, NULL);
		e->reading = 1;
	}
}

static void
store_ev_del_read(void *privdata)
{
	struct store_ev *e = privdata;

	if (e->reading) {
		event_del(e->rev);
		e->reading = 0;
	}
}

static void
store_ev_add_write(void *privdata)
{
	struct store_ev *e = privdata;

	/* Not connected yet, or the socket was full during a flush: wait
	 * for the socket itself. */
	if (!(e->ac->c.flags & REDIS_CONNECTED) || store_ev_writing == e) {
		event_add(e->wev, NULL);
		return;
	}
	if (!e->flushing) {
		e->flushing = 1;
		event_active(e->flush, EV_WRITE, 0);
	}
}

static void
store_ev_del_write(void *privdata)
{
	struct store_ev *e = privdata;

	event_del(e->wev);
}

static void
store_ev_cleanup(void *privdata)
{
	struct store_ev *e = privdata;

	if (store_ev_writing == e)
		store_ev_writing = NULL;
	event_free(e->rev);
	event_free(e->wev);
	event_free(e->flush);
	free(e);
}

static int
store_ev_attach(redisAsyncContext *ac, struct event_base *base)
{
	struct store_ev *e;

	if (ac->ev.data != NULL)
		return (REDIS_ERR);
	e = xcalloc(1, sizeof(*e));
	e->ac = ac;
	e->rev =
	    event_new(base, ac->c.fd, EV_READ | EV_PERSIST, store_ev_read, e);
	e->wev = event_new(base, ac->c.fd, EV_WRITE, store_ev_write, e);
	e->flush = event_new(base, -1, 0, store_ev_write, e);
	if (e->rev == NULL || e->wev == NULL || e->flush == NULL) {
		if (e->rev != NULL)
			event_free(e->rev);
		if (e->wev != NULL)
			event_free(e->wev);
		if (e->flush != NULL)
			event_free(e->flush);
		free(e);
		return (REDIS_ERR);
	}
	ac->ev.addRead = store_ev_add_read;
	ac->ev.delRead = store_ev_del_read;
	ac->ev.addWrite = store_ev_add_write;
	ac->ev.delWrite = store_ev_del_write;
	ac->ev.cleanup = store_ev_cleanup;
	ac->ev.data = e;
	/* As hiredis' own adapter: watch both at once; the first writable
	 * event completes the (non-blocking) connect. */
	store_ev_add_read(e);
	event_add(e->wev, NULL);
	return (REDIS_OK);
}

static void
store_op_finish(struct store_op *op, enum store_status st,
    const redisReply *reply)
{
	if (op->finished)
		return;
	op->finished = 1;
	event_del(&op->deadline);
	op->done(op->arg, st, reply);
}

static void
store_op_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_op_finish(arg, STORE_TIMEOUT, NULL);
}

static void
store_op_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct store_op *op = privdata;
	redisReply *reply = r; /* freed by hiredis on return */

	if (reply == NULL)
		store_op_finish(op, STORE_DOWN, NULL);
	else if (reply->type == REDIS_REPLY_ERROR) {
		/* FUNCTION FLUSH behind our back: load again for next time. */
		if (strncmp(reply->str, "ERR Function not found", 22) == 0 &&
		    ac != NULL)
			store_redis_load_scripts(op->sr);
		store_op_finish(op, STORE_ERR, reply);
	} else
		store_op_finish(op, STORE_OK, reply);
	op->sr->inflight--;
	free(op);
}

/*
 * The scripts are one Redis Functions library: loaded (with REPLACE, so an
 * upgraded daemon brings its own version) ahead of any command on the
 * connection, so FCALL always finds it.  Its tables are built once here,
 * not on every call as with EVALSHA.
 */
static void
store_redis_load_scripts(struct store_redis *sr)
{
	if (sr->ac == NULL)
		return;
	redisAsyncCommand(sr->ac, store_redis_loaded, sr,
	    "FUNCTION LOAD REPLACE %b", script_library, script_library_len);
}

static void
store_redis_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
	struct store_redis *sr = privdata;
	redisReply *reply = r;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		LOG(LL_ERROR, "store", KS("conn", sr->name),
		    KS("outcome", "function_load_failed"),
		    KS("detail", reply->str));
}

static void
store_redis_set_up(struct store_redis *sr, int up)
{
	if (sr->up == up)
		return;
	sr->up = up;
	if (sr->state_cb != NULL && !sr->freeing)
		sr->state_cb(sr->state_arg, up);
}

static void
store_redis_on_connect(const redisAsyncContext *ac, int status)
{
	struct store_redis *sr = ac->data;

	event_del(sr->connect_deadline);
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		LOG(LL_WARN, "store", KS("conn", sr->name),
		    KS("outcome", "connect_failed"), KS("detail", ac->errstr));
		sr->ac = NULL;
		store_redis_set_up(sr, 0);
		store_redis_schedule(sr);
		return;
	}
	sr->backoff_ms = 0;
	/* Pipelined ahead of any command, so EVALSHA always finds them. */
	store_redis_load_scripts(sr);
	if (sr->db != 0)
		redisAsyncCommand(sr->ac, NULL, NULL, "SELECT %d", sr->db);
	LOG(LL_INFO, "store", KS("conn", sr->name), KS("outcome", "connected"));
	store_redis_set_up(sr, 1);
}

static void
store_redis_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct store_redis *sr = ac->data;

	sr->ac = NULL;
	if (sr->freeing)
		return;
	LOG(status == REDIS_OK ? LL_INFO : LL_WARN, "store",
	    KS("conn", sr->name), KS("outcome", "disconnected"),
	    KS("detail", status == REDIS_OK ? "closed" : ac->errstr));
	store_redis_set_up(sr, 0);
	store_redis_schedule(sr);
}

static void
store_redis_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_redis_connect(arg);
}

/* The connect took too long (a black-holed TCP peer): drop it and retry. */
static void
store_redis_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct store_redis *sr = arg;

	(void)fd;
	(void)what;
	if (sr->ac != NULL && !sr->up)
		redisAsyncDisconnect(sr->ac);
}

static void
store_redis_schedule(struct store_redis *sr)
{
	struct timeval tv;

	if (sr->freeing)
		return;
	sr->backoff_ms =
	    sr->backoff_ms == 0 ? STORE_BACKOFF_MIN_MS : sr->backoff_ms * 2;
	if (sr->backoff_ms > STORE_BACKOFF_MAX_MS)
		sr->backoff_ms = STORE_BACKOFF_MAX_MS;
	tv.tv_sec = sr->backoff_ms / 1000;
	tv.tv_usec = (sr->backoff_ms % 1000) * 1000;
	evtimer_add(sr->reconnect, &tv);
}

static void
store_redis_connect(struct store_redis *sr)
{
	redisAsyncContext *ac;
	struct timeval tv = { STORE_CONNECT_MS / 1000, 0 };

	if (sr->host != NULL)
		ac = redisAsyncConnect(sr->host, sr->port);
	else
		ac = redisAsyncConnectUnix(sr->path);
	if (ac == NULL || ac->err) {
		LOG(LL_WARN, "store", KS("conn", sr->name),
		    KS("outcome", "connect_failed"),
		    KS("detail", ac != NULL ? ac->errstr : "out of memory"));
		if (ac != NULL)
			redisAsyncFree(ac); /* err set at once: ours to free */
		store_redis_schedule(sr);
		return;
	}
	ac->data = sr;
	if (store_ev_attach(ac, sr->base) != REDIS_OK) {
		redisAsyncFree(ac);
		store_redis_schedule(sr);
		return;
	}
	redisAsyncSetConnectCallback(ac, store_redis_on_connect);
	redisAsyncSetDisconnectCallback(ac, store_redis_on_disconnect);
	sr->ac = ac;
	evtimer_add(sr->connect_deadline, &tv);
}

/* "redis://host[:port][/db]" or "unix:/path"; 0 or -1. */
static int
store_redis_parse_url(struct store_redis *sr, const char *url)
{
	const char *p, *colon, *slash;

	sr->port = 6379;
	if (strncmp(url, "unix:", 5) == 0) {
		if (url[5] == '\0')
			return (-1);
		sr->path = xstrdup(url + 5);
		return (0);
	}
	if (strncmp(url, "redis://", 8) != 0)
		return (-1);
	p = url + 8;
	slash = strchr(p, '/');
	colon = strchr(p, ':');
	if (colon != NULL && slash != NULL && colon > slash)
		colon = NULL;
	if (colon != NULL) {
		sr->host = xstrndup(p, (size_t)(colon - p));
		sr->port = atoi(colon + 1);
	} else
		sr->host = slash != NULL ? xstrndup(p, (size_t)(slash - p))
					 : xstrdup(p);
	if (slash != NULL)
		sr->db = atoi(slash + 1);
	if (sr->host[0] == '\0' || sr->port <= 0 || sr->port > 65535)
		return (-1);
	return (0);
}

struct store_redis *
store_redis_new(struct event_base *base, const char *url, const char *name,
    unsigned int op_timeout_ms, store_state_fn *state_cb, void *state_arg)
{
	struct store_redis *sr;

	sr = xcalloc(1, sizeof(*sr));
	sr->base = base;
	sr->name = xstrdup(name);
	sr->op_timeout_ms = op_timeout_ms;
	sr->state_cb = state_cb;
	sr->state_arg = state_arg;
	if (store_redis_parse_url(sr, url) == -1) {
		store_redis_free(sr);
		return (NULL);
	}
	sr->reconnect = evtimer_new(base, store_redis_reconnect_cb, sr);
	sr->connect_deadline =
	    evtimer_new(base, store_redis_connect_timeout, sr);
	if (sr->reconnect == NULL || sr->connect_deadline == NULL)
		abort();
	store_redis_connect(sr);
	return (sr);
}

void
store_redis_free(struct store_redis *sr)
{
	if (sr == NULL)
		return;
	sr->freeing = 1;
	/* Runs every pending callback with NULL: each op finishes as DOWN. */
	if (sr->ac != NULL)
		redisAsyncFree(sr->ac);
	sr->ac = NULL;
	if (sr->reconnect != NULL)
		event_free(sr->reconnect);
	if (sr->connect_deadline != NULL)
		event_free(sr->connect_deadline);
	free(sr->name);
	free(sr->host);
	free(sr->path);
	free(sr);
}

int
store_redis_up(const struct store_redis *sr)
{
	return (sr->up && sr->ac != NULL);
}

unsigned int
store_redis_inflight(const struct store_redis *sr)
{
	return (sr->inflight);
}

int
store_redis_cmd(struct store_redis *sr, store_done_fn *done, void *arg,
    unsigned int extra_ms, int argc, const char **argv, const size_t *argvlen)
{
	struct store_op *op;
	struct timeval tv;
	unsigned int ms = sr->op_timeout_ms + extra_ms;

	if (!store_redis_up(sr))
		return (-1);
	op = xcalloc(1, sizeof(*op));
	op->sr = sr;
	op->done = done;
	op->arg = arg;
	if (evtimer_assign(&op->deadline, sr->base, store_op_timeout, op) ==
	    -1) {
		free(op);
		return (-1);
	}
	if (redisAsyncCommandArgv(sr->ac, store_op_reply, op, argc, argv,
		argvlen) != REDIS_OK) {
		free(op);
		return (-1);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&op->deadline, &tv);
	sr->inflight++;
	return (0);
}

int
store_redis_eval(struct store_redis *sr, enum store_script which,
    store_done_fn *done, void *arg, int argc, const char **argv,
    const size_t *argvlen)
{
	const char **av;
	size_t *al;
	int i, rc;

	if (argc < 0)
		return (-1);
	av = xcalloc((size_t)argc + 3, sizeof(*av));
	al = xcalloc((size_t)argc + 3, sizeof(*al));
	av[0] = "FCALL";
	al[0] = 5;
	av[1] = store_functions[which];
	al[1] = strlen(av[1]);
	av[2] = "0";
	al[2] = 1;
	for (i = 0; i < argc; i++) {
		av[i + 3] = argv[i];
		al[i + 3] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
	}
	rc = store_redis_cmd(sr, done, arg, 0, argc + 3, av, al);
	free(av);
	free(al);
	return (rc);
}
