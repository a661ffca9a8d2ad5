/*
 * scripts.h -- the Redis Lua code compiled into the binary.
 *
 * script_library is the one Redis Functions library "towerbot" (load it
 * with FUNCTION LOAD REPLACE, call it with FCALL tb_event / FCALL tb_tower):
 * the line "#!lua name=towerbot" followed by bot/scripts/lib.lua,
 * towerbot.lua and tower.lua concatenated in that order, generated at
 * build time by cmake/embed_lua.cmake.  The contracts are in
 * bot/scripts/README.md.
 */
#ifndef BOT_SCRIPTS_H
#define BOT_SCRIPTS_H

#include <stddef.h>

extern const char script_library[];
extern const size_t script_library_len;

#endif /* BOT_SCRIPTS_H */
