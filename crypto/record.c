/*
 * record: alert and reply records (see record.h, docs/PROTOCOL.md
 * section 4).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_cur.h"
#include "pad.h"
#include "record.h"

/* Text rules. */
enum {
	T_LINES = 1,		/* allow \t \n \r */
	T_NOSPACE = 2,		/* no ' ' */
	T_ASCII = 4,		/* bytes 0x20..0x7e only */
};

/* Alert header before the message, fixed part. */
#define MAGIC_VER_LEN	(RECORD_MAGIC_LEN + 1)
/* Largest alert header (magic .. n_attachments). */
#define HDR_MAX		(MAGIC_VER_LEN + 2 + RECORD_VKEY_MAX + 2 + \
			    RECORD_RECIPIENT_MAX + 2 + RECORD_CATEGORY_MAX + \
			    2 + RECORD_PLACE_MAX + 4 + RECORD_MESSAGE_MAX + 2)
/* Largest attachment header. */
#define ATT_HDR_MAX	(2 + RECORD_NAME_MAX + 2 + RECORD_MTYPE_MAX + 8)

static const uint8_t zeros[4096];

static int
text_ok(const uint8_t *p, size_t len, int flags)
{
	size_t i = 0, n, k;
	uint32_t cp;
	uint8_t c;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 || c == 0x7f) && (!(flags & T_LINES) ||
			    (c != '\t' && c != '\n' && c != '\r')))
				return 0;
			if (c == ' ' && (flags & T_NOSPACE))
				return 0;
			i++;
			continue;
		}
		if (flags & T_ASCII)
			return 0;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else
			return 0;
		if (n > len - i)
			return 0;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
			return 0;
		if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
			return 0;
		if (cp <= 0x9f)		/* C1 controls (cp >= 0x80 here) */
			return 0;
		i += n;
	}
	return 1;
}

int
record_text_valid(const uint8_t *p, size_t len, int lines)
{
	return text_ok(p, len, lines ? T_LINES : 0) ? 0 : AMANA_EPARSE;
}

int
record_name_valid(const uint8_t *name, size_t len)
{
	size_t i;

	if (len == 0 || len > RECORD_NAME_MAX || !text_ok(name, len, 0))
		return AMANA_EPARSE;
	if (len == 1 && name[0] == '.')
		return AMANA_EPARSE;
	for (i = 0; i < len; i++) {
		if (name[i] == '/' || name[i] == '\\')
			return AMANA_EPARSE;
		if (i + 1 < len && name[i] == '.' && name[i + 1] == '.')
			return AMANA_EPARSE;
	}
	return 0;
}

static int
mtype_char(uint8_t c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return !first && c != 0 && strchr("!#$&^_.+-", c) != NULL;
}

/* Lowercase RFC 6838 "type/subtype" (restricted names), no parameters. */
static int
mtype_ok(const uint8_t *p, size_t len)
{
	size_t i, slash = 0, nslash = 0;

	if (len < 3 || len > RECORD_MTYPE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] == '/') {
			slash = i;
			nslash++;
		}
	if (nslash != 1 || slash == 0 || slash == len - 1)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == slash)
			continue;
		if (!mtype_char(p[i], i == 0 || i == slash + 1))
			return 0;
	}
	return 1;
}

/* Field checks shared by the writer and the reader. */
static int
check_vkey(const uint8_t *p, size_t len)
{
	if (len > RECORD_VKEY_MAX)
		return AMANA_ETOOBIG;
	return len > 0 && text_ok(p, len, T_NOSPACE) ? 0 : AMANA_EPARSE;
}

static int
check_rcpt(const uint8_t *p, size_t len)
{
	if (len > RECORD_RECIPIENT_MAX)
		return AMANA_ETOOBIG;
	return len > 0 && text_ok(p, len, T_NOSPACE | T_ASCII) ? 0 :
	    AMANA_EPARSE;
}

static int
check_line(const uint8_t *p, size_t len, size_t min, size_t max)
{
	if (len > max)
		return AMANA_ETOOBIG;
	return len >= min && text_ok(p, len, 0) ? 0 : AMANA_EPARSE;
}

static int
check_message(const uint8_t *p, size_t len)
{
	if (len > RECORD_MESSAGE_MAX)
		return AMANA_ETOOBIG;
	return text_ok(p, len, T_LINES) ? 0 : AMANA_EPARSE;
}

static int
check_att(const uint8_t *name, size_t name_len, const uint8_t *mt,
    size_t mt_len)
{
	if (name_len > RECORD_NAME_MAX || mt_len > RECORD_MTYPE_MAX)
		return AMANA_ETOOBIG;
	if (record_name_valid(name, name_len) != 0 || !mtype_ok(mt, mt_len))
		return AMANA_EPARSE;
	return 0;
}

static int
u64_add(uint64_t a, uint64_t b, uint64_t *out)
{
	if (__builtin_add_overflow(a, b, out))
		return AMANA_ERANGE;
	return 0;
}

#define U(s)	((const uint8_t *)(s))

int
record_alert_len(const struct record_alert *a, uint64_t *content_len,
    uint64_t *padded_len)
{
	const struct record_attachment *t;
	uint64_t n, padded;
	size_t i, j;
	int ret;

	if ((a->ngo_vkey == NULL && a->ngo_vkey_len > 0) ||
	    (a->reply_recipient == NULL && a->reply_recipient_len > 0) ||
	    (a->category == NULL && a->category_len > 0) ||
	    (a->place == NULL && a->place_len > 0) ||
	    (a->message == NULL && a->message_len > 0) ||
	    (a->att == NULL && a->n_att > 0))
		return AMANA_EINVAL;
	if ((ret = check_vkey(U(a->ngo_vkey), a->ngo_vkey_len)) != 0 ||
	    (ret = check_rcpt(U(a->reply_recipient),
	    a->reply_recipient_len)) != 0 ||
	    (ret = check_line(U(a->category), a->category_len, 1,
	    RECORD_CATEGORY_MAX)) != 0 ||
	    (ret = check_line(U(a->place), a->place_len, 0,
	    RECORD_PLACE_MAX)) != 0 ||
	    (ret = check_message(U(a->message), a->message_len)) != 0)
		return ret;
	if (a->n_att > RECORD_ATTACH_MAX)
		return AMANA_ETOOBIG;
	/* All of these are bounded: no overflow before the attachments. */
	n = MAGIC_VER_LEN + 2 + (uint64_t)a->ngo_vkey_len + 2 +
	    a->reply_recipient_len + 2 + a->category_len + 2 + a->place_len +
	    4 + a->message_len + 2;
	for (i = 0; i < a->n_att; i++) {
		t = &a->att[i];
		if ((t->name == NULL && t->name_len > 0) ||
		    (t->media_type == NULL && t->media_type_len > 0))
			return AMANA_EINVAL;
		if ((ret = check_att(U(t->name), t->name_len,
		    U(t->media_type), t->media_type_len)) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (a->att[j].name_len == t->name_len &&
			    memcmp(a->att[j].name, t->name, t->name_len) == 0)
				return AMANA_EPARSE;	/* duplicate name */
		if (u64_add(n, 2 + t->name_len + 2 + t->media_type_len + 8,
		    &n) != 0 || u64_add(n, t->size, &n) != 0)
			return AMANA_ETOOBIG;
		if (n > RECORD_MAX)
			return AMANA_ETOOBIG;
	}
	if (n > RECORD_MAX || pad_len(n, &padded) != 0 || padded > RECORD_MAX)
		return AMANA_ETOOBIG;
	*content_len = n;
	*padded_len = padded;
	return 0;
}

/* ---- writer ---- */

struct record_writer {
	record_sink	 sink;
	void		*ctx;
	struct amana_buf atts;		/* serialized attachment headers */
	size_t		 att_off[RECORD_ATTACH_MAX + 1];
	uint64_t	 att_size[RECORD_ATTACH_MAX];
	size_t		 n_att;
	size_t		 next;		/* next attachment header to emit */
	uint64_t	 left;		/* bytes left in the open attachment */
	uint64_t	 written;
	uint64_t	 content;
	uint64_t	 padded;
	int		 failed;
};

static int
w_emit(struct record_writer *w, const uint8_t *p, size_t len)
{
	int ret;

	if (len == 0)
		return 0;
	if ((ret = w->sink(w->ctx, p, len)) != 0)
		return ret;
	w->written += len;
	return 0;
}

/* Emits headers of the next attachments while the open one is full. */
static int
w_advance(struct record_writer *w)
{
	int ret;

	while (w->left == 0 && w->next < w->n_att) {
		if ((ret = w_emit(w, w->atts.p + w->att_off[w->next],
		    w->att_off[w->next + 1] - w->att_off[w->next])) != 0)
			return ret;
		w->left = w->att_size[w->next];
		w->next++;
	}
	return 0;
}

int
record_writer_new(const struct record_alert *a, record_sink sink, void *ctx,
    struct record_writer **out)
{
	struct record_writer *w = NULL;
	struct amana_buf pre;
	const struct record_attachment *t;
	uint64_t content, padded;
	size_t i;
	int ret;

	amana_buf_init(&pre, HDR_MAX, 1);
	if (sink == NULL)
		return AMANA_EINVAL;
	if ((ret = record_alert_len(a, &content, &padded)) != 0)
		return ret;
	ret = AMANA_ENOMEM;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto out;
	w->sink = sink;
	w->ctx = ctx;
	w->content = content;
	w->padded = padded;
	w->n_att = a->n_att;
	amana_buf_init(&w->atts, RECORD_ATTACH_MAX * ATT_HDR_MAX, 1);
	for (i = 0; i < a->n_att; i++) {
		t = &a->att[i];
		w->att_off[i] = w->atts.len;
		w->att_size[i] = t->size;
		if ((ret = amana_buf_u16be(&w->atts,
		    (uint16_t)t->name_len)) != 0 ||
		    (ret = amana_buf_append(&w->atts, t->name,
		    t->name_len)) != 0 ||
		    (ret = amana_buf_u16be(&w->atts,
		    (uint16_t)t->media_type_len)) != 0 ||
		    (ret = amana_buf_append(&w->atts, t->media_type,
		    t->media_type_len)) != 0 ||
		    (ret = amana_buf_u64be(&w->atts, t->size)) != 0)
			goto out;
	}
	w->att_off[a->n_att] = w->atts.len;
	/* Everything before the message, the message, the count. */
	if ((ret = amana_buf_append(&pre, RECORD_ALERT_MAGIC,
	    RECORD_MAGIC_LEN)) != 0 ||
	    (ret = amana_buf_u8(&pre, RECORD_VERSION)) != 0 ||
	    (ret = amana_buf_u16be(&pre, (uint16_t)a->ngo_vkey_len)) != 0 ||
	    (ret = amana_buf_append(&pre, a->ngo_vkey,
	    a->ngo_vkey_len)) != 0 ||
	    (ret = amana_buf_u16be(&pre,
	    (uint16_t)a->reply_recipient_len)) != 0 ||
	    (ret = amana_buf_append(&pre, a->reply_recipient,
	    a->reply_recipient_len)) != 0 ||
	    (ret = amana_buf_u16be(&pre, (uint16_t)a->category_len)) != 0 ||
	    (ret = amana_buf_append(&pre, a->category,
	    a->category_len)) != 0 ||
	    (ret = amana_buf_u16be(&pre, (uint16_t)a->place_len)) != 0 ||
	    (ret = amana_buf_append(&pre, a->place, a->place_len)) != 0 ||
	    (ret = amana_buf_u32be(&pre, (uint32_t)a->message_len)) != 0)
		goto out;
	if ((ret = w_emit(w, pre.p, pre.len)) != 0 ||
	    (ret = w_emit(w, U(a->message), a->message_len)) != 0)
		goto out;
	amana_buf_reset(&pre);
	if ((ret = amana_buf_u16be(&pre, (uint16_t)a->n_att)) != 0 ||
	    (ret = w_emit(w, pre.p, pre.len)) != 0)
		goto out;
	ret = 0;
out:
	amana_buf_free(&pre);
	if (ret != 0) {
		record_writer_free(w);
		return ret;
	}
	*out = w;
	return 0;
}

int
record_writer_write(struct record_writer *w, const uint8_t *p, size_t len)
{
	size_t n;
	int ret = 0;

	if (w->failed)
		return AMANA_EINVAL;
	while (len > 0) {
		if ((ret = w_advance(w)) != 0)
			break;
		if (w->left == 0) {
			ret = AMANA_ERANGE;	/* more than declared */
			break;
		}
		n = w->left < len ? (size_t)w->left : len;
		if ((ret = w_emit(w, p, n)) != 0)
			break;
		w->left -= n;
		p += n;
		len -= n;
	}
	if (ret != 0)
		w->failed = 1;
	return ret;
}

int
record_writer_finish(struct record_writer *w)
{
	uint64_t pad;
	size_t n;
	int ret;

	if (w->failed)
		return AMANA_EINVAL;
	w->failed = 1;		/* finished: no further calls */
	if ((ret = w_advance(w)) != 0)
		return ret;
	if (w->left != 0 || w->next != w->n_att || w->written != w->content)
		return AMANA_ERANGE;
	pad = w->padded - w->content;
	while (pad > 0) {
		n = pad < sizeof(zeros) ? (size_t)pad : sizeof(zeros);
		if ((ret = w_emit(w, zeros, n)) != 0)
			return ret;
		pad -= n;
	}
	return 0;
}

void
record_writer_free(struct record_writer *w)
{
	if (w == NULL)
		return;
	amana_buf_free(&w->atts);
	sodium_memzero(w, sizeof(*w));
	free(w);
}

/* ---- reader ---- */

enum rstate {
	S_MAGIC, S_VKEY_LEN, S_VKEY, S_RCPT_LEN, S_RCPT, S_CAT_LEN, S_CAT,
	S_PLACE_LEN, S_PLACE, S_MSG_LEN, S_MSG, S_NATT,
	S_ANAME_LEN, S_ANAME, S_AMT_LEN, S_AMT, S_ASIZE, S_ADATA, S_PAD,
};

struct record_reader {
	const struct record_reader_cb *cb;
	void		*ctx;
	enum rstate	 st;
	struct amana_buf acc;		/* the structure being read (secure) */
	struct amana_buf names;		/* u16 len || name, per attachment */
	size_t		 need;		/* bytes acc still needs */
	uint16_t	 n_att;
	uint16_t	 idx;		/* current attachment */
	uint64_t	 left;		/* data bytes left in it */
	uint64_t	 total;		/* bytes fed */
	uint64_t	 content;	/* bytes before padding */
	uint64_t	 padded;
	int		 err;
};

int
record_reader_new(const struct record_reader_cb *cb, void *ctx,
    struct record_reader **out)
{
	struct record_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return AMANA_ENOMEM;
	r->cb = cb;
	r->ctx = ctx;
	r->st = S_MAGIC;
	r->need = MAGIC_VER_LEN;
	amana_buf_init(&r->acc, HDR_MAX, 1);
	amana_buf_init(&r->names, RECORD_ATTACH_MAX * (2 + RECORD_NAME_MAX),
	    1);
	*out = r;
	return 0;
}

void
record_reader_free(struct record_reader *r)
{
	if (r == NULL)
		return;
	amana_buf_free(&r->acc);
	amana_buf_free(&r->names);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

/* The big-endian length field that ends acc. */
static uint32_t
acc_tail(const struct record_reader *r, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = r->acc.len - n; i < r->acc.len; i++)
		v = (v << 8) | r->acc.p[i];
	return v;
}

/* Takes one length-prefixed field through the cursor. */
static int
cur_field(struct amana_cur *c, int wide, const char **p, size_t *len)
{
	const uint8_t *q;
	uint32_t n32;
	uint16_t n16;

	if (wide) {
		if (amana_cur_u32be(c, &n32) != 0)
			return AMANA_EPARSE;
	} else {
		if (amana_cur_u16be(c, &n16) != 0)
			return AMANA_EPARSE;
		n32 = n16;
	}
	if (amana_cur_take(c, n32, &q) != 0)
		return AMANA_EPARSE;
	*p = (const char *)q;
	*len = n32;
	return 0;
}

/* The whole alert header is in acc: parse and check it, call back. */
static int
r_header(struct record_reader *r)
{
	struct record_header h;
	struct amana_cur c;
	int ret;

	memset(&h, 0, sizeof(h));
	amana_cur_init(&c, r->acc.p, r->acc.len);
	if (amana_cur_expect(&c, RECORD_ALERT_MAGIC, RECORD_MAGIC_LEN) != 0 ||
	    amana_cur_expect(&c, "\x01", 1) != 0 ||
	    cur_field(&c, 0, &h.ngo_vkey, &h.ngo_vkey_len) != 0 ||
	    cur_field(&c, 0, &h.reply_recipient, &h.reply_recipient_len) != 0 ||
	    cur_field(&c, 0, &h.category, &h.category_len) != 0 ||
	    cur_field(&c, 0, &h.place, &h.place_len) != 0 ||
	    cur_field(&c, 1, &h.message, &h.message_len) != 0 ||
	    amana_cur_u16be(&c, &h.n_att) != 0 ||
	    amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	if ((ret = check_vkey(U(h.ngo_vkey), h.ngo_vkey_len)) != 0 ||
	    (ret = check_rcpt(U(h.reply_recipient),
	    h.reply_recipient_len)) != 0 ||
	    (ret = check_line(U(h.category), h.category_len, 1,
	    RECORD_CATEGORY_MAX)) != 0 ||
	    (ret = check_line(U(h.place), h.place_len, 0,
	    RECORD_PLACE_MAX)) != 0 ||
	    (ret = check_message(U(h.message), h.message_len)) != 0)
		return ret;
	if (h.n_att > RECORD_ATTACH_MAX)
		return AMANA_ETOOBIG;
	r->n_att = h.n_att;
	r->content = r->acc.len;
	if (r->cb != NULL && r->cb->header != NULL &&
	    (ret = r->cb->header(r->ctx, &h)) != 0)
		return ret;
	/* Release the message copy now. */
	amana_buf_free(&r->acc);
	amana_buf_init(&r->acc, ATT_HDR_MAX, 1);
	return 0;
}

/* An attachment header is in acc: parse and check it, call back. */
static int
r_att(struct record_reader *r)
{
	struct record_att_info a;
	struct amana_cur c, nc;
	const char *nm;
	size_t nlen;
	int ret;

	memset(&a, 0, sizeof(a));
	a.index = r->idx;
	amana_cur_init(&c, r->acc.p, r->acc.len);
	if (cur_field(&c, 0, &a.name, &a.name_len) != 0 ||
	    cur_field(&c, 0, &a.media_type, &a.media_type_len) != 0 ||
	    amana_cur_u64be(&c, &a.size) != 0 || amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	if ((ret = check_att(U(a.name), a.name_len, U(a.media_type),
	    a.media_type_len)) != 0)
		return ret;
	amana_cur_init(&nc, r->names.p, r->names.len);
	while (amana_cur_left(&nc) > 0) {
		if (cur_field(&nc, 0, &nm, &nlen) != 0)
			return AMANA_EPARSE;	/* cannot happen */
		if (nlen == a.name_len && memcmp(nm, a.name, nlen) == 0)
			return AMANA_EPARSE;	/* duplicate name */
	}
	if ((ret = amana_buf_u16be(&r->names, (uint16_t)a.name_len)) != 0 ||
	    (ret = amana_buf_append(&r->names, a.name, a.name_len)) != 0)
		return ret;
	if (u64_add(r->content, r->acc.len, &r->content) != 0 ||
	    u64_add(r->content, a.size, &r->content) != 0 ||
	    r->content > RECORD_MAX)
		return AMANA_ETOOBIG;
	r->left = a.size;
	if (r->cb != NULL && r->cb->att_begin != NULL &&
	    (ret = r->cb->att_begin(r->ctx, &a)) != 0)
		return ret;
	amana_buf_reset(&r->acc);
	return 0;
}

static int
r_to_pad(struct record_reader *r)
{
	r->st = S_PAD;
	if (pad_len(r->content, &r->padded) != 0)
		return AMANA_ETOOBIG;
	return 0;
}

/* The current structure step is complete (need == 0): act on it. */
static int
r_step(struct record_reader *r)
{
	uint32_t v;
	int ret;

	switch (r->st) {
	case S_MAGIC:
		if (memcmp(r->acc.p, RECORD_ALERT_MAGIC, RECORD_MAGIC_LEN) != 0 ||
		    r->acc.p[RECORD_MAGIC_LEN] != RECORD_VERSION)
			return AMANA_EPARSE;
		r->st = S_VKEY_LEN;
		r->need = 2;
		return 0;
	case S_VKEY_LEN:
	case S_RCPT_LEN:
	case S_CAT_LEN:
	case S_PLACE_LEN:
	case S_ANAME_LEN:
	case S_AMT_LEN:
		v = acc_tail(r, 2);
		if ((r->st == S_VKEY_LEN && v > RECORD_VKEY_MAX) ||
		    (r->st == S_RCPT_LEN && v > RECORD_RECIPIENT_MAX) ||
		    (r->st == S_CAT_LEN && v > RECORD_CATEGORY_MAX) ||
		    (r->st == S_PLACE_LEN && v > RECORD_PLACE_MAX) ||
		    (r->st == S_ANAME_LEN && v > RECORD_NAME_MAX) ||
		    (r->st == S_AMT_LEN && v > RECORD_MTYPE_MAX))
			return AMANA_ETOOBIG;
		r->need = v;
		r->st++;
		return 0;
	case S_MSG_LEN:
		v = acc_tail(r, 4);
		if (v > RECORD_MESSAGE_MAX)
			return AMANA_ETOOBIG;
		r->need = v;
		r->st = S_MSG;
		return 0;
	case S_VKEY:
	case S_RCPT:
	case S_CAT:
	case S_ANAME:
		r->need = 2;
		r->st++;
		return 0;
	case S_PLACE:
		r->need = 4;
		r->st = S_MSG_LEN;
		return 0;
	case S_MSG:
		r->need = 2;
		r->st = S_NATT;
		return 0;
	case S_AMT:
		r->need = 8;
		r->st = S_ASIZE;
		return 0;
	case S_NATT:
		if ((ret = r_header(r)) != 0)
			return ret;
		if (r->n_att == 0)
			return r_to_pad(r);
		r->st = S_ANAME_LEN;
		r->need = 2;
		return 0;
	case S_ASIZE:
		if ((ret = r_att(r)) != 0)
			return ret;
		r->st = S_ADATA;
		return 0;
	case S_ADATA:	/* left == 0 */
		if (r->cb != NULL && r->cb->att_end != NULL &&
		    (ret = r->cb->att_end(r->ctx)) != 0)
			return ret;
		r->idx++;
		if (r->idx == r->n_att)
			return r_to_pad(r);
		r->st = S_ANAME_LEN;
		r->need = 2;
		return 0;
	case S_PAD:
		break;
	}
	return AMANA_EPARSE;
}

int
record_reader_write(struct record_reader *r, const uint8_t *p, size_t len)
{
	size_t n, i;
	int ret = 0;

	if (r->err != 0)
		return r->err;
	if (len > RECORD_MAX - r->total) {	/* invariant total <= max */
		ret = AMANA_ETOOBIG;
		goto out;
	}
	r->total += len;
	for (;;) {
		if (r->st == S_PAD)
			break;
		if (r->st == S_ADATA) {
			if (r->left == 0) {
				if ((ret = r_step(r)) != 0)
					goto out;
				continue;
			}
			if (len == 0)
				break;
			n = r->left < len ? (size_t)r->left : len;
			if (r->cb != NULL && r->cb->att_data != NULL &&
			    (ret = r->cb->att_data(r->ctx, p, n)) != 0)
				goto out;
			r->left -= n;
			p += n;
			len -= n;
			continue;
		}
		if (r->need > 0) {
			if (len == 0)
				break;
			n = r->need < len ? r->need : len;
			if ((ret = amana_buf_append(&r->acc, p, n)) != 0)
				goto out;
			r->need -= n;
			p += n;
			len -= n;
			continue;
		}
		if ((ret = r_step(r)) != 0)
			goto out;
	}
	/* Padding: every remaining byte, up to the padded length, is zero. */
	if (len > 0) {
		if (r->total > r->padded) {
			ret = AMANA_EPARSE;
			goto out;
		}
		for (i = 0; i < len; i++)
			if (p[i] != 0) {
				ret = AMANA_EPARSE;
				goto out;
			}
	}
out:
	if (ret != 0) {
		r->err = ret;
		amana_buf_free(&r->acc);
	}
	return ret;
}

int
record_reader_sink(void *ctx, const uint8_t *p, size_t len)
{
	return record_reader_write(ctx, p, len);
}

int
record_reader_finish(struct record_reader *r)
{
	int ret = 0;

	if (r->err != 0)
		return r->err;
	if (r->st != S_PAD || r->total != r->padded)
		ret = AMANA_EPARSE;
	r->err = ret != 0 ? ret : AMANA_EINVAL;	/* no use after finish */
	return ret;
}

/* ---- reply records ---- */

int
record_reply_format(const struct record_reply *r, struct amana_buf *out)
{
	uint64_t content, padded, pad;
	size_t start = out->len, n;
	int ret;

	if (r->kind != RECORD_KIND_REPLY && r->kind != RECORD_KIND_ACK)
		return AMANA_EPARSE;
	if (r->message == NULL && r->message_len > 0)
		return AMANA_EINVAL;
	if ((ret = check_message(U(r->message), r->message_len)) != 0)
		return ret;
	content = MAGIC_VER_LEN + 1 + 8 + 4 + (uint64_t)r->message_len;
	if ((ret = pad_len(content, &padded)) != 0)
		return AMANA_ETOOBIG;
	if (padded > SIZE_MAX || (ret = amana_buf_reserve(out,
	    (size_t)padded)) != 0)
		return ret != 0 ? ret : AMANA_ETOOBIG;
	if ((ret = amana_buf_append(out, RECORD_REPLY_MAGIC,
	    RECORD_MAGIC_LEN)) != 0 ||
	    (ret = amana_buf_u8(out, RECORD_VERSION)) != 0 ||
	    (ret = amana_buf_u8(out, r->kind)) != 0 ||
	    (ret = amana_buf_u64be(out, r->alert_index)) != 0 ||
	    (ret = amana_buf_u32be(out, (uint32_t)r->message_len)) != 0 ||
	    (ret = amana_buf_append(out, r->message, r->message_len)) != 0)
		goto out;
	for (pad = padded - content; pad > 0; pad -= n) {
		n = pad < sizeof(zeros) ? (size_t)pad : sizeof(zeros);
		if ((ret = amana_buf_append(out, zeros, n)) != 0)
			goto out;
	}
out:
	if (ret != 0) {
		if (out->secure)
			sodium_memzero(out->p + start, out->len - start);
		out->len = start;
	}
	return ret;
}

int
record_reply_parse(const uint8_t *p, size_t len, struct record_reply *out)
{
	struct record_reply r;
	struct amana_cur c;
	const uint8_t *rest;
	uint64_t padded;
	size_t n;
	int ret;

	if (len > RECORD_MAX)
		return AMANA_ETOOBIG;
	amana_cur_init(&c, p, len);
	if (amana_cur_expect(&c, RECORD_REPLY_MAGIC, RECORD_MAGIC_LEN) != 0 ||
	    amana_cur_expect(&c, "\x01", 1) != 0 ||
	    amana_cur_u8(&c, &r.kind) != 0 ||
	    amana_cur_u64be(&c, &r.alert_index) != 0 ||
	    cur_field(&c, 1, &r.message, &r.message_len) != 0)
		return AMANA_EPARSE;
	if (r.kind != RECORD_KIND_REPLY && r.kind != RECORD_KIND_ACK)
		return AMANA_EPARSE;
	if ((ret = check_message(U(r.message), r.message_len)) != 0)
		return ret;
	if (pad_len(c.off, &padded) != 0 || padded != len)
		return AMANA_EPARSE;
	n = amana_cur_left(&c);
	if (amana_cur_take(&c, n, &rest) != 0 || amana_cur_done(&c) != 0 ||
	    (n > 0 && !sodium_is_zero(rest, n)))
		return AMANA_EPARSE;
	*out = r;
	return 0;
}
