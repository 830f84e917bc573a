/* limits: rate limiting and the nonce cache. See limits.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "limits.h"

#define UINT_MAX_	((uint64_t)(unsigned)-1)

struct rate_slot {
	uint8_t		key[RELAY_KEY_LEN];
	uint64_t	last_ms;
	double		tokens;
	int		used;
};

struct relay_rate {
	double		 per_ms;
	double		 burst;
	uint8_t		 hkey[crypto_shorthash_KEYBYTES];
	struct rate_slot *slots;
};

static size_t
slot_of(const uint8_t *hkey, const uint8_t *p, size_t len, size_t n)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, p, len, hkey);	/* keyed: no chosen collisions */
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return (size_t)(v % n);
}

int
relay_rate_new(unsigned rate_per_minute, unsigned burst,
    struct relay_rate **out)
{
	struct relay_rate *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return AMANA_ENOMEM;
	if ((r->slots = calloc(RELAY_RATE_SLOTS, sizeof(*r->slots))) == NULL) {
		free(r);
		return AMANA_ENOMEM;
	}
	r->per_ms = (double)rate_per_minute / 60000.0;
	r->burst = burst;
	randombytes_buf(r->hkey, sizeof(r->hkey));
	*out = r;
	return 0;
}

int
relay_rate_take(struct relay_rate *r, const uint8_t *key, uint64_t now_ms)
{
	struct rate_slot *s;
	double t;

	s = &r->slots[slot_of(r->hkey, key, RELAY_KEY_LEN, RELAY_RATE_SLOTS)];
	if (s->used) {
		t = s->tokens;
		if (now_ms > s->last_ms)
			t += (double)(now_ms - s->last_ms) * r->per_ms;
		if (t > r->burst)
			t = r->burst;
		if (memcmp(s->key, key, RELAY_KEY_LEN) != 0 && t >= r->burst)
			s->used = 0;	/* idle bucket: give the slot away */
		else {
			s->tokens = t;
			s->last_ms = now_ms;
		}
	}
	if (!s->used) {
		memcpy(s->key, key, RELAY_KEY_LEN);
		s->tokens = r->burst;
		s->last_ms = now_ms;
		s->used = 1;
	}
	if (s->tokens < 1.0)
		return AMANA_EBUSY;
	s->tokens -= 1.0;
	return 0;
}

void
relay_rate_set(struct relay_rate *r, unsigned rate_per_minute, unsigned burst)
{
	r->per_ms = (double)rate_per_minute / 60000.0;
	r->burst = burst;
}

void
relay_rate_free(struct relay_rate *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

struct nonce_slot {
	uint8_t		id[crypto_generichash_BYTES_MIN];	/* 16 */
	int64_t		expires;	/* 0: empty */
};

struct relay_nonce {
	size_t		 cap;		/* slots: 2 * capacity */
	size_t		 live;
	size_t		 max_live;
	unsigned	 ttl;
	int64_t		 last_sweep;
	struct nonce_slot *slots;
	struct relay_rate *share;	/* entries per key */
	uint8_t		 hkey[crypto_generichash_KEYBYTES];
};

int
relay_nonce_new(size_t capacity, unsigned ttl, struct relay_nonce **out)
{
	struct relay_nonce *n;
	uint64_t per_min, share;

	if (capacity == 0 || capacity > SIZE_MAX / 2 / sizeof(struct nonce_slot))
		return AMANA_EINVAL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return AMANA_ENOMEM;
	n->cap = capacity * 2;
	n->max_live = capacity;
	n->ttl = ttl;
	randombytes_buf(n->hkey, sizeof(n->hkey));
	/*
	 * One key may add RELAY_NONCE_SHARE_DIV-th of the capacity at once
	 * and as much again per ttl: it can never hold more than a quarter
	 * of the cache, so it cannot lock every other key out.
	 */
	share = capacity / RELAY_NONCE_SHARE_DIV;
	if (share == 0)
		share = 1;
	per_min = (uint64_t)share * 60 / (ttl > 0 ? ttl : 1);
	if (per_min == 0)
		per_min = 1;
	if (per_min > UINT_MAX_ || share > UINT_MAX_)
		per_min = share = UINT_MAX_;
	if ((n->slots = calloc(n->cap, sizeof(*n->slots))) == NULL ||
	    relay_rate_new((unsigned)per_min, (unsigned)share,
	    &n->share) != 0) {
		free(n->slots);
		free(n);
		return AMANA_ENOMEM;
	}
	*out = n;
	return 0;
}

/* Rebuilds the table without expired entries (open addressing). */
static void
sweep(struct relay_nonce *n, int64_t now)
{
	struct nonce_slot *old = n->slots, *fresh;
	size_t i, j;

	if ((fresh = calloc(n->cap, sizeof(*fresh))) == NULL)
		return;
	n->live = 0;
	for (i = 0; i < n->cap; i++) {
		if (old[i].expires == 0 || old[i].expires <= now)
			continue;
		j = ((size_t)old[i].id[0] | (size_t)old[i].id[1] << 8 |
		    (size_t)old[i].id[2] << 16 | (size_t)old[i].id[3] << 24) %
		    n->cap;
		while (fresh[j].expires != 0)
			j = (j + 1) % n->cap;
		fresh[j] = old[i];
		n->live++;
	}
	free(old);
	n->slots = fresh;
	n->last_sweep = now;
}

int
relay_nonce_check(struct relay_nonce *n, const uint8_t *key,
    const uint8_t *nonce, int64_t now)
{
	uint8_t in[RELAY_KEY_LEN + RELAY_NONCE_LEN];
	uint8_t id[crypto_generichash_BYTES_MIN];
	size_t j, probes;

	memcpy(in, key, RELAY_KEY_LEN);
	memcpy(in + RELAY_KEY_LEN, nonce, RELAY_NONCE_LEN);
	/* Keyed: a client cannot choose nonces that pile into one run. */
	crypto_generichash(id, sizeof(id), in, sizeof(in), n->hkey,
	    sizeof(n->hkey));
	if (n->live >= n->max_live && now != n->last_sweep)
		sweep(n, now);
	j = ((size_t)id[0] | (size_t)id[1] << 8 | (size_t)id[2] << 16 |
	    (size_t)id[3] << 24) % n->cap;
	for (probes = 0; probes < n->cap; probes++) {
		if (n->slots[j].expires == 0)
			break;
		if (memcmp(n->slots[j].id, id, sizeof(id)) == 0)
			return AMANA_EEXIST;	/* even if expired: still old */
		j = (j + 1) % n->cap;
	}
	if (n->live >= n->max_live || probes == n->cap)
		return AMANA_EFULL;
	if (relay_rate_take(n->share, key, (uint64_t)(now < 0 ? 0 : now) *
	    1000u) != 0)
		return AMANA_EBUSY;
	memcpy(n->slots[j].id, id, sizeof(id));
	n->slots[j].expires = now + (int64_t)n->ttl;
	n->live++;
	return 0;
}

void
relay_nonce_free(struct relay_nonce *n)
{
	if (n == NULL)
		return;
	relay_rate_free(n->share);
	free(n->slots);
	free(n);
}
