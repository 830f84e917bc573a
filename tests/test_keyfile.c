/*
 * test_keyfile: secret key files at rest (plain and age scrypt), modes,
 * O_EXCL, passphrase files, wrong passphrases and damaged files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "keyfile.h"
#include "testlib.h"

static char	 tmpdir[64];

static const char *
tpath(const char *name)
{
	static char p[256];
	int	 n;

	n = snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	if (n < 0 || (size_t)n >= sizeof(p))
		abort();
	return p;
}

struct pass_ctx {
	const char	*pass;
	int		 calls;
	int		 fail;
};

static int
pass_fn(void *ctx, struct amana_buf *out)
{
	struct pass_ctx *pc = ctx;

	pc->calls++;
	if (pc->fail)
		return AMANA_EIO;
	return amana_buf_str(out, pc->pass);
}

static void
write_raw(const char *name, const char *s, size_t len)
{
	CHECK_EQ(amana_file_write_new(tpath(name), 0600, s, len), 0);
}

static void
test_plain(void)
{
	static const char secret[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZ"
	    "GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n";
	struct amana_buf b;
	struct stat	 st;
	struct pass_ctx	 pc = { "x", 0, 0 };

	amana_buf_init(&b, KEYFILE_MAX, 1);
	CHECK_EQ(keyfile_write(tpath("plain.key"), (const uint8_t *)secret,
	    sizeof(secret) - 1, NULL, 0), 0);
	CHECK(stat(tpath("plain.key"), &st) == 0 &&
	    (st.st_mode & 0777) == 0600);
	CHECK_EQ(keyfile_write(tpath("plain.key"), (const uint8_t *)secret,
	    sizeof(secret) - 1, NULL, 0), AMANA_EEXIST);
	CHECK_EQ(keyfile_read(tpath("plain.key"), pass_fn, &pc, &b), 0);
	CHECK(b.len == sizeof(secret) - 1 && memcmp(b.p, secret, b.len) == 0);
	CHECK_EQ(pc.calls, 0);		/* no passphrase asked */
	amana_buf_reset(&b);
	CHECK_EQ(keyfile_read(tpath("plain.key"), NULL, NULL, &b), 0);
	CHECK_EQ(b.len, sizeof(secret) - 1);
	CHECK_EQ(keyfile_read(tpath("missing.key"), NULL, NULL, &b),
	    AMANA_ENOENT);
	CHECK_EQ(keyfile_write(tpath("empty.key"), (const uint8_t *)"", 0,
	    NULL, 0), AMANA_EINVAL);
	CHECK_EQ(keyfile_is_encrypted((const uint8_t *)secret,
	    sizeof(secret) - 1), 0);
	amana_buf_free(&b);
}

static void
test_encrypted(void)
{
	static const char secret[] = "PRIVATE+KEY+example+01234567+AAAA\n";
	struct amana_buf b, raw;
	struct stat	 st;
	struct pass_ctx	 good = { "correct horse", 0, 0 };
	struct pass_ctx	 bad = { "wrong horse", 0, 0 };
	struct pass_ctx	 fails = { "x", 0, 1 };
	size_t		 i;
	uint8_t		 c;

	amana_buf_init(&b, KEYFILE_MAX, 1);
	amana_buf_init(&raw, KEYFILE_MAX, 0);
	CHECK_EQ(keyfile_write_log_n(tpath("enc.key"),
	    (const uint8_t *)secret, sizeof(secret) - 1,
	    (const uint8_t *)good.pass, strlen(good.pass), 10), 0);
	CHECK(stat(tpath("enc.key"), &st) == 0 &&
	    (st.st_mode & 0777) == 0600);
	test_read_file(tpath("enc.key"), &raw);
	CHECK(keyfile_is_encrypted(raw.p, raw.len));
	CHECK(raw.len > 22 && memcmp(raw.p, "age-encryption.org/v1\n-> scrypt ",
	    32) == 0);
	for (i = 0; i + 7 <= raw.len; i++)
		CHECK(memcmp(raw.p + i, "PRIVATE", 7) != 0);

	CHECK_EQ(keyfile_read(tpath("enc.key"), pass_fn, &good, &b), 0);
	CHECK(b.len == sizeof(secret) - 1 && memcmp(b.p, secret, b.len) == 0);
	CHECK_EQ(good.calls, 1);
	amana_buf_reset(&b);
	CHECK_EQ(keyfile_read(tpath("enc.key"), pass_fn, &bad, &b),
	    AMANA_EPASS);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(keyfile_read(tpath("enc.key"), NULL, NULL, &b), AMANA_EINVAL);
	CHECK_EQ(keyfile_read(tpath("enc.key"), pass_fn, &fails, &b),
	    AMANA_EIO);
	CHECK_EQ(b.len, 0);

	/* A damaged file: last byte flipped, truncated. */
	c = raw.p[raw.len - 1] ^ 1;
	CHECK_EQ(amana_file_write_new(tpath("bad1.key"), 0600, raw.p,
	    raw.len - 1), 0);
	CHECK_EQ(keyfile_read(tpath("bad1.key"), pass_fn, &good, &b),
	    AMANA_EPAYLOAD);
	raw.p[raw.len - 1] = c;
	CHECK_EQ(amana_file_write_new(tpath("bad2.key"), 0600, raw.p,
	    raw.len), 0);
	CHECK_EQ(keyfile_read(tpath("bad2.key"), pass_fn, &good, &b),
	    AMANA_EPAYLOAD);
	CHECK_EQ(b.len, 0);
	/* Header flips: refused, never accepted. */
	raw.p[raw.len - 1] ^= 1;
	for (i = 23; i < 60; i += 7) {
		char	 name[32];

		raw.p[i] ^= 1;
		CHECK(snprintf(name, sizeof(name), "flip%zu.key", i) > 0);
		CHECK_EQ(amana_file_write_new(tpath(name), 0600, raw.p,
		    raw.len), 0);
		CHECK(keyfile_read(tpath(name), pass_fn, &good, &b) != 0);
		raw.p[i] ^= 1;
	}
	CHECK_EQ(b.len, 0);

	/* The default work factor, once. */
	CHECK_EQ(keyfile_write(tpath("enc18.key"), (const uint8_t *)secret,
	    sizeof(secret) - 1, (const uint8_t *)good.pass,
	    strlen(good.pass)), 0);
	CHECK_EQ(keyfile_read(tpath("enc18.key"), pass_fn, &good, &b), 0);
	CHECK(b.len == sizeof(secret) - 1 && memcmp(b.p, secret, b.len) == 0);
	amana_buf_free(&b);
	amana_buf_free(&raw);
}

static void
test_passphrase(void)
{
	struct amana_buf b;
	int		 fd;

	amana_buf_init(&b, KEYFILE_PASS_MAX + 1, 1);
	write_raw("p1", "pw one\nsecond line\n", 19);
	CHECK_EQ(keyfile_passphrase(tpath("p1"), NULL, 0, &b), 0);
	CHECK(b.len == 6 && memcmp(b.p, "pw one", 6) == 0);
	amana_buf_reset(&b);
	write_raw("p2", "pw\r\n", 4);
	CHECK_EQ(keyfile_passphrase(tpath("p2"), NULL, 0, &b), 0);
	CHECK(b.len == 2 && memcmp(b.p, "pw", 2) == 0);
	amana_buf_reset(&b);
	write_raw("p3", "no newline", 10);
	CHECK_EQ(keyfile_passphrase(tpath("p3"), NULL, 0, &b), 0);
	CHECK_EQ(b.len, 10);
	amana_buf_reset(&b);
	write_raw("p4", "\nafter", 6);
	CHECK_EQ(keyfile_passphrase(tpath("p4"), NULL, 0, &b), AMANA_EINVAL);
	write_raw("p5", "", 0);
	CHECK_EQ(keyfile_passphrase(tpath("p5"), NULL, 0, &b), AMANA_EINVAL);
	CHECK_EQ(keyfile_passphrase(tpath("p6"), NULL, 0, &b), AMANA_ENOENT);
	CHECK_EQ(b.len, 0);
	/* Without a terminal the prompt fails cleanly. */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY)) >= 0) {
		close(fd);
		test_skip("prompt", "a terminal is attached");
	} else {
		CHECK_EQ(keyfile_passphrase(NULL, "pw: ", 0, &b), AMANA_EIO);
	}
	/* keyfile_pass_cb reads the file it is given. */
	{
		struct keyfile_pass_src src = { NULL, NULL };
		char	 path[256];

		CHECK(snprintf(path, sizeof(path), "%s", tpath("p1")) > 0);
		src.file = path;
		CHECK_EQ(keyfile_pass_cb(&src, &b), 0);
		CHECK_EQ(b.len, 6);
	}
	amana_buf_free(&b);
}

static void
cleanup(void)
{
	static const char *names[] = { "plain.key", "enc.key", "enc18.key",
	    "bad1.key", "bad2.key", "flip23.key", "flip30.key", "flip37.key",
	    "flip44.key", "flip51.key", "flip58.key", "p1", "p2", "p3", "p4",
	    "p5" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlink(tpath(names[i]));
	(void)rmdir(tmpdir);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_begin("keyfile");
	CHECK(snprintf(tmpdir, sizeof(tmpdir), "/tmp/amana-keyfile-XXXXXX") >
	    0);
	if (mkdtemp(tmpdir) == NULL) {
		CHECK(!"mkdtemp");
		return test_done();
	}
	test_plain();
	test_encrypted();
	test_passphrase();
	cleanup();
	return test_done();
}
