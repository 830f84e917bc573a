/* young: see young.h. Linear probing over a power-of-two table at most
 * half full; an entry is (key, index - base + 1), 0 marks a free slot. */
#include <stdlib.h>
#include <string.h>

#include "young.h"

struct yslot {
	uint32_t	key;
	uint32_t	rel;		/* index - base + 1; 0: free */
};

struct young {
	struct yslot	*slot;		/* cap slots */
	struct yslot	*scratch;	/* max entries, for young_prune */
	size_t		 cap, max, count;
	unsigned	 bits;		/* cap = 2^bits */
	uint64_t	 base;
};

static size_t
home(const struct young *y, uint32_t key)
{
	/* Keys are hash bytes, but may be ground to collide: spread them
	 * anyway, so that only equal keys share a probe run. */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - y->bits));
}

int
young_new(size_t max, struct young **out)
{
	struct young *y;
	unsigned bits = 1;

	*out = NULL;
	if (max == 0 || max > ((size_t)1 << 30))
		return AMANA_EINVAL;
	while (((size_t)1 << bits) < 2 * max)
		bits++;
	if ((y = calloc(1, sizeof(*y))) == NULL)
		return AMANA_ENOMEM;
	y->bits = bits;
	y->cap = (size_t)1 << bits;
	y->max = max;
	y->slot = calloc(y->cap, sizeof(*y->slot));
	y->scratch = calloc(max, sizeof(*y->scratch));
	if (y->slot == NULL || y->scratch == NULL) {
		young_free(y);
		return AMANA_ENOMEM;
	}
	*out = y;
	return 0;
}

void
young_free(struct young *y)
{
	if (y == NULL)
		return;
	free(y->slot);
	free(y->scratch);
	free(y);
}

void
young_reset(struct young *y, uint64_t base)
{
	memset(y->slot, 0, y->cap * sizeof(*y->slot));
	y->count = 0;
	y->base = base;
}

size_t
young_count(const struct young *y)
{
	return y->count;
}

uint64_t
young_base(const struct young *y)
{
	return y->base;
}

static void
place(struct young *y, uint32_t key, uint32_t rel)
{
	size_t i = home(y, key), mask = y->cap - 1;

	while (y->slot[i].rel != 0)
		i = (i + 1) & mask;
	y->slot[i].key = key;
	y->slot[i].rel = rel;
	y->count++;
}

int
young_add(struct young *y, uint32_t key, uint64_t index)
{
	if (index < y->base || index - y->base >= UINT32_MAX - 1)
		return AMANA_ERANGE;
	if (y->count >= y->max)
		return AMANA_ENOMEM;
	place(y, key, (uint32_t)(index - y->base + 1));
	return 0;
}

/* The next slot from *i on that holds an index in [lo, end): 1 with
 * *i at it and *index set, or 0 at the end of the table. */
static int
next_in(const struct young *y, size_t *i, uint64_t lo, uint64_t end,
    uint64_t *index)
{
	for (; *i < y->cap; (*i)++) {
		if (y->slot[*i].rel == 0)
			continue;
		*index = y->base + y->slot[*i].rel - 1;
		if (*index >= lo && *index < end)
			return 1;
	}
	return 0;
}

/* Keeps the entries in [lo, end) only, rebased at base <= lo. */
static void
keep(struct young *y, uint64_t base, uint64_t lo, uint64_t end)
{
	size_t i, n = 0;
	uint64_t index;

	for (i = 0; next_in(y, &i, lo, end, &index); i++) {
		y->scratch[n].key = y->slot[i].key;
		y->scratch[n].rel = (uint32_t)(index - base + 1);
		n++;
	}
	young_reset(y, base);
	for (i = 0; i < n; i++)
		place(y, y->scratch[i].key, y->scratch[i].rel);
}

int
young_prune(struct young *y, uint64_t base)
{
	if (base < y->base)
		return AMANA_EINVAL;
	keep(y, base, base, UINT64_MAX);
	return 0;
}

void
young_truncate(struct young *y, uint64_t end)
{
	keep(y, y->base, y->base, end);
}

int
young_next(const struct young *y, uint32_t key, size_t *pos,
    uint64_t *index)
{
	size_t off, i, h = home(y, key), mask = y->cap - 1;

	for (off = *pos; off < y->cap; off++) {
		i = (h + off) & mask;
		if (y->slot[i].rel == 0)
			break;
		if (y->slot[i].key == key) {
			*index = y->base + y->slot[i].rel - 1;
			*pos = off + 1;
			return 1;
		}
	}
	*pos = y->cap;
	return 0;
}

int
young_collect(const struct young *y, uint64_t lo, uint64_t hi,
    struct young_pair *out, size_t max, size_t *n)
{
	size_t i, m = 0;
	uint64_t index;

	for (i = 0; next_in(y, &i, lo, hi, &index); i++) {
		if (m == max)
			return AMANA_ERANGE;
		out[m].key = y->slot[i].key;
		out[m].index = index;
		m++;
	}
	*n = m;
	return 0;
}

void
young_prefetch(const struct young *y, uint32_t key)
{
	__builtin_prefetch(&y->slot[home(y, key)]);
}
