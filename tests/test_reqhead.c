/*
 * relay/reqhead.c: where a request's head ends, the 414 / 431 limits,
 * Transfer-Encoding in any case, and the same state whatever the pieces
 * the bytes arrive in (every split point of each case).
 */
#include <string.h>

#include "reqhead.h"
#include "testlib.h"

struct hcase {
	const char	*in;
	size_t		 max;
	size_t		 head;		/* bytes of the head; 0: not ended */
	int		 line_over, head_over, has_te;
};

static const struct hcase cases[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY", 64, 27, 0, 0, 0 },
	{ "GET / HTTP/1.1\nHost: a\n\nBODY", 64, 24, 0, 0, 0 },
	{ "POST /v1/alerts HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    128, 56, 0, 0, 1 },
	{ "POST / HTTP/1.1\r\ntRaNsFeR-eNcOdInG:x\r\n\r\n", 128, 40, 0, 0, 1 },
	/* a header named like it, but longer before the colon */
	{ "POST / HTTP/1.1\r\nTransfer-Encodings: x\r\n\r\n", 128, 42, 0, 0,
	    0 },
	/* the request line itself is never a header */
	{ "transfer-encoding: x\r\n\r\n", 128, 24, 0, 0, 0 },
	{ "GET /aaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", 16, 34, 1, 1, 0 },
	{ "GET / HTTP/1.1\r\nX: yyyyyyyyyyyyyyyyyyyy\r\n\r\n", 30, 43, 0, 1,
	    0 },
	/* an empty first line does not end the head */
	{ "\r\nGET / HTTP/1.1\r\n\r\n", 64, 20, 0, 0, 0 },
	/* counted as evhttp counts: no CR before LF, no LF */
	{ "GET /aaaaaaaaaaaa HTTP/1.1\r\n\r\n", 26, 30, 0, 0, 0 },
	{ "GET /aaaaaaaaaaaa HTTP/1.1\r\n\r\n", 25, 30, 1, 1, 0 },
	{ "GET / HTTP/1.1\r\nX: 12345\r\n\r\n", 22, 28, 0, 0, 0 },
	{ "GET / HTTP/1.1\r\nX: 12345\r\n\r\n", 21, 28, 0, 1, 0 },
	/* a CR not before LF is content */
	{ "GET / HTTP/1.1\r\nA:\rb\r\n\r\n", 64, 24, 0, 0, 0 },
	{ "GET / HTTP/1.1\r\nA:\rb\r\n\r\n", 17, 24, 0, 1, 0 },
	/* a partial line counts with all it holds */
	{ "GET / HTTP/1.1\r\nX: 123", 20, 0, 0, 0, 0 },
	{ "GET / HTTP/1.1\r\nX: 123", 19, 0, 0, 1, 0 },
	{ "GET /aaaaaaaaaaaaaaaaaaaa", 20, 0, 1, 1, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n", 64, 0, 0, 0, 0 },
	{ "", 64, 0, 0, 0, 0 },
};

static void
check_state(const struct hcase *c, const struct reqhead *h, size_t took)
{
	size_t len = strlen(c->in);

	CHECK_EQ(h->done, c->head != 0);
	CHECK_EQ(took, c->head != 0 ? c->head : len);
	CHECK_EQ(h->line_over, c->line_over);
	CHECK_EQ(h->head_over, c->head_over);
	CHECK_EQ(h->has_te, c->has_te);
}

static void
test_cases(void)
{
	struct reqhead h;
	size_t i, cut, len, took;

	test_begin("reqhead: cases, whole and in two pieces at every point");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *p = (const uint8_t *)cases[i].in;

		len = strlen(cases[i].in);
		for (cut = 0; cut <= len; cut++) {
			reqhead_start(&h, cases[i].max);
			took = reqhead_feed(&h, p, cut);
			if (!h.done)
				took += reqhead_feed(&h, p + cut, len - cut);
			check_state(&cases[i], &h, took);
			/* once done, nothing more is taken */
			CHECK_EQ(reqhead_feed(&h, p, len), h.done ? 0 : len);
		}
	}
}

/* A header line that starts with NUL ends the head, as for evhttp. */
static void
test_nul_line(void)
{
	static const uint8_t req[] = "GET / HTTP/1.1\r\n\0x\r\nBODY";
	struct reqhead h;

	test_begin("reqhead: a line starting with NUL ends the head");
	reqhead_start(&h, 64);
	CHECK_EQ(reqhead_feed(&h, req, sizeof(req) - 1), 20);
	CHECK(h.done);
}

static void
test_byte_by_byte(void)
{
	static const char req[] = "POST /v1/alerts HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3\r\n\r\nabc";
	struct reqhead h;
	size_t i, took = 0;

	test_begin("reqhead: one byte at a time");
	reqhead_start(&h, 1024);
	for (i = 0; i + 3 < sizeof(req) - 1; i++)
		took += reqhead_feed(&h, (const uint8_t *)req + i, 1);
	CHECK(h.done);
	CHECK_EQ(took, sizeof(req) - 1 - 3);
	CHECK_EQ(h.bytes, took);
	CHECK_EQ(reqhead_feed(&h, NULL, 0), 0);
}

int
main(void)
{
	test_cases();
	test_nul_line();
	test_byte_by_byte();
	return test_done();
}
