/*
 * console.h -- a terminal as a towerbot adapter, for demos and trying the
 * bot out (SPEC section 7).  Inbound, each body is one line
 * "CHAT USER: TEXT"; outbound, the request has no URL and its body is the
 * text to print ("[CHAT] text\n"), which bot/ writes to stdout.
 *
 * Pure like every adapter: no I/O, no clock, no logging.
 */
#ifndef ADAPTERS_CONSOLE_H
#define ADAPTERS_CONSOLE_H

#include "adapters/adapter.h"

/* platform "console"; no config keys besides an ignored api_base */
extern const struct adapter_ops adapter_console;

#endif /* ADAPTERS_CONSOLE_H */
