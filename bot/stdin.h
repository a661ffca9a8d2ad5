/*
 * stdin.h -- the console adapter's input: lines "chat user: text" read
 * from standard input on the loop, each handled like a webhook.
 */
#ifndef BOT_STDIN_H
#define BOT_STDIN_H

#include "bot/botd.h"

struct stdin_reader;

/* Read stdin for the console adapter named adapter; NULL on failure. */
struct stdin_reader *stdin_reader_new(struct botd *, const char *adapter);
void stdin_reader_free(struct stdin_reader *);

#endif /* BOT_STDIN_H */
