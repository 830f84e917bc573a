/*
 * amana_codec: strict, canonical base64 (RFC 4648 standard alphabet) and
 * lowercase hex, canonical decimal uint64, plus SHA-256 through OpenSSL's
 * libcrypto. Decoders reject any non-alphabet byte, whitespace, wrong
 * padding and non-zero unused bits (non-canonical encodings). Any thread.
 */
#ifndef AMANA_CODEC_H
#define AMANA_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "amana_err.h"

#define AMANA_SHA256_LEN 32
#define AMANA_DEC_U64_MAX_LEN 20	/* digits of UINT64_MAX */

/* Characters needed to encode n bytes (no NUL): padded or not. */
size_t	amana_b64_len(size_t n, int pad);
/*
 * Encodes in[0..in_len) into out, NUL-terminated. out_size must be at least
 * amana_b64_len(in_len, pad) + 1, else AMANA_ERANGE.
 */
int	amana_b64_encode(char *out, size_t out_size, const uint8_t *in,
	    size_t in_len, int pad) AMANA_WUR;
/*
 * Decodes in[0..in_len): with pad, the length must be a multiple of 4 with
 * '=' padding; without, no '=' at all. Writes at most out_max bytes and sets
 * *out_len. AMANA_EPARSE on any non-canonical input, AMANA_ERANGE if out_max
 * is too small.
 */
int	amana_b64_decode(uint8_t *out, size_t out_max, size_t *out_len,
	    const char *in, size_t in_len, int pad) AMANA_WUR;
/* out_size >= 2 * in_len + 1; NUL-terminated lowercase hex. */
int	amana_hex_encode(char *out, size_t out_size, const uint8_t *in,
	    size_t in_len) AMANA_WUR;
/* Exactly 2 * out_len hex digits (either case): AMANA_EPARSE otherwise. */
int	amana_hex_decode(uint8_t *out, size_t out_len, const char *in,
	    size_t in_len) AMANA_WUR;

/*
 * Parses p[0..len) as a canonical decimal uint64: "0" or [1-9][0-9]*, no
 * sign, no space, at most AMANA_DEC_U64_MAX_LEN digits, no overflow. p is
 * borrowed; *out is written on success only. Returns 0 or AMANA_EPARSE.
 */
int	amana_dec_u64_parse(const uint8_t *p, size_t len, uint64_t *out)
	    AMANA_WUR;
/*
 * Writes v in canonical decimal, NUL-terminated, into out[0..out_size);
 * out_size > AMANA_DEC_U64_MAX_LEN always suffices. *out_len (may be NULL)
 * gets the number of digits. Returns 0 or AMANA_ERANGE (out too small:
 * out is then left as an empty string if out_size > 0).
 */
int	amana_dec_u64_format(char *out, size_t out_size, uint64_t v,
	    size_t *out_len) AMANA_WUR;

/* One-shot SHA-256 of p[0..len). */
void	amana_sha256(uint8_t out[static AMANA_SHA256_LEN], const void *p,
	    size_t len);

/* Incremental SHA-256; ctx is opaque, allocated by _new, freed by _free. */
struct amana_sha256_ctx;
int	amana_sha256_new(struct amana_sha256_ctx **out) AMANA_WUR;
void	amana_sha256_update(struct amana_sha256_ctx *c, const void *p,
	    size_t len);
/* Writes the digest and resets the context for reuse. */
void	amana_sha256_final(struct amana_sha256_ctx *c,
	    uint8_t out[static AMANA_SHA256_LEN]);
void	amana_sha256_free(struct amana_sha256_ctx *c);

#endif
