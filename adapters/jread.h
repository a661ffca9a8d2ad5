/*
 * jread.h -- a read-only JSON reader for inbound webhooks.
 *
 * Every webhook body is parsed once and thrown away; jansson builds a tree
 * of separately allocated values and hash tables for that, which was the
 * largest single cost of a Telegram webhook.  jread parses in one pass
 * into a flat array of nodes and one buffer of unescaped, NUL-terminated
 * strings, both kept in the struct jr_doc and reused by the next parse:
 * no allocation per value, none at all once the buffers have grown.
 *
 * It accepts exactly what json_loadb(buf, len, 0, ...) accepts (the tests
 * hold it to that): an object or array at the top, nothing but white space
 * after it, strings of valid UTF-8 without NUL (no "\u0000", no lone
 * surrogates, no raw control characters), integers that fit int64_t
 * (otherwise the whole document is rejected, as jansson does), finite
 * reals, nesting at most JR_DEPTH_MAX deep.  A key that occurs twice
 * reads as its last value, as in jansson.  One deliberate difference: a
 * NUL byte straight after a number or a literal ("[1\0]") is refused;
 * jansson 2.14 skips it.  No platform sends one, and a body jansson reads
 * differently from its bytes should not pass.
 *
 * Values are named by index (jr_ref); JR_NONE stands for "absent", and
 * every getter takes it, or a value of the wrong type, and answers as
 * jansson's getters answer NULL: jr_get(d, JR_NONE, "x") is JR_NONE,
 * jr_str() NULL, jr_int() 0.  So paths chain without checks in between:
 * jr_str(d, jr_get(d, jr_get(d, JR_ROOT, "message"), "text")).
 *
 * Out of memory aborts (core/xmem.h).  No I/O, no clocks, no globals.
 */
#ifndef ADAPTERS_JREAD_H
#define ADAPTERS_JREAD_H

#include <stddef.h>
#include <stdint.h>

#define JR_DEPTH_MAX 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef uint32_t jr_ref;
#define JR_NONE UINT32_MAX
#define JR_ROOT ((jr_ref)0) /* the top value after a successful parse */

enum jr_type {
	JR_ABSENT = 0, /* JR_NONE */
	JR_OBJECT,
	JR_ARRAY,
	JR_STRING,
	JR_INTEGER,
	JR_REAL,
	JR_TRUE,
	JR_FALSE,
	JR_NULL,
};

struct jr_node {
	uint8_t type;  /* enum jr_type */
	uint32_t next; /* the node after this value and all it contains */
	uint32_t n;    /* object: pairs; array: elements; string: bytes */
	union {
		int64_t i;    /* JR_INTEGER */
		double d;     /* JR_REAL */
		uint32_t off; /* JR_STRING: offset in jr_doc.str */
	} u;
};

/*
 * One parsed document.  Zero it before the first use ({ 0 }), release it
 * with jr_free().  An object's node is followed by its pairs, each a key
 * (a JR_STRING node) and then the value's nodes; an array's by its
 * elements.
 */
struct jr_doc {
	struct jr_node *node;
	size_t nnode, cap;
	char *str; /* unescaped strings, each NUL-terminated */
	size_t slen, scap;
};

/*
 * Parse buf[0..len) into *d, replacing what it held.  0, or -1 when the
 * bytes are not a JSON document jansson would take (*d then holds
 * nothing: every ref reads as absent).
 */
int jr_parse(struct jr_doc *d, const char *buf, size_t len);
void jr_free(struct jr_doc *d);

enum jr_type jr_type(const struct jr_doc *d, jr_ref v);
/* The value of key in object obj, or JR_NONE. */
jr_ref jr_get(const struct jr_doc *d, jr_ref obj, const char *key);
/* Elements of an array, pairs of an object, bytes of a string; else 0. */
size_t jr_len(const struct jr_doc *d, jr_ref v);
/*
 * Iterate an array: jr_first() is its first element, jr_next() the one
 * after el in arr; JR_NONE at the end (or if arr is no array).
 */
jr_ref jr_first(const struct jr_doc *d, jr_ref arr);
jr_ref jr_next(const struct jr_doc *d, jr_ref arr, jr_ref el);
/* The i-th element of arr, or JR_NONE (walks the array: O(i)). */
jr_ref jr_at(const struct jr_doc *d, jr_ref arr, size_t i);
/* A string's bytes, NUL-terminated and borrowed from d; NULL if no string. */
const char *jr_str(const struct jr_doc *d, jr_ref v);
/* An integer's value; 0 if v is no integer. */
int64_t jr_int(const struct jr_doc *d, jr_ref v);
/* An integer or real's value as a double; 0 otherwise. */
double jr_number(const struct jr_doc *d, jr_ref v);
/* 1 if v is true. */
int jr_true(const struct jr_doc *d, jr_ref v);
/*
 * The decimal text of integer v into out[outlen] (NUL-terminated): 0, or
 * -1 if v is no integer or the text does not fit.
 */
int jr_int_text(const struct jr_doc *d, jr_ref v, char *out, size_t outlen);

#endif /* ADAPTERS_JREAD_H */
