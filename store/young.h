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

#endif
