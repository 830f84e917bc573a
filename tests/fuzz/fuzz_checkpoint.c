/*
 * fuzz_checkpoint: ckpt_parse on note text, and ckpt_verify on whole
 * notes. Whatever parses must format back to the same bytes (the parser
 * accepts canonical text only).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char vkey[] =
    "amana.test/vectors+8cf7ea54+AVmtogsoFnnB9WEBdG/6+rY1ENt0cfWyo6cX1sKgaPS6";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_verifier key;
	struct amana_buf b;
	struct ckpt c;

	if (sodium_init() < 0)
		abort();
	if (ckpt_parse(data, size, &c) == 0) {
		amana_buf_init(&b, size + 64, 0);
		if (ckpt_format(&c, &b) != 0 || b.len != size ||
		    memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_free(&b);
	}
	if (note_verifier_parse((const uint8_t *)vkey, strlen(vkey),
	    &key) != 0)
		abort();
	if (ckpt_verify(data, size, &key, &c) == 0 &&
	    strcmp(c.origin, key.name) != 0)
		abort();
	return 0;
}
