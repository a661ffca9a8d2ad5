/*
 * redis_spawn.h -- "redis": "spawn" (SPEC section 7): run a private
 * redis-server on a unix socket under data_dir, AOF on, and stop it on
 * exit.  Blocking calls, for startup and shutdown only, never on the loop's
 * hot path.
 */
#ifndef BOT_REDIS_SPAWN_H
#define BOT_REDIS_SPAWN_H

#include <sys/types.h>

struct redis_spawn;

/*
 * Start binary (e.g. "redis-server") with its files in data_dir (created
 * if missing) and wait until it answers PING on its socket, at most
 * wait_ms.  A server left running by an earlier daemon that was killed
 * (its pid file names a live redis-server on our socket) is waited for to
 * exit first.  NULL on failure, with a reason in err.
 */
struct redis_spawn *redis_spawn_start(const char *binary, const char *data_dir,
    unsigned int wait_ms, char *err, size_t errlen);
/* "unix:/abs/path/redis.sock", for store_redis_new(). */
const char *redis_spawn_url(const struct redis_spawn *);
pid_t redis_spawn_pid(const struct redis_spawn *);
/* SIGTERM (AOF is flushed by redis on shutdown), wait, free.  NULL ok. */
void redis_spawn_stop(struct redis_spawn *);

#endif /* BOT_REDIS_SPAWN_H */
