/*
 * telegram.h -- the Telegram Bot API as a towerbot adapter: webhook updates
 * in (checked with the X-Telegram-Bot-Api-Secret-Token header), sendMessage
 * out.  Wire formats and test vectors: shared/platforms/telegram.md.
 *
 * Pure like every adapter: no I/O, no clock, no logging.  The helpers below
 * are exported only so the tests can reach them.
 */
#ifndef ADAPTERS_TELEGRAM_H
#define ADAPTERS_TELEGRAM_H

#include <stddef.h>

#include "adapters/adapter.h"

/* platform "telegram"; config keys token, secret_token, api_base, username */
extern const struct adapter_ops adapter_telegram;

/*
 * 1 if s is a valid webhook secret_token (1-256 characters, each of
 * A-Z a-z 0-9 _ -), else 0.  NULL is invalid.
 */
int telegram_secret_valid(const char *s);

/*
 * Byte offset into the UTF-8 string s[0..len) of the position u16 counted
 * in UTF-16 code units (Telegram's MessageEntity offsets).  Returns 0 with
 * *off set, or -1 if u16 lies past the end or inside a surrogate pair.
 */
int telegram_utf16_offset(const char *s, size_t len, size_t u16, size_t *off);

#endif /* ADAPTERS_TELEGRAM_H */
