/*
 * evloop.h -- the libevent base the daemon runs on, shared with the
 * benchmark servers (tests/bench/) so that they pay what the daemon pays
 * per loop pass.
 *
 * epoll with a changelist: evhttp turns a connection's read event off when
 * a request is in and its write event on for the reply; libcurl and
 * hiredis flip theirs as often.  With the changelist the flips of one loop
 * pass reach the kernel as one epoll_ctl per descriptor, not one each
 * (about a tenth of the daemon's CPU under load).  libevent warns that
 * this is unsafe with descriptors cloned by dup(); none of these programs
 * dup()s one it watches.
 */
#ifndef BOT_EVLOOP_H
#define BOT_EVLOOP_H

#include <event2/event.h>

/* A new event base as described above; NULL on failure. */
static inline struct event_base *
evloop_base_new(void)
{
	struct event_config *ec;
	struct event_base *base;

	if ((ec = event_config_new()) == NULL)
		return (NULL);
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return (base);
}

#endif /* BOT_EVLOOP_H */
