/*
 * loop.h -- the event base every benchmark server uses: epoll with a
 * changelist, configured as the daemon's (bot/botd.c), so that the
 * references and the sink pay what the daemon pays per loop pass and the
 * comparison stays about the work, not the loop settings.
 */
#ifndef TESTS_BENCH_LOOP_H
#define TESTS_BENCH_LOOP_H

#include <event2/event.h>

static inline struct event_base *
bench_base_new(void)
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

#endif /* TESTS_BENCH_LOOP_H */
