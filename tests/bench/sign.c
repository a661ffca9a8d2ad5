/*
 * sign.c -- precomputes signed webhook requests for tests/bench/
 * platforms.sh, because wrk's Lua has no HMAC, SHA or AES.  Every request
 * is distinct (its own event id, so the daemon does the real work rather
 * than the duplicate path) and signed for now (the platforms' replay
 * windows are 5 minutes and more), from USERS users in CHATS chats; one
 * in five is "/signup" (any user, any chat), the others plain chat lines
 * (a user in one of their two chats), like wrk/telegram.lua.
 *
 *	bench_sign -P PLATFORM -n N -t THREADS -s SINK_URL -o PREFIX [-b BASE]
 *
 * Request k (0..N-1) gets the sequence number BASE + k (default 0) and the
 * event id now * 1e7 + BASE + k: run it once for the warm-up and once
 * with another BASE for the measured run (BASE + N below 1e7).
 * writes PREFIX.0 .. PREFIX.<THREADS-1>, N/THREADS requests each (one wrk
 * thread reads one file), one request a line, fields separated by tabs:
 *
 *	PATH<TAB>Header: value<TAB>...<TAB>BODY
 *
 * (bodies are compact JSON or XML without tabs or newlines).  Platforms,
 * their webhook path and scheme (the credentials are the constants below;
 * platforms.sh writes the same ones into the daemon's config):
 *
 *	telegram  /webhook/tg  X-Telegram-Bot-Api-Secret-Token
 *	slack     /webhook/sl  X-Slack-Signature v0=HMAC-SHA256(signing
 *			       secret, "v0:" ts ":" body)
 *	feishu    /webhook/fs  body {"encrypt": Base64(iv | AES-256-CBC(
 *			       SHA-256(encrypt_key), iv, event))},
 *			       X-Lark-Signature = hex SHA-256(ts nonce
 *			       encrypt_key body)
 *	dingtalk  /webhook/dt  headers timestamp (ms) and sign =
 *			       Base64(HMAC-SHA256(secret, ts "\n" secret))
 *	wecom     /webhook/wc  ?msg_signature=SHA-1(sort(token, ts, nonce,
 *			       Encrypt))&timestamp&nonce, XML body with
 *			       <Encrypt> = AES-256-CBC of the app message
 *	onebot    /webhook/ob  X-Signature: sha1=HMAC-SHA1(secret, body)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/sig.h"
#include "adapters/wecom.h"

/* The credentials: platforms.sh configures the daemon with these. */
#define SIGN_TG_SECRET     "bench_secret"
#define SIGN_SLACK_SECRET  "8f742231b10e8888abcd99yyyzzz85a5"
#define SIGN_FEISHU_TOKEN  "vTok-bench"
#define SIGN_FEISHU_KEY    "kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK"
#define SIGN_DING_SECRET   "ding-bench-app-secret"
#define SIGN_WECOM_TOKEN   "myToken42"
#define SIGN_WECOM_EAK     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define SIGN_WECOM_CORP    "ww1234567890abcdef"
#define SIGN_ONEBOT_SECRET "onebot-bench-secret"
#define SIGN_ONEBOT_SELF   10001000

#define SIGN_USERS 3000
#define SIGN_CHATS 300
#define SIGN_BODY  4096
#define SIGN_LINE  16384

/* What one request is about. */
struct sign_ev {
	unsigned long long id;  /* unique: now * 1e7 + seq */
	unsigned long long seq; /* -b BASE + the request's number */
	unsigned int user;      /* 1..SIGN_USERS */
	unsigned int chat;      /* 1..SIGN_CHATS */
	const char *text;
	int64_t now; /* unix seconds */
	const char *sink;
};

static const char *const sign_lines[] = {
	"good morning everyone",
	"who is coming on Saturday?",
	"I can bring the projector",
	"see you at the community hall",
	"thanks for organising this",
	"is parking available nearby?",
	"running ten minutes late, sorry",
	"great photos from last week!",
};

static void sign_usage(void) __attribute__((noreturn));
static void sign_hexmac(enum sig_md, const char *, const void *, size_t,
    const void *, size_t, char *);
static char *sign_b64(const unsigned char *, size_t);
static int sign_telegram(const struct sign_ev *, char *, size_t);
static int sign_slack(const struct sign_ev *, char *, size_t);
static int sign_feishu(const struct sign_ev *, char *, size_t);
static int sign_dingtalk(const struct sign_ev *, char *, size_t);
static int sign_wecom(const struct sign_ev *, char *, size_t);
static int sign_onebot(const struct sign_ev *, char *, size_t);

static void
sign_usage(void)
{
	fprintf(stderr,
	    "usage: bench_sign -P telegram|slack|feishu|dingtalk|wecom|onebot"
	    " -n N -t THREADS -s SINK_URL -o PREFIX [-b BASE]\n");
	exit(2);
}

/* Lowercase hex HMAC of a | b into out (2 * 32 + 1 bytes at least). */
static void
sign_hexmac(enum sig_md md, const char *key, const void *a, size_t alen,
    const void *b, size_t blen, char *out)
{
	unsigned char mac[SIG_SHA256_LEN];

	if (sig_hmac(md, key, strlen(key), a, alen, b, blen, mac) == -1) {
		fprintf(stderr, "bench_sign: HMAC failed\n");
		exit(1);
	}
	sig_hex(mac, md == SIG_SHA1 ? SIG_SHA1_LEN : SIG_SHA256_LEN, out);
}

static char *
sign_b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out == NULL) {
		fprintf(stderr, "bench_sign: out of memory\n");
		exit(1);
	}
	sig_b64_encode(in, len, out);
	return (out);
}

static int
sign_telegram(const struct sign_ev *e, char *line, size_t max)
{
	int signup = e->text[0] == '/';

	return (snprintf(line, max,
	    "/webhook/tg\tContent-Type: application/json\t"
	    "X-Telegram-Bot-Api-Secret-Token: " SIGN_TG_SECRET "\t"
	    "{\"update_id\":%llu,\"message\":{\"message_id\":%llu,"
	    "\"from\":{\"id\":%u,\"is_bot\":false,\"first_name\":\"User%u\","
	    "\"last_name\":\"Bench\",\"username\":\"user%u\","
	    "\"language_code\":\"en\"},\"chat\":{\"id\":%lld,"
	    "\"title\":\"Bench chat %u\",\"type\":\"supergroup\"},"
	    "\"date\":%lld,\"text\":\"%s\"%s}}",
	    e->id, e->id, 200000000 + e->user, e->user, e->user,
	    -1001000000000LL - e->chat, e->chat, (long long)e->now, e->text,
	    signup ? ",\"entities\":[{\"offset\":0,\"length\":7,"
		     "\"type\":\"bot_command\"}]"
		   : ""));
}

static int
sign_slack(const struct sign_ev *e, char *line, size_t max)
{
	char body[SIGN_BODY], base[64], hex[2 * SIG_SHA256_LEN + 1];
	int n, b;

	b = snprintf(body, sizeof(body),
	    "{\"token\":\"XXYYZZ\",\"team_id\":\"T0001\",\"api_app_id\":"
	    "\"A0001\",\"event\":{\"type\":\"message\",\"channel\":"
	    "\"C%06u\",\"user\":\"U%07u\",\"text\":\"%s\",\"ts\":"
	    "\"%lld.%06llu\",\"channel_type\":\"channel\"},\"type\":"
	    "\"event_callback\",\"event_id\":\"Ev%llu\",\"event_time\":%lld}",
	    e->chat, e->user, e->text,
	    (long long)e->now - 100 + (long long)(e->seq / 1000000),
	    e->seq % 1000000, e->id, (long long)e->now);
	n = snprintf(base, sizeof(base), "v0:%lld:", (long long)e->now);
	sign_hexmac(SIG_SHA256, SIGN_SLACK_SECRET, base, (size_t)n, body,
	    (size_t)b, hex);
	return (snprintf(line, max,
	    "/webhook/sl\tContent-Type: application/json\t"
	    "X-Slack-Request-Timestamp: %lld\tX-Slack-Signature: v0=%s\t%s",
	    (long long)e->now, hex, body));
}

static int
sign_feishu(const struct sign_ev *e, char *line, size_t max)
{
	char plain[SIGN_BODY], body[2 * SIGN_BODY], ts[24], nonce[32];
	char hex[2 * SIG_SHA256_LEN + 1], *enc;
	unsigned char key[SIG_SHA256_LEN], md[SIG_SHA256_LEN];
	unsigned char buf[SIGN_BODY + 32], ct[SIGN_BODY + 48];
	const void *part[4];
	size_t len[4], n, pad;
	int p;

	p = snprintf(plain, sizeof(plain),
	    "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"ev%016llx\","
	    "\"event_type\":\"im.message.receive_v1\",\"create_time\":"
	    "\"%lld000\",\"token\":\"" SIGN_FEISHU_TOKEN "\",\"app_id\":"
	    "\"cli_bench\",\"tenant_key\":\"tk_bench\"},\"event\":{\"sender\":"
	    "{\"sender_id\":{\"union_id\":\"on_%u\",\"user_id\":\"u%u\","
	    "\"open_id\":\"ou_%u\"},\"sender_type\":\"user\",\"tenant_key\":"
	    "\"tk_bench\"},\"message\":{\"message_id\":\"om_%llu\","
	    "\"create_time\":\"%lld000\",\"chat_id\":\"oc_%u\",\"chat_type\":"
	    "\"group\",\"message_type\":\"text\",\"content\":"
	    "\"{\\\"text\\\":\\\"%s\\\"}\"}}}",
	    e->id, (long long)e->now, e->user, e->user, e->user, e->id,
	    (long long)e->now, e->chat, e->text);
	/* feishu.md 2a: key = SHA-256(encrypt_key), Base64(iv | CBC). */
	part[0] = SIGN_FEISHU_KEY;
	len[0] = strlen(SIGN_FEISHU_KEY);
	if (sig_digest(SIG_SHA256, part, len, 1, key) == -1 ||
	    sig_random(buf, 16) == -1)
		return (-1);
	n = (size_t)p;
	pad = 16 - n % 16;
	memcpy(buf + 16, plain, n);
	memset(buf + 16 + n, (int)pad, pad);
	memcpy(ct, buf, 16);
	if (sig_aes256cbc_encrypt(key, buf, buf + 16, n + pad, ct + 16) == -1)
		return (-1);
	enc = sign_b64(ct, 16 + n + pad);
	p = snprintf(body, sizeof(body), "{\"encrypt\":\"%s\"}", enc);
	free(enc);
	snprintf(ts, sizeof(ts), "%lld", (long long)e->now);
	snprintf(nonce, sizeof(nonce), "n%llu", e->id);
	part[0] = ts;
	len[0] = strlen(ts);
	part[1] = nonce;
	len[1] = strlen(nonce);
	part[2] = SIGN_FEISHU_KEY;
	len[2] = strlen(SIGN_FEISHU_KEY);
	part[3] = body;
	len[3] = (size_t)p;
	if (sig_digest(SIG_SHA256, part, len, 4, md) == -1)
		return (-1);
	sig_hex(md, sizeof(md), hex);
	return (snprintf(line, max,
	    "/webhook/fs\tContent-Type: application/json\t"
	    "X-Lark-Request-Timestamp: %s\tX-Lark-Request-Nonce: %s\t"
	    "X-Lark-Signature: %s\t%s",
	    ts, nonce, hex, body));
}

static int
sign_dingtalk(const struct sign_ev *e, char *line, size_t max)
{
	char ts[24], msg[128], *sign;
	unsigned char mac[SIG_SHA256_LEN];
	int n;

	snprintf(ts, sizeof(ts), "%lld000", (long long)e->now);
	n = snprintf(msg, sizeof(msg), "%s\n%s", ts, SIGN_DING_SECRET);
	if (sig_hmac(SIG_SHA256, SIGN_DING_SECRET, strlen(SIGN_DING_SECRET),
		msg, (size_t)n, NULL, 0, mac) == -1)
		return (-1);
	sign = sign_b64(mac, sizeof(mac));
	n = snprintf(line, max,
	    "/webhook/dt\tContent-Type: application/json\ttimestamp: %s\t"
	    "sign: %s\t"
	    "{\"conversationId\":\"cid%u\",\"conversationType\":\"2\","
	    "\"conversationTitle\":\"Bench chat %u\",\"chatbotCorpId\":"
	    "\"dingbench\",\"chatbotUserId\":\"$:LWCP_v1:$botbench\","
	    "\"msgId\":\"msg%llu\",\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"%s\"},\"createAt\":%s,\"senderId\":"
	    "\"$:LWCP_v1:$s%u\",\"senderStaffId\":\"staff%u\","
	    "\"senderNick\":\"User%u\",\"senderCorpId\":\"dingbench\","
	    "\"isAdmin\":false,\"isInAtList\":true,\"sessionWebhook\":"
	    "\"%s/robot/sendBySession?session=s%u\","
	    "\"sessionWebhookExpiredTime\":%lld000}",
	    ts, sign, e->chat, e->chat, e->id, e->text, ts, e->user, e->user,
	    e->user, e->sink, e->chat, (long long)e->now + 5400);
	free(sign);
	return (n);
}

static int
sign_wecom(const struct sign_ev *e, char *line, size_t max)
{
	char msg[SIGN_BODY], ts[24], nonce[32], sig[WECOM_SIG_LEN], *enc;
	unsigned char key[WECOM_KEY_LEN], buf[SIGN_BODY + 64];
	unsigned char ct[SIGN_BODY + 64];
	size_t mlen, rlen = strlen(SIGN_WECOM_CORP), n, pad;
	int m;

	m = snprintf(msg, sizeof(msg),
	    "<xml><ToUserName><![CDATA[" SIGN_WECOM_CORP "]]></ToUserName>"
	    "<FromUserName><![CDATA[user%u]]></FromUserName><CreateTime>%lld"
	    "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>"
	    "<![CDATA[%s]]></Content><MsgId>%llu</MsgId><AgentID>1000002"
	    "</AgentID></xml>",
	    e->user, (long long)e->now, e->text,
	    7300000000000000000ULL + e->id);
	mlen = (size_t)m;
	/* wecom.md 2: random(16) | len (4, big endian) | msg | receiveid,
	 * PKCS#7 to 32, AES-256-CBC with iv = key[0..16). */
	if (wecom_aes_key(SIGN_WECOM_EAK, key) == -1 ||
	    sig_random(buf, 16) == -1)
		return (-1);
	buf[16] = (unsigned char)(mlen >> 24);
	buf[17] = (unsigned char)(mlen >> 16);
	buf[18] = (unsigned char)(mlen >> 8);
	buf[19] = (unsigned char)mlen;
	memcpy(buf + 20, msg, mlen);
	memcpy(buf + 20 + mlen, SIGN_WECOM_CORP, rlen);
	n = 20 + mlen + rlen;
	pad = 32 - n % 32;
	memset(buf + n, (int)pad, pad);
	if (sig_aes256cbc_encrypt(key, key, buf, n + pad, ct) == -1)
		return (-1);
	enc = sign_b64(ct, n + pad);
	snprintf(ts, sizeof(ts), "%lld", (long long)e->now);
	snprintf(nonce, sizeof(nonce), "%llu", e->id);
	if (wecom_signature(SIGN_WECOM_TOKEN, ts, nonce, enc, sig) == -1) {
		free(enc);
		return (-1);
	}
	m = snprintf(line, max,
	    "/webhook/wc?msg_signature=%s&timestamp=%s&nonce=%s\t"
	    "Content-Type: text/xml\t"
	    "<xml><ToUserName><![CDATA[" SIGN_WECOM_CORP "]]></ToUserName>"
	    "<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[%s]]>"
	    "</Encrypt></xml>",
	    sig, ts, nonce, enc);
	free(enc);
	return (m);
}

static int
sign_onebot(const struct sign_ev *e, char *line, size_t max)
{
	char body[SIGN_BODY], hex[2 * SIG_SHA256_LEN + 1];
	int b;

	b = snprintf(body, sizeof(body),
	    "{\"time\":%lld,\"self_id\":%d,\"post_type\":\"message\","
	    "\"message_type\":\"group\",\"sub_type\":\"normal\","
	    "\"message_id\":%lld,\"group_id\":%u,\"user_id\":%u,"
	    "\"anonymous\":null,\"message\":\"%s\",\"raw_message\":\"%s\","
	    "\"font\":0,\"sender\":{\"user_id\":%u,\"nickname\":\"User%u\","
	    "\"card\":\"\",\"sex\":\"unknown\",\"age\":0,\"area\":\"\","
	    "\"level\":\"\",\"role\":\"member\",\"title\":\"\"}}",
	    (long long)e->now, SIGN_ONEBOT_SELF,
	    (long long)(e->id % 2147483647) - 2147483647LL, 100000000 + e->chat,
	    200000000 + e->user, e->text, e->text, 200000000 + e->user,
	    e->user);
	sign_hexmac(SIG_SHA1, SIGN_ONEBOT_SECRET, body, (size_t)b, NULL, 0,
	    hex);
	return (snprintf(line, max,
	    "/webhook/ob\tContent-Type: application/json\tX-Self-ID: %d\t"
	    "X-Signature: sha1=%s\t%s",
	    SIGN_ONEBOT_SELF, hex, body));
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		int (*fn)(const struct sign_ev *, char *, size_t);
	} plats[] = {
		{ "telegram", sign_telegram },
		{ "slack", sign_slack },
		{ "feishu", sign_feishu },
		{ "dingtalk", sign_dingtalk },
		{ "wecom", sign_wecom },
		{ "onebot", sign_onebot },
	};
	int (*fn)(const struct sign_ev *, char *, size_t) = NULL;
	const char *plat = NULL, *prefix = NULL;
	struct sign_ev e;
	unsigned long long n = 0, i, per, base = 0;
	unsigned int threads = 1, t;
	char path[4096], *line;
	FILE *f;
	size_t k;
	int ch, len;

	memset(&e, 0, sizeof(e));
	while ((ch = getopt(argc, argv, "P:b:n:o:s:t:")) != -1) {
		switch (ch) {
		case 'b':
			base = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			plat = optarg;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			prefix = optarg;
			break;
		case 's':
			e.sink = optarg;
			break;
		case 't':
			threads = (unsigned int)atoi(optarg);
			break;
		default:
			sign_usage();
		}
	}
	if (plat == NULL || prefix == NULL || e.sink == NULL || n == 0 ||
	    threads == 0 || base + n >= 10000000ULL || optind != argc)
		sign_usage();
	for (k = 0; k < sizeof(plats) / sizeof(plats[0]); k++)
		if (strcmp(plats[k].name, plat) == 0)
			fn = plats[k].fn;
	if (fn == NULL)
		sign_usage();
	if ((line = malloc(SIGN_LINE)) == NULL)
		return (1);
	e.now = (int64_t)time(NULL);
	per = n / threads;
	srandom((unsigned int)e.now);
	for (t = 0; t < threads; t++) {
		snprintf(path, sizeof(path), "%s.%u", prefix, t);
		if ((f = fopen(path, "w")) == NULL) {
			perror(path);
			return (1);
		}
		for (i = 0; i < per; i++) {
			e.seq = base + t * per + i;
			e.id = (unsigned long long)e.now * 10000000ULL + e.seq;
			e.user = 1 + (unsigned int)(random() % SIGN_USERS);
			if (i % 5 == 4) {
				e.chat =
				    1 + (unsigned int)(random() % SIGN_CHATS);
				e.text = "/signup";
			} else {
				/* wrk/telegram.lua's member_chat(). */
				e.chat =
				    random() % 2 == 0
					? e.user % SIGN_CHATS + 1
					: (e.user * 7 + 3) % SIGN_CHATS + 1;
				e.text =
				    sign_lines[i % (sizeof(sign_lines) /
						       sizeof(sign_lines[0]))];
			}
			len = fn(&e, line, SIGN_LINE);
			if (len < 0 || len >= SIGN_LINE) {
				fprintf(stderr,
				    "bench_sign: %s: request %llu"
				    " failed\n",
				    plat, i);
				return (1);
			}
			fputs(line, f);
			fputc('\n', f);
		}
		if (fclose(f) != 0) {
			perror(path);
			return (1);
		}
	}
	free(line);
	return (0);
}
