/*
 * daemon.h -- the towerbot binary under test, with a mock platform API.
 *
 * daemon_new() starts tests/mock/mock_platform, writes a towerbot config
 * into a fresh temporary directory (Telegram adapter "tg", token
 * DAEMON_TG_TOKEN, secret DAEMON_TG_SECRET, username towerbot_test,
 * api_base = the mock; lang "en", timezone UTC, operator tg/1001; redis =
 * the given unix socket; listen on a free 127.0.0.1 port; log.file in the
 * directory, level debug) and starts the daemon (fork/exec TOWERBOT_BINARY
 * -c cfg), waiting until GET /healthz answers 200.  The stop, restart and
 * kill calls drive that process; daemon_free() ends everything and removes
 * the directory.
 *
 * Helpers post Telegram updates with the right secret header, and poll the
 * mock (synchronously, with a timeout) for the sendMessage calls it got.
 * Children get PR_SET_PDEATHSIG, so a crashed test leaves none behind.
 * For Check tests; not thread-safe; one handle per stack.  The binaries
 * come from the macros TOWERBOT_BINARY and MOCK_PLATFORM_BINARY.
 */
#ifndef TESTS_HARNESS_DAEMON_H
#define TESTS_HARNESS_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define DAEMON_TG_TOKEN    "123456:TEST"
#define DAEMON_TG_SECRET   "e2e-secret_token"
#define DAEMON_TG_USERNAME "towerbot_test"
#define DAEMON_OPERATOR    "1001"

struct daemon;

/* Options for daemon_new(); zero-initialise for the defaults. */
struct daemon_cfg {
	size_t max_body; /* 0: the daemon's default (1 MiB) */
	int wait_ms;     /* how long to wait for /healthz 200; 0 = 10000 */
	/*
	 * A JSON object merged into the generated config (objects merge key
	 * by key, recursively; anything else replaces), or NULL.  The string
	 * "@MOCK@" anywhere in it becomes the mock's base URL, so extra
	 * adapters and accounts can point their api_base at the mock. Borrowed:
	 * it must outlive the daemon (configs are rewritten on restarts).
	 */
	const char *extra_json;
};

/*
 * Start the mock and the daemon on the Redis at redis_socket.  NULL (with
 * a line on stderr saying why) if either did not come up.  Caller frees it
 * with daemon_free().
 */
struct daemon *daemon_new(const char *redis_socket, const struct daemon_cfg *);

/* Stop the daemon (if running), the mock, remove the directory, free. */
void daemon_free(struct daemon *);

/*
 * SIGTERM the daemon and wait for it (SIGKILL after 15 s).  Returns its
 * exit status (0..255), 128+signal if a signal ended it, -1 if it was not
 * running.
 */
int daemon_stop(struct daemon *);

/* SIGKILL the daemon and reap it.  -1 if it was not running, else 0. */
int daemon_kill(struct daemon *);

/* Start the daemon again (after stop or kill).  0 once /healthz is 200. */
int daemon_start(struct daemon *);

/*
 * Move the stopped daemon to another free port (a rewritten config), as
 * if a different instance took over: its Redis consumer name changes.
 * 0, or -1 if it is running or no port was found.
 */
int daemon_relisten(struct daemon *);

/* The daemon's pid, or -1 while stopped. */
int daemon_pid(const struct daemon *);
/* A port that was free a moment ago (bind 127.0.0.1:0, read it, close). */
int daemon_free_port(void);

/* URL of path on the daemon / on the mock (malloc'd; caller frees). */
char *daemon_url(const struct daemon *, const char *path);
char *daemon_mock_url(const struct daemon *, const char *path);

/* The HTTP status of GET path on the daemon (0: no answer). */
long daemon_get_status(const struct daemon *, const char *path);

/*
 * A Telegram Update (malloc'd JSON text; caller frees) with a fresh
 * update_id and message_id: a text message in the supergroup chat from
 * user_id (first_name, username may be NULL), with bot_command and
 * mention entities as Telegram adds them.  reply_to_user_id non-NULL makes
 * it a reply to an earlier message of that user (whose name is taken from
 * the users this handle has sent as).
 */
char *daemon_tg_update(struct daemon *, const char *chat, const char *user_id,
    const char *first_name, const char *username, const char *text,
    const char *reply_to_user_id);

/*
 * POST body[0..len) to path (e.g. "/webhook/tg") with the secret header
 * secret (NULL: no header).  Returns the HTTP status, 0 if no answer.
 */
long daemon_post(const struct daemon *, const char *path, const char *secret,
    const char *body, size_t len);

/*
 * Build an update as daemon_tg_update() and post it to /webhook/tg with
 * the right secret.  Returns the HTTP status.  The body stays available
 * as daemon_tg_last() until the next call.
 */
long daemon_tg_send(struct daemon *, const char *chat, const char *user_id,
    const char *first_name, const char *username, const char *text,
    const char *reply_to_user_id);

/* The body daemon_tg_send() last posted (borrowed), or "". */
const char *daemon_tg_last(const struct daemon *);

/*
 * Poll the mock (every 25 ms, up to timeout_ms) until it has received at
 * least n sendMessage calls it answered 200 (deliveries; scripted errors
 * are left out); return all of them received so far (a new
 * array of the decoded JSON bodies, in arrival order; caller decrefs),
 * possibly fewer than n on timeout.  NULL if the mock does not answer.
 */
json_t *daemon_wait_sends(const struct daemon *, size_t n, int timeout_ms);

/* Every call the mock recorded (GET /_mock/requests; caller decrefs). */
json_t *daemon_mock_requests(const struct daemon *);
/* GET /_mock/stats (caller decrefs), or NULL. */
json_t *daemon_mock_stats(const struct daemon *);
/* POST /_mock/reset, /_mock/script (json text), /_mock/limits: 0 or -1. */
int daemon_mock_reset(const struct daemon *);
int daemon_mock_script(const struct daemon *, const char *json);
int daemon_mock_limits(const struct daemon *, const char *json);

/*
 * Forget the users seen and restart the update_id sequence from the
 * clock, for a new test on a flushed Redis; resets the mock too.
 */
int daemon_reset(struct daemon *);

/* The daemon's log file so far (malloc'd, NUL-terminated; caller frees). */
char *daemon_log(const struct daemon *);

/* The temporary directory (config, log, mock port file). */
const char *daemon_dir(const struct daemon *);

/* Wall-clock milliseconds, as the mock's at_ms. */
int64_t daemon_now_ms(void);

/* Sleep ms milliseconds. */
void daemon_sleep_ms(int ms);

#endif /* TESTS_HARNESS_DAEMON_H */
