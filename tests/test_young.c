/*
 * test_young: the store's in-memory young dedup tier (store/young.h):
 * a multimap from 4-byte keys to indices, its bounds, and pruning.
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "young.h"

/* The indices held for key, in *out (at most max), sorted; their count. */
static size_t
all(const struct young *y, uint32_t key, uint64_t *out, size_t max)
{
	size_t pos = 0, n = 0, i, j;
	uint64_t idx, t;

	while (young_next(y, key, &pos, &idx))
		if (n < max)
			out[n++] = idx;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && out[j - 1] > out[j]; j--) {
			t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

int
main(void)
{
	struct young *y = NULL;
	struct young_pair pairs[64];
	uint64_t got[64];
	uint8_t seen[50];
	size_t pos = 0, n = 0;
	uint64_t i, idx;

	test_begin("young");
	CHECK(young_new(0, &y) == AMANA_EINVAL && y == NULL);
	CHECK(young_new(((size_t)1 << 30) + 1, &y) == AMANA_EINVAL);
	CHECK_EQ(young_new(100, &y), 0);
	if (y == NULL)
		return test_done();
	CHECK(young_next(y, 7, &pos, &idx) == 0);
	/* Base 1000: below it, or 2^32 - 1 above it, is out of range. */
	young_reset(y, 1000);
	CHECK_EQ(young_add(y, 1, 999), AMANA_ERANGE);
	CHECK_EQ(young_add(y, 1, UINT64_C(1000) + UINT32_MAX - 1), AMANA_ERANGE);
	CHECK_EQ(young_add(y, 1, UINT64_C(1000) + UINT32_MAX - 2), 0);
	CHECK_EQ(young_count(y), 1);
	young_reset(y, 1000);
	CHECK_EQ(young_count(y), 0);
	/* 60 indices under one key (a ground collision), 40 under others. */
	for (i = 0; i < 60; i++)
		CHECK_EQ(young_add(y, 0xabcd0000u, 1000 + 2 * i), 0);
	for (i = 0; i < 40; i++)
		CHECK_EQ(young_add(y, (uint32_t)i * 0x01000193u, 1001 + 2 * i),
		    0);
	CHECK_EQ(young_count(y), 100);
	CHECK_EQ(young_add(y, 5, 5000), AMANA_ENOMEM);	/* full: max 100 */
	CHECK_EQ(all(y, 0xabcd0000u, got, 64), 60);
	for (i = 0; i < 60; i++)
		CHECK(got[i] == 1000 + 2 * i);
	for (i = 0; i < 40; i++) {
		CHECK_EQ(all(y, (uint32_t)i * 0x01000193u, got, 64), 1);
		CHECK(got[0] == 1001 + 2 * i);
	}
	CHECK_EQ(all(y, 0xabcd0001u, got, 64), 0);
	/* Pruning below 1050 keeps the rest, under the same keys. */
	CHECK_EQ(young_prune(y, 1050), 0);
	CHECK_EQ(young_count(y), 50);	/* 35 + 15 */
	CHECK_EQ(all(y, 0xabcd0000u, got, 64), 35);
	CHECK(got[0] == 1050 && got[34] == 1118);
	CHECK_EQ(all(y, 0, got, 64), 0);		/* index 1001: gone */
	CHECK_EQ(all(y, 39 * 0x01000193u, got, 64), 1);
	CHECK(got[0] == 1079);
	CHECK_EQ(young_prune(y, 1049), AMANA_EINVAL);	/* never backwards */
	CHECK_EQ(young_add(y, 9, 1049), AMANA_ERANGE);
	CHECK_EQ(young_add(y, 9, 2000), 0);
	CHECK_EQ(all(y, 9, got, 64), 1);
	CHECK(got[0] == 2000);
	/* Collecting [1050, 1100): 25 even indices under 0xabcd0000, 15 odd
	 * ones (1051 .. 1079) under their own keys; each once, with its key. */
	CHECK_EQ(young_collect(y, 1050, 1100, pairs, 64, &n), 0);
	CHECK_EQ(n, 40);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n && i < 64; i++) {
		idx = pairs[i].index;
		CHECK(idx >= 1050 && idx < 1100 && !seen[idx - 1050]);
		if (idx < 1050 || idx >= 1100)
			continue;
		seen[idx - 1050] = 1;
		CHECK(pairs[i].key == (idx % 2 == 0 ? 0xabcd0000u :
		    (uint32_t)((idx - 1001) / 2) * 0x01000193u));
	}
	CHECK_EQ(young_collect(y, 1050, 1100, pairs, 39, &n), AMANA_ERANGE);
	CHECK_EQ(young_collect(y, 3000, 4000, pairs, 64, &n), 0);
	CHECK_EQ(n, 0);
	young_prefetch(y, 9);	/* a hint: nothing to see, nothing to break */
	young_free(y);
	young_free(NULL);
	return test_done();
}
