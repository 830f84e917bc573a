/*
 * roster: accreditations, investigator credentials and revocations, as
 * C2SP signed notes signed by the authority. docs/PROTOCOL.md section 5.
 *
 * The note text is exactly these lines, in this order, each ending '\n':
 *   amana.roster/v1
 *   kind accreditation|credential|revocation
 *   key <signed-note verifier key of the NGO or investigator>
 *   name <printable name>            (accreditation, credential only)
 *   issued <unix seconds>
 *   not-after <unix seconds>         (accreditation, credential only)
 * Numbers are decimal without leading zeros. Nothing else is allowed.
 * Any thread; no state.
 */
#ifndef AMANA_ROSTER_H
#define AMANA_ROSTER_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "note.h"

#define ROSTER_MAGIC		"amana.roster/v1"
#define ROSTER_NAME_MAX		128	/* bytes of UTF-8 */
#define ROSTER_TEXT_MAX		1024	/* bytes of note text */

enum {
	ROSTER_ACCREDITATION = 1,	/* an NGO may submit alerts */
	ROSTER_CREDENTIAL = 2,		/* an investigator may fetch, reply */
	ROSTER_REVOCATION = 3,		/* the key is no longer trusted */
};

/* Key states returned by roster_status. */
enum {
	ROSTER_UNKNOWN = 0,
	ROSTER_ACTIVE = 1,
	ROSTER_EXPIRED = 2,
	ROSTER_REVOKED = 3,
};

/* One record; plain data, copy freely. Strings are NUL-terminated. */
struct roster_rec {
	int		 kind;			/* ROSTER_ACCREDITATION.. */
	char		 key[NOTE_VKEY_MAX + 1];	/* verifier key text */
	struct note_verifier vkey;		/* key, parsed (parse only) */
	char		 name[ROSTER_NAME_MAX + 1];	/* "" for revocation */
	uint64_t	 issued;		/* unix seconds */
	uint64_t	 not_after;		/* unix seconds; 0 revocation */
};

/*
 * roster_format: appends the note text of r (borrowed) to text. r->key must
 * parse as a verifier key; name: 1..ROSTER_NAME_MAX bytes of UTF-8, no
 * control character, no leading or trailing space (empty for revocation);
 * not_after > issued (0 for revocation). r->vkey is ignored.
 * Returns 0, AMANA_EINVAL (a rule above), AMANA_ETOOBIG, AMANA_ENOMEM;
 * text unchanged on failure.
 */
int	roster_format(const struct roster_rec *r, struct amana_buf *text)
	    AMANA_WUR;

/*
 * roster_parse: strict parse of note text p[0..len) (borrowed,
 * len <= ROSTER_TEXT_MAX) under the rules of roster_format; fills
 * out->vkey from the key line. *out written only on success.
 * Returns 0, AMANA_EPARSE, AMANA_ETOOBIG.
 */
int	roster_parse(const uint8_t *p, size_t len, struct roster_rec *out)
	    AMANA_WUR;

/*
 * roster_sign: roster_format, then note_sign with the authority's signer
 * (borrowed): appends the complete signed note to note.
 * Returns the errors of both; note unchanged on failure.
 */
int	roster_sign(const struct roster_rec *r, const struct note_signer *s,
	    struct amana_buf *note) AMANA_WUR;

/*
 * roster_verify: checks that the signed note p[0..len) (borrowed) carries
 * a valid signature by authority (borrowed), then parses its text.
 * Returns 0, AMANA_EBADSIG (not signed by authority, or a bad signature),
 * AMANA_EPARSE, AMANA_ETOOBIG.
 */
int	roster_verify(const uint8_t *p, size_t len,
	    const struct note_verifier *authority, struct roster_rec *out)
	    AMANA_WUR;

/*
 * roster_status: the state at time now of the key pk (Ed25519 public key,
 * 32 bytes) for role kind (ROSTER_ACCREDITATION or ROSTER_CREDENTIAL),
 * given verified records recs[0..n) (borrowed, any order, any keys).
 * Rule: among the records for pk, take the grant of that kind with the
 * greatest issued time, and the latest revocation. A revocation issued at
 * or after that grant (or with no grant) gives ROSTER_REVOKED; no record
 * gives ROSTER_UNKNOWN; otherwise ROSTER_ACTIVE while now < not_after and
 * ROSTER_EXPIRED from not_after on. A later grant re-admits a revoked key.
 * Returns a ROSTER_* state; never fails.
 */
int	roster_status(const struct roster_rec *recs, size_t n,
	    const uint8_t pk[static NOTE_PK_LEN], int kind, uint64_t now);

#endif
