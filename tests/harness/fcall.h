/*
 * fcall.h -- synchronous helpers for tests that drive the Redis Functions
 * library (bot/scripts.h, bot/scripts/README.md) on a private
 * redis-server (tests/harness/redis_server.h) with FCALL.
 *
 * Every helper takes the hiredis context explicitly and fails the running
 * Check test (ck_assert) on a lost connection, an error reply or a
 * malformed answer, so call them only from a test or a checked fixture.
 * Replies returned are the caller's (freeReplyObject); strings and JSON
 * values returned are new references the caller frees.
 *
 *	c = fcall_open(rs, 0);		   FLUSHALL + FUNCTION LOAD
 *	fcall_argv_head(&av, "tb_tower");  FCALL tb_tower 0 tb:
 *	fcall_argv_add(&av, "import"); ...
 *	r = fcall_argv_run(c, &av);
 *	es = fcall_xrange(c, "tb:q:tg:_:r", NULL);
 *	p = fcall_entry_params(json_array_get(es, 0));
 */
#ifndef TESTS_HARNESS_FCALL_H
#define TESTS_HARNESS_FCALL_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

struct redis_server;

/* A growing argv of owned strings for redisCommandArgv; zero-initialise. */
struct fcall_argv {
	char **v;
	size_t n, cap;
};

/*
 * Connect to rs, set a command timeout of timeout_s seconds (0: hiredis's
 * default, none), FLUSHALL and load the library.  The context is the
 * caller's (redisFree).
 */
redisContext *fcall_open(struct redis_server *rs, int timeout_s);

/*
 * FUNCTION LOAD REPLACE the library, as every daemon does on connect, and
 * check that it registered as "towerbot".
 */
void fcall_load(redisContext *c);

/* A command (redisCommand format); the reply is never an error. */
redisReply *fcall_cmd(redisContext *c, const char *fmt, ...);

/*
 * An integer or a numeric string reply as a number; nil is 0, anything
 * else fails the test.
 */
long long fcall_int(redisContext *c, const char *fmt, ...);

/* A string reply as an owned copy ("" for nil or any other type). */
char *fcall_str(redisContext *c, const char *fmt, ...);

/* Append a copy of s, or of the printf-formatted string (up to 255 bytes). */
void fcall_argv_add(struct fcall_argv *av, const char *s);
void fcall_argv_addf(struct fcall_argv *av, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Start an FCALL of the function fn with no keys and the prefix "tb:". */
void fcall_argv_head(struct fcall_argv *av, const char *fn);

/* Free the strings and empty av for reuse. */
void fcall_argv_free(struct fcall_argv *av);

/*
 * Run av as one command, then empty it (fcall_argv_free); the reply is
 * never an error (a script error fails the test).
 */
redisReply *fcall_argv_run(redisContext *c, struct fcall_argv *av);

/*
 * The entries of the stream key after the id after (exclusive; NULL: from
 * the start) as a JSON array of objects: "_id" the entry id, then every
 * field as a string.
 */
json_t *fcall_xrange(redisContext *c, const char *key, const char *after);

/* The "params" field of an fcall_xrange() entry decoded: a JSON object. */
json_t *fcall_entry_params(json_t *e);

#endif /* TESTS_HARNESS_FCALL_H */
