/*
 * roster: authority-signed roster records (see roster.h, docs/PROTOCOL.md
 * section 5).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "record.h"
#include "roster.h"

static const char *const kinds[] = {
	NULL, "accreditation", "credential", "revocation",
};

static int
is_grant(int kind)
{
	return kind == ROSTER_ACCREDITATION || kind == ROSTER_CREDENTIAL;
}

static int
name_ok(const uint8_t *p, size_t len)
{
	if (len == 0 || len > ROSTER_NAME_MAX)
		return 0;
	if (p[0] == ' ' || p[len - 1] == ' ')
		return 0;
	return record_text_valid(p, len, 0) == 0;
}

/* Semantic rules shared by format and parse. */
static int
rec_ok(const struct roster_rec *r, size_t name_len)
{
	if (r->kind < ROSTER_ACCREDITATION || r->kind > ROSTER_REVOCATION)
		return 0;
	if (is_grant(r->kind))
		return name_ok((const uint8_t *)r->name, name_len) &&
		    r->not_after > r->issued;
	return name_len == 0 && r->not_after == 0;
}

int
roster_format(const struct roster_rec *r, struct amana_buf *text)
{
	struct note_verifier v;
	size_t start = text->len, key_len, name_len;
	int ret;

	key_len = strnlen(r->key, sizeof(r->key));
	name_len = strnlen(r->name, sizeof(r->name));
	if (key_len == sizeof(r->key) || name_len == sizeof(r->name) ||
	    !rec_ok(r, name_len))
		return AMANA_EINVAL;
	if (note_verifier_parse((const uint8_t *)r->key, key_len, &v) != 0 ||
	    memchr(r->key, '\n', key_len) != NULL)
		return AMANA_EINVAL;
	if ((ret = amana_buf_printf(text, "%s\nkind %s\nkey %s\n",
	    ROSTER_MAGIC, kinds[r->kind], r->key)) != 0)
		goto out;
	if (is_grant(r->kind) && (ret = amana_buf_printf(text, "name %s\n",
	    r->name)) != 0)
		goto out;
	if ((ret = amana_buf_printf(text, "issued %llu\n",
	    (unsigned long long)r->issued)) != 0)
		goto out;
	if (is_grant(r->kind) && (ret = amana_buf_printf(text,
	    "not-after %llu\n", (unsigned long long)r->not_after)) != 0)
		goto out;
	if (text->len - start > ROSTER_TEXT_MAX)
		ret = AMANA_ETOOBIG;
out:
	if (ret != 0)
		text->len = start;
	return ret;
}

/* Reads one line "<word> <value>\n"; *val points into the input. */
static int
field(struct amana_cur *c, const char *word, const uint8_t **val,
    size_t *val_len)
{
	const uint8_t *line;
	size_t line_len, wl = strlen(word);

	if (amana_cur_line(c, &line, &line_len) != 0)
		return AMANA_EPARSE;
	if (line_len < wl + 1 || memcmp(line, word, wl) != 0 ||
	    line[wl] != ' ')
		return AMANA_EPARSE;
	*val = line + wl + 1;
	*val_len = line_len - wl - 1;
	return 0;
}

int
roster_parse(const uint8_t *p, size_t len, struct roster_rec *out)
{
	struct roster_rec r;
	struct amana_cur c;
	const uint8_t *line, *v;
	size_t line_len, vl, name_len = 0;
	int k;

	if (len > ROSTER_TEXT_MAX)
		return AMANA_ETOOBIG;
	memset(&r, 0, sizeof(r));
	amana_cur_init(&c, p, len);
	if (amana_cur_line(&c, &line, &line_len) != 0 ||
	    line_len != strlen(ROSTER_MAGIC) ||
	    memcmp(line, ROSTER_MAGIC, line_len) != 0)
		return AMANA_EPARSE;
	if (field(&c, "kind", &v, &vl) != 0)
		return AMANA_EPARSE;
	for (k = ROSTER_ACCREDITATION; k <= ROSTER_REVOCATION; k++)
		if (vl == strlen(kinds[k]) && memcmp(v, kinds[k], vl) == 0)
			r.kind = k;
	if (r.kind == 0)
		return AMANA_EPARSE;
	if (field(&c, "key", &v, &vl) != 0 || vl > NOTE_VKEY_MAX ||
	    note_verifier_parse(v, vl, &r.vkey) != 0)
		return AMANA_EPARSE;
	memcpy(r.key, v, vl);
	r.key[vl] = '\0';
	if (is_grant(r.kind)) {
		if (field(&c, "name", &v, &vl) != 0 || !name_ok(v, vl))
			return AMANA_EPARSE;
		memcpy(r.name, v, vl);
		r.name[vl] = '\0';
		name_len = vl;
	}
	if (field(&c, "issued", &v, &vl) != 0 ||
	    amana_dec_u64_parse(v, vl, &r.issued) != 0)
		return AMANA_EPARSE;
	if (is_grant(r.kind) && (field(&c, "not-after", &v, &vl) != 0 ||
	    amana_dec_u64_parse(v, vl, &r.not_after) != 0))
		return AMANA_EPARSE;
	if (amana_cur_done(&c) != 0 || !rec_ok(&r, name_len))
		return AMANA_EPARSE;
	*out = r;
	return 0;
}

int
roster_sign(const struct roster_rec *r, const struct note_signer *s,
    struct amana_buf *note)
{
	struct amana_buf text;
	int ret;

	amana_buf_init(&text, ROSTER_TEXT_MAX, 0);
	if ((ret = roster_format(r, &text)) == 0)
		ret = note_sign(s, text.p, text.len, note);
	amana_buf_free(&text);
	return ret;
}

int
roster_verify(const uint8_t *p, size_t len,
    const struct note_verifier *authority, struct roster_rec *out)
{
	struct note_view v;
	int ret;

	if ((ret = note_verify(p, len, authority, 1, &v)) != 0)
		return ret;
	return roster_parse(v.text, v.text_len, out);
}

int
roster_status(const struct roster_rec *recs, size_t n,
    const uint8_t pk[static NOTE_PK_LEN], int kind, uint64_t now)
{
	const struct roster_rec *grant = NULL, *revoke = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (sodium_memcmp(recs[i].vkey.pk, pk, NOTE_PK_LEN) != 0)
			continue;
		if (recs[i].kind == ROSTER_REVOCATION) {
			if (revoke == NULL || recs[i].issued > revoke->issued)
				revoke = &recs[i];
		} else if (recs[i].kind == kind) {
			if (grant == NULL || recs[i].issued > grant->issued ||
			    (recs[i].issued == grant->issued &&
			    recs[i].not_after < grant->not_after))
				grant = &recs[i];
		}
	}
	if (revoke != NULL && (grant == NULL ||
	    revoke->issued >= grant->issued))
		return ROSTER_REVOKED;
	if (grant == NULL)
		return ROSTER_UNKNOWN;
	return now < grant->not_after ? ROSTER_ACTIVE : ROSTER_EXPIRED;
}
