/*
 * outbox.c -- libcurl multi driven by libevent: one event per socket that
 * curl asks us to watch, one timer, and a drain of curl_multi_info_read
 * after every curl_multi_socket_action.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "bot/outbox.h"
#include "core/xmem.h"

#define OUTBOX_BODY_MAX (1024 * 1024)
#define OUTBOX_HDR_MAX  64  /* name/value pairs kept per answer */
#define OUTBOX_POOL     512 /* idle easy handles kept for reuse */

struct outbox_xfer;
TAILQ_HEAD(outbox_list, outbox_xfer);

struct outbox {
	struct event_base *base;
	struct outbox_list xfers; /* in flight */
	CURL *pool[OUTBOX_POOL];  /* idle easy handles, reused */
	size_t npool;
	CURLM *multi;
	struct event *timer;
	unsigned int inflight;
	int freeing;
};

/* One transfer; CURLOPT_PRIVATE points here.  Freed at CURLMSG_DONE. */
struct outbox_xfer {
	TAILQ_ENTRY(outbox_xfer) entry;
	struct outbox *ob;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body; /* request body, owned */
	char *resp; /* answer body */
	size_t resp_len;
	char *rhdr[2 * OUTBOX_HDR_MAX + 1];
	size_t nrhdr;
	outbox_done_fn *done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Per-socket state, attached with curl_multi_assign. */
struct outbox_sock {
	struct event ev; /* assigned in place: no allocation per change */
	short kind;      /* what it watches now */
};

static void outbox_check_multi(struct outbox *);
static void outbox_release(struct outbox *, CURL *);

static void
outbox_finish(struct outbox_xfer *x, CURLcode code)
{
	struct httpresp resp;
	const char *err = NULL;
	long status = 0;
	double secs = 0;
	curl_off_t up = 0;
	int sent_any = 0;

	memset(&resp, 0, sizeof(resp));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &secs);
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	if (code != CURLE_OK) {
		status = 0;
		err =
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(code);
		if (code == CURLE_OPERATION_TIMEDOUT)
			err = "timeout";
		/* The request left if any byte of it was written. */
		sent_any = up > 0 || code == CURLE_OPERATION_TIMEDOUT ||
			   code == CURLE_GOT_NOTHING ||
			   code == CURLE_RECV_ERROR;
	} else
		sent_any = 1;
	x->rhdr[x->nrhdr] = NULL;
	resp.status = status;
	resp.body = x->resp != NULL ? x->resp : "";
	resp.len = x->resp_len;
	resp.hdr = (const char *const *)x->rhdr;
	resp.retry_after = httpresp_header(&resp, "Retry-After");
	x->done(x->arg, &resp, err, sent_any, secs * 1000.0);
}

static void
outbox_xfer_free(struct outbox_xfer *x)
{
	size_t i;

	curl_slist_free_all(x->hdrs);
	free(x->body);
	free(x->resp);
	for (i = 0; i < x->nrhdr; i++)
		free(x->rhdr[i]);
	free(x);
}

/* An easy handle is done: keep it for the next transfer. */
static void
outbox_release(struct outbox *ob, CURL *easy)
{
	if (ob->npool < OUTBOX_POOL && !ob->freeing) {
		curl_easy_reset(easy);
		ob->pool[ob->npool++] = easy;
	} else
		curl_easy_cleanup(easy);
}

static void
outbox_check_multi(struct outbox *ob)
{
	struct outbox_xfer *x;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(ob->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		curl_multi_remove_handle(ob->multi, x->easy);
		TAILQ_REMOVE(&ob->xfers, x, entry);
		ob->inflight--;
		outbox_finish(x, msg->data.result);
		outbox_release(ob, x->easy);
		outbox_xfer_free(x);
	}
}

static void
outbox_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;
	int running, mask = 0;

	if (what & EV_READ)
		mask |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	curl_multi_socket_action(ob->multi, fd, mask, &running);
	outbox_check_multi(ob);
}

static void
outbox_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(ob->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	outbox_check_multi(ob);
}

/* CURLMOPT_TIMERFUNCTION: re-arm our one timer; never call curl here. */
static int
outbox_timer_fn(CURLM *multi, long timeout_ms, void *arg)
{
	struct outbox *ob = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(ob->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(ob->timer, &tv);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: add, change or remove one socket's event. */
static int
outbox_socket_fn(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct outbox *ob = arg;
	struct outbox_sock *os = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (os != NULL) {
			event_del(&os->ev);
			free(os);
			curl_multi_assign(ob->multi, s, NULL);
		}
		return (0);
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	       ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (os == NULL) {
		os = xcalloc(1, sizeof(*os));
		curl_multi_assign(ob->multi, s, os);
	} else if (os->kind == kind)
		return (0);
	else
		event_del(&os->ev);
	if (event_assign(&os->ev, ob->base, s, kind, outbox_event_cb, ob) == -1)
		abort();
	os->kind = kind;
	event_add(&os->ev, NULL);
	return (0);
}

static size_t
outbox_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct outbox_xfer *x = arg;
	size_t n = size * nmemb;

	if (x->resp_len + n > OUTBOX_BODY_MAX)
		return (0); /* aborts the transfer: CURLE_WRITE_ERROR */
	x->resp = xreallocarray(x->resp, x->resp_len + n + 1, 1);
	memcpy(x->resp + x->resp_len, ptr, n);
	x->resp_len += n;
	x->resp[x->resp_len] = '\0';
	return (n);
}

static size_t
outbox_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct outbox_xfer *x = arg;
	size_t n = size * nmemb, nl, vl;
	char *colon;

	/* A new status line (after a 100 Continue): start over. */
	if (n > 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		while (x->nrhdr > 0)
			free(x->rhdr[--x->nrhdr]);
		return (n);
	}
	if ((colon = memchr(ptr, ':', n)) == NULL ||
	    x->nrhdr + 2 > 2 * OUTBOX_HDR_MAX)
		return (n);
	nl = (size_t)(colon - ptr);
	colon++;
	vl = n - nl - 1;
	while (vl > 0 && (*colon == ' ' || *colon == '\t')) {
		colon++;
		vl--;
	}
	while (vl > 0 && (colon[vl - 1] == '\r' || colon[vl - 1] == '\n' ||
			     colon[vl - 1] == ' '))
		vl--;
	x->rhdr[x->nrhdr++] = xstrndup(ptr, nl);
	x->rhdr[x->nrhdr++] = xstrndup(colon, vl);
	return (n);
}

struct outbox *
outbox_new(struct event_base *base)
{
	struct outbox *ob;

	ob = xcalloc(1, sizeof(*ob));
	ob->base = base;
	TAILQ_INIT(&ob->xfers);
	if ((ob->multi = curl_multi_init()) == NULL ||
	    (ob->timer = evtimer_new(base, outbox_timer_cb, ob)) == NULL) {
		outbox_free(ob);
		return (NULL);
	}
	curl_multi_setopt(ob->multi, CURLMOPT_SOCKETFUNCTION, outbox_socket_fn);
	curl_multi_setopt(ob->multi, CURLMOPT_SOCKETDATA, ob);
	curl_multi_setopt(ob->multi, CURLMOPT_TIMERFUNCTION, outbox_timer_fn);
	curl_multi_setopt(ob->multi, CURLMOPT_TIMERDATA, ob);
	curl_multi_setopt(ob->multi, CURLMOPT_MAXCONNECTS, 256L);
	return (ob);
}

int
outbox_send(struct outbox *ob, const struct httpreq *req,
    unsigned int timeout_ms, outbox_done_fn *done, void *arg)
{
	struct outbox_xfer *x;
	size_t i;

	if (ob->freeing || req->url == NULL)
		return (-1);
	x = xcalloc(1, sizeof(*x));
	x->ob = ob;
	x->done = done;
	x->arg = arg;
	if (ob->npool > 0)
		x->easy = ob->pool[--ob->npool];
	else if ((x->easy = curl_easy_init()) == NULL) {
		free(x);
		return (-1);
	}
	for (i = 0; i < sizeof(req->hdr) / sizeof(req->hdr[0]); i++)
		if (req->hdr[i] != NULL)
			x->hdrs = curl_slist_append(x->hdrs, req->hdr[i]);
	/* No "Expect: 100-continue" round trip on larger bodies. */
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	if (req->method != NULL && strcmp(req->method, "GET") == 0)
		curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
	else {
		x->body = xstrdup(req->body != NULL ? req->body : "");
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(x->body));
		if (req->method != NULL && strcmp(req->method, "POST") != 0)
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST,
			    req->method);
	}
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, outbox_write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, outbox_header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout_ms < 5000 ? timeout_ms : 5000));
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT,
	    "towerbot/" TOWERBOT_VERSION);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (curl_multi_add_handle(ob->multi, x->easy) != CURLM_OK) {
		curl_easy_cleanup(x->easy);
		outbox_xfer_free(x);
		return (-1);
	}
	TAILQ_INSERT_TAIL(&ob->xfers, x, entry);
	ob->inflight++;
	return (0);
}

unsigned int
outbox_inflight(const struct outbox *ob)
{
	return (ob->inflight);
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_xfer *x;

	if (ob == NULL)
		return;
	ob->freeing = 1;
	while ((x = TAILQ_FIRST(&ob->xfers)) != NULL) {
		TAILQ_REMOVE(&ob->xfers, x, entry);
		curl_multi_remove_handle(ob->multi, x->easy);
		ob->inflight--;
		strcpy(x->errbuf, "shutdown");
		outbox_finish(x, CURLE_ABORTED_BY_CALLBACK);
		curl_easy_cleanup(x->easy);
		outbox_xfer_free(x);
	}
	while (ob->npool > 0)
		curl_easy_cleanup(ob->pool[--ob->npool]);
	if (ob->multi != NULL)
		curl_multi_cleanup(ob->multi);
	if (ob->timer != NULL)
		event_free(ob->timer);
	free(ob);
}
