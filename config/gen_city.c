/*
 * gen_city.c -- prints the tower import CSV of the reference city of SPEC
 * section 1 (152 + 3,467 + 33,455 nodes, 37,074 chats) or of its village
 * (1 + 5 + 62, 68 chats), for demos, tests and benchmarks:
 *
 *	gen_city [--adapter NAME] [--accounts a1,a2,...] [--council]
 *	    [--village] > city.csv
 *	towerctl -c towerbot.json import city.csv
 *
 * The rows come from tower_city_rows() (core/tower.h), which the tests
 * check; this file is only the command line.  The executable is built by
 * bot/ctl/CMakeLists.txt with GEN_CITY_MAIN defined; without it (the
 * config library, which takes every .c of config/) the file compiles to
 * nothing.
 */
#ifdef GEN_CITY_MAIN

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tower.h"
#include "core/xmem.h"

#define GEN_CITY_ACCOUNTS_MAX 1024

static void gen_city_usage(void) __attribute__((noreturn));

static void
gen_city_usage(void)
{
	fprintf(stderr,
	    "usage: gen_city [--adapter NAME] [--accounts a1,a2,...] "
	    "[--council] [--village]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "adapter", required_argument, NULL, 'a' },
		{ "accounts", required_argument, NULL, 'A' },
		{ "council", no_argument, NULL, 'c' },
		{ "village", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tower_city_cfg cfg = { "tg", NULL, 0, 0, 0 };
	const char *accounts[GEN_CITY_ACCOUNTS_MAX];
	struct tower_row *rows;
	char *list = NULL, *tok, *save, *csv;
	size_t nrows, len;
	int ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			cfg.adapter = optarg;
			break;
		case 'A':
			free(list);
			list = xstrdup(optarg);
			break;
		case 'c':
			cfg.council = 1;
			break;
		case 'v':
			cfg.village = 1;
			break;
		default:
			gen_city_usage();
		}
	}
	if (optind != argc)
		gen_city_usage();
	if (list != NULL) {
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (cfg.naccounts == GEN_CITY_ACCOUNTS_MAX) {
				fprintf(stderr,
				    "gen_city: more than %d "
				    "accounts\n",
				    GEN_CITY_ACCOUNTS_MAX);
				return (2);
			}
			accounts[cfg.naccounts++] = tok;
		}
		cfg.accounts = accounts;
	}
	if (tower_city_rows(&cfg, &rows, &nrows) == -1) {
		fprintf(stderr,
		    "gen_city: adapter names are 1-32 characters of a-z, 0-9, "
		    "_ and -; account names may also have A-Z\n");
		free(list);
		return (2);
	}
	csv = tower_csv_write(rows, nrows, &len);
	if (fwrite(csv, 1, len, stdout) != len || fflush(stdout) != 0) {
		perror("gen_city: stdout");
		rc = 1;
	}
	free(csv);
	tower_rows_free(rows, nrows);
	free(list);
	return (rc);
}

#endif /* GEN_CITY_MAIN */
