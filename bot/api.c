/*
 * api.c -- /api/v1/: import, broadcasts, reports, node moves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "adapters/sig.h"
#include "bot/api.h"
#include "bot/bcast.h"
#include "bot/log.h"
#include "bot/store_redis.h"
#include "core/tower.h"
#include "core/xmem.h"

#define API_IMPORT_BATCH 1000 /* rows per tower.lua import call */
#define API_ERRORS_MAX   50   /* problems listed for a rejected file */

static void
api_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *b = evbuffer_new();
	char *s = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	if (b == NULL || s == NULL) {
		evhttp_send_error(req, 503, NULL);
		evbuffer_free(b);
		free(s);
		json_decref(body);
		return;
	}
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code,
	    code == 200   ? "OK"
	    : code == 400 ? "Bad Request"
	    : code == 401 ? "Unauthorized"
	    : code == 404 ? "Not Found"
	    : code == 405 ? "Method Not Allowed"
			  : "Service Unavailable",
	    b);
	evbuffer_free(b);
	free(s);
	json_decref(body);
}

static void
api_error(struct evhttp_request *req, int code, const char *msg)
{
	api_json(req, code, json_pack("{s:s}", "error", msg));
}

/*
 * A request held across a Redis round trip.  The connection's close
 * callback clears req if the client leaves first (STYLE 2.6), so the
 * answer is then only dropped.
 */
struct api_hold {
	struct evhttp_request *req;
	struct evhttp_connection *conn;
};

static void
api_hold_closed(struct evhttp_connection *conn, void *arg)
{
	struct api_hold *h = arg;

	(void)conn;
	h->req = NULL;
	h->conn = NULL;
}

static struct api_hold *
api_hold_new(struct evhttp_request *req)
{
	struct api_hold *h = xcalloc(1, sizeof(*h));

	h->req = req;
	h->conn = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(h->conn, api_hold_closed, h);
	return (h);
}

/* Answer (if the client is still there) and free the hold. */
static void
api_hold_json(struct api_hold *h, int code, json_t *body)
{
	if (h->req != NULL) {
		evhttp_connection_set_closecb(h->conn, NULL, NULL);
		api_json(h->req, code, body);
	} else
		json_decref(body);
	free(h);
}

static void
api_hold_error(struct api_hold *h, int code, const char *msg)
{
	api_hold_json(h, code, json_pack("{s:s}", "error", msg));
}

static json_t *
api_body_json(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);

	if (len == 0)
		return (NULL);
	return (
	    json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL));
}

/* ---- import ---- */

struct import_op {
	struct botd *bd;
	struct api_hold *hold;
	struct tower_row *rows;
	size_t nrows, next;
	long long added, changed, unchanged;
	uint64_t t0;
};

static void api_import_next(struct import_op *);

static void
api_import_free(struct import_op *op)
{
	tower_rows_free(op->rows, op->nrows);
	free(op);
}

static void
api_import_done(void *arg, enum store_status st, const redisReply *r)
{
	struct import_op *op = arg;

	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
		/* Batches already applied stay: importing is idempotent, so
		 * running the same file again completes it. */
		LOG(LL_ERROR, "api", KS("op", "import"), KI("rows", op->next),
		    KS("outcome", "failed"),
		    KS("detail",
			st == STORE_ERR ? r->str : "redis unavailable"));
		api_hold_error(op->hold, 503,
		    "store unavailable during import; run it again");
		api_import_free(op);
		return;
	}
	op->added += r->element[0]->integer;
	op->changed += r->element[1]->integer;
	op->unchanged += r->element[2]->integer;
	api_import_next(op);
}

static void
api_import_next(struct import_op *op)
{
	const char **av;
	char now[32];
	size_t n, i, ac = 0;

	if (op->next == op->nrows) {
		LOG(LL_INFO, "api", KS("op", "import"), KI("rows", op->nrows),
		    KI("added", op->added), KI("changed", op->changed),
		    KI("unchanged", op->unchanged),
		    KI("ms", botd_mono_ms() - op->t0), KS("outcome", "ok"));
		api_hold_json(op->hold, 200,
		    json_pack("{s:I, s:I, s:I}", "added", (json_int_t)op->added,
			"changed", (json_int_t)op->changed, "unchanged",
			(json_int_t)op->unchanged));
		api_import_free(op);
		return;
	}
	n = op->nrows - op->next;
	if (n > API_IMPORT_BATCH)
		n = API_IMPORT_BATCH;
	av = xcalloc(3 + 8 * n, sizeof(*av));
	/* Tags are ';'-separated in the file, ','-separated in Redis. */
	for (i = op->next; i < op->next + n; i++) {
		char *t;

		for (t = op->rows[i].tags; *t != '\0'; t++)
			if (*t == ';')
				*t = ',';
	}
	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	av[ac++] = op->bd->cfg.redis_prefix;
	av[ac++] = "import";
	av[ac++] = now;
	for (i = op->next; i < op->next + n; i++) {
		const struct tower_row *row = &op->rows[i];

		av[ac++] = row->path;
		av[ac++] = row->name;
		av[ac++] = row->kind;
		av[ac++] = row->tags;
		av[ac++] = row->adapter;
		av[ac++] = row->chat_id;
		av[ac++] = tower_purpose_str(row->purpose);
		av[ac++] = row->identity;
	}
	op->next += n;
	if (store_redis_eval(op->bd->store, SCRIPT_TOWER, api_import_done, op,
		(int)ac, av, NULL) == -1) {
		api_hold_error(op->hold, 503, "store unavailable");
		api_import_free(op);
	}
	free(av);
}

/* The rows name adapters and accounts this daemon has?  -1 with errors. */
static int
api_import_check(struct botd *bd, const struct tower_row *rows, size_t n,
    json_t *errs)
{
	char msg[200];
	size_t i, bad = 0;

	for (i = 0; i < n && bad < API_ERRORS_MAX; i++) {
		const struct tower_row *r = &rows[i];
		const struct adapter_cfg *ac;
		char *ids, *tok, *save = NULL;

		msg[0] = '\0';
		if (*r->adapter == '\0')
			continue;
		if ((ac = config_adapter(&bd->cfg, r->adapter)) == NULL)
			snprintf(msg, sizeof(msg),
			    "adapter: no adapter named %s", r->adapter);
		else if (strncmp(r->identity, TOWER_ROBOT_PREFIX,
			     strlen(TOWER_ROBOT_PREFIX)) == 0) {
			if (!ac->ops->robots)
				snprintf(msg, sizeof(msg),
				    "identity: %s chats have no per-chat robot",
				    ac->platform);
		} else {
			ids = xstrdup(r->identity);
			for (tok = strtok_r(ids, ";", &save); tok != NULL;
			     tok = strtok_r(NULL, ";", &save))
				if (config_account(ac, tok) == NULL ||
				    strcmp(config_account(ac, tok)->name,
					tok) != 0) {
					snprintf(msg, sizeof(msg),
					    "identity: adapter %s has no "
					    "account %s",
					    r->adapter, tok);
					break;
				}
			free(ids);
		}
		if (msg[0] != '\0') {
			json_array_append_new(errs,
			    json_pack("{s:I, s:s}", "line", (json_int_t)r->line,
				"message", msg));
			bad++;
		}
	}
	return (bad > 0 ? -1 : 0);
}

static void
api_import(struct botd *bd, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), nrows = 0, nerrs = 0, i;
	struct tower_csv_err errs[API_ERRORS_MAX];
	struct tower_row *rows = NULL;
	struct import_op *op;
	json_t *list;

	if (tower_csv_parse(len > 0 ? (const char *)evbuffer_pullup(in, -1)
				    : "",
		len, &rows, &nrows, errs, API_ERRORS_MAX, &nerrs) == -1) {
		list = json_array();
		for (i = 0; i < nerrs; i++)
			json_array_append_new(list,
			    json_pack("{s:I, s:s}", "line",
				(json_int_t)errs[i].line, "message",
				errs[i].message));
		LOG(LL_WARN, "api", KS("op", "import"), KI("errors", nerrs),
		    KS("outcome", "rejected"));
		api_json(req, 400,
		    json_pack("{s:s, s:o}", "error",
			"the file has bad rows: nothing was imported", "errors",
			list));
		return;
	}
	list = json_array();
	if (api_import_check(bd, rows, nrows, list) == -1) {
		tower_rows_free(rows, nrows);
		api_json(req, 400,
		    json_pack("{s:s, s:o}", "error",
			"the file has bad rows: nothing was imported", "errors",
			list));
		return;
	}
	json_decref(list);
	op = xcalloc(1, sizeof(*op));
	op->bd = bd;
	op->hold = api_hold_new(req);
	op->rows = rows;
	op->nrows = nrows;
	op->t0 = botd_mono_ms();
	api_import_next(op);
}

/* ---- broadcasts ---- */

static void
api_broadcast_done(void *arg, const struct bcast_result *res)
{
	struct api_hold *req = arg;
	json_t *missing, *o;
	char *copy, *tok, *save = NULL, *colon;

	if (res->st != STORE_OK) {
		api_hold_error(req, 503,
		    res->error != NULL ? res->error : "store unavailable");
		return;
	}
	if (res->id == 0) {
		api_hold_error(req, 422, "no chat matched");
		return;
	}
	missing = json_array();
	copy = xstrdup(res->missing);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if ((colon = strrchr(tok, ':')) == NULL)
			continue;
		*colon = '\0';
		json_array_append_new(missing,
		    json_pack("{s:s, s:I}", "platform", tok, "more",
			(json_int_t)strtoll(colon + 1, NULL, 10)));
	}
	free(copy);
	o = json_pack("{s:I, s:I, s:I, s:I, s:b, s:I, s:o}", "id",
	    (json_int_t)res->id, "chats", (json_int_t)res->total, "eta_s",
	    (json_int_t)((res->eta_ms + 999) / 1000), "deadline_s",
	    (json_int_t)(res->deadline_ms / 1000), "ontime", res->ontime,
	    "late", (json_int_t)res->late, "missing", missing);
	api_hold_json(req, 200, o);
}

static void
api_broadcast(struct botd *bd, struct evhttp_request *req)
{
	json_t *body = api_body_json(req), *lv = NULL;
	const char *path = NULL, *text = NULL, *tag = "", *purpose = "";
	int urgent = 0;
	char level[24] = "";
	struct bcast_req br;
	struct api_hold *hold;

	if (body == NULL ||
	    json_unpack(body, "{s:s, s:s, s?b, s?o, s?s, s?s}", "path", &path,
		"text", &text, "urgent", &urgent, "level", &lv, "tag", &tag,
		"purpose", &purpose) == -1) {
		json_decref(body);
		api_error(req, 400,
		    "expected {\"path\": \"node/path\", \"text\": \"...\"}");
		return;
	}
	if (json_is_integer(lv))
		snprintf(level, sizeof(level), "%lld",
		    (long long)json_integer_value(lv));
	else if (json_is_string(lv))
		snprintf(level, sizeof(level), "%s", json_string_value(lv));
	if (!tower_path_valid(path) || *text == '\0' || strlen(text) > 4000 ||
	    (*purpose != '\0' && strcmp(purpose, "members") != 0 &&
		strcmp(purpose, "council") != 0)) {
		json_decref(body);
		api_error(req, 400,
		    "path must be a node path, text 1-4000 bytes, purpose "
		    "members or council");
		return;
	}
	memset(&br, 0, sizeof(br));
	br.origin = path;
	br.text = text;
	br.urgent = urgent;
	br.level = level;
	br.tag = tag;
	br.purpose = purpose;
	hold = api_hold_new(req);
	if (bcast_create(bd, &br, api_broadcast_done, hold) == -1)
		api_hold_error(hold, 503, "store unavailable");
	json_decref(body);
}

static long long
api_int(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return (r->integer);
	if (r->type == REDIS_REPLY_STRING)
		return (strtoll(r->str, NULL, 10));
	return (0);
}

static void
api_report_done(void *arg, enum store_status st, const redisReply *r)
{
	struct api_hold *req = arg;
	json_t *levels;
	size_t i;

	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY) {
		api_hold_error(req, 503, "store unavailable");
		return;
	}
	if (r->elements < 3) {
		api_hold_error(req, 404, "no such broadcast");
		return;
	}
	levels = json_array();
	for (i = 3; i + 10 <= r->elements; i += 10) {
		const redisReply *const *e =
		    (const redisReply *const *)r->element + i;
		int reached = api_int(e[2]) > 0;

		/* No reach time yet at a level where nothing arrived. */
		json_array_append_new(levels,
		    json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, "
			      "s:I}",
			"level", (json_int_t)api_int(e[0]), "targeted",
			(json_int_t)api_int(e[1]), "delivered",
			(json_int_t)api_int(e[2]), "failed",
			(json_int_t)api_int(e[3]), "pending",
			(json_int_t)api_int(e[4]), "p50_s",
			reached ? json_real(api_int(e[5]) / 1000.0)
				: json_null(),
			"p95_s",
			reached ? json_real(api_int(e[6]) / 1000.0)
				: json_null(),
			"max_s",
			reached ? json_real(api_int(e[7]) / 1000.0)
				: json_null(),
			"ack_chats", (json_int_t)api_int(e[8]), "ack_members",
			(json_int_t)api_int(e[9])));
	}
	api_hold_json(req, 200,
	    json_pack("{s:I, s:s, s:I, s:o}", "id",
		(json_int_t)api_int(r->element[0]), "text",
		r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str
							  : "",
		"created", (json_int_t)api_int(r->element[2]) / 1000, "levels",
		levels));
}

static void
api_report(struct botd *bd, struct evhttp_request *req, const char *id)
{
	char now[32];
	const char *av[] = { bd->cfg.redis_prefix, "report", now, id };
	const char *p;
	struct api_hold *hold;

	for (p = id; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			break;
	if (*id == '\0' || *p != '\0' || strlen(id) > 18) {
		api_error(req, 404, "no such broadcast");
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	hold = api_hold_new(req);
	if (store_redis_eval(bd->store, SCRIPT_TOWER, api_report_done, hold, 4,
		av, NULL) == -1)
		api_hold_error(hold, 503, "store unavailable");
}

/* ---- node moves ---- */

static void
api_move_done(void *arg, enum store_status st, const redisReply *r)
{
	struct api_hold *req = arg;

	if (st != STORE_OK || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
		api_hold_error(req, 503, "store unavailable");
		return;
	}
	if (api_int(r->element[0]) < 0) {
		api_hold_error(req, 409,
		    "cannot move: the target exists or lies inside the source");
		return;
	}
	LOG(LL_INFO, "api", KS("op", "move"),
	    KI("nodes", api_int(r->element[0])),
	    KI("chats", api_int(r->element[1])), KS("outcome", "ok"));
	api_hold_json(req, 200,
	    json_pack("{s:I, s:I}", "nodes", (json_int_t)api_int(r->element[0]),
		"chats", (json_int_t)api_int(r->element[1])));
}

static void
api_move(struct botd *bd, struct evhttp_request *req)
{
	json_t *body = api_body_json(req);
	const char *from = NULL, *to = NULL;
	char now[32];
	const char *av[5];
	struct api_hold *hold;

	if (body == NULL ||
	    json_unpack(body, "{s:s, s:s}", "from", &from, "to", &to) == -1 ||
	    !tower_path_valid(from) || !tower_path_valid(to)) {
		json_decref(body);
		api_error(req, 400,
		    "expected {\"from\": \"node/path\", \"to\": "
		    "\"node/path\"}");
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)botd_now_ms());
	av[0] = bd->cfg.redis_prefix;
	av[1] = "move";
	av[2] = now;
	av[3] = from;
	av[4] = to;
	hold = api_hold_new(req);
	if (store_redis_eval(bd->store, SCRIPT_TOWER, api_move_done, hold, 5,
		av, NULL) == -1)
		api_hold_error(hold, 503, "store unavailable");
	json_decref(body);
}

/* ---- routing ---- */

static int
api_authorised(struct botd *bd, struct evhttp_request *req)
{
	const char *h =
	    evhttp_find_header(evhttp_request_get_input_headers(req),
		"Authorization");

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return (0);
	return (sig_streq(h + 7, bd->cfg.admin_token));
}

void
api_handle(struct botd *bd, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (bd->cfg.admin_token == NULL) {
		api_error(req, 404, "the admin API is off (no admin_token)");
		return;
	}
	if (!api_authorised(bd, req)) {
		LOG(LL_WARN, "api", KS("path", path), KI("status", 401),
		    KS("outcome", "rejected"), KS("err", "auth"));
		api_error(req, 401, "missing or wrong bearer token");
		return;
	}
	if (strcmp(path, "/api/v1/import") == 0 && cmd == EVHTTP_REQ_POST)
		api_import(bd, req);
	else if (strcmp(path, "/api/v1/broadcasts") == 0 &&
		 cmd == EVHTTP_REQ_POST)
		api_broadcast(bd, req);
	else if (strncmp(path, "/api/v1/broadcasts/", 19) == 0 &&
		 cmd == EVHTTP_REQ_GET)
		api_report(bd, req, path + 19);
	else if (strcmp(path, "/api/v1/nodes/move") == 0 &&
		 cmd == EVHTTP_REQ_POST)
		api_move(bd, req);
	else
		api_error(req, 404, "no such route");
}
