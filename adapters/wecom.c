/*
 * wecom.c -- WeCom app and smart-robot callbacks in; group robot webhook,
 * response_url, appchat/send or message/send out.  Wire details and test
 * vectors: shared/platforms/wecom.md; the checks are listed in wecom.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/jread.h"
#include "adapters/sig.h"
#include "adapters/wecom.h"
#include "core/xmem.h"

#define WECOM_API_BASE      "https://qyapi.weixin.qq.com"
#define WECOM_AES_KEY_CHARS 43
#define WECOM_NAME_MAX      64   /* XML element names */
#define WECOM_QUERY_MAX     128  /* msg_signature, timestamp, nonce */
#define WECOM_ECHOSTR_MAX   4096 /* Base64 of a short plaintext */
#define WECOM_TS_DIGITS_MAX 12
/*
 * text.content holds at most 2048 bytes (robot webhook; the app APIs say
 * the same); keep room for an "@name " prefix of up to CHAT_NAME_MAX.
 */
#define WECOM_TEXT_MAX       1900
#define WECOM_FREQ_MS        60000 /* per-minute blocks last 60 s */
#define WECOM_RENEW_S        300   /* renew with < 5 min left ... */
#define WECOM_RENEW_DIV      10    /* ... or < 10% of the lifetime */
#define WECOM_TOKEN_LIFE_MAX 86400
#define WECOM_USER_PREFIX    "user:" /* a 1:1 chat with the app */

enum wecom_kind {
	WECOM_GET = 0, /* URL verification: echostr */
	WECOM_XML,     /* app callback */
	WECOM_JSON,    /* smart-robot callback */
};

/* One opened (checked and decrypted) callback. */
struct wecom_in {
	enum wecom_kind kind;
	struct wecom_plain p;
};

/*
 * The callback verify opened last, kept for parse, which bot/ calls next
 * with the same request: opening it (XML or JSON, SHA-1, Base64, AES) is
 * most of a WeCom webhook's cost.  Parse takes it only if query and body
 * are byte for byte the ones verify opened.
 */
struct wecom_opened {
	struct wecom_in in;
	char *query;
	char *body;
	size_t len;
};

struct wecom {
	char *corp_id;     /* receiveid of app callbacks; or NULL */
	char *corp_secret; /* with corp_id: the app APIs; or NULL */
	char *token;       /* callback Token */
	char *api_base;    /* no trailing '/' */
	int64_t agent_id;  /* 0 = not configured */
	unsigned char key[WECOM_KEY_LEN];
	char *access_token; /* or NULL */
	int64_t token_exp;
	int64_t token_life;
	struct jr_doc doc; /* the last JSON body, plaintext or answer read */
	struct wecom_opened opened; /* body NULL: none */
};

/* Parser state for wecom_xml_parse. */
struct wecom_xp {
	const char *s;
	size_t len, pos;
	struct wecom_xml *x;
};

static adapter_init_fn wecom_init;
static adapter_free_fn wecom_free;
static adapter_verify_fn wecom_verify;
static adapter_parse_fn wecom_parse;
static adapter_format_fn wecom_format;
static adapter_classify_fn wecom_classify;
static adapter_auth_due_fn wecom_auth_due;
static adapter_auth_request_fn wecom_auth_request;
static adapter_auth_parse_fn wecom_auth_parse;

static int wecom_xp_starts(const struct wecom_xp *, const char *);
static int wecom_xp_name(struct wecom_xp *, const char **, size_t *);
static int wecom_xp_entity(struct wecom_xp *, struct adapter_buf *);
static int wecom_xp_element(struct wecom_xp *, int, const char *);
static int wecom_mac(const char *, const char *, const char *, const char *,
    unsigned char *);
static char *wecom_extract(struct wecom *, const struct webhook *,
    enum wecom_kind *, enum adapter_rc *);
static void wecom_opened_clear(struct wecom_opened *);
static int wecom_opened_take(struct wecom *, const struct webhook *,
    struct wecom_in *);
static enum adapter_rc wecom_open(struct wecom *, const struct webhook *,
    const int64_t *, struct wecom_in *);
static int wecom_receiver_ok(struct wecom *, const struct wecom_in *);
static void wecom_trim(char *);
static void wecom_strip_mention(char *);
static enum adapter_rc wecom_parse_xml(const struct wecom_plain *,
    struct chat_event *);
static enum adapter_rc wecom_parse_json(struct wecom *, const struct webhook *,
    const struct wecom_plain *, struct chat_event *);
static char *wecom_content(const struct chat_msg *, int);

const struct adapter_ops adapter_wecom = {
	.platform = "wecom",
	.robots = 1,
	.text_max = WECOM_TEXT_MAX,
	.init = wecom_init,
	.free = wecom_free,
	.verify = wecom_verify,
	.parse = wecom_parse,
	.format = wecom_format,
	.classify = wecom_classify,
	.auth_due = wecom_auth_due,
	.auth_request = wecom_auth_request,
	.auth_parse = wecom_auth_parse,
};

/* ---- the strict XML extractor ---- */

static int
wecom_xp_starts(const struct wecom_xp *p, const char *lit)
{
	size_t n = strlen(lit);

	return (p->len - p->pos >= n && memcmp(p->s + p->pos, lit, n) == 0);
}

static int
wecom_xp_name(struct wecom_xp *p, const char **name, size_t *nlen)
{
	size_t i = p->pos;

	*name = p->s + i;
	if (i >= p->len ||
	    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_",
		p->s[i]) == NULL)
		return (-1);
	while (i < p->len &&
	       strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_.-:",
		   p->s[i]) != NULL &&
	       p->s[i] != '\0')
		i++;
	*nlen = i - p->pos;
	if (*nlen > WECOM_NAME_MAX)
		return (-1);
	p->pos = i;
	return (0);
}

/* At '&': decode one entity into b; 0, or -1 if unknown or invalid. */
static int
wecom_xp_entity(struct wecom_xp *p, struct adapter_buf *b)
{
	static const struct {
		const char *name;
		char c;
	} named[] = { { "lt", '<' }, { "gt", '>' }, { "amp", '&' },
		{ "quot", '"' }, { "apos", '\'' } };
	const char *s = p->s + p->pos + 1, *semi;
	size_t n, i;
	unsigned long cp = 0;
	char u[4];

	semi =
	    memchr(s, ';', p->len - p->pos - 1 < 10 ? p->len - p->pos - 1 : 10);
	if (semi == NULL || semi == s)
		return (-1);
	n = semi - s;
	p->pos += n + 2;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n &&
		    memcmp(named[i].name, s, n) == 0) {
			adapter_buf_add(b, &named[i].c, 1);
			return (0);
		}
	if (s[0] != '#' || n < 2)
		return (-1);
	if (s[1] == 'x') {
		if (n < 3)
			return (-1);
		for (i = 2; i < n; i++) {
			int c = s[i];

			if (c >= '0' && c <= '9')
				cp = cp * 16 + (c - '0');
			else if (c >= 'a' && c <= 'f')
				cp = cp * 16 + (c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				cp = cp * 16 + (c - 'A' + 10);
			else
				return (-1);
		}
	} else {
		for (i = 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return (-1);
			cp = cp * 10 + (s[i] - '0');
		}
	}
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (-1);
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	adapter_buf_add(b, u, n);
	return (0);
}

/*
 * One element at p->pos, its content and end tag.  depth 0 is the root;
 * elements below it are recorded under parent's path.
 */
static int
wecom_xp_element(struct wecom_xp *p, int depth, const char *parent)
{
	struct adapter_buf val = { NULL, 0, 0 };
	const char *name, *name2, *end;
	char *path = NULL;
	size_t nlen, nlen2, i;
	int kids = 0, text = 0;

	if (p->pos >= p->len || p->s[p->pos] != '<')
		return (-1);
	p->pos++;
	if (wecom_xp_name(p, &name, &nlen) != 0)
		return (-1);
	if (depth == 0 && (nlen != 3 || memcmp(name, "xml", 3) != 0))
		return (-1);
	if (depth == 1)
		path = xstrndup(name, nlen);
	else if (depth > 1)
		path = xasprintf("%s/%.*s", parent, (int)nlen, name);

	if (wecom_xp_starts(p, "/>")) {
		p->pos += 2;
		goto record;
	}
	if (!wecom_xp_starts(p, ">"))
		goto fail;
	p->pos++;
	for (;;) {
		if (p->pos >= p->len)
			goto fail;
		if (wecom_xp_starts(p, "<![CDATA[")) {
			p->pos += 9;
			end = memmem(p->s + p->pos, p->len - p->pos, "]]>", 3);
			if (end == NULL)
				goto fail;
			adapter_buf_add(&val, p->s + p->pos,
			    end - (p->s + p->pos));
			p->pos = end + 3 - p->s;
			text = 1;
		} else if (wecom_xp_starts(p, "</")) {
			p->pos += 2;
			if (wecom_xp_name(p, &name2, &nlen2) != 0 ||
			    nlen2 != nlen || memcmp(name, name2, nlen) != 0 ||
			    !wecom_xp_starts(p, ">"))
				goto fail;
			p->pos++;
			break;
		} else if (p->s[p->pos] == '<') {
			if (depth + 1 > WECOM_XML_DEPTH ||
			    wecom_xp_element(p, depth + 1, path) != 0)
				goto fail;
			kids = 1;
		} else if (p->s[p->pos] == '&') {
			if (wecom_xp_entity(p, &val) != 0)
				goto fail;
			text = 1;
		} else {
			char c = p->s[p->pos++];

			adapter_buf_add(&val, &c, 1);
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				text = 1;
		}
	}
	if (kids && text)
		goto fail; /* mixed content: not WeCom's shape */
record:
	if (depth == 0) {
		free(val.s);
		return (0);
	}
	if (p->x->n == WECOM_XML_MAX)
		goto fail;
	if (depth == 1)
		for (i = 0; i < p->x->n; i++)
			if (strcmp(p->x->f[i].path, path) == 0)
				goto fail; /* two <Encrypt>s: refuse */
	p->x->f[p->x->n].path = path;
	if (kids || val.s == NULL) {
		free(val.s);
		p->x->f[p->x->n].val = xstrdup("");
	} else
		p->x->f[p->x->n].val = val.s;
	p->x->n++;
	return (0);
fail:
	free(val.s);
	free(path);
	return (-1);
}

int
wecom_xml_parse(const char *s, size_t len, struct wecom_xml *x)
{
	struct wecom_xp p = { s, len, 0, x };
	const char *end;

	memset(x, 0, sizeof(*x));
	if (s == NULL || memchr(s, '\0', len) != NULL)
		return (-1);
	while (p.pos < len && strchr(" \t\r\n", s[p.pos]) != NULL)
		p.pos++;
	if (wecom_xp_starts(&p, "<?xml")) {
		end = memmem(s + p.pos, len - p.pos, "?>", 2);
		if (end == NULL)
			return (-1);
		p.pos = end + 2 - s;
		while (p.pos < len && strchr(" \t\r\n", s[p.pos]) != NULL)
			p.pos++;
	}
	if (wecom_xp_element(&p, 0, NULL) != 0)
		goto fail;
	while (p.pos < len && strchr(" \t\r\n", s[p.pos]) != NULL)
		p.pos++;
	if (p.pos != len)
		goto fail;
	return (0);
fail:
	wecom_xml_clear(x);
	return (-1);
}

const char *
wecom_xml_get(const struct wecom_xml *x, const char *path, size_t i)
{
	size_t k;

	for (k = 0; k < x->n; k++)
		if (strcmp(x->f[k].path, path) == 0 && i-- == 0)
			return (x->f[k].val);
	return (NULL);
}

void
wecom_xml_clear(struct wecom_xml *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->f[i].path);
		free(x->f[i].val);
	}
	memset(x, 0, sizeof(*x));
}

/* ---- crypto ---- */

int
wecom_aes_key(const char *eak, unsigned char key[WECOM_KEY_LEN])
{
	char b64[WECOM_AES_KEY_CHARS + 2];
	unsigned char out[WECOM_KEY_LEN + 1];
	size_t n;

	if (eak == NULL || strlen(eak) != WECOM_AES_KEY_CHARS ||
	    strspn(eak, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/") != WECOM_AES_KEY_CHARS)
		return (-1);
	memcpy(b64, eak, WECOM_AES_KEY_CHARS);
	b64[WECOM_AES_KEY_CHARS] = '=';
	b64[WECOM_AES_KEY_CHARS + 1] = '\0';
	if (sig_b64_decode(b64, WECOM_AES_KEY_CHARS + 1, out, sizeof(out),
		&n) != 0 ||
	    n != WECOM_KEY_LEN)
		return (-1);
	memcpy(key, out, WECOM_KEY_LEN);
	explicit_bzero(out, sizeof(out));
	return (0);
}

/* SHA-1 over the four strings sorted bytewise, concatenated. */
static int
wecom_mac(const char *token, const char *ts, const char *nonce, const char *enc,
    unsigned char *mac)
{
	const void *part[4] = { token, ts, nonce, enc };
	size_t len[4], i, j;
	const void *t;

	for (i = 1; i < 4; i++)
		for (j = i; j > 0 && strcmp(part[j - 1], part[j]) > 0; j--) {
			t = part[j];
			part[j] = part[j - 1];
			part[j - 1] = t;
		}
	for (i = 0; i < 4; i++)
		len[i] = strlen(part[i]);
	return (sig_digest(SIG_SHA1, part, len, 4, mac));
}

int
wecom_signature(const char *token, const char *ts, const char *nonce,
    const char *enc, char *out)
{
	unsigned char mac[SIG_SHA1_LEN];

	if (wecom_mac(token, ts, nonce, enc, mac) != 0)
		return (-1);
	sig_hex(mac, sizeof(mac), out);
	return (0);
}

int
wecom_decrypt(const unsigned char key[WECOM_KEY_LEN], const char *b64,
    size_t len, struct wecom_plain *out)
{
	unsigned char *raw, *plain;
	size_t rawlen, plen, mlen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len % 4 != 0)
		return (-1);
	raw = xmalloc(len / 4 * 3);
	plain = xmalloc(len / 4 * 3);
	if (sig_b64_decode(b64, len, raw, len / 4 * 3, &rawlen) != 0 ||
	    rawlen < 32 || rawlen % 32 != 0 ||
	    sig_aes256cbc_decrypt(key, key, raw, rawlen, plain) != 0)
		goto done;
	plen = rawlen;
	if (sig_pkcs7_unpad(plain, &plen, 32) != 0 || plen < 20)
		goto done;
	mlen = (size_t)plain[16] << 24 | (size_t)plain[17] << 16 |
	       (size_t)plain[18] << 8 | (size_t)plain[19];
	if (mlen > plen - 20 ||
	    memchr(plain + 20 + mlen, '\0', plen - 20 - mlen) != NULL)
		goto done;
	out->msg = xmalloc(mlen + 1);
	memcpy(out->msg, plain + 20, mlen);
	out->msg[mlen] = '\0';
	out->len = mlen;
	out->receiveid = xstrndup((char *)plain + 20 + mlen, plen - 20 - mlen);
	rc = 0;
done:
	explicit_bzero(plain, len / 4 * 3);
	free(plain);
	free(raw);
	return (rc);
}

void
wecom_plain_clear(struct wecom_plain *p)
{
	if (p->msg != NULL) {
		explicit_bzero(p->msg, p->len);
		free(p->msg);
	}
	free(p->receiveid);
	memset(p, 0, sizeof(*p));
}

/* ---- instance ---- */

static int
wecom_init(void **privp, const json_t *conf, char *err, size_t errlen)
{
	static const char *const known[] = { "corp_id", "corp_secret",
		"agent_id", "token", "encoding_aes_key", "api_base", NULL };
	struct wecom *w;
	const json_t *v;
	char *eak = NULL, *api = NULL, *agent = NULL;

	*privp = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "expected an object");
		return (-1);
	}
	if (adapter_conf_known(conf, known, err, errlen) != 0)
		return (-1);

	w = xcalloc(1, sizeof(*w));
	if (adapter_conf_str(conf, "corp_id", 0, &w->corp_id, err, errlen) ||
	    adapter_conf_str(conf, "corp_secret", 0, &w->corp_secret, err,
		errlen) ||
	    adapter_conf_str(conf, "token", 1, &w->token, err, errlen) ||
	    adapter_conf_str(conf, "encoding_aes_key", 1, &eak, err, errlen) ||
	    adapter_conf_str(conf, "api_base", 0, &api, err, errlen))
		goto fail;
	if (w->corp_id != NULL && w->corp_secret == NULL) {
		snprintf(err, errlen, "corp_secret: missing (corp_id is set)");
		goto fail;
	}
	if (w->corp_secret != NULL && w->corp_id == NULL) {
		snprintf(err, errlen, "corp_id: missing (corp_secret is set)");
		goto fail;
	}
	if (wecom_aes_key(eak, w->key) != 0) {
		snprintf(err, errlen,
		    "encoding_aes_key: expected 43 Base64 characters");
		goto fail;
	}
	/* agent_id: the console shows a number; accept it either way */
	if ((v = json_object_get(conf, "agent_id")) != NULL) {
		if (json_is_integer(v) && json_integer_value(v) > 0)
			w->agent_id = json_integer_value(v);
		else if (!json_is_string(v) && !json_is_integer(v)) {
			snprintf(err, errlen, "agent_id: expected a string");
			goto fail;
		} else if (adapter_conf_str(conf, "agent_id", 1, &agent, err,
			       errlen) != 0 ||
			   adapter_digits(agent, 10, &w->agent_id) != 0 ||
			   w->agent_id == 0) {
			snprintf(err, errlen, "agent_id: expected digits");
			goto fail;
		}
	}
	w->api_base = adapter_url_base(api != NULL ? api : WECOM_API_BASE);
	if (w->api_base == NULL) {
		snprintf(err, errlen, "api_base: expected an http(s) URL");
		goto fail;
	}
	free(api);
	adapter_secret_free(eak);
	free(agent);
	*privp = w;
	return (0);
fail:
	free(api);
	free(agent);
	adapter_secret_free(eak);
	wecom_free(w);
	return (-1);
}

static void
wecom_free(void *priv)
{
	struct wecom *w = priv;

	if (w == NULL)
		return;
	free(w->corp_id);
	adapter_secret_free(w->corp_secret);
	adapter_secret_free(w->token);
	free(w->api_base);
	adapter_secret_free(w->access_token);
	explicit_bzero(w->key, sizeof(w->key));
	jr_free(&w->doc);
	wecom_opened_clear(&w->opened);
	free(w);
}

/* ---- inbound ---- */

/*
 * The encrypted value a request carries: echostr (GET), the outer XML's
 * <Encrypt> or the JSON "encrypt" (POST).  Caller frees; NULL with *rc.
 */
static char *
wecom_extract(struct wecom *w, const struct webhook *wh, enum wecom_kind *kind,
    enum adapter_rc *rc)
{
	char buf[WECOM_ECHOSTR_MAX], *p;
	struct wecom_xml x;
	const char *q = wh->query != NULL ? wh->query : "";
	const char *v;
	size_t i = 0;

	*rc = ADAPTER_EPARSE;
	if (wh->method != NULL && strcmp(wh->method, "GET") == 0) {
		*kind = WECOM_GET;
		if (!adapter_form_get(q, strlen(q), "echostr", buf,
			sizeof(buf)) ||
		    buf[0] == '\0') {
			*rc = ADAPTER_EAUTH;
			return (NULL);
		}
		/* Base64 has no spaces: an unencoded '+' was decoded as one */
		for (p = buf; (p = strchr(p, ' ')) != NULL; p++)
			*p = '+';
		return (xstrdup(buf));
	}
	if (wh->body == NULL)
		return (NULL);
	while (i < wh->len && strchr(" \t\r\n", wh->body[i]) != NULL &&
	       wh->body[i] != '\0')
		i++;
	if (i < wh->len && wh->body[i] == '<') {
		*kind = WECOM_XML;
		if (wecom_xml_parse(wh->body, wh->len, &x) != 0)
			return (NULL);
		v = wecom_xml_get(&x, "Encrypt", 0);
		p = v != NULL && *v != '\0' ? xstrdup(v) : NULL;
		wecom_xml_clear(&x);
		return (p);
	}
	if (i < wh->len && wh->body[i] == '{') {
		*kind = WECOM_JSON;
		if (jr_parse(&w->doc, wh->body, wh->len) == -1)
			return (NULL);
		v = jr_str(&w->doc, jr_get(&w->doc, JR_ROOT, "encrypt"));
		return (v != NULL && *v != '\0' ? xstrdup(v) : NULL);
	}
	return (NULL);
}

/* The decrypted receiveid must name us (see wecom.h). */
static int
wecom_receiver_ok(struct wecom *w, const struct wecom_in *in)
{
	const char *rid = in->p.receiveid;
	const char *bot;

	switch (in->kind) {
	case WECOM_GET:
		return (*rid == '\0' ||
			(w->corp_id != NULL && strcmp(rid, w->corp_id) == 0));
	case WECOM_XML:
		return (w->corp_id != NULL && strcmp(rid, w->corp_id) == 0);
	case WECOM_JSON:
		if (*rid == '\0')
			return (1);
		/* Not JSON: the doc is empty and aibotid reads as absent. */
		jr_parse(&w->doc, in->p.msg, in->p.len);
		bot = jr_str(&w->doc, jr_get(&w->doc, JR_ROOT, "aibotid"));
		return (bot != NULL && strcmp(bot, rid) == 0);
	}
	return (0);
}

/*
 * Check and decrypt one callback: signature, then (when now is given) the
 * timestamp window, then the ciphertext and its receiveid.
 */
static enum adapter_rc
wecom_open(struct wecom *w, const struct webhook *wh, const int64_t *now,
    struct wecom_in *in)
{
	char sig[WECOM_QUERY_MAX], ts[WECOM_QUERY_MAX], nonce[WECOM_QUERY_MAX];
	unsigned char mac[SIG_SHA1_LEN];
	const char *q = wh->query != NULL ? wh->query : "";
	char *enc;
	int64_t t;
	enum adapter_rc rc;

	memset(in, 0, sizeof(*in));
	if (!adapter_form_get(q, strlen(q), "msg_signature", sig,
		sizeof(sig)) ||
	    !adapter_form_get(q, strlen(q), "timestamp", ts, sizeof(ts)) ||
	    !adapter_form_get(q, strlen(q), "nonce", nonce, sizeof(nonce)) ||
	    adapter_digits(ts, WECOM_TS_DIGITS_MAX, &t) != 0)
		return (ADAPTER_EAUTH);
	if ((enc = wecom_extract(w, wh, &in->kind, &rc)) == NULL)
		return (rc);
	rc = ADAPTER_EAUTH;
	if (wecom_mac(w->token, ts, nonce, enc, mac) != 0 ||
	    !sig_hex_eq(mac, sizeof(mac), sig))
		goto done;
	if (now != NULL &&
	    (t > *now + WECOM_MAX_SKEW_S || t < *now - WECOM_MAX_SKEW_S))
		goto done;
	if (wecom_decrypt(w->key, enc, strlen(enc), &in->p) != 0)
		goto done;
	if (!wecom_receiver_ok(w, in)) {
		wecom_plain_clear(&in->p);
		goto done;
	}
	rc = ADAPTER_OK;
done:
	free(enc);
	return (rc);
}

static void
wecom_opened_clear(struct wecom_opened *o)
{
	wecom_plain_clear(&o->in.p);
	free(o->query);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

static enum adapter_rc
wecom_verify(void *priv, const struct webhook *wh, int64_t now)
{
	struct wecom *w = priv;
	struct wecom_opened *o = &w->opened;
	enum adapter_rc rc;

	wecom_opened_clear(o);
	if ((rc = wecom_open(w, wh, &now, &o->in)) != ADAPTER_OK) {
		wecom_plain_clear(&o->in.p);
		return (rc);
	}
	o->query = xstrdup(wh->query != NULL ? wh->query : "");
	o->body = xmalloc(wh->len + 1);
	if (wh->len > 0)
		memcpy(o->body, wh->body, wh->len);
	o->len = wh->len;
	return (rc);
}

/*
 * Into *in: what verify opened from this very request (0), or -1 when it
 * opened something else or nothing.
 */
static int
wecom_opened_take(struct wecom *w, const struct webhook *wh,
    struct wecom_in *in)
{
	struct wecom_opened *o = &w->opened;
	const char *q = wh->query != NULL ? wh->query : "";

	if (o->body == NULL || o->len != wh->len || strcmp(o->query, q) != 0 ||
	    (wh->len > 0 && memcmp(o->body, wh->body, wh->len) != 0))
		return (-1);
	*in = o->in;
	memset(&o->in, 0, sizeof(o->in));
	wecom_opened_clear(o);
	return (0);
}

static void
wecom_trim(char *s)
{
	size_t start = 0, n = strlen(s);

	for (;;) {
		if (start < n && strchr(" \t\r\n", s[start]) != NULL)
			start++;
		else if (n - start >= 3 &&
			 (memcmp(s + start, "\xe2\x80\x85", 3) == 0 ||
			     memcmp(s + start, "\xe3\x80\x80", 3) == 0))
			start += 3;
		else
			break;
	}
	while (n > start && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

/*
 * The smart robot leaves "@RobotName" in group text, and we do not know
 * the robot's name: drop a leading "@word" up to the first space.
 */
static void
wecom_strip_mention(char *s)
{
	size_t i;

	wecom_trim(s);
	if (s[0] != '@')
		return;
	for (i = 1; s[i] != '\0'; i++)
		if (strchr(" \t\r\n", s[i]) != NULL ||
		    (s[i] == '\xe2' && s[i + 1] == '\x80' &&
			s[i + 2] == '\x85') ||
		    (s[i] == '\xe3' && s[i + 1] == '\x80' &&
			s[i + 2] == '\x80'))
			break;
	memmove(s, s + i, strlen(s + i) + 1);
	wecom_trim(s);
}

/* The app callback's decrypted XML. */
static enum adapter_rc
wecom_parse_xml(const struct wecom_plain *p, struct chat_event *ev)
{
	struct wecom_xml x;
	const char *type, *from, *ct, *id, *event, *chat, *ctype, *detail, *who;
	enum adapter_rc rc = ADAPTER_EPARSE;
	int64_t at;
	size_t i;

	if (wecom_xml_parse(p->msg, p->len, &x) != 0)
		return (ADAPTER_EPARSE);
	type = wecom_xml_get(&x, "MsgType", 0);
	from = wecom_xml_get(&x, "FromUserName", 0);
	ct = wecom_xml_get(&x, "CreateTime", 0);
	if (type == NULL || from == NULL || *from == '\0' ||
	    adapter_digits(ct, WECOM_TS_DIGITS_MAX, &at) != 0)
		goto done;
	memset(ev, 0, sizeof(*ev));
	ev->at = at;

	if (strcmp(type, "event") == 0) {
		event = wecom_xml_get(&x, "Event", 0);
		chat = wecom_xml_get(&x, "ChatId", 0);
		ctype = wecom_xml_get(&x, "ChangeType", 0);
		detail = wecom_xml_get(&x, "UpdateDetail", 0);
		rc = ADAPTER_SKIP; /* events we have no use for */
		if (event == NULL || strcmp(event, "change_external_chat") ||
		    ctype == NULL || strcmp(ctype, "update") != 0 ||
		    detail == NULL)
			goto done;
		if (strcmp(detail, "add_member") == 0)
			ev->kind = CHAT_JOIN;
		else if (strcmp(detail, "del_member") == 0)
			ev->kind = CHAT_LEAVE;
		else
			goto done;
		/* the member ids, where WeCom lists them; none: no event */
		if ((who = wecom_xml_get(&x, "MemChangeList/Item", 0)) ==
			NULL ||
		    *who == '\0')
			goto done;
		rc = ADAPTER_EPARSE;
		if (chat == NULL || *chat == '\0')
			goto done;
		xstrlcpy_utf8(ev->chat, chat, sizeof(ev->chat));
		xstrlcpy_utf8(ev->from.id, who, sizeof(ev->from.id));
		for (i = 1;
		     ev->nmentions < CHAT_MENTIONS_MAX &&
		     (who = wecom_xml_get(&x, "MemChangeList/Item", i)) != NULL;
		     i++)
			if (*who != '\0')
				xstrlcpy_utf8(ev->mentions[ev->nmentions++].id,
				    who, sizeof(ev->mentions[0].id));
		/* no MsgId for events: WeCom's own advice is FromUserName +
		 * CreateTime; the rest keeps two changes in one second apart */
		snprintf(ev->event_id, sizeof(ev->event_id),
		    "%.64s:%s:%.96s:%s:%.48s", from, ct, chat, detail,
		    ev->from.id);
		ev->is_group = 1;
		rc = ADAPTER_OK;
		goto done;
	}

	if ((id = wecom_xml_get(&x, "MsgId", 0)) == NULL || *id == '\0')
		goto done;
	ev->kind = CHAT_MESSAGE;
	xstrlcpy_utf8(ev->event_id, id, sizeof(ev->event_id));
	xstrlcpy_utf8(ev->msg_id, id, sizeof(ev->msg_id));
	snprintf(ev->chat, sizeof(ev->chat), WECOM_USER_PREFIX "%.*s",
	    (int)(sizeof(ev->chat) - sizeof(WECOM_USER_PREFIX)), from);
	xstrlcpy_utf8(ev->from.id, from, sizeof(ev->from.id));
	ev->is_group = 0; /* app callbacks are 1:1 with the app */
	ev->to_bot = 1;
	if (strcmp(type, "text") == 0 &&
	    (id = wecom_xml_get(&x, "Content", 0)) != NULL)
		xstrlcpy_utf8(ev->text, id, sizeof(ev->text));
	wecom_trim(ev->text);
	rc = ADAPTER_OK;
done:
	wecom_xml_clear(&x);
	return (rc);
}

/* The smart robot's decrypted JSON. */
static enum adapter_rc
wecom_parse_json(struct wecom *w, const struct webhook *wh,
    const struct wecom_plain *p, struct chat_event *ev)
{
	const struct jr_doc *d = &w->doc;
	jr_ref text;
	const char *id, *user, *ctype, *chat, *type, *url, *content;
	const char *q = wh->query != NULL ? wh->query : "";
	char ts[WECOM_QUERY_MAX];
	int64_t at;

	if (jr_parse(&w->doc, p->msg, p->len) == -1)
		return (ADAPTER_EPARSE);
	id = jr_str(d, jr_get(d, JR_ROOT, "msgid"));
	user = jr_str(d, jr_get(d, jr_get(d, JR_ROOT, "from"), "userid"));
	ctype = jr_str(d, jr_get(d, JR_ROOT, "chattype"));
	chat = jr_str(d, jr_get(d, JR_ROOT, "chatid"));
	type = jr_str(d, jr_get(d, JR_ROOT, "msgtype"));
	url = jr_str(d, jr_get(d, JR_ROOT, "response_url"));
	if (jr_type(d, JR_ROOT) != JR_OBJECT || type == NULL)
		return (ADAPTER_EPARSE);
	if (strcmp(type, "event") == 0)
		return (ADAPTER_SKIP); /* enter_chat, card clicks, ... */
	if (id == NULL || *id == '\0' || user == NULL || *user == '\0')
		return (ADAPTER_EPARSE);
	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	xstrlcpy_utf8(ev->event_id, id, sizeof(ev->event_id));
	xstrlcpy_utf8(ev->msg_id, id, sizeof(ev->msg_id));
	xstrlcpy_utf8(ev->from.id, user, sizeof(ev->from.id));
	ev->is_group = ctype != NULL && strcmp(ctype, "group") == 0;
	ev->to_bot = 1; /* it only hears what @-mentions it */
	if (ev->is_group) {
		if (chat == NULL || *chat == '\0')
			return (ADAPTER_EPARSE);
		xstrlcpy_utf8(ev->chat, chat, sizeof(ev->chat));
	} else
		snprintf(ev->chat, sizeof(ev->chat), WECOM_USER_PREFIX "%.*s",
		    (int)(sizeof(ev->chat) - sizeof(WECOM_USER_PREFIX)), user);
	/* no time in the payload: the signed query timestamp stands in */
	if (adapter_form_get(q, strlen(q), "timestamp", ts, sizeof(ts)) &&
	    adapter_digits(ts, WECOM_TS_DIGITS_MAX, &at) == 0)
		ev->at = at;
	if (url != NULL && strncmp(url, "https://", 8) == 0 &&
	    strlen(url) < sizeof(ev->reply_url) &&
	    strpbrk(url, " \t\r\n") == NULL)
		xstrlcpy_utf8(ev->reply_url, url, sizeof(ev->reply_url));
	if (strcmp(type, "text") == 0) {
		text = jr_get(d, JR_ROOT, "text");
		content = jr_str(d, jr_get(d, text, "content"));
		if (jr_type(d, text) != JR_OBJECT || content == NULL)
			return (ADAPTER_EPARSE);
		xstrlcpy_utf8(ev->text, content, sizeof(ev->text));
	}
	if (ev->is_group)
		wecom_strip_mention(ev->text);
	else
		wecom_trim(ev->text);
	return (ADAPTER_OK);
}

static enum adapter_rc
wecom_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	struct wecom_in in;
	enum adapter_rc rc;

	/* verify ran first: take what it opened, or open it again */
	if (wecom_opened_take(priv, wh, &in) == -1 &&
	    wecom_open(priv, wh, NULL, &in) != ADAPTER_OK)
		return (ADAPTER_EPARSE);
	switch (in.kind) {
	case WECOM_GET:
		/* the URL check: answer the plaintext, exactly */
		memset(rep, 0, sizeof(*rep));
		rep->status = 200;
		rep->body = xstrndup(in.p.msg, in.p.len);
		rep->ctype = "text/plain";
		rc = ADAPTER_REPLY;
		break;
	case WECOM_XML:
		rc = wecom_parse_xml(&in.p, ev);
		break;
	case WECOM_JSON:
		rc = wecom_parse_json(priv, wh, &in.p, ev);
		break;
	default:
		rc = ADAPTER_EPARSE;
		break;
	}
	wecom_plain_clear(&in.p);
	return (rc);
}

/* ---- outbound ---- */

/* "@name text" for the APIs that cannot @; else the text.  Caller frees. */
static char *
wecom_content(const struct chat_msg *msg, int prefix)
{
	const char *text = msg->text != NULL ? msg->text : "";
	const char *who = msg->mention_name;

	if (who == NULL || *who == '\0')
		who = msg->mention_id;
	if (prefix && who != NULL && *who != '\0')
		return (xasprintf("@%s %s", who, text));
	return (xstrdup(text));
}

static int
wecom_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	struct wecom *w = priv;
	char *content, *enc;
	const char *chat = msg->chat != NULL ? msg->chat : "";
	const char *user;
	json_t *root, *list;

	memset(req, 0, sizeof(*req));
	if (msg->robot != NULL && *msg->robot != '\0') {
		/* group robot: the key is the credential */
		content = wecom_content(msg, 0);
		root = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text",
		    "content", content);
		free(content);
		if (root != NULL && msg->mention_id != NULL &&
		    *msg->mention_id != '\0') {
			list = json_pack("[s]", msg->mention_id);
			if (list == NULL ||
			    json_object_set_new(json_object_get(root, "text"),
				"mentioned_list", list) != 0) {
				json_decref(root);
				root = NULL;
			}
		}
		if ((req->body = adapter_json_dump(root)) == NULL)
			return (-1);
		enc = adapter_urlencode(msg->robot);
		req->url = xasprintf("%s/cgi-bin/webhook/send?key=%s",
		    w->api_base, enc);
		adapter_secret_free(enc);
		req->log_url =
		    xasprintf("%s/cgi-bin/webhook/send", w->api_base);
	} else if (msg->reply_url != NULL && *msg->reply_url != '\0') {
		/* smart robot response_url (its code is the credential) */
		content = wecom_content(msg, 1);
		root = json_pack("{s:s, s:{s:s}}", "msgtype", "markdown",
		    "markdown", "content", content);
		free(content);
		if ((req->body = adapter_json_dump(root)) == NULL)
			return (-1);
		req->url = xstrdup(msg->reply_url);
		req->log_url =
		    xstrndup(msg->reply_url, strcspn(msg->reply_url, "?"));
	} else {
		if (w->access_token == NULL || *chat == '\0')
			return (-1);
		content = wecom_content(msg, 1);
		if (strncmp(chat, WECOM_USER_PREFIX,
			strlen(WECOM_USER_PREFIX)) == 0) {
			user = chat + strlen(WECOM_USER_PREFIX);
			root = (w->agent_id == 0 || *user == '\0')
				   ? NULL
				   : json_pack("{s:s, s:s, s:I, s:{s:s}, s:i}",
					 "touser", user, "msgtype", "text",
					 "agentid", (json_int_t)w->agent_id,
					 "text", "content", content, "safe", 0);
			req->url =
			    xasprintf("%s/cgi-bin/message/send?access_token=%s",
				w->api_base, w->access_token);
			req->log_url =
			    xasprintf("%s/cgi-bin/message/send", w->api_base);
		} else {
			root = json_pack("{s:s, s:s, s:{s:s}, s:i}", "chatid",
			    chat, "msgtype", "text", "text", "content", content,
			    "safe", 0);
			req->url =
			    xasprintf("%s/cgi-bin/appchat/send?access_token=%s",
				w->api_base, w->access_token);
			req->log_url =
			    xasprintf("%s/cgi-bin/appchat/send", w->api_base);
		}
		free(content);
		if ((req->body = adapter_json_dump(root)) == NULL) {
			httpreq_clear(req);
			return (-1);
		}
	}
	req->method = "POST";
	req->hdr[0] = xstrdup("Content-Type: application/json");
	return (0);
}

/* Errors come as HTTP 200 with a non-zero errcode. */
static enum send_rc
wecom_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	struct wecom *w = priv;
	const struct jr_doc *d = &w->doc;
	jr_ref v;
	int64_t ra;
	enum send_rc rc = SEND_FAIL;

	*retry_ms = 0;
	ra = adapter_retry_after_ms(r->retry_after);
	if (r->status == 0 || r->status >= 500 || r->status == 429) {
		*retry_ms = ra > 0 ? ra : 0;
		return (SEND_RETRY);
	}
	if (r->status != 200 || r->body == NULL ||
	    jr_parse(&w->doc, r->body, r->len) == -1)
		return (SEND_FAIL);
	v = jr_get(d, JR_ROOT, "errcode");
	if (jr_type(d, v) == JR_INTEGER) {
		switch (jr_int(d, v)) {
		case 0:
			rc = SEND_OK;
			break;
		case 45009: /* frequency */
		case 45033: /* concurrency */
			rc = SEND_RETRY;
			*retry_ms = ra > 0 ? ra : WECOM_FREQ_MS;
			break;
		case -1: /* system busy */
			rc = SEND_RETRY;
			*retry_ms = ra > 0 ? ra : 0;
			break;
		case 40014: /* invalid access_token */
		case 42001: /* access_token expired */
			rc = SEND_AUTH;
			break;
		default:
			rc = SEND_FAIL;
			break;
		}
	}
	return (rc);
}

/*
 * Renew when less than 5 minutes or 10% of the lifetime is left; without
 * corp_id/corp_secret there are no app APIs, so never.
 */
static int
wecom_auth_due(void *priv, int64_t now)
{
	struct wecom *w = priv;

	if (w->corp_id == NULL || w->corp_secret == NULL)
		return (0);
	if (w->access_token == NULL)
		return (1);
	return (adapter_token_due(w->token_exp, w->token_life, now,
	    WECOM_RENEW_S, WECOM_RENEW_DIV));
}

/* GET {api_base}/cgi-bin/gettoken?corpid=...&corpsecret=... */
static int
wecom_auth_request(void *priv, struct httpreq *req)
{
	struct wecom *w = priv;
	char *id, *secret;

	memset(req, 0, sizeof(*req));
	if (w->corp_id == NULL || w->corp_secret == NULL)
		return (-1);
	id = adapter_urlencode(w->corp_id);
	secret = adapter_urlencode(w->corp_secret);
	req->method = "GET";
	req->url = xasprintf("%s/cgi-bin/gettoken?corpid=%s&corpsecret=%s",
	    w->api_base, id, secret);
	req->log_url =
	    xasprintf("%s/cgi-bin/gettoken?corpid=%s", w->api_base, id);
	free(id);
	adapter_secret_free(secret);
	return (0);
}

/* {"errcode":0,"errmsg":"ok","access_token":"...","expires_in":7200} */
static int
wecom_auth_parse(void *priv, const struct httpresp *r, int64_t now)
{
	struct wecom *w = priv;
	const struct jr_doc *d = &w->doc;
	jr_ref tok, exp, code;

	if (r->status != 200 || r->body == NULL ||
	    jr_parse(&w->doc, r->body, r->len) == -1)
		return (-1);
	tok = jr_get(d, JR_ROOT, "access_token");
	exp = jr_get(d, JR_ROOT, "expires_in");
	code = jr_get(d, JR_ROOT, "errcode");
	if ((code != JR_NONE &&
		(jr_type(d, code) != JR_INTEGER || jr_int(d, code) != 0)) ||
	    jr_type(d, tok) != JR_STRING || jr_len(d, tok) == 0 ||
	    strspn(jr_str(d, tok),
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_.~") != jr_len(d, tok) ||
	    jr_type(d, exp) != JR_INTEGER || jr_int(d, exp) <= 0 ||
	    jr_int(d, exp) > WECOM_TOKEN_LIFE_MAX)
		return (-1);
	adapter_secret_free(w->access_token);
	w->access_token = xstrdup(jr_str(d, tok));
	w->token_life = jr_int(d, exp);
	w->token_exp = now + w->token_life;
	return (0);
}
