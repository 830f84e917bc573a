/*
 * test_roster: roster records. Each kind formats, signs, verifies and
 * parses back; the exact text of each kind; every truncation of a text
 * and of a signed note refused; a tampered signature, another authority,
 * and malformed lines refused; status active / expired / revoked /
 * unknown at given times, re-accreditation after a revocation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "note.h"
#include "roster.h"
#include "testlib.h"

int	main(void);

struct keys {
	struct note_signer	*auth, *other, *ngo, *inv;
	struct note_verifier	 auth_v, other_v, ngo_v, inv_v;
	char			 ngo_key[NOTE_VKEY_MAX + 1];
	char			 inv_key[NOTE_VKEY_MAX + 1];
};

static void
vkey_text(const struct note_verifier *v, char *out)
{
	struct amana_buf b;

	amana_buf_init(&b, NOTE_VKEY_MAX, 0);
	if (note_verifier_format(v, &b) != 0)
		abort();
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	amana_buf_free(&b);
}

static void
keys_init(struct keys *k)
{
	if (note_signer_generate("authority.example", &k->auth) != 0 ||
	    note_signer_generate("authority.example", &k->other) != 0 ||
	    note_signer_generate("transparency-ngo", &k->ngo) != 0 ||
	    note_signer_generate("investigator-7", &k->inv) != 0)
		abort();
	note_signer_verifier(k->auth, &k->auth_v);
	note_signer_verifier(k->other, &k->other_v);
	note_signer_verifier(k->ngo, &k->ngo_v);
	note_signer_verifier(k->inv, &k->inv_v);
	vkey_text(&k->ngo_v, k->ngo_key);
	vkey_text(&k->inv_v, k->inv_key);
}

static void
keys_free(struct keys *k)
{
	note_signer_free(k->auth);
	note_signer_free(k->other);
	note_signer_free(k->ngo);
	note_signer_free(k->inv);
}

static void
rec_set(struct roster_rec *r, int kind, const char *key, const char *name,
    uint64_t issued, uint64_t not_after)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->issued = issued;
	r->not_after = not_after;
}

static void
test_kinds(struct keys *k)
{
	struct roster_rec r, o;
	struct amana_buf text, note, want;
	size_t i, bad;
	int kind;

	amana_buf_init(&text, 4096, 0);
	amana_buf_init(&note, 8192, 0);
	amana_buf_init(&want, 4096, 0);
	for (kind = ROSTER_ACCREDITATION; kind <= ROSTER_REVOCATION; kind++) {
		int grant = kind != ROSTER_REVOCATION;
		const char *key = kind == ROSTER_CREDENTIAL ? k->inv_key :
		    k->ngo_key;

		rec_set(&r, kind, key, grant ? "Transparency Maroc "
		    "\xd8\xa7\xd9\x84\xd9\x85\xd8\xba\xd8\xb1\xd8\xa8" : "",
		    1767225600, grant ? 1798761600 : 0);
		amana_buf_reset(&text);
		amana_buf_reset(&want);
		CHECK_EQ(roster_format(&r, &text), 0);
		if (amana_buf_printf(&want, "amana.roster/v1\nkind %s\nkey %s\n",
		    kind == 1 ? "accreditation" : kind == 2 ? "credential" :
		    "revocation", key) != 0 || (grant &&
		    amana_buf_printf(&want, "name %s\n", r.name) != 0) ||
		    amana_buf_printf(&want, "issued 1767225600\n") != 0 ||
		    (grant && amana_buf_printf(&want,
		    "not-after 1798761600\n") != 0))
			abort();
		CHECK(text.len == want.len &&
		    memcmp(text.p, want.p, want.len) == 0);
		CHECK_EQ(roster_parse(text.p, text.len, &o), 0);
		CHECK_EQ(o.kind, kind);
		CHECK(strcmp(o.key, key) == 0);
		CHECK(strcmp(o.name, r.name) == 0);
		CHECK(o.issued == r.issued && o.not_after == r.not_after);
		CHECK(memcmp(o.vkey.pk, kind == ROSTER_CREDENTIAL ?
		    k->inv_v.pk : k->ngo_v.pk, 32) == 0);
		bad = 0;
		for (i = 0; i < text.len; i++)
			if (roster_parse(text.p, i, &o) == 0)
				bad++;
		CHECK_EQ(bad, 0);
		/* Signed by the authority. */
		amana_buf_reset(&note);
		CHECK_EQ(roster_sign(&r, k->auth, &note), 0);
		CHECK_EQ(roster_verify(note.p, note.len, &k->auth_v, &o), 0);
		CHECK_EQ(o.kind, kind);
		CHECK(strcmp(o.key, key) == 0);
		CHECK_EQ(roster_verify(note.p, note.len, &k->other_v, &o),
		    AMANA_EBADSIG);
		CHECK_EQ(roster_verify(note.p, note.len, &k->ngo_v, &o),
		    AMANA_EBADSIG);
		bad = 0;
		for (i = 0; i < note.len; i++)
			if (roster_verify(note.p, i, &k->auth_v, &o) == 0)
				bad++;
		CHECK_EQ(bad, 0);
		/* Tampered signature byte (inside the base64, before '\n'). */
		note.p[note.len - 3] ^= 0x01;
		CHECK(roster_verify(note.p, note.len, &k->auth_v, &o) != 0);
		note.p[note.len - 3] ^= 0x01;
		/* Tampered text. */
		note.p[20] ^= 0x01;
		CHECK(roster_verify(note.p, note.len, &k->auth_v, &o) != 0);
		note.p[20] ^= 0x01;
		CHECK_EQ(roster_verify(note.p, note.len, &k->auth_v, &o), 0);
	}
	amana_buf_free(&text);
	amana_buf_free(&note);
	amana_buf_free(&want);
}

static void
test_strict(struct keys *k)
{
	struct roster_rec r, o;
	struct amana_buf text, b;
	char buf[1200];
	const char *tails[] = {
		"issued 01\nnot-after 5\n",		/* leading zero */
		"issued 1\nnot-after 1\n",		/* not after issued */
		"issued 5\nnot-after 1\n",
		"issued 1\nnot-after 18446744073709551616\n",	/* overflow */
		"issued +1\nnot-after 5\n",
		"issued 1\nnot-after 5\nextra x\n",
		"issued 1\nnot-after 5",		/* no final \n */
		"not-after 5\nissued 1\n",		/* order */
		"issued 1\nnot-after 5\n\n",
		"issued  1\nnot-after 5\n",
	};
	size_t i;
	int n;

	amana_buf_init(&text, 4096, 0);
	amana_buf_init(&b, 4096, 0);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind "
		    "accreditation\nkey %s\nname NGO\n%s", k->ngo_key, tails[i]);
		CHECK(n > 0 && (size_t)n < sizeof(buf));
		CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o),
		    AMANA_EPARSE);
	}
	n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind accreditation\n"
	    "key %s\nname NGO\nissued 0\nnot-after 18446744073709551615\n",
	    k->ngo_key);
	CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o), 0);
	/* Bad names, kinds, keys, headers. */
	{
		const char *bad_names[] = { "", " lead", "trail ", "tab\tx",
		    "bad\xff", "c1\xc2\x80" };

		for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
			n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind "
			    "credential\nkey %s\nname %s\nissued 1\n"
			    "not-after 2\n", k->inv_key, bad_names[i]);
			CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n,
			    &o), AMANA_EPARSE);
			rec_set(&r, ROSTER_CREDENTIAL, k->inv_key,
			    bad_names[i], 1, 2);
			CHECK_EQ(roster_format(&r, &text), AMANA_EINVAL);
			CHECK_EQ(text.len, 0);
		}
	}
	n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind revocation\n"
	    "key %s\nname x\nissued 1\n", k->ngo_key);
	CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o),
	    AMANA_EPARSE);
	n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind revocation\n"
	    "key %s\nissued 1\n", k->ngo_key);
	CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o), 0);
	n = snprintf(buf, sizeof(buf), "amana.roster/v2\nkind revocation\n"
	    "key %s\nissued 1\n", k->ngo_key);
	CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o),
	    AMANA_EPARSE);
	n = snprintf(buf, sizeof(buf), "amana.roster/v1\nkind Revocation\n"
	    "key %s\nissued 1\n", k->ngo_key);
	CHECK_EQ(roster_parse((const uint8_t *)buf, (size_t)n, &o),
	    AMANA_EPARSE);
	/* Key with a wrong key ID. */
	snprintf(buf, sizeof(buf), "%s", k->ngo_key);
	{
		char *plus = strchr(buf, '+');

		CHECK(plus != NULL);
		if (plus != NULL)
			plus[1] = plus[1] == '0' ? '1' : '0';
		rec_set(&r, ROSTER_REVOCATION, buf, "", 1, 0);
		CHECK_EQ(roster_format(&r, &text), AMANA_EINVAL);
		if (amana_buf_printf(&b, "amana.roster/v1\nkind revocation\n"
		    "key %s\nissued 1\n", buf) != 0)
			abort();
		CHECK_EQ(roster_parse(b.p, b.len, &o), AMANA_EPARSE);
	}
	rec_set(&r, ROSTER_REVOCATION, k->ngo_key, "", 1, 5);
	CHECK_EQ(roster_format(&r, &text), AMANA_EINVAL);	/* not-after */
	rec_set(&r, 4, k->ngo_key, "", 1, 0);
	CHECK_EQ(roster_format(&r, &text), AMANA_EINVAL);
	amana_buf_free(&text);
	amana_buf_free(&b);
}

static void
test_status(struct keys *k)
{
	struct roster_rec recs[6], o;
	uint8_t nobody[32];
	const uint8_t *ngo = k->ngo_v.pk, *inv = k->inv_v.pk;

	memset(nobody, 7, sizeof(nobody));
	rec_set(&recs[0], ROSTER_ACCREDITATION, k->ngo_key, "NGO", 1000, 2000);
	rec_set(&recs[1], ROSTER_CREDENTIAL, k->inv_key, "Inv", 1000, 5000);
	/* Records as parsed: fill vkey. */
	CHECK_EQ(roster_parse((const uint8_t *)"", 0, &o), AMANA_EPARSE);
	recs[0].vkey = k->ngo_v;
	recs[1].vkey = k->inv_v;
	CHECK_EQ(roster_status(recs, 2, ngo, ROSTER_ACCREDITATION, 1500),
	    ROSTER_ACTIVE);
	CHECK_EQ(roster_status(recs, 2, ngo, ROSTER_ACCREDITATION, 1999),
	    ROSTER_ACTIVE);
	CHECK_EQ(roster_status(recs, 2, ngo, ROSTER_ACCREDITATION, 2000),
	    ROSTER_EXPIRED);
	CHECK_EQ(roster_status(recs, 2, ngo, ROSTER_CREDENTIAL, 1500),
	    ROSTER_UNKNOWN);		/* an NGO is not an investigator */
	CHECK_EQ(roster_status(recs, 2, inv, ROSTER_CREDENTIAL, 1500),
	    ROSTER_ACTIVE);
	CHECK_EQ(roster_status(recs, 2, nobody, ROSTER_ACCREDITATION, 1500),
	    ROSTER_UNKNOWN);
	CHECK_EQ(roster_status(recs, 0, ngo, ROSTER_ACCREDITATION, 1500),
	    ROSTER_UNKNOWN);
	/* Revocation, then a renewal issued later. */
	rec_set(&recs[2], ROSTER_REVOCATION, k->ngo_key, "", 1200, 0);
	recs[2].vkey = k->ngo_v;
	CHECK_EQ(roster_status(recs, 3, ngo, ROSTER_ACCREDITATION, 1100),
	    ROSTER_REVOKED);	/* revocations take effect at once */
	CHECK_EQ(roster_status(recs, 3, ngo, ROSTER_ACCREDITATION, 1500),
	    ROSTER_REVOKED);
	CHECK_EQ(roster_status(recs, 3, inv, ROSTER_CREDENTIAL, 1500),
	    ROSTER_ACTIVE);
	rec_set(&recs[3], ROSTER_ACCREDITATION, k->ngo_key, "NGO", 1300, 9000);
	recs[3].vkey = k->ngo_v;
	CHECK_EQ(roster_status(recs, 4, ngo, ROSTER_ACCREDITATION, 5000),
	    ROSTER_ACTIVE);
	CHECK_EQ(roster_status(recs, 4, ngo, ROSTER_ACCREDITATION, 9000),
	    ROSTER_EXPIRED);
	/* Same-second revocation wins. */
	rec_set(&recs[4], ROSTER_REVOCATION, k->ngo_key, "", 1300, 0);
	recs[4].vkey = k->ngo_v;
	CHECK_EQ(roster_status(recs, 5, ngo, ROSTER_ACCREDITATION, 5000),
	    ROSTER_REVOKED);
	/* A revocation alone. */
	CHECK_EQ(roster_status(&recs[4], 1, ngo, ROSTER_ACCREDITATION, 5000),
	    ROSTER_REVOKED);
}

/* The example text of docs/PROTOCOL.md section 5 parses. */
static void
test_doc_example(void)
{
	static const char text[] = "amana.roster/v1\n"
	    "kind accreditation\n"
	    "key example-ngo+c56c621d+ASVDuS/xCVURR2rcg2nbbdyTNmWhGXjdoUBO4QZsqVWd\n"
	    "name Example Transparency Association\n"
	    "issued 1767225600\n"
	    "not-after 1798761600\n";
	struct roster_rec r;
	struct amana_buf b;

	amana_buf_init(&b, 4096, 0);
	CHECK_EQ(roster_parse((const uint8_t *)text, sizeof(text) - 1, &r), 0);
	CHECK_EQ(r.kind, ROSTER_ACCREDITATION);
	CHECK(strcmp(r.vkey.name, "example-ngo") == 0);
	CHECK_EQ(roster_format(&r, &b), 0);
	CHECK(b.len == sizeof(text) - 1 && memcmp(b.p, text, b.len) == 0);
	CHECK_EQ(roster_status(&r, 1, r.vkey.pk, ROSTER_ACCREDITATION,
	    1767225600), ROSTER_ACTIVE);
	CHECK_EQ(roster_status(&r, 1, r.vkey.pk, ROSTER_ACCREDITATION,
	    1798761600), ROSTER_EXPIRED);
	amana_buf_free(&b);
}

int
main(void)
{
	struct keys k;

	test_begin("roster");
	if (sodium_init() < 0)
		return 1;
	keys_init(&k);
	test_kinds(&k);
	test_strict(&k);
	test_status(&k);
	test_doc_example();
	keys_free(&k);
	return test_done();
}
