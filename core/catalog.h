/*
 * catalog.h -- the text of every reply, in Chinese and English.
 *
 * The store script queues a message key and its params (the contract is
 * the "Message keys" table of bot/scripts/README.md); the sender renders
 * them here in the configured language just before sending.  Pure: no
 * I/O, no clock, no allocation, output into the caller's buffer.
 *
 * Templates are plain UTF-8 with these placeholders:
 *   {k}        the value of param k ("" if it was not passed);
 *   {k:t}      an enumerated value translated: remind→提醒, owner→负责人,
 *              signed→已报名 ... in zh; humanised in en (signed→signed up);
 *              values it does not know pass through unchanged;
 *   {k:+}      a signed number with an explicit '+' when positive;
 *   {k:cmd}    a command name (script op: "signup") as users type it in
 *              the language: 报名, /发起活动, /signup;
 *   {k:dur}    seconds ("75"; a fraction rounds up) as a duration:
 *              "1 分 15 秒", "1 min 15 s"; from an hour on in whole
 *              minutes, rounded up ("1 小时 5 分钟", "1 h 5 min");
 *              anything not a plain number passes through unchanged;
 *   {?k|text}  text (which may itself hold placeholders) only when k is
 *              given, non-empty and not "0": "{?place| at {place}}";
 *   {!k|text}  text only when k is absent, empty or "0":
 *              "{?cap|{cap}}{!cap|unlimited}".
 * Values are inserted verbatim and never re-read as templates.
 *
 * Conventions with the caller (bot/):
 *  - params ending in "_at" are unix seconds; format them first with
 *    catalog_time() and pass the text;
 *  - a param "items" (an array of objects) is rendered element by element
 *    with the key "<key>.item", and the lines, joined with "\n", are
 *    passed as the param "items" of "<key>";
 *  - "help" (params rank, cmd) and "usage" (param cmd) are built from the
 *    command table of core/command.h.
 */
#ifndef CORE_CATALOG_H
#define CORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

enum catalog_lang {
	CATALOG_ZH = 0, /* the default */
	CATALOG_EN,
};

/* One param; borrowed for the call.  NULL k or v is skipped / "". */
struct catalog_arg {
	const char *k;
	const char *v;
};

/*
 * Render key in lang with args into out[outlen].  Always NUL-terminates
 * (when outlen > 0), cuts at a UTF-8 character boundary when out is too
 * small, and returns the bytes written (without the NUL).  An unknown key
 * renders as the key itself, so a missing template shows instead of
 * crashing.
 */
size_t catalog_render(enum catalog_lang, const char *key,
    const struct catalog_arg *args, size_t nargs, char *out, size_t outlen);

/* 1 if key has a template (help and usage included), else 0. */
int catalog_has(const char *key);

/* The keys with a template, for tests: key i (NULL past the end). */
const char *catalog_key(size_t i);
size_t catalog_nkeys(void);

/*
 * Format unix seconds t as local time in a zone utcoff_s seconds east of
 * UTC: "2024-11-30（周六）18:00" in zh, "Sat 2024-11-30 18:00" in en.
 * Same buffer rules as catalog_render; returns the bytes written.
 */
size_t catalog_time(enum catalog_lang, int64_t t, long utcoff_s, char *out,
    size_t outlen);

#endif /* CORE_CATALOG_H */
