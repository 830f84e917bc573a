/*
 * test_keyset: the store's bitmap of dedup keys (store/keyset.h): a key
 * added is always "maybe"; a key never added is "no" unless it shares its
 * top KEYSET_BITS bits with one that was; adding twice changes nothing.
 */
#include "keyset.h"
#include "testlib.h"

#define LOW	(32 - KEYSET_BITS)	/* bits of a key the set ignores */

int
main(void)
{
	struct keyset *ks = NULL;
	uint32_t i, k, maybe = 0;

	test_begin("keyset");
	CHECK_EQ(keyset_new(&ks), 0);
	if (ks == NULL)
		return test_done();
	/* Empty: no key at all, the first and last bits included. */
	CHECK(!keyset_maybe(ks, 0) && !keyset_maybe(ks, UINT32_MAX));
	for (i = 0; i < 100000; i++)
		CHECK(!keyset_maybe(ks, i * 2654435761u));
	/* 10,000 spread keys, the extremes, and one twice. */
	for (i = 0; i < 10000; i++)
		keyset_add(ks, i * 2654435761u);
	keyset_add(ks, 0);
	keyset_add(ks, UINT32_MAX);
	keyset_add(ks, UINT32_MAX);
	for (i = 0; i < 10000; i++)
		CHECK(keyset_maybe(ks, i * 2654435761u));
	CHECK(keyset_maybe(ks, 0) && keyset_maybe(ks, UINT32_MAX));
	/* Only the top bits count: a neighbour below the same bit is in. */
	CHECK(keyset_maybe(ks, (1u << LOW) - 1));
	CHECK(keyset_maybe(ks, UINT32_MAX - ((1u << LOW) - 1)));
	keyset_add(ks, 0x12345678u);
	CHECK(keyset_maybe(ks, 0x12345678u & ~((1u << LOW) - 1)));
	CHECK(!keyset_maybe(ks, (0x12345678u | ((1u << LOW) - 1)) + 1));
	/* Keys never added: "no" but for about 10,000 / 2^25 of them. */
	for (i = 0; i < 100000; i++) {
		k = 0x9e3779b9u + i * 40503u;
		maybe += (uint32_t)keyset_maybe(ks, k);
	}
	CHECK(maybe < 200);
	keyset_free(ks);
	keyset_free(NULL);
	return test_done();
}
