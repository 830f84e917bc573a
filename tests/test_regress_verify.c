/*
 * Tests of relay/verify.c, the stage that checks envelope signatures off
 * the event loop (before it, the loop verified every envelope itself and
 * bounded the relay's throughput): every job comes back exactly once, on
 * the loop thread, with the right verdict (forged, bit-flipped and
 * wrong-key envelopes fail); the queue and the memory budget are bounded
 * and counted in the metrics; drain refuses new jobs but finishes queued
 * ones; free hands back every job still inside.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "envelope.h"
#include "testlib.h"
#include "verify.h"

#define N_ENV	48

struct ctx {
	struct event_base	*base;
	pthread_t		 loop;
	size_t			 want, got;
	int			 seen[N_ENV];	/* times handed back */
	int			 err[N_ENV];
	int			 wrong_thread;
	int			 free_jobs;	/* done frees the job */
};

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

/* A signed alert envelope of payload_len bytes into out. */
static void
build(struct amana_buf *out, const uint8_t *sk, size_t payload_len,
    uint64_t seed)
{
	struct envelope_header h;
	struct envelope_writer *w = NULL;
	uint8_t *pl;

	if ((pl = malloc(payload_len)) == NULL)
		abort();
	test_fill(pl, payload_len, seed);
	memcpy(pl, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	memcpy(h.signer, sk + 32, 32);
	h.created = 1700000000 + seed;
	h.payload_len = payload_len;
	amana_buf_reset(out);
	if (envelope_writer_new(&h, buf_sink, out, &w) != 0 ||
	    envelope_writer_write(w, pl, payload_len) != 0 ||
	    envelope_writer_finish_sk(w, sk) != 0)
		abort();
	envelope_writer_free(w);
	free(pl);
}

static void
done_cb(struct relay_job *j, void *arg)
{
	struct ctx *c = arg;
	size_t i = (size_t)j->item.ref;

	if (!pthread_equal(pthread_self(), c->loop))
		c->wrong_thread++;
	if (i < N_ENV) {
		c->seen[i]++;
		c->err[i] = j->verify_err;
	}
	c->got++;
	if (c->free_jobs)
		free(j);
	if (c->got >= c->want)
		event_base_loopbreak(c->base);
}

static struct relay_job *
job_for(struct amana_buf *env, size_t i)
{
	struct relay_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		abort();
	j->item.data = env->p;
	j->item.len = env->len;
	j->item.ref = i;
	j->body_bytes = env->len;
	if (envelope_parse(env->p, env->len, &j->env) != 0)
		abort();
	return j;
}

/* Runs the loop until c->want jobs came back (10 s at most). */
static void
run(struct ctx *c)
{
	struct timeval tv = { 10, 0 };

	if (c->got < c->want) {
		(void)event_base_loopexit(c->base, &tv);
		(void)event_base_dispatch(c->base);
	}
}

static void
test_verdicts(struct event_base *base, const uint8_t *sk, const uint8_t *sk2)
{
	static struct amana_buf env[N_ENV];
	struct relay_metrics m;
	struct relay_verify *v = NULL;
	struct ctx c;
	size_t i, bytes = 0;

	memset(&c, 0, sizeof(c));
	c.base = base;
	c.loop = pthread_self();
	c.free_jobs = 1;
	relay_metrics_init(&m);
	CHECK_EQ(relay_verify_new(base, &m, 2, 1000, (size_t)64 << 20, done_cb,
	    &c, &v), 0);
	if (v == NULL)
		return;
	CHECK_EQ(relay_verify_threads(v), 2);
	for (i = 0; i < N_ENV; i++) {
		amana_buf_init(&env[i], 1 << 20, 0);
		/* Every 3rd signed by another key but naming sk's. */
		build(&env[i], i % 3 == 1 ? sk2 : sk, 512 + 97 * i, i);
		if (i % 3 == 1)	/* claim to be sk's owner: a forgery */
			memcpy(env[i].p + 10, sk + 32, 32);
		if (i % 3 == 2)	/* flip one payload bit */
			env[i].p[ENVELOPE_HEADER_LEN + 40] ^= 0x10;
		bytes += env[i].len;
		CHECK_EQ(relay_verify_submit(v, job_for(&env[i], i)), 0);
	}
	c.want = N_ENV;
	CHECK_EQ(relay_verify_pending(v), N_ENV);
	CHECK_EQ(atomic_load(&m.body_bytes), bytes);
	run(&c);
	CHECK_EQ(c.got, N_ENV);
	CHECK_EQ(c.wrong_thread, 0);
	for (i = 0; i < N_ENV; i++) {
		CHECK_EQ(c.seen[i], 1);
		if (i % 3 == 0)
			CHECK_EQ(c.err[i], 0);
		else
			CHECK(c.err[i] != 0);
	}
	CHECK_EQ(relay_verify_pending(v), 0);
	CHECK_EQ(atomic_load(&m.body_bytes), 0);
	CHECK_EQ(atomic_load(&m.queue_depth), 0);	/* the commit's */
	relay_verify_free(v);
	for (i = 0; i < N_ENV; i++)
		amana_buf_free(&env[i]);
}

/* Queue depth, memory budget, drain and free with jobs inside. */
static void
test_bounds(struct event_base *base, const uint8_t *sk)
{
	struct amana_buf env;
	struct relay_metrics m;
	struct relay_verify *v = NULL;
	struct relay_job *jobs[8];
	struct ctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.base = base;
	c.loop = pthread_self();
	relay_metrics_init(&m);
	amana_buf_init(&env, 1 << 20, 0);
	build(&env, sk, 4096, 77);
	for (i = 0; i < 8; i++)
		jobs[i] = job_for(&env, i);
	/* Room for 4 jobs, and for 3 bodies in memory. */
	CHECK_EQ(relay_verify_new(base, &m, 1, 4, 3 * env.len + 10, done_cb,
	    &c, &v), 0);
	if (v == NULL)
		goto out;
	for (i = 0; i < 3; i++)
		CHECK_EQ(relay_verify_submit(v, jobs[i]), 0);
	/* The loop has not run: pending counts until handed back. */
	CHECK_EQ(relay_verify_submit(v, jobs[3]), AMANA_EBUSY);	/* memory */
	relay_verify_set_limits(v, 3, 10 * env.len);
	CHECK_EQ(relay_verify_submit(v, jobs[3]), AMANA_EBUSY);	/* depth */
	relay_verify_set_limits(v, 4, 10 * env.len);
	CHECK_EQ(relay_verify_submit(v, jobs[3]), 0);
	CHECK_EQ(relay_verify_submit(v, jobs[4]), AMANA_EBUSY);
	/* Memory held elsewhere (the commit queue) counts too. */
	c.want = 4;
	run(&c);
	CHECK_EQ(c.got, 4);
	atomic_fetch_add(&m.body_bytes, 9 * env.len + 1);
	CHECK_EQ(relay_verify_submit(v, jobs[4]), AMANA_EBUSY);
	atomic_fetch_sub(&m.body_bytes, 9 * env.len + 1);
	CHECK_EQ(relay_verify_submit(v, jobs[4]), 0);
	CHECK_EQ(relay_verify_submit(v, jobs[5]), 0);
	/* Drain: nothing new, the queued ones still come back. */
	relay_verify_drain(v);
	CHECK_EQ(relay_verify_submit(v, jobs[6]), AMANA_EBUSY);
	c.want = 6;
	run(&c);
	CHECK_EQ(c.got, 6);
	CHECK_EQ(relay_verify_pending(v), 0);
	relay_verify_free(v);
	v = NULL;

	/* Free with jobs queued: each handed back once, verified. */
	memset(c.seen, 0, sizeof(c.seen));
	c.got = 0;
	c.want = 100;	/* never break: free hands them back itself */
	CHECK_EQ(relay_verify_new(base, &m, 2, 100, (size_t)1 << 30, done_cb,
	    &c, &v), 0);
	if (v == NULL)
		goto out;
	for (i = 0; i < 8; i++)
		CHECK_EQ(relay_verify_submit(v, jobs[i]), 0);
	relay_verify_free(v);
	CHECK_EQ(c.got, 8);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(c.seen[i], 1);
		CHECK_EQ(c.err[i], 0);
	}
	CHECK_EQ(atomic_load(&m.body_bytes), 0);
out:
	for (i = 0; i < 8; i++)
		free(jobs[i]);
	amana_buf_free(&env);
}

static void
test_args(struct event_base *base)
{
	struct relay_metrics m;
	struct relay_verify *v = NULL;
	struct ctx c;

	memset(&c, 0, sizeof(c));
	relay_metrics_init(&m);
	CHECK_EQ(relay_verify_new(base, &m, RELAY_VERIFY_THREADS_MAX + 1, 10,
	    1 << 20, done_cb, &c, &v), AMANA_EINVAL);
	CHECK_EQ(relay_verify_new(base, &m, 1, 0, 1 << 20, done_cb, &c, &v),
	    AMANA_EINVAL);
	CHECK(v == NULL);
	CHECK_EQ(relay_verify_new(base, &m, 0, 10, 1 << 20, done_cb, &c, &v),
	    0);
	if (v != NULL) {
		CHECK(relay_verify_threads(v) >= 1 &&
		    relay_verify_threads(v) <= 2);
		relay_verify_free(v);
	}
	relay_verify_free(NULL);
}

int
main(void)
{
	uint8_t pk[32], sk[64], pk2[32], sk2[64];
	struct event_base *base = NULL;

	test_begin("regress_verify");
	if (sodium_init() < 0 || evthread_use_pthreads() != 0 ||
	    (base = event_base_new()) == NULL ||
	    event_base_priority_init(base, 2) != 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	test_verdicts(base, sk, sk2);
	test_bounds(base, sk);
	test_args(base);
	event_base_free(base);
	return test_done();
}
