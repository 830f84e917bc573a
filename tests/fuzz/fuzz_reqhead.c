/*
 * fuzz_reqhead: relay/reqhead.c on hostile bytes. The first two bytes
 * pick the limit and a piece size; the rest is fed whole and again in
 * pieces: both must end in the same state and take the same bytes; a
 * head over the limit took more bytes than the limit, and a head that
 * ended must end with a line feed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../relay/reqhead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reqhead a, b;
	size_t max, step, off, took_a, took_b = 0, k;

	if (size < 2)
		return 0;
	max = (size_t)data[0] * 4;
	step = (size_t)data[1] % 17 + 1;
	data += 2;
	size -= 2;
	reqhead_start(&a, max);
	took_a = reqhead_feed(&a, data, size);
	reqhead_start(&b, max);
	for (off = 0; off < size && !b.done; off += step) {
		k = size - off < step ? size - off : step;
		took_b += reqhead_feed(&b, data + off, k);
	}
	if (took_a > size || took_a != took_b || a.done != b.done ||
	    a.bytes != took_a || a.bytes != b.bytes ||
	    a.line_over != b.line_over || a.head_over != b.head_over ||
	    a.has_te != b.has_te || (a.line_over && !a.head_over) ||
	    (a.head_over && took_a <= max) || a.size > took_a)
		abort();
	if (a.done && (took_a < 2 || data[took_a - 1] != '\n' ||
	    reqhead_feed(&a, data, size) != 0))
		abort();
	if (!a.done && took_a != size)
		abort();
	return 0;
}
