/*
 * proc.c -- run a program to its end, capturing stdout and stderr in
 * temporary files.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tests/harness/proc.h"

char *
proc_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		if (f != NULL)
			fclose(f);
		buf = strdup("");
		ck_assert_ptr_nonnull(buf);
		return (buf);
	}
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (buf);
}

/* An unlinked temporary file open for writing, as a descriptor. */
static int
proc_tmp(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/towerbot-proc.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	return (fd);
}

int
proc_run(const char *const argv[], char **out, char **err)
{
	char opath[64], epath[64];
	int ofd, efd, nfd, st;
	pid_t pid;

	ofd = proc_tmp(opath, sizeof(opath));
	efd = proc_tmp(epath, sizeof(epath));
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if ((nfd = open("/dev/null", O_RDONLY)) != -1)
			dup2(nfd, STDIN_FILENO);
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(ofd);
	close(efd);
	while (waitpid(pid, &st, 0) == -1)
		ck_assert_int_eq(errno, EINTR);
	*out = proc_slurp(opath);
	*err = proc_slurp(epath);
	unlink(opath);
	unlink(epath);
	if (WIFSIGNALED(st))
		return (128 + WTERMSIG(st));
	return (WEXITSTATUS(st));
}
