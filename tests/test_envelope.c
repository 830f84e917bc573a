/*
 * test_envelope: envelope writer, parser, verifier and streaming checker.
 * Round trips; every truncation and every single-byte flip of a small
 * envelope refused; trailing bytes refused; bad kinds, versions, lengths
 * and keys refused; the worked example of docs/PROTOCOL.md section 3 byte
 * for byte (test_example).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_codec.h"
#include "age.h"
#include "envelope.h"
#include "record.h"
#include "testlib.h"

int	main(void);

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
fail_sink(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
	return AMANA_EIO;
}

/* A fake age payload of len bytes: the age prefix then filler. */
static void
fake_payload(struct amana_buf *b, size_t len, uint64_t seed)
{
	uint8_t *tmp;

	amana_buf_reset(b);
	if ((tmp = malloc(len)) == NULL)
		abort();
	test_fill(tmp, len, seed);
	memcpy(tmp, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	if (amana_buf_append(b, tmp, len) != 0)
		abort();
	free(tmp);
}

/* Builds an envelope with the writer, feeding the payload in steps. */
static int
build(struct amana_buf *out, uint8_t kind, uint64_t created, uint64_t ref,
    const uint8_t *payload, size_t payload_len, const uint8_t *sk,
    size_t step)
{
	struct envelope_header h;
	struct envelope_writer *w = NULL;
	size_t off, n;
	int ret;

	memset(&h, 0, sizeof(h));
	h.kind = kind;
	memcpy(h.signer, sk + 32, 32);
	h.created = created;
	h.ref = ref;
	h.payload_len = payload_len;
	if ((ret = envelope_writer_new(&h, buf_sink, out, &w)) != 0)
		return ret;
	for (off = 0; off < payload_len; off += n) {
		n = payload_len - off < step ? payload_len - off : step;
		if ((ret = envelope_writer_write(w, payload + off, n)) != 0)
			goto out;
	}
	ret = envelope_writer_finish_sk(w, sk);
out:
	envelope_writer_free(w);
	return ret;
}

/* Parse and verify with pk; 0 only if both succeed. */
static int
check(const uint8_t *p, size_t len, const uint8_t *pk)
{
	struct envelope_view v;
	int ret;

	if ((ret = envelope_parse(p, len, &v)) != 0)
		return ret;
	return envelope_verify(&v, pk);
}

static void
test_roundtrip(const uint8_t *pk, const uint8_t *sk)
{
	struct amana_buf pl, env, env2;
	struct envelope_view v;
	uint8_t h1[32], h2[32];
	size_t steps[] = { 1, 7, 64, 1000, 100000 };
	size_t i;

	amana_buf_init(&pl, 1 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	amana_buf_init(&env2, 1 << 20, 0);
	fake_payload(&pl, 5000, 1);
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 1767225600, 0, pl.p, pl.len,
	    sk, 5000), 0);
	CHECK_EQ(env.len, ENVELOPE_OVERHEAD + 5000);
	CHECK_EQ(envelope_parse(env.p, env.len, &v), 0);
	CHECK_EQ(v.hdr.kind, ENVELOPE_KIND_ALERT);
	CHECK_EQ(v.hdr.version, 1);
	CHECK(v.hdr.created == 1767225600);
	CHECK_EQ(v.hdr.ref, 0);
	CHECK_EQ(v.hdr.payload_len, 5000);
	CHECK(memcmp(v.hdr.signer, pk, 32) == 0);
	CHECK(v.payload == env.p + ENVELOPE_HEADER_LEN);
	CHECK(memcmp(v.payload, pl.p, pl.len) == 0);
	CHECK(v.sig == env.p + ENVELOPE_HEADER_LEN + 5000);
	CHECK_EQ(envelope_verify(&v, pk), 0);
	/* Independent check of the signed bytes with libsodium directly. */
	{
		uint8_t msg[ENVELOPE_SIGNED_LEN], ph[32];

		amana_sha256(ph, pl.p, pl.len);
		memcpy(msg, "amana/envelope/v1\n", 18);
		memcpy(msg + 18, env.p, 66);
		memcpy(msg + 84, ph, 32);
		CHECK_EQ(crypto_sign_verify_detached(v.sig, msg, sizeof(msg),
		    pk), 0);
	}
	envelope_hash(env.p, env.len, h1);
	amana_sha256(h2, env.p, env.len);
	CHECK(memcmp(h1, h2, 32) == 0);
	/* Any feeding split gives the same bytes (Ed25519 is deterministic). */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		amana_buf_reset(&env2);
		CHECK_EQ(build(&env2, ENVELOPE_KIND_ALERT, 1767225600, 0, pl.p,
		    pl.len, sk, steps[i]), 0);
		CHECK(env2.len == env.len &&
		    memcmp(env2.p, env.p, env.len) == 0);
	}
	/* Replies and acks carry ref; ref 0 allowed for them. */
	amana_buf_reset(&env2);
	CHECK_EQ(build(&env2, ENVELOPE_KIND_REPLY, 5, 42, pl.p, pl.len, sk,
	    99), 0);
	CHECK_EQ(check(env2.p, env2.len, pk), 0);
	CHECK_EQ(envelope_parse(env2.p, env2.len, &v), 0);
	CHECK_EQ(v.hdr.ref, 42);
	amana_buf_reset(&env2);
	CHECK_EQ(build(&env2, ENVELOPE_KIND_ACK, 5, 0, pl.p, pl.len, sk, 99),
	    0);
	CHECK_EQ(check(env2.p, env2.len, pk), 0);
	/* Smallest payload: the age prefix alone. */
	amana_buf_reset(&env2);
	CHECK_EQ(build(&env2, ENVELOPE_KIND_ALERT, 0, 0, pl.p,
	    ENVELOPE_PAYLOAD_MIN, sk, 1), 0);
	CHECK_EQ(check(env2.p, env2.len, pk), 0);
	amana_buf_free(&pl);
	amana_buf_free(&env);
	amana_buf_free(&env2);
}

/* Every truncation, every flip, every trailing byte is refused. */
static void
test_tamper(const uint8_t *pk, const uint8_t *sk)
{
	struct amana_buf pl, env;
	uint8_t *copy;
	size_t i, bad_trunc = 0, bad_flip = 0, bit;

	amana_buf_init(&pl, 1 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	fake_payload(&pl, 300, 2);
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 1767225600, 0, pl.p, pl.len,
	    sk, 300), 0);
	CHECK_EQ(check(env.p, env.len, pk), 0);
	if ((copy = malloc(env.len + 1)) == NULL)
		abort();
	for (i = 0; i < env.len; i++) {
		memcpy(copy, env.p, i);
		if (check(copy, i, pk) == 0)
			bad_trunc++;
	}
	CHECK_EQ(bad_trunc, 0);
	for (i = 0; i < env.len; i++) {
		for (bit = 0; bit < 8; bit += 7) {
			memcpy(copy, env.p, env.len);
			copy[i] ^= (uint8_t)(1u << bit);
			if (check(copy, env.len, pk) == 0)
				bad_flip++;
		}
	}
	CHECK_EQ(bad_flip, 0);
	memcpy(copy, env.p, env.len);
	copy[env.len] = 0;
	CHECK_EQ(check(copy, env.len + 1, pk), AMANA_EPARSE);
	free(copy);
	amana_buf_free(&pl);
	amana_buf_free(&env);
}

/* Header rules, key mismatch and writer misuse. */
static void
test_rules(const uint8_t *pk, const uint8_t *sk)
{
	struct envelope_header h, hp;
	struct envelope_writer *w = NULL;
	struct envelope_view v;
	struct amana_buf pl, env;
	uint8_t hdr[ENVELOPE_HEADER_LEN], other_pk[32], other_sk[64];
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[64];

	amana_buf_init(&pl, 1 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	crypto_sign_keypair(other_pk, other_sk);
	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	memcpy(h.signer, pk, 32);
	h.payload_len = 100;
	CHECK_EQ(envelope_header_format(&h, hdr), 0);
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), 0);
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr) - 1, &hp),
	    AMANA_EPARSE);
	h.ref = 1;			/* alert with ref */
	CHECK_EQ(envelope_header_format(&h, hdr), AMANA_EINVAL);
	h.ref = 0;
	h.kind = 4;
	CHECK_EQ(envelope_header_format(&h, hdr), AMANA_EINVAL);
	h.kind = 0;
	CHECK_EQ(envelope_header_format(&h, hdr), AMANA_EINVAL);
	h.kind = ENVELOPE_KIND_ALERT;
	h.payload_len = ENVELOPE_PAYLOAD_MAX + 1;
	CHECK_EQ(envelope_header_format(&h, hdr), AMANA_EINVAL);
	h.payload_len = ENVELOPE_PAYLOAD_MIN - 1;
	CHECK_EQ(envelope_header_format(&h, hdr), AMANA_EINVAL);
	h.payload_len = ENVELOPE_PAYLOAD_MAX;
	CHECK_EQ(envelope_header_format(&h, hdr), 0);
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), 0);
	hdr[ENVELOPE_HEADER_LEN - 1] = 1;	/* MAX + 1 */
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), AMANA_ETOOBIG);
	hdr[ENVELOPE_HEADER_LEN - 1] = 0;
	hdr[8] = 2;				/* version */
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), AMANA_EPARSE);
	hdr[8] = 1;
	hdr[9] = 1;
	hdr[ENVELOPE_HEADER_LEN - 9] = 1;	/* alert, ref != 0 */
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), AMANA_EPARSE);
	hdr[9] = 2;				/* reply, any ref */
	CHECK_EQ(envelope_header_parse(hdr, sizeof(hdr), &hp), 0);

	/* Wrong key: mismatch with the header and a valid other-key sig. */
	fake_payload(&pl, 100, 3);
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 1, 0, pl.p, pl.len, sk, 100),
	    0);
	CHECK_EQ(envelope_parse(env.p, env.len, &v), 0);
	CHECK_EQ(envelope_verify(&v, other_pk), AMANA_EBADKEY);
	memcpy(env.p + 10, other_pk, 32);	/* header names other key */
	CHECK_EQ(envelope_parse(env.p, env.len, &v), 0);
	CHECK_EQ(envelope_verify(&v, other_pk), AMANA_EBADSIG);

	/* Payload not an age file. */
	amana_buf_reset(&env);
	pl.p[0] = 'X';
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 1, 0, pl.p, pl.len, sk, 100),
	    AMANA_EPARSE);
	pl.p[0] = 'a';

	/* Writer misuse: too many bytes, too few, wrong key, failing sink. */
	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	memcpy(h.signer, pk, 32);
	h.payload_len = 100;
	amana_buf_reset(&env);
	CHECK_EQ(envelope_writer_new(&h, buf_sink, &env, &w), 0);
	CHECK_EQ(envelope_writer_write(w, pl.p, 100), 0);
	CHECK_EQ(envelope_writer_write(w, pl.p, 1), AMANA_ERANGE);
	CHECK_EQ(envelope_writer_write(w, pl.p, 0), AMANA_EINVAL);
	envelope_writer_free(w);
	w = NULL;
	CHECK_EQ(envelope_writer_new(&h, buf_sink, &env, &w), 0);
	CHECK_EQ(envelope_writer_write(w, pl.p, 99), 0);
	CHECK_EQ(envelope_writer_finish_sk(w, sk), AMANA_ERANGE);
	envelope_writer_free(w);
	w = NULL;
	CHECK_EQ(envelope_writer_new(&h, buf_sink, &env, &w), 0);
	CHECK_EQ(envelope_writer_write(w, pl.p, 100), 0);
	CHECK_EQ(envelope_writer_finish_sk(w, other_sk), AMANA_EBADKEY);
	envelope_writer_free(w);
	w = NULL;
	CHECK_EQ(envelope_writer_new(&h, buf_sink, &env, &w), 0);
	CHECK_EQ(envelope_writer_write(w, pl.p, 100), 0);
	CHECK_EQ(envelope_writer_msg(w, msg), 0);
	CHECK_EQ(crypto_sign_detached(sig, NULL, msg, sizeof(msg), other_sk),
	    0);
	CHECK_EQ(envelope_writer_finish_sig(w, sig), AMANA_EBADSIG);
	envelope_writer_free(w);
	w = NULL;
	CHECK_EQ(envelope_writer_new(&h, fail_sink, NULL, &w), AMANA_EIO);
	CHECK(w == NULL);
	amana_buf_free(&pl);
	amana_buf_free(&env);
}

/* The streaming checker agrees with parse + verify. */
static void
test_checker(const uint8_t *pk, const uint8_t *sk)
{
	struct envelope_checker *c = NULL;
	struct amana_buf pl, env;
	size_t plen = 70000, off, n;

	amana_buf_init(&pl, 1 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	fake_payload(&pl, plen, 4);
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 9, 0, pl.p, pl.len, sk, 4096),
	    0);
	CHECK_EQ(envelope_checker_new(env.p, ENVELOPE_HEADER_LEN, &c), 0);
	CHECK(envelope_checker_header(c)->payload_len == plen);
	for (off = 0; off < plen; off += n) {
		n = plen - off < 333 ? plen - off : 333;
		CHECK_EQ(envelope_checker_payload(c,
		    env.p + ENVELOPE_HEADER_LEN + off, n), 0);
	}
	CHECK_EQ(envelope_checker_finish(c, env.p + ENVELOPE_HEADER_LEN + plen,
	    pk), 0);
	envelope_checker_free(c);
	c = NULL;
	/* one flipped payload byte */
	env.p[ENVELOPE_HEADER_LEN + 5000] ^= 1;
	CHECK_EQ(envelope_checker_new(env.p, ENVELOPE_HEADER_LEN, &c), 0);
	CHECK_EQ(envelope_checker_payload(c, env.p + ENVELOPE_HEADER_LEN, plen),
	    0);
	CHECK_EQ(envelope_checker_finish(c, env.p + ENVELOPE_HEADER_LEN + plen,
	    pk), AMANA_EBADSIG);
	envelope_checker_free(c);
	c = NULL;
	/* short payload */
	CHECK_EQ(envelope_checker_new(env.p, ENVELOPE_HEADER_LEN, &c), 0);
	CHECK_EQ(envelope_checker_payload(c, env.p + ENVELOPE_HEADER_LEN, 10),
	    0);
	CHECK_EQ(envelope_checker_finish(c, env.p + ENVELOPE_HEADER_LEN + plen,
	    pk), AMANA_ERANGE);
	envelope_checker_free(c);
	amana_buf_free(&pl);
	amana_buf_free(&env);
}

/*
 * The worked example of docs/PROTOCOL.md sections 3 and 4. The expected
 * bytes below were computed by an independent implementation
 * (tests/vectors/envelope/make_example.py, Python + cryptography), and the
 * payload was made by the stock `age` command; the docs must show the same
 * hex (checked here too).
 */
#define EX_NGO_VKEY "example-ngo+c56c621d+ASVDuS/xCVURR2rcg2nbbdyTNmWhGXjdoUBO4QZsqVWd"
#define EX_REPLY_RCPT "age1fylg9lr5ge99jf5gza3r6gznch4cutxy4xytflhp08kxkqgd2vwskusw5c"
static const char ex_content_hex[] =
    "414d414e415245430100416578616d706c652d6e676f2b63353663363231642b"
    "4153564475532f78435655525232726367326e62626479544e6d576847586a64"
    "6f55424f34515a7371565764003e6167653166796c67396c7235676539396a66"
    "35677a61337236677a6e636834637574787934787974666c687030386b786b71"
    "6764327677736b7573773563000762726962657279001c52616261742d53616c"
    "c3a92d4bc3a96e69747261202f205261626174000000364120636c65726b2061"
    "736b656420666f7220353030204d414420746f207374616d702061206275696c"
    "64696e67207065726d69742e0a0001000b726563656970742e747874000a7465"
    "78742f706c61696e000000000000000f52656365697074206e6f2e2034320a";
static const char ex_record_sha256[] =
    "0488989c6cf3fa65fd7d1d73a8a15dbd147d5ecc55b13bc916a42cb023528e05";
static const char ex_payload_sha256[] =
    "b94cbab91951a6fc1019ae539d388d3cee22c3d0e3d72b2b4b1c9c680235970a";
static const char ex_header_hex[] =
    "414d414e41454e5601012543b92ff1095511476adc8369db6ddc933665a11978"
    "dda1404ee1066ca9559d000000006955b9000000000000000000000000000000"
    "40c8";
static const char ex_signed_hex[] =
    "616d616e612f656e76656c6f70652f76310a414d414e41454e5601012543b92f"
    "f1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d00000000"
    "6955b900000000000000000000000000000040c8b94cbab91951a6fc1019ae53"
    "9d388d3cee22c3d0e3d72b2b4b1c9c680235970a";
static const char ex_sig_hex[] =
    "b33bcb2a7a60ba4c5bd92f4d53cc78f37eb6a2cd75516e3f9e3d40160b2c75cc"
    "2acc5262dfbeca5b031e0f6306a82308c6a56c64d7681a1fb3fd21b206204709";
static const char ex_envelope_sha256[] =
    "758bc81029dc9105ce948277eca09b7cb03b4d552c9cacb8edd5ffa2c8c5ad95";

static int
hex_eq(const uint8_t *p, size_t len, const char *hex)
{
	char buf[2048];

	if (2 * len + 1 > sizeof(buf) ||
	    amana_hex_encode(buf, sizeof(buf), p, len) != 0)
		return 0;
	return strcmp(buf, hex) == 0;
}

/* 1 if s occurs in the doc (whitespace removed by load_doc). */
static int
doc_has(const struct amana_buf *doc, const char *hex)
{
	size_t i, n = strlen(hex);

	for (i = 0; n <= doc->len && i <= doc->len - n; i++)
		if (memcmp(doc->p + i, hex, n) == 0)
			return 1;
	return 0;
}

static void
load_doc(struct amana_buf *out)
{
	struct amana_buf raw;
	char path[4096];
	const char *src = getenv("AMANA_SRC");
	size_t i;
	int n;

	amana_buf_init(&raw, 1 << 22, 0);
	n = snprintf(path, sizeof(path), "%s/docs/PROTOCOL.md",
	    src != NULL ? src : ".");
	if (n < 0 || (size_t)n >= sizeof(path))
		abort();
	test_read_file(path, &raw);
	for (i = 0; i < raw.len; i++)
		if (raw.p[i] != ' ' && raw.p[i] != '\n' && raw.p[i] != '\t')
			if (amana_buf_u8(out, raw.p[i]) != 0)
				abort();
	amana_buf_free(&raw);
}

static int
rec_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static void
test_example(void)
{
	static const uint8_t att_data[] = "Receipt no. 42\n";
	struct record_attachment att = {
		"receipt.txt", 11, "text/plain", 10, sizeof(att_data) - 1,
	};
	struct record_alert a = {
		EX_NGO_VKEY, sizeof(EX_NGO_VKEY) - 1,
		EX_REPLY_RCPT, sizeof(EX_REPLY_RCPT) - 1,
		"bribery", 7,
		"Rabat-Sal\xc3\xa9-K\xc3\xa9nitra / Rabat", 28,
		"A clerk asked for 500 MAD to stamp a building permit.\n", 54,
		&att, 1,
	};
	struct record_writer *rw = NULL;
	struct amana_buf rec, want_rec, payload, env, want_env, doc, plain;
	struct envelope_view v;
	struct age_identity **ids = NULL;
	struct age_dec_keys keys;
	size_t n_ids = 0, content_len = sizeof(ex_content_hex) / 2;
	uint8_t seed[32], pk[32], sk[64], h[32], msg[ENVELOPE_SIGNED_LEN];
	size_t i;

	amana_buf_init(&rec, 1 << 20, 1);
	amana_buf_init(&want_rec, 1 << 20, 0);
	amana_buf_init(&payload, 1 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	amana_buf_init(&want_env, 1 << 20, 0);
	amana_buf_init(&doc, 1 << 22, 0);
	amana_buf_init(&plain, 1 << 20, 1);
	/* The alert record. */
	CHECK_EQ(record_writer_new(&a, rec_sink, &rec, &rw), 0);
	CHECK_EQ(record_writer_write(rw, att_data, sizeof(att_data) - 1), 0);
	CHECK_EQ(record_writer_finish(rw), 0);
	record_writer_free(rw);
	CHECK_EQ(rec.len, 16384);
	CHECK(rec.len >= content_len && hex_eq(rec.p, content_len,
	    ex_content_hex));
	CHECK(sodium_is_zero(rec.p + content_len, rec.len - content_len));
	amana_sha256(h, rec.p, rec.len);
	CHECK(hex_eq(h, 32, ex_record_sha256));
	test_read_file(test_vector_path("envelope/example.record"), &want_rec);
	CHECK(rec.len == want_rec.len &&
	    memcmp(rec.p, want_rec.p, rec.len) == 0);
	/* The envelope around the age payload made by stock age. */
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	crypto_sign_seed_keypair(pk, sk, seed);
	test_read_file(test_vector_path("envelope/example.age"), &payload);
	amana_sha256(h, payload.p, payload.len);
	CHECK(hex_eq(h, 32, ex_payload_sha256));
	CHECK_EQ(build(&env, ENVELOPE_KIND_ALERT, 1767225600, 0, payload.p,
	    payload.len, sk, 4096), 0);
	CHECK(hex_eq(env.p, ENVELOPE_HEADER_LEN, ex_header_hex));
	CHECK_EQ(envelope_parse(env.p, env.len, &v), 0);
	CHECK(hex_eq(v.sig, ENVELOPE_SIG_LEN, ex_sig_hex));
	amana_sha256(h, payload.p, payload.len);
	envelope_signed_msg(v.header, h, msg);
	CHECK(hex_eq(msg, sizeof(msg), ex_signed_hex));
	CHECK_EQ(envelope_verify(&v, pk), 0);
	envelope_hash(env.p, env.len, h);
	CHECK(hex_eq(h, 32, ex_envelope_sha256));
	test_read_file(test_vector_path("envelope/example.envelope"),
	    &want_env);
	CHECK(env.len == want_env.len &&
	    memcmp(env.p, want_env.p, env.len) == 0);
	/* Our age opens the payload with the example identity. */
	{
		struct amana_buf idf;

		amana_buf_init(&idf, 1 << 16, 1);
		test_read_file(test_vector_path("envelope/example.identity"),
		    &idf);
		CHECK_EQ(age_identity_file_parse(idf.p, idf.len, &ids, &n_ids),
		    0);
		amana_buf_free(&idf);
	}
	memset(&keys, 0, sizeof(keys));
	keys.ids = ids;
	keys.n_ids = n_ids;
	CHECK_EQ(age_decrypt_buf(&keys, v.payload, (size_t)v.hdr.payload_len,
	    &plain), 0);
	CHECK(plain.len == rec.len && memcmp(plain.p, rec.p, rec.len) == 0);
	age_identities_free(ids, n_ids);
	/* The docs show the same bytes. */
	load_doc(&doc);
	CHECK(doc_has(&doc, ex_content_hex));
	CHECK(doc_has(&doc, ex_record_sha256));
	CHECK(doc_has(&doc, ex_payload_sha256));
	CHECK(doc_has(&doc, ex_header_hex));
	CHECK(doc_has(&doc, ex_signed_hex));
	CHECK(doc_has(&doc, ex_sig_hex));
	CHECK(doc_has(&doc, ex_envelope_sha256));
	CHECK(doc_has(&doc, EX_NGO_VKEY));
	CHECK(doc_has(&doc, EX_REPLY_RCPT));
	sodium_memzero(sk, sizeof(sk));
	amana_buf_free(&rec);
	amana_buf_free(&want_rec);
	amana_buf_free(&payload);
	amana_buf_free(&env);
	amana_buf_free(&want_env);
	amana_buf_free(&doc);
	amana_buf_free(&plain);
}

int
main(void)
{
	uint8_t pk[32], sk[64], seed[32];
	size_t i;

	test_begin("envelope");
	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	crypto_sign_seed_keypair(pk, sk, seed);
	test_roundtrip(pk, sk);
	test_tamper(pk, sk);
	test_rules(pk, sk);
	test_checker(pk, sk);
	test_example();
	sodium_memzero(sk, sizeof(sk));
	return test_done();
}
