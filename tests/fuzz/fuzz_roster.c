/*
 * fuzz_roster: roster_parse on arbitrary text; accepted records must
 * re-format to exactly the same text. Also runs the text through
 * roster_verify with a fixed authority key (never valid: must not crash).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster_rec r;
	struct note_verifier auth;
	struct amana_buf b;

	if (sodium_init() < 0)
		abort();
	if (roster_parse(data, size, &r) == 0) {
		amana_buf_init(&b, ROSTER_TEXT_MAX, 0);
		if (roster_format(&r, &b) != 0 || b.len != size ||
		    memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_free(&b);
	}
	memset(&auth, 0, sizeof(auth));
	memcpy(auth.name, "authority", 10);
	memset(auth.pk, 0x5a, sizeof(auth.pk));
	auth.key_id = note_key_id(auth.name, auth.pk);
	(void)roster_verify(data, size, &auth, &r);
	return 0;
}
