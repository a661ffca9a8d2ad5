/*
 * check_e2e_tower.c -- broadcasts down the tower through the real
 * towerbot binary (suite "e2e_tower", tag "redis"; SPEC section 5): the
 * village of SPEC section 1 (1 + 5 + 62 Telegram chats, built here with
 * core/tower.h's generator, the rows gen_city --village prints) imported
 * over the admin API, broadcasts from a bound chat or the API, acks,
 * reports, escalation, and the delivery guarantees: rate limits never
 * exceeded, urgent before normal, 429s honoured, kill -9 and two daemons
 * on one Redis.
 *
 * Every test starts its own redis-server + mock + daemon (the configs
 * differ: rates, escalation, accounts) and stops them in the teardown.
 * Assertions are on what tests/mock/mock_platform received (chat_id,
 * text, arrival order and time), on admin API answers and, where the SPEC
 * says what is stored, on Redis.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/tower.h"
#include "core/xmem.h"
#include "tests/harness/daemon.h"
#include "tests/harness/redis_server.h"

#define OP       DAEMON_OPERATOR
#define ALICE    "2001"
#define BOB      "2002"
#define CAROL    "2003"
#define DAVE     "2004"
#define ERIN     "2005"
#define TOKEN    "e2e3-admin-token"
#define WAIT_MS  20000
#define POLL_MS  50
#define NCHATS   68              /* the village: 1 + 5 + 62 */
#define CHAT0    1000000000000LL /* village chat n is -(CHAT0 + n) */
#define COUNCIL1 901             /* the council chat of village/h0001 */
#define TOP      "-1000000000001"

/* A fast account, so tests that are not about rates do not wait. */
#define RATE_FAST                                                              \
	"\"rate\": {\"per_second\": 1000, \"burst\": 200, "                    \
	"\"per_chat_per_minute\": 600000}"

/* One sendMessage call the mock recorded. */
struct sent {
	long long seq;
	long long chat; /* 0 if the body had none */
	char *text;     /* "" if none */
	long long at_ms;
	long status;
	char *path;
};

struct sents {
	struct sent *v;
	size_t n;
};

/* The chats of the generated village: node path of chat n (1..68). */
struct village {
	char node[NCHATS + 1][64];
	size_t nrows; /* rows in the CSV (node rows + chat rows) */
};

static struct redis_server *tw_rs;
static struct daemon *tw_d, *tw_d2;
static char tw_extra[2048], tw_extra2[2048]; /* outlive the daemons */

static void tw_up(const char *);
static void tw_down(void);
static struct daemon *tw_second(void);
static redisContext *tw_redis(void);
static long long tw_redis_int(const char *, ...);
static size_t tw_body_cb(char *, size_t, size_t, void *);
static json_t *tw_api(const struct daemon *, const char *, const char *,
    const char *, long *);
static json_t *tw_api_ok(const struct daemon *, const char *, const char *,
    const char *);
static char *tw_village_csv(struct village *, int, const char *);
static void tw_import_village(struct village *, int, const char *);
static long long tw_bcast_api(const char *, int, const char *);
static void tw_sents_get(const struct daemon *, struct sents *);
static void tw_sents_free(struct sents *);
static size_t tw_occ(const char *, const char *);
static size_t tw_chats_with(const struct sents *, const char *, int *);
static void tw_wait_chats(const struct daemon *, const char *, size_t, int,
    struct sents *);
static char *tw_wait_text(const struct daemon *, long long, const char *, int);
static void tw_say(const char *, const char *, const char *, const char *);
static const char *tw_name(const char *);
static long long tw_chat(int);
static int tw_index(long long);
static void tw_needle(char *, size_t, long long);
static int tw_report_level(const char *, int, int *);
static json_t *tw_report_wait(long long, int);
static long long tw_metric(const struct daemon *, const char *);
static void tw_add(Suite *, const TTest *, const char *);
static long long tw_escalation_dest(const struct village *, int);
static void tw_urgent_after_normal(struct sents *, char *, char *, size_t,
    size_t *, size_t *, size_t *);

/* ------------------------------------------------------------------ */
/* stack                                                               */
/* ------------------------------------------------------------------ */

/*
 * Start redis-server, the mock and the daemon; the config gets the admin
 * token and the JSON members inner (the inside of an object, may be "").
 */
static void
tw_up(const char *inner)
{
	struct daemon_cfg dc;

	snprintf(tw_extra, sizeof(tw_extra), "{\"admin_token\": \"%s\"%s%s}",
	    TOKEN, *inner != '\0' ? ", " : "", inner);
	tw_rs = redis_server_start();
	ck_assert_msg(tw_rs != NULL, "redis-server did not start");
	memset(&dc, 0, sizeof(dc));
	dc.extra_json = tw_extra;
	tw_d = daemon_new(redis_server_socket(tw_rs), &dc);
	ck_assert_msg(tw_d != NULL, "towerbot or mock_platform did not start");
}

/*
 * A second daemon on the same Redis with the same config, sending to the
 * first one's mock (its own mock stays idle).
 */
static struct daemon *
tw_second(void)
{
	struct daemon_cfg dc;
	char *base = daemon_mock_url(tw_d, "");
	json_t *x, *pin;

	/* The first daemon's extra JSON, with api_base pinned to its mock. */
	x = json_loads(tw_extra, 0, NULL);
	ck_assert_ptr_nonnull(x);
	pin = json_pack("{s:{s:{s:s}}}", "adapters", "tg", "api_base", base);
	ck_assert_ptr_nonnull(pin);
	json_object_update_recursive(x, pin);
	json_decref(pin);
	free(base);
	base = json_dumps(x, JSON_COMPACT);
	ck_assert(base != NULL && strlen(base) < sizeof(tw_extra2));
	snprintf(tw_extra2, sizeof(tw_extra2), "%s", base);
	free(base);
	json_decref(x);
	memset(&dc, 0, sizeof(dc));
	dc.extra_json = tw_extra2;
	tw_d2 = daemon_new(redis_server_socket(tw_rs), &dc);
	ck_assert_msg(tw_d2 != NULL, "the second towerbot did not start");
	return (tw_d2);
}

static void
tw_down(void)
{
	daemon_free(tw_d2);
	tw_d2 = NULL;
	daemon_free(tw_d);
	tw_d = NULL;
	redis_server_stop(tw_rs);
	tw_rs = NULL;
}

static redisContext *
tw_redis(void)
{
	redisContext *c = redis_server_connect(tw_rs);

	ck_assert_ptr_nonnull(c);
	return (c);
}

/* An integer answer of a Redis command (-1 for nil or not a number). */
static long long
tw_redis_int(const char *fmt, ...)
{
	redisContext *c = tw_redis();
	redisReply *r;
	long long v = -1;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(r);
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	redisFree(c);
	return (v);
}

/* ------------------------------------------------------------------ */
/* admin API                                                           */
/* ------------------------------------------------------------------ */

static size_t
tw_body_cb(char *p, size_t size, size_t n, void *arg)
{
	char **buf = arg;
	size_t old = *buf != NULL ? strlen(*buf) : 0, add = size * n;

	*buf = realloc(*buf, old + add + 1);
	if (*buf == NULL)
		abort();
	memcpy(*buf + old, p, add);
	(*buf)[old + add] = '\0';
	return (add);
}

/*
 * method path on d's admin API with the bearer token; body (NULL: none)
 * is CSV for /import, else JSON.  The decoded answer (caller decrefs;
 * NULL if it is not JSON) and *status.
 */
static json_t *
tw_api(const struct daemon *d, const char *method, const char *path,
    const char *body, long *status)
{
	struct curl_slist *hdr = NULL;
	char *url = daemon_url(d, path), *resp = NULL;
	json_t *root;
	CURL *c;

	*status = 0;
	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	hdr = curl_slist_append(hdr, "Authorization: Bearer " TOKEN);
	hdr = curl_slist_append(hdr, strstr(path, "/import") != NULL
					 ? "Content-Type: text/csv"
					 : "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tw_body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	free(url);
	root = resp != NULL ? json_loads(resp, 0, NULL) : NULL;
	free(resp);
	return (root);
}

/* The same, asserting a 200. */
static json_t *
tw_api_ok(const struct daemon *d, const char *method, const char *path,
    const char *body)
{
	json_t *r;
	long st;
	char *s;

	r = tw_api(d, method, path, body, &st);
	s = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
	ck_assert_msg(st == 200 && r != NULL, "%s %s: %ld %s", method, path, st,
	    s != NULL ? s : "(no JSON)");
	free(s);
	return (r);
}

/*
 * The village import CSV (gen_city --village [--accounts accounts]); with
 * council, one more row binds chat -(CHAT0 + COUNCIL1) as the council chat
 * of village/h0001.  Fills v.  Caller frees.
 */
static char *
tw_village_csv(struct village *v, int council, const char *accounts)
{
	struct tower_city_cfg cfg;
	struct tower_row *rows;
	const char *accts[4];
	char *csv, *out, *copy, *tok, *save = NULL;
	size_t nrows, i, naccts = 0;
	long long id;

	memset(&cfg, 0, sizeof(cfg));
	copy = xstrdup(accounts != NULL ? accounts : "");
	for (tok = strtok_r(copy, ",", &save); tok != NULL && naccts < 4;
	     tok = strtok_r(NULL, ",", &save))
		accts[naccts++] = tok;
	cfg.village = 1;
	cfg.accounts = naccts > 0 ? accts : NULL;
	cfg.naccounts = naccts;
	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &nrows), 0);
	memset(v, 0, sizeof(*v));
	v->nrows = nrows;
	for (i = 0; i < nrows; i++) {
		if (*rows[i].chat_id == '\0')
			continue;
		id = -strtoll(rows[i].chat_id, NULL, 10) - CHAT0;
		ck_assert_msg(id >= 1 && id <= NCHATS, "chat %s",
		    rows[i].chat_id);
		snprintf(v->node[id], sizeof(v->node[id]), "%s", rows[i].path);
	}
	csv = tower_csv_write(rows, nrows, NULL);
	tower_rows_free(rows, nrows);
	free(copy);
	if (!council)
		return (csv);
	out = xasprintf("%svillage/h0001,H1 council,,,tg,%lld,council,\n", csv,
	    tw_chat(COUNCIL1));
	free(csv);
	v->nrows++;
	return (out);
}

/* Import the village through the admin API: every row is new. */
static void
tw_import_village(struct village *v, int council, const char *accounts)
{
	char *csv = tw_village_csv(v, council, accounts);
	json_t *r;

	r = tw_api_ok(tw_d, "POST", "/api/v1/import", csv);
	free(csv);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "added")),
	    (json_int_t)v->nrows);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "unchanged")),
	    0);
	json_decref(r);
}

/* POST /api/v1/broadcasts from path; returns the id (chats checked). */
static long long
tw_bcast_api(const char *path, int urgent, const char *text)
{
	json_t *body, *r;
	char *s;
	long long id;

	body = json_pack("{s:s, s:s, s:b}", "path", path, "text", text,
	    "urgent", urgent);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	r = tw_api_ok(tw_d, "POST", "/api/v1/broadcasts", s);
	free(s);
	id = json_integer_value(json_object_get(r, "id"));
	ck_assert_msg(id > 0, "no broadcast id");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "chats")),
	    NCHATS);
	json_decref(r);
	return (id);
}

/* ------------------------------------------------------------------ */
/* what the mock received                                              */
/* ------------------------------------------------------------------ */

/* Every sendMessage call d's mock recorded, in arrival order. */
static void
tw_sents_get(const struct daemon *d, struct sents *out)
{
	json_t *reqs, *r, *body;
	const char *path, *text;
	size_t i, plen, slen = strlen("/sendMessage");

	reqs = daemon_mock_requests(d);
	ck_assert_msg(reqs != NULL, "the mock does not answer");
	out->v = xcalloc(json_array_size(reqs) + 1, sizeof(*out->v));
	out->n = 0;
	json_array_foreach(reqs, i, r)
	{
		struct sent *s;

		path = json_string_value(json_object_get(r, "path"));
		if (path == NULL || (plen = strlen(path)) < slen ||
		    strcmp(path + plen - slen, "/sendMessage") != 0)
			continue;
		s = &out->v[out->n++];
		s->seq = json_integer_value(json_object_get(r, "seq"));
		s->at_ms = json_integer_value(json_object_get(r, "at_ms"));
		s->status =
		    (long)json_integer_value(json_object_get(r, "status"));
		s->path = xstrdup(path);
		body = json_loads(json_string_value(json_object_get(r, "body")),
		    0, NULL);
		s->chat = json_integer_value(json_object_get(body, "chat_id"));
		text = json_string_value(json_object_get(body, "text"));
		s->text = xstrdup(text != NULL ? text : "");
		json_decref(body);
	}
	json_decref(reqs);
}

static void
tw_sents_free(struct sents *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].text);
		free(s->v[i].path);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Occurrences of needle in hay. */
static size_t
tw_occ(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

/*
 * Distinct village chats with a delivered (200) message saying needle;
 * per[n] (if not NULL, NCHATS + 1 entries) counts the occurrences in
 * chat n.  Chats outside the village count in per[0].
 */
static size_t
tw_chats_with(const struct sents *s, const char *needle, int *per)
{
	int seen[NCHATS + 1];
	size_t i, n = 0;
	int k;

	memset(seen, 0, sizeof(seen));
	if (per != NULL)
		memset(per, 0, sizeof(int) * (NCHATS + 1));
	for (i = 0; i < s->n; i++) {
		size_t occ;

		if (s->v[i].status != 200 ||
		    (occ = tw_occ(s->v[i].text, needle)) == 0)
			continue;
		k = tw_index(s->v[i].chat);
		if (k > 0 && !seen[k]) {
			seen[k] = 1;
			n++;
		}
		if (per != NULL)
			per[k > 0 ? k : 0] += (int)occ;
	}
	return (n);
}

/*
 * Poll until n distinct village chats have a delivered message saying
 * needle (or timeout_ms); *out is what the mock holds then.
 */
static void
tw_wait_chats(const struct daemon *d, const char *needle, size_t n,
    int timeout_ms, struct sents *out)
{
	int waited;

	for (waited = 0;; waited += POLL_MS) {
		tw_sents_get(d, out);
		if (tw_chats_with(out, needle, NULL) >= n ||
		    waited >= timeout_ms)
			break;
		tw_sents_free(out);
		daemon_sleep_ms(POLL_MS);
	}
	ck_assert_msg(tw_chats_with(out, needle, NULL) >= n,
	    "only %zu of %zu chats got \"%s\" after %d ms",
	    tw_chats_with(out, needle, NULL), n, needle, timeout_ms);
}

/*
 * Poll until chat got a delivered message containing needle; return a
 * copy of that message's text (caller frees).
 */
static char *
tw_wait_text(const struct daemon *d, long long chat, const char *needle,
    int timeout_ms)
{
	struct sents s;
	char *found = NULL;
	size_t i;
	int waited;

	for (waited = 0; found == NULL; waited += POLL_MS) {
		tw_sents_get(d, &s);
		for (i = 0; i < s.n && found == NULL; i++)
			if (s.v[i].status == 200 && s.v[i].chat == chat &&
			    strstr(s.v[i].text, needle) != NULL)
				found = xstrdup(s.v[i].text);
		tw_sents_free(&s);
		if (found != NULL)
			break;
		ck_assert_msg(waited < timeout_ms,
		    "chat %lld got no \"%s\" in %d ms", chat, needle,
		    timeout_ms);
		daemon_sleep_ms(POLL_MS);
	}
	return (found);
}

/* user says text in chat (reply_to: a user id or NULL); accepted. */
static void
tw_say(const char *chat, const char *user, const char *text,
    const char *reply_to)
{
	char uname[32];
	long st;
	size_t i;

	snprintf(uname, sizeof(uname), "%s", tw_name(user));
	for (i = 0; uname[i] != '\0'; i++)
		uname[i] = (char)(uname[i] | 0x20);
	st = daemon_tg_send(tw_d, chat, user, tw_name(user), uname, text,
	    reply_to);
	ck_assert_msg(st == 200, "%s in %s: webhook answered %ld", text, chat,
	    st);
}

static const char *
tw_name(const char *user)
{
	static const char *const names[][2] = { { OP, "Olga" },
		{ ALICE, "Alice" }, { BOB, "Bob" }, { CAROL, "Carol" },
		{ DAVE, "Dave" }, { ERIN, "Erin" } };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], user) == 0)
			return (names[i][1]);
	return ("Someone");
}

/* The chat_id of village chat n (1..68) or of the council chat. */
static long long
tw_chat(int n)
{
	return (-(CHAT0 + n));
}

/* n for a village chat id (1..68), else 0. */
static int
tw_index(long long chat)
{
	long long n = -chat - CHAT0;

	return (n >= 1 && n <= NCHATS ? (int)n : 0);
}

/* What every copy of broadcast id says, and nothing else does. */
static void
tw_needle(char *buf, size_t len, long long id)
{
	snprintf(buf, len, "Please reply /ack %lld (or 收到 %lld)", id, id);
}

/*
 * Parse level lv of a /report reply into f[0..5]: targeted, delivered,
 * failed, pending, ack chats, ack members.  0, or -1 if it is not there.
 */
static int
tw_report_level(const char *text, int lv, int *f)
{
	char head[32];
	const char *p, *a;

	snprintf(head, sizeof(head), "- Level %d", lv);
	if ((p = strstr(text, head)) == NULL ||
	    (p = strstr(p, ": targeted ")) == NULL ||
	    sscanf(p, ": targeted %d, delivered %d, failed %d, pending %d",
		&f[0], &f[1], &f[2], &f[3]) != 4 ||
	    (a = strstr(p, "Acknowledged by ")) == NULL ||
	    sscanf(a, "Acknowledged by %d chats and %d members", &f[4],
		&f[5]) != 2)
		return (-1);
	return (0);
}

/*
 * GET /api/v1/broadcasts/id until every level has nothing pending (or
 * the wait is over); the answer (caller decrefs).
 */
static json_t *
tw_report_wait(long long id, int timeout_ms)
{
	json_t *r = NULL, *lv;
	char path[64];
	size_t i;
	int waited, pending;

	snprintf(path, sizeof(path), "/api/v1/broadcasts/%lld", id);
	for (waited = 0;; waited += POLL_MS) {
		json_decref(r);
		r = tw_api_ok(tw_d, "GET", path, NULL);
		pending = 0;
		json_array_foreach(json_object_get(r, "levels"), i, lv)
		    pending +=
		    (int)json_integer_value(json_object_get(lv, "pending"));
		if (pending == 0 || waited >= timeout_ms)
			break;
		daemon_sleep_ms(POLL_MS);
	}
	return (r);
}

/* The value of a /metrics line "name value" of d (-1 if absent). */
static long long
tw_metric(const struct daemon *d, const char *name)
{
	char *url = daemon_url(d, "/metrics"), *resp = NULL;
	const char *p;
	long long v = -1;
	long st;
	CURL *c;

	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tw_body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	free(url);
	ck_assert_int_eq(st, 200);
	for (p = resp; p != NULL && *p != '\0';) {
		if (strncmp(p, name, strlen(name)) == 0 &&
		    p[strlen(name)] == ' ') {
			v = strtoll(p + strlen(name) + 1, NULL, 10);
			break;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	free(resp);
	return (v);
}

/* ------------------------------------------------------------------ */
/* tests                                                               */
/* ------------------------------------------------------------------ */

/*
 * A committee member's urgent /broadcast from the top chat reaches each of
 * the 68 chats exactly once; acks are counted per level, chat and person,
 * in /report and in the admin API report alike.
 */
START_TEST(village_broadcast_reaches_each_chat_once)
{
	static const int want[3][6] = {
		/* targeted, delivered, failed, pending, ack chats, members */
		{ 1, 1, 0, 0, 1, 1 },
		{ 5, 5, 0, 0, 1, 2 },
		{ 62, 62, 0, 0, 3, 2 },
	};
	struct village v;
	struct sents s;
	json_t *rep, *lv;
	char needle[96], text[64], *plan, *t;
	int per[NCHATS + 1], f[6], chats = 0, lvl, k;
	long long id = 0;
	size_t i;

	tw_up("\"adapters\": {\"tg\": {" RATE_FAST "}}");
	tw_import_village(&v, 0, NULL);

	/* The operator makes Alice committee in the top chat. */
	tw_say(TOP, ALICE, "hello everyone", NULL);
	tw_say(TOP, OP, "/role committee", ALICE);
	free(tw_wait_text(tw_d, tw_chat(1), "Alice is now committee", WAIT_MS));
	tw_say(TOP, ALICE,
	    "/broadcast urgent Flood warning: move to higher "
	    "ground",
	    NULL);
	plan = tw_wait_text(tw_d, tw_chat(1), "is on its way", WAIT_MS);
	t = strstr(plan, "Broadcast #");
	ck_assert_msg(t != NULL &&
			  sscanf(t, "Broadcast #%lld is on its way. Chats: %d",
			      &id, &chats) == 2,
	    "plan reply: %s", plan);
	ck_assert_int_eq(chats, NCHATS);
	ck_assert_msg(strstr(plan, "expected time to reach them all: about") !=
			  NULL,
	    "no ETA in the plan reply: %s", plan);
	free(plan);

	tw_needle(needle, sizeof(needle), id);
	tw_wait_chats(tw_d, needle, NCHATS, WAIT_MS, &s);
	ck_assert_int_eq(tw_chats_with(&s, needle, per), NCHATS);
	ck_assert_msg(per[0] == 0, "%d copies went outside the village",
	    per[0]);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(per[k] == 1, "chat %d got %d copies", k, per[k]);
	snprintf(text, sizeof(text), "[URGENT] Broadcast #%lld", id);
	for (i = 0; i < s.n; i++)
		if (strstr(s.v[i].text, needle) != NULL)
			ck_assert_msg(strstr(s.v[i].text, text) != NULL &&
					  strstr(s.v[i].text,
					      "Flood warning: move to higher "
					      "ground") != NULL,
			    "broadcast copy: %s", s.v[i].text);
	tw_sents_free(&s);

	/* Everything delivered before anyone acks (bare 收到 = lastbc). */
	json_decref(tw_report_wait(id, WAIT_MS));
	tw_say(TOP, ALICE, "收到", NULL);
	snprintf(text, sizeof(text), "/ack %lld", id);
	tw_say("-1000000000002", BOB, text, NULL);
	snprintf(text, sizeof(text), "收到 %lld", id);
	tw_say("-1000000000002", CAROL, text, NULL);
	tw_say("-1000000000003", DAVE, text, NULL);
	tw_say("-1000000000004", ERIN, "/ack", NULL);
	/* Bob again, in a level-2 chat: the chat counts, he does not. */
	tw_say("-1000000000005", BOB, text, NULL);
	snprintf(text, sizeof(text), "Broadcast #%lld is acknowledged", id);
	for (k = 0; k < 5000; k += POLL_MS) {
		tw_sents_get(tw_d, &s);
		for (i = 0, chats = 0; i < s.n; i++)
			chats += (int)tw_occ(s.v[i].text, text);
		tw_sents_free(&s);
		if (chats >= 6)
			break;
		daemon_sleep_ms(POLL_MS);
	}
	ck_assert_int_eq(chats, 6);

	snprintf(text, sizeof(text), "/report %lld", id);
	tw_say(TOP, ALICE, text, NULL);
	snprintf(text, sizeof(text), "Report for broadcast #%lld", id);
	t = tw_wait_text(tw_d, tw_chat(1), text, WAIT_MS);
	for (lvl = 0; lvl < 3; lvl++) {
		ck_assert_msg(tw_report_level(t, lvl, f) == 0,
		    "no level %d in: %s", lvl, t);
		for (k = 0; k < 6; k++)
			ck_assert_msg(f[k] == want[lvl][k],
			    "/report level %d field %d: %d, want %d\n%s", lvl,
			    k, f[k], want[lvl][k], t);
	}
	ck_assert_msg(strstr(t, "- Level 3") == NULL, "a level 3: %s", t);
	free(t);

	rep = tw_report_wait(id, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "id")), id);
	ck_assert_int_eq(json_array_size(json_object_get(rep, "levels")), 3);
	json_array_foreach(json_object_get(rep, "levels"), i, lv)
	{
		static const char *const keys[6] = { "targeted", "delivered",
			"failed", "pending", "ack_chats", "ack_members" };

		ck_assert_int_eq(json_integer_value(
				     json_object_get(lv, "level")),
		    (json_int_t)i);
		for (k = 0; k < 6; k++)
			ck_assert_msg(json_integer_value(json_object_get(lv,
					  keys[k])) == want[i][k],
			    "API level %zu %s: %lld, want %d", i, keys[k],
			    (long long)json_integer_value(
				json_object_get(lv, keys[k])),
			    want[i][k]);
	}
	json_decref(rep);
}
END_TEST

/*
 * Where an escalation about silent chat k (1..68, NCHATS + 1 = the
 * council chat) goes: its parent node's council chat, else the parent's
 * members chat; 0 for the top chat (no parent).
 */
static long long
tw_escalation_dest(const struct village *v, int k)
{
	const char *node = k <= NCHATS ? v->node[k] : "village/h0001";
	char parent[64];
	int j;

	if (tower_path_parent(node, parent, sizeof(parent)) == -1)
		return (0);
	if (strcmp(parent, "village/h0001") == 0)
		return (tw_chat(COUNCIL1));
	for (j = 1; j <= NCHATS; j++)
		if (strcmp(v->node[j], parent) == 0)
			return (tw_chat(j));
	return (0);
}

/*
 * Two seconds after an urgent broadcast (delivery.escalate_urgent_s), the
 * chats nobody acknowledged are listed to their parent node's chat, the
 * council chat first, naming their liaisons; acknowledged chats are not.
 */
START_TEST(silent_chats_escalate_to_parent_council)
{
	struct village v;
	struct sents s;
	long long dests[NCHATS + 2], t0, dest;
	char head[96], item[160];
	const char *msg;
	int acked[NCHATS + 2], k, j, found = 0, ndests = 0, nsilent = 0;
	size_t i;

	tw_up("\"adapters\": {\"tg\": {" RATE_FAST "}}, "
	      "\"delivery\": {\"escalate_urgent_s\": 2}");
	tw_import_village(&v, 1, NULL);
	ck_assert_str_eq(v.node[5], "village/h0001/g00003");
	ck_assert_str_eq(v.node[31], "village/h0003/g00027");

	/* Dave is the liaison of group g00003 (chat 5). */
	tw_say("-1000000000005", DAVE, "hi", NULL);
	tw_say("-1000000000005", OP, "/role liaison", DAVE);
	free(tw_wait_text(tw_d, tw_chat(5), "Dave is now liaison", WAIT_MS));

	/* The first broadcast of a fresh Redis is #1: ack it at once. */
	t0 = daemon_now_ms();
	tw_say(TOP, OP,
	    "/broadcast urgent Storm tonight, check on the "
	    "elderly",
	    NULL);
	memset(acked, 0, sizeof(acked));
	tw_say("-1000000000002", BOB, "收到 1", NULL);   /* h0001 */
	tw_say("-1000000000003", CAROL, "收到 1", NULL); /* h0001/g00001 */
	tw_say("-1000000000031", ERIN, "/ack 1", NULL);  /* h0003/g00027 */
	acked[2] = acked[3] = acked[31] = 1;
	free(tw_wait_text(tw_d, tw_chat(1), "Broadcast #1 is on its way",
	    WAIT_MS));

	/* Silent chats with a parent, and where they are reported. */
	for (k = 1; k <= NCHATS + 1; k++) {
		if (acked[k] || (dest = tw_escalation_dest(&v, k)) == 0)
			continue;
		nsilent++;
		for (j = 0; j < ndests && dests[j] != dest; j++)
			;
		if (j == ndests)
			dests[ndests++] = dest;
	}
	ck_assert_int_eq(nsilent, NCHATS + 1 - 1 - 3);
	/* village (chat 1), h0001 (its council chat), h0002..h0005. */
	ck_assert_int_eq(ndests, 6);

	snprintf(head, sizeof(head),
	    "[REMINDER] Broadcast #1 has not been acknowledged in time");
	for (k = 0;; k += POLL_MS) {
		tw_sents_get(tw_d, &s);
		for (i = 0, found = 0; i < s.n; i++)
			found += strstr(s.v[i].text, head) != NULL;
		if (found >= ndests || k >= 15000)
			break;
		tw_sents_free(&s);
		daemon_sleep_ms(POLL_MS);
	}
	ck_assert_msg(found == ndests, "%d escalations, want %d", found,
	    ndests);

	for (i = 0; i < s.n; i++) {
		msg = s.v[i].text;
		if (strstr(msg, head) == NULL)
			continue;
		ck_assert_msg(s.v[i].at_ms - t0 >= 2000,
		    "escalated %lld ms after the broadcast", s.v[i].at_ms - t0);
		/* One message per destination, none elsewhere. */
		for (j = 0; j < ndests && dests[j] != s.v[i].chat; j++)
			;
		ck_assert_msg(j < ndests, "escalation to chat %lld:\n%s",
		    s.v[i].chat, msg);
		dests[j] = 0;
		/* Every silent chat of that parent, and no other chat. */
		for (k = 1; k <= NCHATS + 1; k++) {
			if (k <= NCHATS)
				snprintf(item, sizeof(item), "- %lld (%s) - ",
				    tw_chat(k), v.node[k]);
			else
				snprintf(item, sizeof(item),
				    "- H1 council (village/h0001) - ");
			dest = acked[k] ? 0 : tw_escalation_dest(&v, k);
			ck_assert_msg((strstr(msg, item) != NULL) ==
					  (dest == s.v[i].chat),
			    "chat %d \"%s\" %s the escalation to %lld:\n%s", k,
			    item,
			    strstr(msg, item) != NULL ? "is wrongly in"
						      : "is missing from",
			    s.v[i].chat, msg);
		}
		/* Dave is named on his chat's line, nobody else anywhere. */
		if (s.v[i].chat == tw_chat(COUNCIL1)) {
			ck_assert_msg(strstr(msg, "(12):\n") != NULL,
			    "count: %s", msg);
			ck_assert_msg(strstr(msg, "- -1000000000005 "
						  "(village/h0001/g00003) - "
						  "liaisons: Dave\n") != NULL,
			    "liaison not named:\n%s", msg);
			ck_assert_int_eq(tw_occ(msg, "liaisons:"), 1);
		} else
			ck_assert_int_eq(tw_occ(msg, "liaisons:"), 0);
	}
	tw_sents_free(&s);
}
END_TEST

/*
 * 20 sends/s with burst 1 and 2 per chat per minute: during a 68-chat
 * broadcast plus commands in one chat, no 1 s window holds more than 20
 * sends and no chat gets more than 2 in 60 s; everything arrives (the
 * replies held by the chat's quota as one digest 30 s later).
 */
START_TEST(rate_limits_are_never_exceeded)
{
	struct village v;
	struct sents s;
	json_t *st;
	char needle[96], *digest;
	long long id, t_busy = 0;
	size_t i, j, n, maxsec = 0, maxchat = 0;
	int per[NCHATS + 1], k;

	tw_up("\"adapters\": {\"tg\": {\"rate\": {\"per_second\": 20, "
	      "\"burst\": 1, \"per_chat_per_minute\": 2}}}");
	ck_assert_int_eq(daemon_mock_limits(tw_d,
			     "{\"per_second\": 20, \"per_chat_per_minute\": "
			     "2}"),
	    0);
	tw_import_village(&v, 0, NULL);
	id = tw_bcast_api("village", 1, "Water supply cut 14:00-18:00");
	tw_needle(needle, sizeof(needle), id);

	/* Chat 3 has its copy: three members send commands there. */
	free(tw_wait_text(tw_d, tw_chat(3), needle, WAIT_MS));
	tw_say("-1000000000003", ALICE, "/activities", NULL);
	tw_say("-1000000000003", BOB, "/ack", NULL);
	tw_say("-1000000000003", CAROL, "/frobnicate", NULL);

	tw_wait_chats(tw_d, needle, NCHATS, WAIT_MS, &s);
	tw_sents_free(&s);
	/* The replies wait for chat 3's quota: one digest, 30 s on. */
	digest = tw_wait_text(tw_d, tw_chat(3), "/help", 45000);
	ck_assert_msg(strstr(digest, "no open activity") != NULL &&
			  strstr(digest, "is acknowledged") != NULL,
	    "digest lacks replies: %s", digest);
	free(digest);
	daemon_sleep_ms(300);

	tw_sents_get(tw_d, &s);
	ck_assert_int_eq(tw_chats_with(&s, needle, per), NCHATS);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(per[k] == 1, "chat %d got %d copies", k, per[k]);
	for (i = 0; i < s.n; i++) {
		ck_assert_int_eq(s.v[i].status, 200);
		if (s.v[i].chat == tw_chat(3) &&
		    strstr(s.v[i].text, needle) != NULL)
			t_busy = s.v[i].at_ms;
		/* Sends in (at - 1000, at] and to this chat in 60 s. */
		for (j = 0, n = 0; j <= i; j++)
			n += s.v[j].at_ms > s.v[i].at_ms - 1000;
		maxsec = n > maxsec ? n : maxsec;
		for (j = 0, n = 0; j <= i; j++)
			n += s.v[j].chat == s.v[i].chat &&
			     s.v[j].at_ms > s.v[i].at_ms - 60000;
		maxchat = n > maxchat ? n : maxchat;
	}
	ck_assert_msg(maxsec <= 20, "%zu sends within one second", maxsec);
	ck_assert_msg(maxchat <= 2, "%zu sends to one chat within 60 s",
	    maxchat);
	/* 68 copies + one digest: every reply to chat 3 went in it. */
	ck_assert_int_eq(s.n, NCHATS + 1);
	ck_assert(t_busy > 0);
	tw_sents_free(&s);
	st = daemon_mock_stats(tw_d);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "violations")),
	    0);
	json_decref(st);
}
END_TEST

/*
 * 20 sends/s, burst 1: a normal broadcast to the 68 chats, then an urgent
 * one once 5 chats have the normal one.  Waits until every chat has both
 * (each exactly once) and leaves the sends in *s; *first, *last_u and
 * *last_n are the indexes of the first and last sends carrying the urgent
 * broadcast and of the last one carrying the normal one.  A chat's normal
 * copy still waiting when its urgent copy goes may ride along in the
 * same send (a digest, SPEC section 5).
 */
static void
tw_urgent_after_normal(struct sents *s, char *nneed, char *uneed,
    size_t needlen, size_t *first, size_t *last_u, size_t *last_n)
{
	struct village v;
	long long nid, uid;
	size_t i;
	int pn[NCHATS + 1], pu[NCHATS + 1], k;

	tw_up("\"adapters\": {\"tg\": {\"rate\": {\"per_second\": 20, "
	      "\"burst\": 1}}}");
	tw_import_village(&v, 0, NULL);
	nid = tw_bcast_api("village", 0, "Sports day on Saturday");
	tw_needle(nneed, needlen, nid);
	tw_wait_chats(tw_d, nneed, 5, WAIT_MS, s);
	tw_sents_free(s);
	uid = tw_bcast_api("village", 1, "Landslide risk: stay indoors");
	tw_needle(uneed, needlen, uid);
	tw_wait_chats(tw_d, uneed, NCHATS, WAIT_MS, s);
	tw_sents_free(s);
	tw_wait_chats(tw_d, nneed, NCHATS, WAIT_MS, s);

	ck_assert_int_eq(tw_chats_with(s, nneed, pn), NCHATS);
	ck_assert_int_eq(tw_chats_with(s, uneed, pu), NCHATS);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(pn[k] == 1 && pu[k] == 1,
		    "chat %d: %d normal, %d urgent copies", k, pn[k], pu[k]);
	*first = SIZE_MAX;
	*last_u = *last_n = 0;
	for (i = 0; i < s->n; i++) {
		if (strstr(s->v[i].text, uneed) != NULL) {
			if (*first == SIZE_MAX)
				*first = i;
			*last_u = i;
		}
		if (strstr(s->v[i].text, nneed) != NULL)
			*last_n = i;
	}
	ck_assert(*first != SIZE_MAX);
}

/*
 * The urgent broadcast does not wait for the normal one: it starts while
 * the normal one is going out, and its last copy is out no later than the
 * normal one's last copy (without priorities the urgent copies of the
 * chats served first would come after the normal broadcast ended).
 */
START_TEST(urgent_overtakes_normal)
{
	struct sents s;
	char nneed[96], uneed[96];
	size_t first, last_u, last_n;

	tw_urgent_after_normal(&s, nneed, uneed, sizeof(nneed), &first, &last_u,
	    &last_n);
	ck_assert_msg(first < last_n, "urgent started after normal ended");
	ck_assert_msg(last_u <= last_n,
	    "the last urgent copy (send #%zu) came after the normal "
	    "broadcast ended (send #%zu)",
	    last_u, last_n);
	tw_sents_free(&s);
}
END_TEST

/*
 * Stricter, as SPEC section 5 says "urgent is always served before
 * normal": from the first urgent copy to the last, no send carries the
 * normal broadcast alone.
 *
 * BUG (bot/deliver.c, deliver_collect): this fails in about one run in
 * four.  Entries refused by the account rate get not_before = local now +
 * the wait "take" returned, computed per take call, so the normal entries
 * of one call can become ready a millisecond before the urgent entries of
 * another call that wait for the same slot.  deliver_collect() skips the
 * urgent entries that are not ready yet and batches the ready normal
 * ones, and the account's slot goes to a normal copy (the daemon log
 * then shows the normal copy for chat X sent alone, n=1, and the urgent
 * copy for the same chat X one slot later).  Left failing on purpose.
 */
START_TEST(urgent_never_waits_behind_normal)
{
	struct sents s;
	char nneed[96], uneed[96];
	size_t i, first, last_u, last_n, alone = 0, at = 0;

	tw_urgent_after_normal(&s, nneed, uneed, sizeof(nneed), &first, &last_u,
	    &last_n);
	for (i = first; i <= last_u; i++)
		if (strstr(s.v[i].text, nneed) != NULL &&
		    strstr(s.v[i].text, uneed) == NULL) {
			if (alone++ == 0)
				at = i;
		}
	ck_assert_msg(alone == 0,
	    "%zu normal-only send(s) between the first (#%zu) and last "
	    "(#%zu) urgent ones, the first #%zu to chat %lld",
	    alone, first, last_u, at, alone > 0 ? s.v[at].chat : 0);
	tw_sents_free(&s);
}
END_TEST

/*
 * Three 429s with retry_after 2 in the middle of a broadcast: nothing is
 * sent to the account for 2 s after each, and every chat still gets its
 * copy exactly once.
 */
START_TEST(retry_after_is_honoured_mid_broadcast)
{
	struct village v;
	struct sents s;
	json_t *st;
	char needle[96];
	long long id;
	size_t i, j, n429 = 0;
	int per[NCHATS + 1], k;

	tw_up("\"adapters\": {\"tg\": {\"rate\": {\"per_second\": 30, "
	      "\"burst\": 1}}}");
	tw_import_village(&v, 0, NULL);
	id = tw_bcast_api("village", 1, "Road closed at the bridge");
	tw_needle(needle, sizeof(needle), id);
	tw_wait_chats(tw_d, needle, 10, WAIT_MS, &s);
	tw_sents_free(&s);
	ck_assert_int_eq(daemon_mock_script(tw_d,
			     "{\"path_prefix\": \"/bot\", \"status\": 429, "
			     "\"body\": \"{\\\"ok\\\":false,\\\"error_code\\\":"
			     "429,\\\"description\\\":\\\"Too Many Requests: "
			     "retry after 2\\\",\\\"parameters\\\":"
			     "{\\\"retry_after\\\":2}}\", \"count\": 3}"),
	    0);
	tw_wait_chats(tw_d, needle, NCHATS, 30000, &s);

	ck_assert_int_eq(tw_chats_with(&s, needle, per), NCHATS);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(per[k] == 1, "chat %d got %d copies", k, per[k]);
	for (i = 0; i < s.n; i++) {
		if (s.v[i].status != 429)
			continue;
		n429++;
		for (j = i + 1; j < s.n; j++)
			ck_assert_msg(s.v[j].at_ms - s.v[i].at_ms >= 2000,
			    "send #%zu %lld ms after the 429 #%zu", j,
			    s.v[j].at_ms - s.v[i].at_ms, i);
	}
	ck_assert_int_eq(n429, 3);
	tw_sents_free(&s);
	st = daemon_mock_stats(tw_d);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "scripted")),
	    3);
	json_decref(st);
}
END_TEST

/*
 * kill -9 halfway through a 68-chat broadcast; the daemon comes back on
 * the same config (same Redis consumer): every chat gets its copy, a few
 * at most twice (those in flight or not yet acknowledged in Redis).
 */
START_TEST(kill9_mid_broadcast_loses_nothing)
{
	struct village v;
	struct sents s;
	json_t *rep, *lv;
	char needle[96], *log;
	long long id;
	size_t i, before;
	int per[NCHATS + 1], k, dups = 0;

	tw_up("\"adapters\": {\"tg\": {\"rate\": {\"per_second\": 20, "
	      "\"burst\": 1}}}");
	tw_import_village(&v, 0, NULL);
	id = tw_bcast_api("village", 1, "Evacuate the river bank");
	tw_needle(needle, sizeof(needle), id);
	tw_wait_chats(tw_d, needle, NCHATS / 2, WAIT_MS, &s);
	tw_sents_free(&s);
	ck_assert_int_eq(daemon_kill(tw_d), 0);
	tw_sents_get(tw_d, &s);
	before = tw_chats_with(&s, needle, NULL);
	tw_sents_free(&s);
	ck_assert_msg(before < NCHATS, "all %zu out before the kill", before);
	ck_assert_int_eq(daemon_start(tw_d), 0);
	tw_wait_chats(tw_d, needle, NCHATS, WAIT_MS, &s);
	daemon_sleep_ms(500);
	tw_sents_free(&s);
	tw_sents_get(tw_d, &s);

	ck_assert_int_eq(tw_chats_with(&s, needle, per), NCHATS);
	for (k = 1; k <= NCHATS; k++) {
		ck_assert_msg(per[k] >= 1, "chat %d missed", k);
		dups += per[k] - 1;
	}
	fprintf(stderr,
	    "e2e_tower: kill -9 after %zu of %d chats: %d duplicate(s)\n",
	    before, NCHATS, dups);
	ck_assert_msg(dups <= 4, "%d duplicates", dups);
	tw_sents_free(&s);
	log = daemon_log(tw_d);
	ck_assert_msg(strstr(log, "outcome=recovered") != NULL,
	    "no recovered line in the log");
	free(log);
	/* Each chat counted delivered once. */
	rep = tw_report_wait(id, WAIT_MS);
	json_array_foreach(json_object_get(rep, "levels"), i, lv)
	{
		ck_assert_int_eq(json_integer_value(
				     json_object_get(lv, "delivered")),
		    json_integer_value(json_object_get(lv, "targeted")));
	}
	json_decref(rep);
}
END_TEST

/*
 * Two daemons on one Redis (two accounts, imported round-robin in the
 * identity column): each chat gets the broadcast exactly once, and both
 * daemons sent some of it.
 */
START_TEST(two_daemons_share_without_double_sending)
{
	struct village v;
	struct sents s;
	char needle[96];
	long long id, sent1, sent2;
	size_t i, by_a1 = 0, by_a2 = 0;
	int per[NCHATS + 1], k;

	tw_up("\"adapters\": {\"tg\": {\"accounts\": {"
	      "\"a1\": {\"token\": \"111:AAA\", \"rate\": {\"per_second\": "
	      "20, \"burst\": 1}}, "
	      "\"a2\": {\"token\": \"222:BBB\", \"rate\": {\"per_second\": "
	      "20, \"burst\": 1}}}}}");
	(void)tw_second();
	tw_import_village(&v, 0, "a1,a2");
	id = tw_bcast_api("village", 1, "Volunteers meet at the school");
	tw_needle(needle, sizeof(needle), id);
	tw_wait_chats(tw_d, needle, NCHATS, WAIT_MS, &s);
	daemon_sleep_ms(500);
	tw_sents_free(&s);
	tw_sents_get(tw_d, &s);

	ck_assert_int_eq(tw_chats_with(&s, needle, per), NCHATS);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(per[k] == 1, "chat %d got %d copies", k, per[k]);
	for (i = 0; i < s.n; i++) {
		by_a1 += strncmp(s.v[i].path, "/bot111:AAA/", 12) == 0;
		by_a2 += strncmp(s.v[i].path, "/bot222:BBB/", 12) == 0;
	}
	ck_assert_int_eq(by_a1, NCHATS / 2);
	ck_assert_int_eq(by_a2, NCHATS / 2);
	ck_assert_int_eq(s.n, NCHATS);
	tw_sents_free(&s);
	/* Nothing went to the second daemon's own mock. */
	tw_sents_get(tw_d2, &s);
	ck_assert_int_eq(s.n, 0);
	tw_sents_free(&s);
	sent1 = tw_metric(tw_d, "towerbot_deliveries_total{outcome=\"sent\"}");
	sent2 = tw_metric(tw_d2, "towerbot_deliveries_total{outcome=\"sent\"}");
	fprintf(stderr, "e2e_tower: two daemons sent %lld + %lld\n", sent1,
	    sent2);
	ck_assert_int_eq(sent1 + sent2, NCHATS);
	ck_assert_msg(sent1 > 0 && sent2 > 0,
	    "one daemon did all the work: %lld + %lld", sent1, sent2);
}
END_TEST

/*
 * A bad row (its line in the 400 answer) imports nothing; the same good
 * file twice: all unchanged; a moved node keeps its chats targeted under
 * the new path, and the old path has none.
 */
START_TEST(import_is_all_or_nothing_and_moves_keep_chats)
{
	struct village v;
	struct sents s;
	json_t *r, *e;
	char *csv, *bad, *p, needle[96], path[96];
	int line, k, want[NCHATS + 1], per[NCHATS + 1], nmoved = 0;
	long long id;
	long st;

	tw_up("\"adapters\": {\"tg\": {" RATE_FAST "}}");
	csv = tw_village_csv(&v, 0, NULL);

	/* Line 11 (the header is line 1): an unknown purpose. */
	bad = xstrdup(csv);
	for (p = bad, line = 1; line < 11; line++)
		p = strchr(p, '\n') + 1;
	ck_assert_msg(strstr(p, ",members,") != NULL &&
			  strstr(p, ",members,") < strchr(p, '\n'),
	    "line 11 is not a chat row: %.60s", p);
	memcpy(strstr(p, ",members,"), ",mem_ers,", 9);
	r = tw_api(tw_d, "POST", "/api/v1/import", bad, &st);
	ck_assert_int_eq(st, 400);
	e = json_array_get(json_object_get(r, "errors"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 11);
	ck_assert_int_eq(json_array_size(json_object_get(r, "errors")), 1);
	json_decref(r);
	free(bad);
	/* Line 21: an adapter this daemon does not have. */
	bad = xstrdup(csv);
	for (p = bad, line = 1; line < 21; line++)
		p = strchr(p, '\n') + 1;
	ck_assert_msg(strstr(p, ",tg,") != NULL &&
			  strstr(p, ",tg,") < strchr(p, '\n'),
	    "line 21 is not a chat row: %.60s", p);
	memcpy(strstr(p, ",tg,"), ",tx,", 4);
	r = tw_api(tw_d, "POST", "/api/v1/import", bad, &st);
	ck_assert_int_eq(st, 400);
	e = json_array_get(json_object_get(r, "errors"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 21);
	json_decref(r);
	free(bad);
	ck_assert_int_eq(tw_redis_int("ZCARD tb:tower"), 0);
	ck_assert_int_eq(tw_redis_int("ZCARD tb:nodes"), 0);
	ck_assert_int_eq(tw_redis_int("EXISTS tb:chat:tg:-1000000000001"), 0);

	/* The good file, twice. */
	r = tw_api_ok(tw_d, "POST", "/api/v1/import", csv);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "added")),
	    (json_int_t)v.nrows);
	json_decref(r);
	r = tw_api_ok(tw_d, "POST", "/api/v1/import", csv);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "added")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "changed")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "unchanged")),
	    (json_int_t)v.nrows);
	json_decref(r);
	free(csv);
	ck_assert_int_eq(tw_redis_int("ZCARD tb:tower"), NCHATS);

	/* Hamlet h0002 and its groups move to h9002. */
	memset(want, 0, sizeof(want));
	for (k = 1; k <= NCHATS; k++)
		if (strncmp(v.node[k], "village/h0002", 13) == 0) {
			want[k] = 1;
			nmoved++;
		}
	ck_assert_int_ge(nmoved, 2);
	r = tw_api(tw_d, "POST", "/api/v1/nodes/move",
	    "{\"from\": \"village/h0002\", \"to\": \"village/h0003\"}", &st);
	ck_assert_int_eq(st, 409);
	json_decref(r);
	r = tw_api_ok(tw_d, "POST", "/api/v1/nodes/move",
	    "{\"from\": \"village/h0002\", \"to\": \"village/h9002\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "chats")),
	    nmoved);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "nodes")),
	    nmoved);
	json_decref(r);

	r = tw_api(tw_d, "POST", "/api/v1/broadcasts",
	    "{\"path\": \"village/h0002\", \"text\": \"old path\"}", &st);
	ck_assert_int_eq(st, 422);
	json_decref(r);
	r = tw_api_ok(tw_d, "POST", "/api/v1/broadcasts",
	    "{\"path\": \"village/h9002\", \"text\": \"Moved hamlet\"}");
	id = json_integer_value(json_object_get(r, "id"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "chats")),
	    nmoved);
	json_decref(r);
	tw_needle(needle, sizeof(needle), id);
	tw_wait_chats(tw_d, needle, (size_t)nmoved, WAIT_MS, &s);
	daemon_sleep_ms(200);
	tw_sents_free(&s);
	tw_sents_get(tw_d, &s);
	ck_assert_int_eq(tw_chats_with(&s, needle, per), nmoved);
	ck_assert_int_eq(per[0], 0);
	for (k = 1; k <= NCHATS; k++)
		ck_assert_msg(per[k] == want[k], "chat %d (%s): %d copies", k,
		    v.node[k], per[k]);
	tw_sents_free(&s);
	/* The tower index says so too (SPEC: a chat keeps its node). */
	for (k = 1; k <= NCHATS; k++) {
		if (!want[k])
			continue;
		snprintf(path, sizeof(path), "village/h9002%s\ttg\t%lld",
		    v.node[k] + 13, tw_chat(k));
		ck_assert_int_eq(tw_redis_int("ZSCORE tb:tower %s", path), 0);
		snprintf(path, sizeof(path), "%s\ttg\t%lld", v.node[k],
		    tw_chat(k));
		ck_assert_int_eq(tw_redis_int("ZSCORE tb:tower %s", path), -1);
	}
	/* The whole village still reaches all 68 chats. */
	r = tw_api_ok(tw_d, "POST", "/api/v1/broadcasts",
	    "{\"path\": \"village\", \"text\": \"Everyone\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "chats")),
	    NCHATS);
	json_decref(r);
}
END_TEST

/* One TCase per test, so CK_RUN_CASE=<test> runs one alone. */
static void
tw_add(Suite *s, const TTest *t, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, NULL, tw_down);
	tcase_set_timeout(tc, 90);
	tcase_set_tags(tc, "redis");
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

#define TW_ADD(s, t) tw_add((s), (t), #t)

Suite *
e2e_tower_suite(void)
{
	Suite *s = suite_create("e2e_tower");

	TW_ADD(s, village_broadcast_reaches_each_chat_once);
	TW_ADD(s, silent_chats_escalate_to_parent_council);
	TW_ADD(s, rate_limits_are_never_exceeded);
	TW_ADD(s, urgent_overtakes_normal);
	TW_ADD(s, urgent_never_waits_behind_normal);
	TW_ADD(s, retry_after_is_honoured_mid_broadcast);
	TW_ADD(s, kill9_mid_broadcast_loses_nothing);
	TW_ADD(s, two_daemons_share_without_double_sending);
	TW_ADD(s, import_is_all_or_nothing_and_moves_keep_chats);
	return (s);
}
