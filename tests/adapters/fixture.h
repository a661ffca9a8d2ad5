/*
 * fixture.h -- helpers shared by the adapter suites (tests/adapters/):
 * reading a captured payload from tests/fixtures/<platform>/, decoding an
 * outgoing request body as JSON, and the table-driven checks every adapter
 * has (init's config errors, classify's verdicts).
 *
 * Both fail the running Check test (ck_assert) instead of returning an
 * error, so call them only from a test or a checked fixture.
 */
#ifndef TESTS_ADAPTERS_FIXTURE_H
#define TESTS_ADAPTERS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters/adapter.h"

/*
 * The whole of tests/fixtures/<platform>/<name> as a NUL-terminated
 * malloc'd buffer (the caller frees), its length without the NUL in *len.
 */
char *fixture_read(const char *platform, const char *name, size_t *len);

/* req->body parsed as JSON (a new reference); it must be present and JSON. */
json_t *fixture_body(const struct httpreq *req);

/* One config for an adapter's init slot and what it must say. */
struct fixture_conf {
	const char *conf; /* a JSON object */
	const char *err;  /* the exact error, or NULL: it must be accepted */
};

/*
 * ops->init on row (the index i of its table, for the failure message):
 * accepted (and freed) when row->err is NULL, else refused with exactly
 * row->err and *priv set to NULL.
 */
void fixture_init(const struct adapter_ops *ops, const struct fixture_conf *row,
    int i);

/* One answer of a platform's API and how classify must judge it. */
struct fixture_answer {
	long status;             /* 0: transport failure */
	const char *body;        /* NULL: no body */
	const char *retry_after; /* the Retry-After header, or NULL */
	enum send_rc want;
	int64_t retry_ms; /* checked when want is SEND_RETRY */
};

/*
 * ops->classify(priv) on row (the index i of its table): the verdict,
 * and for SEND_RETRY the delay.
 */
void fixture_classify(const struct adapter_ops *ops, void *priv,
    const struct fixture_answer *row, int i);

#endif /* TESTS_ADAPTERS_FIXTURE_H */
