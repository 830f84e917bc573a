/*
 * logentry: the public, content-free transparency-log entry.
 *
 *	kind (u8) || relay time (u64 BE, unix milliseconds) || SHA-256 (32)
 *
 * 41 bytes; no NGO identity, no size. The Merkle leaf is these 41 bytes.
 * What is hashed for each kind: docs/PROTOCOL.md section 6. Any thread.
 */
#ifndef AMANA_LOGENTRY_H
#define AMANA_LOGENTRY_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define LOGENTRY_LEN		41
#define LOGENTRY_HASH_LEN	32

enum logentry_kind {
	LOGENTRY_ALERT = 1,		/* SHA-256 of the envelope */
	LOGENTRY_REPLY = 2,		/* SHA-256 of the reply envelope */
	LOGENTRY_ACK = 3,		/* SHA-256 of the acknowledgement */
	LOGENTRY_ACCREDITATION = 4,	/* SHA-256 of the signed roster note */
	LOGENTRY_CREDENTIAL = 5,	/* SHA-256 of the signed roster note */
	LOGENTRY_REVOCATION = 6,	/* SHA-256 of the signed roster note */
	LOGENTRY_PURGE = 7,		/* SHA-256 of the purged record */
};
#define LOGENTRY_KIND_MIN	LOGENTRY_ALERT
#define LOGENTRY_KIND_MAX	LOGENTRY_PURGE

struct logentry {
	uint8_t		kind;		/* enum logentry_kind */
	uint64_t	time_ms;	/* relay time, unix milliseconds */
	uint8_t		hash[LOGENTRY_HASH_LEN];
};

/* logentry_encode: 0, or AMANA_EINVAL for an unknown kind (out untouched). */
int	logentry_encode(uint8_t out[LOGENTRY_LEN], const struct logentry *e)
	    AMANA_WUR;

/*
 * logentry_decode: p/len borrowed. Returns 0, or AMANA_EPARSE for a length
 * other than LOGENTRY_LEN or an unknown kind. *out written only on success.
 */
int	logentry_decode(const uint8_t *p, size_t len, struct logentry *out)
	    AMANA_WUR;

/* logentry_kind_name: "alert", "reply", ...; "unknown" otherwise. */
const char *logentry_kind_name(int kind);

#endif
