/*
 * limits: per-key rate limiting and the signed-request nonce cache.
 * Both are fixed-size tables allocated once; memory never grows with
 * traffic. Event-loop thread only (no locking).
 */
#ifndef RELAY_LIMITS_H
#define RELAY_LIMITS_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define RELAY_KEY_LEN		32
#define RELAY_NONCE_LEN		16

/*
 * Token bucket per Ed25519 public key: rate_per_minute tokens refill
 * continuously up to burst. Keys hash into RELAY_RATE_SLOTS slots; a slot
 * whose bucket is full again is reused by another key, so the table
 * forgets idle keys. Collision of two busy keys in one slot: they share
 * its budget (a conservative failure, never a bypass).
 */
#define RELAY_RATE_SLOTS	4096
struct relay_rate;

/* *out owned by the caller (relay_rate_free). AMANA_ENOMEM. */
int	relay_rate_new(unsigned rate_per_minute, unsigned burst,
	    struct relay_rate **out) AMANA_WUR;
/*
 * relay_rate_take: 0 if key (RELAY_KEY_LEN bytes, borrowed) may make one
 * more request at now_ms, else AMANA_EBUSY (answer 429).
 */
int	relay_rate_take(struct relay_rate *r, const uint8_t *key,
	    uint64_t now_ms) AMANA_WUR;
/* relay_rate_set: new limits (SIGHUP); buckets keep their tokens. */
void	relay_rate_set(struct relay_rate *r, unsigned rate_per_minute,
	    unsigned burst);
void	relay_rate_free(struct relay_rate *r);

/*
 * Replay cache for (key, nonce) pairs seen within ttl seconds. Capacity is
 * fixed; when full of live entries, new ones are refused (fail closed).
 * One key may add at most capacity / RELAY_NONCE_SHARE_DIV entries at once
 * and as many again per ttl (a token bucket), so that no single key can
 * fill the cache and lock every other key out.
 */
#define RELAY_NONCE_SHARE_DIV	8
struct relay_nonce;

/* *out owned by the caller (relay_nonce_free). AMANA_EINVAL, AMANA_ENOMEM. */
int	relay_nonce_new(size_t capacity, unsigned ttl,
	    struct relay_nonce **out) AMANA_WUR;
/*
 * relay_nonce_check: records (key, nonce) at now (seconds).
 * Returns 0 (new), AMANA_EEXIST (replay), AMANA_EFULL (cache full),
 * AMANA_EBUSY (key above its share; answer 429).
 */
int	relay_nonce_check(struct relay_nonce *n, const uint8_t *key,
	    const uint8_t *nonce, int64_t now) AMANA_WUR;
void	relay_nonce_free(struct relay_nonce *n);

#endif
