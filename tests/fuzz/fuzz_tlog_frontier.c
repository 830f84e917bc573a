/*
 * fuzz_tlog_frontier: tlog_frontier_decode on hostile bytes (the stored
 * tree state). A decoded frontier must re-encode to exactly the input, and
 * appending a leaf to it must keep size and hash count consistent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlog_frontier f;
	struct amana_buf b;
	uint8_t leaf[TLOG_HASH_LEN], root[TLOG_HASH_LEN];

	if (tlog_frontier_decode(&f, data, size) != 0)
		return 0;
	amana_buf_init(&b, 8 + TLOG_MAX_HEIGHT * TLOG_HASH_LEN, 0);
	if (tlog_frontier_encode(&f, &b) != 0 || b.len != size ||
	    memcmp(b.p, data, size) != 0)
		abort();
	amana_buf_free(&b);
	tlog_frontier_root(&f, root);
	memset(leaf, 0x5a, sizeof(leaf));
	if (f.size < TLOG_SIZE_MAX) {
		if (tlog_frontier_push(&f, leaf, NULL, NULL) != 0)
			abort();
		if (f.n != (size_t)__builtin_popcountll(f.size))
			abort();
	}
	return 0;
}
