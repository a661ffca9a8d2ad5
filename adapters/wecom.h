/*
 * wecom.h -- WeCom (企业微信) as a towerbot adapter.  In: the self-built
 * app callback (XML) and the smart-robot (智能机器人) callback (JSON), both
 * signed with msg_signature and AES-256-CBC encrypted; the GET echostr
 * URL check is answered inline.  Out: a group robot webhook (msg->robot is
 * its key), the smart robot's response_url, appchat/send for app-created
 * chats, or message/send for 1:1 chats ("user:<userid>").  Wire formats
 * and test vectors: shared/platforms/wecom.md.
 *
 * Config keys: token and encoding_aes_key (required: the callback's Token
 * and 43-character EncodingAESKey); corp_id (the CorpID: receiveid of app
 * callbacks and gettoken's corpid) and corp_secret (the app's Secret) go
 * together and enable the app APIs; agent_id (the app's AgentId, needed
 * for 1:1 sends); api_base (default https://qyapi.weixin.qq.com).
 *
 * verify checks, in order: msg_signature over (token, timestamp, nonce,
 * Encrypt) -- for POST the Encrypt value is first pulled out of the body
 * (XML <Encrypt> with the strict extractor below, or JSON "encrypt"); the
 * timestamp within WECOM_MAX_SKEW_S of now (WeCom documents no window, but
 * nonces are unique for 2 hours and redeliveries come within seconds);
 * then the decryption and its receiveid (app XML: corp_id; smart-robot
 * JSON: "" or the payload's aibotid; GET: "" or corp_id).  Replays inside
 * the window are dropped by bot/'s 24 h dedup on MsgId / msgid.
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helpers
 * below are exported only so the tests can reach them.
 */
#ifndef ADAPTERS_WECOM_H
#define ADAPTERS_WECOM_H

#include <stddef.h>

#include "adapters/adapter.h"

#define WECOM_KEY_LEN    32
#define WECOM_SIG_LEN    41   /* hex SHA-1, NUL included */
#define WECOM_MAX_SKEW_S 7200 /* seconds; see above */
#define WECOM_XML_MAX    128  /* elements recorded per document */
#define WECOM_XML_DEPTH  4    /* nesting below <xml> */

/* platform "wecom" */
extern const struct adapter_ops adapter_wecom;

/* AESKey = Base64(encoding_aes_key + "="), 32 bytes.  0, or -1 if invalid. */
int wecom_aes_key(const char *encoding_aes_key,
    unsigned char key[WECOM_KEY_LEN]);

/*
 * msg_signature: lowercase hex SHA-1 of the four strings sorted bytewise
 * and concatenated, into out[WECOM_SIG_LEN].  0, or -1.
 */
int wecom_signature(const char *token, const char *timestamp, const char *nonce,
    const char *encrypt, char *out);

/* A decrypted payload; release with wecom_plain_clear(). */
struct wecom_plain {
	char *msg; /* NUL-terminated; may hold NULs before len */
	size_t len;
	char *receiveid; /* NUL-terminated */
};

/*
 * Base64-decode and decrypt b64[0..len): AES-256-CBC, IV = key[0:16],
 * PKCS#7 to 32 bytes, layout random(16) | len(BE32) | msg | receiveid.
 * 0 with *out filled, or -1 on bad Base64, length, padding or layout.
 */
int wecom_decrypt(const unsigned char key[WECOM_KEY_LEN], const char *b64,
    size_t len, struct wecom_plain *out);
void wecom_plain_clear(struct wecom_plain *);

/*
 * The flat XML WeCom sends, parsed strictly: one optional <?xml ...?>
 * declaration, a root <xml>, elements without attributes, values as plain
 * text (entities &lt; &gt; &amp; &quot; &apos; &#N; &#xN; decoded) and/or
 * CDATA sections, no comments, no mixed text and elements.  Every element
 * below the root is recorded by path: "Encrypt", "MemChangeList/Item";
 * an element that has children records "".
 */
struct wecom_xml_field {
	char *path;
	char *val;
};

struct wecom_xml {
	size_t n;
	struct wecom_xml_field f[WECOM_XML_MAX];
};

/*
 * Parse s[0..len) into *x.  0, or -1 if malformed (then *x holds nothing
 * to free).  Duplicate top-level elements are malformed.  Release with
 * wecom_xml_clear().
 */
int wecom_xml_parse(const char *s, size_t len, struct wecom_xml *x);
/* The i-th (from 0) value recorded at path, or NULL. */
const char *wecom_xml_get(const struct wecom_xml *x, const char *path,
    size_t i);
void wecom_xml_clear(struct wecom_xml *x);

#endif /* ADAPTERS_WECOM_H */
