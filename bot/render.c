/*
 * render.c -- params JSON to catalogue arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bot/render.h"
#include "core/xmem.h"

#define RENDER_ARGS_MAX  32
#define RENDER_ITEMS_MAX 50
#define RENDER_VAL_MAX   512
#define RENDER_ITEMS_LEN 8192

struct render_args {
	struct catalog_arg a[RENDER_ARGS_MAX];
	char val[RENDER_ARGS_MAX][RENDER_VAL_MAX];
	size_t n;
};

static void render_collect(enum catalog_lang, const json_t *,
    struct render_args *);

static int
render_is_time_key(const char *k)
{
	size_t n = strlen(k);

	return (n > 3 && strcmp(k + n - 3, "_at") == 0);
}

static void
render_value(enum catalog_lang lang, const char *k, const json_t *v, char *out,
    size_t outlen)
{
	long long t;
	time_t tt;
	struct tm tm;

	if (json_is_string(v)) {
		if (render_is_time_key(k) && json_string_length(v) > 0) {
			t = strtoll(json_string_value(v), NULL, 10);
			goto timefmt;
		}
		xstrlcpy_utf8(out, json_string_value(v), outlen);
	} else if (json_is_integer(v)) {
		if (render_is_time_key(k)) {
			t = json_integer_value(v);
			goto timefmt;
		}
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(out, outlen, "%g", json_real_value(v));
	} else if (json_is_true(v)) {
		snprintf(out, outlen, "1");
	} else if (json_is_false(v)) {
		snprintf(out, outlen, "0");
	} else
		out[0] = '\0';
	return;
timefmt:
	if (t <= 0) {
		out[0] = '\0';
		return;
	}
	/* The zone's offset at that moment (main.c set TZ). */
	tt = (time_t)t;
	localtime_r(&tt, &tm);
	catalog_time(lang, t, tm.tm_gmtoff, out, outlen);
}

static void
render_collect(enum catalog_lang lang, const json_t *obj,
    struct render_args *ra)
{
	const char *k;
	json_t *v;

	ra->n = 0;
	if (!json_is_object(obj))
		return;
	json_object_foreach((json_t *)obj, k, v)
	{
		if (ra->n == RENDER_ARGS_MAX)
			break;
		if (json_is_array(v) || json_is_object(v))
			continue;
		render_value(lang, k, v, ra->val[ra->n], RENDER_VAL_MAX);
		ra->a[ra->n].k = k;
		ra->a[ra->n].v = ra->val[ra->n];
		ra->n++;
	}
}

size_t
render_reply(enum catalog_lang lang, const char *key, const char *params,
    char *out, size_t outlen)
{
	struct render_args *ra, *ia;
	json_t *root = NULL, *items;
	char *lines = NULL, itemkey[96];
	size_t len = 0, i, n;

	ra = xcalloc(1, sizeof(*ra));
	if (params != NULL && *params != '\0')
		root = json_loads(params, 0, NULL);
	render_collect(lang, root, ra);
	items = root != NULL ? json_object_get(root, "items") : NULL;
	if (json_is_array(items) && ra->n < RENDER_ARGS_MAX) {
		ia = xcalloc(1, sizeof(*ia));
		lines = xcalloc(1, RENDER_ITEMS_LEN);
		snprintf(itemkey, sizeof(itemkey), "%s.item", key);
		n = json_array_size(items);
		for (i = 0; i < n && i < RENDER_ITEMS_MAX; i++) {
			if (len > 0 && len + 1 < RENDER_ITEMS_LEN)
				lines[len++] = '\n';
			render_collect(lang, json_array_get(items, i), ia);
			len += catalog_render(lang, itemkey, ia->a, ia->n,
			    lines + len, RENDER_ITEMS_LEN - len);
		}
		ra->a[ra->n].k = "items";
		ra->a[ra->n].v = lines;
		ra->n++;
		free(ia);
	}
	len = catalog_render(lang, key, ra->a, ra->n, out, outlen);
	free(lines);
	json_decref(root);
	free(ra);
	return (len);
}
