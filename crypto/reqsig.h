/*
 * reqsig: signed HTTP requests (docs/PROTOCOL.md, section 9).
 *
 * A request carries four headers:
 *   Amana-Key:       base64 (padded) of the 32-byte Ed25519 public key
 *   Amana-Time:      unix seconds, decimal, no sign, no leading zeros
 *   Amana-Nonce:     base64 (padded) of 16 random bytes
 *   Amana-Signature: base64 (padded) of the 64-byte Ed25519 signature over
 *     "amana/request/v1\n" METHOD "\n" PATH-AND-QUERY "\n" TIME "\n"
 *     NONCE "\n" hex(SHA-256(body)) "\n"
 * where TIME and NONCE are the header values exactly as sent.
 * The verifier accepts |now - time| <= REQSIG_WINDOW; replay protection
 * (a nonce cache) and the choice of keys (the roster) belong to the caller.
 * No global state; any thread.
 */
#ifndef AMANA_REQSIG_H
#define AMANA_REQSIG_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"

#define REQSIG_PK_LEN		32
#define REQSIG_SK_LEN		64	/* libsodium Ed25519 secret key */
#define REQSIG_SIG_LEN		64
#define REQSIG_NONCE_LEN	16
#define REQSIG_WINDOW		300	/* seconds either side of now */
#define REQSIG_METHOD_MAX	16	/* bytes of METHOD */
#define REQSIG_PATH_MAX		4096	/* bytes of PATH-AND-QUERY */
#define REQSIG_TIME_MAX		12	/* digits of TIME */
#define REQSIG_CONTEXT		"amana/request/v1\n"

#define REQSIG_HDR_KEY		"Amana-Key"
#define REQSIG_HDR_TIME		"Amana-Time"
#define REQSIG_HDR_NONCE	"Amana-Nonce"
#define REQSIG_HDR_SIG		"Amana-Signature"

/* Header values as NUL-terminated text, ready to send. */
struct reqsig_headers {
	char	key[48];	/* 44 chars + NUL */
	char	time[REQSIG_TIME_MAX + 1];
	char	nonce[28];	/* 24 chars + NUL */
	char	sig[92];	/* 88 chars + NUL */
};

/* A parsed, not yet verified, request signature. */
struct reqsig {
	uint8_t	pk[REQSIG_PK_LEN];
	int64_t	time;
	char	time_text[REQSIG_TIME_MAX + 1];
	uint8_t	nonce[REQSIG_NONCE_LEN];
	char	nonce_text[28];
	uint8_t	sig[REQSIG_SIG_LEN];
};

/*
 * reqsig_message: appends the signed message for method/path (NUL-terminated,
 * borrowed; method 1..REQSIG_METHOD_MAX upper-case letters, path starting
 * with '/', 1..REQSIG_PATH_MAX printable ASCII bytes without space), the
 * header texts time_text and nonce_text, and body_hash to out.
 * Returns 0, AMANA_EINVAL (bad method or path), AMANA_ETOOBIG, AMANA_ENOMEM.
 */
int	reqsig_message(struct amana_buf *out, const char *method,
	    const char *path, const char *time_text, const char *nonce_text,
	    const uint8_t body_hash[static 32]) AMANA_WUR;

/*
 * reqsig_sign: signs a request with sk (SECRET, REQSIG_SK_LEN bytes,
 * borrowed), at unix time now with a fresh random nonce, over body
 * (body_len bytes, may be NULL when body_len is 0). Fills *out.
 * Returns 0, AMANA_EINVAL (bad method/path/now), AMANA_ENOMEM.
 */
int	reqsig_sign(struct reqsig_headers *out,
	    const uint8_t sk[static REQSIG_SK_LEN], const char *method,
	    const char *path, int64_t now, const uint8_t *body, size_t body_len)
	    AMANA_WUR;

/*
 * reqsig_sign_note: as reqsig_sign, with a note signer s (SECRET, borrowed;
 * the keys of `amana keygen`). Same returns.
 */
struct note_signer;
int	reqsig_sign_note(struct reqsig_headers *out,
	    const struct note_signer *s, const char *method, const char *path,
	    int64_t now, const uint8_t *body, size_t body_len) AMANA_WUR;

/*
 * reqsig_parse: parses the four header values (each p/len borrowed, not
 * NUL-terminated; NULL means the header is missing) into *out.
 * Canonical only: padded base64 of exactly the right length, TIME of
 * 1..REQSIG_TIME_MAX digits without leading zeros.
 * Returns 0, AMANA_EINVAL (a header missing), AMANA_EPARSE.
 */
int	reqsig_parse(struct reqsig *out, const char *key, size_t key_len,
	    const char *time, size_t time_len, const char *nonce,
	    size_t nonce_len, const char *sig, size_t sig_len) AMANA_WUR;

/*
 * reqsig_verify: checks rs against the request (method, path as for
 * reqsig_message; body of body_len bytes) at unix time now.
 * Returns 0, AMANA_EEXPIRED (time outside now +- REQSIG_WINDOW),
 * AMANA_EBADSIG, AMANA_EINVAL (bad method/path), AMANA_ENOMEM.
 */
int	reqsig_verify(const struct reqsig *rs, const char *method,
	    const char *path, const uint8_t *body, size_t body_len, int64_t now)
	    AMANA_WUR;

#endif
