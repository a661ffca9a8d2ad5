/*
 * outbox.h -- outbound HTTP on the daemon's libevent loop through the
 * libcurl multi-socket interface (curl docs/examples/multi-event.c).
 *
 * One transfer per outbox_send(); the request is copied, so the caller's
 * struct httpreq may be cleared at once.  Every transfer completes exactly
 * once, from the loop: answer, transport error, timeout, or outbox_free().
 */
#ifndef BOT_OUTBOX_H
#define BOT_OUTBOX_H

#include <stddef.h>

#include <event2/event.h>

#include "adapters/adapter.h"

/*
 * Completion.  resp is borrowed for the call: status 0 means the transfer
 * failed (err says why: "timeout", "connect", "shutdown", curl's text);
 * sent_any is 1 if the request may have reached the server (a timeout after
 * the request left: the outcome is unknown, SPEC section 5).  ms is the
 * transfer's duration.
 */
typedef void outbox_done_fn(void *arg, const struct httpresp *resp,
    const char *err, int sent_any, double ms);

struct outbox;

struct outbox *outbox_new(struct event_base *);
/* Abort transfers in flight (each completes with "shutdown"), free. */
void outbox_free(struct outbox *);

/*
 * Start one request (req->url must be set).  0, or -1 if it could not be
 * started (done will not run).
 */
int outbox_send(struct outbox *, const struct httpreq *req,
    unsigned int timeout_ms, outbox_done_fn *done, void *arg);

unsigned int outbox_inflight(const struct outbox *);

#endif /* BOT_OUTBOX_H */
