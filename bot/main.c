/*
 * main.c -- towerbot: argv, then the daemon's life cycle (bot/botd.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/botd.h"
#include "bot/botd_run.h"
#include "bot/log.h"
#include "config/config.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: towerbot [-t] -c FILE\n"
	    "       towerbot -h | -V\n"
	    "  -c FILE  configuration file (JSON)\n"
	    "  -t       check the configuration and exit 0 (valid) or 1\n"
	    "  -h       this help\n"
	    "  -V       print the version\n");
}

int
main(int argc, char *argv[])
{
	struct botd bd;
	struct config cfg;
	struct config_err cerr;
	const char *path = NULL;
	char err[512];
	int ch, test = 0, rc;

	while ((ch = getopt(argc, argv, "c:thV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("towerbot %s\n", TOWERBOT_VERSION);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return (2);
	}
	if (test) {
		/* Like nginx -t: the same parser the daemon uses. */
		if (config_load(path, &cfg, &cerr) == -1) {
			fprintf(stderr, "towerbot: %s: %s\n", path, cerr.text);
			fprintf(stderr,
			    "towerbot: configuration test failed\n");
			return (1);
		}
		config_clear(&cfg);
		printf("towerbot: %s: configuration is ok\n", path);
		return (0);
	}
	memset(&bd, 0, sizeof(bd));
	if (botd_setup(&bd, path, err, sizeof(err)) == -1) {
		LOG(LL_ERROR, "main", KS("outcome", "startup_failed"),
		    KS("detail", err));
		botd_teardown(&bd);
		return (1);
	}
	rc = botd_run(&bd);
	botd_teardown(&bd);
	return (rc);
}
