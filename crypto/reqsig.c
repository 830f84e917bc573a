/* reqsig: signed HTTP requests. See reqsig.h and docs/PROTOCOL.md, 9. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "note.h"
#include "reqsig.h"

/* Room for the signed message with the longest method and path. */
#define REQSIG_MSG_MAX	(sizeof(REQSIG_CONTEXT) + REQSIG_METHOD_MAX + \
	    REQSIG_PATH_MAX + REQSIG_TIME_MAX + 24 + 64 + 8)

static int
check_method(const char *m)
{
	size_t i;

	for (i = 0; m[i] != '\0'; i++) {
		if (i >= REQSIG_METHOD_MAX || m[i] < 'A' || m[i] > 'Z')
			return AMANA_EINVAL;
	}
	return i == 0 ? AMANA_EINVAL : 0;
}

static int
check_path(const char *p)
{
	size_t i;

	if (p[0] != '/')
		return AMANA_EINVAL;
	for (i = 0; p[i] != '\0'; i++) {
		if (i >= REQSIG_PATH_MAX || p[i] <= ' ' || p[i] > '~')
			return AMANA_EINVAL;
	}
	return 0;
}

int
reqsig_message(struct amana_buf *out, const char *method, const char *path,
    const char *time_text, const char *nonce_text,
    const uint8_t body_hash[static 32])
{
	char hex[2 * AMANA_SHA256_LEN + 1];
	int ret;

	if (check_method(method) != 0 || check_path(path) != 0 ||
	    strlen(time_text) > REQSIG_TIME_MAX || strlen(nonce_text) > 24)
		return AMANA_EINVAL;
	if ((ret = amana_hex_encode(hex, sizeof(hex), body_hash, 32)) != 0)
		return ret;
	return amana_buf_printf(out, "%s%s\n%s\n%s\n%s\n%s\n", REQSIG_CONTEXT,
	    method, path, time_text, nonce_text, hex);
}

/* Signs with exactly one of sk (libsodium secret key) or ns. */
static int
sign_common(struct reqsig_headers *out, const uint8_t *sk,
    const struct note_signer *ns, const char *method, const char *path,
    int64_t now, const uint8_t *body, size_t body_len)
{
	struct reqsig_headers h;
	struct note_verifier v;
	struct amana_buf msg;
	uint8_t nonce[REQSIG_NONCE_LEN], hash[AMANA_SHA256_LEN];
	uint8_t sig[REQSIG_SIG_LEN];
	const uint8_t *pk;
	int n, ret;

	amana_buf_init(&msg, REQSIG_MSG_MAX, 0);
	memset(&h, 0, sizeof(h));
	ret = AMANA_EINVAL;
	if (now < 0 || (body == NULL && body_len != 0))
		goto out;
	n = snprintf(h.time, sizeof(h.time), "%lld", (long long)now);
	if (n < 0 || (size_t)n >= sizeof(h.time))
		goto out;
	randombytes_buf(nonce, sizeof(nonce));
	if ((ret = amana_b64_encode(h.nonce, sizeof(h.nonce), nonce,
	    sizeof(nonce), 1)) != 0)
		goto out;
	amana_sha256(hash, body_len == 0 ? (const void *)"" : body, body_len);
	if ((ret = reqsig_message(&msg, method, path, h.time, h.nonce,
	    hash)) != 0)
		goto out;
	ret = AMANA_EINVAL;
	if (ns != NULL) {
		if (note_sign_raw(ns, msg.p, msg.len, sig) != 0)
			goto out;
		note_signer_verifier(ns, &v);
		pk = v.pk;
	} else {
		if (crypto_sign_detached(sig, NULL, msg.p, msg.len, sk) != 0)
			goto out;
		pk = sk + 32;	/* libsodium: seed || pk */
	}
	if ((ret = amana_b64_encode(h.key, sizeof(h.key), pk, REQSIG_PK_LEN,
	    1)) != 0 ||
	    (ret = amana_b64_encode(h.sig, sizeof(h.sig), sig, sizeof(sig),
	    1)) != 0)
		goto out;
	*out = h;
	ret = 0;
out:
	amana_buf_free(&msg);
	return ret;
}

int
reqsig_sign(struct reqsig_headers *out, const uint8_t sk[static REQSIG_SK_LEN],
    const char *method, const char *path, int64_t now, const uint8_t *body,
    size_t body_len)
{
	return sign_common(out, sk, NULL, method, path, now, body, body_len);
}

int
reqsig_sign_note(struct reqsig_headers *out, const struct note_signer *s,
    const char *method, const char *path, int64_t now, const uint8_t *body,
    size_t body_len)
{
	return sign_common(out, NULL, s, method, path, now, body, body_len);
}

static int
parse_b64(uint8_t *dst, size_t want, const char *s, size_t len)
{
	size_t got = 0;

	if (amana_b64_decode(dst, want, &got, s, len, 1) != 0 || got != want)
		return AMANA_EPARSE;
	return 0;
}

int
reqsig_parse(struct reqsig *out, const char *key, size_t key_len,
    const char *time, size_t time_len, const char *nonce, size_t nonce_len,
    const char *sig, size_t sig_len)
{
	struct reqsig rs;
	uint64_t t = 0;

	if (key == NULL || time == NULL || nonce == NULL || sig == NULL)
		return AMANA_EINVAL;
	memset(&rs, 0, sizeof(rs));
	/* <= 12 digits: fits int64_t. */
	if (time_len > REQSIG_TIME_MAX || amana_dec_u64_parse(
	    (const uint8_t *)time, time_len, &t) != 0)
		return AMANA_EPARSE;
	if (nonce_len != 24 || key_len != 44 || sig_len != 88)
		return AMANA_EPARSE;
	if (parse_b64(rs.pk, sizeof(rs.pk), key, key_len) != 0 ||
	    parse_b64(rs.nonce, sizeof(rs.nonce), nonce, nonce_len) != 0 ||
	    parse_b64(rs.sig, sizeof(rs.sig), sig, sig_len) != 0)
		return AMANA_EPARSE;
	rs.time = (int64_t)t;
	memcpy(rs.time_text, time, time_len);
	memcpy(rs.nonce_text, nonce, nonce_len);
	*out = rs;
	return 0;
}

int
reqsig_verify(const struct reqsig *rs, const char *method, const char *path,
    const uint8_t *body, size_t body_len, int64_t now)
{
	struct amana_buf msg;
	uint8_t hash[AMANA_SHA256_LEN];
	int ret;

	if (body == NULL && body_len != 0)
		return AMANA_EINVAL;
	if (rs->time > now + REQSIG_WINDOW || rs->time < now - REQSIG_WINDOW)
		return AMANA_EEXPIRED;
	amana_buf_init(&msg, REQSIG_MSG_MAX, 0);
	amana_sha256(hash, body_len == 0 ? (const void *)"" : body, body_len);
	if ((ret = reqsig_message(&msg, method, path, rs->time_text,
	    rs->nonce_text, hash)) != 0)
		goto out;
	ret = AMANA_EBADSIG;
	if (crypto_sign_verify_detached(rs->sig, msg.p, msg.len, rs->pk) != 0)
		goto out;
	ret = 0;
out:
	amana_buf_free(&msg);
	return ret;
}
