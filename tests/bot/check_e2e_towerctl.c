/*
 * check_e2e_towerctl.c -- towerctl, the operator's client, against the
 * real daemon: each command's text and --json answers and exit status
 * (0 done, 1 refused, 2 usage, config or transport trouble), as its
 * header comment promises.  The tower is the village of SPEC section 1
 * (core/tower.h's generator, the rows gen_city --village prints).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "core/tower.h"
#include "core/xmem.h"
#include "tests/harness/daemon.h"
#include "tests/harness/proc.h"
#include "tests/harness/redis_server.h"

#define CTL_TOKEN "ctl-admin-token-0123456789"
#define CTL_CHATS 68 /* the village: 1 + 5 + 62 chats */
#define CTL_BADCSV                                                             \
	"path,name,kind,tags,adapter,chat_id,purpose,identity\n"               \
	"village/x,X,,,tg,-42,crowd,\n"

static struct redis_server *ctl_rs;
static struct daemon *ctl_d;
static char ctl_cfg[512], ctl_csv[512], ctl_bad[512];
static size_t ctl_rows; /* rows of the village file */

static void
ctl_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
ctl_up(void)
{
	static const char extra[] = "{\"admin_token\": \"" CTL_TOKEN "\"}";
	struct daemon_cfg dc = { .extra_json = extra };
	struct tower_city_cfg cc;
	struct tower_row *rows;
	size_t nrows;
	char *csv;

	ctl_rs = redis_server_start();
	ck_assert_ptr_nonnull(ctl_rs);
	ctl_d = daemon_new(redis_server_socket(ctl_rs), &dc);
	ck_assert_ptr_nonnull(ctl_d);
	snprintf(ctl_cfg, sizeof(ctl_cfg), "%s/towerbot.json",
	    daemon_dir(ctl_d));
	snprintf(ctl_csv, sizeof(ctl_csv), "%s/village.csv", daemon_dir(ctl_d));
	snprintf(ctl_bad, sizeof(ctl_bad), "%s/bad.csv", daemon_dir(ctl_d));
	memset(&cc, 0, sizeof(cc));
	cc.village = 1;
	ck_assert_int_eq(tower_city_rows(&cc, &rows, &nrows), 0);
	ctl_rows = nrows;
	csv = tower_csv_write(rows, nrows, NULL);
	tower_rows_free(rows, nrows);
	ctl_write_file(ctl_csv, csv);
	free(csv);
	ctl_write_file(ctl_bad, CTL_BADCSV);
}

static void
ctl_down(void)
{
	daemon_free(ctl_d);
	ctl_d = NULL;
	redis_server_stop(ctl_rs);
	ctl_rs = NULL;
}

/*
 * towerctl -c cfg ARGS... (NULL-terminated): its exit status, *out and
 * *err what it printed (caller frees).
 */
static int
ctl(const char *cfg, char **out, char **err, ...)
{
	const char *argv[16];
	const char *a;
	size_t n = 0;
	va_list ap;

	argv[n++] = TOWERCTL_BINARY;
	argv[n++] = "-c";
	argv[n++] = cfg;
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && n < 15)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return (proc_run(argv, out, err));
}

#define CTL_SAYS(s, what)                                                      \
	ck_assert_msg(strstr((s), (what)) != NULL, "no \"%s\" in:\n%s",        \
	    (what), (s))

/* The id a "broadcast N: ..." line names, or -1. */
static long long
ctl_broadcast_id(const char *out)
{
	long long id;

	return (sscanf(out, "broadcast %lld:", &id) == 1 ? id : -1);
}

START_TEST(import_broadcast_report_move)
{
	char *out, *err, idbuf[32], want[64];
	json_t *j;
	long long id;

	/* import: every row new, then every row unchanged */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "import", ctl_csv, NULL), 0);
	snprintf(want, sizeof(want), "added %zu, changed 0, unchanged 0",
	    ctl_rows);
	CTL_SAYS(out, want);
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "import", ctl_csv, NULL), 0);
	snprintf(want, sizeof(want), "added 0, changed 0, unchanged %zu",
	    ctl_rows);
	CTL_SAYS(out, want);
	free(out);
	free(err);

	/* a bad file: its line and message, nothing imported, exit 1 */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "import", ctl_bad, NULL), 1);
	CTL_SAYS(err, ":2: ");
	CTL_SAYS(err, "nothing imported");
	free(out);
	free(err);

	/* a broadcast to the whole village */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "broadcast", "village",
			     "--urgent", "Road closed", "at noon", NULL),
	    0);
	snprintf(want, sizeof(want), "%d chats", CTL_CHATS);
	CTL_SAYS(out, want);
	CTL_SAYS(out, "on time");
	ck_assert_int_gt(id = ctl_broadcast_id(out), 0);
	free(out);
	free(err);

	/* its report, as text and as the API's JSON */
	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "report", idbuf, NULL), 0);
	CTL_SAYS(out, "Road closed at noon");
	CTL_SAYS(out, "level");
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "--json", "report", idbuf,
			     NULL),
	    0);
	j = json_loads(out, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", out);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")),
	    "Road closed at noon");
	ck_assert_uint_ge(json_array_size(json_object_get(j, "levels")), 2);
	json_decref(j);
	free(out);
	free(err);

	/* refusals: an unknown broadcast, a node that does not exist */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "report", "999999", NULL), 1);
	CTL_SAYS(err, "no such broadcast (HTTP 404)");
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "broadcast", "village/nope",
			     "hello", NULL),
	    1);
	CTL_SAYS(err, "no chat matched (HTTP 422)");
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "--json", "broadcast",
			     "village/nope", "hello", NULL),
	    1);
	j = json_loads(out, 0, NULL);
	ck_assert_msg(json_is_string(json_object_get(j, "error")),
	    "no error field: %s", out);
	json_decref(j);
	free(out);
	free(err);

	/* move a hamlet, then moving it onto itself is refused */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "move", "village/h0001",
			     "village/h0009", NULL),
	    0);
	CTL_SAYS(out, "moved village/h0001 to village/h0009");
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "move", "village/h0009",
			     "village/h0009/x", NULL),
	    1);
	CTL_SAYS(err, "cannot move: the target exists or lies inside the "
		      "source (HTTP 409)");
	free(out);
	free(err);
}
END_TEST

/* The daemon's config with key set to value, written to dir/name. */
static void
ctl_variant(const char *name, const char *key, const char *value, char *path,
    size_t len)
{
	json_t *cfg = json_load_file(ctl_cfg, 0, NULL);

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(json_object_set_new(cfg, key, json_string(value)), 0);
	snprintf(path, len, "%s/%s", daemon_dir(ctl_d), name);
	ck_assert_int_eq(json_dump_file(cfg, path, JSON_INDENT(2)), 0);
	json_decref(cfg);
}

START_TEST(wrong_token_usage_and_unreachable)
{
	char cfg[600], listen[32], *out, *err;
	int rc;

	/* another admin_token: refused, exit 1 */
	ctl_variant("other.json", "admin_token", "not-" CTL_TOKEN, cfg,
	    sizeof(cfg));
	ck_assert_int_eq(ctl(cfg, &out, &err, "report", "1", NULL), 1);
	CTL_SAYS(err, "refused the admin token (401)");
	free(out);
	free(err);

	/* usage and config trouble: exit 2 */
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "frobnicate", NULL), 2);
	free(out);
	free(err);
	ck_assert_int_eq(ctl(ctl_cfg, &out, &err, "report", "12x", NULL), 2);
	CTL_SAYS(err, "a broadcast id is a number");
	free(out);
	free(err);
	ck_assert_int_eq(ctl("/nonexistent/towerbot.json", &out, &err, "report",
			     "1", NULL),
	    2);
	free(out);
	free(err);

	/* no daemon where the config says it listens: exit 2 */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", daemon_free_port());
	ctl_variant("away.json", "listen", listen, cfg, sizeof(cfg));
	rc = ctl(cfg, &out, &err, "report", "1", NULL);
	ck_assert_msg(rc == 2, "exit %d, said:\n%s%s", rc, out, err);
	CTL_SAYS(err, "cannot reach the daemon");
	free(out);
	free(err);
}
END_TEST

Suite *
e2e_towerctl_suite(void)
{
	Suite *s = suite_create("e2e_towerctl");
	TCase *tc = tcase_create("towerctl");

	tcase_add_unchecked_fixture(tc, ctl_up, ctl_down);
	tcase_set_timeout(tc, 120);
	tcase_set_tags(tc, "redis");
	tcase_add_test(tc, import_broadcast_report_move);
	tcase_add_test(tc, wrong_token_usage_and_unreachable);
	suite_add_tcase(s, tc);
	return (s);
}
