/*
 * fuzz_receipt: receipt_parse and receipt_verify. Whatever parses must
 * format back to the same bytes (canonical text only), with and without
 * a memo of proof lines kept across inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key of the seed corpus (tests/fuzz/corpus/receipt). */
static const char vkey[] =
    "amana.test/fuzz+d4a80b3f+Ae2IsZNOBhkUrDRURqtI4IJ7WHANf9jbnzrWIgqznklw";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct receipt_view v;
	static struct receipt_memo memo;
	struct note_verifier key;
	struct amana_buf b;
	int have_key;

	if (sodium_init() < 0)
		abort();
	if (receipt_parse(data, size, &v) == 0) {
		amana_buf_init(&b, RECEIPT_MAX_LEN + 4096, 0);
		if (receipt_format(v.index, v.has_extra ? v.extra : NULL,
		    v.extra_len, (const uint8_t (*)[MERKLE_HASH_LEN])v.proof,
		    v.n_proof, v.ckpt_note, v.ckpt_note_len, &b) != 0 ||
		    b.len != size || memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_reset(&b);
		if (receipt_format_memo(v.index, v.has_extra ? v.extra : NULL,
		    v.extra_len, (const uint8_t (*)[MERKLE_HASH_LEN])v.proof,
		    v.n_proof, v.ckpt_note, v.ckpt_note_len, &memo, &b) != 0 ||
		    b.len != size || memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_free(&b);
	}
	have_key = note_verifier_parse((const uint8_t *)vkey, strlen(vkey),
	    &key) == 0;
	if (have_key && receipt_verify(data, size, &key, NULL, 0, &v) == 0 &&
	    (v.index >= v.ckpt.size || v.extra_len != LOGENTRY_LEN))
		abort();
	return 0;
}
