/*
 * telegram.c -- Telegram Bot API webhook updates in, sendMessage out.
 * Wire details and test vectors: shared/platforms/telegram.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/jread.h"
#include "adapters/sig.h"
#include "adapters/telegram.h"
#include "core/xmem.h"

#define TELEGRAM_API_BASE   "https://api.telegram.org"
#define TELEGRAM_SECRET_HDR "X-Telegram-Bot-Api-Secret-Token"
#define TELEGRAM_SECRET_MAX 256       /* setWebhook's limit */
#define TELEGRAM_TEXT_MAX   4096      /* characters; bytes is conservative */
#define TELEGRAM_ENTITY_MAX (1 << 20) /* UTF-16 units; larger is garbage */
#define TELEGRAM_RETRY_MAX  3600      /* seconds of retry_after we believe */

#define TELEGRAM_KICK_S 60 /* a removal, not a ban for ever */

struct telegram {
	char *token;    /* "123456:ABC-DEF...", sits in the API path */
	char *secret;   /* webhook secret_token, checks inbound */
	char *api_base; /* no trailing '/' */
	char *username; /* the bot's @username without '@', or NULL */
	char bot_id[CHAT_ID_MAX]; /* digits before ':' in the token, or "" */
	struct jr_doc doc;        /* the last update or answer read */
};

static adapter_init_fn telegram_init;
static adapter_free_fn telegram_free;
static adapter_verify_fn telegram_verify;
static adapter_parse_fn telegram_parse;
static adapter_format_fn telegram_format;
static adapter_kick_fn telegram_kick;
static adapter_classify_fn telegram_classify;

static int telegram_token_valid(const char *);
static int telegram_user(const struct jr_doc *, jr_ref, struct chat_user *,
    int *);
static int telegram_is_me(const struct telegram *, const struct chat_user *);
static int telegram_name_is_me(const struct telegram *, const char *, size_t);
static struct chat_user *telegram_mention_slot(struct chat_event *);
static enum adapter_rc telegram_entities(const struct telegram *, const char *,
    size_t, const struct jr_doc *, jr_ref, struct chat_event *);
static size_t telegram_space_len(const char *, size_t);
static size_t telegram_utf16_len(const char *);
static int telegram_decimal(const char *, json_int_t *);

const struct adapter_ops adapter_telegram = {
	.platform = "telegram",
	.text_max = TELEGRAM_TEXT_MAX,
	.init = telegram_init,
	.free = telegram_free,
	.verify = telegram_verify,
	.parse = telegram_parse,
	.format = telegram_format,
	.kick = telegram_kick,
	.classify = telegram_classify,
	.auth_due = NULL,
	.auth_request = NULL,
	.auth_parse = NULL,
};

int
telegram_secret_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return (0);
	n = strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	return (n >= 1 && n <= TELEGRAM_SECRET_MAX && s[n] == '\0');
}

/* The token goes into a URL path: allow only what BotFather issues. */
static int
telegram_token_valid(const char *s)
{
	size_t n;

	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123"
		      "456789_-:");
	return (n >= 1 && s[n] == '\0');
}

int
telegram_utf16_offset(const char *s, size_t len, size_t u16, size_t *off)
{
	size_t i = 0, u = 0, n, units;
	unsigned char c;

	while (u < u16) {
		if (i >= len)
			return (-1);
		c = (unsigned char)s[i];
		if (c < 0xc0)
			n = 1; /* ASCII, or a stray continuation byte */
		else if (c < 0xe0)
			n = 2;
		else if (c < 0xf0)
			n = 3;
		else
			n = 4;
		/* Outside the BMP: a surrogate pair, two code units. */
		units = n == 4 ? 2 : 1;
		if (u + units > u16 || i + n > len)
			return (-1);
		u += units;
		i += n;
	}
	*off = i;
	return (0);
}

/* Length of s in UTF-16 code units (s is valid UTF-8). */
static size_t
telegram_utf16_len(const char *s)
{
	size_t u = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c & 0xc0) == 0x80)
			continue;
		u += c >= 0xf0 ? 2 : 1;
	}
	return (u);
}

static int
telegram_init(void **priv, const json_t *conf, char *err, size_t errlen)
{
	struct telegram *tg;
	static const char *const keys[] = { "token", "secret_token", "api_base",
		"username", NULL };
	const char *val[4] = { NULL, NULL, NULL, NULL };
	const char *token, *secret, *base, *user;
	size_t n;

	*priv = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "config: expected an object");
		return (-1);
	}
	if (adapter_conf_strs(conf, keys, val, err, errlen) != 0)
		return (-1);
	token = val[0];
	secret = val[1];
	base = val[2] != NULL ? val[2] : TELEGRAM_API_BASE;
	user = val[3];
	if (token == NULL) {
		snprintf(err, errlen, "token: missing");
		return (-1);
	}
	if (!telegram_token_valid(token)) {
		snprintf(err, errlen,
		    "token: invalid (expected a BotFather token)");
		return (-1);
	}
	if (secret == NULL) {
		snprintf(err, errlen, "secret_token: missing");
		return (-1);
	}
	if (!telegram_secret_valid(secret)) {
		snprintf(err, errlen,
		    "secret_token: invalid (1-256 of A-Z a-z 0-9 _ -)");
		return (-1);
	}
	if (user != NULL && user[0] == '@')
		user++;
	if (user != NULL && user[0] == '\0')
		user = NULL; /* an unset env: value: no username */
	if (user != NULL && !telegram_token_valid(user)) {
		snprintf(err, errlen, "username: invalid");
		return (-1);
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0) {
		snprintf(err, errlen, "api_base: empty");
		return (-1);
	}

	tg = xcalloc(1, sizeof(*tg));
	tg->token = xstrdup(token);
	tg->secret = xstrdup(secret);
	tg->api_base = xstrndup(base, n);
	if (user != NULL)
		tg->username = xstrdup(user);
	/* A token is "<bot user id>:<key>": lets us recognise ourselves. */
	n = strspn(token, "0123456789");
	if (n > 0 && n < sizeof(tg->bot_id) && token[n] == ':')
		memcpy(tg->bot_id, token, n);
	*priv = tg;
	return (0);
}

static void
telegram_free(void *priv)
{
	struct telegram *tg = priv;

	if (tg == NULL)
		return;
	adapter_secret_free(tg->token);
	adapter_secret_free(tg->secret);
	free(tg->api_base);
	free(tg->username);
	jr_free(&tg->doc);
	free(tg);
}

/* telegram.md section 2: the header must equal the secret, byte for byte. */
static enum adapter_rc
telegram_verify(void *priv, const struct webhook *wh, int64_t now)
{
	struct telegram *tg = priv;
	const char *got;

	(void)now;
	got = webhook_header(wh, TELEGRAM_SECRET_HDR);
	if (got == NULL || got[0] == '\0' || !sig_streq(got, tg->secret))
		return (ADAPTER_EAUTH);
	return (ADAPTER_OK);
}

/* Fill *cu from the User object u; 0, or -1 if it is not one. */
static int
telegram_user(const struct jr_doc *d, jr_ref u, struct chat_user *cu,
    int *is_bot)
{
	const char *first, *last, *uname;
	size_t n;

	memset(cu, 0, sizeof(*cu));
	if (jr_type(d, u) != JR_OBJECT ||
	    jr_int_text(d, jr_get(d, u, "id"), cu->id, sizeof(cu->id)) == -1)
		return (-1);
	first = jr_str(d, jr_get(d, u, "first_name"));
	last = jr_str(d, jr_get(d, u, "last_name"));
	uname = jr_str(d, jr_get(d, u, "username"));
	if (uname != NULL)
		xstrlcpy_utf8(cu->username, uname, sizeof(cu->username));
	if (first == NULL || first[0] == '\0')
		first = uname != NULL ? uname : "";
	n = xstrlcpy_utf8(cu->name, first, sizeof(cu->name));
	if (last != NULL && last[0] != '\0' && n + 1 < sizeof(cu->name)) {
		cu->name[n++] = ' ';
		xstrlcpy_utf8(cu->name + n, last, sizeof(cu->name) - n);
	}
	if (is_bot != NULL)
		*is_bot = jr_true(d, jr_get(d, u, "is_bot"));
	return (0);
}

/* 1 if name[0..len) is the configured bot username (any case). */
static int
telegram_name_is_me(const struct telegram *tg, const char *name, size_t len)
{
	return (tg->username != NULL && strlen(tg->username) == len &&
		strncasecmp(tg->username, name, len) == 0);
}

/* 1 if the user is this bot, by username or by the id in the token. */
static int
telegram_is_me(const struct telegram *tg, const struct chat_user *cu)
{
	if (cu->username[0] != '\0' &&
	    telegram_name_is_me(tg, cu->username, strlen(cu->username)))
		return (1);
	return (tg->bot_id[0] != '\0' && strcmp(tg->bot_id, cu->id) == 0);
}

/* The next free mentions[] slot, or NULL when full (extra ones dropped). */
static struct chat_user *
telegram_mention_slot(struct chat_event *ev)
{
	if (ev->nmentions >= CHAT_MENTIONS_MAX)
		return (NULL);
	return (&ev->mentions[ev->nmentions++]);
}

/* Bytes of white space (ASCII, U+00A0, U+3000) at s[0..len). */
static size_t
telegram_space_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (len >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
		return (1);
	if (len >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
		return (2);
	if (len >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return (3);
	return (0);
}

/*
 * Apply the message entities to text[0..len) and store the result in
 * ev->text: the bot's @-mention is cut out (to_bot), other mentions go to
 * mentions[], "/cmd@us" becomes "/cmd".  Entity offsets count UTF-16 code
 * units (telegram.md, "Mentions"); entities that do not fit the text are
 * ignored rather than trusted.  ADAPTER_SKIP for a command to another bot.
 */
static enum adapter_rc
telegram_entities(const struct telegram *tg, const char *text, size_t len,
    const struct jr_doc *d, jr_ref ents, struct chat_event *ev)
{
	unsigned char *drop;
	char *out;
	jr_ref e;
	const char *type;
	struct chat_user *m;
	int64_t o, l;
	size_t i, b0, b1, n;

	drop = xcalloc(len + 1, 1);
	for (e = jr_first(d, ents); e != JR_NONE; e = jr_next(d, ents, e)) {
		type = jr_str(d, jr_get(d, e, "type"));
		o = jr_int(d, jr_get(d, e, "offset"));
		l = jr_int(d, jr_get(d, e, "length"));
		if (type == NULL || o < 0 || l <= 0 ||
		    o > TELEGRAM_ENTITY_MAX || l > TELEGRAM_ENTITY_MAX ||
		    telegram_utf16_offset(text, len, (size_t)o, &b0) == -1 ||
		    telegram_utf16_offset(text, len, (size_t)(o + l), &b1) ==
			-1)
			continue;

		if (strcmp(type, "mention") == 0 && b1 - b0 >= 2 &&
		    text[b0] == '@') {
			if (telegram_name_is_me(tg, text + b0 + 1,
				b1 - b0 - 1)) {
				ev->to_bot = 1;
				memset(drop + b0, 1, b1 - b0);
				/* "a @bot b" reads "a b", not "a  b". */
				if ((b0 == 0 || text[b0 - 1] == ' ') &&
				    text[b1] == ' ')
					drop[b1] = 1;
			} else if ((m = telegram_mention_slot(ev)) != NULL)
				xmemlcpy_utf8(m->username, text + b0 + 1,
				    b1 - b0 - 1, sizeof(m->username));
		} else if (strcmp(type, "text_mention") == 0) {
			struct chat_user u;

			if (telegram_user(d, jr_get(d, e, "user"), &u, NULL) ==
			    -1)
				continue;
			if (telegram_is_me(tg, &u)) {
				ev->to_bot = 1;
				memset(drop + b0, 1, b1 - b0);
			} else if ((m = telegram_mention_slot(ev)) != NULL)
				*m = u;
		} else if (strcmp(type, "bot_command") == 0 && b0 == 0) {
			const char *at = memchr(text, '@', b1);

			if (at == NULL)
				continue;
			n = (size_t)(at - text);
			if (tg->username != NULL &&
			    !telegram_name_is_me(tg, at + 1, b1 - n - 1)) {
				free(drop);
				return (ADAPTER_SKIP); /* for another bot */
			}
			ev->to_bot = 1;
			memset(drop + n, 1, b1 - n);
		}
	}

	out = xmalloc(len + 1);
	for (i = 0, n = 0; i < len; i++)
		if (!drop[i])
			out[n++] = text[i];
	free(drop);
	for (i = 0; i < n && (b0 = telegram_space_len(out + i, n - i)) > 0;)
		i += b0;
	xmemlcpy_utf8(ev->text, out + i, n - i, sizeof(ev->text));
	free(out);
	return (ADAPTER_OK);
}

static enum adapter_rc
telegram_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	struct telegram *tg = priv;
	const struct jr_doc *d = &tg->doc;
	jr_ref msg, chat, v, ents;
	const char *type, *text;
	struct chat_user *m;
	int is_bot;

	(void)rep;
	if (wh->body == NULL || jr_parse(&tg->doc, wh->body, wh->len) == -1)
		return (ADAPTER_EPARSE);
	memset(ev, 0, sizeof(*ev));
	if (jr_type(d, JR_ROOT) != JR_OBJECT ||
	    jr_int_text(d, jr_get(d, JR_ROOT, "update_id"), ev->event_id,
		sizeof(ev->event_id)) == -1)
		return (ADAPTER_EPARSE);
	/* Edits, channel posts, member updates, callbacks: nothing for core. */
	if ((msg = jr_get(d, JR_ROOT, "message")) == JR_NONE)
		return (ADAPTER_SKIP);
	chat = jr_get(d, msg, "chat");
	if (jr_type(d, msg) != JR_OBJECT ||
	    jr_int_text(d, jr_get(d, msg, "message_id"), ev->msg_id,
		sizeof(ev->msg_id)) == -1 ||
	    jr_int_text(d, jr_get(d, chat, "id"), ev->chat, sizeof(ev->chat)) ==
		-1)
		return (ADAPTER_EPARSE);

	type = jr_str(d, jr_get(d, chat, "type"));
	ev->is_group = type != NULL && (strcmp(type, "group") == 0 ||
					   strcmp(type, "supergroup") == 0);
	if ((text = jr_str(d, jr_get(d, chat, "title"))) != NULL)
		xstrlcpy_utf8(ev->chat_title, text, sizeof(ev->chat_title));
	ev->at = jr_int(d, jr_get(d, msg, "date"));
	if (jr_true(d, jr_get(d, msg, "is_topic_message")))
		jr_int_text(d, jr_get(d, msg, "message_thread_id"), ev->thread,
		    sizeof(ev->thread));

	/* Service messages (telegram.md, "Join / leave"); bots are skipped. */
	if ((v = jr_first(d, jr_get(d, msg, "new_chat_members"))) != JR_NONE) {
		ents = jr_get(d, msg, "new_chat_members");
		ev->kind = CHAT_JOIN;
		for (; v != JR_NONE; v = jr_next(d, ents, v)) {
			struct chat_user u;

			if (telegram_user(d, v, &u, &is_bot) == -1)
				return (ADAPTER_EPARSE);
			if (is_bot)
				continue;
			if (ev->from.id[0] == '\0')
				ev->from = u;
			else if ((m = telegram_mention_slot(ev)) != NULL)
				*m = u;
		}
		return (ev->from.id[0] != '\0' ? ADAPTER_OK : ADAPTER_SKIP);
	}
	if ((v = jr_get(d, msg, "left_chat_member")) != JR_NONE) {
		ev->kind = CHAT_LEAVE;
		if (telegram_user(d, v, &ev->from, &is_bot) == -1)
			return (ADAPTER_EPARSE);
		return (is_bot ? ADAPTER_SKIP : ADAPTER_OK);
	}

	ev->kind = CHAT_MESSAGE;
	/* No one to attribute it to. */
	if ((v = jr_get(d, msg, "from")) == JR_NONE)
		return (ADAPTER_SKIP);
	if (telegram_user(d, v, &ev->from, &is_bot) == -1)
		return (ADAPTER_EPARSE);
	/* Other bots, anonymous admins, our echo. */
	if (is_bot)
		return (ADAPTER_SKIP);
	if ((text = jr_str(d, jr_get(d, msg, "text"))) != NULL)
		ents = jr_get(d, msg, "entities");
	else if ((text = jr_str(d, jr_get(d, msg, "caption"))) != NULL)
		ents = jr_get(d, msg, "caption_entities");
	else
		return (ADAPTER_SKIP); /* stickers, photos without caption */

	v = jr_get(d, jr_get(d, msg, "reply_to_message"), "from");
	if (v != JR_NONE) {
		struct chat_user u;

		if (telegram_user(d, v, &u, NULL) == 0 &&
		    !telegram_is_me(tg, &u))
			ev->reply_to = u;
	}
	return (telegram_entities(tg, text, strlen(text), d, ents, ev));
}

/* 1 with *out if s is a plain decimal integer ("-100123"), else 0. */
static int
telegram_decimal(const char *s, json_int_t *out)
{
	size_t neg, n;

	if (s == NULL)
		return (0);
	neg = s[0] == '-';
	n = strspn(s + neg, "0123456789");
	/* 18 digits always fit in 64 bits; ids never start with 0. */
	if (n == 0 || n > 18 || s[neg + n] != '\0' ||
	    (s[neg] == '0' && (n > 1 || neg)))
		return (0);
	*out = strtoll(s, NULL, 10);
	return (1);
}

/* telegram.md section 3: sendMessage, plain text, optional reply/topic. */
static int
telegram_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	struct telegram *tg = priv;
	json_t *root, *chat_id;
	const char *name;
	char *text = NULL, *body;
	json_int_t id;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (msg->chat == NULL || msg->chat[0] == '\0' || msg->text == NULL ||
	    msg->text[0] == '\0')
		return (-1);
	if (telegram_decimal(msg->chat, &id))
		chat_id = json_integer(id);
	else
		chat_id = json_string(msg->chat);
	if (chat_id == NULL)
		return (-1);

	name = NULL;
	if (msg->mention_id != NULL && msg->mention_id[0] != '\0') {
		name = msg->mention_name;
		if (name == NULL || name[0] == '\0')
			name = msg->mention_id;
		text = xasprintf("%s %s", name, msg->text);
	}
	/* "s" fails on invalid UTF-8, which is our "not UTF-8" check. */
	root = json_pack("{s:o, s:s}", "chat_id", chat_id, "text",
	    text != NULL ? text : msg->text);
	if (root == NULL)
		goto out;
	if (name != NULL) {
		json_t *ents = NULL;

		if (telegram_decimal(msg->mention_id, &id))
			ents = json_pack("[{s:s, s:i, s:I, s:{s:I}}]", "type",
			    "text_mention", "offset", 0, "length",
			    (json_int_t)telegram_utf16_len(name), "user", "id",
			    id);
		/* Without a numeric user id the name stays plain text. */
		if (ents != NULL &&
		    json_object_set_new(root, "entities", ents) == -1)
			goto out;
	}
	if (telegram_decimal(msg->reply_to, &id) &&
	    json_object_set_new(root, "reply_parameters",
		json_pack("{s:I, s:b}", "message_id", id,
		    "allow_sending_without_reply", 1)) == -1)
		goto out;
	if (telegram_decimal(msg->thread, &id) &&
	    json_object_set_new(root, "message_thread_id", json_integer(id)) ==
		-1)
		goto out;
	if ((body = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;

	/* jansson allocates with malloc: the body is free()able as is. */
	req->method = "POST";
	req->body = body;
	req->url = xasprintf("%s/bot%s/sendMessage", tg->api_base, tg->token);
	req->log_url = xasprintf("%s/bot<redacted>/sendMessage", tg->api_base);
	req->hdr[0] = xstrdup("Content-Type: application/json");
	rc = 0;
out:
	json_decref(root);
	free(text);
	return (rc);
}

/*
 * Remove user from chat: banChatMember until a minute from now, which
 * Telegram applies as a removal the member may come back from later
 * (a ban shorter than 30 s or longer than 366 days would be for ever).
 * The answer reads like sendMessage's.
 */
static int
telegram_kick(void *priv, const char *chat, const char *user, int64_t now,
    struct httpreq *req)
{
	struct telegram *tg = priv;
	json_int_t cid, uid;
	json_t *root;
	char *body;

	memset(req, 0, sizeof(*req));
	if (chat == NULL || user == NULL || !telegram_decimal(chat, &cid) ||
	    !telegram_decimal(user, &uid) || uid <= 0)
		return (-1);
	root = json_pack("{s:I, s:I, s:I, s:b}", "chat_id", cid, "user_id", uid,
	    "until_date", (json_int_t)(now + TELEGRAM_KICK_S),
	    "revoke_messages", 0);
	if (root == NULL)
		return (-1);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body == NULL)
		return (-1);
	req->method = "POST";
	req->body = body;
	req->url = xasprintf("%s/bot%s/banChatMember", tg->api_base, tg->token);
	req->log_url =
	    xasprintf("%s/bot<redacted>/banChatMember", tg->api_base);
	req->hdr[0] = xstrdup("Content-Type: application/json");
	return (0);
}

/*
 * Decisions rest on the HTTP status and "parameters", not error_code
 * (telegram.md section 3).  A 400 with migrate_to_chat_id is a plain
 * failure here: the interface has no way to hand the new id back.
 */
static enum send_rc
telegram_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	struct telegram *tg = priv;
	const struct jr_doc *d = &tg->doc;
	jr_ref ra;
	int64_t ms;

	*retry_ms = 0;
	if (r->status == 0 || r->status >= 500)
		return (SEND_RETRY);
	/* An answer that is no JSON reads as absent fields: d is empty. */
	jr_parse(&tg->doc, r->body != NULL ? r->body : "", r->len);

	if (r->status == 429) {
		ra = jr_get(d, jr_get(d, JR_ROOT, "parameters"), "retry_after");
		if (jr_type(d, ra) == JR_INTEGER && jr_int(d, ra) >= 0 &&
		    jr_int(d, ra) <= TELEGRAM_RETRY_MAX)
			*retry_ms = jr_int(d, ra) * 1000;
		else if ((ms = adapter_resp_retry_after_ms(r)) >= 0)
			*retry_ms = ms;
		return (SEND_RETRY);
	}
	if (r->status >= 200 && r->status < 300 &&
	    jr_true(d, jr_get(d, JR_ROOT, "ok")))
		return (SEND_OK);
	return (SEND_FAIL); /* 401 bad token, 400, 403 kicked, ... */
}
