/*
 * envelope: the signed binary envelope an NGO submits (alert) or an
 * investigator posts (reply, acknowledgement). docs/PROTOCOL.md section 3.
 *
 *   header (ENVELOPE_HEADER_LEN = 66 bytes):
 *     "AMANAENV" || version u8 (1) || kind u8 (1 alert, 2 reply, 3 ack)
 *     || signer Ed25519 public key (32) || created u64 || ref u64
 *     || payload_len u64 (ENVELOPE_PAYLOAD_MIN..ENVELOPE_PAYLOAD_MAX)
 *   payload: payload_len bytes, a binary age v1 file
 *   signature (64): Ed25519 over
 *     "amana/envelope/v1\n" || header || SHA-256(payload)
 *
 * The signature covers the payload's hash so that producing and checking
 * an envelope both stream in constant memory. Integers are big-endian.
 * Every function may be called from any thread; objects have one owner.
 */
#ifndef AMANA_ENVELOPE_H
#define AMANA_ENVELOPE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define ENVELOPE_MAGIC		"AMANAENV"
#define ENVELOPE_MAGIC_LEN	8
#define ENVELOPE_VERSION	1
#define ENVELOPE_DOMAIN		"amana/envelope/v1\n"
#define ENVELOPE_DOMAIN_LEN	18
#define ENVELOPE_PK_LEN		32
#define ENVELOPE_SIG_LEN	64
#define ENVELOPE_HASH_LEN	32
#define ENVELOPE_HEADER_LEN	66
/* The payload must start with the age v1 binary header line. */
#define ENVELOPE_AGE_PREFIX	"age-encryption.org/v1\n"
#define ENVELOPE_PAYLOAD_MIN	22	/* strlen(ENVELOPE_AGE_PREFIX) */
/* 128 MiB: a padded 100 MiB attachment plus age overhead fits. */
#define ENVELOPE_PAYLOAD_MAX	(UINT64_C(128) * 1024 * 1024)
/* Bytes the signature covers: domain || header || SHA-256(payload). */
#define ENVELOPE_SIGNED_LEN	(ENVELOPE_DOMAIN_LEN + ENVELOPE_HEADER_LEN + \
				    ENVELOPE_HASH_LEN)
/* Whole envelope bounds. */
#define ENVELOPE_OVERHEAD	(ENVELOPE_HEADER_LEN + ENVELOPE_SIG_LEN)
#define ENVELOPE_MAX		(ENVELOPE_PAYLOAD_MAX + ENVELOPE_OVERHEAD)

enum {
	ENVELOPE_KIND_ALERT = 1,
	ENVELOPE_KIND_REPLY = 2,
	ENVELOPE_KIND_ACK = 3,
};

/* A parsed header; plain data. */
struct envelope_header {
	uint8_t		version;
	uint8_t		kind;		/* ENVELOPE_KIND_* */
	uint8_t		signer[ENVELOPE_PK_LEN];
	uint64_t	created;	/* unix seconds, signer's clock */
	uint64_t	ref;		/* 0 for alerts; alert index answered */
	uint64_t	payload_len;
};

/* A parsed envelope; pointers point INTO the parsed input. */
struct envelope_view {
	struct envelope_header hdr;
	const uint8_t	*header;	/* ENVELOPE_HEADER_LEN bytes */
	const uint8_t	*payload;	/* hdr.payload_len bytes */
	const uint8_t	*sig;		/* ENVELOPE_SIG_LEN bytes */
};

/*
 * envelope_header_parse: parses exactly ENVELOPE_HEADER_LEN bytes at p
 * (borrowed; len must equal ENVELOPE_HEADER_LEN). Rejects a wrong magic or
 * version, an unknown kind, an alert with ref != 0, and payload_len
 * outside ENVELOPE_PAYLOAD_MIN..ENVELOPE_PAYLOAD_MAX.
 * *out written only on success. Returns 0, AMANA_EPARSE, AMANA_ETOOBIG
 * (payload_len above the maximum).
 */
int	envelope_header_parse(const uint8_t *p, size_t len,
	    struct envelope_header *out) AMANA_WUR;

/*
 * envelope_parse: strict parse of a whole envelope p[0..len) (borrowed):
 * a valid header, a payload starting with ENVELOPE_AGE_PREFIX, the
 * signature, and nothing after it (len must be exactly
 * ENVELOPE_OVERHEAD + payload_len). Checks no signature.
 * *out written only on success; its pointers borrow p.
 * Returns 0, AMANA_EPARSE or AMANA_ETOOBIG.
 */
int	envelope_parse(const uint8_t *p, size_t len, struct envelope_view *out)
	    AMANA_WUR;

/*
 * envelope_verify: checks that pk (borrowed, 32 bytes; the caller found
 * it in its roster, normally equal to v->hdr.signer) signed the envelope:
 * one SHA-256 of the payload and one Ed25519 verification.
 * Returns 0, AMANA_EBADKEY (pk differs from the header's signer key),
 * AMANA_EBADSIG, AMANA_ENOMEM.
 */
int	envelope_verify(const struct envelope_view *v,
	    const uint8_t pk[static ENVELOPE_PK_LEN]) AMANA_WUR;

/*
 * envelope_hash: SHA-256 of the whole envelope p[0..len) (the hash the log
 * entry records). Never fails.
 */
void	envelope_hash(const uint8_t *p, size_t len,
	    uint8_t out[static ENVELOPE_HASH_LEN]);

/*
 * envelope_signed_msg: the exact bytes the signature covers, from a header
 * and the payload's SHA-256: out = ENVELOPE_DOMAIN || header ||
 * payload_hash. Never fails.
 */
void	envelope_signed_msg(const uint8_t header[static ENVELOPE_HEADER_LEN],
	    const uint8_t payload_hash[static ENVELOPE_HASH_LEN],
	    uint8_t out[static ENVELOPE_SIGNED_LEN]);

/*
 * envelope_header_format: writes the 66-byte header for h (version is
 * forced to ENVELOPE_VERSION). Returns 0 or AMANA_EINVAL (bad kind, alert
 * with ref != 0, payload_len out of range; out untouched).
 */
int	envelope_header_format(const struct envelope_header *h,
	    uint8_t out[static ENVELOPE_HEADER_LEN]) AMANA_WUR;

/*
 * Output callback of the writer: p[0..len) borrowed for the call. Return
 * 0 to go on, or a negative AMANA_E* that the writer returns unchanged.
 */
typedef int (*envelope_sink)(void *ctx, const uint8_t *p, size_t len);

/* Streaming producer, constant memory. Opaque. */
struct envelope_writer;

/*
 * envelope_writer_new: writes the header for h through sink and returns a
 * writer expecting exactly h->payload_len payload bytes. h borrowed for the
 * call; sink/ctx must outlive the writer. *out owned by the caller
 * (envelope_writer_free). Returns 0, AMANA_EINVAL (as
 * envelope_header_format), AMANA_ENOMEM, or the sink's error.
 */
int	envelope_writer_new(const struct envelope_header *h,
	    envelope_sink sink, void *ctx, struct envelope_writer **out)
	    AMANA_WUR;
/*
 * envelope_writer_write: passes payload bytes p[0..len) (borrowed) through
 * to the sink and hashes them. AMANA_ERANGE if more than payload_len bytes
 * are fed, AMANA_EPARSE if the payload does not start with
 * ENVELOPE_AGE_PREFIX, the sink's error; after any error the writer only
 * returns AMANA_EINVAL.
 */
int	envelope_writer_write(struct envelope_writer *w, const uint8_t *p,
	    size_t len) AMANA_WUR;
/*
 * envelope_writer_msg: after exactly payload_len payload bytes, writes the
 * ENVELOPE_SIGNED_LEN bytes to sign into msg. Sign them with the header's
 * signer key (e.g. note_sign_raw with a note_signer) and pass the result
 * to envelope_writer_finish_sig. Returns 0, AMANA_ERANGE (payload short;
 * the writer is then failed) or AMANA_EINVAL (writer failed or finished).
 */
int	envelope_writer_msg(struct envelope_writer *w,
	    uint8_t msg[static ENVELOPE_SIGNED_LEN]) AMANA_WUR;
/*
 * envelope_writer_finish_sig: checks that sig (borrowed) verifies against
 * the header's signer key, then writes it through the sink. Afterwards
 * the writer only accepts envelope_writer_free. Returns 0, AMANA_EINVAL
 * (envelope_writer_msg not called successfully), AMANA_EBADSIG, or the
 * sink's error.
 */
int	envelope_writer_finish_sig(struct envelope_writer *w,
	    const uint8_t sig[static ENVELOPE_SIG_LEN]) AMANA_WUR;
/*
 * envelope_writer_finish_sk: envelope_writer_msg, signing with a libsodium
 * Ed25519 secret key sk (SECRET, 64 bytes: seed || pk, borrowed), then
 * envelope_writer_finish_sig. AMANA_EBADKEY when sk's public half is not
 * the header's signer; otherwise the errors of those two.
 */
int	envelope_writer_finish_sk(struct envelope_writer *w,
	    const uint8_t sk[static 64]) AMANA_WUR;
/* Frees; NULL is fine. */
void	envelope_writer_free(struct envelope_writer *w);

/*
 * Streaming checker for an envelope read piecewise (e.g. from a file):
 * envelope_checker_new parses the header (as envelope_header_parse; *out
 * owned by the caller, envelope_checker_free); envelope_checker_payload
 * hashes payload bytes (AMANA_ERANGE past payload_len, AMANA_EPARSE on a
 * wrong age prefix); envelope_checker_finish verifies sig against pk
 * after exactly payload_len bytes (AMANA_ERANGE if short, AMANA_EBADKEY,
 * AMANA_EBADSIG as envelope_verify).
 */
struct envelope_checker;
int	envelope_checker_new(const uint8_t *header, size_t header_len,
	    struct envelope_checker **out) AMANA_WUR;
const struct envelope_header *envelope_checker_header(
	    const struct envelope_checker *c);
int	envelope_checker_payload(struct envelope_checker *c, const uint8_t *p,
	    size_t len) AMANA_WUR;
int	envelope_checker_finish(struct envelope_checker *c,
	    const uint8_t sig[static ENVELOPE_SIG_LEN],
	    const uint8_t pk[static ENVELOPE_PK_LEN]) AMANA_WUR;
void	envelope_checker_free(struct envelope_checker *c);

#endif
