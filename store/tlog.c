/*
 * tlog: walks the RFC 6962 tree; see tlog.h. Hashing is merkle.h.
 */
#include <string.h>

#include "amana_cur.h"
#include "merkle.h"
#include "tlog.h"

_Static_assert(TLOG_HASH_LEN == MERKLE_HASH_LEN, "hash length");
_Static_assert(TLOG_TILE_HEIGHT % TLOG_STRIDE == 0, "stride divides tiles");

static void	hnode(uint8_t out[static TLOG_HASH_LEN], const uint8_t *l,
		    const uint8_t *r);

void
tlog_frontier_init(struct tlog_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

int
tlog_frontier_push(struct tlog_frontier *f,
    const uint8_t leaf[static TLOG_HASH_LEN], tlog_emit_fn emit,
    void *emit_ctx)
{
	return tlog_frontier_push_memo(f, leaf, emit, emit_ctx, NULL);
}

int
tlog_frontier_push_memo(struct tlog_frontier *f,
    const uint8_t leaf[static TLOG_HASH_LEN], tlog_emit_fn emit,
    void *emit_ctx, struct tlog_cache_slot *cache)
{
	uint8_t cur[TLOG_HASH_LEN];
	uint64_t i;
	unsigned level = 0;
	size_t n;
	int ret;

	if (f->size >= TLOG_SIZE_MAX)
		return AMANA_ERANGE;
	memcpy(cur, leaf, sizeof(cur));
	n = f->n;
	/* Each trailing one bit of the index closes a subtree. */
	for (i = f->size; i & 1; i >>= 1) {
		if (n == 0)
			return AMANA_EINVAL;	/* frontier inconsistent */
		hnode(cur, f->h[n - 1], cur);
		n--;
		level++;
		tlog_cache_seed(cache, level, i >> 1, cur);
		if (emit != NULL && level % TLOG_STRIDE == 0 &&
		    (ret = emit(emit_ctx, level, i >> 1, cur)) != 0)
			return ret;
	}
	memcpy(f->h[n], cur, sizeof(cur));
	f->n = n + 1;
	f->size++;
	return 0;
}

void
tlog_frontier_root(const struct tlog_frontier *f,
    uint8_t out[static TLOG_HASH_LEN])
{
	uint8_t r[TLOG_HASH_LEN];
	size_t i;

	if (f->n == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(r, f->h[f->n - 1], sizeof(r));
	for (i = f->n - 1; i > 0; i--)
		hnode(r, f->h[i - 1], r);
	memcpy(out, r, sizeof(r));
}

int
tlog_frontier_encode(const struct tlog_frontier *f, struct amana_buf *out)
{
	size_t before = out->len, i;
	int ret;

	if ((ret = amana_buf_u64be(out, f->size)) != 0)
		return ret;
	for (i = 0; i < f->n; i++) {
		if ((ret = amana_buf_append(out, f->h[i], TLOG_HASH_LEN)) !=
		    0) {
			out->len = before;
			return ret;
		}
	}
	return 0;
}

int
tlog_frontier_decode(struct tlog_frontier *f, const uint8_t *p, size_t len)
{
	struct amana_cur c;
	uint64_t size;
	size_t n, i;

	amana_cur_init(&c, p, len);
	if (amana_cur_u64be(&c, &size) != 0 || size > TLOG_SIZE_MAX)
		return AMANA_EPARSE;
	n = (size_t)__builtin_popcountll(size);
	if (amana_cur_left(&c) != n * TLOG_HASH_LEN)
		return AMANA_EPARSE;
	f->size = size;
	f->n = n;
	for (i = 0; i < n; i++)
		if (amana_cur_copy(&c, f->h[i], TLOG_HASH_LEN) != 0)
			return AMANA_EPARSE;
	return 0;
}

/* merkle_node_hash without assumptions about aliasing. */
static void
hnode(uint8_t out[static TLOG_HASH_LEN], const uint8_t *l, const uint8_t *r)
{
	uint8_t t[TLOG_HASH_LEN];

	merkle_node_hash(t, l, r);
	memcpy(out, t, sizeof(t));
}

static size_t
cache_slot(uint64_t key, uint64_t hi)
{
	key = (key ^ hi * 0xc2b2ae3d27d4eb4fULL) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(key >> 52) % TLOG_CACHE_SLOTS;
}

/* The memo slot for (key, hi), or NULL without a memo; *hit when it holds
 * that hash (copied to out). */
static struct tlog_cache_slot *
cache_get(const struct tlog_src *src, uint64_t key, uint64_t hi,
    uint8_t out[static TLOG_HASH_LEN], int *hit)
{
	struct tlog_cache_slot *slot;

	*hit = 0;
	if (src->cache == NULL)
		return NULL;
	slot = &src->cache[cache_slot(key, hi)];
	if (slot->key == key && slot->hi == hi) {
		memcpy(out, slot->hash, TLOG_HASH_LEN);
		*hit = 1;
	}
	return slot;
}

static void
cache_put(struct tlog_cache_slot *slot, uint64_t key, uint64_t hi,
    const uint8_t hash[static TLOG_HASH_LEN])
{
	if (slot == NULL)
		return;
	slot->key = key;
	slot->hi = hi;
	memcpy(slot->hash, hash, TLOG_HASH_LEN);
}

void
tlog_cache_seed(struct tlog_cache_slot *cache, unsigned level,
    uint64_t index, const uint8_t hash[static TLOG_HASH_LEN])
{
	if (cache == NULL || level >= TLOG_MAX_HEIGHT ||
	    index >= (TLOG_SIZE_MAX >> level))
		return;
	cache_put(&cache[cache_slot(index + 1, level)], index + 1, level,
	    hash);
}

/* A stored-level hash: from the memo when it holds it (seeded or fetched
 * before), else from the src (not memoised: tlog_node keeps the node it
 * computes instead). */
static int
base_get(const struct tlog_src *src, unsigned level, uint64_t index,
    uint8_t out[static TLOG_HASH_LEN])
{
	int hit;

	(void)cache_get(src, index + 1, level, out, &hit);
	return hit ? 0 : src->get(src->ctx, level, index, out);
}

int
tlog_node(const struct tlog_src *src, unsigned level, uint64_t index,
    uint8_t out[static TLOG_HASH_LEN])
{
	/* Up to 2^(TLOG_STRIDE-1) hashes per level below the asked one. */
	uint8_t h[1u << (TLOG_STRIDE - 1)][TLOG_HASH_LEN];
	struct tlog_cache_slot *slot;
	unsigned base, up, l;
	uint64_t first, key, count, i;
	int ret, hit;

	if (level >= TLOG_MAX_HEIGHT || index >= (TLOG_SIZE_MAX >> level))
		return AMANA_EINVAL;
	key = index + 1;	/* < TLOG_CACHE_RANGE */
	slot = cache_get(src, key, level, out, &hit);
	if (hit)
		return 0;
	base = level - level % TLOG_STRIDE;
	if (base == level) {
		if ((ret = src->get(src->ctx, level, index, out)) != 0)
			return ret;
		cache_put(slot, key, level, out);
		return 0;
	}
	up = level - base;	/* 1 .. TLOG_STRIDE-1 */
	first = index << up;
	/* Hash pairs as they are fetched: a stack of at most up+1 hashes
	 * would do, but 2^(up-1) pairs fit easily. */
	count = UINT64_C(1) << up;
	for (i = 0; i < count; i += 2) {
		uint8_t a[TLOG_HASH_LEN], b[TLOG_HASH_LEN];

		if ((ret = base_get(src, base, first + i, a)) != 0 ||
		    (ret = base_get(src, base, first + i + 1, b)) != 0)
			return ret;
		merkle_node_hash(h[i / 2], a, b);
	}
	for (l = 1, count >>= 1; l < up; l++, count >>= 1)
		for (i = 0; i < count; i += 2)
			hnode(h[i / 2], h[i], h[i + 1]);
	memcpy(out, h[0], TLOG_HASH_LEN);
	cache_put(slot, key, level, out);
	return 0;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* Whether [lo, lo + n) is a complete, aligned subtree. */
static int
is_node(uint64_t lo, uint64_t n, unsigned *level)
{
	if ((n & (n - 1)) != 0 || (lo & (n - 1)) != 0)
		return 0;
	*level = (unsigned)__builtin_ctzll(n);
	return 1;
}

int
tlog_range(const struct tlog_src *src, uint64_t lo, uint64_t hi,
    uint8_t out[static TLOG_HASH_LEN])
{
	uint8_t right[TLOG_HASH_LEN], left[TLOG_HASH_LEN];
	struct tlog_cache_slot *slot;
	uint64_t k;
	unsigned level;
	int ret, hit;

	if (lo >= hi || hi > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	if (is_node(lo, hi - lo, &level))
		return tlog_node(src, level, lo >> level, out);
	/* Ranges along the right edge of a tree recur in the proofs of every
	 * index of a batch: memoised like nodes. */
	slot = cache_get(src, TLOG_CACHE_RANGE | lo, hi, out, &hit);
	if (hit)
		return 0;
	/* The left part [lo, lo+k) is always complete and aligned here; the
	 * right part is computed iteratively from the right edge. */
	k = split_point(hi - lo);
	if ((ret = tlog_range(src, lo + k, hi, right)) != 0)
		return ret;
	if (!is_node(lo, k, &level))
		return AMANA_EINVAL;
	if ((ret = tlog_node(src, level, lo >> level, left)) != 0)
		return ret;
	merkle_node_hash(out, left, right);
	cache_put(slot, TLOG_CACHE_RANGE | lo, hi, out);
	return 0;
}

int
tlog_root(const struct tlog_src *src, uint64_t size,
    uint8_t out[static TLOG_HASH_LEN])
{
	if (size > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	return tlog_range(src, 0, size, out);
}

/* Appends MTH(D[lo:hi]) to out. */
static int
append_range(const struct tlog_src *src, uint64_t lo, uint64_t hi,
    struct amana_buf *out)
{
	uint8_t h[TLOG_HASH_LEN];
	int ret;

	if ((ret = tlog_range(src, lo, hi, h)) != 0)
		return ret;
	return amana_buf_append(out, h, sizeof(h));
}

/* PATH(m, D[lo:hi]) of RFC 6962 2.1.1, appended leaf side first. */
static int
path(const struct tlog_src *src, uint64_t m, uint64_t lo, uint64_t hi,
    struct amana_buf *out)
{
	uint64_t k;
	int ret;

	if (hi - lo <= 1)
		return 0;
	k = split_point(hi - lo);
	if (m < lo + k)
		return (ret = path(src, m, lo, lo + k, out)) != 0 ? ret :
		    append_range(src, lo + k, hi, out);
	return (ret = path(src, m, lo + k, hi, out)) != 0 ? ret :
	    append_range(src, lo, lo + k, out);
}

int
tlog_inclusion_proof(const struct tlog_src *src, uint64_t index,
    uint64_t size, struct amana_buf *out)
{
	size_t before = out->len;
	int ret;

	if (index >= size || size > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	if ((ret = path(src, index, 0, size, out)) != 0)
		out->len = before;
	return ret;
}

int
tlog_inclusion_proof_memo(const struct tlog_src *src, uint64_t index,
    uint64_t size, struct tlog_proof_memo *pm, struct amana_buf *out)
{
	size_t before = out->len, n, d = 0;
	uint64_t lo = 0, hi = size, k;
	int ret, left;

	if (index >= size || size > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	/* Walk down while both leaves go the same way: one shared hash (the
	 * other side's) per level, the last ones of the memo's proof. */
	if (pm->n > 0 && pm->size == size)
		for (; hi - lo > 1; d++) {
			k = split_point(hi - lo);
			left = index < lo + k;
			if (left != (pm->index < lo + k))
				break;
			if (left)
				hi = lo + k;
			else
				lo += k;
		}
	if ((ret = path(src, index, lo, hi, out)) != 0 || d > pm->n ||
	    (ret = amana_buf_append(out, pm->h[pm->n - d],
	    d * TLOG_HASH_LEN)) != 0) {
		out->len = before;
		return ret != 0 ? ret : AMANA_EINVAL;
	}
	n = (out->len - before) / TLOG_HASH_LEN;
	if (n > TLOG_MAX_HEIGHT) {
		out->len = before;
		return AMANA_EINVAL;
	}
	if (n > 0)	/* a tree of one leaf: no proof, maybe no buffer */
		memcpy(pm->h, out->p + before, n * TLOG_HASH_LEN);
	pm->n = n;
	pm->index = index;
	pm->size = size;
	return 0;
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 6962 2.1.2. */
static int
subproof(const struct tlog_src *src, uint64_t m, uint64_t lo, uint64_t hi,
    int b, struct amana_buf *out)
{
	uint64_t n = hi - lo, k;
	int ret;

	if (m == n)
		return b ? 0 : append_range(src, lo, hi, out);
	k = split_point(n);
	if (m <= k)
		return (ret = subproof(src, m, lo, lo + k, b, out)) != 0 ? ret :
		    append_range(src, lo + k, hi, out);
	return (ret = subproof(src, m - k, lo + k, hi, 0, out)) != 0 ? ret :
	    append_range(src, lo, lo + k, out);
}

int
tlog_consistency_proof(const struct tlog_src *src, uint64_t size1,
    uint64_t size2, struct amana_buf *out)
{
	size_t before = out->len;
	int ret;

	if (size1 > size2 || size2 > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	if (size1 == 0 || size1 == size2)
		return 0;
	if ((ret = subproof(src, size1, 0, size2, 1, out)) != 0)
		out->len = before;
	return ret;
}

int
tlog_hash_tile(const struct tlog_src *src, unsigned lvl, uint64_t n,
    unsigned w, uint64_t size, struct amana_buf *out)
{
	uint8_t h[TLOG_HASH_LEN];
	unsigned level;
	uint64_t first, i;
	size_t before = out->len;
	int ret;

	if (w == 0 || w > TLOG_TILE_WIDTH || size > TLOG_SIZE_MAX)
		return AMANA_EINVAL;
	if (lvl >= TLOG_MAX_HEIGHT / TLOG_TILE_HEIGHT)
		return AMANA_EINVAL;
	level = lvl * TLOG_TILE_HEIGHT;
	/* Nodes at `level` that exist: size >> level. */
	if (n > (size >> level) / TLOG_TILE_WIDTH)
		return AMANA_ENOENT;
	first = n * TLOG_TILE_WIDTH;
	if (first + w > (size >> level))
		return AMANA_ENOENT;
	if ((ret = amana_buf_reserve(out, (size_t)w * TLOG_HASH_LEN)) != 0)
		return ret;
	for (i = 0; i < w; i++) {
		if ((ret = tlog_node(src, level, first + i, h)) != 0) {
			out->len = before;
			return ret;
		}
		if ((ret = amana_buf_append(out, h, sizeof(h))) != 0) {
			out->len = before;
			return ret;
		}
	}
	return 0;
}
