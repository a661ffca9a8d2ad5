/*
 * check_feishu.c -- the Feishu adapter against shared/platforms/feishu.md:
 * its signature and AES vectors verbatim, the recorded payloads under
 * tests/fixtures/feishu/, format, classify and the token lifecycle.
 * Values not in feishu.md (ciphertexts for the reject rows, uuids) were
 * computed with python3 and the "cryptography" package, never with sig.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/feishu.h"
#include "adapters/sig.h"
#include "tests/adapters/fixture.h"
#include "tests/suites.h"

/* feishu.md section 2, vector F-A (Feishu's documented sample). */
#define FA_KEY "test key"
#define FA_AES_HEX                                                             \
	"fa2bdca424f01f01ffb48df93acc35d439c7fd331a1a7fba6ac2fd83aa9ab31a"
#define FA_ENCRYPT "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
#define FA_PLAIN   "hello world"

/* feishu.md section 2, vector F-B (encrypted url_verification). */
#define FB_KEY "kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK"
#define FB_AES_HEX                                                             \
	"d3c3202eeb7812f699b91b0e9f79bf779246e4ef6b8076b70f4d4ee5ba1ecba7"
#define FB_PLAIN                                                               \
	"{\"challenge\":\"c7Yq2Lr9XwT4bNz0\",\"token\":\"vTok-123\",\"type\":" \
	"\"url_verification\"}"
#define FB_ENCRYPT                                                             \
	"AAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7ZgXI+fByWlgCgWeib"  \
	"VOsJYua4xRPFnhYFFRQQQQCb95kHJGhDd8o1vlImC97yRp/LH+Vx078Sz0Okd"
#define FB_BODY "{\"encrypt\":\"" FB_ENCRYPT "\"}"

/* feishu.md section 2, vector F-C (signature over the F-B body). */
#define FC_TS    "1700000000"
#define FC_NONCE "8d1f2a47"
#define FC_SIG                                                                 \
	"516521e92ca004f29b5f2648571d928a682277fc1db64f995b8014d7541138bc"

/* feishu.md section 2, vector F-D (signature over a plaintext event). */
#define FD_BODY                                                                \
	"{\"schema\":\"2.0\",\"header\":{\"event_id\":"                        \
	"\"9b1f0c6e2d7a4e3f8c5b1a0d2e4f6a8b\",\"event_type\":"                 \
	"\"im.message.receive_v1\",\"create_time\":\"1700000000123\","         \
	"\"token\":\"vTok-123\",\"app_id\":\"cli_a1b2c3\",\"tenant_key\":"     \
	"\"3fa8c1d27e9b5a04\"},\"event\":{\"message\":{\"chat_id\":"           \
	"\"oc_7e2b9c4d1f0a3e5b6c8d9e0f1a2b3c4d\",\"chat_type\":\"group\","     \
	"\"content\":\"{\\\"text\\\":\\\"@_user_1 hi\\\"}\",\"message_id\":"   \
	"\"om_4c1e9a7b3d5f2e8a0b6c9d1e3f5a7b9c\",\"message_type\":\"text\"}}}"
#define FD_SIG                                                                 \
	"d00f00a115f676eaf5bc61e71aa55e47a656400d0edb96ab7d63e8d91b50ffff"

/* python3: F-B plaintext with token "vTok-bad", same key and IV. */
#define WRONGTOK_BODY                                                          \
	"{\"encrypt\":"                                                        \
	"\"AAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7ZgXI"             \
	"+fByWlgCgWsxcEMJUxRQPgj/I2SNZB/SrPNgamvb5UzpktSRVbsx2tFUscwzmZN+aHz1" \
	"BBvYpa\"}"
/* python3: one block {"a":1} + nine 0x00 bytes, no padding: invalid. */
#define BADPAD_ENCRYPT "AAECAwQFBgcICQoLDA0OD4H3eJqx5mjDNeqhDtJ0YNQ="

#define CHAT     "oc_7e2b9c4d1f0a3e5b6c8d9e0f1a2b3c4d"
#define SENDER   "ou_2d8f4b6a1c9e3f7b5a0d2c4e6f8a1b3d"
#define BOT      "ou_b07b07b07b07b07b07b07b07b07b07b0"
#define ALICE    "ou_a11ce0a11ce0a11ce0a11ce0a11ce0a1"
#define XIAOMING "ou_b0bb0bb0bb0bb0bb0bb0bb0bb0bb0bb0"
#define MSGID    "om_4c1e9a7b3d5f2e8a0b6c9d1e3f5a7b9c"
#define TOKEN    "t-g1044ab7c9e2f5d8a3b6c0e4f7a9d2c5b8e1f3a6"
#define T0       1700000000

static void *enc;   /* encrypt_key F-B, bot_open_id BOT */
static void *plain; /* no encrypt_key, no bot_open_id */

static void
setup(void)
{
	json_t *c;
	char err[256];

	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "app_id",
	    "cli_a1b2c3d4e5f6", "app_secret", "s3cr3t", "verification_token",
	    "vTok-123", "encrypt_key", FB_KEY, "bot_open_id", BOT, "api_base",
	    "http://127.0.0.1:9/");
	ck_assert_int_eq(adapter_feishu.init(&enc, c, err, sizeof(err)), 0);
	json_decref(c);
	c = json_pack("{s:s, s:s, s:s}", "app_id", "cli_a1b2c3d4e5f6",
	    "app_secret", "s3cr3t", "verification_token", "vTok-123");
	ck_assert_int_eq(adapter_feishu.init(&plain, c, err, sizeof(err)), 0);
	json_decref(c);
}

static void
teardown(void)
{
	adapter_feishu.free(enc);
	adapter_feishu.free(plain);
	enc = plain = NULL;
}

static enum adapter_rc
parse_body(void *priv, const char *body, size_t len, struct chat_event *ev,
    struct webreply *rep)
{
	struct webhook wh = { "POST", "", "", NULL, body, len };

	memset(rep, 0, sizeof(*rep));
	return (adapter_feishu.parse(priv, &wh, ev, rep));
}

static enum adapter_rc
parse_fixture(void *priv, const char *name, struct chat_event *ev)
{
	struct webreply rep;
	enum adapter_rc rc;
	size_t len;
	char *body = fixture_read("feishu", name, &len);

	rc = parse_body(priv, body, len, ev, &rep);
	free(rep.body);
	free(body);
	return (rc);
}

/* ---------------------------------------------------------------- */
/* Vectors */

START_TEST(vector_fa_decrypts_hello_world)
{
	unsigned char key[FEISHU_AES_KEY_LEN];
	char hex[2 * FEISHU_AES_KEY_LEN + 1], *out;
	size_t n;

	ck_assert_int_eq(feishu_aes_key(FA_KEY, key), 0);
	sig_hex(key, sizeof(key), hex);
	ck_assert_str_eq(hex, FA_AES_HEX);
	ck_assert_int_eq(feishu_decrypt(key, FA_ENCRYPT, strlen(FA_ENCRYPT),
			     &out, &n),
	    0);
	ck_assert_uint_eq(n, 11);
	ck_assert_str_eq(out, FA_PLAIN);
	free(out);
}
END_TEST

START_TEST(vector_fb_decrypts_url_verification)
{
	unsigned char key[FEISHU_AES_KEY_LEN];
	char hex[2 * FEISHU_AES_KEY_LEN + 1], *out;
	size_t n;

	ck_assert_int_eq(feishu_aes_key(FB_KEY, key), 0);
	sig_hex(key, sizeof(key), hex);
	ck_assert_str_eq(hex, FB_AES_HEX);
	ck_assert_int_eq(feishu_decrypt(key, FB_ENCRYPT, strlen(FB_ENCRYPT),
			     &out, &n),
	    0);
	ck_assert_uint_eq(n, strlen(FB_PLAIN));
	ck_assert_str_eq(out, FB_PLAIN);
	free(out);
}
END_TEST

/* Broken ciphertexts: feishu_decrypt says -1 and hands back nothing. */
static const char *const bad_cipher_rows[] = {
	"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk",  /* no padding '=' */
	"P37w+VZImNgPEO1RBhJ6RtKl7n6z!mIbEG1pReEzghk=", /* not Base64 */
	"AAECAwQFBgcICQoLDA0ODw==",                     /* IV only */
	"AAECAwQFBgcICQoLDA0OD4H3eJqx5mjDNeqhDtJ0YNQA", /* 16 + 17 bytes */
	BADPAD_ENCRYPT,                                 /* PKCS#7 */
	"",
};

START_TEST(decrypt_rejects_broken_ciphertext)
{
	unsigned char key[FEISHU_AES_KEY_LEN];
	const char *in = bad_cipher_rows[_i];
	char *out = (char *)1;
	size_t n = 99;

	ck_assert_int_eq(feishu_aes_key(FB_KEY, key), 0);
	ck_assert_msg(feishu_decrypt(key, in, strlen(in), &out, &n) == -1,
	    "row %d accepted", _i);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* verify, with an Encrypt Key */

static const struct {
	const char *ts, *nonce, *sig, *body;
	int64_t now;
	enum adapter_rc want;
} verify_rows[] = {
	{ FC_TS, FC_NONCE, FC_SIG, FB_BODY, T0, ADAPTER_OK }, /* F-C */
	{ FC_TS, FC_NONCE, FD_SIG, FD_BODY, T0, ADAPTER_OK }, /* F-D */
	{ FC_TS, FC_NONCE, FC_SIG, FB_BODY, T0 + 300, ADAPTER_OK },
	{ FC_TS, FC_NONCE, FC_SIG, FB_BODY, T0 - 300, ADAPTER_OK },
	{ FC_TS, FC_NONCE, FC_SIG, FB_BODY, T0 + 301, ADAPTER_EAUTH }, /* old */
	{ FC_TS, FC_NONCE, FC_SIG, FB_BODY, T0 - 301, ADAPTER_EAUTH }, /* fut */
	/* one byte of the ciphertext changed */
	{ FC_TS, FC_NONCE, FC_SIG,
	    "{\"encrypt\":"
	    "\"BAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7Zg"
	    "XI+fByWlgCgWeibVOsJYua4xRPFnhYFFRQQQQCb95kHJGhDd8o1vlImC97yRp/LH+V"
	    "x078Sz0Okd\"}",
	    T0, ADAPTER_EAUTH },
	{ FC_TS, FC_NONCE, FD_SIG, FD_BODY " ", T0, ADAPTER_EAUTH }, /* +1 B */
	{ FC_TS, "8d1f2a48", FC_SIG, FB_BODY, T0, ADAPTER_EAUTH },   /* nonce */
	{ "1700000001", FC_NONCE, FC_SIG, FB_BODY, T0, ADAPTER_EAUTH },
	{ NULL, FC_NONCE, FC_SIG, FB_BODY, T0, ADAPTER_EAUTH }, /* no ts */
	{ FC_TS, NULL, FC_SIG, FB_BODY, T0, ADAPTER_EAUTH },    /* no nonce */
	{ FC_TS, FC_NONCE, "sha256=" FC_SIG, FB_BODY, T0, ADAPTER_EAUTH },
	{ FC_TS, FC_NONCE, FD_SIG, FB_BODY, T0, ADAPTER_EAUTH },  /* swapped */
	{ "17e8", FC_NONCE, FC_SIG, FB_BODY, T0, ADAPTER_EAUTH }, /* not int */
	{ FC_TS, FC_NONCE, "", FB_BODY, T0, ADAPTER_EAUTH },
	/* unsigned: only an encrypted handshake with our token passes */
	{ NULL, NULL, NULL, FB_BODY, T0, ADAPTER_OK },
	{ NULL, NULL, NULL, WRONGTOK_BODY, T0, ADAPTER_EAUTH },
	{ NULL, NULL, NULL, FD_BODY, T0, ADAPTER_EAUTH },
	{ NULL, NULL, NULL, "{\"encrypt\":\"" BADPAD_ENCRYPT "\"}", T0,
	    ADAPTER_EAUTH },
	{ NULL, NULL, NULL, "{\"encrypt\":\"@@@@\"}", T0, ADAPTER_EAUTH },
	{ NULL, NULL, NULL, "", T0, ADAPTER_EAUTH },
};

START_TEST(verify_signature_and_window)
{
	const char *hdr[7];
	struct webhook wh = { "POST", "", "", hdr, verify_rows[_i].body,
		strlen(verify_rows[_i].body) };
	enum adapter_rc got;
	size_t n = 0;

	if (verify_rows[_i].ts != NULL) {
		hdr[n++] = "X-Lark-Request-Timestamp";
		hdr[n++] = verify_rows[_i].ts;
	}
	if (verify_rows[_i].nonce != NULL) {
		hdr[n++] = "X-Lark-Request-Nonce";
		hdr[n++] = verify_rows[_i].nonce;
	}
	if (verify_rows[_i].sig != NULL) {
		hdr[n++] = "x-lark-signature"; /* names are case-insensitive */
		hdr[n++] = verify_rows[_i].sig;
	}
	hdr[n] = NULL;
	got = adapter_feishu.verify(enc, &wh, verify_rows[_i].now);
	ck_assert_msg(got == verify_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
}
END_TEST

/* The F-C request end to end: verify, then parse answers the challenge
 * in plain JSON. */
START_TEST(encrypted_url_verification_answers_challenge)
{
	const char *hdr[] = { "X-Lark-Request-Timestamp", FC_TS,
		"X-Lark-Request-Nonce", FC_NONCE, "X-Lark-Signature", FC_SIG,
		NULL };
	size_t len;
	char *body =
	    fixture_read("feishu", "url_verification_encrypted.json", &len);
	struct webhook wh = { "POST", "", "", hdr, body, len };
	struct chat_event ev;
	struct webreply rep = { 0, NULL, NULL };
	json_t *got, *want;

	ck_assert_str_eq(body, FB_BODY);
	ck_assert_int_eq(adapter_feishu.verify(enc, &wh, T0), ADAPTER_OK);
	ck_assert_int_eq(adapter_feishu.parse(enc, &wh, &ev, &rep),
	    ADAPTER_REPLY);
	ck_assert_str_eq(rep.ctype, "application/json");
	ck_assert(rep.status == 0 || rep.status == 200);
	got = json_loads(rep.body, 0, NULL);
	want = json_pack("{s:s}", "challenge", "c7Yq2Lr9XwT4bNz0");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	free(rep.body);
	free(body);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Without an Encrypt Key: the Verification Token is the check. */

static const struct {
	const char *body;
	enum adapter_rc verify, parse;
} plain_rows[] = {
	{ "{\"challenge\":\"c7Yq2Lr9XwT4bNz0\",\"token\":\"vTok-123\","
	  "\"type\":\"url_verification\"}",
	    ADAPTER_OK, ADAPTER_REPLY },
	{ "{\"challenge\":\"c7Yq2Lr9XwT4bNz0\",\"token\":\"vTok-124\","
	  "\"type\":\"url_verification\"}",
	    ADAPTER_EAUTH, ADAPTER_EAUTH },
	{ "{\"challenge\":\"c7Yq2Lr9XwT4bNz0\",\"type\":\"url_verification\"}",
	    ADAPTER_EAUTH, ADAPTER_EAUTH },
	{ "{\"challenge\":\"x\",\"token\":7,\"type\":\"url_verification\"}",
	    ADAPTER_EAUTH, ADAPTER_EAUTH },
	/* schema 2.0 reads header.token, not a top-level one */
	{ "{\"schema\":\"2.0\",\"token\":\"vTok-123\",\"header\":{\"token\":"
	  "\"nope\",\"event_id\":\"e1\",\"event_type\":\"x.y\"},\"event\":{}}",
	    ADAPTER_EAUTH, ADAPTER_EAUTH },
	{ FD_BODY, ADAPTER_OK, ADAPTER_EPARSE },   /* F-D has no sender */
	{ FB_BODY, ADAPTER_EAUTH, ADAPTER_EAUTH }, /* encrypted, no key */
	{ "{\"uuid\":\"u1\",\"token\":\"vTok-123\",\"ts\":\"1\",\"type\":"
	  "\"event_callback\",\"event\":{}}",
	    ADAPTER_OK, ADAPTER_SKIP }, /* schema 1.0 */
	{ "", ADAPTER_EPARSE, ADAPTER_EPARSE },
	{ "{\"token\":", ADAPTER_EPARSE, ADAPTER_EPARSE },
	{ "[\"vTok-123\"]", ADAPTER_EPARSE, ADAPTER_EPARSE },
	{ "null", ADAPTER_EPARSE, ADAPTER_EPARSE },
};

START_TEST(plain_mode_checks_token)
{
	const char *hdr[] = { NULL };
	struct webhook wh = { "POST", "", "", hdr, plain_rows[_i].body,
		strlen(plain_rows[_i].body) };
	struct chat_event ev;
	struct webreply rep = { 0, NULL, NULL };
	enum adapter_rc got;

	got = adapter_feishu.verify(plain, &wh, T0);
	ck_assert_msg(got == plain_rows[_i].verify, "row %d verify: got %s", _i,
	    adapter_rc_str(got));
	got = adapter_feishu.parse(plain, &wh, &ev, &rep);
	ck_assert_msg(got == plain_rows[_i].parse, "row %d parse: got %s", _i,
	    adapter_rc_str(got));
	if (got == ADAPTER_REPLY) {
		json_t *j = json_loads(rep.body, 0, NULL);

		ck_assert_str_eq(json_string_value(
				     json_object_get(j, "challenge")),
		    "c7Yq2Lr9XwT4bNz0");
		ck_assert_uint_eq(json_object_size(j), 1);
		ck_assert_str_eq(rep.ctype, "application/json");
		json_decref(j);
	}
	free(rep.body);
}
END_TEST

/*
 * Encrypted bodies that got past verify (the sender signed them) but do
 * not decrypt are malformed requests: parse says EPARSE (400).  The same
 * bodies unsigned fail verify with EAUTH (verify_signature_and_window),
 * since then nothing vouches for them.
 */
static const char *const parse_cipher_rows[] = {
	"{\"encrypt\":\"" BADPAD_ENCRYPT "\"}",
	"{\"encrypt\":\"AAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7Zg"
	"XI+fByWlgCgWeibVOsJYua4xRPFnhYFFRQQQQCb95kHJGhDd8o1vlImC97yRp/LH+V"
	"x078Sz0Okd=\"}", /* bad Base64 */
	"{\"encrypt\":\"AAECAwQFBgcICQoLDA0OD8IHrEW3yBFr3ZlD5Uk9cUBccDjuN7Zg"
	"XI+fByWlgCgWeibVOsJYua4xRPFnhYFFRQQQQCb95kHJGhDd8o1vlImC97yRp/LH+V"
	"x078Sz0Oke\"}", /* last block tampered: padding breaks */
	"{\"encrypt\":12}",
	"{\"encrypt\":\"\"}",
};

START_TEST(parse_rejects_undecryptable)
{
	struct chat_event ev;
	struct webreply rep;
	enum adapter_rc got;
	const char *b = parse_cipher_rows[_i];

	got = parse_body(enc, b, strlen(b), &ev, &rep);
	ck_assert_msg(got == ADAPTER_EPARSE, "row %d: got %s", _i,
	    adapter_rc_str(got));
	ck_assert_ptr_null(rep.body);
}
END_TEST

/* ---------------------------------------------------------------- */
/* parse */

/* feishu.md section 1 sample, verbatim: the bot's mention goes. */
START_TEST(parse_sample_strips_bot_mention)
{
	struct chat_event ev;
	void *a;
	json_t *c;
	char err[128];

	c = json_pack("{s:s, s:s, s:s, s:s}", "app_id", "cli_a1b2c3d4e5f6",
	    "app_secret", "x", "verification_token", "vTok-123", "bot_open_id",
	    "ou_bot…");
	ck_assert_int_eq(adapter_feishu.init(&a, c, err, sizeof(err)), 0);
	json_decref(c);
	ck_assert_int_eq(parse_fixture(a, "message_group.json", &ev),
	    ADAPTER_OK);
	adapter_feishu.free(a);
	ck_assert_int_eq(ev.kind, CHAT_MESSAGE);
	ck_assert_str_eq(ev.text, "status please");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_int_eq(ev.is_group, 1);
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_str_eq(ev.event_id, "9b1f0c6e2d7a4e3f8c5b1a0d2e4f6a8b");
	ck_assert_str_eq(ev.chat, CHAT);
	ck_assert_str_eq(ev.msg_id, MSGID);
	ck_assert_str_eq(ev.from.id, SENDER);
	ck_assert_str_eq(ev.from.name, ""); /* not in the event */
	ck_assert_int_eq(ev.at, 1700000000);

	/* Without bot_open_id, the mention opening the text is the bot. */
	ck_assert_int_eq(parse_fixture(plain, "message_group.json", &ev),
	    ADAPTER_OK);
	ck_assert_str_eq(ev.text, "status please");
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_uint_eq(ev.nmentions, 0);
}
END_TEST

static void
check_signup(const struct chat_event *ev)
{
	ck_assert_int_eq(ev->kind, CHAT_MESSAGE);
	ck_assert_str_eq(ev->text, "/signup 3 with @Alice and @王小明");
	ck_assert_int_eq(ev->to_bot, 1);
	ck_assert_int_eq(ev->is_group, 1);
	ck_assert_uint_eq(ev->nmentions, 2);
	ck_assert_str_eq(ev->mentions[0].id, ALICE);
	ck_assert_str_eq(ev->mentions[0].name, "Alice");
	ck_assert_str_eq(ev->mentions[1].id, XIAOMING);
	ck_assert_str_eq(ev->mentions[1].name, "王小明");
	ck_assert_str_eq(ev->event_id, "5d2c8e1a7f3b4c6d9e0a1b2c3d4e5f6a");
	ck_assert_str_eq(ev->msg_id, "om_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d");
	ck_assert_str_eq(ev->from.id, SENDER);
	ck_assert_int_eq(ev->at, 1700000100);
}

START_TEST(parse_mentions_become_names)
{
	struct chat_event ev;

	ck_assert_int_eq(parse_fixture(enc, "message_signup.json", &ev),
	    ADAPTER_OK);
	check_signup(&ev);
	ck_assert_int_eq(parse_fixture(plain, "message_signup.json", &ev),
	    ADAPTER_OK);
	check_signup(&ev);
}
END_TEST

/* The same event, encrypted by python3 with the F-B key. */
START_TEST(parse_encrypted_message)
{
	struct chat_event ev;

	ck_assert_int_eq(parse_fixture(enc, "message_signup_encrypted.json",
			     &ev),
	    ADAPTER_OK);
	check_signup(&ev);
}
END_TEST

#define MSG_PRE                                                                \
	"{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e1\",\"event_type\":"  \
	"\"im.message.receive_v1\",\"create_time\":\"1700000000999\","         \
	"\"token\":\"vTok-123\"},\"event\":{\"sender\":{\"sender_id\":{"       \
	"\"open_id\":\"ou_s\"},\"sender_type\":\"user\"},\"message\":{"        \
	"\"message_id\":\"om_1\",\"chat_id\":\"oc_1\",\"chat_type\":"          \
	"\"group\",\"message_type\":\"text\","
#define MSG_POST "}}}"

/* Mention rules without bot_open_id, and placeholder edge cases. */
static const struct {
	void **a;
	const char *body;
	enum adapter_rc want;
	const char *text;
	int to_bot;
	size_t nmentions;
} msg_rows[] = {
	/* mentioned_type decides when present: a leading user is no bot */
	{ &plain,
	    MSG_PRE
	    "\"content\":\"{\\\"text\\\":\\\"@_user_1 hi @_user_2\\\"}\","
	    "\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
	    "\"ou_a\"},\"name\":\"A\",\"mentioned_type\":\"user\"},"
	    "{\"key\":\"@_user_2\",\"id\":{\"open_id\":\"ou_b\"},"
	    "\"name\":\"B\",\"mentioned_type\":\"bot\"}]" MSG_POST,
	    ADAPTER_OK, "@A hi ", 1, 1 },
	/* no leading mention, no mentioned_type: nobody is the bot */
	{ &plain,
	    MSG_PRE "\"content\":\"{\\\"text\\\":\\\"hi @_user_1\\\"}\","
		    "\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
		    "\"ou_a\"},\"name\":\"A\"}]" MSG_POST,
	    ADAPTER_OK, "hi @A", 0, 1 },
	/* longest key wins: @_user_10 is not @_user_1 followed by 0 */
	{ &enc,
	    MSG_PRE
	    "\"content\":\"{\\\"text\\\":\\\"@_user_10 @_user_1 x\\\"}\","
	    "\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
	    "\"" BOT "\"},\"name\":\"Bot\"},{\"key\":\"@_user_10\","
	    "\"id\":{\"open_id\":\"ou_j\"},\"name\":\"J\"}]" MSG_POST,
	    ADAPTER_OK, "@J  x", 1, 1 },
	/* with bot_open_id, only that open_id is the bot */
	{ &enc,
	    MSG_PRE "\"content\":\"{\\\"text\\\":\\\"@_user_1 /me\\\"}\","
		    "\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
		    "\"ou_other\"},\"name\":\"Other Bot\",\"mentioned_type\":"
		    "\"bot\"}]" MSG_POST,
	    ADAPTER_OK, "@Other Bot /me", 0, 1 },
	/* @_all stays; no mentions array at all */
	{ &enc,
	    MSG_PRE
	    "\"content\":\"{\\\"text\\\":\\\"@_all 收到\\\"}\"" MSG_POST,
	    ADAPTER_OK, "@_all 收到", 0, 0 },
	{ &enc, MSG_PRE "\"content\":\"{\\\"text\\\":\\\"\\\"}\"" MSG_POST,
	    ADAPTER_OK, "", 0, 0 },
	{ &enc, MSG_PRE "\"content\":\"not json\"" MSG_POST, ADAPTER_EPARSE,
	    NULL, 0, 0 },
	{ &enc, MSG_PRE "\"content\":\"{\\\"text\\\":5}\"" MSG_POST,
	    ADAPTER_EPARSE, NULL, 0, 0 },
	{ &enc, MSG_PRE "\"content\":{\"text\":\"hi\"}" MSG_POST,
	    ADAPTER_EPARSE, NULL, 0, 0 },
	{ &enc,
	    MSG_PRE
	    "\"content\":\"{\\\"text\\\":\\\"x\\\"}\",\"mentions\":{}" MSG_POST,
	    ADAPTER_EPARSE, NULL, 0, 0 },
	{ &enc,
	    MSG_PRE "\"content\":\"{\\\"text\\\":\\\"x\\\"}\",\"mentions\":["
		    "7]" MSG_POST,
	    ADAPTER_EPARSE, NULL, 0, 0 },
	{ &enc,
	    MSG_PRE "\"content\":\"{\\\"image_key\\\":\\\"k\\\"}\","
		    "\"message_type\":\"image\"" MSG_POST,
	    ADAPTER_SKIP, NULL, 0, 0 },
};

START_TEST(parse_message_rows)
{
	struct chat_event ev;
	struct webreply rep;
	enum adapter_rc got;
	const char *b = msg_rows[_i].body;

	got = parse_body(*msg_rows[_i].a, b, strlen(b), &ev, &rep);
	ck_assert_msg(got == msg_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
	if (got != ADAPTER_OK)
		return;
	ck_assert_msg(strcmp(ev.text, msg_rows[_i].text) == 0,
	    "row %d: text \"%s\"", _i, ev.text);
	ck_assert_msg(ev.to_bot == msg_rows[_i].to_bot, "row %d: to_bot", _i);
	ck_assert_msg(ev.nmentions == msg_rows[_i].nmentions,
	    "row %d: %zu mentions", _i, ev.nmentions);
	ck_assert_int_eq(ev.at, 1700000000);
}
END_TEST

START_TEST(parse_p2p_is_for_the_bot)
{
	struct chat_event ev;

	ck_assert_int_eq(parse_fixture(plain, "message_p2p.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.is_group, 0);
	ck_assert_int_eq(ev.to_bot, 1);
	ck_assert_str_eq(ev.text, "/me");
	ck_assert_str_eq(ev.chat, "oc_p2p0c4d1f0a3e5b6c8d9e0f1a2b3c4d5");
	ck_assert_int_eq(ev.at, 1700000200);
}
END_TEST

START_TEST(parse_own_app_message_is_skipped)
{
	struct chat_event ev;

	ck_assert_int_eq(parse_fixture(plain, "message_from_app.json", &ev),
	    ADAPTER_SKIP);
}
END_TEST

START_TEST(parse_member_added_and_deleted)
{
	struct chat_event ev;

	ck_assert_int_eq(parse_fixture(plain, "member_added.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_JOIN);
	ck_assert_str_eq(ev.chat, CHAT);
	ck_assert_str_eq(ev.chat_title, "溪口村第三组");
	ck_assert_str_eq(ev.event_id, "c0ffee00c0ffee00c0ffee00c0ffee00");
	ck_assert_str_eq(ev.from.id, ALICE);
	ck_assert_str_eq(ev.from.name, "Alice");
	ck_assert_uint_eq(ev.nmentions, 1);
	ck_assert_str_eq(ev.mentions[0].id, XIAOMING);
	ck_assert_str_eq(ev.mentions[0].name, "王小明");
	ck_assert_int_eq(ev.at, 1700000300);
	ck_assert_int_eq(ev.is_group, 1);

	ck_assert_int_eq(parse_fixture(plain, "member_deleted.json", &ev),
	    ADAPTER_OK);
	ck_assert_int_eq(ev.kind, CHAT_LEAVE);
	ck_assert_str_eq(ev.from.id, XIAOMING);
	ck_assert_uint_eq(ev.nmentions, 0);
	ck_assert_str_eq(ev.event_id, "dead0000dead0000dead0000dead0000");
	ck_assert_int_eq(ev.at, 1700000400);
}
END_TEST

/* Other event types are acknowledged and dropped; broken shapes are 400. */
static const struct {
	const char *body;
	enum adapter_rc want;
} other_rows[] = {
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e2\",\"event_type\":"
	  "\"im.chat.member.bot.added_v1\",\"token\":\"vTok-123\"},"
	  "\"event\":{\"chat_id\":\"oc_1\"}}",
	    ADAPTER_SKIP },
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e2\",\"event_type\":"
	  "\"im.chat.member.user.withdrawn_v1\",\"token\":\"vTok-123\"},"
	  "\"event\":{}}",
	    ADAPTER_SKIP },
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":5,\"event_type\":"
	  "\"im.message.receive_v1\",\"token\":\"vTok-123\"},\"event\":{}}",
	    ADAPTER_EPARSE },
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e3\",\"event_type\":"
	  "\"im.message.receive_v1\",\"token\":\"vTok-123\"},\"event\":[]}",
	    ADAPTER_EPARSE },
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e4\",\"event_type\":"
	  "\"im.chat.member.user.added_v1\",\"token\":\"vTok-123\"},"
	  "\"event\":{\"chat_id\":\"oc_1\",\"users\":[]}}",
	    ADAPTER_EPARSE },
	{ "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e5\",\"event_type\":"
	  "\"im.chat.member.user.added_v1\",\"token\":\"vTok-123\"},"
	  "\"event\":{\"chat_id\":\"oc_1\",\"users\":[{\"name\":\"x\"}]}}",
	    ADAPTER_EPARSE },
	{ "{\"schema\":\"3.0\",\"token\":\"vTok-123\"}", ADAPTER_EPARSE },
	{ "{\"type\":\"url_verification\",\"token\":\"vTok-123\"}",
	    ADAPTER_EPARSE }, /* no challenge */
};

START_TEST(parse_other_events)
{
	struct chat_event ev;
	struct webreply rep;
	enum adapter_rc got;

	got = parse_body(plain, other_rows[_i].body,
	    strlen(other_rows[_i].body), &ev, &rep);
	ck_assert_msg(got == other_rows[_i].want, "row %d: got %s", _i,
	    adapter_rc_str(got));
	ck_assert_ptr_null(rep.body);
}
END_TEST

/* A huge text is cut at a UTF-8 boundary, never overflows. */
START_TEST(parse_huge_text_is_truncated)
{
	size_t n = 3 * CHAT_TEXT_MAX, i;
	char *text = malloc(n + 1), *body;
	struct chat_event ev;
	struct webreply rep;
	size_t len;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i + 3 <= n; i += 3)
		memcpy(text + i, "好", 3);
	text[i] = '\0';
	len = strlen(MSG_PRE) + n + 64;
	body = malloc(len);
	ck_assert_ptr_nonnull(body);
	snprintf(body, len,
	    MSG_PRE "\"content\":\"{\\\"text\\\":\\\"%s\\\"}\"" MSG_POST, text);
	ck_assert_int_eq(parse_body(enc, body, strlen(body), &ev, &rep),
	    ADAPTER_OK);
	ck_assert_uint_lt(strlen(ev.text), CHAT_TEXT_MAX);
	ck_assert_uint_eq(strlen(ev.text) % 3, 0);
	free(text);
	free(body);
}
END_TEST

/* ---------------------------------------------------------------- */
/* auth */

static int
give_token(void *a, int64_t now)
{
	const char *body = "{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\":"
			   "\"" TOKEN "\",\"expire\":7200}";
	struct httpresp r = { 200, body, strlen(body), NULL, NULL };

	return (adapter_feishu.auth_parse(a, &r, now));
}

START_TEST(auth_lifecycle)
{
	struct httpreq req;
	struct chat_msg msg = { .chat = CHAT, .text = "hi", .now = T0 };
	json_t *got, *want;
	const char *bad = "{\"code\":10003,\"msg\":\"invalid param\"}";
	struct httpresp r = { 200, bad, strlen(bad), NULL, NULL };

	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0), 1);
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), -1);

	ck_assert_int_eq(adapter_feishu.auth_request(enc, &req), 0);
	ck_assert_str_eq(req.url, "http://127.0.0.1:9/open-apis/auth/v3/"
				  "tenant_access_token/internal");
	ck_assert_str_eq(req.log_url, req.url);
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0],
	    "Content-Type: application/json; charset=utf-8");
	got = json_loads(req.body, 0, NULL);
	want = json_pack("{s:s, s:s}", "app_id", "cli_a1b2c3d4e5f6",
	    "app_secret", "s3cr3t");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	ck_assert_int_eq(adapter_feishu.auth_parse(enc, &r, T0), -1);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0), 1);

	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 5399), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 5400), 1);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 7200), 1);

	/* a failed renewal keeps the token we have */
	ck_assert_int_eq(adapter_feishu.auth_parse(enc, &r, T0 + 5400), -1);
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), 0);
	ck_assert_str_eq(req.hdr[0], "Authorization: Bearer " TOKEN);
	httpreq_clear(&req);

	ck_assert_int_eq(give_token(enc, T0 + 5400), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 5400), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 10799), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(enc, T0 + 10800), 1);
}
END_TEST

static const struct {
	long status;
	const char *body;
} auth_bad_rows[] = {
	{ 500, "{\"code\":0,\"tenant_access_token\":\"t-1\",\"expire\":7200}" },
	{ 200, "{\"code\":0,\"tenant_access_token\":\"t-1\"}" },
	{ 200, "{\"code\":0,\"tenant_access_token\":\"\",\"expire\":7200}" },
	{ 200, "{\"code\":0,\"tenant_access_token\":5,\"expire\":7200}" },
	{ 200, "{\"code\":0,\"tenant_access_token\":\"t-1\",\"expire\":0}" },
	{ 200, "{\"code\":0,\"tenant_access_token\":\"t-1\\r\\nX: y\","
	       "\"expire\":7200}" },
	{ 200, "{\"code\":10014,\"msg\":\"app secret invalid\"}" },
	{ 200, "not json" },
	{ 200, "" },
};

START_TEST(auth_parse_rejects)
{
	struct httpresp r = { auth_bad_rows[_i].status, auth_bad_rows[_i].body,
		strlen(auth_bad_rows[_i].body), NULL, NULL };

	ck_assert_msg(adapter_feishu.auth_parse(plain, &r, T0) == -1,
	    "row %d accepted", _i);
	ck_assert_int_eq(adapter_feishu.auth_due(plain, T0), 1);
}
END_TEST

/* A short grant is renewed at half its life, not on every message. */
START_TEST(auth_short_grant_half_life)
{
	const char *b = "{\"code\":0,\"tenant_access_token\":\"t-2\","
			"\"expire\":1200}";
	struct httpresp r = { 200, b, strlen(b), NULL, NULL };

	ck_assert_int_eq(adapter_feishu.auth_parse(plain, &r, T0), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(plain, T0 + 599), 0);
	ck_assert_int_eq(adapter_feishu.auth_due(plain, T0 + 600), 1);
}
END_TEST

/* ---------------------------------------------------------------- */
/* format */

/* req->body as JSON, with its "content" string decoded in place. */
static json_t *
body_decoded(const struct httpreq *req)
{
	json_t *j = json_loads(req->body, 0, NULL), *c;

	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_string(json_object_get(j, "content")));
	c = json_loads(json_string_value(json_object_get(j, "content")), 0,
	    NULL);
	ck_assert_ptr_nonnull(c);
	json_object_set_new(j, "content", c);
	return (j);
}

START_TEST(format_send_to_chat)
{
	struct chat_msg msg = { .chat = CHAT,
		.text = "All services green.",
		.now = T0 };
	struct httpreq req;
	json_t *got, *want;

	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), 0);
	ck_assert_str_eq(req.url, "http://127.0.0.1:9/open-apis/im/v1/"
				  "messages?receive_id_type=chat_id");
	ck_assert_str_eq(req.log_url, req.url);
	ck_assert(req.method == NULL || strcmp(req.method, "POST") == 0);
	ck_assert_str_eq(req.hdr[0], "Authorization: Bearer " TOKEN);
	ck_assert_str_eq(req.hdr[1],
	    "Content-Type: application/json; charset=utf-8");
	ck_assert_ptr_null(strstr(req.log_url, TOKEN));
	got = body_decoded(&req);
	/* uuid: python3 sha256 over the NUL-separated fields, see feishu.h */
	want = json_pack("{s:s, s:s, s:{s:s}, s:s}", "receive_id", CHAT,
	    "msg_type", "text", "content", "text", "All services green.",
	    "uuid", "c7ed54a3-a4be-2166-dd01-93c8cfc5af97");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_reply_with_mention)
{
	struct chat_msg msg = { .chat = CHAT,
		.text = "signed up",
		.reply_to = MSGID,
		.mention_id = SENDER,
		.mention_name = "Alice",
		.now = T0 };
	struct httpreq req, again;
	json_t *got, *want;

	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), 0);
	ck_assert_str_eq(req.url, "http://127.0.0.1:9/open-apis/im/v1/"
				  "messages/" MSGID "/reply");
	got = body_decoded(&req);
	want =
	    json_pack("{s:s, s:{s:s}, s:b, s:s}", "msg_type", "text", "content",
		"text", "<at user_id=\"" SENDER "\">Alice</at> signed up",
		"reply_in_thread", 0, "uuid",
		"60c31d06-e65f-3e6b-5339-34af4969ab9d");
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	/* a retry of the same message carries the same uuid */
	msg.now = T0 + 60;
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &again), 0);
	ck_assert_str_eq(again.body, req.body);
	httpreq_clear(&again);
	httpreq_clear(&req);

	/* in a topic thread the reply stays in it */
	msg.thread = "omt_1";
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), 0);
	got = json_loads(req.body, 0, NULL);
	ck_assert(json_is_true(json_object_get(got, "reply_in_thread")));
	ck_assert_str_ne(json_string_value(json_object_get(got, "uuid")),
	    "60c31d06-e65f-3e6b-5339-34af4969ab9d");
	json_decref(got);
	httpreq_clear(&req);
}
END_TEST

START_TEST(format_refuses_what_it_cannot_encode)
{
	struct chat_msg msg = { .chat = CHAT, .text = "bad \xff utf-8" };
	struct httpreq req;

	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), -1);
	ck_assert_ptr_null(req.url);
	msg.text = "ok";
	msg.chat = "";
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), -1);
	msg.chat = CHAT;
	msg.mention_id = "ou_\"><at user_id=\"all";
	ck_assert_int_eq(adapter_feishu.format(enc, &msg, &req), -1);
}
END_TEST

/* kick_on_blacklist: DELETE the member by open_id, token in a header. */
START_TEST(kick_deletes_member_by_open_id)
{
	struct httpreq req;
	json_t *got, *want;

	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.kick(enc, CHAT, ALICE, T0, &req), 0);
	ck_assert_str_eq(req.method, "DELETE");
	ck_assert_str_eq(req.url,
	    "http://127.0.0.1:9/open-apis/im/v1/chats/" CHAT
	    "/members?member_id_type=open_id");
	ck_assert_str_eq(req.log_url, req.url);
	ck_assert_str_eq(req.hdr[0], "Authorization: Bearer " TOKEN);
	ck_assert_str_eq(req.hdr[1],
	    "Content-Type: application/json; charset=utf-8");
	ck_assert_ptr_null(req.hdr[2]);
	ck_assert_ptr_null(strstr(req.log_url, TOKEN));
	got = fixture_body(&req);
	want = json_pack("{s:[s]}", "id_list", ALICE);
	ck_assert_msg(json_equal(got, want), "body %s", req.body);
	json_decref(got);
	json_decref(want);
	httpreq_clear(&req);

	/* The chat id is a path segment: it is percent-encoded. */
	ck_assert_int_eq(adapter_feishu.kick(enc, "oc_a/b?c", ALICE, T0, &req),
	    0);
	ck_assert_str_eq(req.url,
	    "http://127.0.0.1:9/open-apis/im/v1/chats/"
	    "oc_a%2Fb%3Fc/members?member_id_type=open_id");
	ck_assert_ptr_null(strstr(req.log_url, TOKEN));
	httpreq_clear(&req);
}
END_TEST

/* No token yet, no chat, or a user that is not an open_id: -1. */
START_TEST(kick_refuses_what_it_cannot_encode)
{
	struct httpreq req;

	ck_assert_int_eq(adapter_feishu.kick(plain, CHAT, ALICE, T0, &req), -1);
	ck_assert_ptr_null(req.url);
	ck_assert_ptr_null(req.body);
	ck_assert_int_eq(give_token(enc, T0), 0);
	ck_assert_int_eq(adapter_feishu.kick(enc, "", ALICE, T0, &req), -1);
	ck_assert_int_eq(adapter_feishu.kick(enc, NULL, ALICE, T0, &req), -1);
	ck_assert_int_eq(adapter_feishu.kick(enc, CHAT, "", T0, &req), -1);
	ck_assert_int_eq(adapter_feishu.kick(enc, CHAT, "ou_", T0, &req), -1);
	ck_assert_int_eq(adapter_feishu.kick(enc, CHAT, "on_union1", T0, &req),
	    -1);
	ck_assert_int_eq(adapter_feishu.kick(enc, CHAT, "ou_\xff", T0, &req),
	    -1);
	ck_assert_ptr_null(req.url);
	ck_assert_ptr_null(req.body);
}
END_TEST

/* ---------------------------------------------------------------- */
/* classify */

static const struct {
	long status;
	const char *body, *reset, *retry_after;
	enum send_rc want;
	int64_t ms;
} classify_rows[] = {
	{ 200, "{\"code\":0,\"msg\":\"success\",\"data\":{}}", NULL, NULL,
	    SEND_OK, 0 },
	{ 429,
	    "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}",
	    "7", NULL, SEND_RETRY, 7000 },
	{ 400,
	    "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}",
	    "3", NULL, SEND_RETRY, 3000 }, /* older APIs: 400 */
	{ 429, "", NULL, "2", SEND_RETRY, 2000 },
	{ 429, "", NULL, NULL, SEND_RETRY, 0 },
	{ 400, "{\"code\":99991663,\"msg\":\"Invalid access token\"}", NULL,
	    NULL, SEND_AUTH, 0 },
	{ 401, "{\"code\":99991661,\"msg\":\"Missing access token\"}", NULL,
	    NULL, SEND_AUTH, 0 },
	{ 400, "{\"code\":99991668,\"msg\":\"token expired\"}", NULL, NULL,
	    SEND_AUTH, 0 },
	{ 400, "{\"code\":99991664,\"msg\":\"app token invalid\"}", NULL, NULL,
	    SEND_AUTH, 0 },
	{ 400, "{\"code\":230020,\"msg\":\"chat frequency limit\"}", NULL, NULL,
	    SEND_RETRY, 0 },
	{ 400, "{\"code\":230002,\"msg\":\"bot not in chat\"}", NULL, NULL,
	    SEND_FAIL, 0 },
	{ 200, "{\"code\":230001,\"msg\":\"invalid receive_id\"}", NULL, NULL,
	    SEND_FAIL, 0 },
	{ 200, "<html>", NULL, NULL, SEND_FAIL, 0 },
	{ 500, "", NULL, NULL, SEND_RETRY, 0 },
	{ 503, "{\"code\":1,\"msg\":\"busy\"}", NULL, NULL, SEND_RETRY, 0 },
	{ 0, "", NULL, NULL, SEND_RETRY, 0 },
	{ 404, "not found", NULL, NULL, SEND_FAIL, 0 },
};

START_TEST(classify_answers)
{
	const char *hdr[5];
	struct httpresp r = { classify_rows[_i].status, classify_rows[_i].body,
		strlen(classify_rows[_i].body), classify_rows[_i].retry_after,
		hdr };
	int64_t ms = -5;
	enum send_rc got;
	size_t n = 0;

	if (classify_rows[_i].reset != NULL) {
		hdr[n++] = "X-Ogw-Ratelimit-Reset";
		hdr[n++] = classify_rows[_i].reset;
	}
	hdr[n] = NULL;
	got = adapter_feishu.classify(enc, &r, &ms);
	ck_assert_msg(got == classify_rows[_i].want, "row %d: got %s", _i,
	    send_rc_str(got));
	if (got == SEND_RETRY)
		ck_assert_msg(ms == classify_rows[_i].ms, "row %d: ms %lld", _i,
		    (long long)ms);
}
END_TEST

/* ---------------------------------------------------------------- */
/* init */

static const struct fixture_conf init_rows[] = {
	{ "{\"app_secret\":\"s\",\"verification_token\":\"v\"}",
	    "app_id: missing" },
	{ "{\"app_id\":\"a\",\"verification_token\":\"v\"}",
	    "app_secret: missing" },
	{ "{\"app_id\":\"a\",\"app_secret\":\"s\"}",
	    "verification_token: missing" },
	{ "{\"app_id\":1,\"app_secret\":\"s\",\"verification_token\":\"v\"}",
	    "app_id: expected a string" },
	{ "{\"app_id\":\"\",\"app_secret\":\"s\",\"verification_token\":\"v\"}",
	    "app_id: empty" },
	{ "{\"app_id\":\"a\",\"app_secret\":\"s\",\"verification_token\":\"v\","
	  "\"encrypt_key\":true}",
	    "encrypt_key: expected a string" },
	{ "{\"app_id\":\"a\",\"app_secret\":\"s\",\"verification_token\":\"v\","
	  "\"token\":\"x\"}",
	    "token: unknown key" },
	{ "{\"app_id\":\"a\",\"app_secret\":\"s\",\"verification_token\":\"v\","
	  "\"api_base\":\"open.feishu.cn\"}",
	    "api_base: not an http(s) URL" },
	{ "{\"app_id\":\"a\",\"app_secret\":\"s\",\"verification_token\":\"v\","
	  "\"bot_open_id\":[]}",
	    "bot_open_id: expected a string" },
};

START_TEST(init_names_the_key)
{
	fixture_init(&adapter_feishu, &init_rows[_i], _i);
}
END_TEST

START_TEST(init_defaults_api_base)
{
	struct chat_msg msg = { .chat = CHAT, .text = "x" };
	struct httpreq req;

	ck_assert_ptr_eq(adapter_ops_lookup("feishu"), &adapter_feishu);
	ck_assert_int_eq(give_token(plain, T0), 0);
	ck_assert_int_eq(adapter_feishu.format(plain, &msg, &req), 0);
	ck_assert_str_eq(req.url, "https://open.feishu.cn/open-apis/im/v1/"
				  "messages?receive_id_type=chat_id");
	httpreq_clear(&req);
	ck_assert_uint_gt(adapter_feishu.text_max, 0);
	ck_assert_uint_lt(adapter_feishu.text_max, CHAT_TEXT_MAX);
}
END_TEST

Suite *
feishu_suite(void)
{
	Suite *s = suite_create("feishu");
	TCase *tc = tcase_create("feishu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vector_fa_decrypts_hello_world);
	tcase_add_test(tc, vector_fb_decrypts_url_verification);
	tcase_add_loop_test(tc, decrypt_rejects_broken_ciphertext, 0,
	    sizeof(bad_cipher_rows) / sizeof(bad_cipher_rows[0]));
	tcase_add_loop_test(tc, verify_signature_and_window, 0,
	    sizeof(verify_rows) / sizeof(verify_rows[0]));
	tcase_add_test(tc, encrypted_url_verification_answers_challenge);
	tcase_add_loop_test(tc, plain_mode_checks_token, 0,
	    sizeof(plain_rows) / sizeof(plain_rows[0]));
	tcase_add_loop_test(tc, parse_rejects_undecryptable, 0,
	    sizeof(parse_cipher_rows) / sizeof(parse_cipher_rows[0]));
	tcase_add_test(tc, parse_sample_strips_bot_mention);
	tcase_add_test(tc, parse_mentions_become_names);
	tcase_add_test(tc, parse_encrypted_message);
	tcase_add_loop_test(tc, parse_message_rows, 0,
	    sizeof(msg_rows) / sizeof(msg_rows[0]));
	tcase_add_test(tc, parse_p2p_is_for_the_bot);
	tcase_add_test(tc, parse_own_app_message_is_skipped);
	tcase_add_test(tc, parse_member_added_and_deleted);
	tcase_add_loop_test(tc, parse_other_events, 0,
	    sizeof(other_rows) / sizeof(other_rows[0]));
	tcase_add_test(tc, parse_huge_text_is_truncated);
	tcase_add_test(tc, auth_lifecycle);
	tcase_add_loop_test(tc, auth_parse_rejects, 0,
	    sizeof(auth_bad_rows) / sizeof(auth_bad_rows[0]));
	tcase_add_test(tc, auth_short_grant_half_life);
	tcase_add_test(tc, format_send_to_chat);
	tcase_add_test(tc, format_reply_with_mention);
	tcase_add_test(tc, format_refuses_what_it_cannot_encode);
	tcase_add_test(tc, kick_deletes_member_by_open_id);
	tcase_add_test(tc, kick_refuses_what_it_cannot_encode);
	tcase_add_loop_test(tc, classify_answers, 0,
	    sizeof(classify_rows) / sizeof(classify_rows[0]));
	tcase_add_loop_test(tc, init_names_the_key, 0,
	    sizeof(init_rows) / sizeof(init_rows[0]));
	tcase_add_test(tc, init_defaults_api_base);
	suite_add_tcase(s, tc);
	return (s);
}
