/*
 * sink.c -- a loopback stand-in for the Telegram Bot API during the
 * benchmark: answers every POST (the daemon's sendMessage calls) with
 * {"ok":true,"result":{"message_id":1}} at once and counts them.  GET
 * /count answers the count; SIGTERM or SIGINT prints "sink: N" to stdout
 * and exits.  Usage: sink -p PORT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#define SINK_OK "{\"ok\":true,\"result\":{\"message_id\":1}}"

struct sink {
	struct event_base *base;
	struct evbuffer *buf;
	unsigned long long posts;
};

static void sink_handle(struct evhttp_request *, void *);
static void sink_stop(evutil_socket_t, short, void *);

static void
sink_handle(struct evhttp_request *req, void *arg)
{
	struct sink *sk = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET &&
	    strcmp(evhttp_request_get_uri(req), "/count") == 0) {
		evbuffer_add_printf(sk->buf, "%llu\n", sk->posts);
		evhttp_add_header(out, "Content-Type", "text/plain");
		evhttp_send_reply(req, 200, "OK", sk->buf);
		return;
	}
	sk->posts++;
	evbuffer_add(sk->buf, SINK_OK, sizeof(SINK_OK) - 1);
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
	int ch, port = 0;

	memset(&sk, 0, sizeof(sk));
	while ((ch = getopt(argc, argv, "p:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: sink -p PORT\n");
			return (2);
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: sink -p PORT\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sk.base = event_base_new()) == NULL ||
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
	fflush(stdout);
	event_free(sigterm);
	event_free(sigint);
	evbuffer_free(sk.buf);
	evhttp_free(http);
	event_base_free(sk.base);
	return (0);
}
