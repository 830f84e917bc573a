/*
 * fuzz_cli_recipients: recipient list files (amana submit/encrypt --to F)
 * as the client parses them (client/cli_parse.c: cli_recipients_parse),
 * with a small cap so that AMANA_ERANGE is reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX	8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pks[MAX][AGE_KEY_LEN];
	size_t n = 1, bad = 0;	/* one already present */
	int err;

	err = cli_recipients_parse(data, size, pks, MAX, &n, &bad);
	if (err == 0 && (n < 2 || n > MAX))
		abort();
	if (err != 0 && n != 1)
		abort();	/* *n only moves on success */
	if (err == AMANA_EPARSE && bad == 0)
		abort();
	return 0;
}
