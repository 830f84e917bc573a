/*
 * fuzz_tile_path: tile_path_parse on hostile paths (what the relay gets
 * in URLs) must accept only what tile_path_format produces; the input is
 * also read as an entry bundle with tile_bundle_next.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amana_cur.h"
#include "tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TILE_PATH_MAX];
	struct amana_cur c;
	const uint8_t *e;
	size_t e_len, total = 0;
	uint64_t n;
	unsigned w;
	int level, ent;

	if (tile_path_parse((const char *)data, size, &level, &n, &w,
	    &ent) == 0) {
		if (tile_path_format(level, n, w, ent, out, sizeof(out)) != 0 ||
		    strlen(out) != size || memcmp(out, data, size) != 0)
			abort();
	}
	amana_cur_init(&c, data, size);
	while (tile_bundle_next(&c, &e, &e_len) == 0) {
		if (e < data || e + e_len > data + size)
			abort();
		total += 2 + e_len;
	}
	if (total != c.off || c.off > size)
		abort();
	return 0;
}
