/*
 * slack.h -- Slack as a towerbot adapter: Events API callbacks and slash
 * commands in (both signed with the v0 signing-secret scheme), Web API
 * chat.postMessage out (or a slash command's response_url).  Wire formats
 * and test vectors: shared/platforms/slack.md.
 *
 * Config keys: signing_secret and bot_token (xoxb-...) required;
 * bot_user_id (the bot's U... id, used to recognise and strip its
 * <@U...> mention) and api_base (default https://slack.com/api) optional.
 * Without bot_user_id the bot is the authorizations[] entry marked is_bot
 * in the event envelope, else a <@U...> mention at the very start of the
 * text.
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helper below
 * is exported only so the tests can reach it.
 */
#ifndef ADAPTERS_SLACK_H
#define ADAPTERS_SLACK_H

#include <stddef.h>

#include "adapters/adapter.h"

/* platform "slack" */
extern const struct adapter_ops adapter_slack;

/*
 * Slack's message escaping of s: '&', '<' and '>' become "&amp;", "&lt;"
 * and "&gt;", nothing else changes.  Caller frees the result.
 */
char *slack_escape(const char *s);

#endif /* ADAPTERS_SLACK_H */
