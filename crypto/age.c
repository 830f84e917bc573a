/*
 * age: keys, streaming encryption and decryption of age v1 files.
 * See age.h and docs/PROTOCOL.md (section age).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"
#include "age_internal.h"
#include "amana_codec.h"
#include "amana_cur.h"
#include "amana_size.h"

#define VERSION_LINE	"age-encryption.org/v1\n"
#define X25519_LABEL	"age-encryption.org/v1/X25519"
#define SCRYPT_LABEL	"age-encryption.org/v1/scrypt"
#define IDENTITY_HRP	"age-secret-key-"
#define RECIPIENT_HRP	"age"
#define CT_FULL		(AGE_CHUNK_LEN + AGE_TAG_LEN)
#define WRAPPED_LEN	(AGE_FILE_KEY_LEN + AGE_TAG_LEN)	/* 32 */
#define B64_32		43	/* unpadded base64 of 32 bytes */
#define B64_16		22	/* unpadded base64 of 16 bytes */
#define LOG_N_HARD_MAX	30

struct age_identity {
	uint8_t	*sk;			/* SECRET, sodium_malloc'ed */
	uint8_t	 pk[AGE_KEY_LEN];
};

/* ---------------------------------------------------------------- */
/* Primitives */

void
age_hkdf(uint8_t out[static 32], const uint8_t *ikm, size_t ikm_len,
    const uint8_t *salt, size_t salt_len, const char *info)
{
	crypto_auth_hmacsha256_state st;
	uint8_t		 prk[32], one = 1;
	static const uint8_t empty[1];

	if (salt == NULL)
		salt = empty;
	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info,
	    strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(&st, sizeof(st));
}

static void
stream_nonce(uint8_t n[12], uint64_t counter, int last)
{
	int	 i;

	memset(n, 0, 12);
	for (i = 0; i < 8; i++)
		n[10 - i] = (uint8_t)(counter >> (8 * i));
	n[11] = last ? 1 : 0;
}

/* Wraps or unwraps the 16-byte file key with a 32-byte key, zero nonce. */
static void
wrap_file_key(uint8_t out[static WRAPPED_LEN],
    const uint8_t file_key[static AGE_FILE_KEY_LEN],
    const uint8_t key[static 32])
{
	static const uint8_t zero_nonce[12];
	unsigned long long clen;

	crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, file_key,
	    AGE_FILE_KEY_LEN, NULL, 0, NULL, zero_nonce, key);
}

static int
unwrap_file_key(uint8_t file_key[static AGE_FILE_KEY_LEN],
    const uint8_t body[static WRAPPED_LEN], const uint8_t key[static 32])
{
	static const uint8_t zero_nonce[12];
	unsigned long long mlen;

	if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key, &mlen, NULL,
	    body, WRAPPED_LEN, NULL, 0, zero_nonce, key) != 0)
		return AMANA_ENOMATCH;
	return 0;
}

/* The X25519 stanza's wrapping key: HKDF(shared, salt = share || pk). */
static void
x25519_wrap_key(uint8_t wrap[static 32], const uint8_t shared[static 32],
    const uint8_t share[static 32], const uint8_t pk[static AGE_KEY_LEN])
{
	uint8_t	 salt[64];

	memcpy(salt, share, 32);
	memcpy(salt + 32, pk, 32);
	age_hkdf(wrap, shared, 32, salt, sizeof(salt), X25519_LABEL);
}

static void
header_mac(uint8_t mac[static 32], const uint8_t *file_key,
    const uint8_t *hdr, size_t hdr_len)
{
	crypto_auth_hmacsha256_state st;
	uint8_t	 k[32];

	age_hkdf(k, file_key, AGE_FILE_KEY_LEN, NULL, 0, "header");
	crypto_auth_hmacsha256_init(&st, k, sizeof(k));
	crypto_auth_hmacsha256_update(&st, hdr, hdr_len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(&st, sizeof(st));
}

/* ---------------------------------------------------------------- */
/* Keys */

static int
identity_alloc(struct age_identity **out)
{
	struct age_identity *id;

	if ((id = calloc(1, sizeof(*id))) == NULL)
		return AMANA_ENOMEM;
	if ((id->sk = sodium_malloc(AGE_KEY_LEN)) == NULL) {
		free(id);
		return AMANA_ENOMEM;
	}
	*out = id;
	return 0;
}

void
age_identity_free(struct age_identity *id)
{
	if (id == NULL)
		return;
	sodium_free(id->sk);
	free(id);
}

void
age_identities_free(struct age_identity **ids, size_t n)
{
	size_t	 i;

	if (ids == NULL)
		return;
	for (i = 0; i < n; i++)
		age_identity_free(ids[i]);
	free(ids);
}

int
age_identity_generate(struct age_identity **out)
{
	struct age_identity *id = NULL;
	int		 ret;

	if (out == NULL)
		return AMANA_EINVAL;
	if ((ret = identity_alloc(&id)) != 0)
		return ret;
	do {
		randombytes_buf(id->sk, AGE_KEY_LEN);
	} while (crypto_scalarmult_base(id->pk, id->sk) != 0);
	*out = id;
	return 0;
}

int
age_identity_parse(const uint8_t *p, size_t len, struct age_identity **out)
{
	struct age_identity *id = NULL;
	char		 hrp[AGE_BECH32_HRP_MAX + 1];
	size_t		 dlen = 0;
	int		 upper = 0, ret;

	if (p == NULL || out == NULL)
		return AMANA_EINVAL;
	if (len != AGE_IDENTITY_STR_LEN)
		return AMANA_EPARSE;
	if ((ret = identity_alloc(&id)) != 0)
		return ret;
	ret = age_bech32_decode(p, len, hrp, sizeof(hrp), id->sk, AGE_KEY_LEN,
	    &dlen, &upper);
	if (ret != 0 || !upper || dlen != AGE_KEY_LEN ||
	    strcmp(hrp, IDENTITY_HRP) != 0) {
		ret = AMANA_EPARSE;
		goto out;
	}
	if (crypto_scalarmult_base(id->pk, id->sk) != 0) {
		ret = AMANA_EBADKEY;
		goto out;
	}
	*out = id;
	id = NULL;
	ret = 0;
out:
	age_identity_free(id);
	return ret;
}

int
age_identity_file_parse(const uint8_t *p, size_t len,
    struct age_identity ***out, size_t *n)
{
	struct amana_cur c;
	struct age_identity **ids = NULL, **nids;
	const uint8_t	*line;
	size_t		 line_len, count = 0, cap = 0;
	int		 ret = AMANA_EPARSE;

	if (p == NULL || out == NULL || n == NULL)
		return AMANA_EINVAL;
	if (len > AGE_IDENTITY_FILE_MAX)
		return AMANA_ETOOBIG;
	amana_cur_init(&c, p, len);
	while (amana_cur_left(&c) > 0) {
		if (amana_cur_line(&c, &line, &line_len) != 0) {
			/* Last line without a newline. */
			line_len = amana_cur_left(&c);
			if (amana_cur_take(&c, line_len, &line) != 0)
				goto out;
		}
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0 || line[0] == '#')
			continue;
		if (count == AGE_IDENTITIES_MAX) {
			ret = AMANA_ETOOBIG;
			goto out;
		}
		if (count == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			if ((nids = realloc(ids, cap * sizeof(*ids))) == NULL) {
				ret = AMANA_ENOMEM;
				goto out;
			}
			ids = nids;
		}
		if ((ret = age_identity_parse(line, line_len,
		    &ids[count])) != 0)
			goto out;
		count++;
	}
	if (count == 0) {
		ret = AMANA_EPARSE;
		goto out;
	}
	*out = ids;
	*n = count;
	ids = NULL;
	ret = 0;
out:
	age_identities_free(ids, count);
	return ret;
}

int
age_identity_format(const struct age_identity *id,
    struct amana_buf *secure_out)
{
	char	*s = NULL;
	int	 ret = AMANA_ENOMEM;

	if (id == NULL || secure_out == NULL)
		return AMANA_EINVAL;
	if ((s = sodium_malloc(AGE_IDENTITY_STR_LEN + 1)) == NULL)
		goto out;
	if ((ret = age_bech32_encode(s, AGE_IDENTITY_STR_LEN + 1,
	    IDENTITY_HRP, id->sk, AGE_KEY_LEN, 1)) != 0)
		goto out;
	ret = amana_buf_append(secure_out, s, AGE_IDENTITY_STR_LEN);
out:
	sodium_free(s);
	return ret;
}

void
age_identity_public(const struct age_identity *id,
    uint8_t pk[static AGE_KEY_LEN])
{
	memcpy(pk, id->pk, AGE_KEY_LEN);
}

int
age_recipient_parse(const uint8_t *p, size_t len,
    uint8_t pk[static AGE_KEY_LEN])
{
	uint8_t	 tmp[AGE_KEY_LEN];
	char	 hrp[AGE_BECH32_HRP_MAX + 1];
	size_t	 dlen = 0;
	int	 upper = 1;

	if (p == NULL || len != AGE_RECIPIENT_STR_LEN)
		return AMANA_EPARSE;
	if (age_bech32_decode(p, len, hrp, sizeof(hrp), tmp, sizeof(tmp),
	    &dlen, &upper) != 0 || upper || dlen != AGE_KEY_LEN ||
	    strcmp(hrp, RECIPIENT_HRP) != 0)
		return AMANA_EPARSE;
	memcpy(pk, tmp, AGE_KEY_LEN);
	return 0;
}

int
age_recipient_format(const uint8_t pk[static AGE_KEY_LEN], char *out,
    size_t out_size)
{
	if (out == NULL || out_size < AGE_RECIPIENT_STR_LEN + 1)
		return AMANA_ERANGE;
	return age_bech32_encode(out, out_size, RECIPIENT_HRP, pk,
	    AGE_KEY_LEN, 0);
}

/* ---------------------------------------------------------------- */
/* Encryption */

struct age_enc {
	age_sink	 sink;
	void		*ctx;
	uint8_t		*key;		/* SECRET payload key, 32 bytes */
	uint8_t		*buf;		/* SECRET plaintext, AGE_CHUNK_LEN */
	size_t		 buf_len;
	uint8_t		*out;		/* ciphertext chunk, CT_FULL */
	uint64_t	 counter;
	int		 state;		/* 0 open, 1 finished, else error */
};

size_t
age_header_len_x25519(size_t n)
{
	/* version 22, per stanza 10 + 43 + 1 + 43 + 1, MAC line 48 */
	if (n == 0 || n > AGE_RECIPIENTS_MAX)
		return 0;
	return 22 + 98 * n + 48;
}

static int
log_n_digits(int log_n)
{
	return log_n >= 10 ? 2 : 1;
}

size_t
age_header_len_scrypt(int log_n)
{
	if (log_n == 0)
		log_n = AGE_SCRYPT_LOG_N_DEFAULT;
	if (log_n < 1 || log_n > AGE_SCRYPT_LOG_N_MAX)
		return 0;
	/* version 22, "-> scrypt " 10 + salt 22 + " " + digits + "\n",
	 * body 43 + 1, MAC line 48 */
	return 22 + 10 + 22 + 1 + (size_t)log_n_digits(log_n) + 1 + 44 + 48;
}

int
age_payload_len(size_t header_len, uint64_t plaintext_len, uint64_t *out)
{
	uint64_t chunks, r;

	chunks = plaintext_len == 0 ? 1 :
	    plaintext_len / AGE_CHUNK_LEN + (plaintext_len % AGE_CHUNK_LEN != 0);
	if (__builtin_mul_overflow(chunks, (uint64_t)AGE_TAG_LEN, &r) ||
	    __builtin_add_overflow(r, plaintext_len, &r) ||
	    __builtin_add_overflow(r, (uint64_t)AGE_NONCE_LEN, &r) ||
	    __builtin_add_overflow(r, (uint64_t)header_len, &r))
		return AMANA_ERANGE;
	*out = r;
	return 0;
}

static int
enc_alloc(age_sink sink, void *ctx, struct age_enc **out)
{
	struct age_enc *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return AMANA_ENOMEM;
	e->sink = sink;
	e->ctx = ctx;
	e->key = sodium_malloc(32);
	e->buf = sodium_malloc(AGE_CHUNK_LEN);
	e->out = malloc(CT_FULL);
	if (e->key == NULL || e->buf == NULL || e->out == NULL) {
		age_enc_free(e);
		return AMANA_ENOMEM;
	}
	*out = e;
	return 0;
}

void
age_enc_free(struct age_enc *e)
{
	if (e == NULL)
		return;
	sodium_free(e->key);
	sodium_free(e->buf);
	free(e->out);
	free(e);
}

static int
buf_b64(struct amana_buf *b, const uint8_t *p, size_t len)
{
	char	 s[B64_32 + 1];

	if (amana_b64_encode(s, sizeof(s), p, len, 0) != 0)
		return AMANA_ERANGE;
	return amana_buf_str(b, s);
}

/*
 * Allocates the encryptor, appends the MAC line to hdr (the version line
 * and stanzas), then the nonce, and writes both to the sink. *out is set on
 * success only.
 */
static int
enc_open(age_sink sink, void *ctx, const uint8_t *file_key,
    struct amana_buf *hdr, struct age_enc **out)
{
	struct age_enc *e = NULL;
	uint8_t	 mac[32], nonce[AGE_NONCE_LEN];
	int	 ret;

	if ((ret = enc_alloc(sink, ctx, &e)) != 0)
		return ret;
	if ((ret = amana_buf_str(hdr, "---")) != 0)
		goto out;
	header_mac(mac, file_key, hdr->p, hdr->len);
	if ((ret = amana_buf_u8(hdr, ' ')) != 0 ||
	    (ret = buf_b64(hdr, mac, sizeof(mac))) != 0 ||
	    (ret = amana_buf_u8(hdr, '\n')) != 0)
		goto out;
	randombytes_buf(nonce, sizeof(nonce));
	if ((ret = amana_buf_append(hdr, nonce, sizeof(nonce))) != 0)
		goto out;
	age_hkdf(e->key, file_key, AGE_FILE_KEY_LEN, nonce, sizeof(nonce),
	    "payload");
	if ((ret = e->sink(e->ctx, hdr->p, hdr->len)) != 0)
		goto out;
	*out = e;
	e = NULL;
out:
	age_enc_free(e);
	return ret;
}

static int
x25519_stanza(struct amana_buf *hdr, const uint8_t pk[static AGE_KEY_LEN],
    const uint8_t *file_key)
{
	uint8_t	*esk = NULL, *shared = NULL, *wrap = NULL;
	uint8_t	 share[32], body[WRAPPED_LEN];
	int	 ret = AMANA_ENOMEM;

	if ((esk = sodium_malloc(32)) == NULL ||
	    (shared = sodium_malloc(32)) == NULL ||
	    (wrap = sodium_malloc(32)) == NULL)
		goto out;
	randombytes_buf(esk, 32);
	ret = AMANA_EBADKEY;
	if (crypto_scalarmult_base(share, esk) != 0 ||
	    crypto_scalarmult(shared, esk, pk) != 0)
		goto out;
	x25519_wrap_key(wrap, shared, share, pk);
	wrap_file_key(body, file_key, wrap);
	if ((ret = amana_buf_str(hdr, "-> X25519 ")) != 0 ||
	    (ret = buf_b64(hdr, share, sizeof(share))) != 0 ||
	    (ret = amana_buf_u8(hdr, '\n')) != 0 ||
	    (ret = buf_b64(hdr, body, sizeof(body))) != 0 ||
	    (ret = amana_buf_u8(hdr, '\n')) != 0)
		goto out;
out:
	sodium_free(esk);
	sodium_free(shared);
	sodium_free(wrap);
	return ret;
}

int
age_enc_new_x25519(const uint8_t (*pks)[AGE_KEY_LEN], size_t n,
    age_sink sink, void *ctx, struct age_enc **out)
{
	struct amana_buf hdr;
	uint8_t		*file_key = NULL;
	size_t		 i;
	int		 ret = AMANA_ENOMEM;

	amana_buf_init(&hdr, AGE_HEADER_MAX, 0);
	if (pks == NULL || n == 0 || n > AGE_RECIPIENTS_MAX || sink == NULL ||
	    out == NULL)
		return AMANA_EINVAL;
	if ((file_key = sodium_malloc(AGE_FILE_KEY_LEN)) == NULL)
		goto out;
	randombytes_buf(file_key, AGE_FILE_KEY_LEN);
	if ((ret = amana_buf_str(&hdr, VERSION_LINE)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((ret = x25519_stanza(&hdr, pks[i], file_key)) != 0)
			goto out;
	ret = enc_open(sink, ctx, file_key, &hdr, out);
out:
	sodium_free(file_key);
	amana_buf_free(&hdr);
	return ret;
}

static int
scrypt_key(uint8_t key[static 32], const uint8_t *pass, size_t pass_len,
    const uint8_t salt[static AGE_SCRYPT_SALT_LEN], int log_n)
{
	uint8_t	 s[sizeof(SCRYPT_LABEL) - 1 + AGE_SCRYPT_SALT_LEN];

	memcpy(s, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	memcpy(s + sizeof(SCRYPT_LABEL) - 1, salt, AGE_SCRYPT_SALT_LEN);
	if (crypto_pwhash_scryptsalsa208sha256_ll(pass, pass_len, s,
	    sizeof(s), (uint64_t)1 << log_n, 8, 1, key, 32) != 0)
		return AMANA_ENOMEM;
	return 0;
}

int
age_enc_new_scrypt(const uint8_t *pass, size_t pass_len, int log_n,
    age_sink sink, void *ctx, struct age_enc **out)
{
	struct amana_buf hdr;
	uint8_t		*file_key = NULL, *wrap = NULL;
	uint8_t		 salt[AGE_SCRYPT_SALT_LEN], body[WRAPPED_LEN];
	int		 ret = AMANA_ENOMEM;

	amana_buf_init(&hdr, AGE_HEADER_MAX, 0);
	if (log_n == 0)
		log_n = AGE_SCRYPT_LOG_N_DEFAULT;
	if (pass == NULL || pass_len == 0 || pass_len > AGE_PASSPHRASE_MAX ||
	    log_n < 1 || log_n > AGE_SCRYPT_LOG_N_MAX || sink == NULL ||
	    out == NULL)
		return AMANA_EINVAL;
	if ((file_key = sodium_malloc(AGE_FILE_KEY_LEN)) == NULL ||
	    (wrap = sodium_malloc(32)) == NULL)
		goto out;
	randombytes_buf(file_key, AGE_FILE_KEY_LEN);
	randombytes_buf(salt, sizeof(salt));
	if ((ret = scrypt_key(wrap, pass, pass_len, salt, log_n)) != 0)
		goto out;
	wrap_file_key(body, file_key, wrap);
	if ((ret = amana_buf_str(&hdr, VERSION_LINE)) != 0 ||
	    (ret = amana_buf_str(&hdr, "-> scrypt ")) != 0 ||
	    (ret = buf_b64(&hdr, salt, sizeof(salt))) != 0 ||
	    (ret = amana_buf_printf(&hdr, " %d\n", log_n)) != 0 ||
	    (ret = buf_b64(&hdr, body, sizeof(body))) != 0 ||
	    (ret = amana_buf_u8(&hdr, '\n')) != 0)
		goto out;
	ret = enc_open(sink, ctx, file_key, &hdr, out);
out:
	sodium_free(file_key);
	sodium_free(wrap);
	amana_buf_free(&hdr);
	return ret;
}

/* Encrypts one chunk of plaintext and hands it to the sink. */
static int
enc_chunk(struct age_enc *e, const uint8_t *p, size_t len, int last)
{
	uint8_t	 n[12];
	unsigned long long clen;

	if (e->counter == UINT64_MAX)
		return AMANA_ERANGE;
	stream_nonce(n, e->counter, last);
	crypto_aead_chacha20poly1305_ietf_encrypt(e->out, &clen, p, len,
	    NULL, 0, NULL, n, e->key);
	e->counter++;
	return e->sink(e->ctx, e->out, (size_t)clen);
}

int
age_enc_write(struct age_enc *e, const uint8_t *p, size_t len)
{
	size_t	 n;
	int	 ret;

	if (e == NULL || (p == NULL && len > 0))
		return AMANA_EINVAL;
	if (e->state != 0)
		return e->state < 0 ? e->state : AMANA_EINVAL;
	while (len > 0) {
		if (e->buf_len == AGE_CHUNK_LEN) {
			/* More input follows: the buffered chunk is not last. */
			if ((ret = enc_chunk(e, e->buf, AGE_CHUNK_LEN, 0)) != 0)
				goto fail;
			e->buf_len = 0;
		}
		if (e->buf_len == 0 && len > AGE_CHUNK_LEN) {
			/* Whole chunk straight from the input. */
			if ((ret = enc_chunk(e, p, AGE_CHUNK_LEN, 0)) != 0)
				goto fail;
			p += AGE_CHUNK_LEN;
			len -= AGE_CHUNK_LEN;
			continue;
		}
		n = AGE_CHUNK_LEN - e->buf_len;
		if (n > len)
			n = len;
		memcpy(e->buf + e->buf_len, p, n);
		e->buf_len += n;
		p += n;
		len -= n;
	}
	return 0;
fail:
	e->state = ret < 0 ? ret : AMANA_EIO;
	return ret;
}

int
age_enc_finish(struct age_enc *e)
{
	int	 ret;

	if (e == NULL)
		return AMANA_EINVAL;
	if (e->state != 0)
		return e->state < 0 ? e->state : AMANA_EINVAL;
	ret = enc_chunk(e, e->buf, e->buf_len, 1);
	sodium_memzero(e->buf, AGE_CHUNK_LEN);
	e->buf_len = 0;
	if (ret != 0)
		e->state = ret < 0 ? ret : AMANA_EIO;
	else
		e->state = 1;
	return ret;
}

/* ---------------------------------------------------------------- */
/* Decryption */

enum { MODE_UNKNOWN, MODE_BINARY, MODE_ARMOR };
enum { ST_HEADER, ST_NONCE, ST_PAYLOAD };

struct age_dec {
	struct age_dec_keys keys;
	age_sink	 sink;
	void		*ctx;
	int		 err;		/* sticky first error */
	int		 mode;
	int		 stage;
	struct age_armor armor;
	struct amana_buf hdr;		/* header text, public */
	size_t		 line_start;	/* start of the current header line */
	uint8_t		 nonce[AGE_NONCE_LEN];
	size_t		 nonce_len;
	uint8_t		*file_key;	/* SECRET, AGE_FILE_KEY_LEN */
	uint8_t		*key;		/* SECRET payload key, 32 */
	uint8_t		*ct;		/* buffered ciphertext, CT_FULL */
	size_t		 ct_len;
	uint8_t		*pt;		/* SECRET plaintext, AGE_CHUNK_LEN */
	uint64_t	 counter;
	int		 last_done;	/* the final chunk was released */
};

int
age_dec_new(const struct age_dec_keys *keys, age_sink sink, void *ctx,
    struct age_dec **out)
{
	struct age_dec *d;

	if (keys == NULL || sink == NULL || out == NULL ||
	    (keys->n_ids > 0 && keys->ids == NULL) ||
	    (keys->pass != NULL && keys->pass_len > AGE_PASSPHRASE_MAX))
		return AMANA_EINVAL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return AMANA_ENOMEM;
	d->keys = *keys;
	if (d->keys.max_log_n <= 0)
		d->keys.max_log_n = AGE_SCRYPT_LOG_N_MAX;
	if (d->keys.max_log_n > LOG_N_HARD_MAX)
		d->keys.max_log_n = LOG_N_HARD_MAX;
	d->sink = sink;
	d->ctx = ctx;
	age_armor_init(&d->armor);
	amana_buf_init(&d->hdr, AGE_HEADER_MAX, 0);
	d->file_key = sodium_malloc(AGE_FILE_KEY_LEN);
	d->key = sodium_malloc(32);
	d->ct = malloc(CT_FULL);
	d->pt = sodium_malloc(AGE_CHUNK_LEN);
	if (d->file_key == NULL || d->key == NULL || d->ct == NULL ||
	    d->pt == NULL) {
		age_dec_free(d);
		return AMANA_ENOMEM;
	}
	*out = d;
	return 0;
}

void
age_dec_free(struct age_dec *d)
{
	if (d == NULL)
		return;
	sodium_free(d->file_key);
	sodium_free(d->key);
	sodium_free(d->pt);
	free(d->ct);
	amana_buf_free(&d->hdr);
	free(d);
}

static int
arg_is(const struct age_stanza *s, size_t i, const char *lit)
{
	const uint8_t	*a;
	size_t		 alen;

	if (age_stanza_arg(s, i, &a, &alen) != 0)
		return 0;
	return alen == strlen(lit) && memcmp(a, lit, alen) == 0;
}

/* Decodes argument i as exactly want bytes of canonical unpadded base64. */
static int
arg_b64(const struct age_stanza *s, size_t i, uint8_t *out, size_t want)
{
	const uint8_t	*a;
	size_t		 alen, dlen;

	if (age_stanza_arg(s, i, &a, &alen) != 0 ||
	    alen != amana_b64_len(want, 0) ||
	    amana_b64_decode(out, want, &dlen, (const char *)a, alen, 0) != 0 ||
	    dlen != want)
		return AMANA_EHEADER;
	return 0;
}

static int
x25519_unwrap(const struct age_identity *id, const struct age_header *h,
    const struct age_stanza *s, uint8_t *file_key)
{
	uint8_t	*shared = NULL, *wrap = NULL;
	uint8_t	 share[32];
	int	 ret = AMANA_EHEADER;

	if (s->n_args != 2 || arg_b64(s, 1, share, sizeof(share)) != 0 ||
	    s->body_len != WRAPPED_LEN)
		return AMANA_EHEADER;
	ret = AMANA_ENOMEM;
	if ((shared = sodium_malloc(32)) == NULL ||
	    (wrap = sodium_malloc(32)) == NULL)
		goto out;
	ret = AMANA_EHEADER;
	if (crypto_scalarmult(shared, id->sk, share) != 0)
		goto out;		/* all-zero shared secret */
	x25519_wrap_key(wrap, shared, share, id->pk);
	ret = unwrap_file_key(file_key, h->bodies + s->body_off, wrap);
out:
	sodium_free(shared);
	sodium_free(wrap);
	return ret;
}

static int
parse_log_n(const struct age_stanza *s, int max, int *out)
{
	const uint8_t	*a;
	size_t		 alen;
	uint64_t	 v = 0;

	/* 1 or 2 canonical digits, not 0. */
	if (age_stanza_arg(s, 2, &a, &alen) != 0 || alen > 2 ||
	    amana_dec_u64_parse(a, alen, &v) != 0 || v == 0 ||
	    v > (uint64_t)max)
		return AMANA_EHEADER;
	*out = (int)v;
	return 0;
}

static int
scrypt_unwrap(const struct age_dec *d, const struct age_header *h,
    const struct age_stanza *s, uint8_t *file_key)
{
	uint8_t	*wrap = NULL;
	uint8_t	 salt[AGE_SCRYPT_SALT_LEN];
	int	 ret, log_n = 0;

	if (s->n_args != 3 || arg_b64(s, 1, salt, sizeof(salt)) != 0 ||
	    parse_log_n(s, d->keys.max_log_n, &log_n) != 0 ||
	    s->body_len != WRAPPED_LEN)
		return AMANA_EHEADER;
	if ((wrap = sodium_malloc(32)) == NULL)
		return AMANA_ENOMEM;
	if ((ret = scrypt_key(wrap, d->keys.pass, d->keys.pass_len, salt,
	    log_n)) == 0)
		ret = unwrap_file_key(file_key, h->bodies + s->body_off, wrap);
	sodium_free(wrap);
	return ret;
}

static int
dec_header(struct age_dec *d)
{
	struct age_header h;
	uint8_t		 mac[32];
	size_t		 i, j;
	int		 ret, found = 0;

	if ((ret = age_header_parse(d->hdr.p, d->hdr.len, &h)) != 0)
		return ret;
	ret = AMANA_EHEADER;
	for (i = 0; i < h.n_stanzas; i++)
		if (arg_is(&h.stanzas[i], 0, "scrypt") && h.n_stanzas != 1)
			goto out;
	for (i = 0; i < d->keys.n_ids && !found; i++) {
		for (j = 0; j < h.n_stanzas && !found; j++) {
			if (!arg_is(&h.stanzas[j], 0, "X25519"))
				continue;
			ret = x25519_unwrap(d->keys.ids[i], &h, &h.stanzas[j],
			    d->file_key);
			if (ret == 0)
				found = 1;
			else if (ret != AMANA_ENOMATCH)
				goto out;
		}
	}
	if (!found && d->keys.pass != NULL && h.n_stanzas == 1 &&
	    arg_is(&h.stanzas[0], 0, "scrypt")) {
		ret = scrypt_unwrap(d, &h, &h.stanzas[0], d->file_key);
		if (ret == 0)
			found = 1;
		else if (ret != AMANA_ENOMATCH)
			goto out;
	}
	ret = AMANA_ENOMATCH;
	if (!found)
		goto out;
	header_mac(mac, d->file_key, d->hdr.p, h.mac_off);
	ret = AMANA_EMAC;
	if (sodium_memcmp(mac, h.mac, sizeof(mac)) != 0)
		goto out;
	ret = 0;
	d->stage = ST_NONCE;
out:
	if (ret != 0)
		sodium_memzero(d->file_key, AGE_FILE_KEY_LEN);
	age_header_free(&h);
	return ret;
}

/* Header bytes; *used tells how many of p were header. */
static int
dec_header_bytes(struct age_dec *d, const uint8_t *p, size_t len,
    size_t *used)
{
	const uint8_t	*nl;
	size_t		 i = 0, n, ls;
	static const char v1[] = VERSION_LINE;

	*used = 0;
	while (i < len) {
		nl = memchr(p + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (p + i)) + 1 : len - i;
		if (amana_buf_append(&d->hdr, p + i, n) != 0)
			return AMANA_EHEADER;	/* above AGE_HEADER_MAX */
		i += n;
		*used = i;
		/* Refuse early what cannot be a v1 header. */
		if (d->line_start == 0 && memcmp(d->hdr.p, v1,
		    d->hdr.len < sizeof(v1) - 1 ? d->hdr.len :
		    sizeof(v1) - 1) != 0)
			return AMANA_EHEADER;
		if (nl == NULL)
			break;
		ls = d->line_start;
		d->line_start = d->hdr.len;
		if (d->hdr.len - ls >= 4 && memcmp(d->hdr.p + ls, "---", 3) == 0)
			return dec_header(d);
	}
	return 0;
}

static int
dec_release(struct age_dec *d, size_t len)
{
	if (len == 0)
		return 0;
	return d->sink(d->ctx, d->pt, len);
}

/*
 * Opens the chunk at c[0..len). A full chunk is tried as a middle chunk,
 * then as the final one (a full final chunk); a short one only as final.
 */
static int
dec_chunk(struct age_dec *d, const uint8_t *c, size_t len)
{
	uint8_t	 n[12];
	unsigned long long plen;

	if (len < AGE_TAG_LEN || d->counter == UINT64_MAX)
		return AMANA_EPAYLOAD;
	if (len == CT_FULL) {
		stream_nonce(n, d->counter, 0);
		if (crypto_aead_chacha20poly1305_ietf_decrypt(d->pt, &plen,
		    NULL, c, len, NULL, 0, n, d->key) == 0) {
			d->counter++;
			return dec_release(d, (size_t)plen);
		}
	}
	stream_nonce(n, d->counter, 1);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(d->pt, &plen, NULL, c,
	    len, NULL, 0, n, d->key) != 0)
		return AMANA_EPAYLOAD;
	if (plen == 0 && d->counter != 0)
		return AMANA_EPAYLOAD;	/* empty final chunk after others */
	d->counter++;
	d->last_done = 1;
	return dec_release(d, (size_t)plen);
}

static int
dec_payload_bytes(struct age_dec *d, const uint8_t *p, size_t len)
{
	size_t	 n;
	int	 ret;

	while (len > 0) {
		if (d->last_done)
			return AMANA_EPAYLOAD;	/* data after the final chunk */
		if (d->ct_len == 0 && len >= CT_FULL) {
			if ((ret = dec_chunk(d, p, CT_FULL)) != 0)
				return ret;
			p += CT_FULL;
			len -= CT_FULL;
			continue;
		}
		n = CT_FULL - d->ct_len;
		if (n > len)
			n = len;
		memcpy(d->ct + d->ct_len, p, n);
		d->ct_len += n;
		p += n;
		len -= n;
		if (d->ct_len == CT_FULL) {
			d->ct_len = 0;
			if ((ret = dec_chunk(d, d->ct, CT_FULL)) != 0)
				return ret;
		}
	}
	return 0;
}

/* The binary age file, after armor removal if any. */
static int
dec_binary(void *ctx, const uint8_t *p, size_t len)
{
	struct age_dec	*d = ctx;
	size_t		 used, n;
	int		 ret;

	if (d->stage == ST_HEADER) {
		if ((ret = dec_header_bytes(d, p, len, &used)) != 0)
			return ret;
		p += used;
		len -= used;
	}
	if (d->stage == ST_NONCE && len > 0) {
		n = AGE_NONCE_LEN - d->nonce_len;
		if (n > len)
			n = len;
		memcpy(d->nonce + d->nonce_len, p, n);
		d->nonce_len += n;
		p += n;
		len -= n;
		if (d->nonce_len == AGE_NONCE_LEN) {
			age_hkdf(d->key, d->file_key, AGE_FILE_KEY_LEN,
			    d->nonce, AGE_NONCE_LEN, "payload");
			sodium_memzero(d->file_key, AGE_FILE_KEY_LEN);
			d->stage = ST_PAYLOAD;
		}
	}
	if (d->stage == ST_PAYLOAD && len > 0)
		return dec_payload_bytes(d, p, len);
	return 0;
}

int
age_dec_write(struct age_dec *d, const uint8_t *p, size_t len)
{
	int	 ret;

	if (d == NULL || (p == NULL && len > 0))
		return AMANA_EINVAL;
	if (d->err != 0)
		return d->err;
	if (len == 0)
		return 0;
	if (d->mode == MODE_UNKNOWN)
		d->mode = p[0] == 'a' ? MODE_BINARY : MODE_ARMOR;
	if (d->mode == MODE_ARMOR)
		ret = age_armor_write(&d->armor, p, len, dec_binary, d);
	else
		ret = dec_binary(d, p, len);
	if (ret != 0)
		d->err = ret;
	return ret;
}

int
age_dec_finish(struct age_dec *d)
{
	int	 ret = 0;

	if (d == NULL)
		return AMANA_EINVAL;
	if (d->err != 0)
		return d->err;
	if (d->mode == MODE_ARMOR)
		ret = age_armor_finish(&d->armor, dec_binary, d);
	if (ret != 0)
		goto out;
	if (d->stage != ST_PAYLOAD) {
		ret = AMANA_EHEADER;
		goto out;
	}
	if (d->last_done)
		goto out;
	if (d->ct_len == 0) {
		ret = AMANA_EPAYLOAD;	/* no chunk, or no final chunk */
		goto out;
	}
	ret = dec_chunk(d, d->ct, d->ct_len);
	d->ct_len = 0;
	if (ret == 0 && !d->last_done)
		ret = AMANA_EPAYLOAD;
out:
	if (ret == 0)
		d->err = AMANA_EINVAL;	/* finished: no more input */
	else
		d->err = ret;
	return ret;
}

/* ---------------------------------------------------------------- */
/* One-shot helpers */

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
enc_all(struct age_enc *e, const uint8_t *p, size_t len)
{
	int	 ret;

	if ((ret = age_enc_write(e, p, len)) != 0)
		return ret;
	return age_enc_finish(e);
}

int
age_encrypt_buf(const uint8_t (*pks)[AGE_KEY_LEN], size_t n,
    const uint8_t *p, size_t len, struct amana_buf *out)
{
	struct age_enc	*e = NULL;
	int		 ret;

	if (out == NULL || (p == NULL && len > 0))
		return AMANA_EINVAL;
	if ((ret = age_enc_new_x25519(pks, n, buf_sink, out, &e)) != 0)
		return ret;
	ret = enc_all(e, p, len);
	age_enc_free(e);
	return ret;
}

int
age_encrypt_buf_scrypt(const uint8_t *pass, size_t pass_len, int log_n,
    const uint8_t *p, size_t len, struct amana_buf *out)
{
	struct age_enc	*e = NULL;
	int		 ret;

	if (out == NULL || (p == NULL && len > 0))
		return AMANA_EINVAL;
	if ((ret = age_enc_new_scrypt(pass, pass_len, log_n, buf_sink, out,
	    &e)) != 0)
		return ret;
	ret = enc_all(e, p, len);
	age_enc_free(e);
	return ret;
}

int
age_decrypt_buf(const struct age_dec_keys *keys, const uint8_t *p,
    size_t len, struct amana_buf *out)
{
	struct age_dec	*d = NULL;
	int		 ret;

	if (out == NULL || (p == NULL && len > 0))
		return AMANA_EINVAL;
	if ((ret = age_dec_new(keys, buf_sink, out, &d)) != 0)
		return ret;
	if ((ret = age_dec_write(d, p, len)) == 0)
		ret = age_dec_finish(d);
	age_dec_free(d);
	return ret;
}
