/*
 * platforms.h -- correctly signed inbound webhooks of every platform, for
 * the end-to-end tests: each builder turns a simple description of one
 * group message (chat, user, name, text, id) into the HTTP request the
 * platform would send, signed (and encrypted) the platform's way with the
 * given credentials, following shared/platforms/<platform>.md.
 *
 * The crypto is adapters/sig.h only; the schemes are written out here
 * again, independently of the adapters, so a test cannot pass because an
 * adapter and its test share a mistake (check_e2e_platforms.c reproduces
 * each adapter's unit-test vectors with these functions first).  Times are
 * arguments: unix seconds (DingTalk's milliseconds where named _ms).
 * Tests may tamper with a built request (platforms_req_header, the body)
 * to check rejections.  Not thread-safe; every string is malloc'd.
 */
#ifndef TESTS_HARNESS_PLATFORMS_H
#define TESTS_HARNESS_PLATFORMS_H

#include <stddef.h>
#include <stdint.h>

#define PLATFORMS_HDR_MAX 8

/* One inbound group message as a test describes it; all borrowed. */
struct platforms_msg {
	const char *chat;     /* the platform's chat id (group number for
				 OneBot, conversationId for DingTalk...) */
	const char *user;     /* the sender's platform id */
	const char *name;     /* display name, or NULL */
	const char *text;     /* the text as typed, without the bot mention */
	const char *event_id; /* the platform's message id: Slack ts
				 ("1700000000.000100"), Feishu om_..., DingTalk
				 msgId, WeCom MsgId/msgid, OneBot digits */
	int64_t at;           /* when it was sent, unix seconds */
};

/* One request ready to post; owned, release with platforms_req_clear(). */
struct platforms_req {
	const char *method;               /* static: "POST" or "GET" */
	char *query;                      /* without '?'; NULL for none */
	char *body;                       /* NULL for none (GET) */
	size_t len;                       /* of body */
	char *hdr[PLATFORMS_HDR_MAX + 1]; /* "Name: value", NULL-ended */
};

/* Release everything req owns and zero it. */
void platforms_req_clear(struct platforms_req *);

/* Set header name to value, replacing one of that name (any case). */
void platforms_req_header(struct platforms_req *, const char *name,
    const char *value);

/* Replace the body by a copy of body[0..len) (nothing is re-signed). */
void platforms_req_body(struct platforms_req *, const char *body, size_t len);

/*
 * Send req to url (the daemon's webhook URL, without query; req->query is
 * appended).  Returns the HTTP status, 0 if no answer; *resp (may be NULL)
 * gets the answer body (caller frees).
 */
long platforms_send(const char *url, const struct platforms_req *, char **resp);

/*
 * Slack (slack.md section 2).  platforms_slack_sign() adds
 * X-Slack-Request-Timestamp ts and X-Slack-Signature "v0=" hex
 * HMAC-SHA256(secret, "v0:" ts ":" body) for the body req holds.
 * platforms_slack_event() builds and signs an Events API event_callback
 * with a channel "message" event (event.ts = msg->event_id, a
 * user_profile with the name); platforms_slack_challenge() a signed
 * url_verification.
 */
void platforms_slack_sign(struct platforms_req *, const char *secret,
    int64_t ts);
void platforms_slack_event(struct platforms_req *, const char *secret,
    int64_t ts, const struct platforms_msg *);
void platforms_slack_challenge(struct platforms_req *, const char *secret,
    int64_t ts, const char *challenge);

/*
 * Feishu (feishu.md section 2).  platforms_feishu_encrypt(): Base64 of
 * iv (16 bytes; NULL: random) followed by AES-256-CBC of plain with key
 * SHA-256(encrypt_key) and PKCS#7 padding to 16 (caller frees).
 * platforms_feishu_signature(): hex SHA-256(ts || nonce || encrypt_key ||
 * body) into out[65].
 * platforms_feishu_event(): a schema 2.0 im.message.receive_v1 whose
 * header.token is vtoken and header.event_id "ev_" + msg->event_id; with
 * encrypt_key non-NULL the body is {"encrypt":...} and signed with
 * X-Lark-Request-Timestamp ts, X-Lark-Request-Nonce nonce and
 * X-Lark-Signature, else plain JSON (the verification-token mode).
 * platforms_feishu_challenge(): a url_verification, encrypted when
 * encrypt_key is given (and then signed only when ts > 0).
 */
char *platforms_feishu_encrypt(const char *encrypt_key, const unsigned char *iv,
    const char *plain, size_t len);
void platforms_feishu_signature(const char *encrypt_key, const char *ts,
    const char *nonce, const char *body, size_t len, char out[65]);
void platforms_feishu_event(struct platforms_req *, const char *vtoken,
    const char *encrypt_key, int64_t ts, const char *nonce,
    const struct platforms_msg *);
void platforms_feishu_challenge(struct platforms_req *, const char *vtoken,
    const char *encrypt_key, int64_t ts, const char *nonce,
    const char *challenge);

/*
 * DingTalk (dingtalk.md section 2).  platforms_dingtalk_sign(): Base64
 * HMAC-SHA256(secret, ts_ms "\n" secret) into out[45].
 * platforms_dingtalk_event(): an HTTP-mode robot callback for a group
 * (conversationType "2", the bot @-mentioned, createAt create_ms, no
 * sessionWebhook) with headers timestamp ts_ms and sign.
 */
void platforms_dingtalk_sign(const char *secret, const char *ts_ms,
    char out[45]);
void platforms_dingtalk_event(struct platforms_req *, const char *app_secret,
    int64_t ts_ms, int64_t create_ms, const struct platforms_msg *);

/*
 * WeCom (wecom.md section 2).  platforms_wecom_encrypt(): Base64 of
 * AES-256-CBC (key Base64(eak "="), IV its first 16 bytes) over
 * rand16 (NULL: random) || len(BE32) || msg || receiveid, PKCS#7 to 32
 * (caller frees; NULL if eak is invalid).  platforms_wecom_signature():
 * hex SHA-1 of the four strings sorted bytewise, into out[41].
 * platforms_wecom_app_event(): a self-built app callback (POST, outer XML
 * with <Encrypt>, inner text message XML from msg->user, MsgId
 * msg->event_id, receiveid corp_id); platforms_wecom_robot_event(): a
 * smart-robot callback (POST {"encrypt":...}, inner JSON group text
 * message "@robot text" in msg->chat, receiveid ""); both with the query
 * msg_signature, timestamp ts, nonce.  platforms_wecom_echo(): the GET URL
 * check with echostr = the encryption of plain.
 */
char *platforms_wecom_encrypt(const char *eak, const unsigned char *rand16,
    const char *msg, size_t len, const char *receiveid);
void platforms_wecom_signature(const char *token, const char *ts,
    const char *nonce, const char *encrypt, char out[41]);
void platforms_wecom_app_event(struct platforms_req *, const char *token,
    const char *eak, const char *corp_id, int64_t ts, const char *nonce,
    const struct platforms_msg *);
void platforms_wecom_robot_event(struct platforms_req *, const char *token,
    const char *eak, int64_t ts, const char *nonce,
    const struct platforms_msg *);
void platforms_wecom_echo(struct platforms_req *, const char *token,
    const char *eak, const char *receiveid, int64_t ts, const char *nonce,
    const char *plain);

/*
 * OneBot v11 (onebot.md section 2).  platforms_onebot_signature():
 * "sha1=" hex HMAC-SHA1(secret, body) into out[46].
 * platforms_onebot_event(): a group "message" report from self_id in
 * group msg->chat (message_id msg->event_id, digits), signed with
 * X-Signature.
 */
void platforms_onebot_signature(const char *secret, const char *body,
    size_t len, char out[46]);
void platforms_onebot_event(struct platforms_req *, const char *secret,
    const char *self_id, const struct platforms_msg *);

#endif /* TESTS_HARNESS_PLATFORMS_H */
