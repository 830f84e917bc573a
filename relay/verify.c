/* verify: the envelope verification workers and their queue. See verify.h. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/event.h>

#include "envelope.h"
#include "verify.h"

/*
 * A worker takes its share of the waiting jobs at once (at most
 * VERIFY_TAKE_MAX), verifies them, and hands them back together: one
 * lock for the taking, one for the handing back and at most one wake-up
 * of the loop per share instead of per job. The share is the queue
 * divided among the workers, so that one worker never takes what another,
 * idle, could verify at the same time; the cap bounds how long a verified
 * job waits for the rest of its share (VERIFY_TAKE_MAX - 1 verifications,
 * about 0.2 ms).
 */
#define VERIFY_TAKE_MAX	6

struct relay_verify {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 thr[RELAY_VERIFY_THREADS_MAX];
	size_t			 n_thr;		/* started */
	size_t			 threads;	/* to start; set before them */
	int			 stop;		/* workers exit when queue empty */
	struct relay_job	*q_head, *q_tail;	/* waiting (mu) */
	size_t			 q_len;		/* waiting (mu) */
	struct relay_job	*d_head, *d_tail;	/* verified (mu) */
	int			 wake_armed;	/* wake is active (mu) */
	struct event		*wake;		/* set before the workers start */
	/* Loop thread only: */
	int			 refuse;	/* submit says EBUSY */
	size_t			 pending;	/* submitted, not handed back */
	size_t			 queue_max, mem_max;
	struct relay_metrics	*m;
	relay_verified_fn	 done;
	void			*arg;
};

static void *
worker_main(void *arg)
{
	struct relay_verify *v = arg;
	struct relay_job *first, *last, *j;
	size_t take, n;
	int arm;

	(void)prctl(PR_SET_NAME, "amana-verify", 0, 0, 0);
	for (;;) {
		pthread_mutex_lock(&v->mu);
		while (v->q_head == NULL && !v->stop)
			pthread_cond_wait(&v->cv, &v->mu);
		if ((first = v->q_head) == NULL) {
			pthread_mutex_unlock(&v->mu);
			break;
		}
		/* This worker's share: q_len / threads, 1 .. TAKE_MAX. */
		take = v->q_len / v->threads;
		if (take < 1)
			take = 1;
		if (take > VERIFY_TAKE_MAX)
			take = VERIFY_TAKE_MAX;
		for (last = first, n = 1; n < take && last->next != NULL; n++)
			last = last->next;
		if ((v->q_head = last->next) == NULL)
			v->q_tail = NULL;
		v->q_len -= n;
		last->next = NULL;
		pthread_mutex_unlock(&v->mu);

		for (j = first; j != NULL; j = j->next)
			j->verify_err = envelope_verify(&j->env,
			    j->env.hdr.signer);

		pthread_mutex_lock(&v->mu);
		if (v->d_tail != NULL)
			v->d_tail->next = first;
		else
			v->d_head = first;
		v->d_tail = last;
		/* One event_active per loop pass, not per job. */
		arm = !v->wake_armed;
		v->wake_armed = 1;
		pthread_mutex_unlock(&v->mu);
		if (arm)
			event_active(v->wake, EV_READ, 0);
	}
	return NULL;
}

/* Loop thread: hands verified jobs back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_verify *v = arg;
	struct relay_job *j, *next;

	pthread_mutex_lock(&v->mu);
	j = v->d_head;
	v->d_head = v->d_tail = NULL;
	v->wake_armed = 0;
	pthread_mutex_unlock(&v->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		v->pending--;
		atomic_fetch_sub(&v->m->body_bytes, j->body_bytes);
		v->done(j, v->arg);
	}
}

/* Stops and joins the workers started so far. */
static void
stop_workers(struct relay_verify *v)
{
	size_t i;

	pthread_mutex_lock(&v->mu);
	v->stop = 1;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	for (i = 0; i < v->n_thr; i++)
		pthread_join(v->thr[i], NULL);
	v->n_thr = 0;
}

static void
destroy(struct relay_verify *v)
{
	if (v->wake != NULL)
		event_free(v->wake);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
}

int
relay_verify_new(struct event_base *base, struct relay_metrics *m,
    size_t threads, size_t queue_max, size_t mem_max, relay_verified_fn done,
    void *arg, struct relay_verify **out)
{
	struct relay_verify *v;
	long cpus;
	size_t i;
	int ret = AMANA_ENOMEM;

	if (threads == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus >= 2 ? 2 : 1;
	}
	if (threads > RELAY_VERIFY_THREADS_MAX || queue_max == 0)
		return AMANA_EINVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AMANA_ENOMEM;
	v->queue_max = queue_max;
	v->mem_max = mem_max;
	v->m = m;
	v->done = done;
	v->arg = arg;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	v->threads = threads;
	if ((v->wake = event_new(base, -1, 0, wake_cb, v)) == NULL)
		goto fail;
	/* Before new requests, as the commit wake-up (main.c). */
	(void)event_priority_set(v->wake, 0);
	ret = AMANA_EIO;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&v->thr[i], NULL, worker_main, v) != 0)
			goto fail;
		v->n_thr++;
	}
	*out = v;
	return 0;
fail:
	stop_workers(v);	/* nothing was queued */
	destroy(v);
	return ret;
}

int
relay_verify_submit(struct relay_verify *v, struct relay_job *j)
{
	uint64_t queued = atomic_load(&v->m->body_bytes);

	if (v->refuse || v->pending >= v->queue_max ||
	    j->body_bytes > v->mem_max ||
	    queued > v->mem_max - j->body_bytes)
		return AMANA_EBUSY;
	v->pending++;
	atomic_fetch_add(&v->m->body_bytes, j->body_bytes);
	j->next = NULL;
	j->verify_err = AMANA_EBADSIG;	/* until a worker says otherwise */
	pthread_mutex_lock(&v->mu);
	if (v->q_tail != NULL)
		v->q_tail->next = j;
	else
		v->q_head = j;
	v->q_tail = j;
	v->q_len++;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
	return 0;
}

void
relay_verify_set_limits(struct relay_verify *v, size_t queue_max,
    size_t mem_max)
{
	if (queue_max > 0)
		v->queue_max = queue_max;
	v->mem_max = mem_max;
}

size_t
relay_verify_pending(struct relay_verify *v)
{
	return v->pending;
}

size_t
relay_verify_threads(struct relay_verify *v)
{
	return v->n_thr;
}

void
relay_verify_drain(struct relay_verify *v)
{
	v->refuse = 1;
}

void
relay_verify_free(struct relay_verify *v)
{
	if (v == NULL)
		return;
	v->refuse = 1;
	stop_workers(v);	/* they empty the queue first */
	wake_cb(-1, 0, v);	/* hand back the last jobs */
	destroy(v);
}
