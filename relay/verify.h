/*
 * verify: the envelope verification stage, between admission and the
 * group commit. The loop thread hands admitted jobs (duplicate and roster
 * checks passed) to a bounded queue; worker threads check each envelope's
 * signature (envelope_verify: SHA-256 of the payload and one Ed25519
 * verification, ~35 us) and wake the loop through an event at priority 0,
 * which calls the done callback for each job with the result. The loop
 * thread thus never verifies an envelope itself. Jobs may come back in a
 * different order than they went in (several workers).
 *
 * A job's body stays where api.c put it (the request's input buffer): the
 * workers only read it through j->env, and nothing else touches the
 * request until the job is back on the loop. Its bytes count in
 * metrics->body_bytes from submit to hand-back, so the memory budget of
 * http.c sees them (metrics->queue_depth stays the commit queue's).
 */
#ifndef RELAY_VERIFY_H
#define RELAY_VERIFY_H
#include <stddef.h>

#include <event2/event.h>

#include "amana_err.h"
#include "commit.h"
#include "metrics.h"

/* Worker threads at most (config key verify_threads). */
#define RELAY_VERIFY_THREADS_MAX	16

struct relay_verify;

/*
 * Loop thread: called once per job when its verification is done;
 * j->verify_err is envelope_verify's result (0: the signature of j->env
 * by j->env.hdr.signer verifies). The callback owns j from then on.
 */
typedef void (*relay_verified_fn)(struct relay_job *j, void *arg);

/*
 * relay_verify_new: creates the queue and starts threads workers (1 ..
 * RELAY_VERIFY_THREADS_MAX; 0 picks min(2, online CPUs)). base must have
 * been created after evthread_use_pthreads() and have two priorities. m,
 * done/arg are borrowed and must outlive the stage. queue_max: jobs
 * submitted and not yet handed back; mem_max: the memory budget (bytes)
 * that metrics->body_bytes plus a new job's body may not pass. Loop
 * thread. Returns 0, AMANA_EINVAL (threads or queue_max), AMANA_ENOMEM,
 * AMANA_EIO (a thread could not be started).
 */
int	relay_verify_new(struct event_base *base, struct relay_metrics *m,
	    size_t threads, size_t queue_max, size_t mem_max,
	    relay_verified_fn done, void *arg, struct relay_verify **out)
	    AMANA_WUR;

/*
 * relay_verify_submit: queues j for verification of j->env (a view into
 * the body j->item.data; both must stay valid and unchanged until done is
 * called for j; j->body_bytes counted). j is owned by the stage until
 * done is called for it. Loop thread. Returns 0 or AMANA_EBUSY (queue or
 * memory budget full, or draining: answer 503; j is still the caller's).
 */
int	relay_verify_submit(struct relay_verify *v, struct relay_job *j)
	    AMANA_WUR;

/* relay_verify_set_limits: new queue_max and mem_max (SIGHUP). Loop. */
void	relay_verify_set_limits(struct relay_verify *v, size_t queue_max,
	    size_t mem_max);

/* Jobs submitted and not yet handed back. Loop thread. */
size_t	relay_verify_pending(struct relay_verify *v);

/* Worker threads running. Any thread (fixed after relay_verify_new). */
size_t	relay_verify_threads(struct relay_verify *v);

/*
 * relay_verify_drain: refuses new jobs from now on (submit gives
 * AMANA_EBUSY); the workers finish the queued ones, which come back
 * through done as usual. Loop thread.
 */
void	relay_verify_drain(struct relay_verify *v);

/*
 * relay_verify_free: refuses new jobs, lets the workers verify everything
 * queued, joins them, hands every job back through done, frees v. Loop
 * thread (or main after the loop ended). NULL is fine.
 */
void	relay_verify_free(struct relay_verify *v);

#endif
