/*
 * proc.h -- running a program of the tree from a test and reading what it
 * printed (towerctl, the daemon on the console).
 *
 * Like the rest of the harness these fail the running Check test on
 * trouble of their own (fork, files) instead of returning an error.
 */
#ifndef TESTS_HARNESS_PROC_H
#define TESTS_HARNESS_PROC_H

/*
 * Run argv[0] with argv (NULL-terminated) to the end, stdin /dev/null.
 * Returns its exit status (0-255; 128 + N when killed by signal N), with
 * *out and *err what it wrote on stdout and stderr (malloc'd,
 * NUL-terminated; caller frees).
 */
int proc_run(const char *const argv[], char **out, char **err);

/* The whole of path, NUL-terminated (caller frees); "" if unreadable. */
char *proc_slurp(const char *path);

#endif /* TESTS_HARNESS_PROC_H */
