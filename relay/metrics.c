/* metrics: Prometheus counters. See metrics.h. */
#include <string.h>

#include "metrics.h"

/* Upper bounds of the commit latency histogram, microseconds. */
static const uint64_t lat_le_us[RELAY_LAT_BUCKETS] = {
	250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000,
	1000000, 5000000,
};

static const char *const rej_name[RELAY_REJ_COUNT] = {
	"malformed", "denied", "not_found", "method", "too_large",
	"rate_limited", "overloaded", "bad_signature", "replay", "internal",
	"timeout",
};

void
relay_metrics_init(struct relay_metrics *m)
{
	size_t i;

	atomic_init(&m->requests, 0);
	atomic_init(&m->alerts, 0);
	atomic_init(&m->replies, 0);
	atomic_init(&m->roster, 0);
	atomic_init(&m->duplicates, 0);
	atomic_init(&m->commits, 0);
	atomic_init(&m->commit_entries, 0);
	atomic_init(&m->commit_failures, 0);
	atomic_init(&m->batch_max, 0);
	for (i = 0; i <= RELAY_LAT_BUCKETS; i++)
		atomic_init(&m->lat_bucket[i], 0);
	atomic_init(&m->lat_sum_us, 0);
	for (i = 0; i < RELAY_REJ_COUNT; i++)
		atomic_init(&m->rejects[i], 0);
	atomic_init(&m->connections, 0);
	atomic_init(&m->connections_total, 0);
	atomic_init(&m->queue_depth, 0);
	atomic_init(&m->body_bytes, 0);
	atomic_init(&m->buffered_bytes, 0);
	atomic_init(&m->memory_closes, 0);
	atomic_init(&m->tree_size, 0);
}

void
relay_metrics_reject(struct relay_metrics *m, enum relay_reject r)
{
	if ((unsigned)r < RELAY_REJ_COUNT)
		atomic_fetch_add_explicit(&m->rejects[r], 1,
		    memory_order_relaxed);
}

void
relay_metrics_commit(struct relay_metrics *m, uint64_t n, uint64_t us)
{
	uint64_t cur;
	size_t i;

	atomic_fetch_add_explicit(&m->commits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->commit_entries, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lat_sum_us, us, memory_order_relaxed);
	for (i = 0; i < RELAY_LAT_BUCKETS && us > lat_le_us[i]; i++)
		;
	atomic_fetch_add_explicit(&m->lat_bucket[i], 1, memory_order_relaxed);
	cur = atomic_load_explicit(&m->batch_max, memory_order_relaxed);
	while (n > cur && !atomic_compare_exchange_weak(&m->batch_max, &cur,
	    n))
		;
}

#define LD(x) ((unsigned long long)atomic_load_explicit(&(x), \
	    memory_order_relaxed))

int
relay_metrics_render(struct relay_metrics *m, struct amana_buf *out)
{
	unsigned long long cum = 0;
	size_t i;
	int ret;

	if ((ret = amana_buf_printf(out,
	    "# HELP amana_requests_total HTTP requests received.\n"
	    "# TYPE amana_requests_total counter\n"
	    "amana_requests_total %llu\n"
	    "# HELP amana_logged_total Entries logged, by kind.\n"
	    "# TYPE amana_logged_total counter\n"
	    "amana_logged_total{kind=\"alert\"} %llu\n"
	    "amana_logged_total{kind=\"reply\"} %llu\n"
	    "amana_logged_total{kind=\"roster\"} %llu\n"
	    "# HELP amana_duplicates_total Resubmissions answered with the "
	    "original receipt.\n"
	    "# TYPE amana_duplicates_total counter\n"
	    "amana_duplicates_total %llu\n"
	    "# HELP amana_commits_total Group commits.\n"
	    "# TYPE amana_commits_total counter\n"
	    "amana_commits_total %llu\n"
	    "# HELP amana_commit_failures_total Failed group commits.\n"
	    "# TYPE amana_commit_failures_total counter\n"
	    "amana_commit_failures_total %llu\n"
	    "# HELP amana_commit_entries_total Entries in all commits.\n"
	    "# TYPE amana_commit_entries_total counter\n"
	    "amana_commit_entries_total %llu\n"
	    "# HELP amana_commit_batch_max Largest batch so far.\n"
	    "# TYPE amana_commit_batch_max gauge\n"
	    "amana_commit_batch_max %llu\n"
	    "# HELP amana_tree_size Entries in the log.\n"
	    "# TYPE amana_tree_size gauge\n"
	    "amana_tree_size %llu\n"
	    "# HELP amana_connections Open client connections.\n"
	    "# TYPE amana_connections gauge\n"
	    "amana_connections %llu\n"
	    "# HELP amana_connections_total Client connections accepted.\n"
	    "# TYPE amana_connections_total counter\n"
	    "amana_connections_total %llu\n"
	    "# HELP amana_queue_depth Requests waiting for the writer.\n"
	    "# TYPE amana_queue_depth gauge\n"
	    "amana_queue_depth %llu\n"
	    "# HELP amana_queued_body_bytes Body bytes waiting for signature "
	    "verification or the writer.\n"
	    "# TYPE amana_queued_body_bytes gauge\n"
	    "amana_queued_body_bytes %llu\n"
	    "# HELP amana_relay_buffered_bytes Bytes received on open "
	    "connections and not yet answered (headers, bodies).\n"
	    "# TYPE amana_relay_buffered_bytes gauge\n"
	    "amana_relay_buffered_bytes %llu\n"
	    "# HELP amana_relay_memory_closes_total Connections closed to keep "
	    "within max_memory_bytes.\n"
	    "# TYPE amana_relay_memory_closes_total counter\n"
	    "amana_relay_memory_closes_total %llu\n"
	    "# HELP amana_rejections_total Refused requests, by class.\n"
	    "# TYPE amana_rejections_total counter\n",
	    LD(m->requests), LD(m->alerts), LD(m->replies), LD(m->roster),
	    LD(m->duplicates), LD(m->commits), LD(m->commit_failures),
	    LD(m->commit_entries), LD(m->batch_max), LD(m->tree_size),
	    LD(m->connections), LD(m->connections_total), LD(m->queue_depth),
	    LD(m->body_bytes), LD(m->buffered_bytes),
	    LD(m->memory_closes))) != 0)
		return ret;
	for (i = 0; i < RELAY_REJ_COUNT; i++)
		if ((ret = amana_buf_printf(out,
		    "amana_rejections_total{class=\"%s\"} %llu\n", rej_name[i],
		    LD(m->rejects[i]))) != 0)
			return ret;
	if ((ret = amana_buf_str(out,
	    "# HELP amana_commit_seconds Group commit latency (store, sign, "
	    "sync).\n# TYPE amana_commit_seconds histogram\n")) != 0)
		return ret;
	for (i = 0; i < RELAY_LAT_BUCKETS; i++) {
		cum += LD(m->lat_bucket[i]);
		if ((ret = amana_buf_printf(out,
		    "amana_commit_seconds_bucket{le=\"%g\"} %llu\n",
		    (double)lat_le_us[i] / 1e6, cum)) != 0)
			return ret;
	}
	cum += LD(m->lat_bucket[RELAY_LAT_BUCKETS]);
	return amana_buf_printf(out,
	    "amana_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "amana_commit_seconds_sum %g\n"
	    "amana_commit_seconds_count %llu\n", cum,
	    (double)LD(m->lat_sum_us) / 1e6, LD(m->commits));
}
