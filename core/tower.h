/*
 * tower.h -- the tower import file (SPEC section 2 and 5): CSV parsing
 * and validation, node path helpers, and the reference-city generator.
 *
 * The import file is RFC 4180 CSV, UTF-8 (a leading byte order mark is
 * skipped), records ended by CRLF or LF (the last one may lack it; blank
 * lines are skipped), fields optionally quoted with '"' and a quote inside
 * a quoted field doubled.  The first record is the header, exactly
 *
 *	path,name,kind,tags,adapter,chat_id,purpose,identity
 *
 * and every other record is one row with exactly these 8 fields:
 *
 *  path      required; slugs [a-z0-9-]+ joined by '/', at most 255 bytes
 *  name      display name of the node, at most 128 bytes
 *  kind      free text ("village", "club"...), at most 32 bytes
 *  tags      empty, or tags separated by ';': each 1-64 bytes of a-z, 0-9,
 *            '-' or non-ASCII UTF-8 characters (CJK words); 512 bytes in all
 *  adapter   the config's adapter name, [a-z0-9_-]{1,32}
 *  chat_id   the platform's chat id, at most 127 bytes
 *  purpose   "members" (the default when empty) or "council"
 *  identity  empty; or account names [A-Za-z0-9_-]{1,32} separated by ';';
 *            or "robot:<credential>", the credential 1-512 printable ASCII
 *            bytes without space or ';'
 *
 * adapter and chat_id are both empty (a node row: creates or updates the
 * node) or both set (a chat row: binds the chat to the node, creating the
 * node if needed).  purpose "council" and identity need a chat row.  Every
 * field is valid UTF-8 without control characters.  The same chat (adapter
 * and chat_id) twice is an error on the second row.  Records longer than
 * TOWER_CSV_LINE_MAX bytes and files longer than TOWER_CSV_FILE_MAX are
 * refused, so memory stays bounded by the input.
 *
 * An import is all or nothing: if any row is bad, tower_csv_parse() returns
 * no rows and the caller imports nothing.
 *
 * Pure: no I/O, no clock.  Allocation through core/xmem.h.
 */
#ifndef CORE_TOWER_H
#define CORE_TOWER_H

#include <stddef.h>

#define TOWER_CSV_FILE_MAX   ((size_t)64 << 20) /* bytes */
#define TOWER_CSV_LINE_MAX   8192               /* bytes of one record */
#define TOWER_CSV_HEADER     "path,name,kind,tags,adapter,chat_id,purpose,identity"
#define TOWER_CSV_NFIELDS    8
#define TOWER_PATH_MAX       255 /* bytes, without the NUL */
#define TOWER_NAME_MAX       128
#define TOWER_KIND_MAX       32
#define TOWER_TAG_MAX        64
#define TOWER_TAGS_MAX       512
#define TOWER_ADAPTER_MAX    32
#define TOWER_CHAT_ID_MAX    127
#define TOWER_ACCOUNT_MAX    32
#define TOWER_CREDENTIAL_MAX 512
#define TOWER_ROBOT_PREFIX   "robot:"

enum tower_purpose {
	TOWER_MEMBERS = 0,
	TOWER_COUNCIL,
};

/*
 * One row of the import file.  Every string is owned by the row (freed by
 * tower_rows_free()) and never NULL; empty fields are "".  Strings are as
 * written in the file, unquoted; purpose is parsed.
 */
struct tower_row {
	size_t line; /* 1-based line where the record starts */
	char *path;  /* "yiwu/suxi/liudu/zu-03" */
	char *name;  /* "" = keep / last path segment */
	char *kind;
	char *tags;    /* "volunteer;志愿服务", ';' separated */
	char *adapter; /* "" on a node row */
	char *chat_id; /* "" on a node row */
	enum tower_purpose purpose;
	char *identity; /* "", "a1;a2" or "robot:<credential>" */
};

/* One problem found in the file. */
struct tower_csv_err {
	size_t line;       /* 1-based; the header is line 1 */
	char message[160]; /* "purpose: must be members or council": no
			      "line N: " prefix, the caller adds it */
};

/*
 * Parse and validate buf[0..len) (need not be NUL-terminated).
 *
 * Returns 0 when the whole file is good: *rows is an owned array of *nrows
 * rows (NULL when the file has a header only), *nerrs is 0.
 *
 * Returns -1 when anything is wrong: *rows is NULL, *nrows 0, and
 * errs[0..*nerrs) say what and where, in file order.  Parsing goes on after
 * a bad row to report up to maxerrs problems, and stops at maxerrs (there
 * may then be more).  A wrong header, a file over TOWER_CSV_FILE_MAX or an
 * empty file is one error on line 1 and stops parsing.  errs may be NULL
 * when maxerrs is 0 (then only the verdict is returned).
 */
int tower_csv_parse(const char *buf, size_t len, struct tower_row **rows,
    size_t *nrows, struct tower_csv_err *errs, size_t maxerrs, size_t *nerrs);

/* Free rows[0..n) and the array.  NULL is a no-op. */
void tower_rows_free(struct tower_row *rows, size_t n);

/*
 * The import CSV for rows[0..n): the header, then one record per row
 * ended by "\n", fields quoted only where needed (a ',', '"', CR or LF).
 * tower_csv_parse() reads it back into the same rows when they are valid.
 * Returns an owned NUL-terminated string (free()) and its length in *len
 * (len may be NULL).
 */
char *tower_csv_write(const struct tower_row *rows, size_t n, size_t *len);

/* "members" or "council". Static storage. */
const char *tower_purpose_str(enum tower_purpose);

/*
 * 1 if path is a valid node path: 1 to TOWER_PATH_MAX bytes of slugs
 * [a-z0-9-]+ joined by single '/', no leading or trailing '/'.  NULL is 0.
 */
int tower_path_valid(const char *path);

/*
 * The number of segments of a valid path: "city" is 1, "city/v001" 2.
 * 0 for an invalid path or NULL.  A broadcast's level of a chat is the
 * depth of its node minus the depth of the origin.
 */
size_t tower_path_depth(const char *path);

/*
 * Write the parent of a valid path into out[outlen]: "city/v001" gives
 * "city".  Returns 0, or -1 (out set to "" when outlen > 0) when path is
 * invalid, has one segment only (no parent) or the parent does not fit.
 */
int tower_path_parent(const char *path, char *out, size_t outlen);

/* The reference tower of SPEC section 1, for tests and benchmarks. */
#define TOWER_CITY_L1    152
#define TOWER_CITY_L2    3467
#define TOWER_CITY_L3    33455
#define TOWER_VILLAGE_L2 5
#define TOWER_VILLAGE_L3 62

struct tower_city_cfg {
	const char *adapter;         /* NULL = "tg" */
	const char *const *accounts; /* identity column, round-robin */
	size_t naccounts;            /* 0 = identity left empty */
	int council;                 /* a council chat per level-1 node */
	int village;                 /* the village instead of the city */
};

/*
 * Build the rows of the reference city (SPEC section 1): the root node
 * "city" (kind "city", no chat); under it TOWER_CITY_L1 level-1 nodes
 * "city/v001"..., TOWER_CITY_L2 level-2 nodes "city/v001/h0001"... spread
 * over the level-1 nodes as evenly as possible (the first ones get one
 * more), and TOWER_CITY_L3 level-3 nodes "city/v001/h0001/g00001"... spread
 * the same way over the level-2 nodes.  Numbers run across the whole city,
 * so every slug is unique.  Each node is a node row (name, kind "village",
 * "hamlet" or "group") followed by its chat row(s); chat ids are "-100"
 * and a running number from 1 in 10 digits ("-1000000000001", Telegram
 * style), identities the accounts in turn.  With council, each level-1 node has
 * a second chat, purpose council.  With village: the root "village" (level 1,
 * with its chat), 5 level-2 and 62 level-3 nodes, 68 chats.  Rows in
 * depth-first order.
 *
 * Returns 0 with an owned array (tower_rows_free()), or -1 when the adapter
 * or an account name is not valid in an import file.
 */
int tower_city_rows(const struct tower_city_cfg *, struct tower_row **rows,
    size_t *nrows);

#endif /* CORE_TOWER_H */
