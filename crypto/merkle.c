/*
 * merkle: RFC 6962 / 9162 hashing and proof checks. See merkle.h.
 */
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "merkle.h"

void
merkle_leaf_hash(uint8_t out[MERKLE_HASH_LEN], const uint8_t *p, size_t len)
{
	struct amana_sha256_ctx *ctx = NULL;
	uint8_t buf[1 + 256];

	/* Small leaves (log entries) take the one-shot path. */
	if (len < sizeof(buf)) {
		buf[0] = 0x00;
		if (len > 0)
			memcpy(buf + 1, p, len);
		amana_sha256(out, buf, len + 1);
		return;
	}
	if (amana_sha256_new(&ctx) != 0) {
		/* Cannot happen short of memory exhaustion; fail closed with
		 * a hash no honest tree contains. */
		memset(out, 0xff, MERKLE_HASH_LEN);
		return;
	}
	buf[0] = 0x00;
	amana_sha256_update(ctx, buf, 1);
	amana_sha256_update(ctx, p, len);
	amana_sha256_final(ctx, out);
	amana_sha256_free(ctx);
}

void
merkle_node_hash(uint8_t out[MERKLE_HASH_LEN],
    const uint8_t l[MERKLE_HASH_LEN], const uint8_t r[MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, r, MERKLE_HASH_LEN);
	amana_sha256(out, buf, sizeof(buf));
}

void
merkle_empty_root(uint8_t out[MERKLE_HASH_LEN])
{
	amana_sha256(out, "", 0);
}

int
merkle_root_from_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf[MERKLE_HASH_LEN],
    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
    uint8_t root[MERKLE_HASH_LEN])
{
	uint8_t r[MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (index >= size || n > MERKLE_PROOF_MAX)
		return AMANA_EPROOF;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return AMANA_EPROOF;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(r, proof[i], r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node_hash(r, r, proof[i]);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return AMANA_EPROOF;
	memcpy(root, r, MERKLE_HASH_LEN);
	return 0;
}

int
merkle_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf[MERKLE_HASH_LEN],
    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
    const uint8_t root[MERKLE_HASH_LEN])
{
	uint8_t r[MERKLE_HASH_LEN];
	int ret;

	if ((ret = merkle_root_from_inclusion(index, size, leaf, proof, n,
	    r)) != 0)
		return ret;
	if (sodium_memcmp(r, root, MERKLE_HASH_LEN) != 0)
		return AMANA_EPROOF;
	return 0;
}

int
merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t root1[MERKLE_HASH_LEN], const uint8_t root2[MERKLE_HASH_LEN],
    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n)
{
	uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (size1 > size2 || n > MERKLE_PROOF_MAX)
		return AMANA_EPROOF;
	if (size1 == size2) {
		if (n != 0 || sodium_memcmp(root1, root2, MERKLE_HASH_LEN) != 0)
			return AMANA_EPROOF;
		return 0;
	}
	if (size1 == 0)
		return n == 0 ? 0 : AMANA_EPROOF;
	if (n == 0)
		return AMANA_EPROOF;
	/* RFC 9162 2.1.4.2, 0 < size1 < size2. */
	i = 0;
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, MERKLE_HASH_LEN);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_LEN);
	fn = size1 - 1;
	sn = size2 - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return AMANA_EPROOF;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(fr, proof[i], fr);
			merkle_node_hash(sr, proof[i], sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node_hash(sr, sr, proof[i]);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || sodium_memcmp(fr, root1, MERKLE_HASH_LEN) != 0 ||
	    sodium_memcmp(sr, root2, MERKLE_HASH_LEN) != 0)
		return AMANA_EPROOF;
	return 0;
}

void
merkle_range_init(struct merkle_range *r)
{
	memset(r, 0, sizeof(*r));
}

int
merkle_range_append(struct merkle_range *r, const uint8_t leaf[MERKLE_HASH_LEN])
{
	uint8_t h[MERKLE_HASH_LEN];
	uint64_t s;

	if (r->size == UINT64_MAX)
		return AMANA_ERANGE;
	memcpy(h, leaf, MERKLE_HASH_LEN);
	/* Each trailing 1 bit of size is a perfect subtree to merge with. */
	for (s = r->size; (s & 1) != 0; s >>= 1)
		merkle_node_hash(h, r->stack[--r->n], h);
	memcpy(r->stack[r->n++], h, MERKLE_HASH_LEN);
	r->size++;
	return 0;
}

void
merkle_range_root(const struct merkle_range *r, uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t h[MERKLE_HASH_LEN];
	size_t i;

	if (r->n == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(h, r->stack[r->n - 1], MERKLE_HASH_LEN);
	for (i = r->n - 1; i > 0; i--)
		merkle_node_hash(h, r->stack[i - 1], h);
	memcpy(out, h, MERKLE_HASH_LEN);
}
