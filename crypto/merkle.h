/*
 * merkle: RFC 6962 / RFC 9162 Merkle tree hashing and proof verification
 * with SHA-256. Leaf hash = SHA-256(0x00 || entry), node hash =
 * SHA-256(0x01 || left || right), empty tree = SHA-256("").
 * Pure functions; any thread.
 */
#ifndef AMANA_MERKLE_H
#define AMANA_MERKLE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define MERKLE_HASH_LEN		32
/* Longest inclusion or consistency proof for a tree of < 2^64 leaves. */
#define MERKLE_PROOF_MAX	64

/*
 * merkle_leaf_hash: SHA-256(0x00 || p[0..len)). Should the hash context
 * allocation fail (only for len >= 256), out is all 0xff bytes, which no
 * honest tree contains, so every later check fails closed.
 */
void	merkle_leaf_hash(uint8_t out[MERKLE_HASH_LEN], const uint8_t *p,
	    size_t len);
void	merkle_node_hash(uint8_t out[MERKLE_HASH_LEN],
	    const uint8_t l[MERKLE_HASH_LEN], const uint8_t r[MERKLE_HASH_LEN]);
void	merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/*
 * merkle_root_from_inclusion: the root implied by an inclusion proof of
 * the leaf hash `leaf` at `index` in a tree of `size` leaves (RFC 9162
 * 2.1.3.2). proof: n hashes, leaf's sibling first (borrowed).
 * root written only on success. Returns 0 or AMANA_EPROOF (index >= size,
 * wrong proof length).
 */
int	merkle_root_from_inclusion(uint64_t index, uint64_t size,
	    const uint8_t leaf[MERKLE_HASH_LEN],
	    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
	    uint8_t root[MERKLE_HASH_LEN]) AMANA_WUR;

/* merkle_verify_inclusion: 0 if the proof leads to root, else AMANA_EPROOF. */
int	merkle_verify_inclusion(uint64_t index, uint64_t size,
	    const uint8_t leaf[MERKLE_HASH_LEN],
	    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
	    const uint8_t root[MERKLE_HASH_LEN]) AMANA_WUR;

/*
 * merkle_verify_consistency: RFC 9162 2.1.4.2. 0 if the tree of size2 with
 * root2 extends the tree of size1 with root1, else AMANA_EPROOF (also for
 * size1 > size2, a non-empty proof when size1 == size2 or size1 == 0, and
 * wrong proof lengths). size1 == size2 needs root1 == root2.
 */
int	merkle_verify_consistency(uint64_t size1, uint64_t size2,
	    const uint8_t root1[MERKLE_HASH_LEN],
	    const uint8_t root2[MERKLE_HASH_LEN],
	    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n) AMANA_WUR;

/*
 * merkle_range: a compact range from leaf 0, to rebuild a root from all
 * leaf hashes in order using O(log n) memory. Plain data (about 2 KiB);
 * copy freely.
 */
struct merkle_range {
	uint64_t	size;		/* leaves appended */
	size_t		n;		/* hashes on the stack */
	uint8_t		stack[64][MERKLE_HASH_LEN];
};

void	merkle_range_init(struct merkle_range *r);
/* Appends one leaf hash. AMANA_ERANGE when size would overflow. */
int	merkle_range_append(struct merkle_range *r,
	    const uint8_t leaf[MERKLE_HASH_LEN]) AMANA_WUR;
/* The root of the leaves appended so far (the empty root for none). */
void	merkle_range_root(const struct merkle_range *r,
	    uint8_t out[MERKLE_HASH_LEN]);

#endif
