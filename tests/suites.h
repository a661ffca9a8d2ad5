/*
 * suites.h -- the Check suites, collected from tests/<dir>/check_<name>.c
 * by tests/CMakeLists.txt into a NULL-terminated constructor list.
 */
#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

extern Suite *(*const test_suites[])(void);

#endif /* TESTS_SUITES_H */
