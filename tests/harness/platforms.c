/*
 * platforms.c -- signed inbound webhooks of every platform for the
 * end-to-end tests (see platforms.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/sig.h"
#include "core/xmem.h"
#include "tests/harness/http_client.h"
#include "tests/harness/platforms.h"

#define PLATFORMS_BOT_MENTION "@_user_1"

static char *platforms_dump(json_t *);
static void platforms_json_body(struct platforms_req *, json_t *);
static char *platforms_i64(int64_t);
static void platforms_feishu_seal(struct platforms_req *, const char *, int64_t,
    const char *);
static void platforms_wecom_query(struct platforms_req *, const char *,
    const char *, const char *, const char *);

/* Compact JSON text of root (stolen); aborts on failure. */
static char *
platforms_dump(json_t *root)
{
	char *s;

	if (root == NULL || (s = json_dumps(root, JSON_COMPACT)) == NULL)
		abort();
	json_decref(root);
	return (s);
}

/* Make root (stolen) the body of a POST with Content-Type JSON. */
static void
platforms_json_body(struct platforms_req *req, json_t *root)
{
	req->method = "POST";
	free(req->body);
	req->body = platforms_dump(root);
	req->len = strlen(req->body);
	platforms_req_header(req, "Content-Type", "application/json");
}

static char *
platforms_i64(int64_t v)
{
	return (xasprintf("%" PRId64, v));
}

void
platforms_req_clear(struct platforms_req *req)
{
	size_t i;

	free(req->query);
	free(req->body);
	for (i = 0; i < PLATFORMS_HDR_MAX; i++)
		free(req->hdr[i]);
	memset(req, 0, sizeof(*req));
}

void
platforms_req_header(struct platforms_req *req, const char *name,
    const char *value)
{
	size_t i, n = strlen(name);

	for (i = 0; i < PLATFORMS_HDR_MAX && req->hdr[i] != NULL; i++)
		if (strncasecmp(req->hdr[i], name, n) == 0 &&
		    req->hdr[i][n] == ':')
			break;
	if (i == PLATFORMS_HDR_MAX)
		abort();
	free(req->hdr[i]);
	req->hdr[i] = xasprintf("%s: %s", name, value);
}

void
platforms_req_body(struct platforms_req *req, const char *body, size_t len)
{
	free(req->body);
	req->body = xmalloc(len + 1);
	memcpy(req->body, body, len);
	req->body[len] = '\0';
	req->len = len;
}

long
platforms_send(const char *url, const struct platforms_req *req, char **resp)
{
	char *full;
	long status = 0;

	if (resp != NULL)
		*resp = NULL;
	full = req->query != NULL ? xasprintf("%s?%s", url, req->query)
				  : xstrdup(url);
	if (req->method != NULL && strcmp(req->method, "GET") == 0)
		(void)http_get(full, &status, resp);
	else
		(void)http_post(full, (const char *const *)req->hdr,
		    req->body != NULL ? req->body : "", req->len, &status,
		    resp);
	free(full);
	return (status);
}

/* ---------------------------------------------------------------- */
/* Slack */

void
platforms_slack_sign(struct platforms_req *req, const char *secret, int64_t ts)
{
	unsigned char mac[SIG_SHA256_LEN];
	char hex[2 * SIG_SHA256_LEN + 1], *base, *sig, *t;

	t = platforms_i64(ts);
	base = xasprintf("v0:%s:", t);
	if (sig_hmac(SIG_SHA256, secret, strlen(secret), base, strlen(base),
		req->body, req->len, mac) == -1)
		abort();
	sig_hex(mac, sizeof(mac), hex);
	sig = xasprintf("v0=%s", hex);
	platforms_req_header(req, "X-Slack-Request-Timestamp", t);
	platforms_req_header(req, "X-Slack-Signature", sig);
	free(sig);
	free(base);
	free(t);
}

void
platforms_slack_event(struct platforms_req *req, const char *secret, int64_t ts,
    const struct platforms_msg *msg)
{
	json_t *root;
	char *eid = xasprintf("Ev%s", msg->event_id);

	root = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s,"
			 " s:s, s:{s:s, s:s, s:s}}, s:s, s:s, s:I,"
			 " s:[{s:s, s:s, s:b}]}",
	    "token", "legacy-unused", "team_id", "T0E2E", "api_app_id", "A0E2E",
	    "event", "type", "message", "channel", msg->chat, "user", msg->user,
	    "text", msg->text, "ts", msg->event_id, "event_ts", msg->event_id,
	    "channel_type", "channel", "user_profile", "display_name",
	    msg->name != NULL ? msg->name : "", "real_name",
	    msg->name != NULL ? msg->name : "", "name", msg->user, "type",
	    "event_callback", "event_id", eid, "event_time",
	    (json_int_t)msg->at, "authorizations", "team_id", "T0E2E",
	    "user_id", "UBOT", "is_bot", 1);
	free(eid);
	platforms_json_body(req, root);
	platforms_slack_sign(req, secret, ts);
}

void
platforms_slack_challenge(struct platforms_req *req, const char *secret,
    int64_t ts, const char *challenge)
{
	platforms_json_body(req,
	    json_pack("{s:s, s:s, s:s}", "token", "legacy-unused", "challenge",
		challenge, "type", "url_verification"));
	platforms_slack_sign(req, secret, ts);
}

/* ---------------------------------------------------------------- */
/* Feishu */

char *
platforms_feishu_encrypt(const char *encrypt_key, const unsigned char *iv,
    const char *plain, size_t len)
{
	unsigned char key[SIG_SHA256_LEN], *buf;
	const void *part[1] = { encrypt_key };
	size_t partlen[1] = { strlen(encrypt_key) }, padded, i;
	char *out;

	if (sig_digest(SIG_SHA256, part, partlen, 1, key) == -1)
		abort();
	padded = (len / 16 + 1) * 16;
	buf = xmalloc(16 + 2 * padded);
	if (iv != NULL)
		memcpy(buf, iv, 16);
	else if (sig_random(buf, 16) == -1)
		abort();
	/* plaintext + PKCS#7 after the output area, encrypted into it */
	memcpy(buf + 16 + padded, plain, len);
	for (i = len; i < padded; i++)
		buf[16 + padded + i] = (unsigned char)(padded - len);
	if (sig_aes256cbc_encrypt(key, buf, buf + 16 + padded, padded,
		buf + 16) == -1)
		abort();
	out = xmalloc(4 * ((16 + padded + 2) / 3) + 1);
	sig_b64_encode(buf, 16 + padded, out);
	free(buf);
	return (out);
}

void
platforms_feishu_signature(const char *encrypt_key, const char *ts,
    const char *nonce, const char *body, size_t len, char out[65])
{
	unsigned char md[SIG_SHA256_LEN];
	const void *part[4] = { ts, nonce, encrypt_key, body };
	size_t partlen[4] = { strlen(ts), strlen(nonce), strlen(encrypt_key),
		len };

	if (sig_digest(SIG_SHA256, part, partlen, 4, md) == -1)
		abort();
	sig_hex(md, sizeof(md), out);
}

/* Wrap the plaintext body of req as {"encrypt":...}; sign if ts > 0. */
static void
platforms_feishu_seal(struct platforms_req *req, const char *encrypt_key,
    int64_t ts, const char *nonce)
{
	char *enc, *t, sig[65];

	enc = platforms_feishu_encrypt(encrypt_key, NULL, req->body, req->len);
	platforms_json_body(req, json_pack("{s:s}", "encrypt", enc));
	free(enc);
	if (ts <= 0)
		return;
	t = platforms_i64(ts);
	platforms_feishu_signature(encrypt_key, t, nonce, req->body, req->len,
	    sig);
	platforms_req_header(req, "X-Lark-Request-Timestamp", t);
	platforms_req_header(req, "X-Lark-Request-Nonce", nonce);
	platforms_req_header(req, "X-Lark-Signature", sig);
	free(t);
}

void
platforms_feishu_event(struct platforms_req *req, const char *vtoken,
    const char *encrypt_key, int64_t ts, const char *nonce,
    const struct platforms_msg *msg)
{
	json_t *root;
	char *eid, *ms, *content, *cj;

	eid = xasprintf("ev_%s", msg->event_id);
	ms = xasprintf("%" PRId64 "000", msg->at);
	content = xasprintf("%s %s", PLATFORMS_BOT_MENTION, msg->text);
	cj = platforms_dump(json_pack("{s:s}", "text", content));
	root = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s},"
			 " s:{s:{s:{s:s, s:s, s:s}, s:s, s:s},"
			 " s:{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}}}",
	    "schema", "2.0", "header", "event_id", eid, "event_type",
	    "im.message.receive_v1", "create_time", ms, "token", vtoken,
	    "app_id", "cli_e2e", "tenant_key", "tenant-e2e", "event", "sender",
	    "sender_id", "open_id", msg->user, "union_id", "on_e2e", "user_id",
	    "e2e", "sender_type", "user", "tenant_key", "tenant-e2e", "message",
	    "message_id", msg->event_id, "create_time", ms, "chat_id",
	    msg->chat, "chat_type", "group", "message_type", "text", "content",
	    cj, "mentions",
	    json_pack("[{s:s, s:{s:s}, s:s, s:s}]", "key",
		PLATFORMS_BOT_MENTION, "id", "open_id", "ou_bot_e2e", "name",
		"towerbot", "tenant_key", "tenant-e2e"),
	    "update_time", ms);
	free(cj);
	free(content);
	free(eid);
	free(ms);
	platforms_json_body(req, root);
	if (encrypt_key != NULL)
		platforms_feishu_seal(req, encrypt_key, ts, nonce);
}

void
platforms_feishu_challenge(struct platforms_req *req, const char *vtoken,
    const char *encrypt_key, int64_t ts, const char *nonce,
    const char *challenge)
{
	platforms_json_body(req,
	    json_pack("{s:s, s:s, s:s}", "challenge", challenge, "token",
		vtoken, "type", "url_verification"));
	if (encrypt_key != NULL)
		platforms_feishu_seal(req, encrypt_key, ts, nonce);
}

/* ---------------------------------------------------------------- */
/* DingTalk */

void
platforms_dingtalk_sign(const char *secret, const char *ts_ms, char out[45])
{
	unsigned char mac[SIG_SHA256_LEN];
	char *base = xasprintf("%s\n%s", ts_ms, secret);

	if (sig_hmac(SIG_SHA256, secret, strlen(secret), base, strlen(base),
		NULL, 0, mac) == -1)
		abort();
	sig_b64_encode(mac, sizeof(mac), out);
	free(base);
}

void
platforms_dingtalk_event(struct platforms_req *req, const char *app_secret,
    int64_t ts_ms, int64_t create_ms, const struct platforms_msg *msg)
{
	json_t *root;
	char *t, *content, sign[45];

	content = xasprintf(" %s", msg->text);
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b,"
			 " s:[{s:s}], s:s, s:{s:s}, s:I, s:s}",
	    "conversationId", msg->chat, "msgId", msg->event_id,
	    "senderStaffId", msg->user, "senderId", "$:LWCP_v1:$e2e-sender",
	    "senderNick", msg->name != NULL ? msg->name : "",
	    "conversationType", "2", "conversationTitle", "e2e group",
	    "chatbotUserId", "$:LWCP_v1:$e2e-bot", "isInAtList", 1, "atUsers",
	    "dingtalkId", "$:LWCP_v1:$e2e-bot", "msgtype", "text", "text",
	    "content", content, "createAt", (json_int_t)create_ms, "robotCode",
	    "dingrobot-e2e");
	free(content);
	platforms_json_body(req, root);
	t = platforms_i64(ts_ms);
	platforms_dingtalk_sign(app_secret, t, sign);
	platforms_req_header(req, "timestamp", t);
	platforms_req_header(req, "sign", sign);
	free(t);
}

/* ---------------------------------------------------------------- */
/* WeCom */

char *
platforms_wecom_encrypt(const char *eak, const unsigned char *rand16,
    const char *msg, size_t len, const char *receiveid)
{
	unsigned char key[64], *plain, *cipher;
	char *b64, *out;
	size_t klen, rlen = strlen(receiveid), n, padded, i;

	b64 = xasprintf("%s=", eak);
	if (sig_b64_decode(b64, strlen(b64), key, sizeof(key), &klen) == -1 ||
	    klen != 32) {
		free(b64);
		return (NULL);
	}
	free(b64);
	n = 16 + 4 + len + rlen;
	padded = (n / 32 + 1) * 32;
	plain = xmalloc(padded);
	cipher = xmalloc(padded);
	if (rand16 != NULL)
		memcpy(plain, rand16, 16);
	else if (sig_random(plain, 16) == -1)
		abort();
	plain[16] = (unsigned char)(len >> 24);
	plain[17] = (unsigned char)(len >> 16);
	plain[18] = (unsigned char)(len >> 8);
	plain[19] = (unsigned char)len;
	memcpy(plain + 20, msg, len);
	memcpy(plain + 20 + len, receiveid, rlen);
	for (i = n; i < padded; i++)
		plain[i] = (unsigned char)(padded - n);
	if (sig_aes256cbc_encrypt(key, key, plain, padded, cipher) == -1)
		abort();
	out = xmalloc(4 * ((padded + 2) / 3) + 1);
	sig_b64_encode(cipher, padded, out);
	free(plain);
	free(cipher);
	return (out);
}

void
platforms_wecom_signature(const char *token, const char *ts, const char *nonce,
    const char *encrypt, char out[41])
{
	const char *s[4] = { token, ts, nonce, encrypt }, *t;
	const void *part[4];
	size_t partlen[4], i, j;
	unsigned char md[SIG_SHA1_LEN];

	for (i = 1; i < 4; i++)
		for (j = i; j > 0 && strcmp(s[j - 1], s[j]) > 0; j--) {
			t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	for (i = 0; i < 4; i++) {
		part[i] = s[i];
		partlen[i] = strlen(s[i]);
	}
	if (sig_digest(SIG_SHA1, part, partlen, 4, md) == -1)
		abort();
	sig_hex(md, sizeof(md), out);
}

/* The callback query: msg_signature over enc, timestamp, nonce. */
static void
platforms_wecom_query(struct platforms_req *req, const char *token,
    const char *ts, const char *nonce, const char *enc)
{
	char sig[41], *n;

	platforms_wecom_signature(token, ts, nonce, enc, sig);
	n = adapter_urlencode(nonce);
	free(req->query);
	req->query =
	    xasprintf("msg_signature=%s&timestamp=%s&nonce=%s", sig, ts, n);
	free(n);
}

void
platforms_wecom_app_event(struct platforms_req *req, const char *token,
    const char *eak, const char *corp_id, int64_t ts, const char *nonce,
    const struct platforms_msg *msg)
{
	char *inner, *enc, *t;

	inner = xasprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName>"
			  "<FromUserName><![CDATA[%s]]></FromUserName>"
			  "<CreateTime>%" PRId64 "</CreateTime>"
			  "<MsgType><![CDATA[text]]></MsgType>"
			  "<Content><![CDATA[%s]]></Content>"
			  "<MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>",
	    corp_id, msg->user, msg->at, msg->text, msg->event_id);
	if ((enc = platforms_wecom_encrypt(eak, NULL, inner, strlen(inner),
		 corp_id)) == NULL)
		abort();
	free(inner);
	req->method = "POST";
	free(req->body);
	req->body = xasprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName>"
			      "<Encrypt><![CDATA[%s]]></Encrypt>"
			      "<AgentID><![CDATA[1000002]]></AgentID></xml>",
	    corp_id, enc);
	req->len = strlen(req->body);
	platforms_req_header(req, "Content-Type", "text/xml");
	t = platforms_i64(ts);
	platforms_wecom_query(req, token, t, nonce, enc);
	free(t);
	free(enc);
}

void
platforms_wecom_robot_event(struct platforms_req *req, const char *token,
    const char *eak, int64_t ts, const char *nonce,
    const struct platforms_msg *msg)
{
	char *inner, *enc, *t, *content;

	content = xasprintf("@towerbot %s", msg->text);
	inner = platforms_dump(json_pack("{s:s, s:s, s:s, s:s, s:{s:s},"
					 " s:s, s:{s:s}}",
	    "msgid", msg->event_id, "aibotid", "aib-e2e", "chatid", msg->chat,
	    "chattype", "group", "from", "userid", msg->user, "msgtype", "text",
	    "text", "content", content));
	free(content);
	if ((enc = platforms_wecom_encrypt(eak, NULL, inner, strlen(inner),
		 "")) == NULL)
		abort();
	free(inner);
	platforms_json_body(req, json_pack("{s:s}", "encrypt", enc));
	t = platforms_i64(ts);
	platforms_wecom_query(req, token, t, nonce, enc);
	free(t);
	free(enc);
}

void
platforms_wecom_echo(struct platforms_req *req, const char *token,
    const char *eak, const char *receiveid, int64_t ts, const char *nonce,
    const char *plain)
{
	char *enc, *t, *q, *e;

	if ((enc = platforms_wecom_encrypt(eak, NULL, plain, strlen(plain),
		 receiveid)) == NULL)
		abort();
	t = platforms_i64(ts);
	platforms_wecom_query(req, token, t, nonce, enc);
	e = adapter_urlencode(enc);
	q = xasprintf("%s&echostr=%s", req->query, e);
	free(req->query);
	req->query = q;
	req->method = "GET";
	free(req->body);
	req->body = NULL;
	req->len = 0;
	free(e);
	free(t);
	free(enc);
}

/* ---------------------------------------------------------------- */
/* OneBot */

void
platforms_onebot_signature(const char *secret, const char *body, size_t len,
    char out[46])
{
	unsigned char mac[SIG_SHA1_LEN];

	if (sig_hmac(SIG_SHA1, secret, strlen(secret), body, len, NULL, 0,
		mac) == -1)
		abort();
	memcpy(out, "sha1=", 5);
	sig_hex(mac, sizeof(mac), out + 5);
}

void
platforms_onebot_event(struct platforms_req *req, const char *secret,
    const char *self_id, const struct platforms_msg *msg)
{
	char sig[46];
	json_t *root;

	root = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:n, s:s,"
			 " s:s, s:i, s:{s:I, s:s, s:s, s:s}}",
	    "time", (json_int_t)msg->at, "self_id",
	    (json_int_t)strtoll(self_id, NULL, 10), "post_type", "message",
	    "message_type", "group", "sub_type", "normal", "message_id",
	    (json_int_t)strtoll(msg->event_id, NULL, 10), "group_id",
	    (json_int_t)strtoll(msg->chat, NULL, 10), "user_id",
	    (json_int_t)strtoll(msg->user, NULL, 10), "anonymous", "message",
	    msg->text, "raw_message", msg->text, "font", 0, "sender", "user_id",
	    (json_int_t)strtoll(msg->user, NULL, 10), "nickname",
	    msg->name != NULL ? msg->name : "", "card",
	    msg->name != NULL ? msg->name : "", "role", "member");
	platforms_json_body(req, root);
	platforms_onebot_signature(secret, req->body, req->len, sig);
	platforms_req_header(req, "X-Signature", sig);
}
