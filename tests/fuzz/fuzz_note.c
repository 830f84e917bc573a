/*
 * fuzz_note: signed-note parsing and verification (note_open, note_verify,
 * note_sig_next) and the key parsers. Checks the view's invariants: the
 * text and signature block tile the input, the text ends in '\n', and
 * note_sig_next walks exactly n_sigs lines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_verifier keys[2];
	struct note_signer *s = NULL;
	struct note_view v;
	struct note_sig sg;
	struct amana_cur c;
	size_t n = 0;

	if (sodium_init() < 0)
		abort();
	if (note_verifier_parse((const uint8_t *)peter_vkey,
	    strlen(peter_vkey), &keys[0]) != 0)
		abort();
	(void)note_verifier_parse(data, size, &keys[1]);
	if (note_signer_parse(data, size, &s) == 0)
		note_signer_free(s);
	if (note_open(data, size, &v) == 0) {
		if (v.text != data || v.text_len == 0 ||
		    v.text[v.text_len - 1] != '\n' ||
		    v.text_len + 1 + v.sigs_len != size ||
		    v.sigs != data + v.text_len + 1 || v.n_sigs == 0 ||
		    v.n_sigs > NOTE_MAX_SIGS)
			abort();
		amana_cur_init(&c, v.sigs, v.sigs_len);
		while (amana_cur_left(&c) > 0) {
			if (note_sig_next(&c, &sg) != 0)
				abort();
			n++;
		}
		if (n != v.n_sigs)
			abort();
	}
	if (note_verify(data, size, keys, 1, &v) == 0 &&
	    (v.n_verified != 1 || v.verified != 1))
		abort();
	return 0;
}
