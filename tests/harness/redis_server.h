/*
 * redis_server.h -- a private redis-server for integration tests.
 *
 * Starts redis-server (found on PATH, else /usr/bin/redis-server) as a
 * child process listening only on a unix socket in a fresh temporary
 * directory (no TCP port, no RDB snapshots; AOF only when asked), and waits
 * until it answers PING.  Its stdout and stderr go to redis.log in that
 * directory.  Meant for Check tests: start one per test case in an
 * unchecked fixture, FLUSHALL in each test's checked fixture:
 *
 *	static struct redis_server *rs;
 *	static void up(void) { rs = redis_server_start(); }
 *	static void down(void) { redis_server_stop(rs); rs = NULL; }
 *	...
 *	tcase_add_unchecked_fixture(tc, up, down);
 *	c = redis_server_connect(rs);
 *
 * On Linux the child gets PR_SET_PDEATHSIG, so a crashed test binary does
 * not leave servers behind.  Not thread-safe; one handle per server.
 */
#ifndef TESTS_HARNESS_REDIS_SERVER_H
#define TESTS_HARNESS_REDIS_SERVER_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

struct redis_server;

/* Options for redis_server_start_cfg(); zero-initialise for the defaults. */
struct redis_server_cfg {
	int aof;     /* 1: --appendonly yes --appendfsync always, so
			data survives a kill and a restart */
	int wait_ms; /* how long to wait for PING; 0 = 5000 */
};

/*
 * Start a server with the defaults (no persistence).  Returns the handle,
 * or NULL (with a line on stderr saying why) if redis-server could not be
 * started or did not answer in time.  Caller owns the handle: release it
 * with redis_server_stop().
 */
struct redis_server *redis_server_start(void);

/* The same with options; cfg may be NULL. */
struct redis_server *redis_server_start_cfg(const struct redis_server_cfg *);

/* The unix socket path (borrowed; valid until redis_server_stop()). */
const char *redis_server_socket(const struct redis_server *);

/* The temporary directory holding the socket, log and any AOF. */
const char *redis_server_dir(const struct redis_server *);

/* The server's pid, or -1 while it is stopped (after redis_server_kill). */
pid_t redis_server_pid(const struct redis_server *);

/*
 * A new synchronous hiredis connection to the server (1 s timeout), or NULL.
 * Caller frees it with redisFree().
 */
redisContext *redis_server_connect(const struct redis_server *);

/*
 * Stop the process with signal sig (SIGTERM for a clean shutdown, SIGKILL
 * for a crash, SIGSTOP is not supported) and reap it, but keep the
 * directory, so a later redis_server_restart() finds the AOF.  Returns 0,
 * or -1 if it was not running.  For "Redis stopped mid-run" tests.
 */
int redis_server_kill(struct redis_server *, int sig);

/*
 * Stop the server if it runs (SIGTERM) and start it again on the same
 * socket and directory with the same options; with aof the data survives.
 * Returns 0 once it answers PING, -1 otherwise.
 */
int redis_server_restart(struct redis_server *);

/*
 * SIGTERM the server, reap it (SIGKILL after 5 s), remove the temporary
 * directory and free the handle.  NULL is a no-op.
 */
void redis_server_stop(struct redis_server *);

#endif /* TESTS_HARNESS_REDIS_SERVER_H */
