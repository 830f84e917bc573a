/*
 * fuzz_cli_bundle: tlog-tiles entry bundles as the client reads them
 * (client/cli_parse.c: cli_bundle_parse). The first input byte is the
 * expected entry count; a bundle that parses yields exactly that many
 * entries, all inside the input, and their framing adds up to its length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t	*p;
	size_t		 len;
	size_t		 n;
	size_t		 bytes;
};

static int
entry(void *arg, const uint8_t *e, size_t len)
{
	struct ctx *c = arg;

	if (e < c->p || len > c->len || e + len > c->p + c->len)
		abort();
	c->n++;
	c->bytes += 2 + len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c;
	unsigned w;

	if (size == 0)
		return 0;
	w = data[0];
	c.p = data + 1;
	c.len = size - 1;
	c.n = 0;
	c.bytes = 0;
	if (cli_bundle_parse(c.p, c.len, w, NULL, NULL) == 0) {
		if (cli_bundle_parse(c.p, c.len, w, entry, &c) != 0 ||
		    c.n != w || c.bytes != c.len)
			abort();
	} else if (cli_bundle_parse(c.p, c.len, w, entry, &c) == 0 ||
	    c.n != 0)
		abort();	/* nothing seen from a malformed bundle */
	return 0;
}
