/*
 * fuzz_envelope: envelope_parse on arbitrary bytes; on success the header
 * must re-encode to the same 66 bytes, verification must not crash, and
 * the streaming checker must agree with envelope_verify.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope_view v;
	struct envelope_header h;
	struct envelope_checker *c = NULL;
	uint8_t hdr[ENVELOPE_HEADER_LEN];
	size_t half;
	int r1, r2;

	if (sodium_init() < 0)
		abort();
	if (size >= ENVELOPE_HEADER_LEN &&
	    envelope_header_parse(data, ENVELOPE_HEADER_LEN, &h) == 0) {
		if (envelope_header_format(&h, hdr) != 0 ||
		    memcmp(hdr, data, sizeof(hdr)) != 0)
			abort();
	}
	if (envelope_parse(data, size, &v) != 0)
		return 0;
	if (size != ENVELOPE_OVERHEAD + v.hdr.payload_len ||
	    v.header != data || v.sig != data + size - ENVELOPE_SIG_LEN)
		abort();
	r1 = envelope_verify(&v, v.hdr.signer);
	if (envelope_checker_new(data, ENVELOPE_HEADER_LEN, &c) != 0)
		abort();
	half = (size_t)v.hdr.payload_len / 2;
	if (envelope_checker_payload(c, v.payload, half) != 0 ||
	    envelope_checker_payload(c, v.payload + half,
	    (size_t)v.hdr.payload_len - half) != 0)
		abort();
	r2 = envelope_checker_finish(c, v.sig, v.hdr.signer);
	envelope_checker_free(c);
	if (r1 != r2)
		abort();
	return 0;
}
