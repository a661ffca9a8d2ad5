/*
 * xmem.h -- allocators that never return NULL.
 *
 * Out of memory is not an error towerbot can recover from, so these abort()
 * instead of returning NULL (tmux xmalloc.c, Redis zmalloc.c).  Callers do
 * not check the result.  Anything sized by outside input must be bounded
 * before it reaches these.  No I/O beyond abort().
 */
#ifndef CORE_XMEM_H
#define CORE_XMEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* Caller owns the result; free() it. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/*
 * Copy src into dst[dstlen], always NUL-terminated, cutting at a UTF-8
 * character boundary if it does not fit.  Returns the bytes copied.
 */
size_t xstrlcpy_utf8(char *dst, const char *src, size_t dstlen);
/* As above, but copies at most srclen bytes of src (need not be NUL-ended). */
size_t xmemlcpy_utf8(char *dst, const char *src, size_t srclen, size_t dstlen);

#endif /* CORE_XMEM_H */
