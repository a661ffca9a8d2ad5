/*
 * sink.c -- a loopback stand-in for the platforms' send APIs during the
 * benchmarks: answers every POST (the daemon's sends and token fetches)
 * at once with the success answer of the platform the path names, and
 * counts them.  GET /count answers the count; SIGTERM or SIGINT prints
 * "sink: N" to stdout and exits.
 *
 *	bench_sink -p PORT [-r FILE] [-a PER_SECOND] [-m PER_CHAT_PER_MINUTE]
 *
 * With -r (tests/bench/broadcast.sh), every Telegram sendMessage is also
 * recorded: arrival time (CLOCK_REALTIME, microseconds), the account (the
 * bot token of the path /bot<token>/sendMessage) and the chat ("chat_id"
 * of the JSON body).  At exit the records go to FILE, one "t_us token
 * chat" line each, and stdout gets the rate check: per account, every
 * sliding 1 s window [t, t + 1 s) starting at an arrival that holds more
 * than PER_SECOND sends counts as one violation; per chat, every sliding
 * 60 s window with more than PER_CHAT_PER_MINUTE:
 *
 *	sink: N
 *	accounts: K max_1s=M violations=V
 *	chats: K max_60s=M violations=V
 *	first_us=T
 *	last_us=T
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bot/evloop.h"

#define SINK_OK_TG     "{\"ok\":true,\"result\":{\"message_id\":1}}"
#define SINK_OK_SLACK  "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1.000001\"}"
#define SINK_OK_FEISHU "{\"code\":0,\"msg\":\"success\",\"data\":{}}"
#define SINK_TOK_FEISHU                                                        \
	"{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\":\"t-bench\","      \
	"\"expire\":7200}"
#define SINK_OK_ERRCODE "{\"errcode\":0,\"errmsg\":\"ok\"}"
#define SINK_TOK_WECOM                                                         \
	"{\"errcode\":0,\"errmsg\":\"ok\",\"access_token\":\"bench\","         \
	"\"expires_in\":7200}"
#define SINK_TOK_DING    "{\"accessToken\":\"bench\",\"expireIn\":7200}"
#define SINK_OK_DING_API "{\"processQueryKey\":\"bench\"}"
#define SINK_OK_ONEBOT                                                         \
	"{\"status\":\"ok\",\"retcode\":0,\"data\":{\"message_id\":1}}"

#define SINK_KEY_MAX 64

/* One recorded sendMessage. */
struct sink_rec {
	int64_t t_us;
	char token[SINK_KEY_MAX];
	char chat[SINK_KEY_MAX];
};

struct sink {
	struct event_base *base;
	struct evbuffer *buf;
	unsigned long long posts;
	struct sink_rec *recs;
	size_t nrecs, caprecs;
	const char *recfile;
};

/* The result of one sliding-window check. */
struct sink_check {
	size_t keys;       /* distinct accounts or chats */
	size_t max;        /* most sends in one window */
	size_t violations; /* windows over the limit */
};

static const char *sink_answer(const char *);
static void sink_record(struct sink *, struct evhttp_request *, const char *);
static int sink_by_token(const void *, const void *);
static int sink_by_chat(const void *, const void *);
static void sink_check(struct sink_rec *, size_t, int, int64_t, size_t,
    struct sink_check *);
static void sink_report(struct sink *, double, double);
static void sink_handle(struct evhttp_request *, void *);
static void sink_stop(evutil_socket_t, short, void *);

/* The success answer of the API a path belongs to. */
static const char *
sink_answer(const char *uri)
{
	if (strstr(uri, "/sendMessage") != NULL)
		return (SINK_OK_TG);
	if (strstr(uri, "tenant_access_token") != NULL)
		return (SINK_TOK_FEISHU);
	if (strncmp(uri, "/open-apis/", 11) == 0)
		return (SINK_OK_FEISHU);
	if (strncmp(uri, "/cgi-bin/gettoken", 17) == 0)
		return (SINK_TOK_WECOM);
	if (strncmp(uri, "/cgi-bin/", 9) == 0 ||
	    strncmp(uri, "/robot/send", 11) == 0)
		return (SINK_OK_ERRCODE);
	if (strstr(uri, "/oauth2/accessToken") != NULL)
		return (SINK_TOK_DING);
	if (strncmp(uri, "/v1.0/", 6) == 0)
		return (SINK_OK_DING_API);
	if (strstr(uri, "chat.postMessage") != NULL ||
	    strncmp(uri, "/api/", 5) == 0)
		return (SINK_OK_SLACK);
	if (strncmp(uri, "/send_", 6) == 0)
		return (SINK_OK_ONEBOT);
	return (SINK_OK_TG);
}

/* Record a Telegram sendMessage: when, which bot token, which chat. */
static void
sink_record(struct sink *sk, struct evhttp_request *req, const char *uri)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct sink_rec *r;
	struct timespec ts;
	const char *tok, *end, *body, *p;
	size_t len, n;

	if (strncmp(uri, "/bot", 4) != 0 ||
	    (end = strstr(uri, "/sendMessage")) == NULL)
		return;
	if (sk->nrecs == sk->caprecs) {
		sk->caprecs = sk->caprecs == 0 ? 65536 : 2 * sk->caprecs;
		sk->recs = realloc(sk->recs, sk->caprecs * sizeof(*sk->recs));
		if (sk->recs == NULL) {
			fprintf(stderr, "sink: out of memory\n");
			abort();
		}
	}
	r = &sk->recs[sk->nrecs++];
	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r->t_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	tok = uri + 4;
	len = (size_t)(end - tok);
	memcpy(r->token, tok, len < SINK_KEY_MAX ? len : SINK_KEY_MAX - 1);
	len = evbuffer_get_length(in);
	body = (const char *)evbuffer_pullup(in, -1);
	if (body == NULL)
		return;
	for (p = body; p + 10 <= body + len; p++)
		if (memcmp(p, "\"chat_id\":", 10) == 0)
			break;
	if (p + 10 > body + len)
		return;
	p += 10;
	if (p < body + len && *p == '"')
		p++;
	for (n = 0; p < body + len && n < SINK_KEY_MAX - 1 && *p != '"' &&
		    *p != ',' && *p != '}';
	     p++)
		r->chat[n++] = *p;
}

static int
sink_by_token(const void *a, const void *b)
{
	const struct sink_rec *x = a, *y = b;
	int c = strcmp(x->token, y->token);

	if (c != 0)
		return (c);
	return (x->t_us < y->t_us ? -1 : x->t_us > y->t_us);
}

static int
sink_by_chat(const void *a, const void *b)
{
	const struct sink_rec *x = a, *y = b;
	int c = strcmp(x->chat, y->chat);

	if (c != 0)
		return (c);
	return (x->t_us < y->t_us ? -1 : x->t_us > y->t_us);
}

/*
 * Sliding windows [t_i, t_i + win_us) over recs sorted by key then time:
 * the most sends in one window, and the windows with more than limit.
 */
static void
sink_check(struct sink_rec *recs, size_t n, int by_chat, int64_t win_us,
    size_t limit, struct sink_check *c)
{
	size_t i, j = 0;

	memset(c, 0, sizeof(*c));
	qsort(recs, n, sizeof(*recs), by_chat ? sink_by_chat : sink_by_token);
	for (i = 0; i < n; i++) {
		const char *ki = by_chat ? recs[i].chat : recs[i].token;

		if (i == 0 || strcmp(ki, by_chat ? recs[i - 1].chat
						 : recs[i - 1].token) != 0) {
			c->keys++;
			j = i;
		}
		if (j < i)
			j = i;
		while (
		    j < n &&
		    strcmp(ki, by_chat ? recs[j].chat : recs[j].token) == 0 &&
		    recs[j].t_us < recs[i].t_us + win_us)
			j++;
		if (j - i > c->max)
			c->max = j - i;
		if (limit > 0 && j - i > limit)
			c->violations++;
	}
}

static void
sink_report(struct sink *sk, double per_second, double per_chat_minute)
{
	struct sink_check a, c;
	FILE *f;
	size_t i;
	int64_t first = 0, last = 0;

	if (sk->recfile == NULL)
		return;
	if ((f = fopen(sk->recfile, "w")) == NULL) {
		perror(sk->recfile);
		return;
	}
	for (i = 0; i < sk->nrecs; i++)
		fprintf(f, "%lld %s %s\n", (long long)sk->recs[i].t_us,
		    sk->recs[i].token, sk->recs[i].chat);
	fclose(f);
	if (sk->nrecs > 0) {
		first = sk->recs[0].t_us;
		last = sk->recs[sk->nrecs - 1].t_us;
	}
	sink_check(sk->recs, sk->nrecs, 0, 1000000, (size_t)per_second, &a);
	sink_check(sk->recs, sk->nrecs, 1, 60000000, (size_t)per_chat_minute,
	    &c);
	printf("accounts: %zu max_1s=%zu violations=%zu\n", a.keys, a.max,
	    a.violations);
	printf("chats: %zu max_60s=%zu violations=%zu\n", c.keys, c.max,
	    c.violations);
	printf("first_us=%lld\nlast_us=%lld\n", (long long)first,
	    (long long)last);
}

static void
sink_handle(struct evhttp_request *req, void *arg)
{
	struct sink *sk = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *uri = evhttp_request_get_uri(req), *ans;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET &&
	    strcmp(uri, "/count") == 0) {
		evbuffer_add_printf(sk->buf, "%llu\n", sk->posts);
		evhttp_add_header(out, "Content-Type", "text/plain");
		evhttp_send_reply(req, 200, "OK", sk->buf);
		return;
	}
	sk->posts++;
	if (sk->recfile != NULL)
		sink_record(sk, req, uri);
	ans = sink_answer(uri);
	evbuffer_add(sk->buf, ans, strlen(ans));
	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", sk->buf);
}

static void
sink_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	struct sink sk;
	struct evhttp *http;
	struct event *sigterm, *sigint;
	double per_second = 0, per_chat_minute = 0;
	int ch, port = 0;

	memset(&sk, 0, sizeof(sk));
	while ((ch = getopt(argc, argv, "a:m:p:r:")) != -1) {
		switch (ch) {
		case 'a':
			per_second = atof(optarg);
			break;
		case 'm':
			per_chat_minute = atof(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			sk.recfile = optarg;
			break;
		default:
			port = 0;
			optind = argc;
			break;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr,
		    "usage: bench_sink -p PORT [-r FILE] [-a PER_SECOND] "
		    "[-m PER_CHAT_PER_MINUTE]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sk.base = evloop_base_new()) == NULL ||
	    (http = evhttp_new(sk.base)) == NULL ||
	    (sk.buf = evbuffer_new()) == NULL) {
		fprintf(stderr, "sink: libevent setup failed\n");
		return (1);
	}
	evhttp_set_max_body_size(http, 1024 * 1024);
	evhttp_set_gencb(http, sink_handle, &sk);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "sink: cannot bind 127.0.0.1:%d\n", port);
		return (1);
	}
	sigterm = evsignal_new(sk.base, SIGTERM, sink_stop, sk.base);
	sigint = evsignal_new(sk.base, SIGINT, sink_stop, sk.base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(sk.base);
	printf("sink: %llu\n", sk.posts);
	sink_report(&sk, per_second, per_chat_minute);
	fflush(stdout);
	free(sk.recs);
	event_free(sigterm);
	event_free(sigint);
	evbuffer_free(sk.buf);
	evhttp_free(http);
	event_base_free(sk.base);
	return (0);
}
