/*
 * check_main.c -- runs every suite.  ctest runs it once per suite with
 * CK_RUN_SUITE set; CK_FORK=no runs in-process for gdb or ASan.
 */
#include <stdlib.h>

#include <check.h>

#include "tests/suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;
	size_t i;

	sr = srunner_create(NULL);
	for (i = 0; test_suites[i] != NULL; i++)
		srunner_add_suite(sr, test_suites[i]());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
