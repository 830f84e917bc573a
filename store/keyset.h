/*
 * keyset: a bitmap over the top KEYSET_BITS bits of 32-bit dedup keys,
 * which tells for sure that a key was never added (docs/STORAGE.md,
 * "Dedup in two tiers": the store asks it before probing the dedup
 * B-tree). Bits are only ever set. Adding and asking may run on any
 * threads at once (relaxed atomics: the store orders them with its own
 * release and acquire of what the set covers).
 */
#ifndef AMANA_KEYSET_H
#define AMANA_KEYSET_H
#include <stdint.h>

#include "amana_err.h"

#define KEYSET_BITS	25	/* 2^25 bits: 4 MiB */

struct keyset;

/* An empty set; AMANA_ENOMEM. */
int	keyset_new(struct keyset **out) AMANA_WUR;
void	keyset_free(struct keyset *ks);
void	keyset_add(struct keyset *ks, uint32_t key);
/* Starts loading the part of the set that holds key (a batch asks for
 * many keys: their cache misses overlap). */
void	keyset_prefetch(const struct keyset *ks, uint32_t key);
/* 0 if key was never added; 1 if it may have been. */
int	keyset_maybe(const struct keyset *ks, uint32_t key);

#endif
