/*
 * test_age: the age v1 module against the C2SP testkit (every vector),
 * round trips, tamper and truncation tests, key strings and identity files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"
#include "age_internal.h"
#include "amana_codec.h"
#include "amana_cur.h"
#include "testlib.h"

#define PKS(x) ((const uint8_t (*)[AGE_KEY_LEN])(x))

/* ---------------------------------------------------------------- */
/* A small inflate (RFC 1950/1951) for the zlib-compressed vectors. */

struct inf {
	const uint8_t	*in;
	size_t		 in_len, pos;
	uint32_t	 bitbuf;
	int		 bitcnt;
	struct amana_buf *out;
};

struct huff {
	short	 count[16];
	short	 symbol[320];
};

static int
inf_bits(struct inf *s, int need)
{
	uint32_t v = s->bitbuf;

	while (s->bitcnt < need) {
		if (s->pos >= s->in_len)
			return -1;
		v |= (uint32_t)s->in[s->pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = need == 32 ? 0 : v >> need;
	s->bitcnt -= need;
	return (int)(v & ((1U << need) - 1));
}

static int
huff_build(struct huff *h, const short *len, int n)
{
	short	 offs[16];
	int	 i;

	memset(h->count, 0, sizeof(h->count));
	for (i = 0; i < n; i++)
		h->count[len[i]]++;
	offs[1] = 0;
	for (i = 1; i < 15; i++)
		offs[i + 1] = (short)(offs[i] + h->count[i]);
	for (i = 0; i < n; i++)
		if (len[i] != 0)
			h->symbol[offs[len[i]]++] = (short)i;
	return 0;
}

static int
huff_decode(struct inf *s, const struct huff *h)
{
	int	 code = 0, first = 0, index = 0, len, count, b;

	for (len = 1; len <= 15; len++) {
		if ((b = inf_bits(s, 1)) < 0)
			return -1;
		code |= b;
		count = h->count[len];
		if (code - count < first)
			return h->symbol[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -1;
}

static const short lbase[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17,
    19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
    258 };
static const short lext[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2,
    2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const short dbase[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49,
    65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
    6145, 8193, 12289, 16385, 24577 };
static const short dext[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static int
inf_codes(struct inf *s, const struct huff *lh, const struct huff *dh)
{
	int	 sym, e, len, dist;
	size_t	 from;

	for (;;) {
		if ((sym = huff_decode(s, lh)) < 0)
			return -1;
		if (sym < 256) {
			if (amana_buf_u8(s->out, (uint8_t)sym) != 0)
				return -1;
			continue;
		}
		if (sym == 256)
			return 0;
		sym -= 257;
		if (sym >= 29 || (e = inf_bits(s, lext[sym])) < 0)
			return -1;
		len = lbase[sym] + e;
		if ((sym = huff_decode(s, dh)) < 0 || sym >= 30 ||
		    (e = inf_bits(s, dext[sym])) < 0)
			return -1;
		dist = dbase[sym] + e;
		if ((size_t)dist > s->out->len)
			return -1;
		from = s->out->len - (size_t)dist;
		while (len-- > 0)
			if (amana_buf_u8(s->out, s->out->p[from++]) != 0)
				return -1;
	}
}

static int
inf_dynamic(struct inf *s, struct huff *lh, struct huff *dh)
{
	static const short order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
	    11, 4, 12, 3, 13, 2, 14, 1, 15 };
	short	 lengths[320];
	struct huff ch;
	int	 nlen, ndist, ncode, i, sym, v, rep;

	if ((nlen = inf_bits(s, 5)) < 0 || (ndist = inf_bits(s, 5)) < 0 ||
	    (ncode = inf_bits(s, 4)) < 0)
		return -1;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > 286 || ndist > 30)
		return -1;
	memset(lengths, 0, sizeof(lengths));
	for (i = 0; i < ncode; i++) {
		if ((v = inf_bits(s, 3)) < 0)
			return -1;
		lengths[order[i]] = (short)v;
	}
	huff_build(&ch, lengths, 19);
	i = 0;
	while (i < nlen + ndist) {
		if ((sym = huff_decode(s, &ch)) < 0)
			return -1;
		if (sym < 16) {
			lengths[i++] = (short)sym;
			continue;
		}
		v = 0;
		if (sym == 16) {
			if (i == 0 || (rep = inf_bits(s, 2)) < 0)
				return -1;
			v = lengths[i - 1];
			rep += 3;
		} else if (sym == 17) {
			if ((rep = inf_bits(s, 3)) < 0)
				return -1;
			rep += 3;
		} else {
			if ((rep = inf_bits(s, 7)) < 0)
				return -1;
			rep += 11;
		}
		if (i + rep > nlen + ndist)
			return -1;
		while (rep-- > 0)
			lengths[i++] = (short)v;
	}
	huff_build(lh, lengths, nlen);
	huff_build(dh, lengths + nlen, ndist);
	return 0;
}

/* zlib stream in[0..len) appended to out. 0 or -1. */
static int
zlib_inflate(const uint8_t *in, size_t len, struct amana_buf *out)
{
	struct inf s;
	struct huff lh, dh;
	short	 fixed[320];
	int	 last, type, i, n, nn;

	if (len < 6 || (in[0] & 0x0f) != 8 || ((in[0] << 8) | in[1]) % 31)
		return -1;
	memset(&s, 0, sizeof(s));
	s.in = in + 2;
	s.in_len = len - 2;
	s.out = out;
	do {
		if ((last = inf_bits(&s, 1)) < 0 || (type = inf_bits(&s, 2)) < 0)
			return -1;
		if (type == 0) {
			s.bitbuf = 0;
			s.bitcnt = 0;
			if (s.pos + 4 > s.in_len)
				return -1;
			n = s.in[s.pos] | s.in[s.pos + 1] << 8;
			nn = s.in[s.pos + 2] | s.in[s.pos + 3] << 8;
			s.pos += 4;
			if (n != (~nn & 0xffff) || s.pos + (size_t)n > s.in_len)
				return -1;
			if (amana_buf_append(out, s.in + s.pos, (size_t)n) != 0)
				return -1;
			s.pos += (size_t)n;
		} else if (type == 1) {
			for (i = 0; i < 144; i++)
				fixed[i] = 8;
			for (; i < 256; i++)
				fixed[i] = 9;
			for (; i < 280; i++)
				fixed[i] = 7;
			for (; i < 288; i++)
				fixed[i] = 8;
			huff_build(&lh, fixed, 288);
			for (i = 0; i < 30; i++)
				fixed[i] = 5;
			huff_build(&dh, fixed, 30);
			if (inf_codes(&s, &lh, &dh) != 0)
				return -1;
		} else if (type == 2) {
			if (inf_dynamic(&s, &lh, &dh) != 0 ||
			    inf_codes(&s, &lh, &dh) != 0)
				return -1;
		} else {
			return -1;
		}
	} while (!last);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Testkit */

#define MAX_IDS		8
#define MAX_PASS	4

struct vec {
	char			 expect[32];
	uint8_t			 payload[32];
	int			 has_payload;
	struct age_identity	*ids[MAX_IDS];
	size_t			 n_ids;
	char			 pass[MAX_PASS][128];
	size_t			 n_pass;
	int			 armored;
	int			 compressed;
	const char		*skip;
};

struct hash_sink {
	struct amana_sha256_ctx	*h;
	size_t			 n;
};

static int
hash_sink_fn(void *ctx, const uint8_t *p, size_t len)
{
	struct hash_sink *hs = ctx;

	amana_sha256_update(hs->h, p, len);
	hs->n += len;
	return 0;
}

static int
expect_code(const char *e)
{
	if (strcmp(e, "success") == 0)
		return 0;
	if (strcmp(e, "no match") == 0)
		return AMANA_ENOMATCH;
	if (strcmp(e, "HMAC failure") == 0)
		return AMANA_EMAC;
	if (strcmp(e, "header failure") == 0)
		return AMANA_EHEADER;
	if (strcmp(e, "payload failure") == 0)
		return AMANA_EPAYLOAD;
	if (strcmp(e, "armor failure") == 0)
		return AMANA_EARMOR;
	return 1;
}

static int
line_kv(const uint8_t *l, size_t len, const char *key, const uint8_t **v,
    size_t *vlen)
{
	size_t	 k = strlen(key);

	if (len < k + 2 || memcmp(l, key, k) != 0 || l[k] != ':' ||
	    l[k + 1] != ' ')
		return 0;
	*v = l + k + 2;
	*vlen = len - k - 2;
	return 1;
}

/* Parses the vector's text header; returns the offset of the age file. */
static int
vec_parse(const uint8_t *p, size_t len, struct vec *v, size_t *body_off)
{
	struct amana_cur c;
	const uint8_t	*l, *val;
	size_t		 ll, vl;

	memset(v, 0, sizeof(*v));
	amana_cur_init(&c, p, len);
	for (;;) {
		if (amana_cur_line(&c, &l, &ll) != 0)
			return -1;
		if (ll == 0)
			break;
		if (line_kv(l, ll, "expect", &val, &vl)) {
			if (vl >= sizeof(v->expect))
				return -1;
			memcpy(v->expect, val, vl);
		} else if (line_kv(l, ll, "payload", &val, &vl)) {
			if (amana_hex_decode(v->payload, 32, (const char *)val,
			    vl) != 0)
				return -1;
			v->has_payload = 1;
		} else if (line_kv(l, ll, "identity", &val, &vl)) {
			if (vl > 18 && memcmp(val, "AGE-SECRET-KEY-PQ-", 18) == 0) {
				v->skip = "hybrid ML-KEM-768+X25519 identity "
				    "(post-quantum recipients not implemented)";
				continue;
			}
			if (v->n_ids == MAX_IDS ||
			    age_identity_parse(val, vl, &v->ids[v->n_ids]) != 0)
				return -1;
			v->n_ids++;
		} else if (line_kv(l, ll, "passphrase", &val, &vl)) {
			if (v->n_pass == MAX_PASS || vl >= 128)
				return -1;
			memcpy(v->pass[v->n_pass++], val, vl);
		} else if (line_kv(l, ll, "armored", &val, &vl)) {
			v->armored = 1;
		} else if (line_kv(l, ll, "compressed", &val, &vl)) {
			if (vl != 4 || memcmp(val, "zlib", 4) != 0)
				return -1;
			v->compressed = 1;
		} else if (line_kv(l, ll, "file key", &val, &vl) ||
		    line_kv(l, ll, "comment", &val, &vl)) {
			continue;
		} else {
			v->skip = "unknown header key";
		}
	}
	*body_off = c.off;
	return 0;
}

static void
vec_free(struct vec *v)
{
	size_t	 i;

	for (i = 0; i < v->n_ids; i++)
		age_identity_free(v->ids[i]);
	v->n_ids = 0;
}

/*
 * Decrypts file with keys, fed in pieces of the given split pattern (0:
 * one write). Returns the error, with the hash of released plaintext.
 */
static int
run_dec(const struct age_dec_keys *keys, const uint8_t *file, size_t len,
    int split, uint8_t hash[32], size_t *released)
{
	static const size_t pieces[] = { 1, 3, 100, 4096, 65536 + 17, 7,
	    65536 + 16, 2 };
	struct hash_sink hs = { NULL, 0 };
	struct age_dec	*d = NULL;
	size_t		 off = 0, n, k = 0;
	int		 ret;

	if (amana_sha256_new(&hs.h) != 0)
		return AMANA_ENOMEM;
	if ((ret = age_dec_new(keys, hash_sink_fn, &hs, &d)) != 0)
		goto out;
	while (off < len) {
		n = split ? pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))] :
		    len;
		if (n > len - off)
			n = len - off;
		if ((ret = age_dec_write(d, file + off, n)) != 0)
			goto out;
		off += n;
	}
	ret = age_dec_finish(d);
out:
	amana_sha256_final(hs.h, hash);
	amana_sha256_free(hs.h);
	*released = hs.n;
	age_dec_free(d);
	return ret;
}

static int
run_vec_keys(const struct vec *v, const uint8_t *file, size_t len, int split,
    uint8_t hash[32], size_t *released)
{
	struct age_dec_keys keys;
	size_t		 i = 0;
	int		 ret;

	memset(&keys, 0, sizeof(keys));
	keys.ids = v->ids;
	keys.n_ids = v->n_ids;
	do {
		if (v->n_pass > 0) {
			keys.pass = (const uint8_t *)v->pass[i];
			keys.pass_len = strlen(v->pass[i]);
		}
		ret = run_dec(&keys, file, len, split, hash, released);
		i++;
	} while (ret == AMANA_ENOMATCH && i < v->n_pass);
	return ret;
}

static const char *
err_name(int e)
{
	return e == 0 ? "success" : amana_strerror(e);
}

static void
testkit_one(const char *dir, const char *name, size_t *ran)
{
	struct amana_buf raw, inflated;
	struct vec	 v;
	char		 path[4096];
	uint8_t		 hash[32], empty[32];
	const uint8_t	*file;
	size_t		 off = 0, len, released = 0;
	int		 want, got, split, n;

	amana_buf_init(&raw, 64u << 20, 0);
	amana_buf_init(&inflated, 64u << 20, 0);
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK(n > 0 && (size_t)n < sizeof(path));
	test_read_file(path, &raw);
	if (vec_parse(raw.p, raw.len, &v, &off) != 0) {
		fprintf(stderr, "vector %s: cannot parse\n", name);
		CHECK(!"vector parses");
		goto out;
	}
	if (v.skip != NULL) {
		test_skip(name, v.skip);
		goto out;
	}
	want = expect_code(v.expect);
	CHECK(want <= 0);
	file = raw.p + off;
	len = raw.len - off;
	if (v.compressed) {
		CHECK(zlib_inflate(file, len, &inflated) == 0);
		file = inflated.p;
		len = inflated.len;
	}
	if (v.armored)
		CHECK(len > 0 && file[0] != 'a');
	amana_sha256(empty, "", 0);
	for (split = 0; split < 2; split++) {
		got = run_vec_keys(&v, file, len, split, hash, &released);
		if (got != want)
			fprintf(stderr, "vector %s (split %d): got %s, want "
			    "%s\n", name, split, err_name(got), err_name(want));
		CHECK_EQ(got, want);
		if (v.has_payload) {
			if (memcmp(hash, v.payload, 32) != 0)
				fprintf(stderr, "vector %s: payload hash "
				    "differs (%zu bytes released)\n", name,
				    released);
			CHECK(memcmp(hash, v.payload, 32) == 0);
		} else {
			CHECK_EQ(released, 0);
		}
	}
	(*ran)++;
out:
	vec_free(&v);
	amana_buf_free(&raw);
	amana_buf_free(&inflated);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_testkit(void)
{
	char		 dir[4096], *names[512];
	struct dirent	*de;
	DIR		*dp;
	size_t		 n = 0, i, ran = 0;
	int		 k;

	k = snprintf(dir, sizeof(dir), "%s", test_vector_path("age-testkit"));
	CHECK(k > 0 && (size_t)k < sizeof(dir));
	if ((dp = opendir(dir)) == NULL) {
		CHECK(!"age-testkit directory opens");
		return;
	}
	while ((de = readdir(dp)) != NULL && n < 512) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "LICENSE") == 0)
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), name_cmp);
	CHECK(n >= 140);
	for (i = 0; i < n; i++) {
		testkit_one(dir, names[i], &ran);
		free(names[i]);
	}
	printf("age testkit: %zu vectors, %zu run, %zu skipped\n", n, ran,
	    n - ran);
}

/* ---------------------------------------------------------------- */
/* Keys */

static void
test_keys(void)
{
	static const char id_s[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGF"
	    "PYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
	static const char rcp_s[] =
	    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
	struct age_identity *id = NULL, *id2 = NULL, **ids = NULL;
	struct amana_buf b;
	uint8_t		 pk[AGE_KEY_LEN], pk2[AGE_KEY_LEN];
	uint8_t		 mut[AGE_IDENTITY_STR_LEN];
	char		 rs[AGE_RECIPIENT_STR_LEN + 1];
	size_t		 i, n = 0;
	int		 ret;

	CHECK_EQ(sizeof(id_s) - 1, AGE_IDENTITY_STR_LEN);
	CHECK_EQ(sizeof(rcp_s) - 1, AGE_RECIPIENT_STR_LEN);
	amana_buf_init(&b, 4096, 1);
	/* The spec's example identity and its recipient. */
	CHECK_EQ(age_identity_parse((const uint8_t *)id_s, sizeof(id_s) - 1,
	    &id), 0);
	if (id == NULL)
		return;
	age_identity_public(id, pk);
	CHECK_EQ(age_recipient_format(pk, rs, sizeof(rs)), 0);
	CHECK(strcmp(rs, rcp_s) == 0);
	CHECK_EQ(age_recipient_format(pk, rs, AGE_RECIPIENT_STR_LEN),
	    AMANA_ERANGE);
	CHECK_EQ(age_recipient_parse((const uint8_t *)rcp_s, sizeof(rcp_s) - 1,
	    pk2), 0);
	CHECK(memcmp(pk, pk2, AGE_KEY_LEN) == 0);
	CHECK_EQ(age_identity_format(id, &b), 0);
	CHECK(b.len == AGE_IDENTITY_STR_LEN &&
	    memcmp(b.p, id_s, b.len) == 0);

	/* Every truncation and every single-character change is refused. */
	for (i = 0; i < sizeof(rcp_s) - 1; i++)
		CHECK(age_recipient_parse((const uint8_t *)rcp_s, i, pk2) != 0);
	for (i = 0; i < sizeof(id_s) - 1; i++) {
		CHECK(age_identity_parse((const uint8_t *)id_s, i, &id2) != 0);
		memcpy(mut, id_s, sizeof(mut));
		mut[i] = mut[i] == 'Q' ? 'P' : 'Q';
		CHECK(age_identity_parse(mut, sizeof(mut), &id2) != 0);
	}
	/* Case: identities upper case only, recipients lower case only. */
	memcpy(mut, id_s, sizeof(mut));
	for (i = 0; i < sizeof(mut); i++)
		if (mut[i] >= 'A' && mut[i] <= 'Z')
			mut[i] = (uint8_t)(mut[i] - 'A' + 'a');
	CHECK(age_identity_parse(mut, sizeof(mut), &id2) != 0);
	memcpy(rs, rcp_s, sizeof(rcp_s));
	for (i = 0; i < AGE_RECIPIENT_STR_LEN; i++)
		if (rs[i] >= 'a' && rs[i] <= 'z')
			rs[i] = (char)(rs[i] - 'a' + 'A');
	CHECK(age_recipient_parse((const uint8_t *)rs, AGE_RECIPIENT_STR_LEN,
	    pk2) != 0);
	/* A recipient is not an identity and vice versa. */
	CHECK(age_recipient_parse((const uint8_t *)id_s, sizeof(id_s) - 1,
	    pk2) != 0);

	/* Generated identities round-trip through their strings. */
	CHECK_EQ(age_identity_generate(&id2), 0);
	amana_buf_reset(&b);
	CHECK_EQ(age_identity_format(id2, &b), 0);
	age_identity_free(id);
	id = NULL;
	CHECK_EQ(age_identity_parse(b.p, b.len, &id), 0);
	if (id != NULL && id2 != NULL) {
		age_identity_public(id, pk);
		age_identity_public(id2, pk2);
		CHECK(memcmp(pk, pk2, AGE_KEY_LEN) == 0);
	}

	/* Identity files in age-keygen's format. */
	{
		static const char f1[] = "# created: 2024-01-01T00:00:00Z\n"
		    "# public key: "
		    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n"
		    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGF"
		    "PYYSJZGFPQ4EGAEX\n";
		struct amana_buf f;

		CHECK_EQ(age_identity_file_parse((const uint8_t *)f1,
		    sizeof(f1) - 1, &ids, &n), 0);
		CHECK_EQ(n, 1);
		if (ids != NULL) {
			age_identity_public(ids[0], pk2);
			CHECK_EQ(age_recipient_format(pk2, rs, sizeof(rs)), 0);
			CHECK(strcmp(rs, rcp_s) == 0);
		}
		age_identities_free(ids, n);
		ids = NULL;

		/* Two identities, CRLF, blank lines, no final newline. */
		amana_buf_init(&f, 4096, 1);
		CHECK_EQ(amana_buf_str(&f, "# two keys\r\n\r\n"), 0);
		CHECK_EQ(amana_buf_append(&f, b.p, b.len), 0);
		CHECK_EQ(amana_buf_str(&f, "\r\n\n"), 0);
		CHECK_EQ(amana_buf_str(&f, id_s), 0);
		CHECK_EQ(age_identity_file_parse(f.p, f.len, &ids, &n), 0);
		CHECK_EQ(n, 2);
		age_identities_free(ids, n);
		ids = NULL;
		/* Every truncation either fails or yields fewer keys. */
		for (i = 0; i < f.len; i++) {
			ret = age_identity_file_parse(f.p, i, &ids, &n);
			if (ret == 0) {
				CHECK(n == 1);
				age_identities_free(ids, n);
				ids = NULL;
			}
		}
		/* A bad line, a comment-only file, an empty file. */
		CHECK_EQ(amana_buf_str(&f, "\nnot a key\n"), 0);
		CHECK_EQ(age_identity_file_parse(f.p, f.len, &ids, &n),
		    AMANA_EPARSE);
		CHECK_EQ(age_identity_file_parse((const uint8_t *)"# x\n", 4,
		    &ids, &n), AMANA_EPARSE);
		CHECK_EQ(age_identity_file_parse((const uint8_t *)"", 0, &ids,
		    &n), AMANA_EPARSE);
		CHECK_EQ(age_identity_file_parse((const uint8_t *)
		    " AGE-SECRET-KEY-1\n", 18, &ids, &n), AMANA_EPARSE);
		amana_buf_free(&f);
	}
	age_identity_free(id);
	age_identity_free(id2);
	amana_buf_free(&b);
}

/* ---------------------------------------------------------------- */
/* Round trips, tampering, truncation */

static int
dec_buf(struct age_identity *const *ids, size_t n_ids, const char *pass,
    const uint8_t *p, size_t len, struct amana_buf *out)
{
	struct age_dec_keys keys;

	memset(&keys, 0, sizeof(keys));
	keys.ids = ids;
	keys.n_ids = n_ids;
	if (pass != NULL) {
		keys.pass = (const uint8_t *)pass;
		keys.pass_len = strlen(pass);
	}
	amana_buf_reset(out);
	return age_decrypt_buf(&keys, p, len, out);
}

static int
same(const struct amana_buf *a, const struct amana_buf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537,
	    3 * 65536 };
	struct age_identity *ids[3] = { NULL, NULL, NULL }, *other = NULL;
	uint8_t		 pks[3][AGE_KEY_LEN];
	struct amana_buf pt, ct, out;
	uint8_t		 hash[32], want[32];
	uint64_t	 plen;
	size_t		 i, k, released = 0;
	struct age_dec_keys keys;

	amana_buf_init(&pt, 1 << 20, 0);
	amana_buf_init(&ct, 2 << 20, 0);
	amana_buf_init(&out, 1 << 20, 1);
	for (k = 0; k < 3; k++) {
		CHECK_EQ(age_identity_generate(&ids[k]), 0);
		if (ids[k] == NULL)
			goto out;
		age_identity_public(ids[k], pks[k]);
	}
	CHECK_EQ(age_identity_generate(&other), 0);
	if (other == NULL)
		goto out;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		amana_buf_reset(&pt);
		CHECK_EQ(amana_buf_reserve(&pt, sizes[i] + 1), 0);
		test_fill(pt.p, sizes[i], i + 1);
		pt.len = sizes[i];
		/* One recipient; exact predicted length. */
		amana_buf_reset(&ct);
		CHECK_EQ(age_encrypt_buf(PKS(pks), 1, pt.p, pt.len, &ct), 0);
		CHECK_EQ(age_payload_len(age_header_len_x25519(1), pt.len,
		    &plen), 0);
		CHECK_EQ(ct.len, plen);
		CHECK_EQ(dec_buf(ids, 1, NULL, ct.p, ct.len, &out), 0);
		CHECK(same(&out, &pt));
		/* Streaming, odd pieces. */
		memset(&keys, 0, sizeof(keys));
		keys.ids = ids;
		keys.n_ids = 1;
		CHECK_EQ(run_dec(&keys, ct.p, ct.len, 1, hash, &released), 0);
		amana_sha256(want, pt.p, pt.len);
		CHECK(memcmp(hash, want, 32) == 0);
		CHECK_EQ(released, pt.len);
		/* The wrong identity: no match, nothing released. */
		CHECK_EQ(dec_buf(&other, 1, NULL, ct.p, ct.len, &out),
		    AMANA_ENOMATCH);
		CHECK_EQ(out.len, 0);
		/* Three recipients: each identity opens it. */
		amana_buf_reset(&ct);
		CHECK_EQ(age_encrypt_buf(PKS(pks), 3, pt.p, pt.len, &ct), 0);
		CHECK_EQ(age_payload_len(age_header_len_x25519(3), pt.len,
		    &plen), 0);
		CHECK_EQ(ct.len, plen);
		for (k = 0; k < 3; k++) {
			CHECK_EQ(dec_buf(&ids[k], 1, NULL, ct.p, ct.len, &out),
			    0);
			CHECK(same(&out, &pt));
		}
		/* Several identities, only the last one matches. */
		{
			struct age_identity *two[2] = { other, ids[2] };

			CHECK_EQ(dec_buf(two, 2, NULL, ct.p, ct.len, &out), 0);
		}
	}
	/* scrypt, small work factor. */
	amana_buf_reset(&pt);
	CHECK_EQ(amana_buf_str(&pt, "secret text\n"), 0);
	amana_buf_reset(&ct);
	CHECK_EQ(age_encrypt_buf_scrypt((const uint8_t *)"hunter2", 7, 10,
	    pt.p, pt.len, &ct), 0);
	CHECK_EQ(age_payload_len(age_header_len_scrypt(10), pt.len, &plen),
	    0);
	CHECK_EQ(ct.len, plen);
	CHECK_EQ(dec_buf(NULL, 0, "hunter2", ct.p, ct.len, &out), 0);
	CHECK(same(&out, &pt));
	CHECK_EQ(dec_buf(NULL, 0, "hunter3", ct.p, ct.len, &out),
	    AMANA_ENOMATCH);
	CHECK_EQ(dec_buf(ids, 1, NULL, ct.p, ct.len, &out), AMANA_ENOMATCH);
	/* Work factor above the caller's maximum: header failure. */
	memset(&keys, 0, sizeof(keys));
	keys.pass = (const uint8_t *)"hunter2";
	keys.pass_len = 7;
	keys.max_log_n = 9;
	amana_buf_reset(&out);
	CHECK_EQ(age_decrypt_buf(&keys, ct.p, ct.len, &out), AMANA_EHEADER);
	/* Bad arguments. */
	CHECK_EQ(age_encrypt_buf_scrypt((const uint8_t *)"x", 1, 23, pt.p,
	    pt.len, &ct), AMANA_EINVAL);
	CHECK_EQ(age_encrypt_buf(PKS(pks), 0, pt.p, pt.len, &ct), AMANA_EINVAL);
	CHECK_EQ(age_header_len_x25519(0), 0);
out:
	for (k = 0; k < 3; k++)
		age_identity_free(ids[k]);
	age_identity_free(other);
	amana_buf_free(&pt);
	amana_buf_free(&ct);
	amana_buf_free(&out);
}

static void
test_tamper(void)
{
	struct age_identity *id = NULL;
	uint8_t		 pk[1][AGE_KEY_LEN], msg[300];
	struct amana_buf ct, out, mut;
	struct age_header h;
	size_t		 i, hlen, refused = 0, total = 0;
	int		 bit;

	amana_buf_init(&ct, 1 << 20, 0);
	amana_buf_init(&mut, 1 << 20, 0);
	amana_buf_init(&out, 1 << 20, 1);
	CHECK_EQ(age_identity_generate(&id), 0);
	if (id == NULL)
		goto out;
	age_identity_public(id, pk[0]);
	test_fill(msg, sizeof(msg), 42);
	CHECK_EQ(age_encrypt_buf(PKS(pk), 1, msg, sizeof(msg), &ct), 0);
	CHECK_EQ(dec_buf(&id, 1, NULL, ct.p, ct.len, &out), 0);

	/* Every truncation is refused. */
	for (i = 0; i < ct.len; i++) {
		total++;
		if (dec_buf(&id, 1, NULL, ct.p, i, &out) != 0)
			refused++;
	}
	/* Every single-byte change (two different flips) is refused. */
	for (i = 0; i < ct.len; i++) {
		for (bit = 0; bit < 2; bit++) {
			amana_buf_reset(&mut);
			CHECK_EQ(amana_buf_append(&mut, ct.p, ct.len), 0);
			mut.p[i] ^= bit == 0 ? 0x01 : 0x80;
			total++;
			if (dec_buf(&id, 1, NULL, mut.p, mut.len, &out) != 0)
				refused++;
		}
	}
	/* Appended bytes are refused. */
	amana_buf_reset(&mut);
	CHECK_EQ(amana_buf_append(&mut, ct.p, ct.len), 0);
	CHECK_EQ(amana_buf_u8(&mut, 0), 0);
	CHECK_EQ(dec_buf(&id, 1, NULL, mut.p, mut.len, &out), AMANA_EPAYLOAD);
	CHECK_EQ(total, refused);
	printf("tamper: %zu of %zu altered files refused\n", refused, total);

	/* The header parser refuses every truncation of a valid header. */
	hlen = age_header_len_x25519(1);
	CHECK_EQ(age_header_parse(ct.p, hlen, &h), 0);
	if (h.n_stanzas == 1)
		CHECK_EQ(h.stanzas[0].body_len, 32);
	age_header_free(&h);
	for (i = 0; i < hlen; i++)
		CHECK_EQ(age_header_parse(ct.p, i, &h), AMANA_EHEADER);
	CHECK_EQ(age_header_parse(ct.p, hlen + 1, &h), AMANA_EHEADER);
out:
	age_identity_free(id);
	amana_buf_free(&ct);
	amana_buf_free(&mut);
	amana_buf_free(&out);
}

/* A sink that fails aborts encryption and decryption with its error. */
static int
fail_sink(void *ctx, const uint8_t *p, size_t len)
{
	int	*calls = ctx;

	(*calls)++;
	return *calls >= 2 ? AMANA_EIO : 0;
}

static void
test_sink_errors(void)
{
	struct age_identity *id = NULL;
	uint8_t		 pk[1][AGE_KEY_LEN], msg[200000];
	struct age_enc	*e = NULL;
	struct age_dec	*d = NULL;
	struct age_dec_keys keys;
	struct amana_buf ct;
	int		 calls = 0;

	amana_buf_init(&ct, 1 << 20, 0);
	CHECK_EQ(age_identity_generate(&id), 0);
	if (id == NULL)
		return;
	age_identity_public(id, pk[0]);
	test_fill(msg, sizeof(msg), 7);
	CHECK_EQ(age_enc_new_x25519(PKS(pk), 1, fail_sink, &calls, &e), 0);
	CHECK_EQ(age_enc_write(e, msg, sizeof(msg)), AMANA_EIO);
	CHECK_EQ(age_enc_write(e, msg, 1), AMANA_EIO);
	CHECK_EQ(age_enc_finish(e), AMANA_EIO);
	age_enc_free(e);

	CHECK_EQ(age_encrypt_buf(PKS(pk), 1, msg, sizeof(msg), &ct), 0);
	memset(&keys, 0, sizeof(keys));
	keys.ids = &id;
	keys.n_ids = 1;
	calls = 0;
	CHECK_EQ(age_dec_new(&keys, fail_sink, &calls, &d), 0);
	CHECK_EQ(age_dec_write(d, ct.p, ct.len), AMANA_EIO);
	CHECK_EQ(age_dec_finish(d), AMANA_EIO);
	age_dec_free(d);
	age_identity_free(id);
	amana_buf_free(&ct);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_begin("age");
	test_keys();
	test_roundtrip();
	test_tamper();
	test_sink_errors();
	test_testkit();
	return test_done();
}
