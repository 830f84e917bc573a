/*
 * Regression tests for relay/limits.c (security review): one signing key
 * must not be able to fill the nonce cache and lock every other key out
 * (before the fix: 503 for all signed requests for up to ten minutes);
 * replays stay refused; entries leave after their ttl.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "limits.h"
#include "testlib.h"

static void
nonce_of(uint8_t nonce[RELAY_NONCE_LEN], uint64_t i)
{
	test_fill(nonce, RELAY_NONCE_LEN, i + 1);
}

static void
test_nonce_share(void)
{
	struct relay_nonce *n = NULL;
	uint8_t a[RELAY_KEY_LEN], b[RELAY_KEY_LEN], nonce[RELAY_NONCE_LEN];
	uint64_t i;
	size_t ok = 0, busy = 0, other = 0;
	int64_t now = 1700000000;
	int ret;

	test_fill(a, sizeof(a), 100);
	test_fill(b, sizeof(b), 200);
	if (relay_nonce_new(64, 601, &n) != 0) {
		CHECK(0);
		return;
	}
	/* Key a floods with fresh nonces, all in the same second. */
	for (i = 0; i < 200; i++) {
		nonce_of(nonce, i);
		ret = relay_nonce_check(n, a, nonce, now);
		if (ret == 0)
			ok++;
		else if (ret == AMANA_EBUSY)
			busy++;
		else
			other++;
	}
	CHECK_EQ(ok, 64 / RELAY_NONCE_SHARE_DIV);
	CHECK_EQ(busy, 200 - 64 / RELAY_NONCE_SHARE_DIV);
	CHECK_EQ(other, 0);
	/* Key b is still served. */
	nonce_of(nonce, 1000);
	CHECK_EQ(relay_nonce_check(n, b, nonce, now), 0);
	/* A replay of a's first request is still a replay. */
	nonce_of(nonce, 0);
	CHECK_EQ(relay_nonce_check(n, a, nonce, now + 1), AMANA_EEXIST);
	/* The same nonce from another key is a different request. */
	CHECK_EQ(relay_nonce_check(n, b, nonce, now + 1), 0);
	/* Key a gets budget back over time (share per ttl). */
	nonce_of(nonce, 5000);
	CHECK_EQ(relay_nonce_check(n, a, nonce, now + 300), 0);
	relay_nonce_free(n);
}

static void
test_nonce_full_and_sweep(void)
{
	struct relay_nonce *n = NULL;
	uint8_t key[RELAY_KEY_LEN], nonce[RELAY_NONCE_LEN];
	uint64_t i;
	int64_t now = 1700000000;
	size_t ok = 0;

	if (relay_nonce_new(16, 601, &n) != 0) {
		CHECK(0);
		return;
	}
	/* 16 keys, one request each, fill the cache: then full. */
	for (i = 0; i < 16; i++) {
		test_fill(key, sizeof(key), 300 + i);
		nonce_of(nonce, i);
		if (relay_nonce_check(n, key, nonce, now) == 0)
			ok++;
	}
	CHECK_EQ(ok, 16);
	test_fill(key, sizeof(key), 999);
	nonce_of(nonce, 99);
	CHECK_EQ(relay_nonce_check(n, key, nonce, now + 1), AMANA_EFULL);
	/* After the ttl the entries are swept and the key is served. */
	CHECK_EQ(relay_nonce_check(n, key, nonce, now + 601), 0);
	/* A replay within the window after the sweep is still caught. */
	CHECK_EQ(relay_nonce_check(n, key, nonce, now + 602), AMANA_EEXIST);
	relay_nonce_free(n);
}

static void
test_rate(void)
{
	struct relay_rate *r = NULL;
	uint8_t key[RELAY_KEY_LEN];
	int i, ok = 0;

	test_fill(key, sizeof(key), 7);
	if (relay_rate_new(60, 3, &r) != 0) {
		CHECK(0);
		return;
	}
	for (i = 0; i < 10; i++)
		if (relay_rate_take(r, key, 1000) == 0)
			ok++;
	CHECK_EQ(ok, 3);
	CHECK_EQ(relay_rate_take(r, key, 1500), AMANA_EBUSY);
	CHECK_EQ(relay_rate_take(r, key, 2000), 0);	/* 1 token/s */
	relay_rate_free(r);
}

int
main(void)
{
	test_begin("regress_limits");
	if (sodium_init() < 0)
		return 1;
	test_nonce_share();
	test_nonce_full_and_sweep();
	test_rate();
	return test_done();
}
