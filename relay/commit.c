/* commit: the writer thread and its queue. See commit.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

#include "commit.h"

struct relay_commit {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 thr;
	int			 started;
	int			 stop;		/* writer exits when queue empty */
	int			 refuse;	/* submit says EBUSY */
	struct relay_job	*q_head, *q_tail;	/* waiting */
	size_t			 q_len, q_bytes;
	struct relay_job	*d_head, *d_tail;	/* committed */
	size_t			 pending;	/* loop view: not handed back */
	size_t			 queue_max, batch_max, mem_max;
	struct event		*wake;
	struct store		*st;
	struct relay_signer	*sg;
	struct relay_metrics	*m;
	relay_done_fn		 done;
	void			*arg;
	struct store_item	*items;		/* batch_max */
	struct store_result	*results;	/* batch_max */
};

static uint64_t
now_us(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return relay_signer_sign(ctx, body, len, out);
}

/*
 * Writer thread, at most every COMMIT_TRIM_US (100 ms), never between a
 * commit and its wake-up: drops the LMDB file pages that reads (tiles,
 * bundles, fetches) mapped into the process, so that VmRSS stays near what
 * one interval touches instead of growing towards the size of the log
 * (store_trim; the page cache keeps them).
 */
#define COMMIT_TRIM_US	100000u

static void
maybe_trim(struct relay_commit *c, uint64_t *last)
{
	uint64_t t = now_us(CLOCK_MONOTONIC);

	if (*last == UINT64_MAX || t - *last < COMMIT_TRIM_US)
		return;
	/* Memory, not data: when the map cannot be found, stop trying. */
	*last = store_trim(c->st) == 0 ? t : UINT64_MAX;
}

static void *
writer_main(void *arg)
{
	struct relay_commit *c = arg;
	struct relay_job *batch, *j, *last;
	struct timespec until;
	size_t n, i, bytes;
	uint64_t t0, size, trimmed = now_us(CLOCK_MONOTONIC);
	int ret;

	/* Its own name in ps -L and perf (best effort). */
	(void)prctl(PR_SET_NAME, "amana-writer", 0, 0, 0);
	for (;;) {
		maybe_trim(c, &trimmed);
		pthread_mutex_lock(&c->mu);
		while (c->q_head == NULL && !c->stop) {
			/* Wake at least once per trim interval when idle. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)COMMIT_TRIM_US * 1000;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec += until.tv_nsec / 1000000000L;
				until.tv_nsec %= 1000000000L;
			}
			if (pthread_cond_timedwait(&c->cv, &c->mu, &until) !=
			    0) {
				pthread_mutex_unlock(&c->mu);
				maybe_trim(c, &trimmed);
				pthread_mutex_lock(&c->mu);
			}
		}
		if (c->q_head == NULL) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		batch = c->q_head;
		last = batch;
		n = 1;
		bytes = batch->body_bytes;
		while (last->next != NULL && n < c->batch_max) {
			last = last->next;
			bytes += last->body_bytes;
			n++;
		}
		c->q_head = last->next;
		if (c->q_head == NULL)
			c->q_tail = NULL;
		last->next = NULL;
		c->q_len -= n;
		c->q_bytes -= bytes;
		/* Shared with the verification stage: deltas, not totals. */
		atomic_fetch_sub(&c->m->queue_depth, n);
		atomic_fetch_sub(&c->m->body_bytes, bytes);
		pthread_mutex_unlock(&c->mu);

		for (i = 0, j = batch; j != NULL; j = j->next, i++)
			c->items[i] = j->item;
		memset(c->results, 0, n * sizeof(*c->results));
		t0 = now_us(CLOCK_MONOTONIC);
		ret = store_append(c->st, c->items, n,
		    now_us(CLOCK_REALTIME) / 1000u, sign_cb, c->sg, c->results);
		if (ret == 0) {
			relay_metrics_commit(c->m, n, now_us(CLOCK_MONOTONIC) -
			    t0);
			if (store_size(c->st, &size) == 0)
				atomic_store(&c->m->tree_size, size);
		} else
			atomic_fetch_add(&c->m->commit_failures, 1);
		for (i = 0, j = batch; j != NULL; j = j->next, i++) {
			j->batch_err = ret;
			j->result = c->results[i];	/* moves the receipt */
		}
		pthread_mutex_lock(&c->mu);
		if (c->d_tail != NULL)
			c->d_tail->next = batch;
		else
			c->d_head = batch;
		c->d_tail = last;
		pthread_mutex_unlock(&c->mu);
		event_active(c->wake, EV_READ, 0);
	}
	return NULL;
}

/* Loop thread: hands committed jobs back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_commit *c = arg;
	struct relay_job *j, *next;

	pthread_mutex_lock(&c->mu);
	j = c->d_head;
	c->d_head = c->d_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		c->pending--;
		c->done(j, c->arg);
	}
}

int
relay_commit_new(struct event_base *base, struct store *st,
    struct relay_signer *sg, struct relay_metrics *m, size_t queue_max,
    size_t batch_max, size_t mem_max, relay_done_fn done, void *arg,
    struct relay_commit **out)
{
	struct relay_commit *c;

	if (batch_max > STORE_BATCH_MAX)
		batch_max = STORE_BATCH_MAX;
	if (batch_max == 0 || queue_max == 0)
		return AMANA_EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AMANA_ENOMEM;
	c->queue_max = queue_max;
	c->batch_max = batch_max;
	c->mem_max = mem_max;
	c->st = st;
	c->sg = sg;
	c->m = m;
	c->done = done;
	c->arg = arg;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if ((c->items = calloc(batch_max, sizeof(*c->items))) == NULL ||
	    (c->results = calloc(batch_max, sizeof(*c->results))) == NULL ||
	    (c->wake = event_new(base, -1, 0, wake_cb, c)) == NULL)
		goto fail;
	/* Before new requests (main.c gives the loop two priorities). */
	(void)event_priority_set(c->wake, 0);
	if (pthread_create(&c->thr, NULL, writer_main, c) != 0)
		goto fail;
	c->started = 1;
	*out = c;
	return 0;
fail:
	if (c->wake != NULL)
		event_free(c->wake);
	free(c->items);
	free(c->results);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	return AMANA_ENOMEM;
}

int
relay_commit_submit(struct relay_commit *c, struct relay_job *j)
{
	int ret = AMANA_EBUSY;

	pthread_mutex_lock(&c->mu);
	if (c->refuse || c->q_len >= c->queue_max ||
	    (c->q_bytes > 0 && j->body_bytes > c->mem_max - c->q_bytes) ||
	    j->body_bytes > c->mem_max)
		goto out;
	j->next = NULL;
	if (c->q_tail != NULL)
		c->q_tail->next = j;
	else
		c->q_head = j;
	c->q_tail = j;
	c->q_len++;
	c->q_bytes += j->body_bytes;
	c->pending++;
	atomic_fetch_add(&c->m->queue_depth, 1);
	atomic_fetch_add(&c->m->body_bytes, j->body_bytes);
	pthread_cond_signal(&c->cv);
	ret = 0;
out:
	pthread_mutex_unlock(&c->mu);
	return ret;
}

void
relay_commit_set_limits(struct relay_commit *c, size_t queue_max,
    size_t mem_max)
{
	pthread_mutex_lock(&c->mu);
	c->queue_max = queue_max;
	c->mem_max = mem_max;
	pthread_mutex_unlock(&c->mu);
}

size_t
relay_commit_pending(struct relay_commit *c)
{
	return c->pending;
}

void
relay_commit_drain(struct relay_commit *c)
{
	pthread_mutex_lock(&c->mu);
	c->refuse = 1;
	pthread_mutex_unlock(&c->mu);
}

void
relay_commit_free(struct relay_commit *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->refuse = 1;
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (c->started)
		pthread_join(c->thr, NULL);
	wake_cb(-1, 0, c);	/* hand back the last batch */
	event_free(c->wake);
	free(c->items);
	free(c->results);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}
