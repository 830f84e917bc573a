/*
 * pad: padded record lengths (see pad.h and docs/PROTOCOL.md section 4).
 */
#include <stdint.h>

#include "pad.h"

int
pad_len(uint64_t len, uint64_t *out)
{
	uint64_t mask, r;
	int bits;

	if (len <= PAD_FLOOR) {
		*out = PAD_FLOOR;
		return 0;
	}
	bits = 64 - __builtin_clzll(len);	/* len > 0: bit length */
	mask = (UINT64_C(1) << (bits - PAD_KEEP_BITS)) - 1;
	if (__builtin_add_overflow(len, mask, &r))
		return AMANA_ERANGE;
	*out = r & ~mask;
	return 0;
}
