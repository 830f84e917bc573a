/*
 * fuzz_cli_frames: the relay's list framing as the client reads it
 * (client/cli_parse.c: cli_frames_check, cli_frame_next). A list that
 * checks must iterate to exactly its frame count, inside the input, with
 * strictly increasing indices; one that does not must not check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amana_cur c;
	struct cli_frame f;
	uint64_t min = 0, last = 0;
	size_t count = 0, n = 0, frame_max = 1 << 16;
	int ok, seen = 0;

	if (size > 0)
		min = data[0] & 3;	/* a small minimum index, sometimes */
	ok = cli_frames_check(data, size, min, frame_max, &count) == 0;
	amana_cur_init(&c, data, size);
	while (amana_cur_left(&c) > 0 && cli_frame_next(&c, &f) == 0) {
		if (f.p < data || f.len > size ||
		    f.p + f.len > data + size)
			abort();
		if (ok && ((seen && f.index <= last) || f.index < min ||
		    f.len > frame_max))
			abort();
		last = f.index;
		seen = 1;
		n++;
	}
	if (ok && (n != count || amana_cur_left(&c) != 0))
		abort();
	return 0;
}
