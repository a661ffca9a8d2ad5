/*
 * dingtalk.h -- DingTalk as a towerbot adapter: the enterprise-internal
 * robot's HTTP-mode callback in (headers timestamp + sign), and out through
 * a custom robot webhook (加签), the callback's sessionWebhook, or the robot
 * OpenAPI groupMessages/send.  Wire formats and test vectors:
 * shared/platforms/dingtalk.md.
 *
 * Config keys: app_key, app_secret (required; app_secret checks inbound
 * and, with app_key, fetches the OpenAPI access token); robot_code (the
 * robot's code, needed for OpenAPI group sends: without it no token is
 * fetched and only robot/session webhooks can send); api_base (default
 * https://api.dingtalk.com); oapi_base (default https://oapi.dingtalk.com,
 * custom robot and sessionWebhook host); replay_window_s (1..3600, default
 * 3600: the age a signed request may have).
 *
 * Replay guard.  DingTalk's sign covers only the timestamp header, not the
 * body, so a captured (timestamp, sign) pair is a bearer credential for
 * replay_window_s.  What a pure adapter can do:
 *   1. verify rejects |now - timestamp| > replay_window_s (DingTalk: 1 h);
 *   2. verify also rejects a body whose createAt (ms) lies more than
 *      replay_window_s from the header timestamp, or that has none, so an
 *      old message cannot be re-sent under a fresh header;
 *   3. parse sets event_id to msgId, and bot/ remembers event ids for 24 h
 *      (dedup:<adapter>:<id>), longer than any accepted window, so the same
 *      body replayed is dropped;
 *   4. parse keeps sessionWebhook only if it points at
 *      <oapi_base>/robot/sendBySession? (or the public oapi host), so a
 *      forged body cannot make bot/ POST replies to an arbitrary URL.
 * Residual risk: whoever holds a fresh (timestamp, sign) pair (it leaks
 * through TLS interception or logged headers, never from the body) can
 * forge new bodies with a new msgId and a matching createAt until the
 * window closes: they can speak as any member in any group of the corp.
 * A smaller replay_window_s narrows that; DingTalk's optional body
 * encryption or Stream mode would close it.
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helper below
 * is exported only so the tests can reach it.
 */
#ifndef ADAPTERS_DINGTALK_H
#define ADAPTERS_DINGTALK_H

#include <stddef.h>

#include "adapters/adapter.h"

#define DINGTALK_SIGN_LEN 45 /* Base64 of HMAC-SHA256, NUL included */

/* platform "dingtalk" */
extern const struct adapter_ops adapter_dingtalk;

/*
 * DingTalk's sign: Base64(HMAC-SHA256(secret, ts_ms + "\n" + secret)) into
 * out[DINGTALK_SIGN_LEN], plain (not URL-encoded).  0, or -1.
 */
int dingtalk_sign(const char *secret, const char *ts_ms, char *out);

#endif /* ADAPTERS_DINGTALK_H */
