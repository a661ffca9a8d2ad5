/*
 * fixture.c -- fixture files and request bodies for the adapter suites.
 */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "tests/adapters/fixture.h"

char *
fixture_read(const char *platform, const char *name, size_t *len)
{
	char path[1024], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s/%s",
	    TOWERBOT_SOURCE_DIR, platform, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

json_t *
fixture_body(const struct httpreq *req)
{
	json_t *j;

	ck_assert_ptr_nonnull(req->body);
	j = json_loads(req->body, 0, NULL);
	ck_assert_msg(j != NULL, "body is not JSON: %s", req->body);
	return (j);
}
