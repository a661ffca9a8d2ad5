/*
 * redis_server.c -- a private redis-server for integration tests: fork,
 * exec, wait for PING; stop and clean up.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tests/harness/redis_server.h"

#define RS_WAIT_MS_DEFAULT 5000
#define RS_STOP_WAIT_MS    5000
#define RS_POLL_MS         20

struct redis_server {
	pid_t pid; /* -1 while stopped */
	struct redis_server_cfg cfg;
	char bin[PATH_MAX];  /* redis-server executable */
	char dir[256];       /* temporary directory */
	char sock[PATH_MAX]; /* dir/redis.sock */
	char log[PATH_MAX];  /* dir/redis.log */
};

static int redis_server_find_bin(char *, size_t);
static int redis_server_spawn(struct redis_server *);
static int redis_server_wait_ping(struct redis_server *);
static void redis_server_sleep_ms(int);
static int redis_server_rm_fn(const char *, const struct stat *, int,
    struct FTW *);

/* Look for redis-server on PATH, else the Debian location. */
static int
redis_server_find_bin(char *out, size_t outlen)
{
	const char *path;
	char *copy, *dir, *save;
	int found = 0;

	path = getenv("PATH");
	if (path != NULL && (copy = strdup(path)) != NULL) {
		for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
		     dir = strtok_r(NULL, ":", &save)) {
			if (*dir == '\0')
				continue;
			if ((size_t)snprintf(out, outlen, "%s/redis-server",
				dir) >= outlen)
				continue;
			if (access(out, X_OK) == 0)
				found = 1;
		}
		free(copy);
	}
	if (!found) {
		if ((size_t)snprintf(out, outlen, "/usr/bin/redis-server") >=
		    outlen)
			return (-1);
		found = access(out, X_OK) == 0;
	}
	return (found ? 0 : -1);
}

static void
redis_server_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* fork+exec the server; stdout and stderr to the log file. */
static int
redis_server_spawn(struct redis_server *rs)
{
	char *argv[24];
	int n = 0, fd;
	pid_t pid;

	argv[n++] = rs->bin;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--unixsocket";
	argv[n++] = rs->sock;
	argv[n++] = "--dir";
	argv[n++] = rs->dir;
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--daemonize";
	argv[n++] = "no";
	argv[n++] = "--appendonly";
	argv[n++] = rs->cfg.aof ? "yes" : "no";
	if (rs->cfg.aof) {
		argv[n++] = "--appendfsync";
		argv[n++] = "always";
	}
	argv[n] = NULL;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "redis_server: fork: %s\n", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		fd = open(rs->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd != -1) {
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				(void)close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd != -1 && fd != STDIN_FILENO) {
			(void)dup2(fd, STDIN_FILENO);
			(void)close(fd);
		}
		execv(rs->bin, argv);
		_exit(127);
	}
	rs->pid = pid;
	return (redis_server_wait_ping(rs));
}

/* Poll the socket with PING until PONG, the child dies, or time runs out. */
static int
redis_server_wait_ping(struct redis_server *rs)
{
	redisContext *c;
	redisReply *r;
	int waited, ok, status, limit;

	limit = rs->cfg.wait_ms > 0 ? rs->cfg.wait_ms : RS_WAIT_MS_DEFAULT;
	for (waited = 0; waited <= limit; waited += RS_POLL_MS) {
		if (waitpid(rs->pid, &status, WNOHANG) == rs->pid) {
			fprintf(stderr, "redis_server: exited early (see %s)\n",
			    rs->log);
			rs->pid = -1;
			return (-1);
		}
		ok = 0;
		if ((c = redis_server_connect(rs)) != NULL) {
			r = redisCommand(c, "PING");
			ok = r != NULL && r->type == REDIS_REPLY_STATUS &&
			     strcmp(r->str, "PONG") == 0;
			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
		}
		if (ok)
			return (0);
		redis_server_sleep_ms(RS_POLL_MS);
	}
	fprintf(stderr, "redis_server: no PONG after %d ms (see %s)\n", limit,
	    rs->log);
	(void)redis_server_kill(rs, SIGKILL);
	return (-1);
}

struct redis_server *
redis_server_start(void)
{
	return (redis_server_start_cfg(NULL));
}

struct redis_server *
redis_server_start_cfg(const struct redis_server_cfg *cfg)
{
	struct redis_server *rs;
	const char *tmp;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return (NULL);
	rs->pid = -1;
	if (cfg != NULL)
		rs->cfg = *cfg;
	if (redis_server_find_bin(rs->bin, sizeof(rs->bin)) == -1) {
		fprintf(stderr, "redis_server: redis-server not found\n");
		free(rs);
		return (NULL);
	}
	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	/* A unix socket path must fit in sun_path (108 bytes). */
	if ((size_t)snprintf(rs->dir, sizeof(rs->dir), "%s/tb-redis-XXXXXX",
		tmp) >= sizeof(rs->dir) ||
	    strlen(rs->dir) + sizeof("/redis.sock") > 100)
		(void)snprintf(rs->dir, sizeof(rs->dir),
		    "/tmp/tb-redis-XXXXXX");
	if (mkdtemp(rs->dir) == NULL) {
		fprintf(stderr, "redis_server: mkdtemp: %s\n", strerror(errno));
		free(rs);
		return (NULL);
	}
	(void)snprintf(rs->sock, sizeof(rs->sock), "%s/redis.sock", rs->dir);
	(void)snprintf(rs->log, sizeof(rs->log), "%s/redis.log", rs->dir);
	if (redis_server_spawn(rs) == -1) {
		redis_server_stop(rs);
		return (NULL);
	}
	return (rs);
}

const char *
redis_server_socket(const struct redis_server *rs)
{
	return (rs->sock);
}

const char *
redis_server_dir(const struct redis_server *rs)
{
	return (rs->dir);
}

pid_t
redis_server_pid(const struct redis_server *rs)
{
	return (rs->pid);
}

redisContext *
redis_server_connect(const struct redis_server *rs)
{
	redisContext *c;
	struct timeval tv = { 1, 0 };

	c = redisConnectUnixWithTimeout(rs->sock, tv);
	if (c == NULL)
		return (NULL);
	if (c->err) {
		redisFree(c);
		return (NULL);
	}
	(void)redisSetTimeout(c, tv);
	return (c);
}

int
redis_server_kill(struct redis_server *rs, int sig)
{
	int waited, status;

	if (rs->pid == -1)
		return (-1);
	(void)kill(rs->pid, sig);
	for (waited = 0;; waited += RS_POLL_MS) {
		if (waitpid(rs->pid, &status, WNOHANG) != 0)
			break;
		if (waited >= RS_STOP_WAIT_MS) {
			(void)kill(rs->pid, SIGKILL);
			(void)waitpid(rs->pid, &status, 0);
			break;
		}
		redis_server_sleep_ms(RS_POLL_MS);
	}
	rs->pid = -1;
	return (0);
}

int
redis_server_restart(struct redis_server *rs)
{
	if (rs->pid != -1)
		(void)redis_server_kill(rs, SIGTERM);
	(void)unlink(rs->sock);
	return (redis_server_spawn(rs));
}

static int
redis_server_rm_fn(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return (0);
}

void
redis_server_stop(struct redis_server *rs)
{
	if (rs == NULL)
		return;
	if (rs->pid != -1)
		(void)redis_server_kill(rs, SIGTERM);
	if (rs->dir[0] != '\0')
		(void)nftw(rs->dir, redis_server_rm_fn, 16,
		    FTW_DEPTH | FTW_PHYS);
	free(rs);
}
