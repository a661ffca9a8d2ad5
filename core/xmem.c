/*
 * xmem.c -- allocators that abort on out of memory, and bounded copies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmem.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		abort();
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		abort();
	return (p);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	if ((p = realloc(ptr, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		abort();
	return (p);
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		abort();
	return (p);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) == -1)
		abort();
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return (p);
}

size_t
xmemlcpy_utf8(char *dst, const char *src, size_t srclen, size_t dstlen)
{
	size_t n;

	if (dstlen == 0)
		return (0);
	n = srclen < dstlen - 1 ? srclen : dstlen - 1;
	/* Back off over continuation bytes so no character is cut in half. */
	if (n < srclen)
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (n);
}

size_t
xstrlcpy_utf8(char *dst, const char *src, size_t dstlen)
{
	return (xmemlcpy_utf8(dst, src, strlen(src), dstlen));
}
