/*
 * test_cli_parse: the client's own parsers (client/cli_parse.c): relay
 * list framing, the audit state file, entry bundles and recipient files,
 * each with every truncation of a valid input.
 */
#include <stdio.h>
#include <string.h>

#include "amana_codec.h"
#include "cli_parse.h"
#include "testlib.h"

#define RCPT "age16hxynvl33gk4p4d4an274yp7ffq65lmuaknvmq02cr44g4eg73ps3ka45j"

static size_t
put_frame(uint8_t *p, uint64_t index, const void *b, size_t len)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(index >> (56 - 8 * i));
	for (i = 0; i < 8; i++)
		p[8 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	memcpy(p + 16, b, len);
	return 16 + len;
}

static void
test_frames(void)
{
	uint8_t list[256];
	struct amana_cur c;
	struct cli_frame f;
	size_t len = 0, n = 99, cut;

	len += put_frame(list + len, 3, "hello", 5);
	len += put_frame(list + len, 7, "", 0);
	len += put_frame(list + len, 9, "world!", 6);
	CHECK_EQ(cli_frames_check(list, len, 0, 64, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(cli_frames_check(list, len, 3, 64, &n), 0);
	CHECK_EQ(cli_frames_check(NULL, 0, 5, 64, &n), 0);
	CHECK_EQ(n, 0);
	n = 99;
	CHECK_EQ(cli_frames_check(list, len, 4, 64, &n), AMANA_EPARSE);
	CHECK_EQ(cli_frames_check(list, len, 0, 5, &n), AMANA_EPARSE);
	CHECK_EQ(n, 99);	/* untouched on failure */
	amana_cur_init(&c, list, len);
	CHECK_EQ(cli_frame_next(&c, &f), 0);
	CHECK_EQ(f.index, 3);
	CHECK(f.len == 5 && memcmp(f.p, "hello", 5) == 0);
	/* every truncation that is not a frame boundary fails */
	for (cut = 0; cut < len; cut++) {
		int want = cut == 0 || cut == 21 || cut == 37 ? 0 :
		    AMANA_EPARSE;
		CHECK_EQ(cli_frames_check(list, cut, 0, 64, &n), want);
	}
	/* the cursor is unchanged after a truncated frame */
	amana_cur_init(&c, list, 30);
	CHECK_EQ(cli_frame_next(&c, &f), 0);
	CHECK_EQ(cli_frame_next(&c, &f), AMANA_EPARSE);
	CHECK_EQ(amana_cur_left(&c), 30 - 21);
	/* equal or decreasing indices */
	len = put_frame(list, 4, "a", 1);
	len += put_frame(list + len, 4, "b", 1);
	CHECK_EQ(cli_frames_check(list, len, 0, 64, &n), AMANA_EPARSE);
	len = put_frame(list, UINT64_MAX, "a", 1);
	CHECK_EQ(cli_frames_check(list, len, 0, 64, &n), AMANA_EPARSE);
	/* a length beyond the input */
	len = put_frame(list, 1, "abc", 3);
	list[15] = 200;
	CHECK_EQ(cli_frames_check(list, len, 0, 1024, &n), AMANA_EPARSE);
}

static void
state_text(char *out, size_t size, const char *origin, const char *num,
    const char *root)
{
	int n = snprintf(out, size, "amana-audit-state v1\norigin %s\n"
	    "size %s\nroot %s\n", origin, num, root);

	CHECK(n > 0 && (size_t)n < size);
}

static void
test_audit_state(void)
{
	struct cli_audit_state st;
	uint8_t root[32];
	char r64[64], text[512], bad[512];
	size_t len, cut, i;

	for (i = 0; i < sizeof(root); i++)
		root[i] = (uint8_t)(i * 7);
	CHECK_EQ(amana_b64_encode(r64, sizeof(r64), root, sizeof(root), 1),
	    0);
	state_text(text, sizeof(text), "amana.local/log", "18446744073709551615",
	    r64);
	len = strlen(text);
	memset(&st, 0, sizeof(st));
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)text, len, &st), 0);
	CHECK(strcmp(st.origin, "amana.local/log") == 0);
	CHECK(st.size == UINT64_MAX);
	CHECK(memcmp(st.root, root, 32) == 0);
	for (cut = 0; cut < len; cut++)
		CHECK_EQ(cli_audit_state_parse((const uint8_t *)text, cut, &st),
		    AMANA_EPARSE);
	/* trailing bytes, bad numbers, bad root, empty origin, CRLF */
	memcpy(bad, text, len);
	bad[len] = '\n';
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, len + 1, &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "o", "18446744073709551616", r64);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "o", "07", r64);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "o", "-1", r64);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "o", "0", "AAAA");
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "", "0", r64);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	state_text(bad, sizeof(bad), "o\r", "0", r64);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    0);		/* CR is an origin byte, as the checkpoint's origin */
	state_text(bad, sizeof(bad), "o", "0", r64);
	bad[0] = 'A';
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)bad, strlen(bad), &st),
	    AMANA_EPARSE);
	CHECK_EQ(cli_audit_state_parse((const uint8_t *)text,
	    CLI_AUDIT_STATE_MAX + 1, &st), AMANA_ETOOBIG);
}

struct bctx {
	size_t	n;
	size_t	stop_at;
};

static int
count_entry(void *arg, const uint8_t *e, size_t len)
{
	struct bctx *b = arg;

	(void)e;
	(void)len;
	if (++b->n == b->stop_at)
		return AMANA_ENOMEM;
	return 0;
}

static void
test_bundle(void)
{
	uint8_t b[64];
	struct bctx c = { 0, 0 };
	size_t len = 0, cut;

	b[len++] = 0; b[len++] = 3; memcpy(b + len, "abc", 3); len += 3;
	b[len++] = 0; b[len++] = 0;
	b[len++] = 0; b[len++] = 1; b[len++] = 'z';
	CHECK_EQ(cli_bundle_parse(b, len, 3, NULL, NULL), 0);
	CHECK_EQ(cli_bundle_parse(b, len, 3, count_entry, &c), 0);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(cli_bundle_parse(b, len, 2, NULL, NULL), AMANA_EPARSE);
	CHECK_EQ(cli_bundle_parse(b, len, 4, NULL, NULL), AMANA_EPARSE);
	for (cut = 0; cut < len; cut++) {
		c.n = 0;
		CHECK_EQ(cli_bundle_parse(b, cut, 3, count_entry, &c),
		    AMANA_EPARSE);
		CHECK_EQ(c.n, 0);	/* nothing acted on */
	}
	b[len] = 0;
	CHECK_EQ(cli_bundle_parse(b, len + 1, 3, NULL, NULL), AMANA_EPARSE);
	c.n = 0;
	c.stop_at = 2;
	CHECK_EQ(cli_bundle_parse(b, len, 3, count_entry, &c), AMANA_ENOMEM);
	CHECK_EQ(cli_bundle_parse(NULL, 0, 0, NULL, NULL), 0);
}

static void
test_recipients(void)
{
	uint8_t pks[4][AGE_KEY_LEN];
	const char *good = "# the authority\r\n\r\n" RCPT "\r\n#\n" RCPT;
	char buf[512];
	size_t n = 0, bad = 0, len, cut;
	int err;

	CHECK_EQ(cli_recipients_parse((const uint8_t *)good, strlen(good), pks,
	    4, &n, &bad), 0);
	CHECK_EQ(n, 2);
	CHECK(memcmp(pks[0], pks[1], AGE_KEY_LEN) == 0);
	n = 3;
	CHECK_EQ(cli_recipients_parse((const uint8_t *)good, strlen(good), pks,
	    4, &n, &bad), AMANA_ERANGE);
	CHECK_EQ(n, 3);
	n = 0;
	CHECK_EQ(cli_recipients_parse((const uint8_t *)"# none\n\n", 8, pks, 4,
	    &n, &bad), AMANA_ENOENT);
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n%sx\n", RCPT, RCPT);
	CHECK_EQ(cli_recipients_parse((const uint8_t *)buf, len, pks, 4, &n,
	    &bad), AMANA_EPARSE);
	CHECK_EQ(bad, 2);
	CHECK_EQ(n, 0);
	/* every truncation of one recipient line: only whole lines parse */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", RCPT);
	for (cut = 0; cut <= len; cut++) {
		n = 0;
		err = cli_recipients_parse((const uint8_t *)buf, cut, pks, 4,
		    &n, &bad);
		if (cut == 0)
			CHECK_EQ(err, AMANA_ENOENT);
		else if (cut >= len - 1)
			CHECK(err == 0 && n == 1);
		else
			CHECK_EQ(err, AMANA_EPARSE);
	}
	/* upper case, spaces: not canonical */
	len = (size_t)snprintf(buf, sizeof(buf), " %s\n", RCPT);
	CHECK_EQ(cli_recipients_parse((const uint8_t *)buf, len, pks, 4, &n,
	    &bad), AMANA_EPARSE);
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", RCPT);
	buf[0] = 'A';
	CHECK_EQ(cli_recipients_parse((const uint8_t *)buf, len, pks, 4, &n,
	    &bad), AMANA_EPARSE);
}

int
main(void)
{
	test_begin("cli_parse");
	test_frames();
	test_audit_state();
	test_bundle();
	test_recipients();
	return test_done();
}
