/*
 * slack.c -- Slack Events API and slash commands in, chat.postMessage out.
 * Wire details and test vectors: shared/platforms/slack.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/jread.h"
#include "adapters/sig.h"
#include "adapters/slack.h"
#include "core/xmem.h"

#define SLACK_API_BASE  "https://slack.com/api"
#define SLACK_MAX_SKEW  300  /* seconds a signature stays valid */
#define SLACK_HOOK_LIFE 1800 /* a response_url works for 30 minutes */
#define SLACK_TEXT_MAX  3000 /* bytes; see the ops table below */

struct slack {
	char *secret;      /* signing secret, checks inbound */
	char *token;       /* bot token (xoxb-), authorises outbound */
	char *bot;         /* the bot's user id, or "" when not configured */
	char *api_base;    /* "https://slack.com/api" or a test server, no '/'
			      at the end */
	struct jr_doc doc; /* the last event or answer read */
};

static adapter_init_fn slack_init;
static adapter_free_fn slack_free;
static adapter_verify_fn slack_verify;
static adapter_parse_fn slack_parse;
static adapter_format_fn slack_format;
static adapter_classify_fn slack_classify;
static adapter_kick_fn slack_kick;

static int slack_id_valid(const char *, int);
static int slack_ts_parse(const char *, int64_t *);
static int slack_is_form(const struct webhook *);
static void slack_put(char *, size_t *, const char *, size_t);
static void slack_mention_add(struct chat_event *, const char *, size_t,
    const char *, size_t);
static void slack_text(const char *, const char *, size_t, struct chat_event *);
static void slack_leading_mention(const char *, char *, size_t);
static void slack_bot_id(const struct slack *, const char *, char *, size_t);
static enum adapter_rc slack_parse_command(struct slack *,
    const struct webhook *, struct chat_event *);
static enum adapter_rc slack_parse_json(struct slack *, const struct webhook *,
    struct chat_event *, struct webreply *);
static enum adapter_rc slack_parse_message(struct slack *, jr_ref, int,
    struct chat_event *);
static enum adapter_rc slack_parse_member(struct slack *, jr_ref,
    enum chat_kind, struct chat_event *);
static char *slack_url_origin(const char *);

/*
 * text_max: slack.md section 3 only says to keep text "well under 4,000
 * characters" (the msg_too_long threshold is not confirmed).  3,000 bytes
 * is under 4,000 characters in any script, and escaping can at most
 * quadruple it (all '<'), still far from the 40,000-character cut.
 */
const struct adapter_ops adapter_slack = {
	.platform = "slack",
	.text_max = SLACK_TEXT_MAX,
	.init = slack_init,
	.free = slack_free,
	.verify = slack_verify,
	.parse = slack_parse,
	.format = slack_format,
	.classify = slack_classify,
	.kick = slack_kick,
};

/* ---------------------------------------------------------------- config */

/* 1 if s is a Slack id: upper-case letters and digits, first in first. */
static int
slack_id_valid(const char *s, int first)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) >= CHAT_ID_MAX)
		return (0);
	if (first != 0 && strchr("UW", s[0]) == NULL)
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9')))
			return (0);
	return (1);
}

static int
slack_init(void **priv, const json_t *conf, char *err, size_t errlen)
{
	static const char *const keys[] = { "signing_secret", "bot_token",
		"bot_user_id", "api_base", NULL };
	const char *val[4] = { NULL, NULL, NULL, NULL };
	const char *base;
	struct slack *sl;
	size_t i, n;

	*priv = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "expected an object");
		return (-1);
	}
	if (adapter_conf_strs(conf, keys, val, err, errlen) != 0)
		return (-1);
	for (i = 0; i < 2; i++)
		if (val[i] == NULL) {
			snprintf(err, errlen, "%s: missing", keys[i]);
			return (-1);
		}
	if (val[0][0] == '\0') {
		snprintf(err, errlen, "signing_secret: empty");
		return (-1);
	}
	if (strncmp(val[1], "xoxb-", 5) != 0 || val[1][5] == '\0' ||
	    strpbrk(val[1], " \t\r\n") != NULL) {
		snprintf(err, errlen,
		    "bot_token: expected a bot token (xoxb-)");
		return (-1);
	}
	if (val[2] != NULL && !slack_id_valid(val[2], 1)) {
		snprintf(err, errlen, "bot_user_id: expected a user id (U...)");
		return (-1);
	}
	base = val[3] != NULL ? val[3] : SLACK_API_BASE;
	if (strncmp(base, "https://", 8) != 0 &&
	    strncmp(base, "http://", 7) != 0) {
		snprintf(err, errlen, "api_base: expected an http(s) URL");
		return (-1);
	}

	sl = xcalloc(1, sizeof(*sl));
	sl->secret = xstrdup(val[0]);
	sl->token = xstrdup(val[1]);
	sl->bot = xstrdup(val[2] != NULL ? val[2] : "");
	sl->api_base = xstrdup(base);
	n = strlen(sl->api_base);
	while (n > 0 && sl->api_base[n - 1] == '/')
		sl->api_base[--n] = '\0';
	*priv = sl;
	return (0);
}

static void
slack_free(void *priv)
{
	struct slack *sl = priv;

	if (sl == NULL)
		return;
	adapter_secret_free(sl->secret);
	adapter_secret_free(sl->token);
	free(sl->bot);
	free(sl->api_base);
	jr_free(&sl->doc);
	free(sl);
}

/* --------------------------------------------------------------- inbound */

/* Unix seconds from a string of 1-18 digits; 0, or -1 if not that. */
static int
slack_ts_parse(const char *s, int64_t *t)
{
	size_t i;
	int64_t v = 0;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= 18)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || s[i] != '\0')
		return (-1);
	*t = v;
	return (0);
}

/* Slack signs "v0:<ts>:<raw body>"; a ts more than 5 min off is a replay. */
static enum adapter_rc
slack_verify(void *priv, const struct webhook *wh, int64_t now)
{
	struct slack *sl = priv;
	unsigned char mac[SIG_SHA256_LEN];
	const char *ts, *sig;
	char base[32];
	int64_t t;
	int n;

	ts = webhook_header(wh, "X-Slack-Request-Timestamp");
	sig = webhook_header(wh, "X-Slack-Signature");
	if (ts == NULL || sig == NULL || strncmp(sig, "v0=", 3) != 0)
		return (ADAPTER_EAUTH);
	if (slack_ts_parse(ts, &t) == -1 || now - t > SLACK_MAX_SKEW ||
	    t - now > SLACK_MAX_SKEW)
		return (ADAPTER_EAUTH);
	n = snprintf(base, sizeof(base), "v0:%s:", ts);
	if (n < 0 || (size_t)n >= sizeof(base))
		return (ADAPTER_EAUTH);
	if (sig_hmac(SIG_SHA256, sl->secret, strlen(sl->secret), base,
		(size_t)n, wh->body, wh->len, mac) == -1)
		return (ADAPTER_EAUTH);
	if (!sig_hex_eq(mac, sizeof(mac), sig + 3))
		return (ADAPTER_EAUTH);
	return (ADAPTER_OK);
}

/* Slash commands are form-encoded, Events API callbacks JSON. */
static int
slack_is_form(const struct webhook *wh)
{
	const char *ct = webhook_header(wh, "Content-Type");
	size_t i;

	if (ct != NULL)
		return (strncasecmp(ct, "application/x-www-form-urlencoded",
			    33) == 0);
	for (i = 0; i < wh->len; i++)
		if (strchr(" \t\r\n", wh->body[i]) == NULL)
			return (wh->body[i] != '{');
	return (0);
}

/* Append s[0..len) to out at *o with &amp; &lt; &gt; decoded. */
static void
slack_put(char *out, size_t *o, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '&' && len - i >= 5 &&
		    memcmp(s + i, "&amp;", 5) == 0) {
			out[(*o)++] = '&';
			i += 4;
		} else if (s[i] == '&' && len - i >= 4 &&
			   memcmp(s + i, "&lt;", 4) == 0) {
			out[(*o)++] = '<';
			i += 3;
		} else if (s[i] == '&' && len - i >= 4 &&
			   memcmp(s + i, "&gt;", 4) == 0) {
			out[(*o)++] = '>';
			i += 3;
		} else
			out[(*o)++] = s[i];
	}
}

/* Record user id[0..idlen) (label: "name" of <@U|name>) once in ev. */
static void
slack_mention_add(struct chat_event *ev, const char *id, size_t idlen,
    const char *label, size_t llen)
{
	struct chat_user *u;
	char *name;
	size_t i, o = 0;

	if (idlen == 0 || idlen >= CHAT_ID_MAX)
		return;
	for (i = 0; i < ev->nmentions; i++)
		if (strlen(ev->mentions[i].id) == idlen &&
		    memcmp(ev->mentions[i].id, id, idlen) == 0)
			return;
	if (ev->nmentions >= CHAT_MENTIONS_MAX)
		return;
	u = &ev->mentions[ev->nmentions++];
	xmemlcpy_utf8(u->id, id, idlen, sizeof(u->id));
	if (label != NULL && llen > 0) {
		name = xmalloc(llen + 1);
		slack_put(name, &o, label, llen);
		xmemlcpy_utf8(u->name, name, o, sizeof(u->name));
		free(name);
	}
}

/*
 * Turn Slack's message markup in[0..n) into plain text in ev->text:
 * <@U1|name> becomes "@name" (or "@U1") and goes to mentions[], the bot's
 * own mention is dropped and sets to_bot, <#C1|name> becomes "#name",
 * <!here> "@here", <url|label> the label (else the url), and the entities
 * are decoded.  Every rewrite is shorter than its source, so n + 1 bytes
 * hold the result.  White space at both ends is trimmed.
 */
static void
slack_text(const char *bot, const char *in, size_t n, struct chat_event *ev)
{
	static const char *const spaces[] = { "\xc2\xa0", "\xe3\x80\x80",
		NULL };
	const char *gt, *inner, *bar, *label;
	char *out;
	size_t i = 0, j, o = 0, ilen, idlen, llen, start, end;

	out = xmalloc(n + 1);
	while (i < n) {
		if (in[i] != '<') {
			for (j = i; j < n && in[j] != '<'; j++)
				;
			slack_put(out, &o, in + i, j - i);
			i = j;
			continue;
		}
		if ((gt = memchr(in + i + 1, '>', n - i - 1)) == NULL) {
			slack_put(out, &o, in + i, n - i);
			break;
		}
		inner = in + i + 1;
		ilen = (size_t)(gt - inner);
		i = (size_t)(gt - in) + 1;
		if (ilen == 0)
			continue;
		bar = memchr(inner, '|', ilen);
		idlen = bar != NULL ? (size_t)(bar - inner) : ilen;
		label = bar != NULL ? bar + 1 : NULL;
		llen = bar != NULL ? ilen - idlen - 1 : 0;
		if (inner[0] == '@' && idlen > 1) {
			if (bot != NULL && strlen(bot) == idlen - 1 &&
			    memcmp(bot, inner + 1, idlen - 1) == 0) {
				ev->to_bot = 1;
				continue;
			}
			slack_mention_add(ev, inner + 1, idlen - 1, label,
			    llen);
			out[o++] = '@';
			if (llen > 0)
				slack_put(out, &o, label, llen);
			else
				slack_put(out, &o, inner + 1, idlen - 1);
		} else if (inner[0] == '#' || inner[0] == '!') {
			if (llen > 0 && inner[0] == '!') {
				slack_put(out, &o, label, llen);
				continue;
			}
			out[o++] = inner[0] == '#' ? '#' : '@';
			if (llen > 0)
				slack_put(out, &o, label, llen);
			else
				slack_put(out, &o, inner + 1, idlen - 1);
		} else if (llen > 0)
			slack_put(out, &o, label, llen);
		else
			slack_put(out, &o, inner, idlen);
	}

	/* Trim ASCII white space, NBSP and U+3000 at both ends. */
	adapter_trim_span(out, o, spaces, &start, &end);
	xmemlcpy_utf8(ev->text, out + start, end - start, sizeof(ev->text));
	free(out);
}

/* The user id of a <@U...> mention at the start of text, else "". */
static void
slack_leading_mention(const char *text, char *id, size_t idlen)
{
	size_t n;

	id[0] = '\0';
	text += strspn(text, " \t\r\n");
	if (strncmp(text, "<@", 2) != 0)
		return;
	text += 2;
	n = strcspn(text, "|>");
	if (text[n] == '\0' || n == 0 || n >= idlen)
		return;
	memcpy(id, text, n);
	id[n] = '\0';
}

/*
 * Who the bot is: bot_user_id from the config, else the envelope's
 * authorizations[] entry with is_bot, else the leading mention of text.
 */
static void
slack_bot_id(const struct slack *sl, const char *text, char *id, size_t idlen)
{
	const struct jr_doc *d = &sl->doc;
	jr_ref auths, a;
	const char *uid;

	if (sl->bot[0] != '\0') {
		xstrlcpy_utf8(id, sl->bot, idlen);
		return;
	}
	auths = jr_get(d, JR_ROOT, "authorizations");
	for (a = jr_first(d, auths); a != JR_NONE; a = jr_next(d, auths, a)) {
		uid = jr_str(d, jr_get(d, a, "user_id"));
		if (jr_true(d, jr_get(d, a, "is_bot")) && uid != NULL &&
		    uid[0] != '\0' && strlen(uid) < idlen) {
			xstrlcpy_utf8(id, uid, idlen);
			return;
		}
	}
	slack_leading_mention(text, id, idlen);
}

static enum adapter_rc
slack_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	struct slack *sl = priv;

	if (wh->body == NULL || wh->len == 0)
		return (ADAPTER_EPARSE);
	if (slack_is_form(wh))
		return (slack_parse_command(sl, wh, ev));
	return (slack_parse_json(sl, wh, ev, rep));
}

/*
 * A slash command post: "/signup" with text "3" becomes the message
 * "/signup 3" addressed to the bot.  Its trigger_id is the dedup key and
 * its response_url the reply endpoint (valid 30 minutes).
 */
static enum adapter_rc
slack_parse_command(struct slack *sl, const struct webhook *wh,
    struct chat_event *ev)
{
	char cmd[128], chan[CHAT_ID_MAX], user[CHAT_ID_MAX];
	char uname[CHAT_NAME_MAX], trig[CHAT_ID_MAX], cname[CHAT_NAME_MAX];
	char *text, *url, *line;
	const char *ts;
	int64_t at = 0;
	int found;

	if (!adapter_form_get(wh->body, wh->len, "command", cmd, sizeof(cmd))) {
		/* Interactivity (buttons, shortcuts): nothing for core. */
		text = xmalloc(wh->len + 1);
		found = adapter_form_get(wh->body, wh->len, "payload", text,
		    wh->len + 1);
		free(text);
		return (found ? ADAPTER_SKIP : ADAPTER_EPARSE);
	}
	if (cmd[0] != '/' || cmd[1] == '\0' ||
	    !adapter_form_get(wh->body, wh->len, "channel_id", chan,
		sizeof(chan)) ||
	    chan[0] == '\0' ||
	    !adapter_form_get(wh->body, wh->len, "user_id", user,
		sizeof(user)) ||
	    user[0] == '\0')
		return (ADAPTER_EPARSE);
	if (!adapter_form_get(wh->body, wh->len, "user_name", uname,
		sizeof(uname)))
		uname[0] = '\0';
	if (!adapter_form_get(wh->body, wh->len, "trigger_id", trig,
		sizeof(trig)))
		trig[0] = '\0';
	if (!adapter_form_get(wh->body, wh->len, "channel_name", cname,
		sizeof(cname)))
		cname[0] = '\0';
	/* Decoding only shrinks, so len + 1 always fits. */
	text = xmalloc(wh->len + 1);
	url = xmalloc(wh->len + 1);
	if (!adapter_form_get(wh->body, wh->len, "text", text, wh->len + 1))
		text[0] = '\0';
	if (!adapter_form_get(wh->body, wh->len, "response_url", url,
		wh->len + 1))
		url[0] = '\0';
	/* The form has no time of its own; the signed one is in a header. */
	if ((ts = webhook_header(wh, "X-Slack-Request-Timestamp")) != NULL &&
	    slack_ts_parse(ts, &at) == -1)
		at = 0;

	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	ev->at = at;
	xstrlcpy_utf8(ev->event_id, trig, sizeof(ev->event_id));
	xstrlcpy_utf8(ev->chat, chan, sizeof(ev->chat));
	if (strcmp(cname, "directmessage") != 0 &&
	    strcmp(cname, "privategroup") != 0)
		xstrlcpy_utf8(ev->chat_title, cname, sizeof(ev->chat_title));
	xstrlcpy_utf8(ev->from.id, user, sizeof(ev->from.id));
	xstrlcpy_utf8(ev->from.name, uname, sizeof(ev->from.name));
	xstrlcpy_utf8(ev->from.username, uname, sizeof(ev->from.username));
	ev->is_group = chan[0] != 'D' && strcmp(cname, "directmessage") != 0;
	if (strlen(url) < sizeof(ev->reply_url)) {
		xstrlcpy_utf8(ev->reply_url, url, sizeof(ev->reply_url));
		if (url[0] != '\0' && at != 0)
			ev->reply_url_expires = at + SLACK_HOOK_LIFE;
	}
	line = text[0] != '\0' ? xasprintf("%s %s", cmd, text) : xstrdup(cmd);
	slack_text(sl->bot[0] != '\0' ? sl->bot : NULL, line, strlen(line), ev);
	ev->to_bot = 1;
	free(line);
	free(text);
	free(url);
	return (ADAPTER_OK);
}

static enum adapter_rc
slack_parse_json(struct slack *sl, const struct webhook *wh,
    struct chat_event *ev, struct webreply *rep)
{
	const struct jr_doc *d = &sl->doc;
	jr_ref event;
	const char *type, *etype, *chal;

	if (jr_parse(&sl->doc, wh->body, wh->len) == -1)
		return (ADAPTER_EPARSE);
	if (jr_type(d, JR_ROOT) != JR_OBJECT ||
	    (type = jr_str(d, jr_get(d, JR_ROOT, "type"))) == NULL)
		return (ADAPTER_EPARSE);

	if (strcmp(type, "url_verification") == 0) {
		/* slack.md section 2: plain text is one accepted answer. */
		chal = jr_str(d, jr_get(d, JR_ROOT, "challenge"));
		if (chal == NULL || chal[0] == '\0')
			return (ADAPTER_EPARSE);
		rep->status = 200;
		rep->body = xstrdup(chal);
		rep->ctype = "text/plain";
		return (ADAPTER_REPLY);
	}
	if (strcmp(type, "event_callback") != 0)
		return (ADAPTER_SKIP); /* app_rate_limited and the like */
	event = jr_get(d, JR_ROOT, "event");
	if (jr_type(d, event) != JR_OBJECT ||
	    (etype = jr_str(d, jr_get(d, event, "type"))) == NULL)
		return (ADAPTER_EPARSE);
	if (strcmp(etype, "message") == 0)
		return (slack_parse_message(sl, event, 0, ev));
	if (strcmp(etype, "app_mention") == 0)
		return (slack_parse_message(sl, event, 1, ev));
	if (strcmp(etype, "member_joined_channel") == 0)
		return (slack_parse_member(sl, event, CHAT_JOIN, ev));
	if (strcmp(etype, "member_left_channel") == 0)
		return (slack_parse_member(sl, event, CHAT_LEAVE, ev));
	return (ADAPTER_SKIP);
}

/*
 * A message or app_mention event.  The dedup key is "<channel>:<ts>", not
 * the envelope's event_id: an app subscribed to both message.* and
 * app_mention gets the same message twice under two event_ids, and a
 * channel's ts is unique per message (slack.md section 1), so one key
 * covers both deliveries and every retry of either.
 */
static enum adapter_rc
slack_parse_message(struct slack *sl, jr_ref event, int mention,
    struct chat_event *ev)
{
	const struct jr_doc *d = &sl->doc;
	jr_ref sub, prof, et;
	const char *chan, *user, *ts, *text, *thread, *ctype, *name;
	char bot[CHAT_ID_MAX];
	size_t textlen;
	int64_t at = 0;

	sub = jr_get(d, event, "subtype");
	if (sub != JR_NONE && jr_type(d, sub) != JR_NULL) {
		if (jr_type(d, sub) != JR_STRING)
			return (ADAPTER_EPARSE);
		/* Edits, deletes, joins, bot posts, files: not commands. */
		if (strcmp(jr_str(d, sub), "thread_broadcast") != 0)
			return (ADAPTER_SKIP);
	}
	sub = jr_get(d, event, "bot_id");
	if (sub != JR_NONE && jr_type(d, sub) != JR_NULL)
		return (ADAPTER_SKIP); /* a bot's post, ours included */
	chan = jr_str(d, jr_get(d, event, "channel"));
	user = jr_str(d, jr_get(d, event, "user"));
	ts = jr_str(d, jr_get(d, event, "ts"));
	sub = jr_get(d, event, "text");
	text =
	    sub == JR_NONE || jr_type(d, sub) == JR_NULL ? "" : jr_str(d, sub);
	textlen = jr_len(d, sub); /* 0 for "" */
	if (chan == NULL || user == NULL || ts == NULL || text == NULL ||
	    chan[0] == '\0' || user[0] == '\0' || ts[0] == '\0' ||
	    strlen(chan) >= CHAT_ID_MAX || strlen(user) >= CHAT_ID_MAX ||
	    strlen(ts) >= CHAT_ID_MAX)
		return (ADAPTER_EPARSE);
	thread = jr_str(d, jr_get(d, event, "thread_ts"));
	ctype = jr_str(d, jr_get(d, event, "channel_type"));

	slack_bot_id(sl, text, bot, sizeof(bot));
	if (bot[0] != '\0' && strcmp(bot, user) == 0)
		return (ADAPTER_SKIP); /* our own post without bot_id */

	et = jr_get(d, JR_ROOT, "event_time");
	if (jr_type(d, et) == JR_INTEGER)
		at = jr_int(d, et);
	else
		at = strtoll(ts, NULL, 10);

	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	ev->at = at;
	snprintf(ev->event_id, sizeof(ev->event_id), "%s:%s", chan, ts);
	xstrlcpy_utf8(ev->chat, chan, sizeof(ev->chat));
	xstrlcpy_utf8(ev->msg_id, ts, sizeof(ev->msg_id));
	if (thread != NULL)
		xstrlcpy_utf8(ev->thread, thread, sizeof(ev->thread));
	xstrlcpy_utf8(ev->from.id, user, sizeof(ev->from.id));
	/* Names are not in events (users.info); take a profile if sent. */
	prof = jr_get(d, event, "user_profile");
	if (jr_type(d, prof) == JR_OBJECT) {
		name = jr_str(d, jr_get(d, prof, "display_name"));
		if (name == NULL || name[0] == '\0')
			name = jr_str(d, jr_get(d, prof, "real_name"));
		if (name != NULL)
			xstrlcpy_utf8(ev->from.name, name,
			    sizeof(ev->from.name));
		name = jr_str(d, jr_get(d, prof, "name"));
		if (name != NULL)
			xstrlcpy_utf8(ev->from.username, name,
			    sizeof(ev->from.username));
	}
	if (ctype != NULL)
		ev->is_group = strcmp(ctype, "im") != 0;
	else
		ev->is_group = chan[0] != 'D';
	slack_text(bot[0] != '\0' ? bot : NULL, text, textlen, ev);
	if (mention || !ev->is_group)
		ev->to_bot = 1; /* a direct message is for the bot */
	return (ADAPTER_OK);
}

/* member_joined_channel / member_left_channel. */
static enum adapter_rc
slack_parse_member(struct slack *sl, jr_ref event, enum chat_kind kind,
    struct chat_event *ev)
{
	const struct jr_doc *d = &sl->doc;
	const char *chan, *user, *id, *ets;
	jr_ref et;

	chan = jr_str(d, jr_get(d, event, "channel"));
	user = jr_str(d, jr_get(d, event, "user"));
	if (chan == NULL || user == NULL || chan[0] == '\0' ||
	    user[0] == '\0' || strlen(chan) >= CHAT_ID_MAX ||
	    strlen(user) >= CHAT_ID_MAX)
		return (ADAPTER_EPARSE);
	id = jr_str(d, jr_get(d, JR_ROOT, "event_id"));
	ets = jr_str(d, jr_get(d, event, "event_ts"));

	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	et = jr_get(d, JR_ROOT, "event_time");
	if (jr_type(d, et) == JR_INTEGER)
		ev->at = jr_int(d, et);
	else if (ets != NULL)
		ev->at = strtoll(ets, NULL, 10);
	if (id != NULL)
		xstrlcpy_utf8(ev->event_id, id, sizeof(ev->event_id));
	xstrlcpy_utf8(ev->chat, chan, sizeof(ev->chat));
	xstrlcpy_utf8(ev->from.id, user, sizeof(ev->from.id));
	ev->is_group = chan[0] != 'D';
	return (ADAPTER_OK);
}

/* -------------------------------------------------------------- outbound */

char *
slack_escape(const char *s)
{
	size_t n = 0, o = 0, i;
	char *out;

	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '&' ? 5 : (s[i] == '<' || s[i] == '>') ? 4 : 1;
	out = xmalloc(n + 1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '&') {
			memcpy(out + o, "&amp;", 5);
			o += 5;
		} else if (s[i] == '<') {
			memcpy(out + o, "&lt;", 4);
			o += 4;
		} else if (s[i] == '>') {
			memcpy(out + o, "&gt;", 4);
			o += 4;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (out);
}

/* "https://host/anything" -> "https://host/...": paths may hold secrets. */
static char *
slack_url_origin(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (p == NULL)
		return (xstrdup("-"));
	p += 3;
	n = strcspn(p, "/?#");
	return (xasprintf("%.*s/...", (int)(p - url + n), url));
}

/*
 * chat.postMessage with the bot token, or, for the reply to a slash
 * command (msg->reply_url set), its response_url: that needs no token and
 * works in channels the bot is not a member of.  Slack has no quoting: a
 * reply goes into the thread of the message it answers.
 */
static int
slack_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	struct slack *sl = priv;
	const char *thread = NULL;
	char *esc, *text;
	json_t *body;
	int hook;

	memset(req, 0, sizeof(*req));
	if (msg->chat == NULL || msg->chat[0] == '\0' || msg->text == NULL)
		return (-1);
	if (msg->mention_id != NULL && msg->mention_id[0] != '\0' &&
	    !slack_id_valid(msg->mention_id, 0))
		return (-1);
	esc = slack_escape(msg->text);
	if (msg->mention_id != NULL && msg->mention_id[0] != '\0') {
		text = xasprintf("<@%s> %s", msg->mention_id, esc);
		free(esc);
	} else
		text = esc;

	hook = msg->reply_url != NULL &&
	       (strncmp(msg->reply_url, "https://", 8) == 0 ||
		   strncmp(msg->reply_url, "http://", 7) == 0);
	if (hook)
		body = json_pack("{s:s, s:s}", "text", text, "response_type",
		    "in_channel");
	else {
		if (msg->thread != NULL && msg->thread[0] != '\0')
			thread = msg->thread;
		else if (msg->reply_to != NULL && msg->reply_to[0] != '\0')
			thread = msg->reply_to;
		body =
		    json_pack("{s:s, s:s}", "channel", msg->chat, "text", text);
		if (body != NULL && thread != NULL &&
		    json_object_set_new(body, "thread_ts",
			json_string(thread)) == -1) {
			json_decref(body);
			body = NULL;
		}
	}
	free(text);
	if ((req->body = adapter_json_dump(body)) == NULL) /* not UTF-8 */
		return (-1);

	req->method = "POST";
	req->hdr[0] = xstrdup("Content-Type: application/json; charset=utf-8");
	if (hook) {
		req->url = xstrdup(msg->reply_url);
		req->log_url = slack_url_origin(msg->reply_url);
	} else {
		req->url = xasprintf("%s/chat.postMessage", sl->api_base);
		req->log_url = xstrdup(req->url);
		req->hdr[1] = xasprintf("Authorization: Bearer %s", sl->token);
	}
	return (0);
}

/*
 * conversations.kick with the bot token (scopes channels:manage /
 * groups:write).  Direct messages (D...) have no members to remove, and
 * the bot does not remove itself (bot_user_id, when configured); the
 * API's refusals (not_in_channel, cant_kick_self, restricted_action, ...)
 * come back as {"ok":false} and classify makes them SEND_FAIL.
 */
static int
slack_kick(void *priv, const char *chat, const char *user, int64_t now,
    struct httpreq *req)
{
	struct slack *sl = priv;

	(void)now;
	memset(req, 0, sizeof(*req));
	if (chat == NULL || !slack_id_valid(chat, 0) ||
	    strchr("CG", chat[0]) == NULL || !slack_id_valid(user, 1) ||
	    strcmp(user, sl->bot) == 0)
		return (-1);
	if ((req->body = adapter_json_dump(json_pack("{s:s, s:s}", "channel",
		 chat, "user", user))) == NULL)
		return (-1);
	req->method = "POST";
	req->url = xasprintf("%s/conversations.kick", sl->api_base);
	req->log_url = xstrdup(req->url);
	req->hdr[0] = xstrdup("Content-Type: application/json; charset=utf-8");
	req->hdr[1] = xasprintf("Authorization: Bearer %s", sl->token);
	return (0);
}

/*
 * HTTP 200 can still be a failure: the verdict is in "ok" and "error".
 * A bot token cannot be renewed by bot/, so auth errors are failures.
 */
static enum send_rc
slack_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	struct slack *sl = priv;
	const struct jr_doc *d = &sl->doc;
	const char *error;
	int64_t ra;

	*retry_ms = 0;
	ra = adapter_resp_retry_after_ms(r);
	if (r->status == 0 || r->status >= 500)
		return (SEND_RETRY);
	if (r->status == 429) {
		*retry_ms = ra > 0 ? ra : 0;
		return (SEND_RETRY);
	}
	if (r->status != 200)
		return (SEND_FAIL);
	/* response_url answers a bare "ok". */
	if (r->len == 2 && memcmp(r->body, "ok", 2) == 0)
		return (SEND_OK);
	if (r->body == NULL || jr_parse(&sl->doc, r->body, r->len) == -1)
		return (SEND_FAIL);
	if (jr_true(d, jr_get(d, JR_ROOT, "ok")))
		return (SEND_OK);
	error = jr_str(d, jr_get(d, JR_ROOT, "error"));
	if (error != NULL && strcmp(error, "ratelimited") == 0) {
		*retry_ms = ra > 0 ? ra : 0;
		return (SEND_RETRY);
	}
	return (SEND_FAIL);
}
