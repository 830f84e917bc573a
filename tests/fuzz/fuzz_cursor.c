/*
 * fuzz_cursor: drives struct amana_cur with an operation program taken from
 * the input itself, checking the invariant off <= len after every call and
 * that failed reads change nothing. Also: the whole input through
 * amana_dec_u64_parse, which must round-trip through amana_dec_u64_format
 * whenever it accepts (canonical decimal only).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amana_codec.h"
#include "amana_cur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amana_cur c;
	const uint8_t *q, *line;
	size_t line_len, before, i;
	uint8_t u8, buf[64];
	char dec[AMANA_DEC_U64_MAX_LEN + 1];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int r;

	if (amana_dec_u64_parse(data, size, &u64) == 0 &&
	    (amana_dec_u64_format(dec, sizeof(dec), u64, &line_len) != 0 ||
	    line_len != size || memcmp(dec, data, size) != 0))
		abort();
	if (size < 1)
		return 0;
	amana_cur_init(&c, data + 1, size - 1);
	for (i = 0; i < 64 && amana_cur_left(&c) > 0; i++) {
		before = c.off;
		switch ((data[0] + i) % 8) {
		case 0: r = amana_cur_u8(&c, &u8); break;
		case 1: r = amana_cur_u16be(&c, &u16); break;
		case 2: r = amana_cur_u32be(&c, &u32); break;
		case 3: r = amana_cur_u64be(&c, &u64); break;
		case 4: r = amana_cur_take(&c, data[0] % 17, &q); break;
		case 5: r = amana_cur_line(&c, &line, &line_len); break;
		case 6: r = amana_cur_copy(&c, buf, data[0] % sizeof(buf)); break;
		default: r = amana_cur_expect(&c, "\n", 1); break;
		}
		if (c.off > c.len)
			abort();
		if (r != 0 && c.off != before)
			abort();
	}
	(void)amana_cur_done(&c);
	return 0;
}
