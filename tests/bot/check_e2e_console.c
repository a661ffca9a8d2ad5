/*
 * check_e2e_console.c -- the console adapter through the real daemon, as
 * a newcomer meets it in deploy/demo.sh: lines on stdin, replies on
 * stdout.  A whole sign-up conversation is piped in; at the end of stdin
 * a console-only daemon prints the last replies and exits 0 by itself.
 * With a webhook adapter configured too, the end of stdin stops nothing.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "core/xmem.h"
#include "tests/harness/daemon.h"
#include "tests/harness/proc.h"
#include "tests/harness/redis_server.h"

#define CONSOLE_WAIT_MS 15000

static struct redis_server *con_rs;

static void
con_up(void)
{
	con_rs = redis_server_start();
	ck_assert_ptr_nonnull(con_rs);
}

static void
con_down(void)
{
	redis_server_stop(con_rs);
	con_rs = NULL;
}

static void
con_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct con_run {
	char dir[64];
	char out[128], err[128];
	pid_t pid;
	int in; /* write end of the daemon's stdin */
};

/*
 * Start the daemon in a temp dir with the console adapter (and, if
 * with_tg, a Telegram adapter as well), stdin a pipe, stdout and stderr
 * files.
 */
static void
con_start(struct con_run *cr, int with_tg)
{
	char cfg[128], *json;
	int fds[2], port, fd;
	FILE *f;

	snprintf(cr->dir, sizeof(cr->dir), "/tmp/towerbot-console.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cr->dir));
	snprintf(cfg, sizeof(cfg), "%s/towerbot.json", cr->dir);
	snprintf(cr->out, sizeof(cr->out), "%s/stdout", cr->dir);
	snprintf(cr->err, sizeof(cr->err), "%s/stderr", cr->dir);
	ck_assert_int_gt(port = daemon_free_port(), 0);
	json =
	    xasprintf("{\"listen\": \"127.0.0.1:%d\", \"redis\": \"unix:%s\", "
		      "\"data_dir\": \"%s\", \"lang\": \"en\", "
		      "\"log\": {\"level\": \"info\", \"file\": \"-\"}, "
		      "\"operators\": [{\"adapter\": \"console\", \"user\": "
		      "\"alice\"}], \"adapters\": {\"console\": {\"platform\": "
		      "\"console\"}%s}}",
		port, redis_server_socket(con_rs), cr->dir,
		with_tg ? ", \"tg\": {\"platform\": \"telegram\", \"token\": "
			  "\"" DAEMON_TG_TOKEN "\", \"secret_token\": "
			  "\"" DAEMON_TG_SECRET "\"}"
			: "");
	ck_assert_ptr_nonnull(f = fopen(cfg, "w"));
	fputs(json, f);
	fclose(f);
	free(json);

	ck_assert_int_eq(pipe(fds), 0);
	cr->pid = fork();
	ck_assert_int_ne(cr->pid, -1);
	if (cr->pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		if ((fd = open(cr->out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) !=
		    -1)
			dup2(fd, STDOUT_FILENO);
		if ((fd = open(cr->err, O_WRONLY | O_CREAT | O_TRUNC, 0600)) !=
		    -1)
			dup2(fd, STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(TOWERBOT_BINARY, TOWERBOT_BINARY, "-c", cfg,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	cr->in = fds[1];
}

static void
con_say(struct con_run *cr, const char *line)
{
	size_t n = strlen(line);

	ck_assert_int_eq(write(cr->in, line, n), (ssize_t)n);
	ck_assert_int_eq(write(cr->in, "\n", 1), 1);
}

/* Wait up to ms for the daemon to exit: its wait status, or -1. */
static int
con_wait(struct con_run *cr, int ms)
{
	int st, waited;

	for (waited = 0; waited <= ms; waited += 50) {
		if (waitpid(cr->pid, &st, WNOHANG) == cr->pid) {
			cr->pid = -1;
			return (st);
		}
		con_sleep_ms(50);
	}
	return (-1);
}

/* Wait up to CONSOLE_WAIT_MS for want in the daemon's stdout. */
static int
con_printed(struct con_run *cr, const char *want)
{
	char *out;
	int waited, found = 0;

	for (waited = 0; !found && waited <= CONSOLE_WAIT_MS; waited += 50) {
		out = proc_slurp(cr->out);
		found = strstr(out, want) != NULL;
		free(out);
		if (!found)
			con_sleep_ms(50);
	}
	return (found);
}

static void
con_cleanup(struct con_run *cr)
{
	char cmd[128];

	if (cr->pid > 0) {
		kill(cr->pid, SIGKILL);
		waitpid(cr->pid, NULL, 0);
	}
	if (cr->in >= 0)
		close(cr->in);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cr->dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(piped_conversation_then_eof_exits_zero)
{
	static const char *const want[] = {
		"Activity #1 created: Park cleanup",
		"You are signed up for #1 Park cleanup",
		"on the waitlist at position 1",
		"carol: Good news: a seat freed up",
		"Your sign-up for #1 Park cleanup is cancelled",
	};
	struct con_run cr = { .in = -1 };
	char *out, *err;
	size_t i;
	int st;

	con_start(&cr, 0);
	con_say(&cr, "g1 alice: /newactivity Park cleanup 2030-05-01 09:00 "
		     "cap=1");
	con_say(&cr, "g1 bob: /signup");
	con_say(&cr, "g1 carol: 报名");
	con_say(&cr, "g1 bob: /cancel");
	close(cr.in);
	cr.in = -1;

	st = con_wait(&cr, CONSOLE_WAIT_MS);
	out = proc_slurp(cr.out);
	err = proc_slurp(cr.err);
	ck_assert_msg(st != -1, "still running after the end of stdin:\n%s",
	    err);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "exit status %d:\n%s", st, err);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(out, want[i]) != NULL, "no \"%s\" in:\n%s",
		    want[i], out);
	ck_assert_msg(strstr(err, "cause=stdin_closed outcome=draining") !=
			      NULL &&
			  strstr(err, "outcome=stopped") != NULL,
	    "no stop lines in:\n%s", err);
	free(out);
	free(err);
	con_cleanup(&cr);
}
END_TEST

START_TEST(eof_keeps_serving_webhooks)
{
	struct con_run cr = { .in = -1 };
	int st;

	con_start(&cr, 1);
	con_say(&cr, "g1 dave: /help");
	ck_assert_msg(con_printed(&cr, "/signup"), "no /help reply");
	close(cr.in);
	cr.in = -1;
	/* Past the console grace: still running, for the Telegram adapter. */
	ck_assert_int_eq(con_wait(&cr, 2500), -1);
	ck_assert_int_eq(kill(cr.pid, SIGTERM), 0);
	st = con_wait(&cr, CONSOLE_WAIT_MS);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "SIGTERM: status %d", st);
	con_cleanup(&cr);
}
END_TEST

Suite *
e2e_console_suite(void)
{
	Suite *s = suite_create("e2e_console");
	TCase *tc = tcase_create("stdin");

	tcase_add_unchecked_fixture(tc, con_up, con_down);
	tcase_set_timeout(tc, 60);
	tcase_set_tags(tc, "redis");
	tcase_add_test(tc, piped_conversation_then_eof_exits_zero);
	tcase_add_test(tc, eof_keeps_serving_webhooks);
	suite_add_tcase(s, tc);
	return (s);
}
