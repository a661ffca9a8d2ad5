/*
 * feishu.h -- Feishu / Lark as a towerbot adapter: event subscription 2.0
 * callbacks in (Verification Token, and with an Encrypt Key an AES-256-CBC
 * body signed with X-Lark-Signature), im/v1/messages out, authorised with
 * a cached tenant_access_token.  Wire formats and test vectors:
 * shared/platforms/feishu.md.
 *
 * Config keys: app_id, app_secret, verification_token (required),
 * encrypt_key, bot_open_id, api_base (optional; api_base defaults to
 * https://open.feishu.cn, Lark is https://open.larksuite.com).
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helpers below
 * are exported only so the tests can reach them.
 */
#ifndef ADAPTERS_FEISHU_H
#define ADAPTERS_FEISHU_H

#include <stddef.h>

#include "adapters/adapter.h"

/* platform "feishu" */
extern const struct adapter_ops adapter_feishu;

#define FEISHU_AES_KEY_LEN 32

/* The AES-256 key of an Encrypt Key: SHA-256 of its UTF-8 bytes.  0 or -1. */
int feishu_aes_key(const char *encrypt_key,
    unsigned char key[FEISHU_AES_KEY_LEN]);

/*
 * Decrypt the Base64 value of a body's "encrypt" field, b64[0..len): the
 * first 16 decoded bytes are the IV, the rest AES-256-CBC with PKCS#7
 * padding to 16.  Returns 0 with *out a NUL-terminated plaintext of
 * *outlen bytes (caller frees), or -1 (bad Base64, a length that is not
 * IV plus whole blocks, bad padding) with *out NULL.
 */
int feishu_decrypt(const unsigned char key[FEISHU_AES_KEY_LEN], const char *b64,
    size_t len, char **out, size_t *outlen);

/*
 * The idempotency key ("uuid") format() sends with msg: the first 128 bits
 * of SHA-256 over the chat, reply_to, thread, mention and text, written as
 * 8-4-4-4-12 lowercase hex, so a retried send reuses it.  out holds 37
 * bytes.  0 or -1.
 */
int feishu_uuid(const struct chat_msg *msg, char out[37]);

#endif /* ADAPTERS_FEISHU_H */
