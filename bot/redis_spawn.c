/*
 * redis_spawn.c -- a private redis-server child process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "bot/redis_spawn.h"
#include "core/xmem.h"

struct redis_spawn {
	pid_t pid;
	char *dir;
	char *sock;
	char *url;
	char *pidfile;
};

static void
redis_spawn_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* 1 if a server answers PING on sock. */
static int
redis_spawn_ping(const char *sock)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c;
	redisReply *r;
	int ok = 0;

	if ((c = redisConnectUnixWithTimeout(sock, tv)) == NULL)
		return (0);
	if (!c->err && (r = redisCommand(c, "PING")) != NULL) {
		ok = r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
	}
	redisFree(c);
	return (ok);
}

/* Wait for a server left behind by a killed daemon to go away. */
static void
redis_spawn_reap_stale(const struct redis_spawn *rs)
{
	FILE *f;
	long pid = 0;
	int i;

	if ((f = fopen(rs->pidfile, "r")) == NULL)
		return;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || kill((pid_t)pid, 0) == -1)
		return;
	/* Only a server that still answers on our socket is ours. */
	if (!redis_spawn_ping(rs->sock))
		return;
	kill((pid_t)pid, SIGTERM);
	for (i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++)
		redis_spawn_sleep_ms(50);
}

struct redis_spawn *
redis_spawn_start(const char *binary, const char *data_dir,
    unsigned int wait_ms, char *err, size_t errlen)
{
	struct redis_spawn *rs;
	char abs[PATH_MAX], *logf;
	unsigned int waited = 0;
	int status;

	if (mkdir(data_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "data_dir %s: %s", data_dir,
		    strerror(errno));
		return (NULL);
	}
	if (realpath(data_dir, abs) == NULL) {
		snprintf(err, errlen, "data_dir %s: %s", data_dir,
		    strerror(errno));
		return (NULL);
	}
	rs = xcalloc(1, sizeof(*rs));
	rs->dir = xstrdup(abs);
	rs->sock = xasprintf("%s/redis.sock", abs);
	rs->url = xasprintf("unix:%s", rs->sock);
	rs->pidfile = xasprintf("%s/redis.pid", abs);
	if (strlen(rs->sock) >= 108) {
		snprintf(err, errlen,
		    "data_dir %s: path too long for a unix "
		    "socket",
		    abs);
		redis_spawn_stop(rs);
		return (NULL);
	}
	redis_spawn_reap_stale(rs);
	logf = xasprintf("%s/redis.log", abs);

	if ((rs->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		free(logf);
		redis_spawn_stop(rs);
		return (NULL);
	}
	if (rs->pid == 0) {
		int fd;

		/* Die with the daemon, even on SIGKILL: redis flushes its
		 * AOF on SIGTERM. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setsid();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		execlp(binary, binary, "--port", "0", "--unixsocket", rs->sock,
		    "--unixsocketperm", "700", "--dir", abs, "--appendonly",
		    "yes", "--appendfsync", "everysec", "--save", "",
		    "--daemonize", "no", "--pidfile", rs->pidfile, "--logfile",
		    logf, "--maxmemory-policy", "noeviction", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", binary, strerror(errno));
		_exit(127);
	}
	free(logf);
	while (!redis_spawn_ping(rs->sock)) {
		if (waitpid(rs->pid, &status, WNOHANG) == rs->pid) {
			snprintf(err, errlen,
			    "%s exited at start (status %d); "
			    "see %s/redis.log",
			    binary,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1, abs);
			rs->pid = 0;
			redis_spawn_stop(rs);
			return (NULL);
		}
		if (waited >= wait_ms) {
			snprintf(err, errlen,
			    "%s did not answer on %s within "
			    "%u ms",
			    binary, rs->sock, wait_ms);
			redis_spawn_stop(rs);
			return (NULL);
		}
		redis_spawn_sleep_ms(20);
		waited += 20;
	}
	return (rs);
}

const char *
redis_spawn_url(const struct redis_spawn *rs)
{
	return (rs->url);
}

pid_t
redis_spawn_pid(const struct redis_spawn *rs)
{
	return (rs->pid);
}

void
redis_spawn_stop(struct redis_spawn *rs)
{
	int i, status;

	if (rs == NULL)
		return;
	if (rs->pid > 0) {
		kill(rs->pid, SIGTERM);
		for (i = 0; i < 300; i++) {
			if (waitpid(rs->pid, &status, WNOHANG) == rs->pid)
				break;
			redis_spawn_sleep_ms(20);
		}
		if (i == 300) {
			kill(rs->pid, SIGKILL);
			waitpid(rs->pid, &status, 0);
		}
	}
	free(rs->dir);
	free(rs->sock);
	free(rs->url);
	free(rs->pidfile);
	free(rs);
}
