/*
 * fixture.h -- helpers shared by the adapter suites (tests/adapters/):
 * reading a captured payload from tests/fixtures/<platform>/ and decoding
 * an outgoing request body as JSON.
 *
 * Both fail the running Check test (ck_assert) instead of returning an
 * error, so call them only from a test or a checked fixture.
 */
#ifndef TESTS_ADAPTERS_FIXTURE_H
#define TESTS_ADAPTERS_FIXTURE_H

#include <stddef.h>

#include <jansson.h>

#include "adapters/adapter.h"

/*
 * The whole of tests/fixtures/<platform>/<name> as a NUL-terminated
 * malloc'd buffer (the caller frees), its length without the NUL in *len.
 */
char *fixture_read(const char *platform, const char *name, size_t *len);

/* req->body parsed as JSON (a new reference); it must be present and JSON. */
json_t *fixture_body(const struct httpreq *req);

#endif /* TESTS_ADAPTERS_FIXTURE_H */
