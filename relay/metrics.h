/*
 * metrics: counters for /metrics (Prometheus text format 0.0.4).
 * Only counts, batch sizes, latencies and rejection classes: no label
 * carries anything about a client. Updated with relaxed atomics from the
 * loop and the writer thread; rendered by the loop.
 */
#ifndef RELAY_METRICS_H
#define RELAY_METRICS_H
#include <stdatomic.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"

enum relay_reject {
	RELAY_REJ_MALFORMED,	/* 400 */
	RELAY_REJ_DENIED,	/* 403 */
	RELAY_REJ_NOTFOUND,	/* 404 */
	RELAY_REJ_METHOD,	/* 405 */
	RELAY_REJ_TOOBIG,	/* 413 */
	RELAY_REJ_RATE,		/* 429 */
	RELAY_REJ_OVERLOAD,	/* 503 */
	RELAY_REJ_SIGNATURE,	/* 401: bad or missing request signature */
	RELAY_REJ_REPLAY,	/* 401: replayed nonce */
	RELAY_REJ_INTERNAL,	/* 500 */
	RELAY_REJ_TIMEOUT,	/* 408: request not received in time */
	RELAY_REJ_COUNT
};

#define RELAY_LAT_BUCKETS	12

struct relay_metrics {
	atomic_uint_fast64_t	requests;
	atomic_uint_fast64_t	alerts;		/* newly logged */
	atomic_uint_fast64_t	replies;
	atomic_uint_fast64_t	roster;
	atomic_uint_fast64_t	duplicates;
	atomic_uint_fast64_t	commits;
	atomic_uint_fast64_t	commit_entries;
	atomic_uint_fast64_t	commit_failures;
	atomic_uint_fast64_t	batch_max;
	atomic_uint_fast64_t	lat_bucket[RELAY_LAT_BUCKETS + 1];
	atomic_uint_fast64_t	lat_sum_us;
	atomic_uint_fast64_t	rejects[RELAY_REJ_COUNT];
	atomic_uint_fast64_t	connections;	/* open now */
	atomic_uint_fast64_t	connections_total;
	atomic_uint_fast64_t	queue_depth;	/* jobs waiting now */
	atomic_uint_fast64_t	body_bytes;	/* queued body bytes now */
	atomic_uint_fast64_t	buffered_bytes;	/* held by connections now */
	atomic_uint_fast64_t	memory_closes;	/* closed over the budget */
	atomic_uint_fast64_t	tree_size;
};

void	relay_metrics_init(struct relay_metrics *m);
void	relay_metrics_reject(struct relay_metrics *m, enum relay_reject r);
/* One commit of n entries that took us microseconds. */
void	relay_metrics_commit(struct relay_metrics *m, uint64_t n, uint64_t us);
/* Appends the Prometheus text to out. Buffer errors only. */
int	relay_metrics_render(struct relay_metrics *m, struct amana_buf *out)
	    AMANA_WUR;

#endif
