/*
 * botd.c -- building, running and tearing down struct botd: config,
 * Redis (spawned or external), adapters, outbox, delivery, HTTP, console,
 * signals.  Teardown runs in the reverse order of setup (STYLE 2.5).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "bot/botd.h"
#include "bot/bcast.h"
#include "bot/botd_run.h"
#include "bot/deliver.h"
#include "bot/evloop.h"
#include "bot/http.h"
#include "bot/log.h"
#include "bot/outbox.h"
#include "bot/redis_spawn.h"
#include "bot/stdin.h"
#include "bot/store_redis.h"
#include "core/command.h"
#include "core/xmem.h"

#define BOTD_DRAIN_MS 10000
/* After the end of stdin, time for the last console replies to go out. */
#define BOTD_CONSOLE_GRACE_MS 1000
#define BOTD_OP_TIMEOUT       1500 /* ms; well under every platform's deadline */
#define BOTD_SPAWN_WAIT       10000

int64_t
botd_now(void)
{
	return ((int64_t)time(NULL));
}

int64_t
botd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

uint64_t
botd_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

uint64_t
botd_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct bot_ident *
botd_ident(struct botd *bd, const char *adapter, const char *account)
{
	size_t i;

	for (i = 0; i < bd->nidents; i++) {
		struct bot_ident *id = &bd->idents[i];

		if (id->robot || strcmp(id->acfg->name, adapter) != 0)
			continue;
		if (account == NULL || *account == '\0' ||
		    strcmp(id->account->name, account) == 0)
			return (id);
	}
	return (NULL);
}

/* ARGV[3] and [4] of towerbot.lua (bot/scripts/README.md). */
static void
botd_script_cfg(struct botd *bd)
{
	const struct config *c = &bd->cfg;
	size_t i, len = 0;

	free(bd->cfgstr);
	free(bd->ladder);
	bd->cfgstr = xasprintf("%u,%u,%u,%d,%d,%d,%d,%d,%d,%d,%u,%u,%d",
	    c->covenant.absence_limit, c->covenant.restriction_activities,
	    c->covenant.warn_expiry_days, c->credit.initial, c->credit.attended,
	    c->credit.absent, c->credit.late_cancel, c->credit.remind,
	    c->credit.warn, c->credit.blacklist, c->covenant.late_cancel_hours,
	    c->covenant.checkin_before_minutes,
	    c->covenant.kick_on_blacklist ? 1 : 0);
	for (i = 0; i < c->covenant.nwarn_ladder; i++)
		len += strlen(c->covenant.warn_ladder[i]) + 1;
	bd->ladder = xcalloc(1, len + 1);
	for (i = 0; i < c->covenant.nwarn_ladder; i++) {
		if (i > 0)
			strcat(bd->ladder, ",");
		strcat(bd->ladder, c->covenant.warn_ladder[i]);
	}
}

static void
botd_log_config(const struct config *c)
{
	log_set_level((enum log_level)c->log_level);
}

/*
 * Build the adapter instances of every identity: one per account, plus
 * one robot lane for a platform whose chats may carry their own robot
 * credential (it formats with the adapter's first account's keys).
 */
static int
botd_idents_init(struct botd *bd, char *err, size_t errlen)
{
	size_t i, j, n = 0;
	char e[256];

	for (i = 0; i < bd->cfg.nadapters; i++)
		n += bd->cfg.adapters[i].naccounts + 1;
	bd->idents = xcalloc(n == 0 ? 1 : n, sizeof(*bd->idents));
	for (i = 0; i < bd->cfg.nadapters; i++) {
		const struct adapter_cfg *ac = &bd->cfg.adapters[i];

		for (j = 0; j <= ac->naccounts; j++) {
			struct bot_ident *id = &bd->idents[bd->nidents];
			const struct account_cfg *acct;

			if (j == ac->naccounts && !ac->ops->robots)
				break;
			acct = &ac->accounts[j < ac->naccounts ? j : 0];
			id->acfg = ac;
			id->account = acct;
			id->ops = ac->ops;
			id->robot = j == ac->naccounts;
			e[0] = '\0';
			if (ac->ops->init(&id->priv, acct->conf, e,
				sizeof(e)) == -1) {
				snprintf(err, errlen, "adapters.%s: %s",
				    ac->name, e);
				return (-1);
			}
			bd->nidents++;
		}
	}
	return (0);
}

static void
botd_idents_free(struct botd *bd)
{
	size_t i;

	for (i = 0; i < bd->nidents; i++)
		bd->idents[i].ops->free(bd->idents[i].priv);
	free(bd->idents);
	bd->idents = NULL;
	bd->nidents = 0;
}

static void
botd_store_state(void *arg, int up)
{
	struct botd *bd = arg;

	/*
	 * A Redis we (re)connect to may not hold what the seen cache says
	 * was recorded (a restart without persistence, a failover): forget.
	 */
	if (up && bd->seen != NULL)
		memset(bd->seen, 0, BOTD_SEEN_SLOTS * sizeof(*bd->seen));
	if (up && bd->deliver != NULL && store_redis_up(bd->store) &&
	    store_redis_up(bd->qstore) && store_redis_up(bd->qstore_n)) {
		deliver_store_up(bd->deliver);
		bcast_resume(bd);
	}
}

void
botd_drain_check(struct botd *bd)
{
	if (bd == NULL || !bd->draining)
		return;
	if ((bd->http != NULL && http_server_inflight(bd->http) > 0) ||
	    (bd->deliver != NULL && deliver_inflight(bd->deliver) > 0) ||
	    bcast_inflight(bd) > 0)
		return;
	event_base_loopexit(bd->base, NULL);
}

static void
botd_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct botd *bd = arg;

	(void)fd;
	(void)what;
	LOG(LL_WARN, "main", KS("outcome", "drain_timeout"),
	    KI("webhooks",
		bd->http != NULL ? http_server_inflight(bd->http) : 0),
	    KI("deliveries",
		bd->deliver != NULL ? deliver_inflight(bd->deliver) : 0));
	event_base_loopexit(bd->base, NULL);
}

/* Stop accepting, drain what is in flight, then leave the loop. */
static void
botd_stop(struct botd *bd)
{
	struct timeval tv = { BOTD_DRAIN_MS / 1000, 0 };

	bd->draining = 1;
	if (bd->http != NULL)
		http_server_stop_accepting(bd->http);
	if (bd->deliver != NULL)
		deliver_stop(bd->deliver);
	if (bd->stdin_reader != NULL) {
		stdin_reader_free(bd->stdin_reader);
		bd->stdin_reader = NULL;
	}
	bd->drain_timer = evtimer_new(bd->base, botd_drain_timeout, bd);
	if (bd->drain_timer != NULL)
		evtimer_add(bd->drain_timer, &tv);
	botd_drain_check(bd);
}

static void
botd_sig_term(evutil_socket_t sig, short what, void *arg)
{
	struct botd *bd = arg;

	(void)what;
	if (bd->draining)
		return;
	LOG(LL_INFO, "main", KS("signal", sig == SIGINT ? "INT" : "TERM"),
	    KS("outcome", "draining"));
	botd_stop(bd);
}

static void
botd_console_done(evutil_socket_t fd, short what, void *arg)
{
	struct botd *bd = arg;

	(void)fd;
	(void)what;
	if (bd->draining)
		return;
	LOG(LL_INFO, "main", KS("cause", "stdin_closed"),
	    KS("outcome", "draining"));
	botd_stop(bd);
}

void
botd_console_eof(struct botd *bd)
{
	struct timeval tv = { BOTD_CONSOLE_GRACE_MS / 1000,
		(BOTD_CONSOLE_GRACE_MS % 1000) * 1000 };
	size_t i;

	for (i = 0; i < bd->nidents; i++)
		if (strcmp(bd->idents[i].acfg->platform, "console") != 0)
			return; /* webhooks still come in */
	if (!bd->draining)
		event_base_once(bd->base, -1, EV_TIMEOUT, botd_console_done, bd,
		    &tv);
}

/*
 * SIGHUP: reopen the log, and reload the config.  The new config is swapped
 * in only if it is valid; what is read per request (operators, covenant,
 * credit, lang, log level, max_body) applies at once, while listen, redis
 * and the adapters keep their running values until a restart (logged).
 */
static void
botd_sig_hup(evutil_socket_t sig, short what, void *arg)
{
	struct botd *bd = arg;
	struct config next, old;
	struct config_err err;
	int restart = 0;

	(void)sig;
	(void)what;
	if (log_reopen() == -1)
		LOG(LL_ERROR, "main", KS("outcome", "log_reopen_failed"),
		    KS("detail", strerror(errno)));
	if (config_load(bd->config_path, &next, &err) == -1) {
		LOG(LL_ERROR, "config", KS("file", bd->config_path),
		    KS("outcome", "reload_rejected"), KS("detail", err.text));
		return;
	}
	if (strcmp(next.listen, bd->cfg.listen) != 0 ||
	    strcmp(next.redis, bd->cfg.redis) != 0 ||
	    strcmp(next.redis_prefix, bd->cfg.redis_prefix) != 0 ||
	    next.nadapters != bd->cfg.nadapters)
		restart = 1;
	/* The identities borrow the adapter part of the config: keep the
	 * running one, take everything else from the new file. */
	old = bd->cfg;
	next.adapters = old.adapters;
	next.nadapters = old.nadapters;
	old.adapters = NULL;
	old.nadapters = 0;
	free(next.listen);
	next.listen = old.listen;
	old.listen = NULL;
	free(next.redis);
	next.redis = old.redis;
	old.redis = NULL;
	free(next.redis_prefix);
	next.redis_prefix = old.redis_prefix;
	old.redis_prefix = NULL;
	bd->cfg = next;
	config_clear(&old);
	botd_script_cfg(bd);
	botd_log_config(&bd->cfg);
	if (bd->http != NULL)
		http_server_reconfigure(bd->http);
	LOG(LL_INFO, "config", KS("file", bd->config_path),
	    KS("outcome", "reloaded"),
	    KS("detail", restart ? "listen, redis, redis_prefix and adapters "
				   "changes need a restart"
				 : NULL));
}

static void
botd_sig_chld(evutil_socket_t sig, short what, void *arg)
{
	struct botd *bd = arg;
	int status;
	pid_t pid;

	(void)sig;
	(void)what;
	if (bd->spawn == NULL)
		return;
	pid = redis_spawn_pid(bd->spawn);
	if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
		/* Our private Redis is gone: without it nothing works, so
		 * stop and let the supervisor restart us cleanly. */
		LOG(LL_ERROR, "main", KS("outcome", "redis_exited"),
		    KI("status", WIFEXITED(status) ? WEXITSTATUS(status) : -1));
		botd_sig_term(SIGTERM, 0, bd);
	}
}

static int
botd_stdin_pollable(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return (1);
	if (fstat(STDIN_FILENO, &st) == -1)
		return (0);
	return (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

int
botd_setup(struct botd *bd, const char *config_path, char *err, size_t errlen)
{
	struct config_err cerr;
	char host[64];
	size_t i;

	bd->started = botd_now();
	bd->config_path = xstrdup(config_path);
	if (config_load(config_path, &bd->cfg, &cerr) == -1) {
		snprintf(err, errlen, "%s", cerr.text);
		return (-1);
	}
	setenv("TZ", bd->cfg.timezone, 1);
	tzset();
	botd_log_config(&bd->cfg);
	if (log_open(bd->cfg.log_file) == -1) {
		snprintf(err, errlen, "log.file %s: %s", bd->cfg.log_file,
		    strerror(errno));
		return (-1);
	}
	log_hook_libevent();
	botd_script_cfg(bd);
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "host");
	host[sizeof(host) - 1] = '\0';
	snprintf(bd->consumer, sizeof(bd->consumer), "%s/%s", host,
	    bd->cfg.listen);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "curl_global_init failed");
		return (-1);
	}
	if ((bd->base = evloop_base_new()) == NULL) {
		snprintf(err, errlen, "event_base_new failed");
		return (-1);
	}
	if (strcmp(bd->cfg.redis, "spawn") == 0) {
		if ((bd->spawn = redis_spawn_start(bd->cfg.redis_server,
			 bd->cfg.data_dir, BOTD_SPAWN_WAIT, err, errlen)) ==
		    NULL)
			return (-1);
		bd->redis_url = xstrdup(redis_spawn_url(bd->spawn));
		LOG(LL_INFO, "main", KS("redis", bd->redis_url),
		    KI("pid", redis_spawn_pid(bd->spawn)),
		    KS("outcome", "redis_spawned"));
	} else
		bd->redis_url = xstrdup(bd->cfg.redis);

	if (botd_idents_init(bd, err, errlen) == -1)
		return (-1);
	bd->identities = bcast_identities(bd);
	bd->scratch_ev = xcalloc(1, sizeof(*bd->scratch_ev));
	bd->scratch_cmd = xcalloc(1, sizeof(*bd->scratch_cmd));
	bd->seen = xcalloc(BOTD_SEEN_SLOTS, sizeof(*bd->seen));
	if ((bd->outbox = outbox_new(bd->base)) == NULL) {
		snprintf(err, errlen, "outbox: curl_multi_init failed");
		return (-1);
	}
	bd->deliver = deliver_new(bd);
	bd->store = store_redis_new(bd->base, bd->redis_url, "main",
	    BOTD_OP_TIMEOUT, botd_store_state, bd);
	bd->qstore = store_redis_new(bd->base, bd->redis_url, "queue",
	    BOTD_OP_TIMEOUT, botd_store_state, bd);
	bd->qstore_n = store_redis_new(bd->base, bd->redis_url, "queue_n",
	    BOTD_OP_TIMEOUT, botd_store_state, bd);
	if (bd->store == NULL || bd->qstore == NULL || bd->qstore_n == NULL) {
		snprintf(err, errlen, "redis: bad URL %s", bd->redis_url);
		return (-1);
	}
	if ((bd->http = http_server_new(bd, err, errlen)) == NULL)
		return (-1);
	if (bcast_start_timers(bd) == -1) {
		snprintf(err, errlen, "evtimer_new failed");
		return (-1);
	}
	for (i = 0; i < bd->nidents; i++)
		if (strcmp(bd->idents[i].acfg->platform, "console") == 0 &&
		    bd->stdin_reader == NULL && botd_stdin_pollable())
			bd->stdin_reader =
			    stdin_reader_new(bd, bd->idents[i].acfg->name);

	signal(SIGPIPE, SIG_IGN);
	bd->sig_term = evsignal_new(bd->base, SIGTERM, botd_sig_term, bd);
	bd->sig_int = evsignal_new(bd->base, SIGINT, botd_sig_term, bd);
	bd->sig_hup = evsignal_new(bd->base, SIGHUP, botd_sig_hup, bd);
	bd->sig_chld = evsignal_new(bd->base, SIGCHLD, botd_sig_chld, bd);
	if (bd->sig_term == NULL || bd->sig_int == NULL ||
	    bd->sig_hup == NULL || bd->sig_chld == NULL) {
		snprintf(err, errlen, "evsignal_new failed");
		return (-1);
	}
	evsignal_add(bd->sig_term, NULL);
	evsignal_add(bd->sig_int, NULL);
	evsignal_add(bd->sig_hup, NULL);
	evsignal_add(bd->sig_chld, NULL);
	LOG(LL_INFO, "main", KS("version", TOWERBOT_VERSION),
	    KS("listen", bd->cfg.listen),
	    KI("port", http_server_port(bd->http)),
	    KI("identities", bd->nidents), KS("outcome", "started"));
	return (0);
}

int
botd_run(struct botd *bd)
{
	event_base_dispatch(bd->base);
	return (0);
}

void
botd_teardown(struct botd *bd)
{
	if (bd->sig_term != NULL)
		event_free(bd->sig_term);
	if (bd->sig_int != NULL)
		event_free(bd->sig_int);
	if (bd->sig_hup != NULL)
		event_free(bd->sig_hup);
	if (bd->sig_chld != NULL)
		event_free(bd->sig_chld);
	if (bd->drain_timer != NULL)
		event_free(bd->drain_timer);
	stdin_reader_free(bd->stdin_reader);
	http_server_free(bd->http);
	bcast_stop_timers(bd);
	if (bd->deliver != NULL)
		deliver_stop(bd->deliver);
	/* Transfers still running complete as "shutdown" and stay pending
	 * in Redis for the next start. */
	outbox_free(bd->outbox);
	bd->outbox = NULL;
	store_redis_free(bd->qstore_n);
	store_redis_free(bd->qstore);
	store_redis_free(bd->store);
	deliver_free(bd->deliver);
	botd_idents_free(bd);
	if (bd->base != NULL)
		event_base_free(bd->base);
	redis_spawn_stop(bd->spawn);
	curl_global_cleanup();
	LOG(LL_INFO, "main", KS("outcome", "stopped"));
	config_clear(&bd->cfg);
	free(bd->config_path);
	free(bd->cfgstr);
	free(bd->ladder);
	free(bd->identities);
	free(bd->scratch_ev);
	free(bd->scratch_cmd);
	free(bd->seen);
	free(bd->redis_url);
	log_close();
}
