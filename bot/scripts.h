/*
 * scripts.h -- the Redis Lua scripts compiled into the binary.
 *
 * Each bot/scripts/NAME.lua becomes script_NAME (NUL-terminated) and
 * script_NAME_len, generated at build time by cmake/embed_lua.cmake.  The
 * contract of each script is in bot/scripts/README.md.
 */
#ifndef BOT_SCRIPTS_H
#define BOT_SCRIPTS_H

#include <stddef.h>

extern const char script_towerbot[];
extern const size_t script_towerbot_len;
extern const char script_tower[];
extern const size_t script_tower_len;

#endif /* BOT_SCRIPTS_H */
