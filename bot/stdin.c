/*
 * stdin.c -- a bufferevent on fd 0, one line at a time.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bot/http.h"
#include "bot/log.h"
#include "bot/stdin.h"
#include "core/xmem.h"

#define STDIN_LINE_MAX 8192

struct stdin_reader {
	struct botd *bd;
	struct bufferevent *bev;
	char *adapter;
};

static void
stdin_read_cb(struct bufferevent *bev, void *arg)
{
	struct stdin_reader *sr = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (len > 0 && len <= STDIN_LINE_MAX)
			http_console_line(sr->bd, sr->adapter, line, len);
		free(line);
	}
	/* A line longer than any command: drop it rather than grow. */
	if (evbuffer_get_length(in) > STDIN_LINE_MAX)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
stdin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct stdin_reader *sr = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		LOG(LL_INFO, "console", KS("adapter", sr->adapter),
		    KS("outcome", "stdin_closed"));
		bufferevent_disable(sr->bev, EV_READ);
		botd_console_eof(sr->bd);
	}
}

struct stdin_reader *
stdin_reader_new(struct botd *bd, const char *adapter)
{
	struct stdin_reader *sr;

	sr = xcalloc(1, sizeof(*sr));
	sr->bd = bd;
	sr->adapter = xstrdup(adapter);
	evutil_make_socket_nonblocking(STDIN_FILENO);
	if ((sr->bev = bufferevent_socket_new(bd->base, STDIN_FILENO, 0)) ==
	    NULL) {
		free(sr->adapter);
		free(sr);
		return (NULL);
	}
	bufferevent_setcb(sr->bev, stdin_read_cb, NULL, stdin_event_cb, sr);
	bufferevent_enable(sr->bev, EV_READ);
	return (sr);
}

void
stdin_reader_free(struct stdin_reader *sr)
{
	if (sr == NULL)
		return;
	bufferevent_free(sr->bev);
	free(sr->adapter);
	free(sr);
}
