/*
 * test_note: C2SP signed notes.
 *  - known answers from the signed-note specification (tests/vectors
 *    README, copied from ../shared/vectors/README.md): the PeterNeumann
 *    signer reproduces its signature line byte for byte; the three example
 *    notes verify with their verifier keys; key texts round-trip;
 *  - each rejection rule: no signature line, text not ending in '\n',
 *    control character, space or '+' in a key name, trailing bytes, more
 *    than 100 signatures, a bad signature from a known key; unknown keys
 *    (same name or same ID, not both) are ignored;
 *  - every truncation and every single-byte change of a signed note is
 *    refused; key texts are refused when truncated or altered.
 */
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "note.h"
#include "testlib.h"

#define DASH "\xe2\x80\x94 "

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+"
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char text1[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char peter_sig[] =
    DASH "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgY"
    "N1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_vkey[] =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char enoch_sig[] =
    DASH "EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vA"
    "F1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
static const char foo_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char foo_note[] =
    "This is an example message.\n\n"
    DASH "example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
    "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

static struct note_verifier peter, enoch, foo;

static int
verify_str(const char *s, const struct note_verifier *keys, size_t n)
{
	struct note_view v;

	return note_verify((const uint8_t *)s, strlen(s), keys, n, &v);
}

/* Builds text1 + "\n" + the given signature lines. */
static const char *
note_of(struct amana_buf *b, const char *text, const char *sigs)
{
	amana_buf_reset(b);
	if (amana_buf_str(b, text) != 0 || amana_buf_str(b, "\n") != 0 ||
	    amana_buf_str(b, sigs) != 0)
		return "";
	return amana_buf_cstr(b);
}

static void
test_keys(void)
{
	struct note_signer *s = NULL;
	struct note_verifier v;
	struct amana_buf b;
	size_t i;
	char bad[sizeof(peter_vkey)];

	CHECK(note_verifier_parse((const uint8_t *)peter_vkey,
	    strlen(peter_vkey), &peter) == 0);
	CHECK(strcmp(peter.name, "PeterNeumann") == 0);
	CHECK_EQ(peter.key_id, 0xc74f20a3u);
	CHECK(note_key_id(peter.name, peter.pk) == 0xc74f20a3u);
	CHECK(note_verifier_parse((const uint8_t *)enoch_vkey,
	    strlen(enoch_vkey), &enoch) == 0);
	CHECK(note_verifier_parse((const uint8_t *)foo_vkey, strlen(foo_vkey),
	    &foo) == 0);
	CHECK(strcmp(foo.name, "example.com/foo") == 0);

	/* Round trip, byte for byte; a trailing newline is accepted. */
	amana_buf_init(&b, 4096, 1);
	CHECK(note_verifier_format(&peter, &b) == 0);
	CHECK(b.len == strlen(peter_vkey) &&
	    memcmp(b.p, peter_vkey, b.len) == 0);
	CHECK(amana_buf_str(&b, "\n") == 0);
	CHECK(note_verifier_parse(b.p, b.len, &v) == 0);

	/* The signer key parses, gives the same verifier, round-trips. */
	CHECK(note_signer_parse((const uint8_t *)peter_skey,
	    strlen(peter_skey), &s) == 0);
	if (s != NULL) {
		note_signer_verifier(s, &v);
		CHECK(memcmp(&v, &peter, sizeof(v)) == 0);
		CHECK(strcmp(note_signer_name(s), "PeterNeumann") == 0);
		amana_buf_reset(&b);
		CHECK(note_signer_format(s, &b) == 0);
		CHECK(b.len == strlen(peter_skey) &&
		    memcmp(b.p, peter_skey, b.len) == 0);
		note_signer_free(s);
		s = NULL;
	}
	amana_buf_free(&b);

	/* Every truncation and every single-byte change is refused (a
	 * change to the name changes the key ID; base64 is canonical). */
	for (i = 0; i < strlen(peter_vkey); i++)
		CHECK(note_verifier_parse((const uint8_t *)peter_vkey, i,
		    &v) == AMANA_EBADKEY);
	for (i = 0; i < strlen(peter_vkey); i++) {
		memcpy(bad, peter_vkey, sizeof(bad));
		bad[i] ^= 0x01;
		CHECK(note_verifier_parse((const uint8_t *)bad, strlen(bad),
		    &v) != 0);
	}
	for (i = 0; i < strlen(peter_skey); i++)
		CHECK(note_signer_parse((const uint8_t *)peter_skey, i, &s) != 0);
	CHECK(s == NULL);
	/* Upper-case key ID, wrong algorithm byte, bad names. */
	CHECK(note_verifier_parse((const uint8_t *)
	    "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    strlen(peter_vkey), &v) == AMANA_EBADKEY);
	CHECK(note_verifier_parse((const uint8_t *)
	    "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    strlen(peter_vkey), &v) == AMANA_EBADKEY);
	CHECK(note_verifier_parse((const uint8_t *)
	    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    strlen(peter_vkey) + 1, &v) == AMANA_EBADKEY);
	CHECK(note_verifier_parse((const uint8_t *)"\n", 1, &v) ==
	    AMANA_EBADKEY);
	CHECK(note_signer_generate("bad name", &s) == AMANA_EINVAL);
	CHECK(note_signer_generate("bad+name", &s) == AMANA_EINVAL);
	CHECK(note_signer_generate("", &s) == AMANA_EINVAL);
	CHECK(note_signer_generate("nbsp\xc2\xa0name", &s) == AMANA_EINVAL);
	CHECK(note_signer_generate("ctl\x01name", &s) == AMANA_EINVAL);
	CHECK(note_signer_generate("bad\xffutf8", &s) == AMANA_EINVAL);
	CHECK(s == NULL);
	CHECK(note_name_valid((const uint8_t *)"amana.test/r\xc3\xa9lais",
	    14) == 0);
	/* A signer key used as a verifier key and vice versa. */
	CHECK(note_verifier_parse((const uint8_t *)peter_skey,
	    strlen(peter_skey), &v) != 0);
	CHECK(note_signer_parse((const uint8_t *)peter_vkey,
	    strlen(peter_vkey), &s) != 0);
}

static void
test_known_answers(void)
{
	struct note_signer *s = NULL;
	struct note_verifier both[2];
	struct note_view v;
	struct amana_buf b, n;
	const char *msg;

	amana_buf_init(&b, NOTE_MAX_LEN, 0);
	amana_buf_init(&n, NOTE_MAX_LEN, 0);
	/* Signing reproduces the specification's signature line. */
	CHECK(note_signer_parse((const uint8_t *)peter_skey,
	    strlen(peter_skey), &s) == 0);
	if (s != NULL) {
		CHECK(note_sign(s, (const uint8_t *)text1, strlen(text1),
		    &b) == 0);
		msg = note_of(&n, text1, peter_sig);
		CHECK(b.len == strlen(msg) && memcmp(b.p, msg, b.len) == 0);
		/* note_sign_raw is plain Ed25519 over the same bytes. */
		{
			uint8_t sig[NOTE_SIG_LEN];

			CHECK(note_sign_raw(s, (const uint8_t *)text1,
			    strlen(text1), sig) == 0);
			CHECK(note_verify_raw(&peter, (const uint8_t *)text1,
			    strlen(text1), sig) == 0);
			sig[5] ^= 1;
			CHECK(note_verify_raw(&peter, (const uint8_t *)text1,
			    strlen(text1), sig) == AMANA_EBADSIG);
		}
		note_signer_free(s);
	}
	/* The three examples verify. */
	msg = note_of(&n, text1, peter_sig);
	CHECK(verify_str(msg, &peter, 1) == 0);
	CHECK(note_verify((const uint8_t *)msg, strlen(msg), &peter, 1,
	    &v) == 0);
	CHECK(v.text_len == strlen(text1) &&
	    memcmp(v.text, text1, v.text_len) == 0);
	CHECK(v.n_sigs == 1 && v.verified == 1 && v.n_verified == 1);
	msg = note_of(&n, text1, enoch_sig);
	CHECK(verify_str(msg, &enoch, 1) == 0);
	CHECK(verify_str(msg, &peter, 1) == AMANA_EBADSIG);	/* no known */
	CHECK(verify_str(foo_note, &foo, 1) == 0);
	/* Both signatures, both keys; either key alone. */
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, peter_sig) == 0 &&
	    amana_buf_str(&b, enoch_sig) == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	both[0] = peter;
	both[1] = enoch;
	CHECK(note_verify((const uint8_t *)msg, strlen(msg), both, 2,
	    &v) == 0);
	CHECK(v.n_verified == 2 && v.verified == 3 && v.n_sigs == 2);
	CHECK(verify_str(msg, &enoch, 1) == 0);
	CHECK(verify_str(msg, &peter, 1) == 0);
	/* A signature from the wrong key under a known (name, id). */
	msg = note_of(&n, text1, DASH "PeterNeumann rwz+eBzmZa0SO3NbfRGzPCpDck"
	    "ykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+Q"
	    "Q=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE ||
	    verify_str(msg, &peter, 1) == AMANA_EBADSIG);
	amana_buf_free(&b);
	amana_buf_free(&n);
}

static void
test_rejections(void)
{
	struct amana_buf b, n;
	const char *msg;
	char *m;
	size_t i;

	amana_buf_init(&b, 1 << 20, 0);
	amana_buf_init(&n, 1 << 20, 0);
	/* No signature line; no blank line. */
	CHECK(verify_str("hello\n\n", &peter, 1) == AMANA_EPARSE);
	CHECK(verify_str(text1, &peter, 1) == AMANA_EPARSE);
	CHECK(verify_str("", &peter, 1) == AMANA_EPARSE);
	/* Text not ending in a newline: no blank line before the sigs. */
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, text1) == 0);
	b.len--;			/* drop the text's final '\n' */
	CHECK(amana_buf_str(&b, "\n") == 0 && amana_buf_str(&b, peter_sig) == 0);
	CHECK(verify_str(amana_buf_cstr(&b), &peter, 1) == AMANA_EPARSE);
	/* A control character in the text, in the signature area. */
	msg = note_of(&n, "tab\there\n", peter_sig);
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	msg = note_of(&n, "cr\r\n", peter_sig);
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	msg = note_of(&n, "nul\n", peter_sig);
	m = (char *)n.p;
	m[1] = '\0';
	CHECK(note_verify(n.p, n.len, &peter, 1, &(struct note_view){0}) ==
	    AMANA_EPARSE);
	msg = note_of(&n, "bad utf8 \xc0\xaf\n", peter_sig);
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	/* A space or '+' in a key name. */
	msg = note_of(&n, text1, DASH "Peter Neumann x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	msg = note_of(&n, text1, DASH "Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	msg = note_of(&n, text1, DASH " x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	/* Trailing bytes after the last signature line. */
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, peter_sig) == 0 && amana_buf_str(&b, "x") == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	CHECK(amana_buf_str(&b, "\n") == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, peter_sig) == 0 &&
	    amana_buf_str(&b, "\n") == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	/* Signature line without the final newline. */
	msg = note_of(&n, text1, peter_sig);
	CHECK(note_verify(n.p, n.len - 1, &peter, 1,
	    &(struct note_view){0}) == AMANA_EPARSE);
	/* An ASCII "--" instead of the em dash; signature too short. */
	msg = note_of(&n, text1, "-- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	msg = note_of(&n, text1, DASH "PeterNeumann x08gow==\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	/* Non-canonical base64 (unpadded). */
	msg = note_of(&n, text1, DASH "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);
	/* Known (name, id) with a signature of the wrong length. */
	msg = note_of(&n, text1, DASH "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA"
	    "==\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EBADSIG);

	/* More than 100 signatures: 100 pass, 101 do not. */
	amana_buf_reset(&b);
	for (i = 0; i < 99; i++)
		CHECK(amana_buf_str(&b, enoch_sig) == 0);
	CHECK(amana_buf_str(&b, peter_sig) == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == 0);
	CHECK(amana_buf_str(&b, enoch_sig) == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == AMANA_EPARSE);

	/* A bad signature from a known key rejects the whole note, even
	 * when another known key's signature verifies. */
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, peter_sig) == 0 &&
	    amana_buf_str(&b, enoch_sig) == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	m = (char *)n.p;
	m[n.len - 10] ^= 0x01;		/* inside EnochRoot's base64 */
	{
		struct note_verifier both[2] = { peter, enoch };

		CHECK(note_verify(n.p, n.len, both, 2,
		    &(struct note_view){0}) == AMANA_EBADSIG);
		/* Enoch unknown: its (now bad) signature is ignored. */
		CHECK(note_verify(n.p, n.len, both, 1,
		    &(struct note_view){0}) == 0);
	}
	/* Same name, other ID; same ID, other name: ignored. */
	msg = note_of(&n, text1, DASH "PeterNeumann AAAAAAZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n" DASH "PeterNeumann2 x08go/ZJkuBS9UG/SffcvIAQx"
	    "VBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
	    "=\n");
	CHECK(verify_str(msg, &peter, 1) == AMANA_EBADSIG);	/* none known */
	amana_buf_reset(&b);
	CHECK(amana_buf_str(&b, (const char *)n.p + strlen(text1) + 1) == 0);
	CHECK(amana_buf_str(&b, peter_sig) == 0);
	msg = note_of(&n, text1, amana_buf_cstr(&b));
	CHECK(verify_str(msg, &peter, 1) == 0);
	/* Too many keys, oversize note. */
	{
		struct note_verifier many[NOTE_MAX_KEYS + 1];

		memset(many, 0, sizeof(many));
		many[0] = peter;
		msg = note_of(&n, text1, peter_sig);
		CHECK(verify_str(msg, many, NOTE_MAX_KEYS + 1) ==
		    AMANA_EINVAL);
		CHECK(verify_str(msg, many, NOTE_MAX_KEYS) == 0);
	}
	amana_buf_reset(&b);
	for (i = 0; i < NOTE_MAX_LEN; i += 16)
		CHECK(amana_buf_str(&b, "0123456789abcde\n") == 0);
	msg = note_of(&n, amana_buf_cstr(&b), peter_sig);
	CHECK(verify_str(msg, &peter, 1) == AMANA_ETOOBIG);
	amana_buf_free(&b);
	amana_buf_free(&n);
}

static void
test_sign_and_tamper(void)
{
	struct note_signer *s = NULL, *s2 = NULL;
	struct note_verifier v, v2, keys[2];
	struct note_view view;
	struct amana_buf b, k;
	size_t i;
	int ret, all = 1;

	amana_buf_init(&b, NOTE_MAX_LEN, 0);
	amana_buf_init(&k, 4096, 1);
	CHECK(note_signer_generate("amana.test/r\xc3\xa9lais", &s) == 0);
	CHECK(note_signer_generate("amana.test/other", &s2) == 0);
	if (s == NULL || s2 == NULL)
		goto out;
	note_signer_verifier(s, &v);
	note_signer_verifier(s2, &v2);
	CHECK(v.key_id == note_key_id(v.name, v.pk));
	/* Signer key text round trip keeps the same key. */
	CHECK(note_signer_format(s, &k) == 0);
	{
		struct note_signer *s3 = NULL;
		struct note_verifier v3;

		CHECK(note_signer_parse(k.p, k.len, &s3) == 0);
		if (s3 != NULL) {
			note_signer_verifier(s3, &v3);
			CHECK(memcmp(&v3, &v, sizeof(v)) == 0);
			note_signer_free(s3);
		}
	}
	/* Text rules on signing. */
	CHECK(note_sign(s, (const uint8_t *)"no newline", 10, &b) ==
	    AMANA_EPARSE);
	CHECK(note_sign(s, (const uint8_t *)"ctl\x7f\x01\n", 6, &b) ==
	    AMANA_EPARSE);
	CHECK(note_sign(s, (const uint8_t *)"", 0, &b) == AMANA_EPARSE);
	CHECK(b.len == 0);
	/* Empty lines inside the text are fine: the last one splits. */
	CHECK(note_sign(s, (const uint8_t *)"a\n\nb\n\n", 6, &b) == 0);
	CHECK(note_verify(b.p, b.len, &v, 1, &view) == 0);
	CHECK(view.text_len == 6 && memcmp(view.text, "a\n\nb\n\n", 6) == 0);
	amana_buf_reset(&b);
	CHECK(note_sign(s, (const uint8_t *)"one line\n", 9, &b) == 0);
	CHECK(note_verify(b.p, b.len, &v, 1, &view) == 0);
	CHECK(note_verify(b.p, b.len, &v2, 1, &view) == AMANA_EBADSIG);
	keys[0] = v2;
	keys[1] = v;
	CHECK(note_verify(b.p, b.len, keys, 2, &view) == 0);
	CHECK(view.verified == 2);
	/* note_open parses the same note; note_sig_next walks it. */
	CHECK(note_open(b.p, b.len, &view) == 0);
	{
		struct amana_cur c;
		struct note_sig sg;

		amana_cur_init(&c, view.sigs, view.sigs_len);
		CHECK(note_sig_next(&c, &sg) == 0);
		CHECK(sg.key_id == v.key_id && sg.name_len == strlen(v.name));
		CHECK(note_sig_next(&c, &sg) == AMANA_EPARSE);
	}
	/* Every truncation and every byte change is refused. */
	for (i = 0; i < b.len; i++) {
		ret = note_verify(b.p, i, &v, 1, &view);
		if (ret == 0) {
			fprintf(stderr, "  truncation %zu accepted\n", i);
			all = 0;
		}
	}
	CHECK(all);
	all = 1;
	for (i = 0; i < b.len; i++) {
		b.p[i] ^= 0x01;
		ret = note_verify(b.p, b.len, &v, 1, &view);
		b.p[i] ^= 0x01;
		if (ret == 0) {
			fprintf(stderr, "  flip at %zu accepted\n", i);
			all = 0;
		}
		b.p[i] ^= 0x80;
		ret = note_verify(b.p, b.len, &v, 1, &view);
		b.p[i] ^= 0x80;
		if (ret == 0)
			all = 0;
	}
	CHECK(all);
	CHECK(note_verify(b.p, b.len, &v, 1, &view) == 0);
out:
	note_signer_free(s);
	note_signer_free(s2);
	amana_buf_free(&b);
	amana_buf_free(&k);
}

int
main(void)
{
	test_begin("note");
	if (sodium_init() < 0)
		return 1;
	test_keys();
	test_known_answers();
	test_rejections();
	test_sign_and_tamper();
	return test_done();
}
