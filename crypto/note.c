/*
 * note: C2SP signed notes with Ed25519. See note.h.
 */
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "amana_size.h"
#include "note.h"

struct note_signer {
	char		name[NOTE_NAME_MAX + 1];
	uint32_t	key_id;
	uint8_t		pk[NOTE_PK_LEN];
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];	/* SECRET */
};

static const uint8_t dash[4] = { 0xe2, 0x80, 0x94, ' ' };	/* "— " */
static const char skey_prefix[] = "PRIVATE+KEY+";

/* Longest decoded signature blob (key ID + signature) note_open accepts;
 * room for post-quantum signatures of other signers. */
#define SIGBLOB_MAX	8192

/*
 * Decodes one UTF-8 sequence at p[0..len) strictly (no overlongs,
 * surrogates or values above U+10FFFF). Returns its length, 0 if invalid.
 */
static size_t
utf8_next(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports). */
static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

/* Valid UTF-8 with no control character other than '\n'. */
static int
text_valid(const uint8_t *p, size_t len)
{
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] == '\n') {
			i++;
			continue;
		}
		if ((n = utf8_next(p + i, len - i, &c)) == 0 || c < 0x20)
			return 0;
		i += n;
	}
	return 1;
}

int
note_text_valid(const uint8_t *p, size_t len)
{
	return text_valid(p, len) ? 0 : AMANA_EPARSE;
}

int
note_name_valid(const uint8_t *name, size_t len)
{
	size_t i = 0, n;
	uint32_t c;

	if (len == 0 || len > NOTE_NAME_MAX)
		return AMANA_EPARSE;
	while (i < len) {
		if ((n = utf8_next(name + i, len - i, &c)) == 0 || c < 0x20 ||
		    c == 0x7f || c == '+' || is_space(c))
			return AMANA_EPARSE;
		i += n;
	}
	return 0;
}

static uint32_t
key_id_n(const uint8_t *name, size_t name_len, const uint8_t pk[NOTE_PK_LEN])
{
	uint8_t buf[NOTE_NAME_MAX + 2 + NOTE_PK_LEN], h[AMANA_SHA256_LEN];

	if (name_len > NOTE_NAME_MAX)
		return 0;
	memcpy(buf, name, name_len);
	buf[name_len] = '\n';
	buf[name_len + 1] = NOTE_ALG_ED25519;
	memcpy(buf + name_len + 2, pk, NOTE_PK_LEN);
	amana_sha256(h, buf, name_len + 2 + NOTE_PK_LEN);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

uint32_t
note_key_id(const char *name, const uint8_t pk[NOTE_PK_LEN])
{
	return key_id_n((const uint8_t *)name, strnlen(name, NOTE_NAME_MAX + 1),
	    pk);
}

/* Exactly 8 lowercase hex digits. */
static int
hex8_parse(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			v = v << 4 | (uint32_t)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v = v << 4 | (uint32_t)(p[i] - 'a' + 10);
		else
			return AMANA_EPARSE;
	}
	*out = v;
	return 0;
}

/*
 * Parses "name+hexid+base64(0x01 || key32)" from p[0..len) into name (NUL
 * terminated), id and key (SECRET for signer keys: key is caller memory).
 */
static int
key_text_parse(const uint8_t *p, size_t len, char name[NOTE_NAME_MAX + 1],
    uint32_t *id, uint8_t *blob /* 33 bytes, may be SECRET */)
{
	const uint8_t *plus;
	size_t name_len, rest, blob_len;

	if ((plus = memchr(p, '+', len)) == NULL)
		return AMANA_EBADKEY;
	name_len = (size_t)(plus - p);
	if (note_name_valid(p, name_len) != 0)
		return AMANA_EBADKEY;
	rest = len - name_len - 1;
	/* 8 hex, '+', 44 base64 characters. */
	if (rest != 8 + 1 + 44 || plus[9] != '+' ||
	    hex8_parse(plus + 1, id) != 0)
		return AMANA_EBADKEY;
	if (amana_b64_decode(blob, 1 + NOTE_PK_LEN, &blob_len,
	    (const char *)plus + 10, 44, 1) != 0 ||
	    blob_len != 1 + NOTE_PK_LEN || blob[0] != NOTE_ALG_ED25519)
		return AMANA_EBADKEY;
	memcpy(name, p, name_len);
	name[name_len] = '\0';
	return 0;
}

int
note_verifier_parse(const uint8_t *p, size_t len, struct note_verifier *out)
{
	struct note_verifier v;
	uint8_t blob[1 + NOTE_PK_LEN];
	int ret;

	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > NOTE_VKEY_MAX)
		return AMANA_EBADKEY;
	memset(&v, 0, sizeof(v));
	if ((ret = key_text_parse(p, len, v.name, &v.key_id, blob)) != 0)
		return ret;
	memcpy(v.pk, blob + 1, NOTE_PK_LEN);
	if (note_key_id(v.name, v.pk) != v.key_id)
		return AMANA_EBADKEY;
	*out = v;
	return 0;
}

int
note_verifier_format(const struct note_verifier *v, struct amana_buf *out)
{
	uint8_t blob[1 + NOTE_PK_LEN];
	char b64[64];
	size_t name_len = strnlen(v->name, NOTE_NAME_MAX + 1);

	if (note_name_valid((const uint8_t *)v->name, name_len) != 0)
		return AMANA_EINVAL;
	blob[0] = NOTE_ALG_ED25519;
	memcpy(blob + 1, v->pk, NOTE_PK_LEN);
	if (amana_b64_encode(b64, sizeof(b64), blob, sizeof(blob), 1) != 0)
		return AMANA_EINVAL;
	return amana_buf_printf(out, "%s+%08x+%s", v->name, v->key_id, b64);
}

static int
signer_alloc(const char *name, size_t name_len, struct note_signer **out)
{
	struct note_signer *s;

	if (note_name_valid((const uint8_t *)name, name_len) != 0)
		return AMANA_EINVAL;
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return AMANA_ENOMEM;
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, name_len);
	*out = s;
	return 0;
}

int
note_signer_generate(const char *name, struct note_signer **out)
{
	struct note_signer *s = NULL;
	int ret;

	if ((ret = signer_alloc(name, strnlen(name, NOTE_NAME_MAX + 1),
	    &s)) != 0)
		return ret;
	crypto_sign_keypair(s->pk, s->sk);
	s->key_id = note_key_id(s->name, s->pk);
	*out = s;
	return 0;
}

int
note_signer_parse(const uint8_t *p, size_t len, struct note_signer **out)
{
	struct note_signer *s = NULL;
	uint8_t *blob = NULL;		/* SECRET: 0x01 || seed */
	char name[NOTE_NAME_MAX + 1];
	uint32_t id;
	int ret;

	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > NOTE_SKEY_MAX)
		return AMANA_ETOOBIG;
	if (len < sizeof(skey_prefix) - 1 ||
	    memcmp(p, skey_prefix, sizeof(skey_prefix) - 1) != 0)
		return AMANA_EBADKEY;
	if ((blob = sodium_malloc(1 + NOTE_SEED_LEN)) == NULL)
		return AMANA_ENOMEM;
	if ((ret = key_text_parse(p + sizeof(skey_prefix) - 1,
	    len - (sizeof(skey_prefix) - 1), name, &id, blob)) != 0)
		goto out;
	if ((ret = signer_alloc(name, strlen(name), &s)) != 0)
		goto out;
	crypto_sign_seed_keypair(s->pk, s->sk, blob + 1);
	s->key_id = note_key_id(s->name, s->pk);
	ret = AMANA_EBADKEY;
	if (s->key_id != id)
		goto out;
	*out = s;
	s = NULL;
	ret = 0;
out:
	sodium_free(blob);
	note_signer_free(s);
	return ret;
}

int
note_signer_format(const struct note_signer *s, struct amana_buf *out)
{
	uint8_t *blob = NULL;		/* SECRET: 0x01 || seed */
	char *b64 = NULL;		/* SECRET */
	int ret = AMANA_ENOMEM;

	if ((blob = sodium_malloc(1 + NOTE_SEED_LEN)) == NULL ||
	    (b64 = sodium_malloc(64)) == NULL)
		goto out;
	blob[0] = NOTE_ALG_ED25519;
	crypto_sign_ed25519_sk_to_seed(blob + 1, s->sk);
	if ((ret = amana_b64_encode(b64, 64, blob, 1 + NOTE_SEED_LEN, 1)) != 0)
		goto out;
	ret = amana_buf_printf(out, "%s%s+%08x+%s", skey_prefix, s->name,
	    s->key_id, b64);
out:
	sodium_free(blob);
	sodium_free(b64);
	return ret;
}

void
note_signer_verifier(const struct note_signer *s, struct note_verifier *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, s->name, sizeof(out->name));
	out->key_id = s->key_id;
	memcpy(out->pk, s->pk, NOTE_PK_LEN);
}

const char *
note_signer_name(const struct note_signer *s)
{
	return s->name;
}

void
note_signer_free(struct note_signer *s)
{
	sodium_free(s);		/* wipes; NULL is fine */
}

int
note_sign_raw(const struct note_signer *s, const uint8_t *msg, size_t len,
    uint8_t sig[NOTE_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, s->sk);
	return 0;
}

int
note_verify_raw(const struct note_verifier *v, const uint8_t *msg,
    size_t len, const uint8_t sig[NOTE_SIG_LEN])
{
	if (crypto_sign_verify_detached(sig, msg, len, v->pk) != 0)
		return AMANA_EBADSIG;
	return 0;
}

int
note_sign(const struct note_signer *s, const uint8_t *text, size_t text_len,
    struct amana_buf *out)
{
	uint8_t blob[4 + NOTE_SIG_LEN];
	char b64[128];
	size_t name_len = strlen(s->name), total, old_len = out->len;
	int ret;

	if (text_len == 0 || text[text_len - 1] != '\n' ||
	    !text_valid(text, text_len))
		return AMANA_EPARSE;
	/* text "\n" "— " name " " b64 "\n" */
	if (amana_size_add(text_len, 1 + 4 + 1 + 92 + 1, &total) != 0 ||
	    amana_size_add(total, name_len, &total) != 0 ||
	    total > NOTE_MAX_LEN)
		return AMANA_ETOOBIG;
	blob[0] = (uint8_t)(s->key_id >> 24);
	blob[1] = (uint8_t)(s->key_id >> 16);
	blob[2] = (uint8_t)(s->key_id >> 8);
	blob[3] = (uint8_t)s->key_id;
	crypto_sign_detached(blob + 4, NULL, text, text_len, s->sk);
	if ((ret = amana_b64_encode(b64, sizeof(b64), blob, sizeof(blob),
	    1)) != 0)
		return ret;
	if ((ret = amana_buf_reserve(out, total)) != 0 ||
	    (ret = amana_buf_append(out, text, text_len)) != 0 ||
	    (ret = amana_buf_u8(out, '\n')) != 0 ||
	    (ret = amana_buf_append(out, dash, sizeof(dash))) != 0 ||
	    (ret = amana_buf_printf(out, "%s %s\n", s->name, b64)) != 0) {
		out->len = old_len;
		return ret;
	}
	return 0;
}

/*
 * Parses one signature line (without its '\n'); *blob_len is the decoded
 * length, blob holds at least 4 bytes on success.
 */
static int
sig_line_parse(const uint8_t *line, size_t len, struct note_sig *out,
    uint8_t *blob, size_t *blob_len)
{
	const uint8_t *name, *sp;
	size_t name_len;

	if (len < sizeof(dash) || memcmp(line, dash, sizeof(dash)) != 0)
		return AMANA_EPARSE;
	name = line + sizeof(dash);
	len -= sizeof(dash);
	if ((sp = memchr(name, ' ', len)) == NULL)
		return AMANA_EPARSE;
	name_len = (size_t)(sp - name);
	if (note_name_valid(name, name_len) != 0)
		return AMANA_EPARSE;
	len -= name_len + 1;
	if (amana_b64_decode(blob, SIGBLOB_MAX, blob_len,
	    (const char *)sp + 1, len, 1) != 0 || *blob_len < 5)
		return AMANA_EPARSE;
	out->name = name;
	out->name_len = name_len;
	out->key_id = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	    (uint32_t)blob[2] << 8 | blob[3];
	out->sig = sp + 1;
	out->sig_len = len;
	return 0;
}

int
note_sig_next(struct amana_cur *c, struct note_sig *out)
{
	uint8_t blob[SIGBLOB_MAX];
	const uint8_t *line;
	size_t line_len, blob_len, off = c->off;
	struct note_sig s;
	int ret;

	if ((ret = amana_cur_line(c, &line, &line_len)) != 0)
		return ret;
	if ((ret = sig_line_parse(line, line_len, &s, blob, &blob_len)) != 0) {
		c->off = off;
		return ret;
	}
	*out = s;
	return 0;
}

int
note_open(const uint8_t *p, size_t len, struct note_view *out)
{
	struct note_view v;
	struct note_sig s;
	struct amana_cur c;
	size_t i;
	int ret;

	if (p == NULL && len != 0)
		return AMANA_EINVAL;
	if (len > NOTE_MAX_LEN)
		return AMANA_ETOOBIG;
	if (len < 2 || !text_valid(p, len))
		return AMANA_EPARSE;
	/* The text ends at the last blank line. */
	for (i = len - 1; i > 0; i--)
		if (p[i] == '\n' && p[i - 1] == '\n')
			break;
	if (i == 0)
		return AMANA_EPARSE;
	memset(&v, 0, sizeof(v));
	v.text = p;
	v.text_len = i;
	v.sigs = p + i + 1;
	v.sigs_len = len - i - 1;
	if (v.sigs_len == 0)
		return AMANA_EPARSE;		/* no signature line */
	amana_cur_init(&c, v.sigs, v.sigs_len);
	while (amana_cur_left(&c) > 0) {
		if (v.n_sigs == NOTE_MAX_SIGS)
			return AMANA_EPARSE;
		/* A last line without '\n' fails here (trailing bytes). */
		if ((ret = note_sig_next(&c, &s)) != 0)
			return ret;
		v.n_sigs++;
	}
	*out = v;
	return 0;
}

int
note_verify(const uint8_t *p, size_t len, const struct note_verifier *keys,
    size_t n_keys, struct note_view *out)
{
	uint8_t blob[SIGBLOB_MAX];
	struct note_view v;
	struct note_sig s;
	struct amana_cur c;
	const uint8_t *line;
	size_t line_len, blob_len, k, name_len;
	int ret;

	if (n_keys > NOTE_MAX_KEYS || (keys == NULL && n_keys != 0))
		return AMANA_EINVAL;
	if ((ret = note_open(p, len, &v)) != 0)
		return ret;
	amana_cur_init(&c, v.sigs, v.sigs_len);
	while (amana_cur_left(&c) > 0) {
		if ((ret = amana_cur_line(&c, &line, &line_len)) != 0 ||
		    (ret = sig_line_parse(line, line_len, &s, blob,
		    &blob_len)) != 0)
			return ret;
		for (k = 0; k < n_keys; k++) {
			name_len = strnlen(keys[k].name, NOTE_NAME_MAX + 1);
			if (keys[k].key_id != s.key_id ||
			    name_len != s.name_len ||
			    memcmp(keys[k].name, s.name, name_len) != 0)
				continue;
			/* A known key: its signature must verify. */
			if (blob_len != 4 + NOTE_SIG_LEN ||
			    crypto_sign_verify_detached(blob + 4, v.text,
			    v.text_len, keys[k].pk) != 0)
				return AMANA_EBADSIG;
			if ((v.verified & (UINT64_C(1) << k)) == 0) {
				v.verified |= UINT64_C(1) << k;
				v.n_verified++;
			}
		}
	}
	if (v.n_verified == 0)
		return AMANA_EBADSIG;
	*out = v;
	return 0;
}
