/*
 * feishu.c -- Feishu / Lark event callbacks in, im/v1/messages out.
 * Wire details and test vectors: shared/platforms/feishu.md.
 *
 * Inbound checks, by mode:
 * - encrypt_key set: verify checks X-Lark-Signature (plain SHA-256 of
 *   timestamp, nonce, key and raw body) and a 300 s window on the
 *   timestamp (ours; Feishu documents none).  The one unsigned request let
 *   through is an encrypted url_verification whose decrypted token matches
 *   (the official Go SDK does not check signatures on the handshake).
 * - no encrypt_key: verify reads the JSON and checks the Verification
 *   Token (header.token, or token for schema 1.0 and url_verification).
 * parse checks the token again in both modes, after any decryption.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/feishu.h"
#include "adapters/jread.h"
#include "adapters/sig.h"
#include "core/xmem.h"

#define FEISHU_API_BASE     "https://open.feishu.cn"
#define FEISHU_MAX_SKEW     300  /* s; our choice, feishu.md section 2b */
#define FEISHU_RENEW_MARGIN 1800 /* s; renew with < 30 min left */
#define FEISHU_TOKEN_MAX    8192 /* bytes; feishu.md: budget >= 4 KB */
/*
 * Not in feishu.md: Feishu's own cap is a 150 KB request body for text
 * messages.  8000 bytes keeps a message readable and far below it even
 * after the double JSON escaping of content.
 */
#define FEISHU_TEXT_MAX      8000
#define FEISHU_MENTIONS_SCAN 100 /* mentions looked at per message */

#define FEISHU_CODE_RATELIMIT 99991400 /* gateway frequency limit */
#define FEISHU_CODE_CHATLIMIT 230020   /* per-chat throttle, unconfirmed */

struct feishu {
	char *app_id;
	char *app_secret;
	char *verification_token;
	char *encrypt_key; /* NULL: bodies arrive in plain text */
	char *bot_open_id; /* NULL: recognise the bot by mentioned_type */
	char *api_base;    /* no trailing '/' */
	unsigned char aes_key[FEISHU_AES_KEY_LEN];
	char *token;           /* tenant_access_token, or NULL */
	int64_t token_expires; /* unix seconds */
	int64_t token_margin;  /* renew this long before token_expires */
	struct jr_doc doc;     /* the last event (decrypted) or answer read */
	struct jr_doc content; /* a message's content, JSON in a string */
};

static adapter_init_fn feishu_init;
static adapter_free_fn feishu_free;
static adapter_verify_fn feishu_verify;
static adapter_parse_fn feishu_parse;
static adapter_format_fn feishu_format;
static adapter_classify_fn feishu_classify;
static adapter_auth_due_fn feishu_auth_due;
static adapter_auth_request_fn feishu_auth_request;
static adapter_auth_parse_fn feishu_auth_parse;
static adapter_kick_fn feishu_kick;

static int feishu_conf_str(const json_t *, const char *, int, char **, char *,
    size_t);
static enum adapter_rc feishu_load(struct feishu *, const struct webhook *,
    int *);
static const char *feishu_token_of(const struct jr_doc *);
static int feishu_ms_to_s(const struct jr_doc *, jr_ref, int64_t *);
static const char *feishu_str(const struct jr_doc *, jr_ref, const char *);
static int feishu_is_bot(const struct feishu *, jr_ref, int);
static enum adapter_rc feishu_message(struct feishu *, jr_ref, jr_ref,
    struct chat_event *);
static enum adapter_rc feishu_members(const struct jr_doc *, jr_ref, jr_ref,
    enum chat_kind, struct chat_event *);
static int feishu_auth_code(int64_t);

const struct adapter_ops adapter_feishu = {
	.platform = "feishu",
	.text_max = FEISHU_TEXT_MAX,
	.init = feishu_init,
	.free = feishu_free,
	.verify = feishu_verify,
	.parse = feishu_parse,
	.format = feishu_format,
	.classify = feishu_classify,
	.auth_due = feishu_auth_due,
	.auth_request = feishu_auth_request,
	.auth_parse = feishu_auth_parse,
	.kick = feishu_kick,
};

/* ---------------------------------------------------------------- */
/* Crypto helpers (exported for the tests) */

int
feishu_aes_key(const char *encrypt_key, unsigned char key[FEISHU_AES_KEY_LEN])
{
	const void *part[1] = { encrypt_key };
	size_t len[1] = { strlen(encrypt_key) };

	return (sig_digest(SIG_SHA256, part, len, 1, key));
}

int
feishu_decrypt(const unsigned char key[FEISHU_AES_KEY_LEN], const char *b64,
    size_t len, char **out, size_t *outlen)
{
	unsigned char *raw, *plain;
	size_t rawlen, n;

	*out = NULL;
	*outlen = 0;
	raw = xmalloc(len / 4 * 3 + 1);
	if (sig_b64_decode(b64, len, raw, len / 4 * 3, &rawlen) == -1 ||
	    rawlen < 32 || (rawlen - 16) % 16 != 0) {
		free(raw);
		return (-1);
	}
	n = rawlen - 16;
	plain = xmalloc(n + 1);
	if (sig_aes256cbc_decrypt(key, raw, raw + 16, n, plain) == -1 ||
	    sig_pkcs7_unpad(plain, &n, 16) == -1) {
		explicit_bzero(plain, rawlen - 16);
		free(plain);
		free(raw);
		return (-1);
	}
	free(raw);
	plain[n] = '\0';
	*out = (char *)plain;
	*outlen = n;
	return (0);
}

int
feishu_uuid(const struct chat_msg *msg, char out[37])
{
	static const char tag[] = "towerbot-feishu-uuid";
	const char *f[5] = { msg->chat, msg->reply_to, msg->thread,
		msg->mention_id, msg->text };
	const void *part[11];
	size_t len[11], i, n = 0;
	unsigned char md[SIG_SHA256_LEN];
	char hex[2 * SIG_SHA256_LEN + 1];

	part[n] = tag;
	len[n++] = sizeof(tag); /* the NUL separates it from the fields */
	for (i = 0; i < 5; i++) {
		part[n] = f[i] != NULL ? f[i] : "";
		len[n] = strlen(f[i] != NULL ? f[i] : "");
		n++;
		part[n] = "";
		len[n++] = 1; /* NUL separator: "ab"+"c" != "a"+"bc" */
	}
	if (sig_digest(SIG_SHA256, part, len, n, md) == -1)
		return (-1);
	sig_hex(md, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
	return (0);
}

/* ---------------------------------------------------------------- */
/* Instance */

/* Copy string key of conf into *out; "" counts as absent.  -1 with err. */
static int
feishu_conf_str(const json_t *conf, const char *key, int required, char **out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(conf, key);

	*out = NULL;
	if (v == NULL) {
		if (required)
			snprintf(err, errlen, "%s: missing", key);
		return (required ? -1 : 0);
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: expected a string", key);
		return (-1);
	}
	if (json_string_length(v) == 0) {
		if (required)
			snprintf(err, errlen, "%s: empty", key);
		return (required ? -1 : 0);
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "%s: contains a NUL byte", key);
		return (-1);
	}
	*out = xstrdup(json_string_value(v));
	return (0);
}

static int
feishu_init(void **priv, const json_t *conf, char *err, size_t errlen)
{
	static const char *const known[] = { "app_id", "app_secret",
		"verification_token", "encrypt_key", "bot_open_id", "api_base",
		NULL };
	struct feishu *fs;
	size_t n;

	*priv = NULL;
	if (!json_is_object(conf)) {
		snprintf(err, errlen, "expected an object");
		return (-1);
	}
	if (adapter_conf_known(conf, known, err, errlen) != 0)
		return (-1);
	fs = xcalloc(1, sizeof(*fs));
	if (feishu_conf_str(conf, "app_id", 1, &fs->app_id, err, errlen) ==
		-1 ||
	    feishu_conf_str(conf, "app_secret", 1, &fs->app_secret, err,
		errlen) == -1 ||
	    feishu_conf_str(conf, "verification_token", 1,
		&fs->verification_token, err, errlen) == -1 ||
	    feishu_conf_str(conf, "encrypt_key", 0, &fs->encrypt_key, err,
		errlen) == -1 ||
	    feishu_conf_str(conf, "bot_open_id", 0, &fs->bot_open_id, err,
		errlen) == -1 ||
	    feishu_conf_str(conf, "api_base", 0, &fs->api_base, err, errlen) ==
		-1)
		goto fail;
	if (fs->api_base == NULL)
		fs->api_base = xstrdup(FEISHU_API_BASE);
	if (strncmp(fs->api_base, "https://", 8) != 0 &&
	    strncmp(fs->api_base, "http://", 7) != 0) {
		snprintf(err, errlen, "api_base: not an http(s) URL");
		goto fail;
	}
	n = strlen(fs->api_base);
	while (n > 0 && fs->api_base[n - 1] == '/')
		fs->api_base[--n] = '\0';
	if (fs->encrypt_key != NULL &&
	    feishu_aes_key(fs->encrypt_key, fs->aes_key) == -1) {
		snprintf(err, errlen, "encrypt_key: cannot derive the key");
		goto fail;
	}
	*priv = fs;
	return (0);
fail:
	feishu_free(fs);
	return (-1);
}

static void
feishu_free(void *priv)
{
	struct feishu *fs = priv;

	if (fs == NULL)
		return;
	free(fs->app_id);
	adapter_secret_free(fs->app_secret);
	adapter_secret_free(fs->verification_token);
	adapter_secret_free(fs->encrypt_key);
	free(fs->bot_open_id);
	free(fs->api_base);
	adapter_secret_free(fs->token);
	jr_free(&fs->doc);
	jr_free(&fs->content);
	explicit_bzero(fs, sizeof(*fs));
	free(fs);
}

/* ---------------------------------------------------------------- */
/* Inbound */

/*
 * Read the plaintext event JSON of wh into fs->doc, decrypting a
 * {"encrypt":...} body; *encrypted says whether it was.  EPARSE for bytes
 * that are not JSON or do not decrypt, EAUTH for an encrypted body when
 * no encrypt_key is configured (nothing can be checked).
 */
static enum adapter_rc
feishu_load(struct feishu *fs, const struct webhook *wh, int *encrypted)
{
	struct jr_doc *d = &fs->doc;
	jr_ref enc;
	char *plain;
	size_t plainlen;
	int rc;

	*encrypted = 0;
	if (wh->body == NULL || jr_parse(d, wh->body, wh->len) == -1 ||
	    jr_type(d, JR_ROOT) != JR_OBJECT)
		return (ADAPTER_EPARSE);
	if ((enc = jr_get(d, JR_ROOT, "encrypt")) == JR_NONE)
		return (ADAPTER_OK);
	*encrypted = 1;
	if (fs->encrypt_key == NULL)
		return (ADAPTER_EAUTH);
	/* The envelope is done with once enc is decrypted: d is reused. */
	if (jr_type(d, enc) != JR_STRING ||
	    feishu_decrypt(fs->aes_key, jr_str(d, enc), jr_len(d, enc), &plain,
		&plainlen) == -1)
		return (ADAPTER_EPARSE);
	rc = jr_parse(d, plain, plainlen);
	explicit_bzero(plain, plainlen);
	free(plain);
	if (rc == -1 || jr_type(d, JR_ROOT) != JR_OBJECT)
		return (ADAPTER_EPARSE);
	return (ADAPTER_OK);
}

/* header.token (schema 2.0), else token (1.0, url_verification). */
static const char *
feishu_token_of(const struct jr_doc *d)
{
	jr_ref hdr = jr_get(d, JR_ROOT, "header");
	const char *t;

	if (jr_type(d, hdr) == JR_OBJECT &&
	    (t = feishu_str(d, hdr, "token")) != NULL)
		return (t);
	return (feishu_str(d, JR_ROOT, "token"));
}

/* String member key of o, or NULL. */
static const char *
feishu_str(const struct jr_doc *d, jr_ref o, const char *key)
{
	return (jr_str(d, jr_get(d, o, key)));
}

static enum adapter_rc
feishu_verify(void *priv, const struct webhook *wh, int64_t now)
{
	struct feishu *fs = priv;
	const char *ts, *nonce, *sig, *p;
	const void *part[4];
	size_t len[4];
	unsigned char md[SIG_SHA256_LEN];
	const struct jr_doc *d = &fs->doc;
	enum adapter_rc rc;
	int64_t t = 0;
	int encrypted;

	if (fs->encrypt_key == NULL) {
		/* No signature to check: the token in the body is all. */
		if ((rc = feishu_load(fs, wh, &encrypted)) != ADAPTER_OK)
			return (rc);
		return (sig_streq(feishu_token_of(d), fs->verification_token)
			    ? ADAPTER_OK
			    : ADAPTER_EAUTH);
	}

	if ((sig = webhook_header(wh, "X-Lark-Signature")) == NULL) {
		/*
		 * Unsigned: only the handshake, and only when it decrypts
		 * with our key to a url_verification with our token.
		 */
		if (feishu_load(fs, wh, &encrypted) != ADAPTER_OK)
			return (ADAPTER_EAUTH);
		return (encrypted &&
				sig_streq(feishu_str(d, JR_ROOT, "type"),
				    "url_verification") &&
				sig_streq(feishu_token_of(d),
				    fs->verification_token)
			    ? ADAPTER_OK
			    : ADAPTER_EAUTH);
	}

	ts = webhook_header(wh, "X-Lark-Request-Timestamp");
	nonce = webhook_header(wh, "X-Lark-Request-Nonce");
	if (ts == NULL || nonce == NULL || *ts == '\0' || strlen(ts) > 18)
		return (ADAPTER_EAUTH);
	for (p = ts; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (ADAPTER_EAUTH);
		t = t * 10 + (*p - '0');
	}
	if (t > now + FEISHU_MAX_SKEW || t < now - FEISHU_MAX_SKEW)
		return (ADAPTER_EAUTH);

	/* feishu.md 2b: SHA-256, not HMAC, no separators. */
	part[0] = ts;
	len[0] = strlen(ts);
	part[1] = nonce;
	len[1] = strlen(nonce);
	part[2] = fs->encrypt_key;
	len[2] = strlen(fs->encrypt_key);
	part[3] = wh->body != NULL ? wh->body : "";
	len[3] = wh->body != NULL ? wh->len : 0;
	if (sig_digest(SIG_SHA256, part, len, 4, md) == -1)
		return (ADAPTER_EAUTH);
	return (sig_hex_eq(md, sizeof(md), sig) ? ADAPTER_OK : ADAPTER_EAUTH);
}

/* Milliseconds as a JSON string or integer to unix seconds.  0 or -1. */
static int
feishu_ms_to_s(const struct jr_doc *d, jr_ref v, int64_t *s)
{
	const char *p;
	int64_t ms = 0;

	if (jr_type(d, v) == JR_INTEGER) {
		ms = jr_int(d, v);
	} else if ((p = jr_str(d, v)) != NULL && *p != '\0' &&
		   strlen(p) <= 18) {
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return (-1);
			ms = ms * 10 + (*p - '0');
		}
	} else
		return (-1);
	if (ms < 0)
		return (-1);
	*s = ms / 1000;
	return (0);
}

/*
 * Whether mention m is our bot.  With bot_open_id: its open_id equals it,
 * nothing else counts.  Without: mentioned_type "bot" (newer payloads);
 * when no mention of the message carries mentioned_type (typed == 0), the
 * mention that opens the text (lead) is taken as the bot, since a bot
 * without "read all group messages" only receives messages @-ing it.
 */
static int
feishu_is_bot(const struct feishu *fs, jr_ref m, int lead)
{
	const struct jr_doc *d = &fs->doc;
	const char *type;

	if (fs->bot_open_id != NULL)
		return (sig_streq(feishu_str(d, jr_get(d, m, "id"), "open_id"),
		    fs->bot_open_id));
	if ((type = feishu_str(d, m, "mentioned_type")) != NULL)
		return (strcmp(type, "bot") == 0);
	return (lead);
}

/* im.message.receive_v1 (feishu.md section 1). */
static enum adapter_rc
feishu_message(struct feishu *fs, jr_ref hdr, jr_ref event,
    struct chat_event *ev)
{
	const struct jr_doc *d = &fs->doc, *cd = &fs->content;
	jr_ref sender, msg, ments, m, *mr = NULL;
	const char *stype, *chat, *mid, *ctype, *text, *from, *mtype, *p;
	const char *lead_key = NULL, *thread;
	struct adapter_buf b = { NULL, 0, 0 };
	enum adapter_rc rc = ADAPTER_EPARSE;
	size_t i, nm, best, klen;
	int typed = 0, *isbot = NULL;

	sender = jr_get(d, event, "sender");
	msg = jr_get(d, event, "message");
	if (jr_type(d, sender) != JR_OBJECT || jr_type(d, msg) != JR_OBJECT)
		return (ADAPTER_EPARSE);
	if ((stype = feishu_str(d, sender, "sender_type")) != NULL &&
	    strcmp(stype, "app") == 0)
		return (ADAPTER_SKIP); /* a bot's message, ours included */
	if ((mtype = feishu_str(d, msg, "message_type")) == NULL)
		return (ADAPTER_EPARSE);
	if (strcmp(mtype, "text") != 0)
		return (ADAPTER_SKIP); /* post, image, card...: no commands */
	chat = feishu_str(d, msg, "chat_id");
	mid = feishu_str(d, msg, "message_id");
	ctype = feishu_str(d, msg, "chat_type");
	from = feishu_str(d, jr_get(d, sender, "sender_id"), "open_id");
	p = feishu_str(d, msg, "content");
	if (chat == NULL || mid == NULL || from == NULL || p == NULL ||
	    *chat == '\0' || *from == '\0')
		return (ADAPTER_EPARSE);
	/* content is a JSON document inside a JSON string. */
	if (jr_parse(&fs->content, p, strlen(p)) == -1 ||
	    (text = feishu_str(cd, JR_ROOT, "text")) == NULL)
		goto done;
	ments = jr_get(d, msg, "mentions");
	if (ments != JR_NONE && jr_type(d, ments) != JR_ARRAY)
		goto done;
	/* Bounds the placeholder scan below; later mentions stay as keys. */
	if ((nm = jr_len(d, ments)) > FEISHU_MENTIONS_SCAN)
		nm = FEISHU_MENTIONS_SCAN;

	memset(ev, 0, sizeof(*ev));
	ev->kind = CHAT_MESSAGE;
	ev->is_group = ctype == NULL || strcmp(ctype, "p2p") != 0;
	ev->to_bot = !ev->is_group; /* a direct message is for the bot */
	if (feishu_ms_to_s(d, jr_get(d, hdr, "create_time"), &ev->at) == -1 &&
	    feishu_ms_to_s(d, jr_get(d, msg, "create_time"), &ev->at) == -1)
		ev->at = 0;
	xstrlcpy_utf8(ev->event_id, feishu_str(d, hdr, "event_id"),
	    sizeof(ev->event_id));
	xstrlcpy_utf8(ev->chat, chat, sizeof(ev->chat));
	xstrlcpy_utf8(ev->msg_id, mid, sizeof(ev->msg_id));
	if ((thread = feishu_str(d, msg, "thread_id")) != NULL)
		xstrlcpy_utf8(ev->thread, thread, sizeof(ev->thread));
	xstrlcpy_utf8(ev->from.id, from, sizeof(ev->from.id));
	/* The sender's name is not in the event (feishu.md section 1). */

	/* Which mentions are the bot, and which one opens the text. */
	for (p = text; *p == ' ' || *p == '\t' || *p == '\n'; p++)
		;
	if (nm > 0) {
		isbot = xcalloc(nm, sizeof(*isbot));
		mr = xcalloc(nm, sizeof(*mr));
	}
	for (i = 0, m = jr_first(d, ments); i < nm;
	     i++, m = jr_next(d, ments, m)) {
		const char *key;

		mr[i] = m;
		if (jr_type(d, m) != JR_OBJECT ||
		    (key = feishu_str(d, m, "key")) == NULL)
			goto done;
		if (jr_get(d, m, "mentioned_type") != JR_NONE)
			typed = 1;
		klen = strlen(key);
		if (klen > 0 && strncmp(p, key, klen) == 0 &&
		    (lead_key == NULL || klen > strlen(lead_key)))
			lead_key = key;
	}
	for (i = 0; i < nm; i++) {
		const char *key, *oid, *name;

		m = mr[i];
		key = feishu_str(d, m, "key");
		isbot[i] = feishu_is_bot(fs, m,
		    !typed && lead_key != NULL && strcmp(key, lead_key) == 0);
		if (isbot[i]) {
			ev->to_bot = 1;
			continue;
		}
		oid = feishu_str(d, jr_get(d, m, "id"), "open_id");
		name = feishu_str(d, m, "name");
		if (oid == NULL || *oid == '\0' ||
		    ev->nmentions == CHAT_MENTIONS_MAX)
			continue;
		xstrlcpy_utf8(ev->mentions[ev->nmentions].id, oid,
		    sizeof(ev->mentions[0].id));
		xstrlcpy_utf8(ev->mentions[ev->nmentions].name,
		    name != NULL ? name : "", sizeof(ev->mentions[0].name));
		ev->nmentions++;
	}

	/*
	 * Rewrite placeholders: the longest key matching at each '@' (so
	 * @_user_1 does not eat the start of @_user_10); the bot's goes,
	 * others become "@name".  Unknown ones (@_all) stay as they are.
	 */
	adapter_buf_add(&b, "", 0);
	for (p = text; *p != '\0';) {
		best = nm;
		klen = 0;
		if (*p == '@') {
			for (i = 0; i < nm; i++) {
				const char *key;
				size_t kl;

				key = feishu_str(d, mr[i], "key");
				kl = strlen(key);
				if (kl > klen && strncmp(p, key, kl) == 0) {
					best = i;
					klen = kl;
				}
			}
		}
		if (best == nm) {
			adapter_buf_add(&b, p, 1);
			p++;
			continue;
		}
		m = mr[best];
		if (!isbot[best]) {
			const char *name = feishu_str(d, m, "name");

			if (name != NULL && *name != '\0') {
				adapter_buf_add(&b, "@", 1);
				adapter_buf_add(&b, name, strlen(name));
			} else
				adapter_buf_add(&b, p, klen);
		}
		p += klen;
	}
	for (p = b.s; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	xstrlcpy_utf8(ev->text, p, sizeof(ev->text));
	rc = ADAPTER_OK;
done:
	free(b.s);
	free(isbot);
	free(mr);
	return (rc);
}

/*
 * im.chat.member.user.added_v1 / deleted_v1: the first user is .from, the
 * others (up to CHAT_MENTIONS_MAX) go to .mentions[].
 */
static enum adapter_rc
feishu_members(const struct jr_doc *d, jr_ref hdr, jr_ref event,
    enum chat_kind kind, struct chat_event *ev)
{
	jr_ref users, u;
	const char *chat, *title, *oid, *name;
	size_t i;

	chat = feishu_str(d, event, "chat_id");
	users = jr_get(d, event, "users");
	if (chat == NULL || *chat == '\0' || jr_type(d, users) != JR_ARRAY ||
	    jr_len(d, users) == 0)
		return (ADAPTER_EPARSE);
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->is_group = 1;
	if (feishu_ms_to_s(d, jr_get(d, hdr, "create_time"), &ev->at) == -1)
		ev->at = 0;
	xstrlcpy_utf8(ev->event_id, feishu_str(d, hdr, "event_id"),
	    sizeof(ev->event_id));
	xstrlcpy_utf8(ev->chat, chat, sizeof(ev->chat));
	if ((title = feishu_str(d, event, "name")) != NULL)
		xstrlcpy_utf8(ev->chat_title, title, sizeof(ev->chat_title));
	for (i = 0, u = jr_first(d, users); u != JR_NONE;
	     i++, u = jr_next(d, users, u)) {
		struct chat_user *cu;

		oid = feishu_str(d, jr_get(d, u, "user_id"), "open_id");
		name = feishu_str(d, u, "name");
		if (oid == NULL || *oid == '\0')
			return (ADAPTER_EPARSE);
		if (i == 0)
			cu = &ev->from;
		else if (ev->nmentions < CHAT_MENTIONS_MAX)
			cu = &ev->mentions[ev->nmentions++];
		else
			break;
		xstrlcpy_utf8(cu->id, oid, sizeof(cu->id));
		xstrlcpy_utf8(cu->name, name != NULL ? name : "",
		    sizeof(cu->name));
	}
	return (ADAPTER_OK);
}

static enum adapter_rc
feishu_parse(void *priv, const struct webhook *wh, struct chat_event *ev,
    struct webreply *rep)
{
	struct feishu *fs = priv;
	const struct jr_doc *d = &fs->doc;
	jr_ref hdr, event;
	json_t *ans;
	const char *type, *schema, *etype, *eid, *chal;
	enum adapter_rc rc;
	int encrypted;

	if ((rc = feishu_load(fs, wh, &encrypted)) != ADAPTER_OK)
		return (rc);
	if (!sig_streq(feishu_token_of(d), fs->verification_token))
		return (ADAPTER_EAUTH);
	type = feishu_str(d, JR_ROOT, "type");
	schema = feishu_str(d, JR_ROOT, "schema");

	if (type != NULL && strcmp(type, "url_verification") == 0) {
		/* Answered in plain JSON even when it came encrypted. */
		if ((chal = feishu_str(d, JR_ROOT, "challenge")) == NULL ||
		    (ans = json_pack("{s:s}", "challenge", chal)) == NULL)
			return (ADAPTER_EPARSE);
		rep->status = 200;
		rep->body = adapter_json_dump(ans);
		rep->ctype = "application/json";
		if (rep->body == NULL)
			return (ADAPTER_EPARSE);
		return (ADAPTER_REPLY);
	}
	if (schema == NULL || strcmp(schema, "2.0") != 0) {
		/* Schema 1.0 callbacks carry nothing we handle. */
		if (type != NULL && strcmp(type, "event_callback") == 0)
			return (ADAPTER_SKIP);
		return (ADAPTER_EPARSE);
	}
	hdr = jr_get(d, JR_ROOT, "header");
	event = jr_get(d, JR_ROOT, "event");
	etype = feishu_str(d, hdr, "event_type");
	eid = feishu_str(d, hdr, "event_id");
	if (etype == NULL || eid == NULL || *eid == '\0' ||
	    jr_type(d, event) != JR_OBJECT)
		return (ADAPTER_EPARSE);
	if (strcmp(etype, "im.message.receive_v1") == 0)
		return (feishu_message(fs, hdr, event, ev));
	if (strcmp(etype, "im.chat.member.user.added_v1") == 0)
		return (feishu_members(d, hdr, event, CHAT_JOIN, ev));
	if (strcmp(etype, "im.chat.member.user.deleted_v1") == 0)
		return (feishu_members(d, hdr, event, CHAT_LEAVE, ev));
	return (ADAPTER_SKIP);
}

/* ---------------------------------------------------------------- */
/* Outbound */

/*
 * A message with reply_to goes to .../messages/{id}/reply (it quotes the
 * message, and stays in its topic thread when msg->thread is set); any
 * other to .../messages?receive_id_type=chat_id.  Either carries a uuid
 * derived from the message (feishu_uuid) so a retry is deduplicated.
 */
static int
feishu_format(void *priv, const struct chat_msg *msg, struct httpreq *req)
{
	struct feishu *fs = priv;
	json_t *cj, *body;
	char *text, *content, *id;
	const char *name;
	char uuid[37];
	int reply;

	memset(req, 0, sizeof(*req));
	if (fs->token == NULL || msg->text == NULL)
		return (-1);
	reply = msg->reply_to != NULL && *msg->reply_to != '\0';
	if (!reply && (msg->chat == NULL || *msg->chat == '\0'))
		return (-1);
	if (msg->mention_id != NULL && *msg->mention_id != '\0') {
		if (strpbrk(msg->mention_id, "\"<>") != NULL)
			return (-1);
		name = msg->mention_name != NULL &&
			       strpbrk(msg->mention_name, "<>") == NULL
			   ? msg->mention_name
			   : "";
		text = xasprintf("<at user_id=\"%s\">%s</at> %s",
		    msg->mention_id, name, msg->text);
	} else
		text = xstrdup(msg->text);
	cj = json_pack("{s:s}", "text", text); /* NULL: not UTF-8 */
	free(text);
	content = adapter_json_dump(cj);
	if (content == NULL || feishu_uuid(msg, uuid) == -1) {
		free(content);
		return (-1);
	}
	if (reply)
		body = json_pack("{s:s, s:s, s:b, s:s}", "msg_type", "text",
		    "content", content, "reply_in_thread",
		    msg->thread != NULL && *msg->thread != '\0', "uuid", uuid);
	else
		body =
		    json_pack("{s:s, s:s, s:s, s:s}", "receive_id", msg->chat,
			"msg_type", "text", "content", content, "uuid", uuid);
	free(content);
	if ((req->body = adapter_json_dump(body)) == NULL)
		return (-1);
	if (reply) {
		id = adapter_urlencode(msg->reply_to);
		req->url = xasprintf("%s/open-apis/im/v1/messages/%s/reply",
		    fs->api_base, id);
		free(id);
	} else
		req->url = xasprintf("%s/open-apis/im/v1/"
				     "messages?receive_id_type=chat_id",
		    fs->api_base);
	req->log_url = xstrdup(req->url); /* the token is only in a header */
	req->hdr[0] = xasprintf("Authorization: Bearer %s", fs->token);
	req->hdr[1] = xstrdup("Content-Type: application/json; charset=utf-8");
	return (0);
}

/*
 * DELETE .../chats/{chat_id}/members with the user's open_id (ou_...);
 * the bot must own or administer the group.  Chat ids do not tell a p2p
 * chat from a group (both oc_...), so such a request is sent and Feishu's
 * refusal (a non-zero code) is a SEND_FAIL from classify.
 */
static int
feishu_kick(void *priv, const char *chat, const char *user, int64_t now,
    struct httpreq *req)
{
	struct feishu *fs = priv;
	char *id;

	(void)now;
	memset(req, 0, sizeof(*req));
	if (fs->token == NULL || chat == NULL || *chat == '\0' ||
	    user == NULL || strncmp(user, "ou_", 3) != 0 || user[3] == '\0')
		return (-1);
	if ((req->body = adapter_json_dump(
		 json_pack("{s:[s]}", "id_list", user))) == NULL)
		return (-1);
	id = adapter_urlencode(chat);
	req->method = "DELETE";
	req->url = xasprintf("%s/open-apis/im/v1/chats/%s/"
			     "members?member_id_type=open_id",
	    fs->api_base, id);
	free(id);
	req->log_url = xstrdup(req->url); /* the token is only in a header */
	req->hdr[0] = xasprintf("Authorization: Bearer %s", fs->token);
	req->hdr[1] = xstrdup("Content-Type: application/json; charset=utf-8");
	return (0);
}

/* Codes meaning the tenant_access_token is missing, invalid or expired. */
static int
feishu_auth_code(int64_t code)
{
	switch (code) {
	case 99991661: /* missing access token */
	case 99991663: /* tenant_access_token invalid (feishu.md 3) */
	case 99991664: /* app_access_token invalid */
	case 99991668: /* access token invalid or expired */
		return (1);
	}
	return (0);
}

/*
 * HTTP 200 is not enough: the verdict is "code".  Rate limits come as 429
 * (older APIs 400) with code 99991400; x-ogw-ratelimit-reset is seconds.
 */
static enum send_rc
feishu_classify(void *priv, const struct httpresp *r, int64_t *retry_ms)
{
	struct feishu *fs = priv;
	const struct jr_doc *d = &fs->doc;
	jr_ref c;
	int64_t code = -1;
	int have = 0;
	int64_t ms;
	enum send_rc rc;

	*retry_ms = 0;
	if (r->status == 0)
		return (SEND_RETRY);
	if ((ms = adapter_retry_after_ms(
		 httpresp_header(r, "x-ogw-ratelimit-reset"))) < 0)
		ms = adapter_retry_after_ms(r->retry_after);
	if (r->status == 429) {
		*retry_ms = ms > 0 ? ms : 0;
		return (SEND_RETRY);
	}
	if (r->body != NULL && jr_parse(&fs->doc, r->body, r->len) == 0 &&
	    jr_type(d, c = jr_get(d, JR_ROOT, "code")) == JR_INTEGER) {
		code = jr_int(d, c);
		have = 1;
	}
	if (have && code == 0 && r->status >= 200 && r->status < 300)
		rc = SEND_OK;
	else if (have && code == FEISHU_CODE_RATELIMIT) {
		*retry_ms = ms > 0 ? ms : 0;
		rc = SEND_RETRY;
	} else if (have && feishu_auth_code(code))
		rc = SEND_AUTH;
	else if (have && code == FEISHU_CODE_CHATLIMIT)
		rc = SEND_RETRY;
	else if (r->status >= 500)
		rc = SEND_RETRY;
	else
		rc = SEND_FAIL;
	return (rc);
}

/* ---------------------------------------------------------------- */
/* tenant_access_token */

static int
feishu_auth_due(void *priv, int64_t now)
{
	struct feishu *fs = priv;

	return (
	    fs->token == NULL || now >= fs->token_expires - fs->token_margin);
}

static int
feishu_auth_request(void *priv, struct httpreq *req)
{
	struct feishu *fs = priv;
	json_t *body;

	memset(req, 0, sizeof(*req));
	body = json_pack("{s:s, s:s}", "app_id", fs->app_id, "app_secret",
	    fs->app_secret);
	if ((req->body = adapter_json_dump(body)) == NULL)
		return (-1);
	req->url =
	    xasprintf("%s/open-apis/auth/v3/tenant_access_token/internal",
		fs->api_base);
	req->log_url = xstrdup(req->url);
	req->hdr[0] = xstrdup("Content-Type: application/json; charset=utf-8");
	return (0);
}

/*
 * {"code":0,"tenant_access_token":"t-...","expire":7200}.  The renewal
 * margin is 30 min, or half the lifetime for a token granted for less
 * than an hour, so a short grant is not fetched again on every message.
 */
static int
feishu_auth_parse(void *priv, const struct httpresp *r, int64_t now)
{
	struct feishu *fs = priv;
	const struct jr_doc *d = &fs->doc;
	jr_ref c, e;
	const char *tok;
	int64_t code, expire;

	if (r->status != 200 || r->body == NULL ||
	    jr_parse(&fs->doc, r->body, r->len) == -1)
		return (-1);
	/* As json_unpack "{s:I, s:s, s:I}": all three, of those types. */
	c = jr_get(d, JR_ROOT, "code");
	tok = feishu_str(d, JR_ROOT, "tenant_access_token");
	e = jr_get(d, JR_ROOT, "expire");
	if (jr_type(d, c) != JR_INTEGER || tok == NULL ||
	    jr_type(d, e) != JR_INTEGER)
		return (-1);
	code = jr_int(d, c);
	expire = jr_int(d, e);
	if (code != 0 || *tok == '\0' || strlen(tok) >= FEISHU_TOKEN_MAX ||
	    strpbrk(tok, "\r\n") != NULL || expire <= 0 || expire > 7 * 86400)
		return (-1);
	adapter_secret_free(fs->token);
	fs->token = xstrdup(tok);
	fs->token_expires = now + expire;
	fs->token_margin = expire >= 2 * FEISHU_RENEW_MARGIN
			       ? FEISHU_RENEW_MARGIN
			       : expire / 2;
	return (0);
}
