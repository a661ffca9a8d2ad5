/*
 * towerctl.c -- the operator's client for the daemon's admin API.
 *
 *	towerctl -c FILE [--json] import CSV
 *	towerctl -c FILE [--json] broadcast PATH [--urgent] [--level N]
 *	    [--tag T] [--purpose P] TEXT...
 *	towerctl -c FILE [--json] report ID
 *	towerctl -c FILE [--json] move FROM TO
 *
 * It reads the daemon's own config file (config_load(), so "env:" values
 * need the daemon's environment) for "listen" and "admin_token", and talks
 * HTTP/1.1 to http://<listen>/api/v1/... with "Authorization: Bearer
 * <admin_token>" (a listen host of 0.0.0.0 or [::] is reached on the
 * loopback).  Blocking libcurl easy: this is a command, not the daemon.
 * --json prints the daemon's JSON answer verbatim (errors too) instead of
 * the text below.  Exit status: 0 done; 1 the daemon refused (4xx, 5xx,
 * an import with errors); 2 usage, config or transport trouble.
 *
 * The API, which bot/ serves (every answer is a JSON object, UTF-8):
 *
 *   Any route: 401 {"error": "..."} without the right bearer token (the
 *   admin API is off, 404, when the config has no admin_token); any other
 *   refusal is 4xx {"error": "..."}; 503 {"error": ...} while Redis is down.
 *
 *   POST /api/v1/import              Content-Type: text/csv
 *     body: the import file of core/tower.h (up to TOWER_CSV_FILE_MAX,
 *     64 MiB: the daemon's 1 MiB webhook body cap must not apply here; the
 *     reference city is about 3 MB)
 *     200 {"added": 37075, "changed": 0, "unchanged": 0}
 *     400 {"error": "import rejected: 2 errors",
 *          "errors": [{"line": 7, "message": "purpose: must be members or
 *          council"}, ...]}		(tower_csv_parse() verbatim; nothing
 *					 was imported)
 *
 *   POST /api/v1/broadcasts          Content-Type: application/json
 *     body: {"path": "city/v001", "text": "...", "urgent": true,
 *            "level": 2, "tag": "volunteer", "purpose": "members"}
 *     (path, text required; urgent defaults to false; level, tag and
 *     purpose are left out when not filtering)
 *     200 {"id": 42, "chats": 37074, "eta_s": 1259.5, "deadline_s": 180,
 *          "ontime": false, "late": 31750,
 *          "missing": [{"platform": "telegram", "more": 6}]}
 *     (core/broadcast.h; "missing" is [] when nothing is missing)
 *     422 {"error": "no chat matched"} (no such node, or no chat in it
 *     passes the filters)
 *
 *   GET /api/v1/broadcasts/{id}
 *     200 {"id": 42, "text": "...", "created": 1795900000 (unix seconds),
 *          "levels": [{"level": 0, "targeted": 1, "delivered": 1,
 *          "failed": 0, "pending": 0, "p50_s": 0.4, "p95_s": 0.4,
 *          "max_s": 0.4, "ack_chats": 1, "ack_members": 3}, ...]}
 *     (p50_s, p95_s, max_s are null while nothing was delivered at that
 *     level)
 *     404 {"error": "no such broadcast"}
 *
 *   POST /api/v1/nodes/move          Content-Type: application/json
 *     body: {"from": "city/v001", "to": "city/v200"}
 *     200 {"nodes": 24, "chats": 24}
 *     409 {"error": "cannot move: the target exists or lies inside the
 *     source"}
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "config/config.h"
#include "core/tower.h"
#include "core/xmem.h"

#define CTL_ANSWER_MAX   (16 << 20) /* bytes of a daemon answer */
#define CTL_CONNECT_S    10
#define CTL_TIMEOUT_S    600 /* a city import takes a while */
#define CTL_EXIT_OK      0
#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_TROUBLE 2

/* One conversation with the daemon. */
struct ctl {
	char *base;  /* "http://127.0.0.1:8080" */
	char *token; /* owned copy of admin_token */
	int json;    /* --json */
	const char *cfgpath;
};

/* The answer of one request. */
struct ctl_answer {
	long status;
	char *body; /* NUL-terminated, owned */
	size_t len;
	int toolong;
	json_t *root; /* the parsed body, or NULL */
};

static void ctl_usage(void) __attribute__((noreturn));
static char *ctl_base(const char *);
static size_t ctl_write(char *, size_t, size_t, void *);
static int ctl_request(struct ctl *, const char *, const char *, const char *,
    const char *, size_t, struct ctl_answer *);
static void ctl_answer_clear(struct ctl_answer *);
static int ctl_refused(struct ctl *, const struct ctl_answer *);
static int ctl_verbatim(const struct ctl_answer *);
static int ctl_json_out(const struct ctl *, struct ctl_answer *, int *);
static int ctl_call(struct ctl *, const char *, const char *, const char *,
    const char *, size_t, struct ctl_answer *, int *);
static long long ctl_int(const json_t *, const char *);
static void ctl_seconds(char *, size_t, const json_t *, const char *);
static int ctl_import(struct ctl *, int, char **);
static int ctl_broadcast(struct ctl *, int, char **);
static int ctl_report(struct ctl *, int, char **);
static int ctl_move(struct ctl *, int, char **);

static void
ctl_usage(void)
{
	fprintf(stderr,
	    "usage: towerctl -c FILE [--json] import CSV\n"
	    "       towerctl -c FILE [--json] broadcast PATH [--urgent] "
	    "[--level N] [--tag T]\n"
	    "           [--purpose members|council] TEXT...\n"
	    "       towerctl -c FILE [--json] report ID\n"
	    "       towerctl -c FILE [--json] move FROM TO\n");
	exit(CTL_EXIT_TROUBLE);
}

/*
 * "http://host:port" for a listen address; the wildcard hosts are reached
 * on the loopback.
 */
static char *
ctl_base(const char *listen)
{
	const char *colon = strrchr(listen, ':');
	size_t hostlen = colon != NULL ? (size_t)(colon - listen) : 0;

	if (colon != NULL && hostlen == 7 && strncmp(listen, "0.0.0.0", 7) == 0)
		return (xasprintf("http://127.0.0.1%s", colon));
	if (colon != NULL && hostlen == 4 && strncmp(listen, "[::]", 4) == 0)
		return (xasprintf("http://[::1]%s", colon));
	if (colon != NULL && hostlen == 1 && *listen == '*')
		return (xasprintf("http://127.0.0.1%s", colon));
	return (xasprintf("http://%s", listen));
}

static size_t
ctl_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ctl_answer *a = arg;
	size_t n = size * nmemb;

	if (a->len + n > CTL_ANSWER_MAX) {
		a->toolong = 1;
		return (0); /* aborts the transfer */
	}
	a->body = xreallocarray(a->body, a->len + n + 1, 1);
	memcpy(a->body + a->len, data, n);
	a->len += n;
	a->body[a->len] = '\0';
	return (n);
}

/*
 * One request: method "GET" or "POST" (with body[0..len) of type ctype).
 * Returns 0 with *a filled (any HTTP status), or -1 after printing why the
 * daemon could not be asked (*a then holds nothing to clear).
 */
static int
ctl_request(struct ctl *c, const char *method, const char *route,
    const char *ctype, const char *body, size_t len, struct ctl_answer *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *h;
	CURL *curl;
	CURLcode rc;
	char *url, *auth, *ct = NULL;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->body = xstrdup("");
	url = xasprintf("%s%s", c->base, route);
	auth = xasprintf("Authorization: Bearer %s", c->token);
	if ((curl = curl_easy_init()) == NULL) {
		fprintf(stderr, "towerctl: curl_easy_init failed\n");
		goto done;
	}
	if ((h = curl_slist_append(hdrs, auth)) == NULL)
		goto nomem;
	hdrs = h;
	if ((h = curl_slist_append(hdrs, "Accept: application/json")) == NULL)
		goto nomem;
	hdrs = h;
	if (ctype != NULL) {
		ct = xasprintf("Content-Type: %s", ctype);
		if ((h = curl_slist_append(hdrs, ct)) == NULL)
			goto nomem;
		hdrs = h;
		/* no "Expect: 100-continue" round trip for big imports */
		if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
			goto nomem;
		hdrs = h;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)CTL_CONNECT_S);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)CTL_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ctl_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "towerctl/" TOWERBOT_VERSION);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		if (a->toolong)
			fprintf(stderr,
			    "towerctl: the daemon's answer is over %d MiB\n",
			    CTL_ANSWER_MAX >> 20);
		else
			fprintf(stderr,
			    "towerctl: cannot reach the daemon at %s "
			    "(listen in %s): %s\n",
			    c->base, c->cfgpath,
			    *errbuf != '\0' ? errbuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
	a->root = json_loadb(a->body, a->len, 0, NULL);
	ret = 0;
	goto done;
nomem:
	fprintf(stderr, "towerctl: out of memory\n");
done:
	if (ret == -1)
		ctl_answer_clear(a);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	free(ct);
	free(url);
	return (ret);
}

static void
ctl_answer_clear(struct ctl_answer *a)
{
	json_decref(a->root);
	free(a->body);
	memset(a, 0, sizeof(*a));
}

/* --json: the answer verbatim, and the exit status it means; 1 if done. */
static int
ctl_json_out(const struct ctl *c, struct ctl_answer *a, int *rc)
{
	if (!c->json)
		return (0);
	ctl_verbatim(a);
	*rc = (a->status >= 200 && a->status < 300) ? CTL_EXIT_OK
						    : CTL_EXIT_REFUSED;
	ctl_answer_clear(a);
	return (1);
}

/*
 * If the answer is a refusal, say so and return the exit status;
 * otherwise 0.  With --json the body has been printed already.
 */
static int
ctl_refused(struct ctl *c, const struct ctl_answer *a)
{
	const char *err = NULL;
	const json_t *v;
	const char *nl;

	if (a->status >= 200 && a->status < 300 && json_is_object(a->root))
		return (0);
	if (json_is_object(a->root) &&
	    (v = json_object_get(a->root, "error")) != NULL &&
	    json_is_string(v))
		err = json_string_value(v);
	if (a->status == 401) {
		fprintf(stderr,
		    "towerctl: the daemon refused the admin token (401): "
		    "check admin_token in %s%s%s\n",
		    c->cfgpath, err != NULL ? ": " : "",
		    err != NULL ? err : "");
		return (CTL_EXIT_REFUSED);
	}
	if (a->status >= 200 && a->status < 300) {
		fprintf(stderr,
		    "towerctl: HTTP %ld but the answer is not a "
		    "JSON object\n",
		    a->status);
		return (CTL_EXIT_TROUBLE);
	}
	if (err != NULL) {
		fprintf(stderr, "towerctl: %s (HTTP %ld)\n", err, a->status);
		return (CTL_EXIT_REFUSED);
	}
	/* not our JSON: show the first line of whatever it is */
	nl = strchr(a->body, '\n');
	fprintf(stderr, "towerctl: HTTP %ld%s%.*s\n", a->status,
	    a->len > 0 ? ": " : "",
	    (int)(nl != NULL ? (size_t)(nl - a->body)
			     : (a->len > 200 ? 200 : a->len)),
	    a->body);
	return (CTL_EXIT_REFUSED);
}

/*
 * ctl_request(), then what every command does with the answer: the daemon
 * unreachable (said), --json (printed verbatim), a refusal (said).  1 when
 * the command is done, with *rc its exit status; 0 with *a an accepted
 * answer for the caller to show and release (ctl_answer_clear).
 */
static int
ctl_call(struct ctl *c, const char *method, const char *route,
    const char *ctype, const char *body, size_t len, struct ctl_answer *a,
    int *rc)
{
	if (ctl_request(c, method, route, ctype, body, len, a) == -1) {
		*rc = CTL_EXIT_TROUBLE;
		return (1);
	}
	if (ctl_json_out(c, a, rc))
		return (1);
	if ((*rc = ctl_refused(c, a)) != 0) {
		ctl_answer_clear(a);
		return (1);
	}
	return (0);
}

/* --json: the body as it came, newline-terminated. */
static int
ctl_verbatim(const struct ctl_answer *a)
{
	if (fwrite(a->body, 1, a->len, stdout) != a->len)
		return (-1);
	if (a->len > 0 && a->body[a->len - 1] != '\n')
		putchar('\n');
	return (0);
}

/* An integer member, or -1. */
static long long
ctl_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return ((long long)json_integer_value(v));
	if (json_is_real(v))
		return ((long long)json_real_value(v));
	return (-1);
}

/* A number of seconds member as "12.3", or "-" (null, missing). */
static void
ctl_seconds(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		snprintf(buf, len, "%.1f", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

static int
ctl_import(struct ctl *c, int argc, char **argv)
{
	struct ctl_answer a;
	struct stat st;
	const json_t *errs, *e;
	FILE *f;
	char *buf;
	size_t len, i;
	int rc;

	if (argc != 2)
		ctl_usage();
	if ((f = fopen(argv[1], "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		fprintf(stderr, "towerctl: %s: %s\n", argv[1], strerror(errno));
		if (f != NULL)
			fclose(f);
		return (CTL_EXIT_TROUBLE);
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > TOWER_CSV_FILE_MAX) {
		fprintf(stderr, "towerctl: %s: not a file of at most %zu MiB\n",
		    argv[1], TOWER_CSV_FILE_MAX >> 20);
		fclose(f);
		return (CTL_EXIT_TROUBLE);
	}
	buf = xmalloc((size_t)st.st_size + 1);
	len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		fprintf(stderr, "towerctl: %s: read error\n", argv[1]);
		fclose(f);
		free(buf);
		return (CTL_EXIT_TROUBLE);
	}
	fclose(f);
	rc = ctl_request(c, "POST", "/api/v1/import", "text/csv", buf, len, &a);
	free(buf);
	if (rc == -1)
		return (CTL_EXIT_TROUBLE);
	if (ctl_json_out(c, &a, &rc))
		return (rc);
	if ((rc = ctl_refused(c, &a)) != 0) {
		errs = json_object_get(a.root, "errors");
		json_array_foreach(errs, i, e)
		{
			fprintf(stderr, "%s:%lld: %s\n", argv[1],
			    ctl_int(e, "line"),
			    json_is_string(json_object_get(e, "message"))
				? json_string_value(
				      json_object_get(e, "message"))
				: "?");
		}
		if (json_array_size(errs) > 0)
			fprintf(stderr, "towerctl: %s: nothing imported\n",
			    argv[1]);
		ctl_answer_clear(&a);
		return (rc);
	}
	printf("added %lld, changed %lld, unchanged %lld\n",
	    ctl_int(a.root, "added"), ctl_int(a.root, "changed"),
	    ctl_int(a.root, "unchanged"));
	ctl_answer_clear(&a);
	return (CTL_EXIT_OK);
}

static int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "urgent", no_argument, NULL, 'u' },
		{ "level", required_argument, NULL, 'l' },
		{ "tag", required_argument, NULL, 't' },
		{ "purpose", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_answer a;
	const json_t *missing, *m, *v;
	json_t *req;
	char *body, *text, *end, eta[32], deadline[32];
	const char *path, *tag = NULL, *purpose = NULL;
	long level = -1;
	size_t i, tlen;
	int ch, urgent = 0, rc, done;

	/* glibc: start afresh on the sub-argv; options may follow PATH, and
	 * "--" ends them (for a text that starts with "-") */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			urgent = 1;
			break;
		case 'l':
			errno = 0;
			level = strtol(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    level < 0 || level > 64) {
				fprintf(stderr,
				    "towerctl: --level: a number 0-64\n");
				return (CTL_EXIT_TROUBLE);
			}
			break;
		case 't':
			tag = optarg;
			break;
		case 'p':
			purpose = optarg;
			if (strcmp(purpose, "members") != 0 &&
			    strcmp(purpose, "council") != 0) {
				fprintf(stderr, "towerctl: --purpose: members "
						"or council\n");
				return (CTL_EXIT_TROUBLE);
			}
			break;
		default:
			ctl_usage();
		}
	}
	if (argc - optind < 2)
		ctl_usage();
	path = argv[optind++];
	if (!tower_path_valid(path)) {
		fprintf(stderr,
		    "towerctl: %s: not a node path (slugs of a-z, 0-9 and - "
		    "joined by /)\n",
		    path);
		return (CTL_EXIT_TROUBLE);
	}
	for (tlen = 0, i = optind; i < (size_t)argc; i++)
		tlen += strlen(argv[i]) + 1;
	text = xcalloc(1, tlen);
	for (i = optind; i < (size_t)argc; i++) {
		if (i > (size_t)optind)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	req = json_pack("{s:s, s:s, s:b}", "path", path, "text", text, "urgent",
	    urgent);
	free(text);
	if (req == NULL) {
		fprintf(stderr, "towerctl: the text is not UTF-8\n");
		return (CTL_EXIT_TROUBLE);
	}
	if ((level >= 0 &&
		json_object_set_new(req, "level", json_integer(level)) != 0) ||
	    (tag != NULL &&
		json_object_set_new(req, "tag", json_string(tag)) != 0) ||
	    (purpose != NULL && json_object_set_new(req, "purpose",
				    json_string(purpose)) != 0)) {
		json_decref(req);
		fprintf(stderr, "towerctl: --tag is not UTF-8\n");
		return (CTL_EXIT_TROUBLE);
	}
	if ((body = adapter_json_dump(req)) == NULL) {
		fprintf(stderr, "towerctl: out of memory\n");
		return (CTL_EXIT_TROUBLE);
	}
	done = ctl_call(c, "POST", "/api/v1/broadcasts", "application/json",
	    body, strlen(body), &a, &rc);
	free(body);
	if (done)
		return (rc);
	ctl_seconds(eta, sizeof(eta), a.root, "eta_s");
	v = json_object_get(a.root, "deadline_s");
	if (json_is_number(v))
		snprintf(deadline, sizeof(deadline), "%.0f",
		    json_number_value(v));
	else
		snprintf(deadline, sizeof(deadline), "?");
	printf("broadcast %lld: %lld chats, ETA %s s", ctl_int(a.root, "id"),
	    ctl_int(a.root, "chats"), eta);
	if (json_is_true(json_object_get(a.root, "ontime")))
		printf(", on time (deadline %s s)\n", deadline);
	else
		printf(", LATE: %lld chats after the deadline of %s s\n",
		    ctl_int(a.root, "late"), deadline);
	missing = json_object_get(a.root, "missing");
	if (json_array_size(missing) > 0) {
		printf("missing identities:");
		json_array_foreach(missing, i, m)
		{
			printf("%s %s +%lld", i > 0 ? "," : "",
			    json_is_string(json_object_get(m, "platform"))
				? json_string_value(
				      json_object_get(m, "platform"))
				: "?",
			    ctl_int(m, "more"));
		}
		printf("\n");
	}
	ctl_answer_clear(&a);
	return (CTL_EXIT_OK);
}

static int
ctl_report(struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "targeted", "delivered", "failed",
		"pending" };
	struct ctl_answer a;
	const json_t *levels, *l, *v;
	long long sum[6] = { 0 };
	char *route, p50[16], p95[16], max[16], when[64];
	struct tm tm;
	time_t t;
	size_t i, k;
	int rc, done;

	if (argc != 2)
		ctl_usage();
	if (argv[1][0] == '\0' ||
	    strspn(argv[1], "0123456789") != strlen(argv[1]) ||
	    strlen(argv[1]) > 19) {
		fprintf(stderr, "towerctl: %s: a broadcast id is a number\n",
		    argv[1]);
		return (CTL_EXIT_TROUBLE);
	}
	route = xasprintf("/api/v1/broadcasts/%s", argv[1]);
	done = ctl_call(c, "GET", route, NULL, NULL, 0, &a, &rc);
	free(route);
	if (done)
		return (rc);
	snprintf(when, sizeof(when), "?");
	v = json_object_get(a.root, "created");
	if (json_is_number(v)) {
		t = (time_t)json_number_value(v);
		if (localtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z",
			    &tm);
	}
	v = json_object_get(a.root, "text");
	printf("broadcast %lld, created %s\n%s\n\n", ctl_int(a.root, "id"),
	    when, json_is_string(v) ? json_string_value(v) : "");
	printf("%5s %9s %9s %7s %7s %7s %7s %7s %9s %11s\n", "level",
	    "targeted", "delivered", "failed", "pending", "p50 s", "p95 s",
	    "max s", "ack chats", "ack members");
	levels = json_object_get(a.root, "levels");
	json_array_foreach(levels, i, l)
	{
		ctl_seconds(p50, sizeof(p50), l, "p50_s");
		ctl_seconds(p95, sizeof(p95), l, "p95_s");
		ctl_seconds(max, sizeof(max), l, "max_s");
		printf("%5lld %9lld %9lld %7lld %7lld %7s %7s %7s %9lld "
		       "%11lld\n",
		    ctl_int(l, "level"), ctl_int(l, cols[0]),
		    ctl_int(l, cols[1]), ctl_int(l, cols[2]),
		    ctl_int(l, cols[3]), p50, p95, max, ctl_int(l, "ack_chats"),
		    ctl_int(l, "ack_members"));
		for (k = 0; k < 4; k++)
			if (ctl_int(l, cols[k]) > 0)
				sum[k] += ctl_int(l, cols[k]);
		if (ctl_int(l, "ack_chats") > 0)
			sum[4] += ctl_int(l, "ack_chats");
		if (ctl_int(l, "ack_members") > 0)
			sum[5] += ctl_int(l, "ack_members");
	}
	printf("%5s %9lld %9lld %7lld %7lld %7s %7s %7s %9lld %11lld\n", "all",
	    sum[0], sum[1], sum[2], sum[3], "", "", "", sum[4], sum[5]);
	ctl_answer_clear(&a);
	return (CTL_EXIT_OK);
}

static int
ctl_move(struct ctl *c, int argc, char **argv)
{
	struct ctl_answer a;
	char *body;
	int rc, i, done;

	if (argc != 3)
		ctl_usage();
	for (i = 1; i <= 2; i++) {
		if (!tower_path_valid(argv[i])) {
			fprintf(stderr,
			    "towerctl: %s: not a node path (slugs of a-z, 0-9 "
			    "and - joined by /)\n",
			    argv[i]);
			return (CTL_EXIT_TROUBLE);
		}
	}
	body = adapter_json_dump(
	    json_pack("{s:s, s:s}", "from", argv[1], "to", argv[2]));
	if (body == NULL) {
		fprintf(stderr, "towerctl: out of memory\n");
		return (CTL_EXIT_TROUBLE);
	}
	done = ctl_call(c, "POST", "/api/v1/nodes/move", "application/json",
	    body, strlen(body), &a, &rc);
	free(body);
	if (done)
		return (rc);
	printf("moved %s to %s: %lld nodes, %lld chats\n", argv[1], argv[2],
	    ctl_int(a.root, "nodes"), ctl_int(a.root, "chats"));
	ctl_answer_clear(&a);
	return (CTL_EXIT_OK);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		int (*fn)(struct ctl *, int, char **);
	} cmds[] = {
		{ "import", ctl_import },
		{ "broadcast", ctl_broadcast },
		{ "report", ctl_report },
		{ "move", ctl_move },
	};
	struct ctl c;
	struct config cfg;
	struct config_err err;
	size_t i;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "+c:j", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.cfgpath = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		default:
			ctl_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (c.cfgpath == NULL || argc < 1)
		ctl_usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		ctl_usage();

	if (config_load(c.cfgpath, &cfg, &err) == -1) {
		/* file errors name the file already, key errors do not */
		if (strncmp(err.text, c.cfgpath, strlen(c.cfgpath)) == 0)
			fprintf(stderr, "towerctl: %s\n", err.text);
		else
			fprintf(stderr, "towerctl: %s: %s\n", c.cfgpath,
			    err.text);
		return (CTL_EXIT_TROUBLE);
	}
	if (cfg.admin_token == NULL) {
		fprintf(stderr,
		    "towerctl: %s: no admin_token, so the daemon's admin API "
		    "is off\n",
		    c.cfgpath);
		config_clear(&cfg);
		return (CTL_EXIT_TROUBLE);
	}
	c.base = ctl_base(cfg.listen);
	c.token = xstrdup(cfg.admin_token);
	/* Times are shown in the daemon's zone, as its chat replies are. */
	setenv("TZ", cfg.timezone, 1);
	tzset();
	config_clear(&cfg);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "towerctl: curl_global_init failed\n");
		rc = CTL_EXIT_TROUBLE;
	} else {
		rc = cmds[i].fn(&c, argc, argv);
		curl_global_cleanup();
	}
	explicit_bzero(c.token, strlen(c.token));
	free(c.token);
	free(c.base);
	return (rc);
}
