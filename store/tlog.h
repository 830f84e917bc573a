/*
 * tlog: the producing side of the RFC 6962/9162 Merkle tree: appending
 * leaves to a compact frontier, hashes of any complete subtree or range,
 * inclusion and consistency proofs, and C2SP tlog-tiles hash tiles.
 * Hashing itself is crypto/merkle.h; this module only walks the tree.
 *
 * Where hashes come from is the caller's business: a struct tlog_src hands
 * out the hash of a complete subtree at a "stored" level (level 0, the leaf
 * hashes, and every level that is a multiple of TLOG_STRIDE); tlog computes
 * every other node from at most 2^(TLOG_STRIDE-1) stored ones.
 * Not thread-safe per tlog_src (its cache); separate srcs are independent.
 */
#ifndef AMANA_TLOG_H
#define AMANA_TLOG_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"

#define TLOG_HASH_LEN		32
/* Levels that are multiples of TLOG_STRIDE (and level 0) are stored. */
#define TLOG_STRIDE		4
/* C2SP tlog-tiles: tile height 8, so a full tile holds 256 hashes. */
#define TLOG_TILE_HEIGHT	8
#define TLOG_TILE_WIDTH		256
/* Hashes in a frontier or a proof for any tree of at most 2^63 leaves. */
#define TLOG_MAX_HEIGHT		64
/* Largest tree size handled (so that size arithmetic cannot overflow). */
#define TLOG_SIZE_MAX		(UINT64_C(1) << 62)

/*
 * Fetches the hash of the complete subtree at (level, index): level is 0
 * (the leaf hash of entry index) or a multiple of TLOG_STRIDE. Returns 0,
 * AMANA_ENOENT (not stored) or any error, passed through unchanged.
 */
typedef int (*tlog_get_fn)(void *ctx, unsigned level, uint64_t index,
    uint8_t out[static TLOG_HASH_LEN]);

/*
 * One memo slot: the hash of the complete subtree (level, index), key =
 * index + 1 and hi = level, or of the leaf range [lo, hi) that is not a
 * complete subtree, key = TLOG_CACHE_RANGE | lo. key 0 is empty.
 */
struct tlog_cache_slot {
	uint64_t	key;
	uint64_t	hi;
	uint8_t		hash[TLOG_HASH_LEN];
};

#define TLOG_CACHE_SLOTS	4096
#define TLOG_CACHE_RANGE	(UINT64_C(1) << 63)

struct tlog_src {
	tlog_get_fn		 get;
	void			*ctx;
	/* Optional memo (TLOG_CACHE_SLOTS slots, zeroed), or NULL: complete
	 * subtrees (fetched or computed, leaves included) and ranges
	 * [lo, hi). Both are fixed once the tree holds hi leaves, so the memo
	 * stays valid while the log only grows; it must only ever see one
	 * log, and only hashes of committed leaves (the owner clears it,
	 * memset 0, otherwise). */
	struct tlog_cache_slot	*cache;
};

/*
 * The right edge of a tree: one hash per set bit of size, the largest
 * subtree first. Enough to append and to compute the root.
 */
struct tlog_frontier {
	uint64_t	size;
	size_t		n;
	uint8_t		h[TLOG_MAX_HEIGHT][TLOG_HASH_LEN];
};

/*
 * Called for every complete subtree that an append finishes at a level
 * that is a non-zero multiple of TLOG_STRIDE, to be stored. Returns 0 or an
 * error that aborts the append.
 */
typedef int (*tlog_emit_fn)(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[static TLOG_HASH_LEN]);

/* Empty tree. */
void	tlog_frontier_init(struct tlog_frontier *f);
/*
 * Appends one leaf hash (the merkle_leaf_hash of the entry). emit may be
 * NULL. On error the frontier is unchanged. AMANA_ERANGE at TLOG_SIZE_MAX,
 * or emit's error.
 */
int	tlog_frontier_push(struct tlog_frontier *f,
	    const uint8_t leaf[static TLOG_HASH_LEN], tlog_emit_fn emit,
	    void *emit_ctx) AMANA_WUR;
/*
 * The same, and every complete subtree the append finishes (any level
 * above the leaves) goes into cache (a memo as in struct tlog_src, or
 * NULL), so that proofs never hash it again. The caller must clear the
 * memo if these leaves are not committed after all.
 */
int	tlog_frontier_push_memo(struct tlog_frontier *f,
	    const uint8_t leaf[static TLOG_HASH_LEN], tlog_emit_fn emit,
	    void *emit_ctx, struct tlog_cache_slot *cache) AMANA_WUR;
/* Root hash of the frontier's tree (SHA-256 of "" when empty). */
void	tlog_frontier_root(const struct tlog_frontier *f,
	    uint8_t out[static TLOG_HASH_LEN]);
/*
 * Serialised form: size u64 BE, then n = popcount(size) hashes.
 * tlog_frontier_encode appends to out. tlog_frontier_decode parses
 * (p, len) exactly (AMANA_EPARSE on any other length or a size above
 * TLOG_SIZE_MAX).
 */
int	tlog_frontier_encode(const struct tlog_frontier *f,
	    struct amana_buf *out) AMANA_WUR;
int	tlog_frontier_decode(struct tlog_frontier *f, const uint8_t *p,
	    size_t len) AMANA_WUR;

/*
 * Puts the hash of the complete subtree (level, index) into a memo (as
 * tlog_node would after computing it), for a caller that already holds it:
 * a writer seeds the leaves of a committed batch so that its receipts do not
 * read them back. Same rules as struct tlog_src's cache: committed hashes
 * of one log only. No-op for a NULL memo or an index out of range.
 */
void	tlog_cache_seed(struct tlog_cache_slot *cache, unsigned level,
	    uint64_t index, const uint8_t hash[static TLOG_HASH_LEN]);
/*
 * Hash of the complete subtree of 2^level leaves starting at leaf
 * index << level. The caller guarantees it lies inside the tree.
 * Returns 0 or the src's error.
 */
int	tlog_node(const struct tlog_src *src, unsigned level, uint64_t index,
	    uint8_t out[static TLOG_HASH_LEN]) AMANA_WUR;
/* RFC 6962 MTH of leaves [lo, hi), lo < hi. AMANA_EINVAL if lo >= hi. */
int	tlog_range(const struct tlog_src *src, uint64_t lo, uint64_t hi,
	    uint8_t out[static TLOG_HASH_LEN]) AMANA_WUR;
/* Root of the tree of the first size leaves (size 0: SHA-256 of ""). */
int	tlog_root(const struct tlog_src *src, uint64_t size,
	    uint8_t out[static TLOG_HASH_LEN]) AMANA_WUR;
/*
 * RFC 6962 inclusion proof of leaf index in the tree of size leaves:
 * appends the hashes (32 bytes each, leaf to root) to out.
 * AMANA_EINVAL unless index < size <= TLOG_SIZE_MAX.
 */
int	tlog_inclusion_proof(const struct tlog_src *src, uint64_t index,
	    uint64_t size, struct amana_buf *out) AMANA_WUR;
/*
 * The last proof tlog_inclusion_proof_memo made (n 0: none). Zeroed before
 * first use; one caller at a time. Only for trees that never change: the
 * tree of a given size must be the same for every call.
 */
struct tlog_proof_memo {
	uint64_t	index, size;
	size_t		n;
	uint8_t		h[TLOG_MAX_HEIGHT][TLOG_HASH_LEN];
};
/*
 * tlog_inclusion_proof, which takes the hashes it shares with the memo's
 * proof (same size: those above the level where the two leaves' paths
 * part, the upper part of a proof) from the memo instead of src, then
 * keeps its own proof in the memo.
 */
int	tlog_inclusion_proof_memo(const struct tlog_src *src, uint64_t index,
	    uint64_t size, struct tlog_proof_memo *pm, struct amana_buf *out)
	    AMANA_WUR;
/*
 * RFC 6962 consistency proof from size1 to size2 (appends hashes to out;
 * none when size1 == size2 or size1 == 0).
 * AMANA_EINVAL unless size1 <= size2 <= TLOG_SIZE_MAX.
 */
int	tlog_consistency_proof(const struct tlog_src *src, uint64_t size1,
	    uint64_t size2, struct amana_buf *out) AMANA_WUR;
/*
 * C2SP tlog-tiles hash tile at tile level lvl, tile index n, width w
 * (1..256), for a tree of size leaves: appends w * 32 bytes to out.
 * AMANA_ENOENT if that tile does not exist at this size, AMANA_EINVAL for
 * a bad width or level.
 */
int	tlog_hash_tile(const struct tlog_src *src, unsigned lvl, uint64_t n,
	    unsigned w, uint64_t size, struct amana_buf *out) AMANA_WUR;

#endif
