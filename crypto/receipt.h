/*
 * receipt: C2SP tlog-proof receipts (c2sp.org/tlog-proof@v1):
 *
 *	c2sp.org/tlog-proof@v1\n
 *	extra <base64 extra data>\n		(optional)
 *	index <decimal>\n
 *	<base64 hash>\n				(zero or more: inclusion proof)
 *	\n
 *	<signed checkpoint note, verbatim>
 *
 * In Amana the extra data is the 41-byte log entry (logentry.h), which is
 * also the Merkle leaf, so the inclusion proof authenticates it. Any thread.
 */
#ifndef AMANA_RECEIPT_H
#define AMANA_RECEIPT_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "ckpt.h"
#include "logentry.h"
#include "merkle.h"
#include "note.h"

#define RECEIPT_EXTRA_MAX	1024		/* decoded extra bytes */
#define RECEIPT_PROOF_MAX	MERKLE_PROOF_MAX
#define RECEIPT_MAX_LEN		(NOTE_MAX_LEN + 8192)
#define RECEIPT_LINE_LEN	45	/* a proof hash: base64, newline */

struct receipt_view {
	uint64_t	 index;
	int		 has_extra;
	size_t		 extra_len;
	uint8_t		 extra[RECEIPT_EXTRA_MAX];
	size_t		 n_proof;
	uint8_t		 proof[RECEIPT_PROOF_MAX][MERKLE_HASH_LEN];
	const uint8_t	*ckpt_note;	/* the signed checkpoint, borrowed */
	size_t		 ckpt_note_len;
	/* Filled by receipt_verify only: */
	struct ckpt	 ckpt;		/* ext borrowed from the input */
	struct logentry	 entry;
};

/*
 * receipt_format: appends a receipt to out. extra may be NULL (no extra
 * line; extra_len must be 0); proof: n <= RECEIPT_PROOF_MAX hashes;
 * signed_ckpt: the verbatim signed checkpoint note. All borrowed.
 * Returns 0, AMANA_EINVAL or the buffer's errors (out unchanged then).
 */
int	receipt_format(uint64_t index, const uint8_t *extra, size_t extra_len,
	    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
	    const uint8_t *signed_ckpt, size_t ckpt_len, struct amana_buf *out)
	    AMANA_WUR;

/*
 * The proof lines of the receipts formatted last with a memo: a hash met
 * again at the same place in a proof is copied as text, not encoded (the
 * receipts of neighbouring leaves share most of their proofs). Zeroed
 * before its first use; one caller (thread) at a time.
 */
struct receipt_memo {
	size_t	n;
	uint8_t	hash[RECEIPT_PROOF_MAX][MERKLE_HASH_LEN];
	char	line[RECEIPT_PROOF_MAX][RECEIPT_LINE_LEN];
};

/* receipt_format, with memo NULL or a memo it reads and updates. */
int	receipt_format_memo(uint64_t index, const uint8_t *extra,
	    size_t extra_len, const uint8_t (*proof)[MERKLE_HASH_LEN],
	    size_t n, const uint8_t *signed_ckpt, size_t ckpt_len,
	    struct receipt_memo *memo, struct amana_buf *out) AMANA_WUR;

/*
 * receipt_parse: parses without verifying anything. p/len borrowed,
 * len <= RECEIPT_MAX_LEN. Index: decimal, no leading zero. Base64 strict.
 * The checkpoint part is only checked to be a well-formed note
 * (note_open). *out written only on success.
 * Returns 0, AMANA_EPARSE or AMANA_ETOOBIG.
 */
int	receipt_parse(const uint8_t *p, size_t len, struct receipt_view *out)
	    AMANA_WUR;

/*
 * receipt_verify: receipt_parse, then: the checkpoint is signed by log_key
 * and its origin is log_key's name; the extra data is a valid log entry;
 * index < checkpoint size and the inclusion proof of the leaf (the entry
 * bytes) leads to the checkpoint root; when envelope is not NULL, the
 * entry's hash equals SHA-256(envelope[0..env_len)).
 * Returns 0, AMANA_EPARSE, AMANA_ETOOBIG, AMANA_EBADSIG (checkpoint),
 * AMANA_EPROOF (inclusion) or AMANA_ENOMATCH (the envelope's hash differs).
 * *out written only on success.
 */
int	receipt_verify(const uint8_t *p, size_t len,
	    const struct note_verifier *log_key, const uint8_t *envelope,
	    size_t env_len, struct receipt_view *out) AMANA_WUR;

#endif
