/*
 * adapter.c -- the list of compiled-in platforms and small shared helpers.
 * Adding a platform: its .c file, one line in adapters[] below, one line in
 * CMakeLists.txt.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/adapter.h"
/* One header per platform, each declaring its adapter_<platform> ops. */
#include "adapters/console.h"
#include "adapters/dingtalk.h"
#include "adapters/feishu.h"
#include "adapters/onebot.h"
#include "adapters/slack.h"
#include "adapters/telegram.h"
#include "adapters/wecom.h"
#include "core/xmem.h"

static const char *adapter_hdr_find(const char *const *, const char *);
static int adapter_hexval(int);
static int adapter_form_decode(const char *, size_t, char *, size_t);
static size_t adapter_extra_len(const char *, size_t, int, const char *const *);
static int adapter_conf_check(const json_t *, const char *const *,
    const char **, char *, size_t);

static const struct adapter_ops *const adapters[] = {
	&adapter_console,
	&adapter_dingtalk,
	&adapter_feishu,
	&adapter_onebot,
	&adapter_slack,
	&adapter_telegram,
	&adapter_wecom,
	NULL,
};

const struct adapter_ops *
adapter_ops_lookup(const char *platform)
{
	size_t i;

	for (i = 0; adapters[i] != NULL; i++)
		if (strcmp(adapters[i]->platform, platform) == 0)
			return (adapters[i]);
	return (NULL);
}

const struct adapter_ops *const *
adapter_ops_all(void)
{
	return (adapters);
}

const char *
adapter_rc_str(enum adapter_rc rc)
{
	switch (rc) {
	case ADAPTER_OK:
		return ("ok");
	case ADAPTER_SKIP:
		return ("skip");
	case ADAPTER_REPLY:
		return ("reply");
	case ADAPTER_EAUTH:
		return ("auth");
	case ADAPTER_EPARSE:
		return ("parse");
	}
	return ("unknown");
}

const char *
send_rc_str(enum send_rc rc)
{
	switch (rc) {
	case SEND_OK:
		return ("sent");
	case SEND_RETRY:
		return ("retry");
	case SEND_FAIL:
		return ("fail");
	case SEND_AUTH:
		return ("auth");
	}
	return ("unknown");
}

static const char *
adapter_hdr_find(const char *const *hdr, const char *name)
{
	size_t i;

	if (hdr == NULL)
		return (NULL);
	for (i = 0; hdr[i] != NULL && hdr[i + 1] != NULL; i += 2)
		if (strcasecmp(hdr[i], name) == 0)
			return (hdr[i + 1]);
	return (NULL);
}

const char *
webhook_header(const struct webhook *wh, const char *name)
{
	return (adapter_hdr_find(wh->hdr, name));
}

const char *
httpresp_header(const struct httpresp *r, const char *name)
{
	return (adapter_hdr_find(r->hdr, name));
}

static int
adapter_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Percent-decode src[0..len) ('+' is a space) into out; 0 if it fit. */
static int
adapter_form_decode(const char *src, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len &&
			 (hi = adapter_hexval(src[i + 1])) >= 0 &&
			 (lo = adapter_hexval(src[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = c;
	}
	if (outlen == 0)
		return (-1);
	out[o] = '\0';
	return (0);
}

int
adapter_form_get(const char *form, size_t len, const char *key, char *out,
    size_t outlen)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		size_t end = i, eq;

		while (end < len && form[end] != '&')
			end++;
		for (eq = i; eq < end && form[eq] != '='; eq++)
			;
		if (eq - i == klen && memcmp(form + i, key, klen) == 0) {
			if (eq == end)
				return (adapter_form_decode("", 0, out,
					    outlen) == 0);
			return (adapter_form_decode(form + eq + 1, end - eq - 1,
				    out, outlen) == 0);
		}
		i = end + 1;
	}
	return (0);
}

char *
adapter_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), o = 0, i;
	char *out = xmalloc(3 * n + 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return (out);
}

void
httpreq_clear(struct httpreq *req)
{
	size_t i;

	free(req->url);
	free(req->body);
	free(req->log_url);
	for (i = 0; i < sizeof(req->hdr) / sizeof(req->hdr[0]); i++)
		free(req->hdr[i]);
	memset(req, 0, sizeof(*req));
}

int64_t
adapter_retry_after_ms(const char *value)
{
	char *end;
	long long s;

	if (value == NULL)
		return (-1);
	while (isspace((unsigned char)*value))
		value++;
	if (!isdigit((unsigned char)*value))
		return (-1);
	s = strtoll(value, &end, 10);
	if (s < 0 || s > 86400)
		return (-1);
	return ((int64_t)s * 1000);
}

int64_t
adapter_resp_retry_after_ms(const struct httpresp *r)
{
	return (adapter_retry_after_ms(
	    r->retry_after != NULL ? r->retry_after
				   : httpresp_header(r, "Retry-After")));
}

char *
adapter_json_dump(json_t *root)
{
	char *s;

	if (root == NULL)
		return (NULL);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return (s);
}

void
adapter_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* The key check of both below; vals NULL: names only, any value type. */
static int
adapter_conf_check(const json_t *conf, const char *const *keys,
    const char **vals, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)conf, key, v)
	{
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			;
		if (keys[i] == NULL) {
			snprintf(err, errlen, "%s: unknown key", key);
			return (-1);
		}
		if (vals == NULL)
			continue;
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: expected a string", key);
			return (-1);
		}
		vals[i] = json_string_value(v);
	}
	return (0);
}

int
adapter_conf_known(const json_t *conf, const char *const *keys, char *err,
    size_t errlen)
{
	return (adapter_conf_check(conf, keys, NULL, err, errlen));
}

int
adapter_conf_strs(const json_t *conf, const char *const *keys,
    const char **vals, char *err, size_t errlen)
{
	return (adapter_conf_check(conf, keys, vals, err, errlen));
}

int
adapter_conf_str(const json_t *conf, const char *key, int required, char **out,
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(conf, key);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return (0);
		snprintf(err, errlen, "%s: missing", key);
		return (-1);
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: expected a string", key);
		return (-1);
	}
	if (json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "%s: must be a non-empty string", key);
		return (-1);
	}
	*out = xstrdup(json_string_value(v));
	return (0);
}

int
adapter_digits(const char *s, size_t max, int64_t *out)
{
	size_t n;

	if (s == NULL)
		return (-1);
	n = strspn(s, "0123456789");
	if (n == 0 || n > max || s[n] != '\0')
		return (-1);
	*out = strtoll(s, NULL, 10);
	return (0);
}

char *
adapter_url_base(const char *s)
{
	size_t n = strlen(s);

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return (NULL);
	if (strpbrk(s, "?# \t\r\n") != NULL)
		return (NULL);
	while (n > 0 && s[n - 1] == '/')
		n--;
	return (xstrndup(s, n));
}

void
adapter_buf_add(struct adapter_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * Length of the sequence of extra that p[0..room) starts with (ends with,
 * if tail), or 0.
 */
static size_t
adapter_extra_len(const char *p, size_t room, int tail,
    const char *const *extra)
{
	size_t k, n;

	for (k = 0; extra[k] != NULL; k++) {
		n = strlen(extra[k]);
		if (room >= n &&
		    memcmp(tail ? p + room - n : p, extra[k], n) == 0)
			return (n);
	}
	return (0);
}

void
adapter_trim_span(const char *s, size_t len, const char *const *extra,
    size_t *start, size_t *end)
{
	size_t a = 0, z = len, n;

	for (;;) {
		if (a < z && strchr(" \t\r\n", s[a]) != NULL && s[a] != '\0')
			a++;
		else if ((n = adapter_extra_len(s + a, z - a, 0, extra)) > 0)
			a += n;
		else
			break;
	}
	for (;;) {
		if (z > a && strchr(" \t\r\n", s[z - 1]) != NULL &&
		    s[z - 1] != '\0')
			z--;
		else if ((n = adapter_extra_len(s + a, z - a, 1, extra)) > 0)
			z -= n;
		else
			break;
	}
	*start = a;
	*end = z;
}

int
adapter_token_due(int64_t exp, int64_t life, int64_t now, int64_t min_s,
    int64_t div)
{
	int64_t margin = life / div;

	if (margin < min_s)
		margin = min_s;
	return (exp - now < margin);
}
