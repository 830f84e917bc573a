/*
 * note: C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.
 *
 * A signed note is a text ending in '\n', a blank line, and one or more
 * signature lines "— <name> base64(keyid[4] || sig)\n" (the dash is U+2014).
 * Verifier keys are "name+hexkeyid+base64(0x01 || pk32)"; signer keys are
 * "PRIVATE+KEY+name+hexkeyid+base64(0x01 || seed32)". The key ID is the
 * first 4 bytes (big-endian) of SHA-256(name || 0x0A || 0x01 || pk).
 *
 * Every function here may be called from any thread; none keeps state
 * beyond what its arguments own. The signer functions use sodium_malloc:
 * the program must have called sodium_init() first.
 */
#ifndef AMANA_NOTE_H
#define AMANA_NOTE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_cur.h"
#include "amana_err.h"

#define NOTE_PK_LEN	32	/* Ed25519 public key */
#define NOTE_SIG_LEN	64	/* Ed25519 signature */
#define NOTE_SEED_LEN	32	/* Ed25519 seed (the signer key's secret) */
#define NOTE_NAME_MAX	255	/* bytes in a key name, without NUL */
#define NOTE_MAX_LEN	65536	/* bytes in a whole signed note */
#define NOTE_MAX_SIGS	100	/* signature lines in a note */
#define NOTE_MAX_KEYS	64	/* verifiers passed to one note_verify */
/* Longest verifier key text: name '+' 8 hex '+' 44 base64, no NUL. */
#define NOTE_VKEY_MAX	(NOTE_NAME_MAX + 1 + 8 + 1 + 44)
/* Longest signer key text: "PRIVATE+KEY+" then as above, no NUL. */
#define NOTE_SKEY_MAX	(12 + NOTE_VKEY_MAX)
/* Signature type byte for Ed25519 in keys and key IDs. */
#define NOTE_ALG_ED25519 0x01

/* A public verifier key; plain data, copy freely. name is NUL-terminated. */
struct note_verifier {
	char		name[NOTE_NAME_MAX + 1];
	uint32_t	key_id;
	uint8_t		pk[NOTE_PK_LEN];
};

/* A signer (secret key). Opaque; lives in sodium_malloc memory. */
struct note_signer;

/*
 * The result of parsing (and verifying) a note. All pointers point INTO the
 * caller's input and are valid while it lives.
 */
struct note_view {
	const uint8_t	*text;		/* the signed text, ends in '\n' */
	size_t		 text_len;
	const uint8_t	*sigs;		/* the signature lines, each with '\n' */
	size_t		 sigs_len;
	size_t		 n_sigs;	/* signature lines, 1..NOTE_MAX_SIGS */
	/* note_verify only: bit i set when keys[i] signed and verified. */
	uint64_t	 verified;
	size_t		 n_verified;	/* number of bits set in verified */
};

/* One signature line, as note_sig_next returns it (pointers borrowed). */
struct note_sig {
	const uint8_t	*name;		/* key name, not NUL-terminated */
	size_t		 name_len;
	uint32_t	 key_id;
	const uint8_t	*sig;		/* base64 of keyid || signature */
	size_t		 sig_len;	/* base64 characters */
};

/*
 * note_key_id: the recommended Ed25519 key ID of (name, pk).
 * name: NUL-terminated, borrowed. Never fails.
 */
uint32_t note_key_id(const char *name, const uint8_t pk[NOTE_PK_LEN]);

/*
 * note_name_valid: 0 if name[0..len) is a valid key name (non-empty, at most
 * NOTE_NAME_MAX bytes, valid UTF-8, no Unicode space, no '+', no control
 * character), else AMANA_EPARSE.
 */
int	note_name_valid(const uint8_t *name, size_t len) AMANA_WUR;

/*
 * note_text_valid: 0 if p[0..len) is valid UTF-8 without any control
 * character other than '\n' (the rule for note text), else AMANA_EPARSE.
 */
int	note_text_valid(const uint8_t *p, size_t len) AMANA_WUR;

/*
 * note_signer_generate: a fresh random Ed25519 signer named name.
 * name: NUL-terminated, borrowed, must pass note_name_valid.
 * *out: on success a new signer the caller frees with note_signer_free.
 * Returns 0, AMANA_EINVAL (bad name) or AMANA_ENOMEM.
 */
int	note_signer_generate(const char *name, struct note_signer **out)
	    AMANA_WUR;

/*
 * note_signer_parse: parses a signer key "PRIVATE+KEY+name+hexid+base64"
 * (SECRET). p/len borrowed, len <= NOTE_SKEY_MAX; a single trailing '\n'
 * is accepted. The key ID must be the lowercase hex of note_key_id.
 * *out: on success a new signer (note_signer_free).
 * Returns 0, AMANA_EBADKEY (malformed, wrong algorithm, ID mismatch),
 * AMANA_ETOOBIG or AMANA_ENOMEM.
 */
int	note_signer_parse(const uint8_t *p, size_t len,
	    struct note_signer **out) AMANA_WUR;

/*
 * note_signer_format: appends the signer key text (no newline) to out,
 * which should be a secure buffer (SECRET). Returns 0 or the buffer's
 * AMANA_ETOOBIG / AMANA_ENOMEM; out is unchanged on failure.
 */
int	note_signer_format(const struct note_signer *s, struct amana_buf *out)
	    AMANA_WUR;

/* note_signer_verifier: the public verifier of s, copied into *out. */
void	note_signer_verifier(const struct note_signer *s,
	    struct note_verifier *out);

/* note_signer_name: the signer's name (NUL-terminated, owned by s). */
const char *note_signer_name(const struct note_signer *s);

/* note_signer_free: wipes and frees s; NULL is fine. */
void	note_signer_free(struct note_signer *s);

/*
 * note_verifier_parse: parses "name+hexid+base64(0x01||pk)". p/len
 * borrowed, len <= NOTE_VKEY_MAX; a single trailing '\n' is accepted.
 * The key ID must be the lowercase hex of note_key_id(name, pk).
 * *out written only on success. Returns 0 or AMANA_EBADKEY.
 */
int	note_verifier_parse(const uint8_t *p, size_t len,
	    struct note_verifier *out) AMANA_WUR;

/*
 * note_verifier_format: appends "name+hexid+base64" (no newline) to out.
 * Returns 0, AMANA_EINVAL (invalid name) or the buffer's errors.
 */
int	note_verifier_format(const struct note_verifier *v,
	    struct amana_buf *out) AMANA_WUR;

/*
 * note_sign: appends text, a blank line and s's signature line to out:
 * a complete signed note. text/text_len borrowed; the text must be valid
 * note text (valid UTF-8, ends in '\n', no control character but '\n')
 * and the result at most NOTE_MAX_LEN bytes.
 * Returns 0, AMANA_EPARSE (bad text), AMANA_ETOOBIG, AMANA_ENOMEM; out is
 * unchanged on failure.
 */
int	note_sign(const struct note_signer *s, const uint8_t *text,
	    size_t text_len, struct amana_buf *out) AMANA_WUR;

/*
 * note_sign_raw: plain Ed25519 signature of msg[0..len) (no note framing),
 * for binary formats such as the envelope. Never fails (returns 0).
 */
int	note_sign_raw(const struct note_signer *s, const uint8_t *msg,
	    size_t len, uint8_t sig[NOTE_SIG_LEN]) AMANA_WUR;

/*
 * note_verify_raw: 0 if sig is v's Ed25519 signature of msg, else
 * AMANA_EBADSIG.
 */
int	note_verify_raw(const struct note_verifier *v, const uint8_t *msg,
	    size_t len, const uint8_t sig[NOTE_SIG_LEN]) AMANA_WUR;

/*
 * note_open: parses a signed note without checking any signature.
 * p/len borrowed, len <= NOTE_MAX_LEN. Rejects: no blank line or no
 * signature line, invalid UTF-8 or a control character other than '\n',
 * a malformed signature line (bad dash, invalid key name, non-canonical
 * base64, fewer than 5 decoded bytes), bytes after the last signature line
 * or a last line without '\n', more than NOTE_MAX_SIGS signatures.
 * *out written only on success (verified = 0). The caller MUST NOT trust
 * the text. Returns 0, AMANA_EPARSE or AMANA_ETOOBIG.
 */
int	note_open(const uint8_t *p, size_t len, struct note_view *out)
	    AMANA_WUR;

/*
 * note_verify: note_open, then checks signatures against keys[0..n_keys),
 * n_keys <= NOTE_MAX_KEYS (borrowed). A signature whose name and key ID
 * both match a key must verify (else AMANA_EBADSIG, whole note rejected);
 * others are ignored. Succeeds when at least one key verified.
 * Returns 0, AMANA_EPARSE, AMANA_ETOOBIG, AMANA_EINVAL (n_keys), or
 * AMANA_EBADSIG (a bad signature from a known key, or no known key).
 */
int	note_verify(const uint8_t *p, size_t len,
	    const struct note_verifier *keys, size_t n_keys,
	    struct note_view *out) AMANA_WUR;

/*
 * note_sig_next: reads the next signature line from a cursor over
 * view->sigs[0..sigs_len) (as note_open validated it). Pointers in *out
 * borrow the input. Returns 0 or AMANA_EPARSE (end or malformed).
 */
int	note_sig_next(struct amana_cur *c, struct note_sig *out) AMANA_WUR;

#endif
