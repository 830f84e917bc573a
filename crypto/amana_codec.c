#include <stdlib.h>
#include <string.h>

/* SHA256_Init/Update/Final: see amana_sha256() below. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "amana_codec.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
amana_b64_len(size_t n, int pad)
{
	if (pad)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

int
amana_b64_encode(char *out, size_t out_size, const uint8_t *in,
    size_t in_len, int pad)
{
	size_t i, o = 0;
	uint32_t v;

	if (in_len > (SIZE_MAX - 4) / 4 * 3 ||
	    out_size < amana_b64_len(in_len, pad) + 1)
		return AMANA_ERANGE;
	for (i = 0; i + 3 <= in_len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = b64_alpha[v >> 6 & 63];
		out[o++] = b64_alpha[v & 63];
	}
	if (in_len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (in_len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = b64_alpha[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

static int
b64_val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int
amana_b64_decode(uint8_t *out, size_t out_max, size_t *out_len,
    const char *in, size_t in_len, int pad)
{
	size_t body = in_len, n, i, o = 0, rem;
	uint32_t v = 0;
	int d;

	if (pad) {
		if (in_len % 4 != 0)
			return AMANA_EPARSE;
		if (body > 0 && in[body - 1] == '=')
			body--;
		if (body > 0 && in[body - 1] == '=')
			body--;
	}
	rem = body % 4;
	if (rem == 1)
		return AMANA_EPARSE;
	if (pad && in_len - body != (rem == 0 ? 0 : 4 - rem))
		return AMANA_EPARSE;
	n = body / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (n > out_max)
		return AMANA_ERANGE;
	for (i = 0; i < body; i++) {
		if ((d = b64_val((unsigned char)in[i])) < 0)
			return AMANA_EPARSE;
		v = v << 6 | (uint32_t)d;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
			v = 0;
		}
	}
	if (rem == 2) {
		if (v & 0xf)
			return AMANA_EPARSE;	/* non-canonical */
		out[o++] = (uint8_t)(v >> 4);
	} else if (rem == 3) {
		if (v & 0x3)
			return AMANA_EPARSE;
		out[o++] = (uint8_t)(v >> 10);
		out[o++] = (uint8_t)(v >> 2);
	}
	*out_len = o;
	return 0;
}

int
amana_hex_encode(char *out, size_t out_size, const uint8_t *in,
    size_t in_len)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (in_len > (SIZE_MAX - 1) / 2 || out_size < 2 * in_len + 1)
		return AMANA_ERANGE;
	for (i = 0; i < in_len; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * in_len] = '\0';
	return 0;
}

static int
hex_val(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
amana_hex_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len)
{
	size_t i;
	int hi, lo;

	if (out_len > SIZE_MAX / 2 || in_len != 2 * out_len)
		return AMANA_EPARSE;
	for (i = 0; i < out_len; i++) {
		hi = hex_val((unsigned char)in[2 * i]);
		lo = hex_val((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return AMANA_EPARSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
amana_dec_u64_parse(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (p == NULL || len == 0 || len > AMANA_DEC_U64_MAX_LEN ||
	    (len > 1 && p[0] == '0'))
		return AMANA_EPARSE;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return AMANA_EPARSE;
		d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return AMANA_EPARSE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
amana_dec_u64_format(char *out, size_t out_size, uint64_t v, size_t *out_len)
{
	char tmp[AMANA_DEC_U64_MAX_LEN];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (out == NULL || out_size <= n) {
		if (out != NULL && out_size > 0)
			out[0] = '\0';
		return AMANA_ERANGE;
	}
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	if (out_len != NULL)
		*out_len = n;
	return 0;
}

/*
 * SHA-256 goes through OpenSSL's low-level SHA256_* functions, deprecated in
 * OpenSSL 3.0 but present: they call the CPU's SHA instructions directly. The
 * one-shot SHA256() and EVP with EVP_sha256() fetch the algorithm on every
 * call (0.31 us for a 65-byte Merkle node here, against 0.08 us), and caching
 * a fetched EVP_MD would need process-wide mutable state. If a later OpenSSL
 * drops these functions, switch to a fetched EVP_MD owned by the caller.
 */
void
amana_sha256(uint8_t out[static AMANA_SHA256_LEN], const void *p, size_t len)
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, p, len);
	SHA256_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

struct amana_sha256_ctx {
	SHA256_CTX	c;
};

int
amana_sha256_new(struct amana_sha256_ctx **out)
{
	struct amana_sha256_ctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AMANA_ENOMEM;
	SHA256_Init(&c->c);
	*out = c;
	return 0;
}

void
amana_sha256_update(struct amana_sha256_ctx *c, const void *p, size_t len)
{
	if (len > 0)
		SHA256_Update(&c->c, p, len);
}

void
amana_sha256_final(struct amana_sha256_ctx *c,
    uint8_t out[static AMANA_SHA256_LEN])
{
	SHA256_Final(out, &c->c);
	SHA256_Init(&c->c);
}

void
amana_sha256_free(struct amana_sha256_ctx *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}
