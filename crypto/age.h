/*
 * age: the age v1 file format (C2SP age, age-encryption.org/v1) on
 * libsodium primitives.
 *
 * X25519 recipients ("age1...") and identities ("AGE-SECRET-KEY-1..."),
 * scrypt passphrase stanzas, HKDF-SHA-256, header MAC, ChaCha20-Poly1305
 * STREAM in 64 KiB chunks with the last-chunk flag. Decryption is a push
 * parser in constant memory: a chunk's plaintext reaches the sink only after
 * its tag verifies; ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----") is
 * detected and removed on the fly.
 *
 * Secret material (identities, file keys, passphrase copies, plaintext
 * scratch) lives in sodium_malloc memory and is wiped on every path.
 * Objects are not thread-safe: one owner at a time; distinct objects may be
 * used from distinct threads. Call sodium_init() once before any function.
 *
 * Errors follow the testkit's classes:
 *   AMANA_EHEADER  header failure (bad stanza, version, scrypt rules, low
 *                  order share, malformed recipient stanza),
 *   AMANA_EMAC     header MAC failure,
 *   AMANA_EPAYLOAD payload failure (nonce, tag, chunking, truncation,
 *                  trailing data),
 *   AMANA_ENOMATCH no identity or passphrase opened any stanza,
 *   AMANA_EARMOR   bad ASCII armor,
 * plus AMANA_EINVAL (bad arguments), AMANA_ENOMEM, AMANA_ERANGE,
 * AMANA_ETOOBIG, AMANA_EPARSE (key strings) and AMANA_EBADKEY.
 */
#ifndef AMANA_AGE_H
#define AMANA_AGE_H
#include <stddef.h>
#include <stdint.h>
#include "amana_buf.h"
#include "amana_err.h"

#define AGE_KEY_LEN		32	/* X25519 public or secret key */
#define AGE_FILE_KEY_LEN	16
#define AGE_CHUNK_LEN		65536	/* STREAM plaintext chunk */
#define AGE_TAG_LEN		16	/* Poly1305 tag per chunk */
#define AGE_NONCE_LEN		16	/* payload key nonce after the header */
/* "age1" + 52 data characters + 6 checksum characters. */
#define AGE_RECIPIENT_STR_LEN	62
/* "AGE-SECRET-KEY-1" + 52 data characters + 6 checksum characters. */
#define AGE_IDENTITY_STR_LEN	74
/* Largest header accepted on decrypt (all stanzas, MAC line included). */
#define AGE_HEADER_MAX		(1024 * 1024)
/* Most stanzas accepted in one header. */
#define AGE_STANZAS_MAX		1024
/* Most recipients accepted by age_enc_new_x25519. */
#define AGE_RECIPIENTS_MAX	1024
/* Most identities in one identity file. */
#define AGE_IDENTITIES_MAX	1024
/* Largest identity file accepted by age_identity_file_parse. */
#define AGE_IDENTITY_FILE_MAX	(1024 * 1024)
/* scrypt work factor (log2 N): default on encrypt, default cap on decrypt. */
#define AGE_SCRYPT_LOG_N_DEFAULT 18
#define AGE_SCRYPT_LOG_N_MAX	22
#define AGE_SCRYPT_SALT_LEN	16
/* Longest passphrase accepted. */
#define AGE_PASSPHRASE_MAX	1024

/*
 * Where output goes: ciphertext when encrypting, verified plaintext when
 * decrypting. p[0..len) is borrowed for the call only (copy it out; when
 * decrypting it is secret plaintext). Return 0 to go on; any non-zero
 * value aborts the operation and is returned unchanged by the caller of the
 * sink (so return a negative AMANA_E* code).
 */
typedef int (*age_sink)(void *ctx, const uint8_t *p, size_t len);

/* An X25519 identity; secret key in sodium_malloc memory. Opaque. */
struct age_identity;

/*
 * age_identity_generate: a fresh random identity.
 * *out: caller owns it, free with age_identity_free. AMANA_ENOMEM.
 */
int	age_identity_generate(struct age_identity **out) AMANA_WUR;
/*
 * age_identity_parse: one "AGE-SECRET-KEY-1..." string (upper case, exact
 * Bech32, no whitespace or newline), p/len borrowed, len ==
 * AGE_IDENTITY_STR_LEN. *out owned by the caller.
 * AMANA_EPARSE (malformed string), AMANA_EBADKEY, AMANA_ENOMEM.
 */
int	age_identity_parse(const uint8_t *p, size_t len,
	    struct age_identity **out) AMANA_WUR;
/*
 * age_identity_file_parse: an age-keygen identity file: lines starting
 * with '#' and empty lines are ignored; every other line is one identity
 * (LF or CRLF endings; the last line may lack its newline). len <=
 * AGE_IDENTITY_FILE_MAX, at most AGE_IDENTITIES_MAX identities, at least
 * one. On success *out is an array of *n identities the caller owns (free
 * with age_identities_free). AMANA_EPARSE, AMANA_ETOOBIG, AMANA_ENOMEM.
 */
int	age_identity_file_parse(const uint8_t *p, size_t len,
	    struct age_identity ***out, size_t *n) AMANA_WUR;
/*
 * age_identity_format: appends the AGE_IDENTITY_STR_LEN-byte
 * "AGE-SECRET-KEY-1..." string (no newline) to secure_out, which should be
 * a secure buffer. AMANA_ENOMEM, AMANA_ETOOBIG (buffer cap).
 */
int	age_identity_format(const struct age_identity *id,
	    struct amana_buf *secure_out) AMANA_WUR;
/* age_identity_public: the identity's X25519 public key. */
void	age_identity_public(const struct age_identity *id,
	    uint8_t pk[static AGE_KEY_LEN]);
/* Wipes and frees; NULL is fine. */
void	age_identity_free(struct age_identity *id);
/* Frees ids[0..n) and the array; NULL is fine. */
void	age_identities_free(struct age_identity **ids, size_t n);

/*
 * age_recipient_parse: one "age1..." string (lower case, exact Bech32),
 * len == AGE_RECIPIENT_STR_LEN. Writes pk only on success.
 * AMANA_EPARSE (malformed), AMANA_EBADKEY (low-order point is not checked
 * here; it fails at encryption).
 */
int	age_recipient_parse(const uint8_t *p, size_t len,
	    uint8_t pk[static AGE_KEY_LEN]) AMANA_WUR;
/*
 * age_recipient_format: writes the NUL-terminated "age1..." string;
 * out_size >= AGE_RECIPIENT_STR_LEN + 1, else AMANA_ERANGE.
 */
int	age_recipient_format(const uint8_t pk[static AGE_KEY_LEN], char *out,
	    size_t out_size) AMANA_WUR;

/* Streaming encryption. */
struct age_enc;

/*
 * age_header_len_x25519: exact length in bytes of the header that
 * age_enc_new_x25519 writes for n recipients (we add no grease stanzas).
 * age_header_len_scrypt: the same for age_enc_new_scrypt with log_n.
 * Return 0 when n is 0 or above AGE_RECIPIENTS_MAX, or log_n out of range.
 */
size_t	age_header_len_x25519(size_t n);
size_t	age_header_len_scrypt(int log_n);
/*
 * age_payload_len: the exact age file length for a header of header_len
 * bytes and plaintext_len bytes of plaintext (nonce + chunks + tags).
 * AMANA_ERANGE on overflow.
 */
int	age_payload_len(size_t header_len, uint64_t plaintext_len,
	    uint64_t *out) AMANA_WUR;

/*
 * age_enc_new_x25519: starts an age file to n recipients (1 <= n <=
 * AGE_RECIPIENTS_MAX), pks borrowed for the call. Writes the whole header
 * (age_header_len_x25519(n) bytes) and the payload nonce through sink
 * before returning. *out owned by the caller (age_enc_free).
 * AMANA_EINVAL, AMANA_EBADKEY (low-order recipient), AMANA_ENOMEM, or the
 * sink's error.
 */
int	age_enc_new_x25519(const uint8_t (*pks)[AGE_KEY_LEN], size_t n,
	    age_sink sink, void *ctx, struct age_enc **out) AMANA_WUR;
/*
 * age_enc_new_scrypt: starts an age file with one scrypt stanza.
 * pass (SECRET, borrowed), 1 <= pass_len <= AGE_PASSPHRASE_MAX; log_n in
 * 1..AGE_SCRYPT_LOG_N_MAX (0 means AGE_SCRYPT_LOG_N_DEFAULT). Header written
 * through sink as above. AMANA_EINVAL, AMANA_ENOMEM, or the sink's error.
 */
int	age_enc_new_scrypt(const uint8_t *pass, size_t pass_len, int log_n,
	    age_sink sink, void *ctx, struct age_enc **out) AMANA_WUR;
/*
 * age_enc_write: encrypts p[0..len) (borrowed); full chunks go to the sink
 * as soon as a following byte proves they are not the last one.
 * After any error the object only accepts age_enc_free (AMANA_EINVAL).
 */
int	age_enc_write(struct age_enc *e, const uint8_t *p, size_t len)
	    AMANA_WUR;
/* age_enc_finish: writes the last chunk. Then only age_enc_free. */
int	age_enc_finish(struct age_enc *e) AMANA_WUR;
/* Wipes and frees; NULL is fine. */
void	age_enc_free(struct age_enc *e);

/* Keys to try when decrypting; all pointers borrowed for the decryption. */
struct age_dec_keys {
	struct age_identity *const *ids;	/* X25519 identities */
	size_t		 n_ids;
	const uint8_t	*pass;			/* SECRET; NULL: no scrypt */
	size_t		 pass_len;
	int		 max_log_n;		/* 0: AGE_SCRYPT_LOG_N_MAX */
};

/* Streaming decryption. */
struct age_dec;

/*
 * age_dec_new: a push decryptor; keys (and what it points to) must outlive
 * the object. *out owned by the caller (age_dec_free). AMANA_EINVAL,
 * AMANA_ENOMEM.
 */
int	age_dec_new(const struct age_dec_keys *keys, age_sink sink, void *ctx,
	    struct age_dec **out) AMANA_WUR;
/*
 * age_dec_write: feeds ciphertext p[0..len) (borrowed, any split). Verified
 * plaintext goes to the sink chunk by chunk. Returns 0 or the first error
 * (AMANA_EHEADER, also for a header above AGE_HEADER_MAX, AMANA_EMAC,
 * AMANA_ENOMATCH, AMANA_EPAYLOAD, AMANA_EARMOR, AMANA_ENOMEM, or the sink's
 * error); after an error every call returns that error. Input whose first
 * byte is not 'a' (start of the version line) is decoded as ASCII armor.
 */
int	age_dec_write(struct age_dec *d, const uint8_t *p, size_t len)
	    AMANA_WUR;
/*
 * age_dec_finish: end of input: verifies and releases the last chunk.
 * AMANA_EPAYLOAD when truncated, AMANA_EHEADER when the header is
 * incomplete, AMANA_EARMOR when armor is unterminated.
 */
int	age_dec_finish(struct age_dec *d) AMANA_WUR;
/* Wipes and frees; NULL is fine. */
void	age_dec_free(struct age_dec *d);

/*
 * age_encrypt_buf: one-shot encryption of p[0..len) to n X25519 recipients,
 * appending the age file to out. Errors as age_enc_new_x25519, plus the
 * buffer's AMANA_ETOOBIG/AMANA_ENOMEM. On failure out may hold a partial
 * file: discard it.
 */
int	age_encrypt_buf(const uint8_t (*pks)[AGE_KEY_LEN], size_t n,
	    const uint8_t *p, size_t len, struct amana_buf *out) AMANA_WUR;
/* age_encrypt_buf_scrypt: the same with a passphrase (see _new_scrypt). */
int	age_encrypt_buf_scrypt(const uint8_t *pass, size_t pass_len,
	    int log_n, const uint8_t *p, size_t len, struct amana_buf *out)
	    AMANA_WUR;
/*
 * age_decrypt_buf: one-shot decryption of an age file (binary or armored)
 * appending the plaintext to out (use a secure buffer; its cap bounds the
 * plaintext). On failure out may hold the plaintext of the chunks that
 * verified before the error: the caller must discard it. Errors as age_dec_*.
 */
int	age_decrypt_buf(const struct age_dec_keys *keys, const uint8_t *p,
	    size_t len, struct amana_buf *out) AMANA_WUR;

#endif
