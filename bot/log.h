/*
 * log.h -- the logfmt writer (SPEC section 8, STYLE section 7).
 *
 * One line per event: ts, level, comp first, then the caller's key/value
 * pairs in the order given.  Values are typed and escaped here, so no
 * platform-supplied string can forge a line.  Only bot/ logs.  The level
 * test happens before any formatting.  Never pass secrets.
 */
#ifndef BOT_LOG_H
#define BOT_LOG_H

#include <stddef.h>

enum log_level {
	LL_DEBUG = 0,
	LL_INFO,
	LL_WARN,
	LL_ERROR,
};

enum log_kv_type {
	KV_STR = 0,
	KV_INT,
	KV_DBL,
};

struct log_kv {
	const char *k;
	enum log_kv_type t;
	union {
		const char *s; /* NULL: the key is left out */
		long long i;
		double d;
	} v;
};

#define KS(key_, val_) ((struct log_kv){ (key_), KV_STR, { .s = (val_) } })
#define KI(key_, val_)                                                         \
	((struct log_kv){ (key_), KV_INT, { .i = (long long)(val_) } })
#define KD(key_, val_)                                                         \
	((struct log_kv){ (key_), KV_DBL, { .d = (double)(val_) } })

/* The current threshold; lines below it cost one comparison. */
extern enum log_level log_threshold;

#define LOG(lvl, comp, ...)                                                    \
	do {                                                                   \
		if ((lvl) >= log_threshold) {                                  \
			const struct log_kv log_kvs_[] = { __VA_ARGS__ };      \
			log_kv((lvl), (comp), log_kvs_,                        \
			    sizeof(log_kvs_) / sizeof(log_kvs_[0]));           \
		}                                                              \
	} while (0)

/*
 * Open the log: path "-" or NULL means stderr.  0, or -1 (errno set) if
 * the file cannot be opened, in which case the previous stream stays.
 */
int log_open(const char *path);
/* Reopen the same path (SIGHUP, after logrotate moved the file). */
int log_reopen(void);
void log_close(void);
void log_set_level(enum log_level);
/* "debug" etc. */
const char *log_level_str(enum log_level);

/* Write one line now (bypasses nothing: checks the level again). */
void log_kv(enum log_level, const char *comp, const struct log_kv *, size_t);

/* Append a logfmt value, quoted and escaped if needed, to buf (helper for
 * tests).  Returns the new length, never more than buflen - 1. */
size_t log_escape(char *buf, size_t buflen, size_t off, const char *val);

/* A fresh 16-hex-digit correlation id into out[17]. */
void log_new_id(char out[17]);

/* Send libevent's own messages through log_kv (comp=event). */
void log_hook_libevent(void);

#endif /* BOT_LOG_H */
