/* Unit tests for the shared helpers: errors, cursor, buffer, sizes, codecs,
 * SHA-256 and files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_codec.h"
#include "amana_cur.h"
#include "amana_err.h"
#include "amana_file.h"
#include "amana_size.h"
#include "testlib.h"

/* A record: u8 tag, u16 len, bytes, u32, u64, then a line. */
static int
parse_record(const uint8_t *p, size_t len)
{
	struct amana_cur c;
	const uint8_t *q, *line;
	size_t line_len;
	uint8_t tag;
	uint16_t n;
	uint32_t a;
	uint64_t b;
	int ret;

	amana_cur_init(&c, p, len);
	if ((ret = amana_cur_u8(&c, &tag)) != 0 ||
	    (ret = amana_cur_u16be(&c, &n)) != 0 ||
	    (ret = amana_cur_take(&c, n, &q)) != 0 ||
	    (ret = amana_cur_u32be(&c, &a)) != 0 ||
	    (ret = amana_cur_u64be(&c, &b)) != 0 ||
	    (ret = amana_cur_line(&c, &line, &line_len)) != 0)
		return ret;
	if (tag != 7 || a != 0x01020304u || b != 0x05060708090a0b0cULL ||
	    line_len != 3 || memcmp(line, "end", 3) != 0)
		return AMANA_EPARSE;
	return amana_cur_done(&c);
}

static void
test_cursor(void)
{
	static const uint8_t rec[] = { 7, 0, 3, 'a', 'b', 'c', 1, 2, 3, 4,
		5, 6, 7, 8, 9, 10, 11, 12, 'e', 'n', 'd', '\n' };
	uint8_t extra[sizeof(rec) + 1];
	struct amana_cur c;
	const uint8_t *q;
	uint64_t v;
	size_t i;

	CHECK_EQ(parse_record(rec, sizeof(rec)), 0);
	for (i = 0; i < sizeof(rec); i++)
		CHECK_EQ(parse_record(rec, i), AMANA_EPARSE);
	memcpy(extra, rec, sizeof(rec));
	extra[sizeof(rec)] = 0;
	CHECK_EQ(parse_record(extra, sizeof(extra)), AMANA_EPARSE);

	/* Lengths near SIZE_MAX never wrap. */
	amana_cur_init(&c, rec, sizeof(rec));
	CHECK_EQ(amana_cur_take(&c, SIZE_MAX, &q), AMANA_EPARSE);
	CHECK_EQ(amana_cur_take(&c, SIZE_MAX - 1, &q), AMANA_EPARSE);
	CHECK_EQ(c.off, 0);
	CHECK_EQ(amana_cur_take(&c, 5, &q), 0);
	CHECK_EQ(amana_cur_take(&c, SIZE_MAX - 4, &q), AMANA_EPARSE);
	CHECK_EQ(c.off, 5);
	/* A failed u64 read leaves the cursor where it was. */
	amana_cur_init(&c, rec, 6);
	CHECK_EQ(amana_cur_u64be(&c, &v), AMANA_EPARSE);
	CHECK_EQ(c.off, 0);
	/* NULL input is an empty input. */
	amana_cur_init(&c, NULL, 99);
	CHECK_EQ(amana_cur_left(&c), 0);
	CHECK_EQ(amana_cur_done(&c), 0);
	CHECK_EQ(amana_cur_expect(&c, "x", 1), AMANA_EPARSE);
}

static void
test_size(void)
{
	size_t r = 7;

	CHECK_EQ(amana_size_add(1, 2, &r), 0);
	CHECK_EQ(r, 3);
	CHECK_EQ(amana_size_add(SIZE_MAX, 1, &r), AMANA_ERANGE);
	CHECK_EQ(r, 3);
	CHECK_EQ(amana_size_add(SIZE_MAX - 1, 1, &r), 0);
	CHECK(r == SIZE_MAX);
	CHECK_EQ(amana_size_mul(SIZE_MAX / 2, 2, &r), 0);
	CHECK_EQ(amana_size_mul(SIZE_MAX / 2 + 1, 2, &r), AMANA_ERANGE);
	CHECK_EQ(amana_size_mul(0, SIZE_MAX, &r), 0);
	CHECK_EQ(r, 0);
}

static void
test_buf(void)
{
	struct amana_buf b, s;
	uint8_t big[300];
	uint8_t *stolen;
	size_t stolen_len;
	int i;

	amana_buf_init(&b, 100, 0);
	CHECK_EQ(amana_buf_u8(&b, 1), 0);
	CHECK_EQ(amana_buf_u16be(&b, 0x0203), 0);
	CHECK_EQ(amana_buf_u32be(&b, 0x04050607), 0);
	CHECK_EQ(amana_buf_u64be(&b, 0x08090a0b0c0d0e0fULL), 0);
	CHECK_EQ(b.len, 15);
	for (i = 0; i < 15; i++)
		CHECK_EQ(b.p[i], i + 1);
	CHECK_EQ(amana_buf_printf(&b, "%s-%d", "x", 42), 0);
	CHECK(strcmp(amana_buf_cstr(&b) + 15, "x-42") == 0);
	memset(big, 'z', sizeof(big));
	/* Past the cap: refused, contents unchanged. */
	CHECK_EQ(amana_buf_append(&b, big, 82), AMANA_ETOOBIG);
	CHECK_EQ(b.len, 19);
	CHECK_EQ(amana_buf_append(&b, big, 81), 0);
	CHECK_EQ(b.len, 100);
	CHECK_EQ(amana_buf_u8(&b, 0), AMANA_ETOOBIG);
	CHECK_EQ(amana_buf_reserve(&b, SIZE_MAX), AMANA_ETOOBIG);
	CHECK_EQ(amana_buf_reserve(&b, SIZE_MAX - 99), AMANA_ETOOBIG);
	CHECK_EQ(amana_buf_printf(&b, "%s", "y"), AMANA_ETOOBIG);
	amana_buf_steal(&b, &stolen, &stolen_len);
	CHECK_EQ(stolen_len, 100);
	CHECK(b.p == NULL && b.len == 0);
	free(stolen);
	CHECK(strcmp(amana_buf_cstr(&b), "") == 0);
	amana_buf_free(&b);

	/* Unlimited growth, and secure memory. */
	amana_buf_init(&s, SIZE_MAX, 1);
	for (i = 0; i < 100; i++)
		CHECK_EQ(amana_buf_append(&s, big, sizeof(big)), 0);
	CHECK_EQ(s.len, 30000);
	CHECK(s.p[29999] == 'z');
	amana_buf_reset(&s);
	CHECK_EQ(s.len, 0);
	CHECK_EQ(amana_buf_reserve(&s, SIZE_MAX), AMANA_ETOOBIG);
	amana_buf_free(&s);
	amana_buf_free(&s);	/* twice is harmless */
}

static void
test_b64(void)
{
	/* RFC 4648 section 10 vectors. */
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba",
		"foobar" };
	static const char *padded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
		"Zm9vYmE=", "Zm9vYmFy" };
	static const char *bare[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
		"Zm9vYmE", "Zm9vYmFy" };
	static const char *bad_padded[] = { "Zg=", "Zg", "Zh==", "Zm9=",
		"Z===", "Zm9v\n", "Zm 9", "=Zm9", "Zg==Zg==", "Zm-v", "Zm_v" };
	static const char *bad_bare[] = { "Zg==", "Z", "Zh", "Zm9", "Zm9vY",
		"Zm9v " };
	char enc[64];
	uint8_t dec[64];
	size_t i, n;

	for (i = 0; i < 7; i++) {
		CHECK_EQ(amana_b64_encode(enc, sizeof(enc),
		    (const uint8_t *)plain[i], strlen(plain[i]), 1), 0);
		CHECK(strcmp(enc, padded[i]) == 0);
		CHECK_EQ(amana_b64_len(strlen(plain[i]), 1), strlen(padded[i]));
		CHECK_EQ(amana_b64_encode(enc, sizeof(enc),
		    (const uint8_t *)plain[i], strlen(plain[i]), 0), 0);
		CHECK(strcmp(enc, bare[i]) == 0);
		CHECK_EQ(amana_b64_decode(dec, sizeof(dec), &n, padded[i],
		    strlen(padded[i]), 1), 0);
		CHECK(n == strlen(plain[i]) && memcmp(dec, plain[i], n) == 0);
		CHECK_EQ(amana_b64_decode(dec, sizeof(dec), &n, bare[i],
		    strlen(bare[i]), 0), 0);
		CHECK(n == strlen(plain[i]) && memcmp(dec, plain[i], n) == 0);
	}
	for (i = 0; i < sizeof(bad_padded) / sizeof(*bad_padded); i++)
		CHECK_EQ(amana_b64_decode(dec, sizeof(dec), &n, bad_padded[i],
		    strlen(bad_padded[i]), 1), AMANA_EPARSE);
	for (i = 0; i < sizeof(bad_bare) / sizeof(*bad_bare); i++)
		CHECK_EQ(amana_b64_decode(dec, sizeof(dec), &n, bad_bare[i],
		    strlen(bad_bare[i]), 0), AMANA_EPARSE);
	CHECK_EQ(amana_b64_decode(dec, 5, &n, "Zm9vYmFy", 8, 1), AMANA_ERANGE);
	CHECK_EQ(amana_b64_encode(enc, 8, (const uint8_t *)"foobar", 6, 1),
	    AMANA_ERANGE);
	CHECK_EQ(amana_b64_encode(enc, SIZE_MAX, (const uint8_t *)"", SIZE_MAX,
	    1), AMANA_ERANGE);
}

static void
test_hex_sha(void)
{
	static const char abc_hex[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	uint8_t d[32], e[32];
	char h[65];
	struct amana_sha256_ctx *c = NULL;

	amana_sha256(d, "abc", 3);
	CHECK_EQ(amana_hex_encode(h, sizeof(h), d, 32), 0);
	CHECK(strcmp(h, abc_hex) == 0);
	CHECK_EQ(amana_hex_encode(h, 64, d, 32), AMANA_ERANGE);
	CHECK_EQ(amana_hex_decode(e, 32, abc_hex, 64), 0);
	CHECK(memcmp(d, e, 32) == 0);
	CHECK_EQ(amana_hex_decode(e, 32, abc_hex, 63), AMANA_EPARSE);
	CHECK_EQ(amana_hex_decode(e, 1, "g0", 2), AMANA_EPARSE);
	CHECK_EQ(amana_sha256_new(&c), 0);
	amana_sha256_update(c, "a", 1);
	amana_sha256_update(c, "bc", 2);
	amana_sha256_final(c, e);
	CHECK(memcmp(d, e, 32) == 0);
	amana_sha256_update(c, "abc", 3);	/* reusable after final */
	amana_sha256_final(c, e);
	CHECK(memcmp(d, e, 32) == 0);
	amana_sha256_free(c);
}

static int
dec(const char *s, uint64_t *v)
{
	return amana_dec_u64_parse((const uint8_t *)s, strlen(s), v);
}

static void
test_dec(void)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "01",
	    "00", "1a", "0x10", "18446744073709551616", "99999999999999999999",
	    "100000000000000000000", "1.0", "1\n" };
	static const uint64_t vals[] = { 0, 1, 9, 10, 99, 100, 1000000007,
	    UINT64_MAX / 10, UINT64_MAX - 1, UINT64_MAX };
	char out[AMANA_DEC_U64_MAX_LEN + 1], small[4];
	uint64_t v = 42;
	size_t i, n, len;

	CHECK_EQ(dec("0", &v), 0);
	CHECK(v == 0);
	CHECK_EQ(dec("18446744073709551615", &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(dec("1234567890", &v), 0);
	CHECK(v == 1234567890);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		CHECK_EQ(dec(bad[i], &v), AMANA_EPARSE);
		CHECK(v == 7);		/* untouched on failure */
	}
	CHECK_EQ(amana_dec_u64_parse(NULL, 0, &v), AMANA_EPARSE);
	/* Every truncation of a valid number parses to its prefix value. */
	for (n = 1; n <= 20; n++) {
		CHECK_EQ(amana_dec_u64_parse((const uint8_t *)
		    "18446744073709551615", n, &v), 0);
	}
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		CHECK_EQ(amana_dec_u64_format(out, sizeof(out), vals[i], &len),
		    0);
		CHECK_EQ(len, strlen(out));
		CHECK_EQ(dec(out, &v), 0);
		CHECK(v == vals[i]);
	}
	CHECK_EQ(amana_dec_u64_format(out, sizeof(out), UINT64_MAX, NULL), 0);
	CHECK(strcmp(out, "18446744073709551615") == 0);
	CHECK_EQ(amana_dec_u64_format(out, sizeof(out), 0, &len), 0);
	CHECK(strcmp(out, "0") == 0 && len == 1);
	CHECK_EQ(amana_dec_u64_format(small, sizeof(small), 999, &len), 0);
	CHECK(strcmp(small, "999") == 0);
	CHECK_EQ(amana_dec_u64_format(small, sizeof(small), 1000, &len),
	    AMANA_ERANGE);
	CHECK(small[0] == '\0');
	CHECK_EQ(amana_dec_u64_format(small, 0, 1, NULL), AMANA_ERANGE);
}

static void
test_files(void)
{
	char dir[] = "/tmp/amana-test-XXXXXX", path[256], sub[256];
	struct amana_buf b;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK_EQ(amana_file_write_new(path, 0600, "hello", 5), 0);
	CHECK_EQ(amana_file_write_new(path, 0600, "again", 5), AMANA_EEXIST);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	amana_buf_init(&b, 5, 0);
	CHECK_EQ(amana_file_read(path, &b), 0);
	CHECK(b.len == 5 && memcmp(b.p, "hello", 5) == 0);
	amana_buf_free(&b);
	amana_buf_init(&b, 4, 0);
	CHECK_EQ(amana_file_read(path, &b), AMANA_ETOOBIG);
	amana_buf_free(&b);
	CHECK_EQ(amana_file_write_atomic(path, 0644, "bye", 3), 0);
	amana_buf_init(&b, 100, 0);
	CHECK_EQ(amana_file_read(path, &b), 0);
	CHECK(b.len == 3 && memcmp(b.p, "bye", 3) == 0);
	amana_buf_free(&b);
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	CHECK_EQ(amana_file_mkdirs(sub, 0700), 0);
	CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	amana_buf_init(&b, 100, 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_EQ(amana_file_read(path, &b), AMANA_ENOENT);
	amana_buf_free(&b);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

static void
test_err(void)
{
	int e;

	for (e = 0; e >= AMANA_ERR_MIN; e--) {
		CHECK(amana_strerror(e) != NULL);
		CHECK(strcmp(amana_strerror(e), "unknown error") != 0);
	}
	CHECK(strcmp(amana_strerror(1), "unknown error") == 0);
}

int
main(void)
{
	test_begin("amana_util");
	if (sodium_init() < 0)
		return 1;
	test_err();
	test_cursor();
	test_size();
	test_buf();
	test_b64();
	test_hex_sha();
	test_dec();
	test_files();
	return test_done();
}
