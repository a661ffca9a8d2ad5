/*
 * adapter.h -- what bot/ needs from one chat platform.
 *
 * An adapter knows one platform's wire formats and nothing else: it checks
 * and decodes the platform's webhooks into struct chat_event, encodes a
 * struct chat_msg as the HTTP request the platform's API wants, and reads
 * the platform's answer.  It does no I/O, reads no clock and never logs;
 * bot/ passes in bytes and the time and does the sending.  One .c per
 * platform, each exporting one const struct adapter_ops, listed once in
 * adapter.c.
 *
 * One instance (priv) serves one sending identity: bot/ calls init once per
 * entry of an adapter's "accounts" (with the adapter-level keys merged in),
 * or once for an adapter without accounts.  Token state for platforms with
 * short-lived access tokens lives in that priv.
 */
#ifndef ADAPTERS_ADAPTER_H
#define ADAPTERS_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/chat.h"

/* Borrowed view of one inbound request; valid only during the call. */
struct webhook {
	const char *method;     /* "POST" or "GET" */
	const char *query;      /* raw query string without '?', or "" */
	const char *account;    /* "/webhook/{adapter}/{account}", or "" */
	const char *const *hdr; /* name, value, ..., NULL */
	const char *body;       /* raw bytes, exactly as received */
	size_t len;
};

/* Inline answer for handshakes; body is owned (free()) by the caller. */
struct webreply {
	int status;        /* HTTP status; 0 means 200 */
	char *body;        /* NULL for an empty body */
	const char *ctype; /* static string, e.g. "text/plain" */
};

/* One outbound request; every string owned, release with httpreq_clear(). */
struct httpreq {
	const char *method; /* static: NULL means "POST" */
	char *url;          /* NULL: not HTTP (console writes body to stdout) */
	char *body;         /* NULL for no body (GET) */
	char *hdr[6];       /* "Name: value", unused slots NULL */
	char *log_url;      /* url with credentials removed, for logs */
};

/* The platform's answer, borrowed from bot/outbox.c. */
struct httpresp {
	long status; /* HTTP status; 0 = transport failure */
	const char *body;
	size_t len;
	const char *retry_after; /* Retry-After header value, or NULL */
	const char *const *hdr;  /* all headers: name, value, ..., NULL */
};

enum adapter_rc {
	ADAPTER_OK = 0, /* *ev filled in */
	ADAPTER_SKIP,   /* valid, nothing for core: our own echo, an edit */
	ADAPTER_REPLY,  /* handshake: answer with *rep, nothing for core */
	ADAPTER_EAUTH,  /* missing, stale or wrong signature: 401 */
	ADAPTER_EPARSE, /* not a shape we know: 400 */
};

enum send_rc {
	SEND_OK = 0,
	SEND_RETRY, /* try again after *retry_ms */
	SEND_FAIL,  /* permanent for this message: drop and record */
	SEND_AUTH,  /* access token rejected: renew it, then retry */
};

/*
 * The slots, as function types: an adapter declares its implementations
 * with them ("static adapter_verify_fn slack_verify;"), so a signature
 * that drifts from this header fails to compile.
 */

/*
 * Build instance state from its config object (env: values already
 * resolved by config/).  Returns 0, or -1 with err naming the key relative
 * to the adapter ("signing_secret: missing").  *priv is owned by the
 * caller afterwards and released with the free slot.
 */
typedef int adapter_init_fn(void **priv, const json_t *conf, char *err,
    size_t errlen);
/* Release priv, wiping secrets.  NULL is a no-op. */
typedef void adapter_free_fn(void *priv);

/*
 * Inbound, always in this order: verify the raw bytes, then parse.  verify
 * returns ADAPTER_OK or ADAPTER_EAUTH (ADAPTER_EPARSE when the request is
 * too broken to even check); it may decide nothing else.  parse fills *ev
 * (ADAPTER_OK), fills *rep for a handshake (ADAPTER_REPLY), or says SKIP
 * or EPARSE.  now is unix seconds.
 */
typedef enum adapter_rc adapter_verify_fn(void *priv, const struct webhook *,
    int64_t now);
typedef enum adapter_rc adapter_parse_fn(void *priv, const struct webhook *,
    struct chat_event *ev, struct webreply *rep);

/*
 * Outbound: encode one message into *req (0), or -1 if it cannot be
 * encoded (no credential for that chat, text not UTF-8).  On -1 *req holds
 * nothing to free.  The caller owns *req afterwards: httpreq_clear().
 */
typedef int adapter_format_fn(void *priv, const struct chat_msg *,
    struct httpreq *req);
/*
 * Judge the platform's answer to a format()ted request.  *retry_ms is set
 * for SEND_RETRY (from Retry-After or the platform's own field; 0 means
 * "use the default backoff").
 */
typedef enum send_rc adapter_classify_fn(void *priv, const struct httpresp *,
    int64_t *retry_ms);

/*
 * Optional, for platforms whose API wants a short-lived access token.
 * auth_due: 1 if a token must be fetched (none yet, or it expires within
 * the platform's renewal margin at now), else 0.  auth_request: encode the
 * token request (0, or -1).  auth_parse: take the answer at now; 0 when a
 * token was stored, -1 otherwise (bot/ retries with backoff).
 */
typedef int adapter_auth_due_fn(void *priv, int64_t now);
typedef int adapter_auth_request_fn(void *priv, struct httpreq *req);
typedef int adapter_auth_parse_fn(void *priv, const struct httpresp *,
    int64_t now);

/*
 * Optional: encode the request that removes user from chat (SPEC section
 * 3, kick_on_blacklist), answered like a send (classify).  0, or -1 when
 * this chat or user cannot be removed by us.  The caller owns *req.
 */
typedef int adapter_kick_fn(void *priv, const char *chat, const char *user,
    int64_t now, struct httpreq *req);

struct adapter_ops {
	const char *platform; /* the "platform" value in config */
	int robots;           /* 1: chats may carry a per-chat robot
				 credential (chat_msg.robot) */
	size_t text_max;      /* longest text one message may carry, bytes;
				 bot/ splits longer replies */
	adapter_init_fn *init;
	adapter_free_fn *free;
	adapter_verify_fn *verify;
	adapter_parse_fn *parse;
	adapter_format_fn *format;
	adapter_classify_fn *classify;
	adapter_auth_due_fn *auth_due; /* NULL: no tokens */
	adapter_auth_request_fn *auth_request;
	adapter_auth_parse_fn *auth_parse;
	adapter_kick_fn *kick; /* NULL: members cannot be removed */
};

/* The platforms compiled in, by config "platform" name; NULL if unknown. */
const struct adapter_ops *adapter_ops_lookup(const char *platform);
/* NULL-terminated list of every compiled-in platform. */
const struct adapter_ops *const *adapter_ops_all(void);
const char *adapter_rc_str(enum adapter_rc);
const char *send_rc_str(enum send_rc);

/* Case-insensitive header lookup in wh->hdr; NULL if absent. */
const char *webhook_header(const struct webhook *, const char *name);
/* Header lookup in an answer; NULL if absent. */
const char *httpresp_header(const struct httpresp *, const char *name);
/*
 * Value of key in an application/x-www-form-urlencoded string (a query or a
 * form body), percent-decoded into out[outlen].  Returns 1 if found (and
 * it fit), else 0.
 */
int adapter_form_get(const char *form, size_t len, const char *key, char *out,
    size_t outlen);
/* Percent-encode s for a URL query value.  Caller frees. */
char *adapter_urlencode(const char *s);
/* Release every string of *req and zero it. */
void httpreq_clear(struct httpreq *);
/*
 * Parse an HTTP Retry-After value (delta seconds) into milliseconds;
 * -1 if absent or not a number.
 */
int64_t adapter_retry_after_ms(const char *value);
/*
 * adapter_retry_after_ms() of r->retry_after, or of the answer's
 * Retry-After header when r->retry_after is NULL.
 */
int64_t adapter_resp_retry_after_ms(const struct httpresp *r);
/* json_dumps(root, JSON_COMPACT) and release root; NULL if either fails. */
char *adapter_json_dump(json_t *root);
/* A growing NUL-terminated string; start as { NULL, 0, 0 }, free(s). */
struct adapter_buf {
	char *s; /* NULL until the first add */
	size_t len, cap;
};

/* Append s[0..n) to b, keeping b->s NUL-terminated. */
void adapter_buf_add(struct adapter_buf *b, const char *s, size_t n);
/*
 * The part of s[0..len) left when white space is cut from both ends, as
 * s[*start..*end): ASCII space, tab, CR and LF, and each UTF-8 sequence
 * of extra (NULL-terminated, e.g. "\xe3\x80\x80" for U+3000).
 */
void adapter_trim_span(const char *s, size_t len, const char *const *extra,
    size_t *start, size_t *end);
/*
 * 1 if an access token that expires at exp (unix seconds) after a lifetime
 * of life seconds must be renewed at now: less than life / div or min_s
 * seconds (whichever is more) left.
 */
int adapter_token_due(int64_t exp, int64_t life, int64_t now, int64_t min_s,
    int64_t div);
/* Wipe and free a NUL-terminated secret.  NULL is a no-op. */
void adapter_secret_free(char *s);
/*
 * 1 to max decimal digits and nothing else (no sign, no space) into *out:
 * 0, or -1 (s NULL or not that).
 */
int adapter_digits(const char *s, size_t max, int64_t *out);
/*
 * An http:// or https:// base URL with no '?', '#' or white space, copied
 * without its trailing '/'s (caller frees); NULL if s is not that.
 */
char *adapter_url_base(const char *s);

/*
 * Config helpers for the init slot.  Errors name the key, as init's own:
 * "<key>: unknown key", "<key>: missing", ...
 */

/*
 * Every key of conf (an object) must be in keys (NULL-terminated).
 * Returns 0, or -1 with err "<key>: unknown key" for the first that is not.
 */
int adapter_conf_known(const json_t *conf, const char *const *keys, char *err,
    size_t errlen);
/*
 * As adapter_conf_known, and every value must be a JSON string ("<key>:
 * expected a string"): vals[i] is set to the value of keys[i] (borrowed
 * from conf), and left alone for keys that are absent.
 */
int adapter_conf_strs(const json_t *conf, const char *const *keys,
    const char **vals, char *err, size_t errlen);
/*
 * Copy the string value of key into *out (caller frees).  Returns 0 (also
 * when the key is absent and not required: *out NULL), or -1 with err
 * "<key>: missing", "<key>: expected a string" or "<key>: must be a
 * non-empty string" (empty, or with a NUL byte inside).
 */
int adapter_conf_str(const json_t *conf, const char *key, int required,
    char **out, char *err, size_t errlen);

#endif /* ADAPTERS_ADAPTER_H */
