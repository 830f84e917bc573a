/*
 * fuzz_armor: the streaming ASCII armor decoder. The same input fed in one
 * piece and byte by byte must give the same result and the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "age_internal.h"
#include "amana_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
decode(const uint8_t *p, size_t len, int bytewise, struct amana_buf *out)
{
	struct age_armor a;
	size_t		 i;
	int		 ret = 0;

	age_armor_init(&a);
	if (bytewise) {
		for (i = 0; i < len && ret == 0; i++)
			ret = age_armor_write(&a, p + i, 1, buf_sink, out);
	} else {
		ret = age_armor_write(&a, p, len, buf_sink, out);
	}
	if (ret == 0)
		ret = age_armor_finish(&a, buf_sink, out);
	return ret;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amana_buf one, two;
	int		 r1, r2;

	amana_buf_init(&one, 1 << 20, 0);
	amana_buf_init(&two, 1 << 20, 0);
	r1 = decode(data, size, 0, &one);
	r2 = decode(data, size, 1, &two);
	if (r1 != r2 || (r1 == 0 && (one.len != two.len ||
	    (one.len > 0 && memcmp(one.p, two.p, one.len) != 0))))
		abort();
	/* Base64 output is at most 3/4 of the input. */
	if (r1 == 0 && one.len > size)
		abort();
	amana_buf_free(&one);
	amana_buf_free(&two);
	return 0;
}
