/*
 * check_tower_csv.c -- the tower import file, path helpers and the
 * reference-city generator (SPEC sections 1, 2 and 5): core/tower.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "core/tower.h"
#include "core/xmem.h"
#include "tests/suites.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define HDR      TOWER_CSV_HEADER "\n"
#define MAXERRS  16

/* The result of one parse, freed by csv_done(). */
struct csv_got {
	int rc;
	struct tower_row *rows;
	size_t nrows;
	struct tower_csv_err errs[MAXERRS];
	size_t nerrs;
};

static void
csv_run(struct csv_got *g, const char *buf, size_t len)
{
	memset(g, 0, sizeof(*g));
	g->rc = tower_csv_parse(buf, len, &g->rows, &g->nrows, g->errs, MAXERRS,
	    &g->nerrs);
}

static void
csv_runs(struct csv_got *g, const char *s)
{
	csv_run(g, s, strlen(s));
}

static void
csv_done(struct csv_got *g)
{
	tower_rows_free(g->rows, g->nrows);
	g->rows = NULL;
}

/* "x" repeated n times, owned. */
static char *
rep(char ch, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, ch, n);
	s[n] = '\0';
	return (s);
}

/* Every rule of one row: the body goes after the header (line 2 on). */
static const struct {
	const char *body;
	size_t line;      /* of the first error */
	const char *want; /* the start of its message */
} bad_rows[] = {
	{ ",,,,,,,\n", 2, "path: missing" },
	{ "A/b,,,,,,,\n", 2, "path: must be slugs" },
	{ "a//b,,,,,,,\n", 2, "path: must be slugs" },
	{ "/a,,,,,,,\n", 2, "path: must be slugs" },
	{ "a/,,,,,,,\n", 2, "path: must be slugs" },
	{ "a b,,,,,,,\n", 2, "path: must be slugs" },
	{ "a_b,,,,,,,\n", 2, "path: must be slugs" },
	{ "a\xe6\x9d\x91,,,,,,,\n", 2, "path: must be slugs" },
	{ "a,\x01x,,,,,,\n", 2, "name: not UTF-8" },
	{ "a,\xff,,,,,,\n", 2, "name: not UTF-8" },
	{ "a,\xc0\xae,,,,,,\n", 2, "name: not UTF-8" }, /* overlong */
	{ "a,\xe6\x9d,,,,,,\n", 2, "name: not UTF-8" }, /* cut */
	{ "a,\"x\ny\",,,,,,\n", 2, "name: not UTF-8" },
	{ "a,x\ry,,,,,,\n", 2, "name: not UTF-8" }, /* lone CR is data */
	{ "a,,vil\x7flage,,,,,\n", 2, "kind: not UTF-8" },
	{ "a,,,x;;y,,,,\n", 2, "tags: empty tag" },
	{ "a,,,x;,,,,\n", 2, "tags: empty tag" },
	{ ";x,,,,,,,\n", 2, "path: must be slugs" },
	{ "a,,,;x,,,,\n", 2, "tags: empty tag" },
	{ "a,,,\"x,y\",,,,\n", 2, "tags: no commas" },
	{ "a,,,Sport,,,,\n", 2, "tags: a tag is" },
	{ "a,,,x y,,,,\n", 2, "tags: a tag is" },
	{ "a,,,x_y,,,,\n", 2, "tags: a tag is" },
	{ "a,,,,tg,,,\n", 2, "chat_id: missing" },
	{ "a,,,,,-1001,,\n", 2, "adapter: missing" },
	{ "a,,,,TG,-1001,,\n", 2, "adapter: must be" },
	{ "a,,,,t:g,-1001,,\n", 2, "adapter: must be" },
	{ "a,,,,tg,\"-1\t001\",,\n", 2, "chat_id: not UTF-8" },
	{ "a,,,,tg,-1001,admins,\n", 2, "purpose: must be members or council" },
	{ "a,,,,tg,-1001,Council,\n", 2, "purpose: must be members" },
	{ "a,,,,tg,-1001, members,\n", 2, "purpose: must be members" },
	{ "a,,,,,,council,\n", 2, "purpose: council needs a chat" },
	{ "a,,,,,,,a1\n", 2, "identity: needs a chat" },
	{ "a,,,,tg,-1,,a1;;a2\n", 2, "identity: account names" },
	{ "a,,,,tg,-1,,a1;\n", 2, "identity: account names" },
	{ "a,,,,tg,-1,,a 1\n", 2, "identity: account names" },
	{ "a,,,,tg,-1,,a.1\n", 2, "identity: account names" },
	{ "a,,,,tg,-1,,robot:\n", 2, "identity: a robot credential" },
	{ "a,,,,tg,-1,,robot:a b\n", 2, "identity: a robot credential" },
	{ "a,,,,tg,-1,,robot:a;b\n", 2, "identity: a robot credential" },
	{ "a,,,,tg,-1,,robot:\xe6\x9d\x91\n", 2,
	    "identity: a robot credential" },
	{ "a,,,,,,\n", 2, "7 fields, expected 8" },
	{ "a,,,,,,,,\n", 2, "9 fields, expected 8" },
	{ "a\n", 2, "1 fields, expected 8" },
	{ "\"a\"x,,,,,,,\n", 2, "text after a closing quote" },
	{ "a\"b,,,,,,,\n", 2, "a quote inside an unquoted field" },
	{ "a,\"x,,,,,,\nb,,,,,,,\n", 2, "unterminated quoted field" },
	/* the line of the bad row, after good ones and a blank line */
	{ "a,,,,,,,\n\nb,,,,,,,\nC,,,,,,,\n", 5, "path: must be slugs" },
	{ "a,\"x\ny\",,,,,,\nB,,,,,,,\n", 2, "name: not UTF-8" },
	{ "a,\"x\r\n\r\ny\",,,,,,\nB,,,,,,,\n", 2, "name: not UTF-8" },
	{ "a,,,,tg,-1,,\nb,,,,tg,-2,,\nc,,,,tg,-1,,\n", 4,
	    "duplicate chat: same adapter and chat_id as line 2" },
	{ "a,,,,tg,-1,,\r\nb,,,,tg,-1,council,a1\r\n", 3,
	    "duplicate chat: same adapter and chat_id as line 2" },
};

START_TEST(bad_row_names_line_and_rule)
{
	struct csv_got g;
	char *buf = xasprintf("%s%s", HDR, bad_rows[_i].body);

	csv_runs(&g, buf);
	ck_assert_msg(g.rc == -1, "row %d: accepted", _i);
	ck_assert_msg(g.rows == NULL && g.nrows == 0, "row %d: rows", _i);
	ck_assert_msg(g.nerrs >= 1, "row %d: no error", _i);
	ck_assert_msg(g.errs[0].line == bad_rows[_i].line,
	    "row %d: line %zu, want %zu (%s)", _i, g.errs[0].line,
	    bad_rows[_i].line, g.errs[0].message);
	ck_assert_msg(strncmp(g.errs[0].message, bad_rows[_i].want,
			  strlen(bad_rows[_i].want)) == 0,
	    "row %d: message \"%s\", want \"%s...\"", _i, g.errs[0].message,
	    bad_rows[_i].want);
	csv_done(&g);
	free(buf);
}
END_TEST

/* Rows that are just within every rule. */
static const char *const good_rows[] = {
	"a,,,,,,,\n",
	"a/b-c/0,,,,,,,\n",
	"a,\"Name, with \"\"quotes\"\"\",club,,,,,\n",
	"a,\xe4\xb8\x8a\xe6\xba\xaa\xe6\x9d\x91,\xe6\x9d\x91,,,,,\n",
	"a,,,volunteer;\xe5\xbf\x97\xe6\x84\xbf;study-2,,,,\n",
	"a,,,,tg,-1001,,\n",
	"a,,,,tg,-1001,members,\n",
	"a,,,,tg,-1001,council,\n",
	"a,,,,tg,-1001,,a1\n",
	"a,,,,tg,-1001,,A_1;b-2;c\n",
	"a,,,,wecom,grp-1,,robot:0f6a-key:secret/x=\n",
	"a,,,,tg,-1001,members,\n",
	"a,,,,slack,C024BE91L,,\n",
	"a,,,,tg,-1001,,\nb,,,,slack,-1001,,\n", /* other adapter */
	"a,x,,,,,,\na,y,,,,,,\n",                /* node rows may repeat */
	"a,,,,,,members,\n",
	"\"a\",\"\",\"\",\"\",\"tg\",\"-1\",\"\",\"\"\n",
};

START_TEST(good_row_is_accepted)
{
	struct csv_got g;
	char *buf = xasprintf("%s%s", HDR, good_rows[_i]);

	csv_runs(&g, buf);
	ck_assert_msg(g.rc == 0, "row %d: line %zu: %s", _i,
	    g.nerrs ? g.errs[0].line : 0, g.nerrs ? g.errs[0].message : "");
	ck_assert_msg(g.nrows >= 1 && g.nerrs == 0, "row %d", _i);
	csv_done(&g);
	free(buf);
}
END_TEST

/* Fields come back unquoted, strings owned, purpose parsed. */
START_TEST(rows_are_unquoted_and_parsed)
{
	struct csv_got g;

	csv_runs(&g,
	    HDR "city/v001,\"Village \"\"One\"\", east\",village,a;b,,,,\n"
		"city/v001,,,,tg,-1001,council,\"robot:k,=\"\n"
		"city/v002,,,,tg,-1002,,a1;a2");
	ck_assert_int_eq(g.rc, 0);
	ck_assert_uint_eq(g.nrows, 3);
	ck_assert_uint_eq(g.rows[0].line, 2);
	ck_assert_str_eq(g.rows[0].path, "city/v001");
	ck_assert_str_eq(g.rows[0].name, "Village \"One\", east");
	ck_assert_str_eq(g.rows[0].kind, "village");
	ck_assert_str_eq(g.rows[0].tags, "a;b");
	ck_assert_str_eq(g.rows[0].adapter, "");
	ck_assert_str_eq(g.rows[0].chat_id, "");
	ck_assert_int_eq(g.rows[0].purpose, TOWER_MEMBERS);
	ck_assert_str_eq(g.rows[1].adapter, "tg");
	ck_assert_str_eq(g.rows[1].chat_id, "-1001");
	ck_assert_int_eq(g.rows[1].purpose, TOWER_COUNCIL);
	ck_assert_str_eq(g.rows[1].identity, "robot:k,=");
	ck_assert_uint_eq(g.rows[2].line, 4);
	ck_assert_str_eq(g.rows[2].identity, "a1;a2"); /* no final newline */
	ck_assert_int_eq(g.rows[2].purpose, TOWER_MEMBERS);
	csv_done(&g);
}
END_TEST

/* Line ends, BOM and blank lines: the same two rows every time. */
static const char *const framing_rows[] = {
	HDR "a,,,,tg,-1,,\nb,,,,,,,\n",
	HDR "a,,,,tg,-1,,\nb,,,,,,,",
	TOWER_CSV_HEADER "\r\na,,,,tg,-1,,\r\nb,,,,,,,\r\n",
	TOWER_CSV_HEADER "\r\na,,,,tg,-1,,\r\nb,,,,,,,",
	TOWER_CSV_HEADER "\r\na,,,,tg,-1,,\r\nb,,,,,,,\r",
	"\xef\xbb\xbf" HDR "a,,,,tg,-1,,\nb,,,,,,,\n",
	"\xef\xbb\xbf" TOWER_CSV_HEADER "\r\na,,,,tg,-1,,\r\nb,,,,,,,\r\n",
	HDR "a,,,,tg,-1,,\nb,,,,,,,\n\n",
	HDR "a,,,,tg,-1,,\nb,,,,,,,\n\r\n\n",
	HDR "a,,,,tg,-1,,\n\nb,,,,,,,\n",
	HDR "\"a\",,,,\"tg\",\"-1\",,\n\"b\",,,,,,,\n",
};

START_TEST(framing_does_not_change_rows)
{
	struct csv_got g;

	csv_runs(&g, framing_rows[_i]);
	ck_assert_msg(g.rc == 0, "row %d: %s", _i,
	    g.nerrs ? g.errs[0].message : "");
	ck_assert_msg(g.nrows == 2, "row %d: %zu rows", _i, g.nrows);
	ck_assert_msg(strcmp(g.rows[0].path, "a") == 0 &&
			  strcmp(g.rows[0].chat_id, "-1") == 0 &&
			  strcmp(g.rows[1].path, "b") == 0 &&
			  strcmp(g.rows[1].identity, "") == 0,
	    "row %d: fields", _i);
	ck_assert_msg(g.rows[0].line == 2, "row %d: line %zu", _i,
	    g.rows[0].line);
	csv_done(&g);
}
END_TEST

/* A wrong header is one error on line 1, and nothing else is read. */
static const struct {
	const char *file;
	const char *want;
} header_rows[] = {
	{ "", "header: missing" },
	{ "\n\n", "header: missing" },
	{ "\xef\xbb\xbf", "header: missing" },
	{ "path,name,kind,tags,adapter,chat_id,purpose\n",
	    "header: 7 columns" },
	{ "path,name,kind,tags,adapter,chat_id,purpose,identity,x\n",
	    "header: 9 columns" },
	{ "name,path,kind,tags,adapter,chat_id,purpose,identity\n",
	    "header: column 1 must be path" },
	{ "path,name,kind,tags,adapter,chat,purpose,identity\n",
	    "header: column 6 must be chat_id" },
	{ "Path,name,kind,tags,adapter,chat_id,purpose,identity\n",
	    "header: column 1 must be path" },
	{ "path ,name,kind,tags,adapter,chat_id,purpose,identity\n",
	    "header: column 1 must be path" },
	{ "a,,,,,,,\nb,,,,,,,\n", "header: column 1 must be path" },
	{ "\"path,name,kind,tags,adapter,chat_id,purpose,identity\n",
	    "header: unterminated quoted field" },
};

START_TEST(header_must_be_exact)
{
	struct csv_got g;

	csv_runs(&g, header_rows[_i].file);
	ck_assert_msg(g.rc == -1, "row %d: accepted", _i);
	ck_assert_msg(g.nerrs == 1, "row %d: %zu errors", _i, g.nerrs);
	ck_assert_msg(g.errs[0].line == 1, "row %d: line %zu", _i,
	    g.errs[0].line);
	ck_assert_msg(strncmp(g.errs[0].message, header_rows[_i].want,
			  strlen(header_rows[_i].want)) == 0,
	    "row %d: \"%s\"", _i, g.errs[0].message);
	csv_done(&g);
}
END_TEST

START_TEST(header_only_is_empty_import)
{
	struct csv_got g;

	csv_runs(&g, TOWER_CSV_HEADER);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_uint_eq(g.nrows, 0);
	ck_assert_ptr_null(g.rows);
	ck_assert_uint_eq(g.nerrs, 0);
	csv_done(&g);
}
END_TEST

/* Several bad rows: each reported with its line, all in file order. */
START_TEST(errors_collected_in_order)
{
	struct csv_got g;

	csv_runs(&g, HDR "a,,,,tg,-1,admins,\n"
			 "ok,,,,,,,\n"
			 "B,,,,,,,\n"
			 "c,,,,tg,-1,,\n"
			 "d,,,,TG,,,x y\n");
	ck_assert_int_eq(g.rc, -1);
	ck_assert_uint_eq(g.nerrs, 6);
	ck_assert_uint_eq(g.errs[0].line, 2);
	ck_assert_str_eq(g.errs[0].message,
	    "purpose: must be members or council");
	ck_assert_uint_eq(g.errs[1].line, 4);
	ck_assert_uint_eq(g.errs[2].line, 5);
	ck_assert_str_eq(g.errs[2].message,
	    "duplicate chat: same adapter and chat_id as line 2");
	ck_assert_uint_eq(g.errs[3].line, 6); /* every problem of the row */
	ck_assert(strncmp(g.errs[3].message, "adapter:", 8) == 0);
	ck_assert_uint_eq(g.errs[4].line, 6);
	ck_assert(strncmp(g.errs[4].message, "chat_id: missing", 16) == 0);
	ck_assert_uint_eq(g.errs[5].line, 6);
	ck_assert(strncmp(g.errs[5].message, "identity:", 9) == 0);
	csv_done(&g);
}
END_TEST

/* A quoted field spanning lines moves the line count of what follows. */
START_TEST(quoted_newlines_keep_line_numbers)
{
	struct csv_got g;

	csv_runs(&g, HDR "a,\"two\r\nlines\",,,,,,\r\n\r\nB,,,,,,,\r\n");
	ck_assert_int_eq(g.rc, -1);
	ck_assert_uint_eq(g.nerrs, 2);
	ck_assert_uint_eq(g.errs[0].line, 2);
	ck_assert_uint_eq(g.errs[1].line, 5);
	csv_done(&g);
}
END_TEST

START_TEST(errors_stop_at_maxerrs)
{
	struct tower_row *rows = (struct tower_row *)1;
	struct tower_csv_err errs[3];
	const char *f = HDR "A,,,,,,,\nB,,,,,,,\nC,,,,,,,\nD,,,,,,,\n";
	size_t nrows = 9, nerrs = 9;

	ck_assert_int_eq(tower_csv_parse(f, strlen(f), &rows, &nrows, errs, 3,
			     &nerrs),
	    -1);
	ck_assert_ptr_null(rows);
	ck_assert_uint_eq(nrows, 0);
	ck_assert_uint_eq(nerrs, 3);
	ck_assert_uint_eq(errs[2].line, 4);
	/* no room at all: the verdict only */
	ck_assert_int_eq(tower_csv_parse(f, strlen(f), &rows, &nrows, NULL, 0,
			     &nerrs),
	    -1);
	ck_assert_uint_eq(nerrs, 0);
}
END_TEST

/*
 * A record of TOWER_CSV_LINE_MAX bytes is read (and judged on its fields);
 * one byte more is refused as too long, and the next line still counts.
 */
START_TEST(record_longer_than_8k_refused)
{
	struct csv_got g;
	size_t fill = TOWER_CSV_LINE_MAX - strlen("a,,,,,,,");
	char *tags = rep('x', fill), *buf;

	buf = xasprintf("%sa,,,%s,,,,\nB,,,,,,,\n", HDR, tags);
	csv_runs(&g, buf);
	ck_assert_int_eq(g.rc, -1);
	ck_assert_uint_eq(g.nerrs, 2);
	ck_assert_str_eq(g.errs[0].message, "tags: longer than 512 bytes");
	ck_assert_uint_eq(g.errs[1].line, 3);
	csv_done(&g);
	free(buf);

	buf = xasprintf("%sa,,,%sx,,,,\nB,,,,,,,\n", HDR, tags);
	csv_runs(&g, buf);
	ck_assert_int_eq(g.rc, -1);
	ck_assert_uint_eq(g.nerrs, 2);
	ck_assert_uint_eq(g.errs[0].line, 2);
	ck_assert_str_eq(g.errs[0].message, "record longer than 8192 bytes");
	ck_assert_uint_eq(g.errs[1].line, 3);
	csv_done(&g);
	free(buf);
	free(tags);
}
END_TEST

/* The per-field byte limits, at the limit and one over. */
START_TEST(field_limits_are_inclusive)
{
	static const struct {
		int col; /* 0 path, 1 name, 2 kind, 3 tags, 5 chat_id, 7 id */
		size_t max;
		const char *prefix, *want;
	} lim[] = {
		{ 0, TOWER_PATH_MAX, "", "path: longer than 255 bytes" },
		{ 1, TOWER_NAME_MAX, "", "name: longer than 128 bytes" },
		{ 2, TOWER_KIND_MAX, "", "kind: longer than 32 bytes" },
		{ 3, TOWER_TAG_MAX, "", "tags: a tag is" },
		{ 5, TOWER_CHAT_ID_MAX, "", "chat_id: longer than 127 bytes" },
		{ 7, TOWER_ACCOUNT_MAX, "", "identity: account names" },
		{ 7, TOWER_CREDENTIAL_MAX, "robot:", "identity: a robot" },
	};
	const char *f[TOWER_CSV_NFIELDS];
	struct csv_got g;
	char *val, *buf;
	size_t i, extra;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		for (extra = 0; extra <= 1; extra++) {
			val = rep('a', lim[i].max + extra);
			if (lim[i].col == 0 && lim[i].max + extra > 2)
				val[1] = '/'; /* a path of slugs */
			f[0] = "a";
			f[1] = f[2] = f[3] = f[6] = f[7] = "";
			f[4] = "tg";
			f[5] = "-1";
			f[lim[i].col] = val;
			buf = xasprintf("%s%s,%s,%s,%s,%s,%s,%s,%s%s\n", HDR,
			    f[0], f[1], f[2], f[3], f[4], f[5], f[6],
			    lim[i].prefix, f[7]);
			csv_runs(&g, buf);
			if (extra == 0)
				ck_assert_msg(g.rc == 0, "limit %zu: %s", i,
				    g.nerrs ? g.errs[0].message : "");
			else
				ck_assert_msg(g.rc == -1 &&
						  strncmp(g.errs[0].message,
						      lim[i].want,
						      strlen(lim[i].want)) == 0,
				    "limit %zu over: %s", i,
				    g.nerrs ? g.errs[0].message : "accepted");
			csv_done(&g);
			free(buf);
			free(val);
		}
	}
}
END_TEST

START_TEST(file_over_64mib_refused)
{
	struct csv_got g;
	size_t len = TOWER_CSV_FILE_MAX + 1;
	char *big = xcalloc(len, 1);

	csv_run(&g, big, len);
	ck_assert_int_eq(g.rc, -1);
	ck_assert_uint_eq(g.nerrs, 1);
	ck_assert_uint_eq(g.errs[0].line, 1);
	ck_assert_str_eq(g.errs[0].message, "file larger than 64 MiB");
	free(big);
}
END_TEST

/* Whatever the bytes, the parser answers (and ASan watches). */
START_TEST(garbage_never_crashes)
{
	static const char *const junk[] = { "\"", "\"\"", ",", "\r", "\n\r",
		"\xef\xbb", HDR "\"", HDR "\"\"\"", HDR ",,,,,,,\"",
		HDR "\r\r\r", HDR "a,,,,,,,\"\n\"" };
	struct csv_got g;
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		csv_runs(&g, junk[i]);
		ck_assert_msg(g.rc == -1 && g.nerrs >= 1, "junk %zu", i);
		csv_done(&g);
	}
}
END_TEST

static const struct {
	const char *path;
	int valid;
	size_t depth;
	const char *parent; /* NULL: none */
} path_rows[] = {
	{ "city", 1, 1, NULL },
	{ "city/v001", 1, 2, "city" },
	{ "yiwu/suxi/liudu/zu-03", 1, 4, "yiwu/suxi/liudu" },
	{ "a-/-b/0", 1, 3, "a-/-b" },
	{ "", 0, 0, NULL },
	{ "/", 0, 0, NULL },
	{ "/a", 0, 0, NULL },
	{ "a/", 0, 0, NULL },
	{ "a//b", 0, 0, NULL },
	{ "A", 0, 0, NULL },
	{ "a.b", 0, 0, NULL },
	{ "a\tb", 0, 0, NULL },
	{ "\xe6\x9d\x91", 0, 0, NULL },
	{ NULL, 0, 0, NULL },
};

START_TEST(path_helpers)
{
	char out[TOWER_PATH_MAX + 1];
	int rc;

	ck_assert_msg(tower_path_valid(path_rows[_i].path) ==
			  path_rows[_i].valid,
	    "row %d: valid", _i);
	ck_assert_msg(tower_path_depth(path_rows[_i].path) ==
			  path_rows[_i].depth,
	    "row %d: depth %zu", _i, tower_path_depth(path_rows[_i].path));
	rc = tower_path_parent(path_rows[_i].path, out, sizeof(out));
	if (path_rows[_i].parent == NULL) {
		ck_assert_msg(rc == -1 && *out == '\0', "row %d: parent", _i);
	} else {
		ck_assert_msg(rc == 0, "row %d: no parent", _i);
		ck_assert_msg(strcmp(out, path_rows[_i].parent) == 0,
		    "row %d: parent %s", _i, out);
	}
}
END_TEST

START_TEST(path_limits)
{
	char *p = rep('a', TOWER_PATH_MAX + 1), out[8];

	ck_assert(!tower_path_valid(p));
	p[TOWER_PATH_MAX] = '\0';
	ck_assert(tower_path_valid(p));
	ck_assert_uint_eq(tower_path_depth(p), 1);
	free(p);
	/* the parent must fit, NUL included */
	ck_assert_int_eq(tower_path_parent("abcdefg/h", out, 8), 0);
	ck_assert_str_eq(out, "abcdefg");
	ck_assert_int_eq(tower_path_parent("abcdefgh/i", out, 8), -1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Counts of one generated tower, by depth and kind of row. */
struct city_count {
	size_t nodes[5], chats[5], council, withident;
};

static void
city_count(const struct tower_row *rows, size_t n, size_t rootdepth,
    struct city_count *c)
{
	size_t i, d;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		d = tower_path_depth(rows[i].path) - rootdepth;
		ck_assert_msg(d < 5, "row %zu: %s", i, rows[i].path);
		if (*rows[i].chat_id == '\0')
			c->nodes[d]++;
		else
			c->chats[d]++;
		if (rows[i].purpose == TOWER_COUNCIL)
			c->council++;
		if (*rows[i].identity != '\0')
			c->withident++;
	}
}

/* Children per parent among the node rows at depth d (sorted by parent). */
static void
city_spread(const struct tower_row *rows, size_t n, size_t depth, size_t *min,
    size_t *max)
{
	char parent[TOWER_PATH_MAX + 1], cur[TOWER_PATH_MAX + 1] = "";
	size_t i, k = 0;

	*min = (size_t)-1;
	*max = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && (*rows[i].chat_id != '\0' ||
				 tower_path_depth(rows[i].path) != depth))
			continue;
		if (i < n)
			ck_assert_int_eq(tower_path_parent(rows[i].path, parent,
					     sizeof(parent)),
			    0);
		if (i == n || strcmp(parent, cur) != 0) {
			if (*cur != '\0') {
				if (k < *min)
					*min = k;
				if (k > *max)
					*max = k;
			}
			if (i == n)
				break;
			strcpy(cur, parent);
			k = 0;
		}
		k++;
	}
}

START_TEST(city_has_reference_counts)
{
	struct tower_city_cfg cfg = { NULL, NULL, 0, 0, 0 };
	struct tower_row *rows;
	struct city_count c;
	size_t n, min, max;

	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), 0);
	city_count(rows, n, 1, &c);
	ck_assert_uint_eq(c.nodes[0], 1);
	ck_assert_uint_eq(c.chats[0], 0);
	ck_assert_uint_eq(c.nodes[1], 152);
	ck_assert_uint_eq(c.chats[1], 152);
	ck_assert_uint_eq(c.nodes[2], 3467);
	ck_assert_uint_eq(c.chats[2], 3467);
	ck_assert_uint_eq(c.nodes[3], 33455);
	ck_assert_uint_eq(c.chats[3], 33455);
	ck_assert_uint_eq(c.chats[1] + c.chats[2] + c.chats[3], 37074);
	ck_assert_uint_eq(c.council, 0);
	ck_assert_uint_eq(c.withident, 0);
	ck_assert_uint_eq(n, 1 + 2 * 37074);
	ck_assert_str_eq(rows[0].path, "city");
	ck_assert_str_eq(rows[1].path, "city/v001");
	ck_assert_str_eq(rows[2].path, "city/v001");
	ck_assert_str_eq(rows[2].adapter, "tg");
	ck_assert_str_eq(rows[2].chat_id, "-1000000000001");
	ck_assert_str_eq(rows[n - 1].path, "city/v152/h3467/g33455");
	ck_assert_str_eq(rows[n - 1].chat_id, "-1000000037074");
	/* as even as possible: 3467 / 152 = 22.8, 33455 / 3467 = 9.6 */
	city_spread(rows, n, 3, &min, &max);
	ck_assert_uint_eq(min, 22);
	ck_assert_uint_eq(max, 23);
	city_spread(rows, n, 4, &min, &max);
	ck_assert_uint_eq(min, 9);
	ck_assert_uint_eq(max, 10);
	tower_rows_free(rows, n);
}
END_TEST

/* What the generator writes, the parser reads back: same rows, valid. */
START_TEST(city_csv_round_trips)
{
	static const char *const accts[] = { "bot1", "bot2", "bot3" };
	struct tower_city_cfg cfg = { "tg", accts, 3, 1, 0 };
	struct tower_row *rows;
	struct csv_got g;
	struct city_count c;
	size_t n, len, i;
	char *csv;

	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), 0);
	csv = tower_csv_write(rows, n, &len);
	ck_assert_uint_eq(len, strlen(csv));
	csv_run(&g, csv, len);
	ck_assert_msg(g.rc == 0, "line %zu: %s", g.nerrs ? g.errs[0].line : 0,
	    g.nerrs ? g.errs[0].message : "");
	ck_assert_uint_eq(g.nrows, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(g.rows[i].line, rows[i].line);
		ck_assert_str_eq(g.rows[i].path, rows[i].path);
		ck_assert_str_eq(g.rows[i].name, rows[i].name);
		ck_assert_str_eq(g.rows[i].chat_id, rows[i].chat_id);
		ck_assert_str_eq(g.rows[i].identity, rows[i].identity);
		ck_assert_int_eq(g.rows[i].purpose, rows[i].purpose);
	}
	city_count(g.rows, g.nrows, 1, &c);
	ck_assert_uint_eq(c.chats[1], 2 * 152); /* members + council */
	ck_assert_uint_eq(c.council, 152);
	ck_assert_uint_eq(c.withident, 37074 + 152);
	ck_assert_str_eq(rows[2].identity, "bot1");
	ck_assert_str_eq(rows[3].identity, "bot2");
	ck_assert_int_eq(rows[3].purpose, TOWER_COUNCIL);
	ck_assert_str_eq(rows[5].identity, "bot3");
	csv_done(&g);
	free(csv);
	tower_rows_free(rows, n);
}
END_TEST

START_TEST(village_has_68_chats)
{
	struct tower_city_cfg cfg = { "qq", NULL, 0, 0, 1 };
	struct tower_row *rows;
	struct city_count c;
	size_t n, min, max;

	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), 0);
	city_count(rows, n, 1, &c);
	ck_assert_uint_eq(c.nodes[0], 1);
	ck_assert_uint_eq(c.chats[0], 1);
	ck_assert_uint_eq(c.nodes[1], 5);
	ck_assert_uint_eq(c.chats[1], 5);
	ck_assert_uint_eq(c.nodes[2], 62);
	ck_assert_uint_eq(c.chats[2], 62);
	ck_assert_uint_eq(c.chats[0] + c.chats[1] + c.chats[2], 68);
	ck_assert_str_eq(rows[0].path, "village");
	ck_assert_str_eq(rows[1].adapter, "qq");
	city_spread(rows, n, 3, &min, &max);
	ck_assert_uint_eq(min, 12);
	ck_assert_uint_eq(max, 13);
	tower_rows_free(rows, n);

	cfg.council = 1; /* the village is the level-1 node */
	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), 0);
	city_count(rows, n, 1, &c);
	ck_assert_uint_eq(c.chats[0], 2);
	ck_assert_uint_eq(c.council, 1);
	tower_rows_free(rows, n);
}
END_TEST

START_TEST(city_refuses_bad_names)
{
	static const char *const bad[] = { "ok", "not ok" };
	struct tower_city_cfg cfg = { "tg", bad, 2, 0, 1 };
	struct tower_row *rows = (struct tower_row *)1;
	size_t n = 9;

	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), -1);
	ck_assert_ptr_null(rows);
	ck_assert_uint_eq(n, 0);
	cfg.naccounts = 1;
	cfg.adapter = "T G";
	ck_assert_int_eq(tower_city_rows(&cfg, &rows, &n), -1);
}
END_TEST

Suite *
tower_csv_suite(void)
{
	Suite *s = suite_create("tower_csv");
	TCase *tc = tcase_create("csv");
	TCase *tp = tcase_create("path");
	TCase *tg = tcase_create("city");

	tcase_add_loop_test(tc, bad_row_names_line_and_rule, 0,
	    NROWS(bad_rows));
	tcase_add_loop_test(tc, good_row_is_accepted, 0, NROWS(good_rows));
	tcase_add_test(tc, rows_are_unquoted_and_parsed);
	tcase_add_loop_test(tc, framing_does_not_change_rows, 0,
	    NROWS(framing_rows));
	tcase_add_loop_test(tc, header_must_be_exact, 0, NROWS(header_rows));
	tcase_add_test(tc, header_only_is_empty_import);
	tcase_add_test(tc, errors_collected_in_order);
	tcase_add_test(tc, quoted_newlines_keep_line_numbers);
	tcase_add_test(tc, errors_stop_at_maxerrs);
	tcase_add_test(tc, record_longer_than_8k_refused);
	tcase_add_test(tc, field_limits_are_inclusive);
	tcase_add_test(tc, file_over_64mib_refused);
	tcase_add_test(tc, garbage_never_crashes);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tp, path_helpers, 0, NROWS(path_rows));
	tcase_add_test(tp, path_limits);
	suite_add_tcase(s, tp);

	tcase_add_test(tg, city_has_reference_counts);
	tcase_add_test(tg, city_csv_round_trips);
	tcase_add_test(tg, village_has_68_chats);
	tcase_add_test(tg, city_refuses_bad_names);
	tcase_set_timeout(tg, 60);
	suite_add_tcase(s, tg);
	return (s);
}
