/*
 * keyset: see keyset.h.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "keyset.h"

#define WORDS	((size_t)1 << (KEYSET_BITS - 6))

struct keyset {
	_Atomic uint64_t	*w;
};

int
keyset_new(struct keyset **out)
{
	struct keyset *ks;
	size_t i;

	*out = NULL;
	if ((ks = malloc(sizeof(*ks))) == NULL)
		return AMANA_ENOMEM;
	if ((ks->w = malloc(WORDS * sizeof(*ks->w))) == NULL) {
		free(ks);
		return AMANA_ENOMEM;
	}
	for (i = 0; i < WORDS; i++)
		atomic_init(&ks->w[i], 0);
	*out = ks;
	return 0;
}

void
keyset_free(struct keyset *ks)
{
	if (ks == NULL)
		return;
	free(ks->w);
	free(ks);
}

void
keyset_add(struct keyset *ks, uint32_t key)
{
	uint32_t b = key >> (32 - KEYSET_BITS);
	uint64_t m = UINT64_C(1) << (b & 63);

	/* Read first: a bit already set needs no write to its line. */
	if ((atomic_load_explicit(&ks->w[b >> 6], memory_order_relaxed) &
	    m) == 0)
		atomic_fetch_or_explicit(&ks->w[b >> 6], m,
		    memory_order_relaxed);
}

void
keyset_prefetch(const struct keyset *ks, uint32_t key)
{
	__builtin_prefetch(&ks->w[key >> (32 - KEYSET_BITS) >> 6]);
}

int
keyset_maybe(const struct keyset *ks, uint32_t key)
{
	uint32_t b = key >> (32 - KEYSET_BITS);

	return (atomic_load_explicit(&ks->w[b >> 6], memory_order_relaxed) >>
	    (b & 63) & 1) != 0;
}
