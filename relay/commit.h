/*
 * commit: group commit. The event loop hands verified writes (jobs) to a
 * bounded queue; one writer thread takes everything queued (up to
 * batch_max), calls store_append once (one LMDB transaction, one signed
 * checkpoint, one sync), then wakes the loop, which calls the done
 * callback for each job in submission order. No job is answered before
 * its batch is durable.
 */
#ifndef RELAY_COMMIT_H
#define RELAY_COMMIT_H
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "amana_err.h"
#include "envelope.h"
#include "metrics.h"
#include "signer.h"
#include "store.h"

struct relay_job;
/* Loop thread: called once per job after its batch (or with batch_err). */
typedef void (*relay_done_fn)(struct relay_job *j, void *arg);

struct relay_job {
	struct relay_job	*next;
	void			*req;		/* evhttp_request, loop-owned */
	struct store_item	 item;		/* data borrowed from body */
	uint8_t			 key[STORE_KEY_LEN];
	uint8_t			 hash[32];	/* SHA-256(data), item.hash */
	size_t			 body_bytes;	/* held in memory */
	struct envelope_view	 env;		/* verify.h: view into data */
	int			 verify_err;	/* verify.h: its result */
	int			 role;		/* verify.h: RELAY_ROLE_* needed */
	int			 batch_err;	/* whole-batch failure */
	struct store_result	 result;	/* valid when batch_err == 0 */
};

struct relay_commit;

/*
 * relay_commit_new: creates the queue and starts the writer thread.
 * base must have been created after evthread_use_pthreads(). st, sg, m,
 * done/arg are borrowed and must outlive the commit. Loop thread.
 * Returns 0, AMANA_ENOMEM, AMANA_EIO (thread).
 */
int	relay_commit_new(struct event_base *base, struct store *st,
	    struct relay_signer *sg, struct relay_metrics *m, size_t queue_max,
	    size_t batch_max, size_t mem_max, relay_done_fn done, void *arg,
	    struct relay_commit **out) AMANA_WUR;

/*
 * relay_commit_submit: queues j (owned by the queue until done is
 * called for it). Loop thread. Returns 0, AMANA_EBUSY (queue or memory
 * budget full, or stopping: answer 503).
 */
int	relay_commit_submit(struct relay_commit *c, struct relay_job *j)
	    AMANA_WUR;

/*
 * relay_commit_set_limits: new queue depth and memory budget (SIGHUP);
 * jobs already queued stay. Loop thread.
 */
void	relay_commit_set_limits(struct relay_commit *c, size_t queue_max,
	    size_t mem_max);

/* Jobs queued or being committed, not yet handed back. Loop thread. */
size_t	relay_commit_pending(struct relay_commit *c);

/*
 * relay_commit_stop: refuses new jobs, lets the writer commit everything
 * queued, joins it, and hands every job back through done. Loop thread.
 * Then frees c. NULL is fine.
 */
void	relay_commit_free(struct relay_commit *c);

/*
 * relay_commit_drain: refuses new jobs from now on (relay_commit_submit
 * gives AMANA_EBUSY); the writer finishes what is queued. Loop thread.
 */
void	relay_commit_drain(struct relay_commit *c);

#endif
