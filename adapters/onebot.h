/*
 * onebot.h -- OneBot v11 (QQ through go-cqhttp, NapCat, Lagrange...) as a
 * towerbot adapter: HTTP POST event reports in (signed with X-Signature,
 * HMAC-SHA1 of the raw body), the implementation's HTTP API out
 * (send_group_msg / send_private_msg).  Wire formats and test vectors:
 * shared/platforms/onebot.md.
 *
 * Config keys: api_base (required: the implementation's HTTP API, there
 * is no public one), secret (the reports' HMAC key), access_token (sent
 * as "Authorization: Bearer" on API calls), self_id (the bot's QQ number;
 * default: each event's self_id).  Inbound is accepted only when it is
 * authenticated: with secret, by X-Signature; without secret but with
 * access_token, by "Authorization: Bearer <access_token>" (or the
 * access_token query parameter), which some implementations send on
 * reports; with neither, never (a send-only identity).
 *
 * Chat ids: a group is its group number ("123456789"), a private chat
 * "private:<user number>", so format knows which API to call.
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helpers below
 * are exported only so the tests can reach them.
 */
#ifndef ADAPTERS_ONEBOT_H
#define ADAPTERS_ONEBOT_H

#include <stddef.h>

#include "adapters/adapter.h"

/* platform "onebot" */
extern const struct adapter_ops adapter_onebot;

/*
 * 1 if sig is "sha1=" followed by the hex HMAC-SHA1 of body[0..len) keyed
 * with secret[0..secretlen), compared in constant time; else 0.  This is
 * the whole of the X-Signature check.
 */
int onebot_sig_ok(const char *secret, size_t secretlen, const char *body,
    size_t len, const char *sig);

/*
 * CQ-code escaping of s (onebot.md section 1): '&', '[' and ']' always,
 * ',' too when param is 1 (a value inside a CQ code).  Caller frees.
 */
char *onebot_cq_escape(const char *s, int param);

#endif /* ADAPTERS_ONEBOT_H */
