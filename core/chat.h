/*
 * chat.h -- the platform-neutral shapes of what comes in and goes out.
 *
 * Adapters turn a platform's webhook into a struct chat_event and turn a
 * struct chat_msg into the platform's send request.  core/ and bot/ only
 * ever see these.  Plain data: fixed-size fields, no pointers to free, cheap
 * to copy.  Every string field is NUL-terminated; text that does not fit is
 * cut at a UTF-8 character boundary (xstrlcpy_utf8).  Platform ids are
 * strings everywhere (Telegram chat ids are negative, Slack ids are not
 * numbers at all).
 */
#ifndef CORE_CHAT_H
#define CORE_CHAT_H

#include <stddef.h>
#include <stdint.h>

#define CHAT_ID_MAX       128  /* bytes for a platform id, NUL included */
#define CHAT_NAME_MAX     128  /* display names, usernames */
#define CHAT_TEXT_MAX     8192 /* message text after mention removal */
#define CHAT_URL_MAX      1024 /* per-conversation reply URLs */
#define CHAT_MENTIONS_MAX 8    /* mentions kept per message */

enum chat_kind {
	CHAT_MESSAGE = 0, /* a text message in a group (or a slash command) */
	CHAT_JOIN,        /* .from (and .mentions[]) joined .chat */
	CHAT_LEAVE,       /* .from left or was removed from .chat */
};

/* One person as the platform shows them. */
struct chat_user {
	char id[CHAT_ID_MAX];         /* platform user id; "" = none */
	char name[CHAT_NAME_MAX];     /* display name as last seen */
	char username[CHAT_NAME_MAX]; /* @handle without '@', or "" */
};

/*
 * One inbound event, normalised.  Filled by an adapter's parse slot.
 * .text has the platform's @-mention of the bot removed and leading
 * white space trimmed, so a command starts at text[0].
 */
struct chat_event {
	enum chat_kind kind;
	int64_t at;                     /* platform timestamp, unix seconds */
	char event_id[CHAT_ID_MAX * 2]; /* dedup key, unique per adapter */
	char chat[CHAT_ID_MAX];         /* group id */
	char chat_title[CHAT_NAME_MAX]; /* group name if sent, else "" */
	char msg_id[CHAT_ID_MAX];       /* this message, to reply to; or "" */
	char thread[CHAT_ID_MAX];       /* topic/thread id, or "" */
	struct chat_user from;          /* sender */
	struct chat_user reply_to;      /* author of the quoted message */
	struct chat_user mentions[CHAT_MENTIONS_MAX]; /* other than the bot */
	size_t nmentions;
	int to_bot;                   /* 1 if the bot was @-mentioned */
	int is_group;                 /* 1 for group chats, 0 for private */
	char reply_url[CHAT_URL_MAX]; /* per-conversation reply endpoint
					 (DingTalk sessionWebhook, ...) */
	int64_t reply_url_expires;    /* unix seconds; 0 = unknown */
	char text[CHAT_TEXT_MAX];
};

/*
 * One outbound message, as bot/ asks an adapter to encode it.  Borrowed:
 * every pointer lives only for the format call.  NULL or "" means absent.
 */
struct chat_msg {
	const char *chat;          /* group id */
	const char *text;          /* UTF-8, at most the adapter's text_max */
	const char *reply_to;      /* platform message id to quote */
	const char *thread;        /* topic/thread id */
	const char *mention_id;    /* a user to @-mention at the start */
	const char *mention_name;  /* their display name */
	const char *reply_url;     /* per-conversation endpoint, if any */
	int64_t reply_url_expires; /* unix seconds; 0 = unknown */
	const char *delivery_id;   /* stable per queued message across retries,
				      for platforms' idempotency keys; NULL =
				      none */
	const char *robot;         /* per-chat robot credential from the
				      tower import (WeCom key, DingTalk
				      "token:secret"), or NULL */
	int64_t now;               /* unix seconds, for signed URLs */
};

#endif /* CORE_CHAT_H */
