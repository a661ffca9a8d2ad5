/*
 * console.c -- "CHAT USER: TEXT" lines in, "[CHAT] text" lines out, so the
 * bot can be tried from a terminal.  bot/ feeds stdin lines to parse and
 * writes a formatted request's body to stdout when its url is NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/console.h"
#include "core/xmem.h"

#define CONSOLE_TEXT_MAX 65536

/* No settings yet; allocated so that priv is never NULL for bot/. */
struct console {
	int reserved;
};

static adapter_init_fn console_init;
static adapter_free_fn console_free;
static adapter_verify_fn console_verify;
static adapter_parse_fn console_parse;
static adapter_format_fn console_format;
static adapter_classify_fn console_classify;

static int console_utf8_valid(const char *, size_t);
static size_t console_width(const char *);

const struct adapter_ops adapter_console = {
	.platform = "console",
	.text_max = CONSOLE_TEXT_MAX,
	.init = console_init,
	.free = console_free,
	.verify = console_verify,
	.parse = console_parse,
	.format = console_format,
	.classify = console_classify,
	.auth_due = NULL,
	.auth_request = NULL,
	.auth_parse = NULL,
};

/* Accepts {} (and api_base, which every adapter may carry, unused). */
static int
console_init(void **priv, const json_t *conf, char *err, size_t errlen)
{
	static const char *const keys[] = { "api_base", NULL };
	const char *val[1];

	*priv = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "config: expected an object");
		return (-1);
	}
	if (adapter_conf_strs(conf, keys, val, err, errlen) != 0)
		return (-1);
	*priv = xcalloc(1, sizeof(struct console));
	return (0);
}

static void
console_free(void *priv)
{
	free(priv);
}

/* A terminal has no signature to check. */
static enum adapter_rc
console_verify(void *priv, const struct webhook *wh, int64_t now)
{
	(void)priv;
	(void)wh;
	(void)now;
	return (ADAPTER_OK);
}

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
static int
console_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else
			return (0);
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/*
 * One line "CHAT USER: TEXT".  Lines starting with '>' (the bot's own
 * output pasted back) and blank lines are skipped.  There is no event id
 * (no dedup) and no timestamp: .at is 0.
 */
static enum adapter_rc
console_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	const char *s = wh->body, *user, *colon;
	size_t len = wh->len, i, clen, ulen;

	(void)priv;
	(void)rep;
	if (s == NULL)
		len = 0;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[0] == '>')
		return (ADAPTER_SKIP);
	if (memchr(s, '\0', len) != NULL || memchr(s, '\n', len) != NULL ||
	    memchr(s, '\r', len) != NULL || !console_utf8_valid(s, len))
		return (ADAPTER_EPARSE);

	for (clen = 0; clen < len && s[clen] != ' ' && s[clen] != ':'; clen++)
		;
	if (clen == 0 || clen >= len || s[clen] != ' ' || clen >= CHAT_ID_MAX)
		return (ADAPTER_EPARSE);
	for (i = clen; i < len && s[i] == ' '; i++)
		;
	user = s + i;
	if ((colon = memchr(user, ':', len - i)) == NULL)
		return (ADAPTER_EPARSE);
	ulen = (size_t)(colon - user);
	if (ulen == 0 || memchr(user, ' ', ulen) != NULL ||
	    memchr(user, '\t', ulen) != NULL || ulen >= CHAT_ID_MAX ||
	    ulen >= CHAT_NAME_MAX)
		return (ADAPTER_EPARSE);
	for (i = (size_t)(colon - s) + 1;
	     i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len)
		return (ADAPTER_SKIP); /* "chat user:" says nothing */

	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	ev->is_group = 1;
	xmemlcpy_utf8(ev->chat, s, clen, sizeof(ev->chat));
	xmemlcpy_utf8(ev->from.id, user, ulen, sizeof(ev->from.id));
	xmemlcpy_utf8(ev->from.name, user, ulen, sizeof(ev->from.name));
	xmemlcpy_utf8(ev->from.username, user, ulen, sizeof(ev->from.username));
	/* @word tokens stay in the text: core resolves them. */
	xmemlcpy_utf8(ev->text, s + i, len - i, sizeof(ev->text));
	return (ADAPTER_OK);
}

/* Display width of s in characters (UTF-8 lead bytes). */
static size_t
console_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return (w);
}

/*
 * "[CHAT] name: text\n"; the lines after the first are indented to line up
 * under the first character of text.
 */
static int
console_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	const char *name = NULL, *p, *nl;
	char *prefix, *out;
	size_t len, cap, width, o, n;

	(void)priv;
	memset(req, 0, sizeof(*req));
	if (msg->chat == NULL || msg->chat[0] == '\0' || msg->text == NULL)
		return (-1);
	len = strlen(msg->text);
	while (len > 0 &&
	       (msg->text[len - 1] == '\n' || msg->text[len - 1] == '\r'))
		len--;
	if (len == 0 || !console_utf8_valid(msg->text, len) ||
	    !console_utf8_valid(msg->chat, strlen(msg->chat)))
		return (-1);
	if (msg->mention_name != NULL && msg->mention_name[0] != '\0')
		name = msg->mention_name;
	else if (msg->mention_id != NULL && msg->mention_id[0] != '\0')
		name = msg->mention_id;
	if (name != NULL && !console_utf8_valid(name, strlen(name)))
		return (-1);

	prefix = xasprintf("[%s] %s%s", msg->chat, name != NULL ? name : "",
	    name != NULL ? ": " : "");
	width = console_width(msg->chat) + 3;
	/* Worst case every byte is a newline followed by the indent. */
	cap = strlen(prefix) + len * (width + 1) + 2;
	out = xmalloc(cap);
	o = strlen(prefix);
	memcpy(out, prefix, o);
	free(prefix);
	for (p = msg->text; p < msg->text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(msg->text + len - p));
		if (nl == NULL)
			nl = msg->text + len;
		n = (size_t)(nl - p);
		if (p != msg->text) {
			out[o++] = '\n';
			memset(out + o, ' ', width);
			o += width;
		}
		memcpy(out + o, p, n);
		o += n;
	}
	out[o++] = '\n';
	out[o] = '\0';
	req->body = out;
	req->url = NULL; /* not HTTP: bot/ writes the body to stdout */
	req->log_url = xstrdup("stdout");
	return (0);
}

/* Writing to a terminal either happened or bot/ already knows why not. */
static enum send_rc
console_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	(void)priv;
	(void)r;
	*retry_ms = 0;
	return (SEND_OK);
}
