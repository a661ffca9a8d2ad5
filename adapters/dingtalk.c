/*
 * dingtalk.c -- DingTalk HTTP-mode robot callbacks in; custom robot,
 * sessionWebhook or robot OpenAPI out.  Wire details and test vectors:
 * shared/platforms/dingtalk.md; the replay guard is described in
 * dingtalk.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/dingtalk.h"
#include "adapters/jread.h"
#include "adapters/sig.h"
#include "core/xmem.h"

#define DINGTALK_API_BASE      "https://api.dingtalk.com"
#define DINGTALK_OAPI_BASE     "https://oapi.dingtalk.com"
#define DINGTALK_SESSION_PATH  "/robot/sendBySession?"
#define DINGTALK_WINDOW_S      3600 /* DingTalk's own limit: 1 hour */
#define DINGTALK_TS_DIGITS_MAX 15   /* ms timestamps have 13 */
/*
 * Bytes of text per message.  msgParam (a JSON string inside JSON) holds
 * at most 15000 bytes and escaping can double a character, so 6000 leaves
 * room for the mention prefix; the robot webhooks take more.
 */
#define DINGTALK_TEXT_MAX       6000
#define DINGTALK_BLOCK_MS       600000 /* custom robot: 10 min after 20/min */
#define DINGTALK_QPM_MS         60000
#define DINGTALK_QPS_MS         1000
#define DINGTALK_RENEW_S        300 /* renew with < 5 min left ... */
#define DINGTALK_RENEW_DIV      10  /* ... or < 10% of the lifetime */
#define DINGTALK_TOKEN_LIFE_MAX 86400

struct dingtalk {
	char *app_key;
	char *app_secret; /* checks inbound, fetches the access token */
	char *robot_code; /* OpenAPI robotCode, or NULL */
	char *api_base;   /* no trailing '/' */
	char *oapi_base;  /* no trailing '/' */
	int64_t window_s; /* replay window, seconds */
	char *token;      /* OpenAPI access token, or NULL */
	int64_t token_exp;
	int64_t token_life;
	struct jr_doc doc; /* the last callback or answer read */
};

static adapter_init_fn dingtalk_init;
static adapter_free_fn dingtalk_free;
static adapter_verify_fn dingtalk_verify;
static adapter_parse_fn dingtalk_parse;
static adapter_format_fn dingtalk_format;
static adapter_classify_fn dingtalk_classify;
static adapter_auth_due_fn dingtalk_auth_due;
static adapter_auth_request_fn dingtalk_auth_request;
static adapter_auth_parse_fn dingtalk_auth_parse;

static int dingtalk_get_str(const struct jr_doc *, jr_ref, const char *,
    const char **);
static int dingtalk_rich_text(const struct jr_doc *, jr_ref, char *, size_t);
static void dingtalk_trim(char *);
static int dingtalk_session_ok(const struct dingtalk *, const char *);
static char *dingtalk_content(const struct chat_msg *);
static char *dingtalk_webhook_body(const struct chat_msg *);
static char *dingtalk_url_head(const char *);

const struct adapter_ops adapter_dingtalk = {
	.platform = "dingtalk",
	.robots = 1,
	.text_max = DINGTALK_TEXT_MAX,
	.init = dingtalk_init,
	.free = dingtalk_free,
	.verify = dingtalk_verify,
	.parse = dingtalk_parse,
	.format = dingtalk_format,
	.classify = dingtalk_classify,
	.auth_due = dingtalk_auth_due,
	.auth_request = dingtalk_auth_request,
	.auth_parse = dingtalk_auth_parse,
};

int
dingtalk_sign(const char *secret, const char *ts_ms, char *out)
{
	unsigned char mac[SIG_SHA256_LEN];
	char *msg;
	int rc;

	msg = xasprintf("%s\n%s", ts_ms, secret);
	rc = sig_hmac(SIG_SHA256, secret, strlen(secret), msg, strlen(msg),
	    NULL, 0, mac);
	free(msg);
	if (rc != 0)
		return (-1);
	sig_b64_encode(mac, sizeof(mac), out);
	return (0);
}

static int
dingtalk_init(void **privp, const json_t *conf, char *err, size_t errlen)
{
	static const char *const known[] = { "app_key", "app_secret",
		"robot_code", "api_base", "oapi_base", "replay_window_s",
		NULL };
	struct dingtalk *d;
	const json_t *v;
	char *api = NULL, *oapi = NULL;

	*privp = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "expected an object");
		return (-1);
	}
	if (adapter_conf_known(conf, known, err, errlen) != 0)
		return (-1);

	d = xcalloc(1, sizeof(*d));
	d->window_s = DINGTALK_WINDOW_S;
	if (adapter_conf_str(conf, "app_key", 1, &d->app_key, err, errlen) ||
	    adapter_conf_str(conf, "app_secret", 1, &d->app_secret, err,
		errlen) ||
	    adapter_conf_str(conf, "robot_code", 0, &d->robot_code, err,
		errlen) ||
	    adapter_conf_str(conf, "api_base", 0, &api, err, errlen) ||
	    adapter_conf_str(conf, "oapi_base", 0, &oapi, err, errlen))
		goto fail;
	d->api_base = adapter_url_base(api != NULL ? api : DINGTALK_API_BASE);
	if (d->api_base == NULL) {
		snprintf(err, errlen, "api_base: expected an http(s) URL");
		goto fail;
	}
	d->oapi_base =
	    adapter_url_base(oapi != NULL ? oapi : DINGTALK_OAPI_BASE);
	if (d->oapi_base == NULL) {
		snprintf(err, errlen, "oapi_base: expected an http(s) URL");
		goto fail;
	}
	if ((v = json_object_get(conf, "replay_window_s")) != NULL) {
		if (!json_is_integer(v)) {
			snprintf(err, errlen,
			    "replay_window_s: expected an integer");
			goto fail;
		}
		if (json_integer_value(v) < 1 ||
		    json_integer_value(v) > DINGTALK_WINDOW_S) {
			snprintf(err, errlen,
			    "replay_window_s: must be 1..%d (DingTalk signs "
			    "for 1 hour)",
			    DINGTALK_WINDOW_S);
			goto fail;
		}
		d->window_s = json_integer_value(v);
	}
	free(api);
	free(oapi);
	*privp = d;
	return (0);
fail:
	free(api);
	free(oapi);
	dingtalk_free(d);
	return (-1);
}

static void
dingtalk_free(void *priv)
{
	struct dingtalk *d = priv;

	if (d == NULL)
		return;
	free(d->app_key);
	adapter_secret_free(d->app_secret);
	free(d->robot_code);
	free(d->api_base);
	free(d->oapi_base);
	adapter_secret_free(d->token);
	jr_free(&d->doc);
	free(d);
}

/*
 * The signature check, then the replay guard of dingtalk.h: the body's
 * createAt must lie within the window of the signed header timestamp.
 */
static enum adapter_rc
dingtalk_verify(void *priv, const struct webhook *wh, int64_t now)
{
	struct dingtalk *d = priv;
	const char *ts = webhook_header(wh, "timestamp");
	const char *sign = webhook_header(wh, "sign");
	char want[DINGTALK_SIGN_LEN];
	const struct jr_doc *j = &d->doc;
	int64_t ts_ms, at_ms, win_ms = d->window_s * 1000;
	jr_ref v;

	if (wh->method != NULL && strcmp(wh->method, "POST") != 0)
		return (ADAPTER_EAUTH); /* no handshake exists */
	if (sign == NULL ||
	    adapter_digits(ts, DINGTALK_TS_DIGITS_MAX, &ts_ms) != 0)
		return (ADAPTER_EAUTH);
	if (ts_ms > now * 1000 + win_ms || ts_ms < now * 1000 - win_ms)
		return (ADAPTER_EAUTH);
	if (dingtalk_sign(d->app_secret, ts, want) != 0 ||
	    !sig_streq(want, sign))
		return (ADAPTER_EAUTH);

	if (wh->body == NULL || wh->len == 0 ||
	    jr_parse(&d->doc, wh->body, wh->len) == -1)
		return (ADAPTER_EPARSE);
	v = jr_get(j, JR_ROOT, "createAt");
	if (jr_type(j, v) != JR_INTEGER)
		return (ADAPTER_EAUTH); /* cannot bind the body to the header */
	at_ms = jr_int(j, v);
	return ((at_ms <= ts_ms + win_ms && at_ms >= ts_ms - win_ms)
		    ? ADAPTER_OK
		    : ADAPTER_EAUTH);
}

/* Optional string member: 1 found, 0 absent or null, -1 wrong type. */
static int
dingtalk_get_str(const struct jr_doc *j, jr_ref o, const char *key,
    const char **out)
{
	jr_ref v = jr_get(j, o, key);

	*out = NULL;
	if (v == JR_NONE || jr_type(j, v) == JR_NULL)
		return (0);
	if (jr_type(j, v) != JR_STRING)
		return (-1);
	*out = jr_str(j, v);
	return (1);
}

/* Concatenate the text parts of content.richText[]; 0, or -1 if malformed. */
static int
dingtalk_rich_text(const struct jr_doc *j, jr_ref content, char *out,
    size_t outlen)
{
	jr_ref rich, part;
	const char *t;
	size_t n = 0;

	out[0] = '\0';
	if (jr_type(j, content) != JR_OBJECT)
		return (-1);
	rich = jr_get(j, content, "richText");
	if (rich == JR_NONE)
		return (0);
	if (jr_type(j, rich) != JR_ARRAY)
		return (-1);
	for (part = jr_first(j, rich); part != JR_NONE;
	     part = jr_next(j, rich, part)) {
		if (jr_type(j, part) != JR_OBJECT ||
		    dingtalk_get_str(j, part, "text", &t) < 0)
			return (-1);
		if (t != NULL && n + 1 < outlen)
			n += xstrlcpy_utf8(out + n, t, outlen - n);
	}
	return (0);
}

/*
 * Trim white space at both ends in place, including the U+2005 and U+3000
 * spaces chat clients put around mentions.
 */
static void
dingtalk_trim(char *s)
{
	static const char *const extra[] = { "\xe2\x80\x85", "\xe3\x80\x80",
		NULL };
	size_t start, n;

	adapter_trim_span(s, strlen(s), extra, &start, &n);
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

/*
 * The body is not signed, so a sessionWebhook is only believed when it
 * points at DingTalk's session endpoint (ours or the public host).
 */
static int
dingtalk_session_ok(const struct dingtalk *d, const char *url)
{
	size_t n = strlen(d->oapi_base);

	if (strlen(url) >= CHAT_URL_MAX || strpbrk(url, " \t\r\n") != NULL)
		return (0);
	if (strncmp(url, d->oapi_base, n) == 0 &&
	    strncmp(url + n, DINGTALK_SESSION_PATH,
		strlen(DINGTALK_SESSION_PATH)) == 0)
		return (1);
	return (strncmp(url, DINGTALK_OAPI_BASE DINGTALK_SESSION_PATH,
		    strlen(DINGTALK_OAPI_BASE DINGTALK_SESSION_PATH)) == 0);
}

static enum adapter_rc
dingtalk_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	struct dingtalk *d = priv;
	const struct jr_doc *j = &d->doc;
	jr_ref v, u;
	const char *conv, *msgid, *staff, *sender,
	    *ctype = NULL, *title, *bot = NULL, *nick, *mtype = NULL,
	    *content = NULL, *hook, *did, *sid;

	(void)rep;
	if (wh->body == NULL || wh->len == 0 ||
	    jr_parse(&d->doc, wh->body, wh->len) == -1)
		return (ADAPTER_EPARSE);
	if (jr_type(j, JR_ROOT) != JR_OBJECT)
		return (ADAPTER_EPARSE);
	if (dingtalk_get_str(j, JR_ROOT, "conversationId", &conv) != 1 ||
	    *conv == '\0' ||
	    dingtalk_get_str(j, JR_ROOT, "msgId", &msgid) != 1 ||
	    *msgid == '\0' ||
	    dingtalk_get_str(j, JR_ROOT, "senderStaffId", &staff) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "senderId", &sender) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "conversationType", &ctype) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "conversationTitle", &title) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "chatbotUserId", &bot) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "senderNick", &nick) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "msgtype", &mtype) < 0 ||
	    dingtalk_get_str(j, JR_ROOT, "sessionWebhook", &hook) < 0)
		return (ADAPTER_EPARSE);
	if ((staff == NULL || *staff == '\0') &&
	    (sender == NULL || *sender == '\0'))
		return (ADAPTER_EPARSE);
	/* Our own message, should it come back. */
	if (bot != NULL && *bot != '\0' && sender != NULL &&
	    strcmp(sender, bot) == 0)
		return (ADAPTER_SKIP);

	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	if ((v = jr_get(j, JR_ROOT, "createAt")) != JR_NONE) {
		if (jr_type(j, v) != JR_INTEGER)
			return (ADAPTER_EPARSE);
		ev->at = jr_int(j, v) / 1000;
	}
	xstrlcpy_utf8(ev->event_id, msgid, sizeof(ev->event_id));
	xstrlcpy_utf8(ev->msg_id, msgid, sizeof(ev->msg_id));
	xstrlcpy_utf8(ev->chat, conv, sizeof(ev->chat));
	if (title != NULL)
		xstrlcpy_utf8(ev->chat_title, title, sizeof(ev->chat_title));
	xstrlcpy_utf8(ev->from.id,
	    staff != NULL && *staff != '\0' ? staff : sender,
	    sizeof(ev->from.id));
	if (nick != NULL)
		xstrlcpy_utf8(ev->from.name, nick, sizeof(ev->from.name));
	ev->is_group = ctype != NULL && strcmp(ctype, "2") == 0;

	v = jr_get(j, JR_ROOT, "isInAtList");
	if (v != JR_NONE && jr_type(j, v) != JR_TRUE &&
	    jr_type(j, v) != JR_FALSE)
		return (ADAPTER_EPARSE);
	ev->to_bot = jr_true(j, v) || !ev->is_group;

	if ((v = jr_get(j, JR_ROOT, "atUsers")) != JR_NONE) {
		if (jr_type(j, v) != JR_ARRAY)
			return (ADAPTER_EPARSE);
		for (u = jr_first(j, v); u != JR_NONE; u = jr_next(j, v, u)) {
			if (jr_type(j, u) != JR_OBJECT ||
			    dingtalk_get_str(j, u, "dingtalkId", &did) < 0 ||
			    dingtalk_get_str(j, u, "staffId", &sid) < 0)
				return (ADAPTER_EPARSE);
			if (did != NULL && bot != NULL && strcmp(did, bot) == 0)
				continue; /* the robot itself */
			if (sid == NULL || *sid == '\0')
				sid = did;
			if (sid == NULL || *sid == '\0' ||
			    ev->nmentions == CHAT_MENTIONS_MAX)
				continue;
			xstrlcpy_utf8(ev->mentions[ev->nmentions++].id, sid,
			    sizeof(ev->mentions[0].id));
		}
	}

	if (hook != NULL && dingtalk_session_ok(d, hook)) {
		xstrlcpy_utf8(ev->reply_url, hook, sizeof(ev->reply_url));
		v = jr_get(j, JR_ROOT, "sessionWebhookExpiredTime");
		if (v != JR_NONE && jr_type(j, v) != JR_INTEGER)
			return (ADAPTER_EPARSE);
		if (v != JR_NONE)
			ev->reply_url_expires = jr_int(j, v) / 1000;
	}

	/* text.content per the API reference; a top-level "content" string
	 * per the HTTP-mode sample; richText parts; other types carry none. */
	if (mtype == NULL || strcmp(mtype, "text") == 0) {
		v = jr_get(j, JR_ROOT, "text");
		if (v != JR_NONE && jr_type(j, v) != JR_NULL) {
			if (jr_type(j, v) != JR_OBJECT ||
			    dingtalk_get_str(j, v, "content", &content) < 0)
				return (ADAPTER_EPARSE);
		}
		if (content == NULL) {
			v = jr_get(j, JR_ROOT, "content");
			if (jr_type(j, v) == JR_STRING)
				content = jr_str(j, v);
			else if (v != JR_NONE && jr_type(j, v) != JR_NULL)
				return (ADAPTER_EPARSE);
		}
		if (content != NULL)
			xstrlcpy_utf8(ev->text, content, sizeof(ev->text));
	} else if (strcmp(mtype, "richText") == 0) {
		if (dingtalk_rich_text(j, jr_get(j, JR_ROOT, "content"),
			ev->text, sizeof(ev->text)) != 0)
			return (ADAPTER_EPARSE);
	}
	dingtalk_trim(ev->text);
	return (ADAPTER_OK);
}

/* "@<id> text" when a mention is asked for, else the text.  Caller frees. */
static char *
dingtalk_content(const struct chat_msg *msg)
{
	const char *text = msg->text != NULL ? msg->text : "";

	if (msg->mention_id != NULL && *msg->mention_id != '\0')
		return (xasprintf("@%s %s", msg->mention_id, text));
	return (xstrdup(text));
}

/* The robot/session webhook body; NULL if the text is not UTF-8. */
static char *
dingtalk_webhook_body(const struct chat_msg *msg)
{
	char *content = dingtalk_content(msg);
	json_t *root, *ids;

	ids = json_array();
	if (ids != NULL && msg->mention_id != NULL &&
	    *msg->mention_id != '\0' &&
	    json_array_append_new(ids, json_string(msg->mention_id)) != 0) {
		json_decref(ids);
		ids = NULL;
	}
	root = json_pack("{s:s, s:{s:s}, s:{s:o, s:b}}", "msgtype", "text",
	    "text", "content", content, "at", "atUserIds", ids, "isAtAll", 0);
	free(content);
	return (adapter_json_dump(root));
}

/* url up to (not including) its query, for logs.  Caller frees. */
static char *
dingtalk_url_head(const char *url)
{
	return (xstrndup(url, strcspn(url, "?")));
}

static int
dingtalk_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	struct dingtalk *d = priv;
	char *token, *secret, *tok_enc, *sign_enc, *content, *param;
	char ts[32], sign[DINGTALK_SIGN_LEN];
	json_t *root;

	memset(req, 0, sizeof(*req));
	if (msg->robot != NULL && *msg->robot != '\0') {
		/* custom robot "<access_token>:<secret>"; no secret means a
		 * robot secured by keyword or IP instead of 加签 */
		token = xstrdup(msg->robot);
		if ((secret = strchr(token, ':')) != NULL)
			*secret++ = '\0';
		if (*token == '\0' || (secret != NULL && *secret == '\0') ||
		    (req->body = dingtalk_webhook_body(msg)) == NULL) {
			adapter_secret_free(token);
			return (-1);
		}
		tok_enc = adapter_urlencode(token);
		if (secret != NULL) {
			snprintf(ts, sizeof(ts), "%" PRId64 "000", msg->now);
			if (dingtalk_sign(secret, ts, sign) != 0) {
				adapter_secret_free(tok_enc);
				adapter_secret_free(token);
				httpreq_clear(req);
				return (-1);
			}
			sign_enc = adapter_urlencode(sign);
			req->url = xasprintf("%s/robot/"
					     "send?access_token=%s&timestamp=%"
					     "s&sign=%s",
			    d->oapi_base, tok_enc, ts, sign_enc);
			free(sign_enc);
		} else
			req->url = xasprintf("%s/robot/send?access_token=%s",
			    d->oapi_base, tok_enc);
		adapter_secret_free(tok_enc);
		adapter_secret_free(token);
		req->log_url = xasprintf("%s/robot/send", d->oapi_base);
	} else if (msg->reply_url != NULL && *msg->reply_url != '\0' &&
		   (msg->reply_url_expires == 0 ||
		       msg->now < msg->reply_url_expires)) {
		/* sessionWebhook: the session key in the URL is the only
		 * credential, and it expires (~90 min) */
		if ((req->body = dingtalk_webhook_body(msg)) == NULL)
			return (-1);
		req->url = xstrdup(msg->reply_url);
		req->log_url = dingtalk_url_head(msg->reply_url);
	} else {
		if (d->token == NULL || d->robot_code == NULL ||
		    msg->chat == NULL || *msg->chat == '\0')
			return (-1);
		content = xstrdup(msg->text != NULL ? msg->text : "");
		if (msg->mention_name != NULL && *msg->mention_name != '\0') {
			/* this API cannot @: name the person in plain text */
			free(content);
			content = xasprintf("@%s %s", msg->mention_name,
			    msg->text != NULL ? msg->text : "");
		}
		root = json_pack("{s:s}", "content", content);
		free(content);
		if ((param = adapter_json_dump(root)) == NULL)
			return (-1);
		root = json_pack("{s:s, s:s, s:s, s:s}", "robotCode",
		    d->robot_code, "openConversationId", msg->chat, "msgKey",
		    "sampleText", "msgParam", param);
		free(param);
		if ((req->body = adapter_json_dump(root)) == NULL)
			return (-1);
		req->url =
		    xasprintf("%s/v1.0/robot/groupMessages/send", d->api_base);
		req->log_url = xstrdup(req->url);
		req->hdr[1] =
		    xasprintf("x-acs-dingtalk-access-token: %s", d->token);
	}
	req->method = "POST";
	req->hdr[0] = xstrdup("Content-Type: application/json; charset=utf-8");
	return (0);
}

/*
 * Three answer shapes share this: the robot webhooks' {"errcode":N}, the
 * OpenAPI's 200 {"processQueryKey":...} or 4xx {"code":"..."}, and the
 * gateway's IP block {"status":1111,"wait":5}.
 */
static enum send_rc
dingtalk_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	struct dingtalk *d = priv;
	const struct jr_doc *j = &d->doc;
	jr_ref root = JR_NONE, v;
	const char *code = NULL;
	int64_t ra;
	enum send_rc rc = SEND_FAIL;

	*retry_ms = 0;
	ra = adapter_retry_after_ms(r->retry_after);
	if (r->status == 0 || r->status >= 500) {
		*retry_ms = ra > 0 ? ra : 0;
		return (SEND_RETRY);
	}
	/* No body, or none that parses, reads as no object. */
	if (r->body != NULL && r->len > 0 &&
	    jr_parse(&d->doc, r->body, r->len) == 0)
		root = JR_ROOT;
	if (jr_type(j, root) == JR_OBJECT) {
		v = jr_get(j, root, "code");
		if (jr_type(j, v) == JR_STRING)
			code = jr_str(j, v);
	}

	if (r->status == 401) {
		rc = SEND_AUTH;
	} else if (code != NULL &&
		   (strstr(code, "InvalidAuthentication") != NULL ||
		       strstr(code, "invalidAuthentication") != NULL)) {
		rc = SEND_AUTH;
	} else if (r->status == 429 ||
		   (code != NULL && strcmp(code, "system.busy") == 0)) {
		rc = SEND_RETRY;
		*retry_ms = ra > 0 ? ra : 0;
	} else if (code != NULL &&
		   strncmp(code, "Forbidden.AccessDenied.Qp", 25) == 0) {
		rc = SEND_RETRY;
		*retry_ms = ra > 0                        ? ra
			    : strstr(code, "Qpm") != NULL ? DINGTALK_QPM_MS
							  : DINGTALK_QPS_MS;
	} else if (jr_type(j, root) == JR_OBJECT &&
		   jr_type(j, jr_get(j, root, "status")) == JR_INTEGER &&
		   jr_int(j, jr_get(j, root, "status")) == 1111) {
		rc = SEND_RETRY; /* egress IP blocked; "wait" in seconds */
		v = jr_get(j, root, "wait");
		if (jr_type(j, v) == JR_INTEGER && jr_int(j, v) > 0 &&
		    jr_int(j, v) <= 3600)
			*retry_ms = jr_int(j, v) * 1000;
	} else if (r->status == 200 && jr_type(j, root) == JR_OBJECT) {
		v = jr_get(j, root, "errcode");
		if (jr_type(j, v) == JR_INTEGER) {
			switch (jr_int(j, v)) {
			case 0:
				rc = SEND_OK;
				break;
			case 410100: /* sending too fast ... */
			case 130101: /* ... as older robots say it */
				rc = SEND_RETRY;
				*retry_ms = DINGTALK_BLOCK_MS;
				break;
			case -1:    /* busy */
			case 90002: /* legacy global API cap */
				rc = SEND_RETRY;
				*retry_ms = ra > 0 ? ra : 0;
				break;
			case 40014: /* legacy: invalid access_token */
			case 42001: /* legacy: access_token expired */
				rc = SEND_AUTH;
				break;
			default:
				rc = SEND_FAIL;
				break;
			}
		} else if (jr_type(j, jr_get(j, root, "processQueryKey")) ==
			   JR_STRING)
			rc = SEND_OK;
	}
	return (rc);
}

/*
 * Renew when less than 5 minutes or 10% of the token's lifetime is left;
 * an instance without robot_code never uses the OpenAPI, so never fetches.
 */
static int
dingtalk_auth_due(void *priv, int64_t now)
{
	struct dingtalk *d = priv;

	if (d->robot_code == NULL)
		return (0);
	if (d->token == NULL)
		return (1);
	return (adapter_token_due(d->token_exp, d->token_life, now,
	    DINGTALK_RENEW_S, DINGTALK_RENEW_DIV));
}

/* POST {api_base}/v1.0/oauth2/accessToken {"appKey","appSecret"}. */
static int
dingtalk_auth_request(void *priv, struct httpreq *req)
{
	struct dingtalk *d = priv;
	json_t *root;

	memset(req, 0, sizeof(*req));
	root = json_pack("{s:s, s:s}", "appKey", d->app_key, "appSecret",
	    d->app_secret);
	if ((req->body = adapter_json_dump(root)) == NULL)
		return (-1);
	req->method = "POST";
	req->url = xasprintf("%s/v1.0/oauth2/accessToken", d->api_base);
	req->log_url = xstrdup(req->url);
	req->hdr[0] = xstrdup("Content-Type: application/json");
	return (0);
}

/* {"accessToken":"...","expireIn":7200} */
static int
dingtalk_auth_parse(void *priv, const struct httpresp *r, int64_t now)
{
	struct dingtalk *d = priv;
	const struct jr_doc *j = &d->doc;
	jr_ref tok, exp;

	if (r->status != 200 || r->body == NULL ||
	    jr_parse(&d->doc, r->body, r->len) == -1)
		return (-1);
	tok = jr_get(j, JR_ROOT, "accessToken");
	exp = jr_get(j, JR_ROOT, "expireIn");
	if (jr_type(j, tok) != JR_STRING || jr_len(j, tok) == 0 ||
	    strlen(jr_str(j, tok)) != jr_len(j, tok) ||
	    strpbrk(jr_str(j, tok), "\r\n") != NULL ||
	    jr_type(j, exp) != JR_INTEGER || jr_int(j, exp) <= 0 ||
	    jr_int(j, exp) > DINGTALK_TOKEN_LIFE_MAX)
		return (-1);
	adapter_secret_free(d->token);
	d->token = xstrdup(jr_str(j, tok));
	d->token_life = jr_int(j, exp);
	d->token_exp = now + d->token_life;
	return (0);
}
