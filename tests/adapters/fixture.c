/*
 * fixture.c -- fixture files and request bodies for the adapter suites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
fixture_init(const struct adapter_ops *ops, const struct fixture_conf *row,
    int i)
{
	json_t *conf = json_loads(row->conf, 0, NULL);
	void *priv = (void *)1;
	char err[256] = "";
	int rc;

	ck_assert_msg(conf != NULL, "row %d: bad test JSON", i);
	rc = ops->init(&priv, conf, err, sizeof(err));
	json_decref(conf);
	if (row->err == NULL) {
		ck_assert_msg(rc == 0, "row %d: %s", i, err);
		ops->free(priv);
		return;
	}
	ck_assert_msg(rc == -1, "row %d: accepted", i);
	ck_assert_msg(priv == NULL, "row %d: *priv left set", i);
	ck_assert_msg(strcmp(err, row->err) == 0, "row %d: \"%s\"", i, err);
}

void
fixture_classify(const struct adapter_ops *ops, void *priv,
    const struct fixture_answer *row, int i)
{
	const char *hdr[] = { "Retry-After", row->retry_after, NULL };
	struct httpresp r = { row->status, row->body,
		row->body != NULL ? strlen(row->body) : 0, row->retry_after,
		row->retry_after != NULL ? hdr : NULL };
	int64_t ms = -5;
	enum send_rc got;

	got = ops->classify(priv, &r, &ms);
	ck_assert_msg(got == row->want, "row %d: got %s", i, send_rc_str(got));
	if (got == SEND_RETRY)
		ck_assert_msg(ms == row->retry_ms, "row %d: retry_ms %lld", i,
		    (long long)ms);
}
