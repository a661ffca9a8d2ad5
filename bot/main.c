/* main.c -- placeholder while bot/ is being written (lead engineer). */
#include <stdio.h>

int
main(void)
{
	puts("towerbot " TOWERBOT_VERSION);
	return (0);
}
