/*
 * jread.c -- one-pass JSON reader into a reusable flat node array.
 *
 * Recursive descent over the bytes, in the order of RFC 8259's grammar,
 * with jansson's limits (see jread.h).  Strings are unescaped and
 * UTF-8-checked as they are copied: their unescaped bytes plus a NUL
 * never take more room than the quoted text they come from, so one
 * buffer of len + 1 bytes holds them all and is sized before parsing.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/jread.h"
#include "core/xmem.h"

/* Buffers bigger than these are not kept for a smaller next document. */
#define JR_KEEP_NODES 4096
#define JR_KEEP_BYTES (256 * 1024)

struct jr_parser {
	struct jr_doc *d;
	const unsigned char *p, *end;
	int depth;
};

static int jr_value(struct jr_parser *);

static int
jr_is_space(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

static void
jr_skip_space(struct jr_parser *ps)
{
	while (ps->p < ps->end && jr_is_space(*ps->p))
		ps->p++;
}

static int
jr_is_digit(unsigned char c)
{
	return (c >= '0' && c <= '9');
}

/* A new node of type at the end of the array; its index, or -1. */
static int64_t
jr_push(struct jr_doc *d, enum jr_type type)
{
	struct jr_node *n;

	if (d->nnode == d->cap) {
		if (d->cap >= JR_NONE / 2)
			return (-1);
		d->cap = d->cap == 0 ? 64 : d->cap * 2;
		d->node = xreallocarray(d->node, d->cap, sizeof(*d->node));
	}
	n = &d->node[d->nnode];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	return ((int64_t)d->nnode++);
}

/*
 * Length of the UTF-8 sequence at p[0..avail) that starts with a byte of
 * 0x80 or more: 2 to 4, or 0 if it is not a valid, shortest-form encoding
 * of a scalar value (no surrogates, nothing above U+10FFFF).
 */
static size_t
jr_utf8_len(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return (0);
	if (avail < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

/* Four hex digits at p (p + 4 <= end checked by the caller); -1 if not. */
static int32_t
jr_hex4(const unsigned char *p)
{
	int32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return (-1);
	}
	return (v);
}

/* Encode scalar value cp as UTF-8 at out; the bytes written. */
static size_t
jr_utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

/*
 * The escape after a backslash at ps->p (which points past it) into out;
 * the bytes written, or 0 if it is not a valid escape.  "\u0000" and
 * surrogates that do not pair up are refused, as jansson refuses them.
 */
static size_t
jr_escape(struct jr_parser *ps, char *out)
{
	int32_t cp, lo;

	if (ps->p >= ps->end)
		return (0);
	switch (*ps->p++) {
	case '"':
		*out = '"';
		return (1);
	case '\\':
		*out = '\\';
		return (1);
	case '/':
		*out = '/';
		return (1);
	case 'b':
		*out = '\b';
		return (1);
	case 'f':
		*out = '\f';
		return (1);
	case 'n':
		*out = '\n';
		return (1);
	case 'r':
		*out = '\r';
		return (1);
	case 't':
		*out = '\t';
		return (1);
	case 'u':
		break;
	default:
		return (0);
	}
	if (ps->end - ps->p < 4 || (cp = jr_hex4(ps->p)) == -1)
		return (0);
	ps->p += 4;
	if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return (0);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u' || (lo = jr_hex4(ps->p + 2)) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return (0);
		ps->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return (jr_utf8_put(out, (uint32_t)cp));
}

/* The string whose opening quote is at ps->p, into a new node. */
static int
jr_string(struct jr_parser *ps)
{
	struct jr_doc *d = ps->d;
	const unsigned char *run;
	char *start, *out;
	int64_t idx;
	size_t n;

	if ((idx = jr_push(d, JR_STRING)) == -1)
		return (-1);
	ps->p++;
	start = out = d->str + d->slen;
	for (;;) {
		run = ps->p;
		while (ps->p < ps->end && *ps->p >= 0x20 && *ps->p < 0x80 &&
		       *ps->p != '"' && *ps->p != '\\')
			ps->p++;
		memcpy(out, run, (size_t)(ps->p - run));
		out += ps->p - run;
		if (ps->p >= ps->end)
			return (-1);
		if (*ps->p == '"')
			break;
		if (*ps->p == '\\') {
			ps->p++;
			if ((n = jr_escape(ps, out)) == 0)
				return (-1);
		} else if (*ps->p < 0x20)
			return (-1);
		else {
			if ((n = jr_utf8_len(ps->p,
				 (size_t)(ps->end - ps->p))) == 0)
				return (-1);
			memcpy(out, ps->p, n);
			ps->p += n;
		}
		out += n;
	}
	ps->p++;
	*out = '\0';
	d->node[idx].u.off = (uint32_t)d->slen;
	d->node[idx].n = (uint32_t)(out - start);
	d->slen += (size_t)(out - start) + 1;
	return (0);
}

/*
 * A number: an integer (jansson's json_integer, refused if it does not
 * fit int64_t) when it has no fraction and no exponent, else a real
 * (refused if it overflows a double).
 */
static int
jr_number_value(struct jr_parser *ps)
{
	struct jr_doc *d = ps->d;
	const unsigned char *start = ps->p;
	uint64_t mag = 0, lim;
	int64_t idx;
	size_t n;
	char *tmp, *endp;
	int neg = 0, real = 0;
	double v;

	if (*ps->p == '-') {
		neg = 1;
		ps->p++;
	}
	if (ps->p >= ps->end || !jr_is_digit(*ps->p))
		return (-1);
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && jr_is_digit(*ps->p))
			return (-1);
	} else {
		lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		while (ps->p < ps->end && jr_is_digit(*ps->p)) {
			unsigned int dig = (unsigned int)(*ps->p++ - '0');

			/* Past the limit only matters if no fraction
			 * follows; mark it and decide below. */
			if (mag > (lim - dig) / 10)
				mag = UINT64_MAX;
			else if (mag != UINT64_MAX)
				mag = mag * 10 + dig;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		real = 1;
		ps->p++;
		if (ps->p >= ps->end || !jr_is_digit(*ps->p))
			return (-1);
		while (ps->p < ps->end && jr_is_digit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		real = 1;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !jr_is_digit(*ps->p))
			return (-1);
		while (ps->p < ps->end && jr_is_digit(*ps->p))
			ps->p++;
	}
	if ((idx = jr_push(d, real ? JR_REAL : JR_INTEGER)) == -1)
		return (-1);
	if (!real) {
		if (mag == UINT64_MAX)
			return (-1); /* jansson: "too big integer" */
		d->node[idx].u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return (0);
	}
	/*
	 * strtod wants a NUL-terminated copy.  The unused tail of the string
	 * buffer has room: the strings so far took at most the bytes before
	 * this number, and the number and its NUL fit in what is left.
	 */
	n = (size_t)(ps->p - start);
	tmp = d->str + d->slen;
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtod(tmp, &endp);
	if (endp != tmp + n || (errno == ERANGE && isinf(v)))
		return (-1); /* jansson: "real number overflow" */
	d->node[idx].u.d = v;
	return (0);
}

/* The literal word (true, false, null) at ps->p as a node of type. */
static int
jr_literal(struct jr_parser *ps, const char *word, enum jr_type type)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return (-1);
	ps->p += n;
	return (jr_push(ps->d, type) == -1 ? -1 : 0);
}

/* An object or array whose opening bracket is at ps->p. */
static int
jr_container(struct jr_parser *ps)
{
	struct jr_doc *d = ps->d;
	int obj = *ps->p == '{';
	unsigned char close = obj ? '}' : ']';
	uint32_t count = 0;
	int64_t idx;

	if ((idx = jr_push(d, obj ? JR_OBJECT : JR_ARRAY)) == -1)
		return (-1);
	ps->p++;
	jr_skip_space(ps);
	if (ps->p < ps->end && *ps->p == close)
		ps->p++;
	else
		for (;;) {
			if (obj) {
				if (ps->p >= ps->end || *ps->p != '"' ||
				    jr_string(ps) == -1)
					return (-1);
				jr_skip_space(ps);
				if (ps->p >= ps->end || *ps->p != ':')
					return (-1);
				ps->p++;
			}
			if (jr_value(ps) == -1)
				return (-1);
			count++;
			jr_skip_space(ps);
			if (ps->p >= ps->end)
				return (-1);
			if (*ps->p == close) {
				ps->p++;
				break;
			}
			if (*ps->p != ',')
				return (-1);
			ps->p++;
			jr_skip_space(ps);
		}
	d->node[idx].n = count;
	d->node[idx].next = (uint32_t)d->nnode;
	return (0);
}

/*
 * Any value, white space before it skipped.  Depth counts every value
 * down the path, scalars included, as jansson's parse_value() does.
 */
static int
jr_value(struct jr_parser *ps)
{
	struct jr_doc *d = ps->d;
	size_t first = d->nnode;
	int rc;

	jr_skip_space(ps);
	if (ps->p >= ps->end || ++ps->depth > JR_DEPTH_MAX)
		return (-1);
	switch (*ps->p) {
	case '{':
	case '[':
		rc = jr_container(ps);
		break;
	case '"':
		rc = jr_string(ps);
		break;
	case 't':
		rc = jr_literal(ps, "true", JR_TRUE);
		break;
	case 'f':
		rc = jr_literal(ps, "false", JR_FALSE);
		break;
	case 'n':
		rc = jr_literal(ps, "null", JR_NULL);
		break;
	default:
		rc = jr_number_value(ps);
		break;
	}
	if (rc == 0 && d->node[first].type != JR_OBJECT &&
	    d->node[first].type != JR_ARRAY)
		d->node[first].next = (uint32_t)d->nnode;
	ps->depth--;
	return (rc);
}

int
jr_parse(struct jr_doc *d, const char *buf, size_t len)
{
	struct jr_parser ps;

	if (len >= JR_NONE / 2)
		return (-1);
	d->nnode = 0;
	d->slen = 0;
	if (d->cap > JR_KEEP_NODES && d->cap > len + 1) {
		free(d->node);
		d->node = NULL;
		d->cap = 0;
	}
	if (d->scap < len + 1 ||
	    (d->scap > JR_KEEP_BYTES && d->scap > 4 * (len + 1))) {
		free(d->str);
		d->scap = (len + 1 + 4095) & ~(size_t)4095;
		d->str = xmalloc(d->scap);
	}
	ps.d = d;
	ps.p = (const unsigned char *)buf;
	ps.end = ps.p + len;
	ps.depth = 0;
	jr_skip_space(&ps);
	if (ps.p >= ps.end || (*ps.p != '{' && *ps.p != '[') ||
	    jr_value(&ps) == -1)
		goto fail;
	jr_skip_space(&ps);
	if (ps.p != ps.end)
		goto fail;
	return (0);
fail:
	d->nnode = 0;
	d->slen = 0;
	return (-1);
}

void
jr_free(struct jr_doc *d)
{
	if (d == NULL)
		return;
	free(d->node);
	free(d->str);
	memset(d, 0, sizeof(*d));
}

/* The node of v, or NULL when v names none. */
static const struct jr_node *
jr_node(const struct jr_doc *d, jr_ref v)
{
	return (v < d->nnode ? &d->node[v] : NULL);
}

enum jr_type
jr_type(const struct jr_doc *d, jr_ref v)
{
	const struct jr_node *n = jr_node(d, v);

	return (n != NULL ? (enum jr_type)n->type : JR_ABSENT);
}

jr_ref
jr_get(const struct jr_doc *d, jr_ref obj, const char *key)
{
	const struct jr_node *n = jr_node(d, obj), *k;
	jr_ref at, found = JR_NONE;
	size_t klen;
	uint32_t i;

	if (n == NULL || n->type != JR_OBJECT)
		return (JR_NONE);
	klen = strlen(key);
	for (i = 0, at = obj + 1; i < n->n; i++) {
		k = &d->node[at];
		if (k->n == klen && memcmp(d->str + k->u.off, key, klen) == 0)
			found = at + 1; /* the last one wins, as in jansson */
		at = d->node[at + 1].next;
	}
	return (found);
}

size_t
jr_len(const struct jr_doc *d, jr_ref v)
{
	const struct jr_node *n = jr_node(d, v);

	if (n == NULL || (n->type != JR_OBJECT && n->type != JR_ARRAY &&
			     n->type != JR_STRING))
		return (0);
	return (n->n);
}

jr_ref
jr_first(const struct jr_doc *d, jr_ref arr)
{
	const struct jr_node *n = jr_node(d, arr);

	if (n == NULL || n->type != JR_ARRAY || n->n == 0)
		return (JR_NONE);
	return (arr + 1);
}

jr_ref
jr_next(const struct jr_doc *d, jr_ref arr, jr_ref el)
{
	const struct jr_node *a = jr_node(d, arr), *e = jr_node(d, el);

	if (a == NULL || a->type != JR_ARRAY || e == NULL || el <= arr ||
	    e->next >= a->next)
		return (JR_NONE);
	return (e->next);
}

jr_ref
jr_at(const struct jr_doc *d, jr_ref arr, size_t i)
{
	jr_ref el;

	for (el = jr_first(d, arr); el != JR_NONE && i > 0; i--)
		el = jr_next(d, arr, el);
	return (el);
}

const char *
jr_str(const struct jr_doc *d, jr_ref v)
{
	const struct jr_node *n = jr_node(d, v);

	if (n == NULL || n->type != JR_STRING)
		return (NULL);
	return (d->str + n->u.off);
}

int64_t
jr_int(const struct jr_doc *d, jr_ref v)
{
	const struct jr_node *n = jr_node(d, v);

	return (n != NULL && n->type == JR_INTEGER ? n->u.i : 0);
}

double
jr_number(const struct jr_doc *d, jr_ref v)
{
	const struct jr_node *n = jr_node(d, v);

	if (n == NULL)
		return (0);
	if (n->type == JR_INTEGER)
		return ((double)n->u.i);
	return (n->type == JR_REAL ? n->u.d : 0);
}

int
jr_true(const struct jr_doc *d, jr_ref v)
{
	return (jr_type(d, v) == JR_TRUE);
}

int
jr_int_text(const struct jr_doc *d, jr_ref v, char *out, size_t outlen)
{
	const struct jr_node *n = jr_node(d, v);
	char tmp[24];
	uint64_t mag;
	size_t i = sizeof(tmp), len;

	if (n == NULL || n->type != JR_INTEGER)
		return (-1);
	mag = n->u.i < 0 ? 0 - (uint64_t)n->u.i : (uint64_t)n->u.i;
	do {
		tmp[--i] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag != 0);
	if (n->u.i < 0)
		tmp[--i] = '-';
	len = sizeof(tmp) - i;
	if (len + 1 > outlen)
		return (-1);
	memcpy(out, tmp + i, len);
	out[len] = '\0';
	return (0);
}
