/*
 * ref_bare.c -- benchmark reference (a): a bare libevent evhttp server
 * that answers every request 200 "ok\n".  The ceiling of one event loop
 * speaking HTTP/1.1 on this machine.  Usage: ref_bare -p PORT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bot/evloop.h"

static void bare_reply(struct evhttp_request *, void *);
static void bare_stop(evutil_socket_t, short, void *);

static void
bare_reply(struct evhttp_request *req, void *arg)
{
	struct evbuffer *buf = arg;

	evbuffer_add(buf, "ok\n", 3);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", buf);
}

static void
bare_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	struct event_base *base;
	struct evhttp *http;
	struct evbuffer *buf;
	struct event *sigterm, *sigint;
	int ch, port = 0;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: ref_bare -p PORT\n");
			return (2);
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: ref_bare -p PORT\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = evloop_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL ||
	    (buf = evbuffer_new()) == NULL) {
		fprintf(stderr, "ref_bare: libevent setup failed\n");
		return (1);
	}
	evhttp_set_gencb(http, bare_reply, buf);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "ref_bare: cannot bind 127.0.0.1:%d\n", port);
		return (1);
	}
	sigterm = evsignal_new(base, SIGTERM, bare_stop, base);
	sigint = evsignal_new(base, SIGINT, bare_stop, base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(base);
	event_free(sigterm);
	event_free(sigint);
	evbuffer_free(buf);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}
