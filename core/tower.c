/*
 * tower.c -- the tower import file: an RFC 4180 reader that keeps line
 * numbers, the row rules of tower.h, and the reference-city generator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tower.h"
#include "core/xmem.h"

/* One record as read: fields NUL-separated in buf. */
struct tower_csv_rec {
	size_t line;                      /* where it starts */
	size_t nfields;                   /* all of them, even past 8 */
	size_t off[TOWER_CSV_NFIELDS];    /* of the first 8 in buf */
	char buf[TOWER_CSV_LINE_MAX + 2]; /* decoded is never longer */
	size_t len;
	size_t raw;         /* bytes of the record, line end excluded */
	const char *syntax; /* the first syntax problem, or NULL */
};

struct tower_csv {
	const char *p, *end;
	size_t line; /* physical line of p */
	struct tower_csv_err *errs;
	size_t maxerrs, nerrs;
	int failed;
};

/* (adapter, chat_id) -> row index: open addressing, for duplicates. */
struct tower_chatset {
	size_t *slot; /* row index + 1; 0 = empty */
	size_t cap;   /* a power of 2 */
	size_t n;
};

/* A growing array of rows. */
struct tower_rowv {
	struct tower_row *v;
	size_t n, cap;
};

/* A growing string. */
struct tower_buf {
	char *s;
	size_t len, cap;
};

static size_t tower_csv_eol(const struct tower_csv *, const char *);
static void tower_csv_put(struct tower_csv_rec *, char);
static int tower_csv_record(struct tower_csv *, struct tower_csv_rec *);
static void tower_csv_error(struct tower_csv *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static int tower_csv_stop(const struct tower_csv *);
static void tower_csv_header(struct tower_csv *, const struct tower_csv_rec *);
static void tower_row_check(struct tower_csv *, const struct tower_row *);
static size_t tower_utf8_char(const unsigned char *, size_t);
static int tower_text_ok(const char *);
static int tower_slug_char(int);
static int tower_tags_check(const char *);
static int tower_name_ok(const char *, size_t, int);
static int tower_identity_ok(const char *);
static uint64_t tower_chat_hash(const struct tower_row *);
static int tower_chat_eq(const struct tower_row *, const struct tower_row *);
static size_t tower_chatset_add(struct tower_chatset *,
    const struct tower_row *, size_t);
static void tower_rowv_add(struct tower_rowv *, size_t, const char *,
    const char *, const char *, const char *, const char *, const char *,
    enum tower_purpose, const char *);
static void tower_buf_add(struct tower_buf *, const char *, size_t);
static void tower_buf_field(struct tower_buf *, const char *);
static void tower_city_chats(struct tower_rowv *, const struct tower_city_cfg *,
    const char *, size_t *, int);

static const char *const tower_header[TOWER_CSV_NFIELDS] = { "path", "name",
	"kind", "tags", "adapter", "chat_id", "purpose", "identity" };

/*
 * The length of the line end at p (p < c->end), or 0: a line ends at LF,
 * at CRLF, or at a CR that is the last byte of the file.  Any other CR is
 * data (and then refused as a control character).
 */
static size_t
tower_csv_eol(const struct tower_csv *c, const char *p)
{
	if (*p == '\n')
		return (1);
	if (*p != '\r')
		return (0);
	if (p + 1 == c->end)
		return (1);
	return (p[1] == '\n' ? 2 : 0);
}

static void
tower_csv_put(struct tower_csv_rec *r, char ch)
{
	if (r->len < sizeof(r->buf) - 1)
		r->buf[r->len++] = ch;
}

/*
 * Read the next record at c->p, skipping blank lines.  Returns 1 with *r
 * filled, or 0 at the end of the input.  Syntax problems are noted in
 * r->syntax and the record is still read to its end, so the next one
 * starts at the right place.
 */
static int
tower_csv_record(struct tower_csv *c, struct tower_csv_rec *r)
{
	const char *p = c->p;
	size_t eol;
	int quoted;

	while (p < c->end && (eol = tower_csv_eol(c, p)) > 0) {
		p += eol;
		c->line++;
	}
	if (p == c->end) {
		c->p = p;
		return (0);
	}
	r->line = c->line;
	r->nfields = 0;
	r->len = 0;
	r->raw = 0;
	r->syntax = NULL;

	for (;;) {
		if (r->nfields < TOWER_CSV_NFIELDS)
			r->off[r->nfields] = r->len;
		quoted = (p < c->end && *p == '"');
		if (quoted) {
			p++;
			r->raw++;
			for (;;) {
				if (p == c->end) {
					if (r->syntax == NULL)
						r->syntax =
						    "unterminated quoted "
						    "field";
					break;
				}
				r->raw++;
				if (*p == '"') {
					p++;
					if (p < c->end && *p == '"') {
						tower_csv_put(r, '"');
						p++;
						r->raw++;
						continue;
					}
					break;
				}
				if (*p == '\n')
					c->line++;
				tower_csv_put(r, *p++);
			}
		}
		while (p < c->end && *p != ',' && tower_csv_eol(c, p) == 0) {
			if (r->syntax == NULL && quoted)
				r->syntax = "text after a closing quote";
			else if (r->syntax == NULL && *p == '"')
				r->syntax = "a quote inside an unquoted field "
					    "(quote the field, double the "
					    "quote)";
			tower_csv_put(r, *p++);
			r->raw++;
		}
		tower_csv_put(r, '\0');
		r->nfields++;
		if (p < c->end && *p == ',') {
			p++;
			r->raw++;
			continue;
		}
		if (p < c->end) {
			p += tower_csv_eol(c, p);
			c->line++;
		}
		break;
	}
	c->p = p;
	return (1);
}

static void
tower_csv_error(struct tower_csv *c, size_t line, const char *fmt, ...)
{
	va_list ap;

	c->failed = 1;
	if (c->nerrs >= c->maxerrs)
		return;
	c->errs[c->nerrs].line = line;
	va_start(ap, fmt);
	vsnprintf(c->errs[c->nerrs].message, sizeof(c->errs[c->nerrs].message),
	    fmt, ap);
	va_end(ap);
	c->nerrs++;
}

/* 1 once there is no room for more errors. */
static int
tower_csv_stop(const struct tower_csv *c)
{
	return (c->failed && c->nerrs >= c->maxerrs);
}

static void
tower_csv_header(struct tower_csv *c, const struct tower_csv_rec *r)
{
	size_t i;

	if (r->syntax != NULL) {
		tower_csv_error(c, r->line, "header: %s", r->syntax);
		return;
	}
	if (r->nfields != TOWER_CSV_NFIELDS) {
		tower_csv_error(c, r->line,
		    "header: %zu columns, expected the 8 columns "
		    "%s",
		    r->nfields, TOWER_CSV_HEADER);
		return;
	}
	for (i = 0; i < TOWER_CSV_NFIELDS; i++) {
		if (strcmp(r->buf + r->off[i], tower_header[i]) != 0) {
			tower_csv_error(c, r->line,
			    "header: column %zu must be %s (expected %s)",
			    i + 1, tower_header[i], TOWER_CSV_HEADER);
			return;
		}
	}
}

/*
 * The length of the valid UTF-8 character at s[0..n), or 0: no overlongs,
 * no surrogates, nothing above U+10FFFF.
 */
static size_t
tower_utf8_char(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	if (n < len)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (len);
}

/* 1 if s is valid UTF-8 without control characters (C0, DEL). */
static int
tower_text_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return (0);
		if ((k = tower_utf8_char(u + i, n - i)) == 0)
			return (0);
		i += k;
	}
	return (1);
}

static int
tower_slug_char(int ch)
{
	return (
	    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-');
}

/* 0 if good, else 1 empty tag, 2 comma, 3 bad character or length. */
static int
tower_tags_check(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, start = 0, k;

	if (n == 0)
		return (0);
	for (;;) {
		if (i == n || u[i] == ';') {
			if (i == start)
				return (1);
			if (i - start > TOWER_TAG_MAX)
				return (3);
			if (i == n)
				return (0);
			start = ++i;
			continue;
		}
		if (u[i] == ',')
			return (2);
		if (u[i] < 0x80) {
			if (!tower_slug_char(u[i]))
				return (3);
			i++;
			continue;
		}
		if ((k = tower_utf8_char(u + i, n - i)) == 0)
			return (3);
		i += k;
	}
}

/*
 * 1 if s is 1..max characters of a-z, 0-9, '_' and '-' (and A-Z when
 * upper): adapter and account names, as config/config.c wants them.
 */
static int
tower_name_ok(const char *s, size_t max, int upper)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return (0);
		if (!tower_slug_char((unsigned char)s[i]) && s[i] != '_' &&
		    !(upper && s[i] >= 'A' && s[i] <= 'Z'))
			return (0);
	}
	return (i > 0);
}

/* 1 if s is a valid non-empty identity column. */
static int
tower_identity_ok(const char *s)
{
	char acct[TOWER_ACCOUNT_MAX + 2];
	size_t plen = strlen(TOWER_ROBOT_PREFIX), n, i, start;

	if (strncmp(s, TOWER_ROBOT_PREFIX, plen) == 0) {
		s += plen;
		n = strlen(s);
		if (n == 0 || n > TOWER_CREDENTIAL_MAX)
			return (0);
		for (i = 0; i < n; i++)
			if (s[i] <= ' ' || s[i] > '~' || s[i] == ';')
				return (0);
		return (1);
	}
	n = strlen(s);
	for (start = 0, i = 0; i <= n; i++) {
		if (i < n && s[i] != ';')
			continue;
		if (i - start > TOWER_ACCOUNT_MAX || i == start)
			return (0);
		memcpy(acct, s + start, i - start);
		acct[i - start] = '\0';
		if (!tower_name_ok(acct, TOWER_ACCOUNT_MAX, 1))
			return (0);
		start = i + 1;
	}
	return (1);
}

/* Report every problem of one row (duplicates are checked elsewhere). */
static void
tower_row_check(struct tower_csv *c, const struct tower_row *row)
{
	size_t line = row->line;
	int chat, rc;

	if (*row->path == '\0')
		tower_csv_error(c, line, "path: missing");
	else if (strlen(row->path) > TOWER_PATH_MAX)
		tower_csv_error(c, line, "path: longer than %d bytes",
		    TOWER_PATH_MAX);
	else if (!tower_path_valid(row->path))
		tower_csv_error(c, line,
		    "path: must be slugs of a-z, 0-9 and - joined by /");

	if (strlen(row->name) > TOWER_NAME_MAX)
		tower_csv_error(c, line, "name: longer than %d bytes",
		    TOWER_NAME_MAX);
	else if (!tower_text_ok(row->name))
		tower_csv_error(c, line,
		    "name: not UTF-8, or has control characters");

	if (strlen(row->kind) > TOWER_KIND_MAX)
		tower_csv_error(c, line, "kind: longer than %d bytes",
		    TOWER_KIND_MAX);
	else if (!tower_text_ok(row->kind))
		tower_csv_error(c, line,
		    "kind: not UTF-8, or has control characters");

	if (strlen(row->tags) > TOWER_TAGS_MAX)
		tower_csv_error(c, line, "tags: longer than %d bytes",
		    TOWER_TAGS_MAX);
	else if ((rc = tower_tags_check(row->tags)) == 1)
		tower_csv_error(c, line,
		    "tags: empty tag (separate tags with one ;)");
	else if (rc == 2)
		tower_csv_error(c, line,
		    "tags: no commas inside a tag (separate tags with ;)");
	else if (rc == 3)
		tower_csv_error(c, line,
		    "tags: a tag is 1-%d bytes of a-z, 0-9, - or CJK "
		    "characters",
		    TOWER_TAG_MAX);

	chat = (*row->adapter != '\0' || *row->chat_id != '\0');
	if (*row->adapter == '\0' && *row->chat_id != '\0')
		tower_csv_error(c, line, "adapter: missing (chat_id is set)");
	else if (*row->adapter != '\0' &&
		 !tower_name_ok(row->adapter, TOWER_ADAPTER_MAX, 0))
		tower_csv_error(c, line,
		    "adapter: must be 1-%d characters of a-z, 0-9, _ and -",
		    TOWER_ADAPTER_MAX);
	if (*row->chat_id == '\0' && *row->adapter != '\0')
		tower_csv_error(c, line, "chat_id: missing (adapter is set)");
	else if (strlen(row->chat_id) > TOWER_CHAT_ID_MAX)
		tower_csv_error(c, line, "chat_id: longer than %d bytes",
		    TOWER_CHAT_ID_MAX);
	else if (!tower_text_ok(row->chat_id))
		tower_csv_error(c, line,
		    "chat_id: not UTF-8, or has control characters");

	if (row->purpose == TOWER_COUNCIL && !chat)
		tower_csv_error(c, line,
		    "purpose: council needs a chat (adapter and chat_id)");

	if (*row->identity != '\0' && !chat)
		tower_csv_error(c, line,
		    "identity: needs a chat (adapter and chat_id)");
	else if (*row->identity != '\0' && !tower_identity_ok(row->identity)) {
		if (strncmp(row->identity, TOWER_ROBOT_PREFIX,
			strlen(TOWER_ROBOT_PREFIX)) == 0)
			tower_csv_error(c, line,
			    "identity: a robot credential is 1-%d printable "
			    "characters without spaces or ;",
			    TOWER_CREDENTIAL_MAX);
		else
			tower_csv_error(c, line,
			    "identity: account names are 1-%d characters of "
			    "A-Z, a-z, 0-9, _ and -, separated by ;",
			    TOWER_ACCOUNT_MAX);
	}
}

/* FNV-1a over adapter, a NUL, chat_id. */
static uint64_t
tower_chat_hash(const struct tower_row *row)
{
	uint64_t h = UINT64_C(14695981039346656037);
	const unsigned char *s;

	for (s = (const unsigned char *)row->adapter; *s != '\0'; s++)
		h = (h ^ *s) * UINT64_C(1099511628211);
	h = h * UINT64_C(1099511628211);
	for (s = (const unsigned char *)row->chat_id; *s != '\0'; s++)
		h = (h ^ *s) * UINT64_C(1099511628211);
	return (h);
}

static int
tower_chat_eq(const struct tower_row *a, const struct tower_row *b)
{
	return (strcmp(a->adapter, b->adapter) == 0 &&
		strcmp(a->chat_id, b->chat_id) == 0);
}

/*
 * Add rows[idx]'s chat to the set.  Returns 0, or the index + 1 of the row
 * that already has this chat (the set is then unchanged).  The set keeps
 * indexes, not pointers, because the row array grows by reallocation.
 */
static size_t
tower_chatset_add(struct tower_chatset *set, const struct tower_row *rows,
    size_t idx)
{
	size_t *old, oldcap, i, j;

	if (2 * (set->n + 1) > set->cap) {
		old = set->slot;
		oldcap = set->cap;
		set->cap = oldcap == 0 ? 64 : 2 * oldcap;
		set->slot = xcalloc(set->cap, sizeof(*set->slot));
		for (i = 0; i < oldcap; i++) {
			if (old[i] == 0)
				continue;
			j = tower_chat_hash(&rows[old[i] - 1]) & (set->cap - 1);
			while (set->slot[j] != 0)
				j = (j + 1) & (set->cap - 1);
			set->slot[j] = old[i];
		}
		free(old);
	}
	j = tower_chat_hash(&rows[idx]) & (set->cap - 1);
	while (set->slot[j] != 0) {
		if (tower_chat_eq(&rows[set->slot[j] - 1], &rows[idx]))
			return (set->slot[j]);
		j = (j + 1) & (set->cap - 1);
	}
	set->slot[j] = idx + 1;
	set->n++;
	return (0);
}

int
tower_csv_parse(const char *buf, size_t len, struct tower_row **rows,
    size_t *nrows, struct tower_csv_err *errs, size_t maxerrs, size_t *nerrs)
{
	struct tower_csv c;
	struct tower_csv_rec *r;
	struct tower_rowv v = { NULL, 0, 0 };
	struct tower_chatset set = { NULL, 0, 0 };
	struct tower_row *row;
	const char *purpose;
	size_t first;

	*rows = NULL;
	*nrows = 0;
	memset(&c, 0, sizeof(c));
	c.errs = errs;
	c.maxerrs = errs == NULL ? 0 : maxerrs;
	c.line = 1;
	if (len > TOWER_CSV_FILE_MAX) {
		tower_csv_error(&c, 1, "file larger than %zu MiB",
		    TOWER_CSV_FILE_MAX >> 20);
		*nerrs = c.nerrs;
		return (-1);
	}
	c.p = buf;
	c.end = buf + len;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;

	r = xmalloc(sizeof(*r));
	if (!tower_csv_record(&c, r)) {
		tower_csv_error(&c, 1, "header: missing (the file is empty)");
		goto done;
	}
	tower_csv_header(&c, r);
	if (c.failed)
		goto done;

	while (!tower_csv_stop(&c) && tower_csv_record(&c, r)) {
		if (r->raw > TOWER_CSV_LINE_MAX) {
			tower_csv_error(&c, r->line,
			    "record longer than %d bytes", TOWER_CSV_LINE_MAX);
			continue;
		}
		if (r->syntax != NULL) {
			tower_csv_error(&c, r->line, "%s", r->syntax);
			continue;
		}
		if (r->nfields != TOWER_CSV_NFIELDS) {
			tower_csv_error(&c, r->line,
			    "%zu fields, expected %d (%s)", r->nfields,
			    TOWER_CSV_NFIELDS, TOWER_CSV_HEADER);
			continue;
		}
		purpose = r->buf + r->off[6];
		if (*purpose != '\0' && strcmp(purpose, "members") != 0 &&
		    strcmp(purpose, "council") != 0) {
			tower_csv_error(&c, r->line,
			    "purpose: must be members or council");
			purpose = "members";
		}
		tower_rowv_add(&v, r->line, r->buf + r->off[0],
		    r->buf + r->off[1], r->buf + r->off[2], r->buf + r->off[3],
		    r->buf + r->off[4], r->buf + r->off[5],
		    strcmp(purpose, "council") == 0 ? TOWER_COUNCIL
						    : TOWER_MEMBERS,
		    r->buf + r->off[7]);
		row = &v.v[v.n - 1];
		tower_row_check(&c, row);
		if (*row->adapter != '\0' && *row->chat_id != '\0' &&
		    (first = tower_chatset_add(&set, v.v, v.n - 1)) != 0)
			tower_csv_error(&c, row->line,
			    "duplicate chat: same adapter and chat_id as "
			    "line %zu",
			    v.v[first - 1].line);
	}

done:
	free(r);
	free(set.slot);
	*nerrs = c.nerrs;
	if (c.failed) {
		tower_rows_free(v.v, v.n);
		return (-1);
	}
	*rows = v.v;
	*nrows = v.n;
	return (0);
}

static void
tower_rowv_add(struct tower_rowv *v, size_t line, const char *path,
    const char *name, const char *kind, const char *tags, const char *adapter,
    const char *chat_id, enum tower_purpose purpose, const char *identity)
{
	struct tower_row *row;

	if (v->n == v->cap) {
		v->cap = v->cap == 0 ? 64 : 2 * v->cap;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	row = &v->v[v->n++];
	row->line = line;
	row->path = xstrdup(path);
	row->name = xstrdup(name);
	row->kind = xstrdup(kind);
	row->tags = xstrdup(tags);
	row->adapter = xstrdup(adapter);
	row->chat_id = xstrdup(chat_id);
	row->purpose = purpose;
	row->identity = xstrdup(identity);
}

void
tower_rows_free(struct tower_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].path);
		free(rows[i].name);
		free(rows[i].kind);
		free(rows[i].tags);
		free(rows[i].adapter);
		free(rows[i].chat_id);
		/* a robot credential is a secret */
		explicit_bzero(rows[i].identity, strlen(rows[i].identity));
		free(rows[i].identity);
	}
	free(rows);
}

static void
tower_buf_add(struct tower_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap == 0 ? 4096 : 2 * b->cap;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* One field, quoted when it holds a comma, a quote, CR or LF. */
static void
tower_buf_field(struct tower_buf *b, const char *s)
{
	const char *q;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		tower_buf_add(b, s, strlen(s));
		return;
	}
	tower_buf_add(b, "\"", 1);
	while ((q = strchr(s, '"')) != NULL) {
		tower_buf_add(b, s, q - s + 1);
		tower_buf_add(b, "\"", 1);
		s = q + 1;
	}
	tower_buf_add(b, s, strlen(s));
	tower_buf_add(b, "\"", 1);
}

char *
tower_csv_write(const struct tower_row *rows, size_t n, size_t *len)
{
	struct tower_buf b = { NULL, 0, 0 };
	const char *f[TOWER_CSV_NFIELDS];
	size_t i, k;

	tower_buf_add(&b, TOWER_CSV_HEADER "\n", strlen(TOWER_CSV_HEADER) + 1);
	for (i = 0; i < n; i++) {
		f[0] = rows[i].path;
		f[1] = rows[i].name;
		f[2] = rows[i].kind;
		f[3] = rows[i].tags;
		f[4] = rows[i].adapter;
		f[5] = rows[i].chat_id;
		f[6] =
		    *rows[i].chat_id == '\0' && rows[i].purpose == TOWER_MEMBERS
			? ""
			: tower_purpose_str(rows[i].purpose);
		f[7] = rows[i].identity;
		for (k = 0; k < TOWER_CSV_NFIELDS; k++) {
			if (k > 0)
				tower_buf_add(&b, ",", 1);
			tower_buf_field(&b, f[k]);
		}
		tower_buf_add(&b, "\n", 1);
	}
	if (len != NULL)
		*len = b.len;
	return (b.s);
}

const char *
tower_purpose_str(enum tower_purpose p)
{
	return (p == TOWER_COUNCIL ? "council" : "members");
}

int
tower_path_valid(const char *path)
{
	size_t i, seg = 0;

	if (path == NULL)
		return (0);
	for (i = 0; path[i] != '\0'; i++) {
		if (i >= TOWER_PATH_MAX)
			return (0);
		if (path[i] == '/') {
			if (seg == 0)
				return (0);
			seg = 0;
		} else if (tower_slug_char((unsigned char)path[i]))
			seg++;
		else
			return (0);
	}
	return (seg > 0);
}

size_t
tower_path_depth(const char *path)
{
	size_t n = 1;

	if (!tower_path_valid(path))
		return (0);
	for (; *path != '\0'; path++)
		if (*path == '/')
			n++;
	return (n);
}

int
tower_path_parent(const char *path, char *out, size_t outlen)
{
	const char *slash;
	size_t n;

	if (outlen > 0)
		*out = '\0';
	if (!tower_path_valid(path) || (slash = strrchr(path, '/')) == NULL)
		return (-1);
	n = slash - path;
	if (n >= outlen)
		return (-1);
	memcpy(out, path, n);
	out[n] = '\0';
	return (0);
}

/* The chat row(s) of the node just added, at level level (1 = "v"). */
static void
tower_city_chats(struct tower_rowv *v, const struct tower_city_cfg *cfg,
    const char *path, size_t *chatno, int level)
{
	const char *adapter = cfg->adapter != NULL ? cfg->adapter : "tg";
	char id[32];
	const char *ident;
	int k, nchats = (level == 1 && cfg->council) ? 2 : 1;

	for (k = 0; k < nchats; k++) {
		ident = cfg->naccounts == 0
			    ? ""
			    : cfg->accounts[*chatno % cfg->naccounts];
		(*chatno)++;
		snprintf(id, sizeof(id), "-100%010zu", *chatno);
		tower_rowv_add(v, v->n + 2, path, "", "", "", adapter, id,
		    k == 0 ? TOWER_MEMBERS : TOWER_COUNCIL, ident);
	}
}

int
tower_city_rows(const struct tower_city_cfg *cfg, struct tower_row **rows,
    size_t *nrows)
{
	struct tower_rowv v = { NULL, 0, 0 };
	const char *root = cfg->village ? "village" : "city";
	size_t n1 = cfg->village ? 1 : TOWER_CITY_L1;
	size_t n2 = cfg->village ? TOWER_VILLAGE_L2 : TOWER_CITY_L2;
	size_t n3 = cfg->village ? TOWER_VILLAGE_L3 : TOWER_CITY_L3;
	size_t i1, i2, i3, k2, k3, c2, c3, chatno = 0;
	char p1[32], p2[64], p3[96], name[32]; /* all fit */

	*rows = NULL;
	*nrows = 0;
	if (cfg->adapter != NULL &&
	    !tower_name_ok(cfg->adapter, TOWER_ADAPTER_MAX, 0))
		return (-1);
	for (i1 = 0; i1 < cfg->naccounts; i1++)
		if (!tower_name_ok(cfg->accounts[i1], TOWER_ACCOUNT_MAX, 1))
			return (-1);

	if (!cfg->village)
		tower_rowv_add(&v, 2, "city", "City", "city", "", "", "",
		    TOWER_MEMBERS, "");
	for (i1 = 0, k2 = 0, k3 = 0; i1 < n1; i1++) {
		if (cfg->village) {
			snprintf(p1, sizeof(p1), "%s", root);
			snprintf(name, sizeof(name), "Village");
		} else {
			snprintf(p1, sizeof(p1), "%s/v%03zu", root, i1 + 1);
			snprintf(name, sizeof(name), "Village %03zu", i1 + 1);
		}
		tower_rowv_add(&v, v.n + 2, p1, name, "village", "", "", "",
		    TOWER_MEMBERS, "");
		tower_city_chats(&v, cfg, p1, &chatno, 1);
		c2 = n2 / n1 + (i1 < n2 % n1 ? 1 : 0);
		for (i2 = 0; i2 < c2; i2++, k2++) {
			snprintf(p2, sizeof(p2), "%s/h%04zu", p1, k2 + 1);
			snprintf(name, sizeof(name), "Hamlet %04zu", k2 + 1);
			tower_rowv_add(&v, v.n + 2, p2, name, "hamlet", "", "",
			    "", TOWER_MEMBERS, "");
			tower_city_chats(&v, cfg, p2, &chatno, 2);
			c3 = n3 / n2 + (k2 < n3 % n2 ? 1 : 0);
			for (i3 = 0; i3 < c3; i3++, k3++) {
				snprintf(p3, sizeof(p3), "%s/g%05zu", p2,
				    k3 + 1);
				snprintf(name, sizeof(name), "Group %05zu",
				    k3 + 1);
				tower_rowv_add(&v, v.n + 2, p3, name, "group",
				    "", "", "", TOWER_MEMBERS, "");
				tower_city_chats(&v, cfg, p3, &chatno, 3);
			}
		}
	}
	*rows = v.v;
	*nrows = v.n;
	return (0);
}
