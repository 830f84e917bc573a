/*
 * test_pad: padded record lengths. Counts the distinct padded sizes of
 * records from 1 byte to 1 MiB (at most 50) and the worst growth above the
 * floor (below 12.5%), checks monotonicity, idempotence and overflow.
 */
#include <stdint.h>
#include <stdio.h>

#include "pad.h"
#include "testlib.h"

int	main(void);

/* Number of set bits. */
static int
popcount64(uint64_t v)
{
	return __builtin_popcountll(v);
}

static void
test_small(void)
{
	uint64_t out;

	CHECK_EQ(pad_len(0, &out), 0);
	CHECK_EQ(out, PAD_FLOOR);
	CHECK_EQ(pad_len(1, &out), 0);
	CHECK_EQ(out, 16384);
	CHECK_EQ(pad_len(16384, &out), 0);
	CHECK_EQ(out, 16384);
	/* 16385 = 0b100000000000001: rounds up to 16384 + 2048. */
	CHECK_EQ(pad_len(16385, &out), 0);
	CHECK_EQ(out, 16384 + 2048);
	CHECK_EQ(pad_len(32767, &out), 0);
	CHECK_EQ(out, 32768);
	CHECK_EQ(pad_len(100 * 1024 * 1024 + 300, &out), 0);
	CHECK_EQ(out, 104 * 1024 * 1024);
}

static void
test_counts(void)
{
	uint64_t len, out, prev = 0, last = 0, distinct = 0;
	uint64_t worst_num = 0, worst_den = 1;
	int mono = 1, shape = 1, idem = 1;

	for (len = 1; len <= 1024 * 1024; len++) {
		if (pad_len(len, &out) != 0) {
			CHECK(0);
			return;
		}
		if (out < len || out < prev)
			mono = 0;
		prev = out;
		if (out != last) {
			distinct++;
			last = out;
		}
		if (out > PAD_FLOOR && popcount64(out & ((UINT64_C(1) <<
		    (60 - __builtin_clzll(out))) - 1)) != 0)
			shape = 0;
		if (len > PAD_FLOOR &&
		    (out - len) * worst_den > worst_num * len) {
			worst_num = out - len;
			worst_den = len;
		}
	}
	CHECK(mono);
	CHECK(shape);
	printf("padded sizes for 1 B .. 1 MiB: %llu distinct, worst growth "
	    "%.4f%%\n", (unsigned long long)distinct,
	    100.0 * (double)worst_num / (double)worst_den);
	CHECK(distinct <= 50);
	CHECK(distinct >= 40);	/* the function really buckets */
	/* growth strictly below 1/8 */
	CHECK(worst_num * 8 < worst_den);
	/* idempotent on a sample */
	for (len = 1; len <= 64 * 1024 * 1024; len = len * 3 + 7) {
		uint64_t twice;

		if (pad_len(len, &out) != 0 || pad_len(out, &twice) != 0 ||
		    twice != out)
			idem = 0;
	}
	CHECK(idem);
}

static void
test_overflow(void)
{
	uint64_t out = 7;

	CHECK_EQ(pad_len(UINT64_MAX, &out), AMANA_ERANGE);
	CHECK_EQ(out, 7);
	CHECK_EQ(pad_len(UINT64_C(0xF000000000000000), &out), 0);
	CHECK(out == UINT64_C(0xF000000000000000));
	CHECK_EQ(pad_len(UINT64_C(0xF000000000000001), &out), AMANA_ERANGE);
}

int
main(void)
{
	test_begin("pad");
	test_small();
	test_counts();
	test_overflow();
	return test_done();
}
