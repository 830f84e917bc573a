/*
 * fuzz_record: the alert record push reader, fed the input (after a first
 * byte choosing the split size) in pieces, checking callback order; and the
 * one-shot reply record parser, whose accepted inputs must re-encode to the
 * same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	int	 header, in_att;
	uint16_t n_att, begins;
	uint64_t left;
};

static int
on_header(void *ctx, const struct record_header *h)
{
	struct st *s = ctx;

	if (s->header++ != 0 || record_text_valid((const uint8_t *)h->message,
	    h->message_len, 1) != 0)
		abort();
	s->n_att = h->n_att;
	return 0;
}

static int
on_begin(void *ctx, const struct record_att_info *a)
{
	struct st *s = ctx;

	if (!s->header || s->in_att || a->index != s->begins ||
	    a->index >= s->n_att ||
	    record_name_valid((const uint8_t *)a->name, a->name_len) != 0)
		abort();
	s->in_att = 1;
	s->begins++;
	s->left = a->size;
	return 0;
}

static int
on_data(void *ctx, const uint8_t *p, size_t len)
{
	struct st *s = ctx;

	(void)p;
	if (!s->in_att || len == 0 || len > s->left)
		abort();
	s->left -= len;
	return 0;
}

static int
on_end(void *ctx)
{
	struct st *s = ctx;

	if (!s->in_att || s->left != 0)
		abort();
	s->in_att = 0;
	return 0;
}

static const struct record_reader_cb cbs = {
	on_header, on_begin, on_data, on_end,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_reader *r = NULL;
	struct record_reply rep;
	struct amana_buf b;
	struct st s;
	size_t step, off, n;
	int ret = 0;

	if (sodium_init() < 0 || size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	memset(&s, 0, sizeof(s));
	if (record_reader_new(&cbs, &s, &r) != 0)
		abort();
	for (off = 0; off < size && ret == 0; off += n) {
		n = size - off < step ? size - off : step;
		ret = record_reader_write(r, data + off, n);
	}
	if (ret == 0 && record_reader_finish(r) == 0) {
		if (!s.header || s.in_att || s.begins != s.n_att)
			abort();
	}
	record_reader_free(r);

	if (record_reply_parse(data, size, &rep) == 0) {
		amana_buf_init(&b, size + 1, 0);
		if (record_reply_format(&rep, &b) != 0 || b.len != size ||
		    memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_free(&b);
	}
	return 0;
}
