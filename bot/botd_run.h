/*
 * botd_run.h -- the daemon's life cycle, for main.c: setup (config, Redis,
 * adapters, HTTP, signals), run the loop until SIGTERM has drained, and
 * tear down in reverse order.
 */
#ifndef BOT_BOTD_RUN_H
#define BOT_BOTD_RUN_H

#include <stddef.h>

#include "bot/botd.h"

/* 0, or -1 with the reason in err (startup errors are fatal). */
int botd_setup(struct botd *, const char *config_path, char *err,
    size_t errlen);
/* Run until drained; 0. */
int botd_run(struct botd *);
/* Safe after a failed setup too. */
void botd_teardown(struct botd *);

#endif /* BOT_BOTD_RUN_H */
