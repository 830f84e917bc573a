/*
 * test_record: alert and reply records. Writer/reader round trips; the
 * reader fed in every split size and every truncation of a small record;
 * bad names, media types, UTF-8, lengths, non-zero padding, trailing bytes
 * refused; a 100 MiB attachment streamed writer -> reader without being
 * held in memory (peak RSS checked); reply records; an age-sealed round
 * trip (writer -> age encryptor, age decryptor -> reader).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sodium.h>

#include "amana_buf.h"
#include "age.h"
#include "amana_codec.h"
#include "pad.h"
#include "record.h"
#include "testlib.h"

int	main(void);

#define VKEY	"example-ngo+5a1f32c7+AU5nrlRlx2tFSAtpHv7jd/Ngs/WlYnjGsmtHSJGvI5cf"
#define RCPT	"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

/* What the reader reported. */
struct seen {
	int		 headers;
	int		 begins, ends;
	int		 order_ok;
	int		 in_att;
	struct amana_buf text;	/* vkey|rcpt|cat|place|msg|n, '|'-joined */
	struct amana_buf names;	/* name:type:size; */
	uint64_t	 data[8];	/* bytes per attachment */
	uint32_t	 sum[8];	/* simple checksum per attachment */
};

static void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->order_ok = 1;
	amana_buf_init(&s->text, 1 << 25, 1);
	amana_buf_init(&s->names, 1 << 16, 0);
}

static void
seen_free(struct seen *s)
{
	amana_buf_free(&s->text);
	amana_buf_free(&s->names);
}

static int
on_header(void *ctx, const struct record_header *h)
{
	struct seen *s = ctx;

	if (s->headers++ != 0 || s->begins != 0)
		s->order_ok = 0;
	if (amana_buf_append(&s->text, h->ngo_vkey, h->ngo_vkey_len) != 0 ||
	    amana_buf_u8(&s->text, '|') != 0 ||
	    amana_buf_append(&s->text, h->reply_recipient,
	    h->reply_recipient_len) != 0 ||
	    amana_buf_u8(&s->text, '|') != 0 ||
	    amana_buf_append(&s->text, h->category, h->category_len) != 0 ||
	    amana_buf_u8(&s->text, '|') != 0 ||
	    amana_buf_append(&s->text, h->place, h->place_len) != 0 ||
	    amana_buf_u8(&s->text, '|') != 0 ||
	    amana_buf_append(&s->text, h->message, h->message_len) != 0 ||
	    amana_buf_printf(&s->text, "|%u", (unsigned)h->n_att) != 0)
		return AMANA_ENOMEM;
	return 0;
}

static int
on_begin(void *ctx, const struct record_att_info *a)
{
	struct seen *s = ctx;

	if (s->headers != 1 || s->in_att || a->index != s->begins)
		s->order_ok = 0;
	s->in_att = 1;
	s->begins++;
	if (amana_buf_append(&s->names, a->name, a->name_len) != 0 ||
	    amana_buf_u8(&s->names, ':') != 0 ||
	    amana_buf_append(&s->names, a->media_type,
	    a->media_type_len) != 0 ||
	    amana_buf_printf(&s->names, ":%llu;",
	    (unsigned long long)a->size) != 0)
		return AMANA_ENOMEM;
	return 0;
}

static int
on_data(void *ctx, const uint8_t *p, size_t len)
{
	struct seen *s = ctx;
	size_t i, k = (size_t)(s->begins - 1) % 8;

	if (!s->in_att || len == 0)
		s->order_ok = 0;
	s->data[k] += len;
	for (i = 0; i < len; i++)
		s->sum[k] = s->sum[k] * 31 + p[i];
	return 0;
}

static int
on_end(void *ctx)
{
	struct seen *s = ctx;

	if (!s->in_att)
		s->order_ok = 0;
	s->in_att = 0;
	s->ends++;
	return 0;
}

static const struct record_reader_cb cbs = {
	on_header, on_begin, on_data, on_end,
};

/* Feeds p[0..len) in steps of step bytes; 0 if the record is accepted. */
static int
read_all(const uint8_t *p, size_t len, size_t step, struct seen *s)
{
	struct record_reader *r = NULL;
	size_t off, n;
	int ret;

	if ((ret = record_reader_new(&cbs, s, &r)) != 0)
		return ret;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if ((ret = record_reader_write(r, p + off, n)) != 0)
			goto out;
	}
	ret = record_reader_finish(r);
out:
	record_reader_free(r);
	return ret;
}

static int
read_quiet(const uint8_t *p, size_t len)
{
	struct seen s;
	int ret;

	seen_init(&s);
	ret = read_all(p, len, len == 0 ? 1 : len, &s);
	seen_free(&s);
	return ret;
}

static const uint8_t att1[] = "first attachment\n";
static const uint8_t att3[] = { 0, 1, 2, 3, 255 };

static void
small_alert(struct record_alert *a, struct record_attachment *att)
{
	memset(a, 0, sizeof(*a));
	memset(att, 0, 3 * sizeof(*att));
	a->ngo_vkey = VKEY;
	a->ngo_vkey_len = strlen(VKEY);
	a->reply_recipient = RCPT;
	a->reply_recipient_len = strlen(RCPT);
	a->category = "bribery";
	a->category_len = 7;
	a->place = "Casablanca-Settat / Casablanca";
	a->place_len = strlen(a->place);
	a->message = "Un fonctionnaire demande 2000 MAD.\n\xd8\xb1\xd8\xb4\xd9\x88\xd8\xa9\n";
	a->message_len = strlen(a->message);
	att[0].name = "receipt.txt";
	att[0].name_len = 11;
	att[0].media_type = "text/plain";
	att[0].media_type_len = 10;
	att[0].size = sizeof(att1) - 1;
	att[1].name = "empty.bin";
	att[1].name_len = 9;
	att[1].media_type = "application/octet-stream";
	att[1].media_type_len = 24;
	att[1].size = 0;
	att[2].name = "photo 1.jpg";
	att[2].name_len = 11;
	att[2].media_type = "image/jpeg";
	att[2].media_type_len = 10;
	att[2].size = sizeof(att3);
	a->att = att;
	a->n_att = 3;
}

/* Writes a's record into out, streaming the attachment bytes. */
static int
write_record(const struct record_alert *a, const uint8_t *const *data,
    struct amana_buf *out)
{
	struct record_writer *w = NULL;
	size_t i;
	int ret;

	if ((ret = record_writer_new(a, buf_sink, out, &w)) != 0)
		return ret;
	for (i = 0; i < a->n_att; i++)
		if ((ret = record_writer_write(w, data[i],
		    (size_t)a->att[i].size)) != 0)
			goto out;
	ret = record_writer_finish(w);
out:
	record_writer_free(w);
	return ret;
}

static void
make_small(struct amana_buf *out)
{
	struct record_alert a;
	struct record_attachment att[3];
	const uint8_t *data[3] = { att1, NULL, att3 };

	small_alert(&a, att);
	amana_buf_reset(out);
	CHECK_EQ(write_record(&a, data, out), 0);
}

static void
test_roundtrip(void)
{
	struct record_alert a;
	struct record_attachment att[3];
	struct amana_buf rec, want;
	struct seen s;
	uint64_t content, padded;
	size_t step, bad = 0;

	amana_buf_init(&rec, 1 << 20, 1);
	amana_buf_init(&want, 1 << 20, 0);
	small_alert(&a, att);
	CHECK_EQ(record_alert_len(&a, &content, &padded), 0);
	CHECK_EQ(padded, PAD_FLOOR);
	make_small(&rec);
	CHECK_EQ(rec.len, PAD_FLOOR);
	CHECK(memcmp(rec.p, "AMANAREC\x01", 9) == 0);
	CHECK(sodium_is_zero(rec.p + content, rec.len - content));
	CHECK(rec.p[content - 1] == 255);
	if (amana_buf_printf(&want, "%s|%s|bribery|%s|%s|3", VKEY, RCPT,
	    a.place, a.message) != 0)
		abort();
	/* Every split size gives the same events. */
	for (step = 1; step <= rec.len; step++) {
		seen_init(&s);
		if (read_all(rec.p, rec.len, step, &s) != 0 ||
		    s.headers != 1 || s.begins != 3 || s.ends != 3 ||
		    !s.order_ok || s.text.len != want.len ||
		    memcmp(s.text.p, want.p, want.len) != 0 ||
		    strcmp(amana_buf_cstr(&s.names), "receipt.txt:text/plain:"
		    "17;empty.bin:application/octet-stream:0;photo 1.jpg:"
		    "image/jpeg:5;") != 0 || s.data[0] != 17 ||
		    s.data[1] != 0 || s.data[2] != 5 ||
		    s.sum[2] != (((0u * 31 + 1) * 31 + 2) * 31 + 3) * 31 + 255)
			bad++;
		seen_free(&s);
	}
	CHECK_EQ(bad, 0);
	/* Every truncation refused. */
	bad = 0;
	for (step = 0; step < rec.len; step++)
		if (read_quiet(rec.p, step) == 0)
			bad++;
	CHECK_EQ(bad, 0);
	/* Trailing bytes (zero or not) refused. */
	CHECK_EQ(amana_buf_u8(&rec, 0), 0);
	CHECK_EQ(read_quiet(rec.p, rec.len), AMANA_EPARSE);
	rec.len--;
	CHECK_EQ(read_quiet(rec.p, rec.len), 0);
	/* Non-zero padding, anywhere in it, refused. */
	rec.p[content] = 1;
	CHECK_EQ(read_quiet(rec.p, rec.len), AMANA_EPARSE);
	rec.p[content] = 0;
	rec.p[rec.len - 1] = 0x80;
	CHECK_EQ(read_quiet(rec.p, rec.len), AMANA_EPARSE);
	rec.p[rec.len - 1] = 0;
	/* Wrong magic, version. */
	rec.p[0] = 'B';
	CHECK_EQ(read_quiet(rec.p, rec.len), AMANA_EPARSE);
	rec.p[0] = 'A';
	rec.p[8] = 2;
	CHECK_EQ(read_quiet(rec.p, rec.len), AMANA_EPARSE);
	rec.p[8] = 1;
	CHECK_EQ(read_quiet(rec.p, rec.len), 0);
	amana_buf_free(&rec);
	amana_buf_free(&want);
}

/* One attachment named name with media type mt: writer and reader agree. */
static int
try_att(const char *name, size_t name_len, const char *mt)
{
	struct record_alert a;
	struct record_attachment att[3];
	struct amana_buf rec;
	uint64_t c, p;
	int wret, rret;

	small_alert(&a, att);
	a.n_att = 1;
	att[0].name = "x";
	att[0].name_len = 1;
	att[0].size = 0;
	amana_buf_init(&rec, 1 << 20, 1);
	/* What the writer's validation says. */
	wret = record_alert_len(&(struct record_alert){ .ngo_vkey = VKEY,
	    .ngo_vkey_len = strlen(VKEY), .reply_recipient = RCPT,
	    .reply_recipient_len = strlen(RCPT), .category = "c",
	    .category_len = 1, .att = &(struct record_attachment){
	    .name = name, .name_len = name_len, .media_type = mt,
	    .media_type_len = strlen(mt) }, .n_att = 1 }, &c, &p);
	/* Build by hand: header of small alert with n_att 1, then ours. */
	amana_buf_reset(&rec);
	{
		struct record_writer *w = NULL;

		if (record_writer_new(&a, buf_sink, &rec, &w) != 0)
			abort();
		record_writer_free(w);
	}
	/* The writer emits attachment headers lazily: rec ends with
	 * n_attachments = 1. Append our attachment header by hand. */
	if (amana_buf_u16be(&rec, (uint16_t)name_len) != 0 ||
	    amana_buf_append(&rec, name, name_len) != 0 ||
	    amana_buf_u16be(&rec, (uint16_t)strlen(mt)) != 0 ||
	    amana_buf_append(&rec, mt, strlen(mt)) != 0 ||
	    amana_buf_u64be(&rec, 0) != 0)
		abort();
	if (pad_len(rec.len, &p) != 0 || amana_buf_reserve(&rec, p) != 0)
		abort();
	memset(rec.p + rec.len, 0, p - rec.len);
	rec.len = p;
	rret = read_quiet(rec.p, rec.len);
	amana_buf_free(&rec);
	if ((wret == 0) != (rret == 0))
		return 99;	/* writer and reader disagree */
	return rret;
}

static void
test_names(void)
{
	static const char *bad[] = {
		"a/b", "/etc", "..", "../x", "x/..", "a..b", ".", "a\\b",
		"tab\there", "nl\n", "del\x7f", "c1\xc2\x85", "bad\xff",
		"over\xc0\xaf", "sur\xed\xa0\x80", "trunc\xe2\x82",
	};
	static const char *good[] = {
		"report.pdf", ".hidden", "a.b.c", "photo 1.jpg",
		"\xd8\xaa\xd9\x82\xd8\xb1\xd9\x8a\xd8\xb1.txt", "x",
		"emoji\xf0\x9f\x98\x80",
	};
	static const char *bad_mt[] = {
		"text", "text/", "/plain", "Text/plain", "text/plain; x=y",
		"text//plain", "a/b/c", "-x/y", "text/.x",
	};
	char longname[300];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(record_name_valid((const uint8_t *)bad[i],
		    strlen(bad[i])), AMANA_EPARSE);
		CHECK_EQ(try_att(bad[i], strlen(bad[i]), "text/plain"),
		    AMANA_EPARSE);
	}
	CHECK_EQ(try_att("nul\0x", 5, "text/plain"), AMANA_EPARSE);
	CHECK_EQ(try_att("", 0, "text/plain"), AMANA_EPARSE);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_EQ(record_name_valid((const uint8_t *)good[i],
		    strlen(good[i])), 0);
		CHECK_EQ(try_att(good[i], strlen(good[i]), "text/plain"), 0);
	}
	for (i = 0; i < sizeof(bad_mt) / sizeof(bad_mt[0]); i++)
		CHECK_EQ(try_att("f", 1, bad_mt[i]), AMANA_EPARSE);
	CHECK_EQ(try_att("f", 1, "application/vnd.oasis.opendocument.text"),
	    0);
	CHECK_EQ(try_att("f", 1, "image/svg+xml"), 0);
	memset(longname, 'n', sizeof(longname));
	CHECK_EQ(try_att(longname, RECORD_NAME_MAX, "text/plain"), 0);
	CHECK_EQ(try_att(longname, RECORD_NAME_MAX + 1, "text/plain"),
	    AMANA_ETOOBIG);
}

/* Field rules on the writer side (the reader shares them). */
static void
test_fields(void)
{
	struct record_alert a;
	struct record_attachment att[3], many[RECORD_ATTACH_MAX + 1];
	struct amana_buf rec;
	uint64_t c, p;
	char *big;
	size_t i;

	amana_buf_init(&rec, 1 << 20, 1);
	small_alert(&a, att);
	a.category_len = 0;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	small_alert(&a, att);
	a.category = "two\nlines";
	a.category_len = 9;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	small_alert(&a, att);
	a.message = "bad \xc3\x28 utf8";
	a.message_len = strlen(a.message);
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	a.message = "nul\0inside";
	a.message_len = 10;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	a.message = "tabs\tand\r\nlines\n";
	a.message_len = strlen(a.message);
	CHECK_EQ(record_alert_len(&a, &c, &p), 0);
	a.reply_recipient = "age1 space";
	a.reply_recipient_len = 10;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	small_alert(&a, att);
	att[1].name = att[0].name;		/* duplicate names */
	att[1].name_len = att[0].name_len;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_EPARSE);
	small_alert(&a, att);
	if ((big = calloc(1, RECORD_PLACE_MAX + 1)) == NULL)
		abort();
	memset(big, 'p', RECORD_PLACE_MAX + 1);
	a.place = big;
	a.place_len = RECORD_PLACE_MAX;
	CHECK_EQ(record_alert_len(&a, &c, &p), 0);
	a.place_len = RECORD_PLACE_MAX + 1;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_ETOOBIG);
	free(big);
	small_alert(&a, att);
	att[2].size = RECORD_MAX;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_ETOOBIG);
	att[2].size = UINT64_MAX;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_ETOOBIG);
	small_alert(&a, att);
	for (i = 0; i < RECORD_ATTACH_MAX + 1; i++) {
		many[i] = att[1];
		many[i].name = (const char *)&"0123456789abcdefghijklmnopqrstuv"
		    "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_"[i % 64];
		many[i].name_len = 1;
	}
	many[64].name = "last";
	many[64].name_len = 4;
	a.att = many;
	a.n_att = RECORD_ATTACH_MAX;
	CHECK_EQ(record_alert_len(&a, &c, &p), 0);
	{
		struct record_writer *w = NULL;

		amana_buf_reset(&rec);
		CHECK_EQ(record_writer_new(&a, buf_sink, &rec, &w), 0);
		CHECK_EQ(record_writer_finish(w), 0);
		record_writer_free(w);
		CHECK_EQ(read_quiet(rec.p, rec.len), 0);
		/* n_attachments = 65 in an otherwise shaped record */
	}
	a.n_att = RECORD_ATTACH_MAX + 1;
	CHECK_EQ(record_alert_len(&a, &c, &p), AMANA_ETOOBIG);
	/* Writer: too many and too few attachment bytes. */
	small_alert(&a, att);
	{
		struct record_writer *w = NULL;
		uint8_t junk[64] = { 0 };

		amana_buf_reset(&rec);
		CHECK_EQ(record_writer_new(&a, buf_sink, &rec, &w), 0);
		CHECK_EQ(record_writer_write(w, junk, 17 + 5), 0);
		CHECK_EQ(record_writer_write(w, junk, 1), AMANA_ERANGE);
		CHECK_EQ(record_writer_finish(w), AMANA_EINVAL);
		record_writer_free(w);
		w = NULL;
		amana_buf_reset(&rec);
		CHECK_EQ(record_writer_new(&a, buf_sink, &rec, &w), 0);
		CHECK_EQ(record_writer_write(w, junk, 17), 0);
		CHECK_EQ(record_writer_finish(w), AMANA_ERANGE);
		record_writer_free(w);
	}
	amana_buf_free(&rec);
}

/* Sink that feeds a reader directly: writer -> reader, nothing kept. */
static int
to_reader(void *ctx, const uint8_t *p, size_t len)
{
	return record_reader_write(ctx, p, len);
}

static long
max_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

static void
test_big_stream(void)
{
	struct record_alert a;
	struct record_attachment att[3];
	struct record_writer *w = NULL;
	struct record_reader *r = NULL;
	struct seen s;
	uint8_t *chunk;
	uint64_t size = UINT64_C(100) * 1024 * 1024, done, c, p;
	uint32_t want = 0;
	size_t n, i, chunk_len = 65536;
	long before, after;

	before = max_rss_kib();
	small_alert(&a, att);
	a.n_att = 1;
	att[0].name = "video.mp4";
	att[0].name_len = 9;
	att[0].media_type = "video/mp4";
	att[0].media_type_len = 9;
	att[0].size = size;
	CHECK_EQ(record_alert_len(&a, &c, &p), 0);
	CHECK(p == UINT64_C(104) * 1024 * 1024);
	if ((chunk = malloc(chunk_len)) == NULL)
		abort();
	seen_init(&s);
	CHECK_EQ(record_reader_new(&cbs, &s, &r), 0);
	CHECK_EQ(record_writer_new(&a, to_reader, r, &w), 0);
	for (done = 0; done < size; done += n) {
		n = size - done < chunk_len ? (size_t)(size - done) :
		    chunk_len;
		test_fill(chunk, n, done);
		for (i = 0; i < n; i++)
			want = want * 31 + chunk[i];
		if (record_writer_write(w, chunk, n) != 0) {
			CHECK(0);
			break;
		}
	}
	CHECK_EQ(record_writer_finish(w), 0);
	CHECK_EQ(record_reader_finish(r), 0);
	CHECK(s.data[0] == size);
	CHECK(s.sum[0] == want);
	CHECK(s.order_ok && s.begins == 1 && s.ends == 1);
	record_writer_free(w);
	record_reader_free(r);
	seen_free(&s);
	free(chunk);
	after = max_rss_kib();
	printf("100 MiB attachment streamed: max RSS %ld KiB -> %ld KiB\n",
	    before, after);
	CHECK(after - before < 48 * 1024);
}

static void
test_reply(void)
{
	struct record_reply r, o;
	struct amana_buf b;
	size_t i, bad = 0;

	amana_buf_init(&b, 1 << 20, 1);
	memset(&r, 0, sizeof(r));
	r.kind = RECORD_KIND_REPLY;
	r.alert_index = 1234567;
	r.message = "Merci, dossier ouvert.\n";
	r.message_len = strlen(r.message);
	CHECK_EQ(record_reply_format(&r, &b), 0);
	CHECK_EQ(b.len, PAD_FLOOR);
	CHECK(memcmp(b.p, "AMANARPL\x01\x02", 10) == 0);
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), 0);
	CHECK_EQ(o.kind, RECORD_KIND_REPLY);
	CHECK(o.alert_index == 1234567);
	CHECK(o.message_len == r.message_len &&
	    memcmp(o.message, r.message, r.message_len) == 0);
	for (i = 0; i < b.len; i++)
		if (record_reply_parse(b.p, i, &o) == 0)
			bad++;
	CHECK_EQ(bad, 0);
	b.p[b.len - 1] = 1;
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), AMANA_EPARSE);
	b.p[b.len - 1] = 0;
	b.p[9] = 1;				/* kind 1 is not a reply */
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), AMANA_EPARSE);
	b.p[9] = 3;
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), 0);
	CHECK_EQ(o.kind, RECORD_KIND_ACK);
	CHECK_EQ(amana_buf_u8(&b, 0), 0);	/* trailing */
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), AMANA_EPARSE);
	amana_buf_reset(&b);
	r.kind = 1;
	CHECK_EQ(record_reply_format(&r, &b), AMANA_EPARSE);
	CHECK_EQ(b.len, 0);
	r.kind = RECORD_KIND_ACK;
	r.message = "bad \xff";
	r.message_len = 5;
	CHECK_EQ(record_reply_format(&r, &b), AMANA_EPARSE);
	r.message = "";
	r.message_len = 0;
	CHECK_EQ(record_reply_format(&r, &b), 0);
	CHECK_EQ(record_reply_parse(b.p, b.len, &o), 0);
	CHECK_EQ(o.message_len, 0);
	amana_buf_free(&b);
}

/* Record writer output into an age encryptor. */
static int
to_age(void *ctx, const uint8_t *p, size_t len)
{
	return age_enc_write(ctx, p, len);
}

/* Writer -> age -> age decryptor -> reader, with a 200 KB attachment. */
static void
test_sealed(void)
{
	struct record_alert a;
	struct record_attachment att[3];
	struct age_identity *id = NULL;
	struct age_enc *enc = NULL;
	struct age_dec *dec = NULL;
	struct record_writer *w = NULL;
	struct record_reader *r = NULL;
	struct age_dec_keys keys;
	struct amana_buf ct;
	struct seen s;
	uint8_t pk[AGE_KEY_LEN], *big;
	uint64_t content, padded, want_len;
	size_t big_len = 200000, off, n;
	uint32_t want = 0;
	size_t i;

	amana_buf_init(&ct, 1 << 22, 0);
	if ((big = malloc(big_len)) == NULL)
		abort();
	test_fill(big, big_len, 77);
	for (i = 0; i < big_len; i++)
		want = want * 31 + big[i];
	small_alert(&a, att);
	a.n_att = 1;
	att[0].name = "scan.pdf";
	att[0].name_len = 8;
	att[0].media_type = "application/pdf";
	att[0].media_type_len = 15;
	att[0].size = big_len;
	CHECK_EQ(record_alert_len(&a, &content, &padded), 0);
	CHECK_EQ(age_identity_generate(&id), 0);
	if (id == NULL)
		goto out;
	age_identity_public(id, pk);
	CHECK_EQ(age_enc_new_x25519((const uint8_t (*)[AGE_KEY_LEN])pk, 1,
	    buf_sink, &ct, &enc), 0);
	CHECK_EQ(record_writer_new(&a, to_age, enc, &w), 0);
	for (off = 0; off < big_len; off += n) {
		n = big_len - off < 7777 ? big_len - off : 7777;
		CHECK_EQ(record_writer_write(w, big + off, n), 0);
	}
	CHECK_EQ(record_writer_finish(w), 0);
	CHECK_EQ(age_enc_finish(enc), 0);
	CHECK_EQ(age_payload_len(age_header_len_x25519(1), padded, &want_len),
	    0);
	CHECK(ct.len == want_len);
	/* Decrypt straight into the reader. */
	memset(&keys, 0, sizeof(keys));
	keys.ids = &id;
	keys.n_ids = 1;
	seen_init(&s);
	CHECK_EQ(record_reader_new(&cbs, &s, &r), 0);
	CHECK_EQ(age_dec_new(&keys, record_reader_sink, r, &dec), 0);
	for (off = 0; off < ct.len; off += n) {
		n = ct.len - off < 10000 ? ct.len - off : 10000;
		CHECK_EQ(age_dec_write(dec, ct.p + off, n), 0);
	}
	CHECK_EQ(age_dec_finish(dec), 0);
	CHECK_EQ(record_reader_finish(r), 0);
	CHECK(s.headers == 1 && s.begins == 1 && s.ends == 1 && s.order_ok);
	CHECK(s.data[0] == big_len && s.sum[0] == want);
	seen_free(&s);
out:
	age_dec_free(dec);
	record_reader_free(r);
	record_writer_free(w);
	age_enc_free(enc);
	age_identity_free(id);
	amana_buf_free(&ct);
	free(big);
}

int
main(void)
{
	test_begin("record");
	if (sodium_init() < 0)
		return 1;
	test_roundtrip();
	test_names();
	test_fields();
	test_reply();
	test_sealed();
	test_big_stream();
	return test_done();
}
