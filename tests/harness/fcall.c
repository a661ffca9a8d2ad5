/*
 * fcall.c -- synchronous FCALL, command and stream helpers for tests of
 * the Redis Functions library against a private redis-server.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "bot/scripts.h"
#include "tests/harness/fcall.h"
#include "tests/harness/redis_server.h"

static redisReply *fcall_vcmd(redisContext *, const char *, va_list);

redisContext *
fcall_open(struct redis_server *rs, int timeout_s)
{
	struct timeval tv = { timeout_s, 0 };
	redisContext *c;

	c = redis_server_connect(rs);
	ck_assert_ptr_nonnull(c);
	if (timeout_s > 0)
		redisSetTimeout(c, tv);
	freeReplyObject(fcall_cmd(c, "FLUSHALL"));
	fcall_load(c);
	return (c);
}

void
fcall_load(redisContext *c)
{
	redisReply *r;

	r = redisCommand(c, "FUNCTION LOAD REPLACE %b", script_library,
	    script_library_len);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type == REDIS_REPLY_STRING, "FUNCTION LOAD: %s",
	    r->type == REDIS_REPLY_ERROR ? r->str : "?");
	ck_assert_str_eq(r->str, "towerbot");
	freeReplyObject(r);
}

/* The reply of one command, asserted present; may be an error. */
static redisReply *
fcall_vcmd(redisContext *c, const char *fmt, va_list ap)
{
	redisReply *r;

	r = redisvCommand(c, fmt, ap);
	ck_assert_msg(r != NULL, "redis: %s", c->errstr);
	return (r);
}

redisReply *
fcall_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = fcall_vcmd(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "redis %s: %s", fmt,
	    r->str);
	return (r);
}

long long
fcall_int(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long v = 0;

	va_start(ap, fmt);
	r = fcall_vcmd(c, fmt, ap);
	va_end(ap);
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	else
		ck_assert_msg(r->type == REDIS_REPLY_NIL, "%s: type %d", fmt,
		    r->type);
	freeReplyObject(r);
	return (v);
}

char *
fcall_str(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	char *s;

	va_start(ap, fmt);
	r = fcall_vcmd(c, fmt, ap);
	va_end(ap);
	s = strdup(r->type == REDIS_REPLY_STRING ? r->str : "");
	ck_assert_ptr_nonnull(s);
	freeReplyObject(r);
	return (s);
}

void
fcall_argv_add(struct fcall_argv *av, const char *s)
{
	if (av->n == av->cap) {
		av->cap = av->cap ? av->cap * 2 : 64;
		av->v = realloc(av->v, av->cap * sizeof(*av->v));
		ck_assert_ptr_nonnull(av->v);
	}
	av->v[av->n] = strdup(s);
	ck_assert_ptr_nonnull(av->v[av->n]);
	av->n++;
}

void
fcall_argv_addf(struct fcall_argv *av, const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fcall_argv_add(av, buf);
}

void
fcall_argv_head(struct fcall_argv *av, const char *fn)
{
	fcall_argv_add(av, "FCALL");
	fcall_argv_add(av, fn);
	fcall_argv_add(av, "0");
	fcall_argv_add(av, "tb:");
}

void
fcall_argv_free(struct fcall_argv *av)
{
	size_t i;

	for (i = 0; i < av->n; i++)
		free(av->v[i]);
	free(av->v);
	av->v = NULL;
	av->n = av->cap = 0;
}

redisReply *
fcall_argv_run(redisContext *c, struct fcall_argv *av)
{
	size_t *lens = calloc(av->n, sizeof(*lens));
	redisReply *r;
	size_t i;

	ck_assert_ptr_nonnull(lens);
	for (i = 0; i < av->n; i++)
		lens[i] = strlen(av->v[i]);
	r = redisCommandArgv(c, (int)av->n, (const char **)av->v, lens);
	free(lens);
	ck_assert_msg(r != NULL, "redis: %s", c->errstr);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "script error: %s",
	    r->type == REDIS_REPLY_ERROR ? r->str : "");
	fcall_argv_free(av);
	return (r);
}

json_t *
fcall_xrange(redisContext *c, const char *key, const char *after)
{
	redisReply *r, *f;
	json_t *out = json_array(), *o;
	size_t i, j;

	if (after != NULL)
		r = fcall_cmd(c, "XRANGE %s (%s +", key, after);
	else
		r = fcall_cmd(c, "XRANGE %s - +", key);
	for (i = 0; i < r->elements; i++) {
		f = r->element[i]->element[1];
		o = json_object();
		json_object_set_new(o, "_id",
		    json_string(r->element[i]->element[0]->str));
		for (j = 0; j + 1 < f->elements; j += 2)
			json_object_set_new(o, f->element[j]->str,
			    json_string(f->element[j + 1]->str));
		json_array_append_new(out, o);
	}
	freeReplyObject(r);
	return (out);
}

json_t *
fcall_entry_params(json_t *e)
{
	const char *s = json_string_value(json_object_get(e, "params"));
	json_error_t err;
	json_t *p;

	p = json_loads(s != NULL ? s : "", 0, &err);
	ck_assert_msg(json_is_object(p), "params not an object: %s (%s)",
	    s != NULL ? s : "(none)", err.text);
	return (p);
}
