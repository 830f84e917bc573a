/*
 * young: the store's in-memory index of its youngest log entries, the
 * ones whose dedup keys are not yet (all) merged into the dedup B-tree
 * (docs/STORAGE.md, "Dedup in two tiers"): dedup key (the first 4 bytes
 * of the record's SHA-256) -> log index, a multimap, for indices in
 * [base, base + 2^32 - 1). Open addressing, fixed capacity, no allocation
 * after young_new. Not thread-safe: the store locks around it.
 */
#ifndef AMANA_YOUNG_H
#define AMANA_YOUNG_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

struct young;

/* One entry, as young_collect copies it out. */
struct young_pair {
	uint32_t	key;
	uint64_t	index;
};

/* An index for at most max entries (1 .. 2^30). AMANA_EINVAL, or
 * AMANA_ENOMEM. Empty, base 0. */
int	young_new(size_t max, struct young **out) AMANA_WUR;
void	young_free(struct young *y);
/* Forgets every entry; indices from base on can be added. */
void	young_reset(struct young *y, uint64_t base);
/* Entries held. */
size_t	young_count(const struct young *y);
/* The base: no index below it is held. */
uint64_t young_base(const struct young *y);
/*
 * Adds (key, index). AMANA_ERANGE if index is below the base or 2^32 - 1
 * or more above it, AMANA_ENOMEM when max entries are held. Adding a pair
 * twice holds it twice.
 */
int	young_add(struct young *y, uint32_t key, uint64_t index) AMANA_WUR;
/*
 * Drops every entry below base and makes base the new base (base only
 * grows: a lower one is AMANA_EINVAL).
 */
int	young_prune(struct young *y, uint64_t base) AMANA_WUR;
/* Drops every entry at or above end (a batch that did not commit). */
void	young_truncate(struct young *y, uint64_t end);
/*
 * Iterates over the indices held for key: *pos = 0 before the first call;
 * returns 1 with *index set, or 0 when there are no more. The index must
 * not change between the calls.
 */
int	young_next(const struct young *y, uint32_t key, size_t *pos,
	    uint64_t *index);
/*
 * Copies the entries whose index is in [lo, hi) to out, in no particular
 * order, and sets *n to their number; AMANA_ERANGE (*n undefined) if there
 * are more than max.
 */
int	young_collect(const struct young *y, uint64_t lo, uint64_t hi,
	    struct young_pair *out, size_t max, size_t *n) AMANA_WUR;
/*
 * A hint only: starts loading key's first slot into the CPU cache, so
 * that a batch's lookups wait for memory once, not once per key.
 */
void	young_prefetch(const struct young *y, uint32_t key);

#endif
