/* Unit tests for crypto/reqsig: message layout, sign/verify, window,
 * tampering, strict parsing and every truncation of each header. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "note.h"
#include "reqsig.h"
#include "testlib.h"

static int
parse_h(struct reqsig *rs, const struct reqsig_headers *h)
{
	return reqsig_parse(rs, h->key, strlen(h->key), h->time,
	    strlen(h->time), h->nonce, strlen(h->nonce), h->sig,
	    strlen(h->sig));
}

static void
test_message(void)
{
	static const char want[] = "amana/request/v1\nGET\n/v1/alerts?from=0"
	    "&limit=10\n1700000000\nAAECAwQFBgcICQoLDA0ODw==\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
	struct amana_buf b;
	uint8_t h[32];

	/* SHA-256 of the empty string is the FIPS 180-4 value above. */
	amana_sha256(h, "", 0);
	amana_buf_init(&b, 1 << 16, 0);
	CHECK_EQ(reqsig_message(&b, "GET", "/v1/alerts?from=0&limit=10",
	    "1700000000", "AAECAwQFBgcICQoLDA0ODw==", h), 0);
	CHECK_EQ(b.len, sizeof(want) - 1);
	CHECK(b.len == sizeof(want) - 1 && memcmp(b.p, want, b.len) == 0);
	amana_buf_reset(&b);
	CHECK_EQ(reqsig_message(&b, "get", "/", "1", "x", h), AMANA_EINVAL);
	CHECK_EQ(reqsig_message(&b, "GET", "nopath", "1", "x", h),
	    AMANA_EINVAL);
	CHECK_EQ(reqsig_message(&b, "GET", "/a b", "1", "x", h), AMANA_EINVAL);
	CHECK_EQ(reqsig_message(&b, "GET", "/a\nb", "1", "x", h),
	    AMANA_EINVAL);
	CHECK_EQ(reqsig_message(&b, "", "/", "1", "x", h), AMANA_EINVAL);
	amana_buf_free(&b);
}

static void
test_roundtrip(void)
{
	uint8_t pk[32], sk[64], body[300];
	struct reqsig_headers h;
	struct reqsig rs;
	const int64_t now = 1700000000;
	size_t i;

	crypto_sign_keypair(pk, sk);
	test_fill(body, sizeof(body), 7);
	CHECK_EQ(reqsig_sign(&h, sk, "POST", "/v1/alerts/3/replies", now, body,
	    sizeof(body)), 0);
	CHECK_EQ(parse_h(&rs, &h), 0);
	CHECK(memcmp(rs.pk, pk, 32) == 0);
	CHECK_EQ(rs.time, now);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now), 0);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now + REQSIG_WINDOW), 0);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now - REQSIG_WINDOW), 0);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now + REQSIG_WINDOW + 1), AMANA_EEXPIRED);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now - REQSIG_WINDOW - 1), AMANA_EEXPIRED);
	/* Any change to method, path, body is caught. */
	CHECK_EQ(reqsig_verify(&rs, "PUT", "/v1/alerts/3/replies", body,
	    sizeof(body), now), AMANA_EBADSIG);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/4/replies", body,
	    sizeof(body), now), AMANA_EBADSIG);
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body) - 1, now), AMANA_EBADSIG);
	for (i = 0; i < sizeof(body); i += 37) {
		body[i] ^= 1;
		CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies",
		    body, sizeof(body), now), AMANA_EBADSIG);
		body[i] ^= 1;
	}
	/* A changed time or nonce header breaks the signature. */
	rs.time_text[9] = rs.time_text[9] == '0' ? '1' : '0';
	rs.time = now;
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now), AMANA_EBADSIG);
	CHECK_EQ(parse_h(&rs, &h), 0);
	rs.nonce_text[0] = rs.nonce_text[0] == 'A' ? 'B' : 'A';
	CHECK_EQ(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now), AMANA_EBADSIG);
	/* Another key's signature fails. */
	CHECK_EQ(parse_h(&rs, &h), 0);
	rs.pk[0] ^= 0x40;
	CHECK(reqsig_verify(&rs, "POST", "/v1/alerts/3/replies", body,
	    sizeof(body), now) != 0);
	/* Two signatures of the same request use different nonces. */
	{
		struct reqsig_headers h2;

		CHECK_EQ(reqsig_sign(&h2, sk, "GET", "/", now, NULL, 0), 0);
		CHECK_EQ(reqsig_sign(&h, sk, "GET", "/", now, NULL, 0), 0);
		CHECK(strcmp(h.nonce, h2.nonce) != 0);
		CHECK_EQ(parse_h(&rs, &h), 0);
		CHECK_EQ(reqsig_verify(&rs, "GET", "/", NULL, 0, now), 0);
	}
	CHECK_EQ(reqsig_sign(&h, sk, "GET", "/", -1, NULL, 0), AMANA_EINVAL);
	sodium_memzero(sk, sizeof(sk));
}

static void
test_parse(void)
{
	uint8_t pk[32], sk[64];
	struct reqsig_headers h;
	struct reqsig rs;
	char tmp[128];
	size_t i;

	crypto_sign_keypair(pk, sk);
	CHECK_EQ(reqsig_sign(&h, sk, "GET", "/x", 1700000000, NULL, 0), 0);
	CHECK_EQ(parse_h(&rs, &h), 0);
	/* Every truncation of every header fails. */
	for (i = 0; i < strlen(h.key); i++)
		CHECK(reqsig_parse(&rs, h.key, i, h.time, strlen(h.time),
		    h.nonce, strlen(h.nonce), h.sig, strlen(h.sig)) != 0);
	for (i = 0; i < strlen(h.nonce); i++)
		CHECK(reqsig_parse(&rs, h.key, strlen(h.key), h.time,
		    strlen(h.time), h.nonce, i, h.sig, strlen(h.sig)) != 0);
	for (i = 0; i < strlen(h.sig); i++)
		CHECK(reqsig_parse(&rs, h.key, strlen(h.key), h.time,
		    strlen(h.time), h.nonce, strlen(h.nonce), h.sig, i) != 0);
	CHECK(reqsig_parse(&rs, h.key, strlen(h.key), h.time, 0, h.nonce,
	    strlen(h.nonce), h.sig, strlen(h.sig)) != 0);
	/* Missing headers. */
	CHECK_EQ(reqsig_parse(&rs, NULL, 0, h.time, strlen(h.time), h.nonce,
	    strlen(h.nonce), h.sig, strlen(h.sig)), AMANA_EINVAL);
	CHECK_EQ(reqsig_parse(&rs, h.key, strlen(h.key), h.time,
	    strlen(h.time), h.nonce, strlen(h.nonce), NULL, 0), AMANA_EINVAL);
	/* Non-canonical time: leading zero, sign, too many digits. */
	CHECK_EQ(reqsig_parse(&rs, h.key, 44, "01700000000", 11, h.nonce, 24,
	    h.sig, 88), AMANA_EPARSE);
	CHECK_EQ(reqsig_parse(&rs, h.key, 44, "+1700000000", 11, h.nonce, 24,
	    h.sig, 88), AMANA_EPARSE);
	CHECK_EQ(reqsig_parse(&rs, h.key, 44, "1234567890123", 13, h.nonce,
	    24, h.sig, 88), AMANA_EPARSE);
	CHECK_EQ(reqsig_parse(&rs, h.key, 44, "0", 1, h.nonce, 24, h.sig, 88),
	    0);
	/* Non-canonical base64: nonce "==" with unused bits set. */
	{
		static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *q;

		memcpy(tmp, h.nonce, 25);
		q = strchr(al, tmp[21]);
		CHECK(q != NULL);
		if (q != NULL)	/* set an unused low bit of the last char */
			tmp[21] = al[(q - al) | 1];
		CHECK_EQ(reqsig_parse(&rs, h.key, 44, h.time, strlen(h.time),
		    tmp, 24, h.sig, 88), AMANA_EPARSE);
	}
	/* Unpadded or whitespace. */
	memcpy(tmp, h.key, 44);
	tmp[43] = 'A';
	CHECK_EQ(reqsig_parse(&rs, tmp, 44, h.time, strlen(h.time), h.nonce,
	    24, h.sig, 88), AMANA_EPARSE);
	tmp[43] = ' ';
	CHECK_EQ(reqsig_parse(&rs, tmp, 44, h.time, strlen(h.time), h.nonce,
	    24, h.sig, 88), AMANA_EPARSE);
	sodium_memzero(sk, sizeof(sk));
}

/* Keys of `amana keygen` (note signers) sign requests too. */
static void
test_note_signer(void)
{
	struct note_signer *ns = NULL;
	struct note_verifier v;
	struct reqsig_headers h;
	struct reqsig rs;

	CHECK_EQ(note_signer_generate("ngo.example", &ns), 0);
	if (ns == NULL)
		return;
	note_signer_verifier(ns, &v);
	CHECK_EQ(reqsig_sign_note(&h, ns, "GET", "/v1/alerts/7/replies",
	    1700000000, NULL, 0), 0);
	CHECK_EQ(parse_h(&rs, &h), 0);
	CHECK(memcmp(rs.pk, v.pk, 32) == 0);
	CHECK_EQ(reqsig_verify(&rs, "GET", "/v1/alerts/7/replies", NULL, 0,
	    1700000000), 0);
	CHECK_EQ(reqsig_verify(&rs, "GET", "/v1/alerts/8/replies", NULL, 0,
	    1700000000), AMANA_EBADSIG);
	note_signer_free(ns);
}

int
main(void)
{
	test_begin("reqsig");
	if (sodium_init() < 0)
		return 1;
	test_message();
	test_roundtrip();
	test_parse();
	test_note_signer();
	return test_done();
}
