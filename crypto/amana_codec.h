/*
 * amana_codec: strict, canonical base64 (RFC 4648 standard alphabet) and
 * lowercase hex, plus SHA-256 through OpenSSL's libcrypto.
 * Decoders reject any non-alphabet byte, whitespace, wrong padding and
 * non-zero unused bits (non-canonical encodings). Any thread.
 */
#ifndef AMANA_CODEC_H
#define AMANA_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "amana_err.h"

#define AMANA_SHA256_LEN 32

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
