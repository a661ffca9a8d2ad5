/*
 * log.c -- logfmt lines to stderr or a file, one write(2) per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bot/log.h"
#include "core/xmem.h"

#define LOG_LINE_MAX 8192

enum log_level log_threshold = LL_INFO;

static int log_fd = STDERR_FILENO;
static char *log_path;
static uint64_t log_id_state;

static void log_libevent_cb(int, const char *);

static int
log_open_fd(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return (STDERR_FILENO);
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
}

int
log_open(const char *path)
{
	int fd;

	if ((fd = log_open_fd(path)) == -1)
		return (-1);
	if (log_fd != STDERR_FILENO && log_fd != fd)
		close(log_fd);
	log_fd = fd;
	free(log_path);
	log_path =
	    (path == NULL || strcmp(path, "-") == 0) ? NULL : xstrdup(path);
	return (0);
}

int
log_reopen(void)
{
	int fd;

	if (log_path == NULL)
		return (0);
	if ((fd = log_open_fd(log_path)) == -1)
		return (-1);
	close(log_fd);
	log_fd = fd;
	return (0);
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	free(log_path);
	log_path = NULL;
}

void
log_set_level(enum log_level l)
{
	log_threshold = l;
}

const char *
log_level_str(enum log_level l)
{
	switch (l) {
	case LL_DEBUG:
		return ("debug");
	case LL_INFO:
		return ("info");
	case LL_WARN:
		return ("warn");
	case LL_ERROR:
		return ("error");
	}
	return ("info");
}

static int
log_needs_quote(const char *v)
{
	const unsigned char *p;

	if (*v == '\0')
		return (1);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' ||
		    *p == 0x7f)
			return (1);
	return (0);
}

size_t
log_escape(char *buf, size_t buflen, size_t off, const char *val)
{
	const unsigned char *p;
	int quote;

	if (buflen == 0)
		return (0);
	if (val == NULL)
		val = "";
	quote = log_needs_quote(val);
#define PUT(c)                                                                 \
	do {                                                                   \
		if (off + 1 < buflen)                                          \
			buf[off++] = (c);                                      \
	} while (0)
	if (quote)
		PUT('"');
	for (p = (const unsigned char *)val; *p != '\0'; p++) {
		if (off + 6 >= buflen)
			break;
		if (*p == '"' || *p == '\\') {
			PUT('\\');
			PUT((char)*p);
		} else if (*p == '\n') {
			PUT('\\');
			PUT('n');
		} else if (*p < ' ' || *p == 0x7f) {
			off += (size_t)snprintf(buf + off, buflen - off,
			    "\\x%02x", *p);
		} else
			PUT((char)*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	buf[off < buflen ? off : buflen - 1] = '\0';
	return (off);
}

/* Decimal of v into buf (at least 24 bytes); returns the length. */
static size_t
log_itoa(long long v, char *buf)
{
	char tmp[24];
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return (len);
}

/*
 * "ts=2026-11-29T05:30:00" and "+08:00" for the current second: the
 * local-time conversion is done once a second, not once a line.
 */
static void
log_stamp(time_t sec, char *date, size_t datelen, char *zone)
{
	static time_t cached = -1;
	static char cdate[32], czone[16];
	struct tm tm;
	long off;

	if (sec != cached) {
		localtime_r(&sec, &tm);
		strftime(cdate, sizeof(cdate), "ts=%Y-%m-%dT%H:%M:%S", &tm);
		off = tm.tm_gmtoff;
		snprintf(czone, sizeof(czone), "%c%02ld:%02ld",
		    off < 0 ? '-' : '+', labs(off) / 3600 % 100,
		    (labs(off) % 3600) / 60);
		cached = sec;
	}
	snprintf(date, datelen, "%s", cdate);
	memcpy(zone, czone, sizeof(czone));
}

void
log_kv(enum log_level lvl, const char *comp, const struct log_kv *kv, size_t n)
{
	char line[LOG_LINE_MAX], num[64], date[32], zone[16];
	struct timeval tv;
	size_t off, i, kl;
	ssize_t w;
	long ms;

	if (lvl < log_threshold)
		return;
	gettimeofday(&tv, NULL);
	log_stamp(tv.tv_sec, date, sizeof(date), zone);
	ms = (long)tv.tv_usec / 1000;
	off = (size_t)snprintf(line, sizeof(line),
	    "%s.%c%c%c%s level=%s comp=", date, (char)('0' + ms / 100),
	    (char)('0' + ms / 10 % 10), (char)('0' + ms % 10), zone,
	    log_level_str(lvl));
	off = log_escape(line, sizeof(line) - 1, off, comp);
	for (i = 0; i < n && off + 8 < sizeof(line) - 1; i++) {
		/* A NULL string leaves the key out: nothing to say. */
		if (kv[i].t == KV_STR && kv[i].v.s == NULL)
			continue;
		kl = strlen(kv[i].k);
		if (off + kl + 2 >= sizeof(line) - 1) {
			off = sizeof(line) - 2;
			break;
		}
		line[off++] = ' ';
		memcpy(line + off, kv[i].k, kl);
		off += kl;
		line[off++] = '=';
		switch (kv[i].t) {
		case KV_STR:
			off =
			    log_escape(line, sizeof(line) - 1, off, kv[i].v.s);
			break;
		case KV_INT:
			log_itoa(kv[i].v.i, num);
			off = log_escape(line, sizeof(line) - 1, off, num);
			break;
		case KV_DBL:
			snprintf(num, sizeof(num), "%.3g", kv[i].v.d);
			if (kv[i].v.d >= 1000)
				snprintf(num, sizeof(num), "%.0f", kv[i].v.d);
			else if (kv[i].v.d < 1000 && kv[i].v.d >= 0.001)
				snprintf(num, sizeof(num), "%.3f", kv[i].v.d);
			/* Drop trailing zeros: 0.800 -> 0.8. */
			if (strchr(num, '.') != NULL) {
				size_t l = strlen(num);

				while (l > 0 && num[l - 1] == '0')
					num[--l] = '\0';
				if (l > 0 && num[l - 1] == '.')
					num[--l] = '\0';
			}
			off = log_escape(line, sizeof(line) - 1, off, num);
			break;
		}
	}
	line[off++] = '\n';
	do {
		w = write(log_fd, line, off);
	} while (w == -1 && errno == EINTR);
}

void
log_new_id(char out[17])
{
	uint64_t x;

	/* splitmix64 over a seeded counter: unique per process, cheap. */
	if (log_id_state == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		log_id_state = (uint64_t)ts.tv_nsec ^
			       ((uint64_t)ts.tv_sec << 20) ^
			       ((uint64_t)getpid() << 40);
	}
	x = (log_id_state += 0x9e3779b97f4a7c15ULL);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	snprintf(out, 17, "%016llx", (unsigned long long)x);
}

static void
log_libevent_cb(int severity, const char *msg)
{
	enum log_level l;

	switch (severity) {
	case EVENT_LOG_DEBUG:
		l = LL_DEBUG;
		break;
	case EVENT_LOG_MSG:
		l = LL_INFO;
		break;
	case EVENT_LOG_WARN:
		l = LL_WARN;
		break;
	default:
		l = LL_ERROR;
		break;
	}
	LOG(l, "event", KS("detail", msg));
}

void
log_hook_libevent(void)
{
	event_set_log_callback(log_libevent_cb);
}
