/*
 * roster_check: the relay's view of the authority's roster (accreditations
 * of NGOs, credentials of investigators, revocations), read from the store
 * and checked against the authority key. Loop thread.
 */
#ifndef RELAY_ROSTER_CHECK_H
#define RELAY_ROSTER_CHECK_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

struct relay;

#define RELAY_ROLE_NGO		1
#define RELAY_ROLE_INVESTIGATOR	2

/*
 * relay_roster_check: may key (32 bytes, borrowed) act as role at unix
 * time now? Returns 0, AMANA_ENOENT (no record), AMANA_EDENIED (revoked,
 * or a record for another role), AMANA_EEXPIRED, AMANA_EUNSUPPORTED (no
 * authority key configured), AMANA_ECORRUPT/AMANA_EIO (store).
 */
int	relay_roster_check(struct relay *r, const uint8_t *key, int role,
	    int64_t now) AMANA_WUR;

/*
 * relay_roster_record: verifies a posted roster record p[0..len)
 * (borrowed) with the authority key and requires it to be newer than the
 * subject's latest record, committed or still queued; on success *kind is
 * its LOGENTRY_ACCREDITATION/_CREDENTIAL/_REVOCATION, key its subject, and
 * the record counts as queued until relay_roster_done(key): the caller
 * must call that exactly once, when the record's commit is answered or if
 * it cannot be queued. Returns 0, AMANA_EUNSUPPORTED (no authority key),
 * AMANA_EBADSIG, AMANA_EPARSE, AMANA_ETOOBIG, AMANA_EEXIST (not newer),
 * AMANA_EBUSY (too many queued roster records), AMANA_ENOMEM.
 */
int	relay_roster_record(struct relay *r, const uint8_t *p, size_t len,
	    int *kind, uint8_t key[static 32]) AMANA_WUR;

/* relay_roster_done: a record of key (32 bytes) left the queue. */
void	relay_roster_done(struct relay *r, const uint8_t key[static 32]);

/* relay_roster_changed: forget cached roster decisions. */
void	relay_roster_changed(struct relay *r);

#endif
