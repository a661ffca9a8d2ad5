/*
 * daemon.c -- run the towerbot binary against a mock platform API for the
 * end-to-end tests: config, fork/exec, health polling, Telegram updates.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/xmem.h"
#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"

#ifndef TOWERBOT_BINARY
#define TOWERBOT_BINARY "towerbot"
#endif
#ifndef MOCK_PLATFORM_BINARY
#define MOCK_PLATFORM_BINARY "mock_platform"
#endif

#define DAEMON_USERS_MAX    32
#define DAEMON_POLL_MS      25
#define DAEMON_STOP_WAIT_MS 15000
#define DAEMON_WAIT_DEFAULT 10000

/* A user this handle has sent as, for reply_to_message. */
struct daemon_user {
	char id[32];
	char first_name[64];
	char username[64];
	long long msg_id; /* their latest message */
};

struct daemon {
	struct daemon_cfg cfg;
	char dir[256];
	char conf[300];
	char log[300];
	char port_file[300];
	char redis[256];
	pid_t pid;      /* daemon, -1 while stopped */
	pid_t mock_pid; /* mock, -1 when stopped */
	int port, mock_port;
	long long update_id, msg_id;
	struct daemon_user users[DAEMON_USERS_MAX];
	size_t nusers;
	char *last; /* body of the last daemon_tg_send() */
};

static pid_t daemon_spawn(const char *, char *const *, const char *);
static int daemon_reap(pid_t *, int);
static int daemon_write_config(struct daemon *);
static int daemon_merge_extra(json_t *, const char *, const char *);
static int daemon_mock_start(struct daemon *);
static int daemon_rm_fn(const char *, const struct stat *, int, struct FTW *);
static struct daemon_user *daemon_user(struct daemon *, const char *);
static json_t *daemon_entities(const char *);
static size_t daemon_utf16(const char *, size_t);
static int daemon_mock_post(const struct daemon *, const char *, const char *);
static json_t *daemon_mock_get(const struct daemon *, const char *);

int64_t
daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
daemon_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* fork+exec argv with stdout/stderr appended to logpath; -1 on failure. */
static pid_t
daemon_spawn(const char *bin, char *const *argv, const char *logpath)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "daemon: fork: %s\n", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
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
		execv(bin, argv);
		_exit(127);
	}
	return (pid);
}

/*
 * Wait up to wait_ms for *pid to exit (then SIGKILL it), reap it and set
 * *pid to -1.  Returns the exit status, 128+signal, or -1.
 */
static int
daemon_reap(pid_t *pid, int wait_ms)
{
	int status = 0, waited;
	pid_t r = 0;

	if (*pid == -1)
		return (-1);
	for (waited = 0; waited < wait_ms; waited += DAEMON_POLL_MS) {
		if ((r = waitpid(*pid, &status, WNOHANG)) != 0)
			break;
		daemon_sleep_ms(DAEMON_POLL_MS);
	}
	if (r == 0) {
		fprintf(stderr, "daemon: pid %d did not exit, SIGKILL\n",
		    (int)*pid);
		(void)kill(*pid, SIGKILL);
		r = waitpid(*pid, &status, 0);
	}
	*pid = -1;
	if (r == -1)
		return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (-1);
}

int
daemon_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Merge extra (with "@MOCK@" replaced by mock) into root. */
static int
daemon_merge_extra(json_t *root, const char *extra, const char *mock)
{
	json_t *x;
	char *text, *p;
	size_t n = 0, ml = strlen(mock);
	const char *q;

	for (q = extra; (q = strstr(q, "@MOCK@")) != NULL; q += 6)
		n++;
	text = xmalloc(strlen(extra) + n * ml + 1);
	for (p = text, q = extra; *q != '\0';) {
		if (strncmp(q, "@MOCK@", 6) == 0) {
			memcpy(p, mock, ml);
			p += ml;
			q += 6;
		} else
			*p++ = *q++;
	}
	*p = '\0';
	x = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(x)) {
		fprintf(stderr, "daemon: extra_json is not a JSON object\n");
		json_decref(x);
		return (-1);
	}
	json_object_update_recursive(root, x);
	json_decref(x);
	return (0);
}

static int
daemon_write_config(struct daemon *d)
{
	json_t *root;
	char listen[64], api[64], redis[300];
	int rc;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
	snprintf(api, sizeof(api), "http://127.0.0.1:%d", d->mock_port);
	snprintf(redis, sizeof(redis), "unix:%s", d->redis);
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s},"
			 " s:[{s:s, s:s}],"
			 " s:{s:{s:s, s:s, s:s, s:s, s:s,"
			 " s:{s:i, s:i, s:i}}}}",
	    "listen", listen, "redis", redis, "data_dir", d->dir, "lang", "en",
	    "timezone", "UTC", "log", "level", "debug", "file", d->log,
	    "operators", "adapter", "tg", "user", DAEMON_OPERATOR, "adapters",
	    "tg", "platform", "telegram", "token", DAEMON_TG_TOKEN,
	    "secret_token", DAEMON_TG_SECRET, "username", DAEMON_TG_USERNAME,
	    "api_base", api, "rate", "per_second", 30, "burst", 30,
	    "per_chat_per_minute", 600000);
	if (root == NULL)
		return (-1);
	if (d->cfg.max_body > 0)
		json_object_set_new(root, "max_body",
		    json_integer((json_int_t)d->cfg.max_body));
	if (d->cfg.extra_json != NULL &&
	    daemon_merge_extra(root, d->cfg.extra_json, api) == -1) {
		json_decref(root);
		return (-1);
	}
	rc = json_dump_file(root, d->conf, JSON_INDENT(2));
	json_decref(root);
	return (rc);
}

static int
daemon_mock_start(struct daemon *d)
{
	char *argv[] = { MOCK_PLATFORM_BINARY, "-p", d->port_file, NULL };
	char path[320], buf[32];
	FILE *f;
	int waited, status;

	snprintf(path, sizeof(path), "%s/mock.log", d->dir);
	if ((d->mock_pid = daemon_spawn(MOCK_PLATFORM_BINARY, argv, path)) ==
	    -1)
		return (-1);
	for (waited = 0; waited < DAEMON_WAIT_DEFAULT;
	     waited += DAEMON_POLL_MS) {
		if ((f = fopen(d->port_file, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), f) != NULL)
				d->mock_port = atoi(buf);
			fclose(f);
			if (d->mock_port > 0)
				return (0);
		}
		if (waitpid(d->mock_pid, &status, WNOHANG) == d->mock_pid) {
			d->mock_pid = -1;
			break;
		}
		daemon_sleep_ms(DAEMON_POLL_MS);
	}
	fprintf(stderr, "daemon: mock_platform did not start (see %s)\n", path);
	return (-1);
}

struct daemon *
daemon_new(const char *redis_socket, const struct daemon_cfg *cfg)
{
	struct daemon *d;
	const char *tmp;

	d = xcalloc(1, sizeof(*d));
	d->pid = d->mock_pid = -1;
	if (cfg != NULL)
		d->cfg = *cfg;
	if (d->cfg.wait_ms <= 0)
		d->cfg.wait_ms = DAEMON_WAIT_DEFAULT;
	snprintf(d->redis, sizeof(d->redis), "%s", redis_socket);
	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 100)
		tmp = "/tmp";
	snprintf(d->dir, sizeof(d->dir), "%s/tb-e2e-XXXXXX", tmp);
	if (mkdtemp(d->dir) == NULL) {
		fprintf(stderr, "daemon: mkdtemp: %s\n", strerror(errno));
		free(d);
		return (NULL);
	}
	snprintf(d->conf, sizeof(d->conf), "%s/towerbot.json", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/towerbot.log", d->dir);
	snprintf(d->port_file, sizeof(d->port_file), "%s/mock.port", d->dir);
	d->update_id = daemon_now_ms() % 1000000000LL;
	d->msg_id = 1;
	if (daemon_mock_start(d) == -1 || (d->port = daemon_free_port()) <= 0 ||
	    daemon_write_config(d) == -1 || daemon_start(d) == -1) {
		daemon_free(d);
		return (NULL);
	}
	return (d);
}

static int
daemon_rm_fn(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return (0);
}

void
daemon_free(struct daemon *d)
{
	if (d == NULL)
		return;
	(void)daemon_stop(d);
	if (d->mock_pid != -1) {
		(void)kill(d->mock_pid, SIGTERM);
		(void)daemon_reap(&d->mock_pid, 5000);
	}
	if (d->dir[0] != '\0' && getenv("TB_E2E_KEEP") == NULL)
		(void)nftw(d->dir, daemon_rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	free(d->last);
	free(d);
}

int
daemon_start(struct daemon *d)
{
	char *argv[] = { TOWERBOT_BINARY, "-c", d->conf, NULL };
	char out[320];
	int waited, status;

	if (d->pid != -1)
		return (0);
	/* stdout/stderr before log.file is open (config errors) go here. */
	snprintf(out, sizeof(out), "%s/towerbot.out", d->dir);
	if ((d->pid = daemon_spawn(TOWERBOT_BINARY, argv, out)) == -1)
		return (-1);
	for (waited = 0; waited < d->cfg.wait_ms; waited += DAEMON_POLL_MS) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = -1;
			fprintf(stderr,
			    "daemon: towerbot exited early (see %s "
			    "and %s)\n",
			    out, d->log);
			return (-1);
		}
		if (daemon_get_status(d, "/healthz") == 200)
			return (0);
		daemon_sleep_ms(DAEMON_POLL_MS);
	}
	fprintf(stderr, "daemon: no /healthz 200 after %d ms (see %s)\n",
	    d->cfg.wait_ms, d->log);
	return (-1);
}

int
daemon_stop(struct daemon *d)
{
	if (d->pid == -1)
		return (-1);
	(void)kill(d->pid, SIGTERM);
	return (daemon_reap(&d->pid, DAEMON_STOP_WAIT_MS));
}

int
daemon_kill(struct daemon *d)
{
	if (d->pid == -1)
		return (-1);
	(void)kill(d->pid, SIGKILL);
	(void)daemon_reap(&d->pid, DAEMON_STOP_WAIT_MS);
	return (0);
}

int
daemon_relisten(struct daemon *d)
{
	int port;

	if (d->pid != -1 || (port = daemon_free_port()) <= 0 || port == d->port)
		return (-1);
	d->port = port;
	return (daemon_write_config(d));
}

int
daemon_pid(const struct daemon *d)
{
	return ((int)d->pid);
}

const char *
daemon_dir(const struct daemon *d)
{
	return (d->dir);
}

char *
daemon_url(const struct daemon *d, const char *path)
{
	return (xasprintf("http://127.0.0.1:%d%s", d->port, path));
}

char *
daemon_mock_url(const struct daemon *d, const char *path)
{
	return (xasprintf("http://127.0.0.1:%d%s", d->mock_port, path));
}

long
daemon_get_status(const struct daemon *d, const char *path)
{
	char *url = daemon_url(d, path);
	long status;

	(void)http_get(url, &status, NULL);
	free(url);
	return (status);
}

long
daemon_post(const struct daemon *d, const char *path, const char *secret,
    const char *body, size_t len)
{
	const char *hdr[3] = { "Content-Type: application/json", NULL, NULL };
	char *url = daemon_url(d, path), *sh = NULL;
	long status;

	if (secret != NULL)
		hdr[1] = sh =
		    xasprintf("X-Telegram-Bot-Api-Secret-Token: %s", secret);
	(void)http_post(url, hdr, body, len, &status, NULL);
	free(sh);
	free(url);
	return (status);
}

/* The user record for id, created (empty) if new; NULL when full. */
static struct daemon_user *
daemon_user(struct daemon *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nusers; i++)
		if (strcmp(d->users[i].id, id) == 0)
			return (&d->users[i]);
	if (d->nusers == DAEMON_USERS_MAX)
		return (NULL);
	memset(&d->users[d->nusers], 0, sizeof(d->users[0]));
	snprintf(d->users[d->nusers].id, sizeof(d->users[0].id), "%s", id);
	return (&d->users[d->nusers++]);
}

/* UTF-16 code units in s[0..n). */
static size_t
daemon_utf16(const char *s, size_t n)
{
	size_t i, u = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c & 0xc0) == 0x80)
			continue;
		u += c >= 0xf0 ? 2 : 1;
	}
	return (u);
}

/* The entities Telegram would attach: a leading /command, @mentions. */
static json_t *
daemon_entities(const char *text)
{
	json_t *ents = json_array();
	size_t i = 0, j;

	while (text[i] != '\0') {
		if ((text[i] == '/' && i == 0) ||
		    (text[i] == '@' && (i == 0 || text[i - 1] == ' '))) {
			for (j = i + 1; text[j] != '\0' && text[j] != ' ' &&
					text[j] != '\n';
			     j++)
				;
			if (j > i + 1)
				json_array_append_new(ents,
				    json_pack("{s:s, s:I, s:I}", "type",
					text[i] == '/' ? "bot_command"
						       : "mention",
					"offset",
					(json_int_t)daemon_utf16(text, i),
					"length",
					(json_int_t)daemon_utf16(text + i,
					    j - i)));
			i = j;
			continue;
		}
		i++;
	}
	return (ents);
}

char *
daemon_tg_update(struct daemon *d, const char *chat, const char *user_id,
    const char *first_name, const char *username, const char *text,
    const char *reply_to_user_id)
{
	struct daemon_user *u, *r = NULL;
	json_t *root, *msg, *from;
	long long date = daemon_now_ms() / 1000, chat_id, mid;
	char *s;

	chat_id = strtoll(chat, NULL, 10);
	if (reply_to_user_id != NULL)
		r = daemon_user(d, reply_to_user_id);
	if ((u = daemon_user(d, user_id)) != NULL) {
		snprintf(u->first_name, sizeof(u->first_name), "%s",
		    first_name != NULL ? first_name : "");
		snprintf(u->username, sizeof(u->username), "%s",
		    username != NULL ? username : "");
	}
	mid = ++d->msg_id;
	from = json_pack("{s:I, s:b, s:s}", "id",
	    (json_int_t)strtoll(user_id, NULL, 10), "is_bot", 0, "first_name",
	    first_name != NULL ? first_name : "");
	if (username != NULL)
		json_object_set_new(from, "username", json_string(username));
	msg = json_pack("{s:I, s:o, s:{s:I, s:s, s:s}, s:I, s:s, s:o}",
	    "message_id", (json_int_t)mid, "from", from, "chat", "id",
	    (json_int_t)chat_id, "type", "supergroup", "title", "e2e group",
	    "date", (json_int_t)date, "text", text, "entities",
	    daemon_entities(text));
	if (r != NULL) {
		json_t *rf = json_pack("{s:I, s:b, s:s}", "id",
		    (json_int_t)strtoll(r->id, NULL, 10), "is_bot", 0,
		    "first_name",
		    r->first_name[0] != '\0' ? r->first_name : r->id);

		if (r->username[0] != '\0')
			json_object_set_new(rf, "username",
			    json_string(r->username));
		json_object_set_new(msg, "reply_to_message",
		    json_pack("{s:I, s:o, s:{s:I, s:s}, s:I, s:s}",
			"message_id",
			(json_int_t)(r->msg_id > 0 ? r->msg_id : 1), "from", rf,
			"chat", "id", (json_int_t)chat_id, "type", "supergroup",
			"date", (json_int_t)date, "text", "earlier message"));
	}
	if (u != NULL)
		u->msg_id = mid;
	root = json_pack("{s:I, s:o}", "update_id", (json_int_t)++d->update_id,
	    "message", msg);
	if (root == NULL || (s = json_dumps(root, JSON_COMPACT)) == NULL)
		abort();
	json_decref(root);
	return (s);
}

long
daemon_tg_send(struct daemon *d, const char *chat, const char *user_id,
    const char *first_name, const char *username, const char *text,
    const char *reply_to_user_id)
{
	free(d->last);
	d->last = daemon_tg_update(d, chat, user_id, first_name, username, text,
	    reply_to_user_id);
	return (daemon_post(d, "/webhook/tg", DAEMON_TG_SECRET, d->last,
	    strlen(d->last)));
}

const char *
daemon_tg_last(const struct daemon *d)
{
	return (d->last != NULL ? d->last : "");
}

/* GET a mock control path and decode it; NULL on any failure. */
static json_t *
daemon_mock_get(const struct daemon *d, const char *path)
{
	char *url = daemon_mock_url(d, path), *resp = NULL;
	json_t *root = NULL;
	long status;

	if (http_get(url, &status, &resp) == 0 && status == 200)
		root = json_loads(resp, 0, NULL);
	free(resp);
	free(url);
	return (root);
}

static int
daemon_mock_post(const struct daemon *d, const char *path, const char *json)
{
	char *url = daemon_mock_url(d, path);
	long status;
	int rc;

	rc = http_post(url, NULL, json, strlen(json), &status, NULL);
	free(url);
	return (rc == 0 && status == 200 ? 0 : -1);
}

json_t *
daemon_mock_requests(const struct daemon *d)
{
	return (daemon_mock_get(d, "/_mock/requests"));
}

json_t *
daemon_mock_stats(const struct daemon *d)
{
	return (daemon_mock_get(d, "/_mock/stats"));
}

int
daemon_mock_reset(const struct daemon *d)
{
	return (daemon_mock_post(d, "/_mock/reset", "{}"));
}

int
daemon_mock_script(const struct daemon *d, const char *json)
{
	return (daemon_mock_post(d, "/_mock/script", json));
}

int
daemon_mock_limits(const struct daemon *d, const char *json)
{
	return (daemon_mock_post(d, "/_mock/limits", json));
}

int
daemon_reset(struct daemon *d)
{
	d->nusers = 0;
	d->update_id = daemon_now_ms() % 1000000000LL * 10;
	return (daemon_mock_reset(d));
}

json_t *
daemon_wait_sends(const struct daemon *d, size_t n, int timeout_ms)
{
	json_t *reqs, *out, *r, *body;
	const char *path;
	size_t i, plen, slen = strlen("/sendMessage");
	int waited = 0;

	for (;;) {
		if ((reqs = daemon_mock_requests(d)) == NULL)
			return (NULL);
		out = json_array();
		json_array_foreach(reqs, i, r)
		{
			path = json_string_value(json_object_get(r, "path"));
			if (path == NULL || (plen = strlen(path)) < slen ||
			    strcmp(path + plen - slen, "/sendMessage") != 0 ||
			    json_integer_value(json_object_get(r, "status")) !=
				200)
				continue;
			/* Scripted 429s and failures are not deliveries. */
			body = json_loads(json_string_value(
					      json_object_get(r, "body")),
			    0, NULL);
			json_array_append_new(out,
			    body != NULL ? body : json_null());
		}
		json_decref(reqs);
		if (json_array_size(out) >= n || waited >= timeout_ms)
			return (out);
		json_decref(out);
		daemon_sleep_ms(DAEMON_POLL_MS);
		waited += DAEMON_POLL_MS;
	}
}

char *
daemon_log(const struct daemon *d)
{
	FILE *f;
	char *buf;
	size_t n = 0, cap = 4096, r;

	buf = xmalloc(cap);
	if ((f = fopen(d->log, "r")) != NULL) {
		while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
			n += r;
			if (cap - n - 1 == 0) {
				cap *= 2;
				if ((buf = realloc(buf, cap)) == NULL)
					abort();
			}
		}
		fclose(f);
	}
	buf[n] = '\0';
	return (buf);
}
