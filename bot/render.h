/*
 * render.h -- a queued reply (message key + params JSON, as towerbot.lua
 * writes it) to the text a member reads, in the configured language.
 *
 * The words come from core/catalog.c; this module does what core may not:
 * decode the JSON and show "_at" params (unix seconds) as local time.
 */
#ifndef BOT_RENDER_H
#define BOT_RENDER_H

#include <stddef.h>

#include "core/catalog.h"

/*
 * Render key with params (a JSON object, or NULL) into out[outlen].  A
 * param "items" (array of objects) is rendered line by line with the key
 * "<key>.item" and passed to the template as {items}.  Returns the length
 * written; bad JSON renders the key without params (never fails).
 */
size_t render_reply(enum catalog_lang, const char *key, const char *params,
    char *out, size_t outlen);

#endif /* BOT_RENDER_H */
