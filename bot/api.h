/*
 * api.h -- the admin API under /api/v1/ (towerctl's server side), behind
 * the bearer token admin_token (compared in constant time; 401 otherwise,
 * 404 when no admin_token is configured).  JSON in and out; errors are
 * {"error": "..."}.
 *
 *   POST /api/v1/import            text/csv body (core/tower.h format)
 *        -> {"added":N,"changed":N,"unchanged":N}
 *        or 400 {"error":..., "errors":[{"line":7,"message":"..."}]}
 *   POST /api/v1/broadcasts        {"path","text","urgent","level","tag",
 *                                   "purpose"}
 *        -> {"id","chats","eta_s","deadline_s","ontime","late","missing":
 *            [{"platform","more"}]}
 *   GET  /api/v1/broadcasts/{id}   -> {"id","text","created","levels":[
 *            {"level","targeted","delivered","failed","pending","p50_s",
 *             "p95_s","max_s","ack_chats","ack_members"}]}
 *   POST /api/v1/nodes/move        {"from","to"} -> {"nodes":N,"chats":N}
 */
#ifndef BOT_API_H
#define BOT_API_H

#include <event2/http.h>

#include "bot/botd.h"

/* Handle one request whose path starts with /api/; answers it. */
void api_handle(struct botd *, struct evhttp_request *, const char *path);

#endif /* BOT_API_H */
