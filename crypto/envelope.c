/*
 * envelope: signed binary envelopes (see envelope.h, docs/PROTOCOL.md
 * section 3).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "envelope.h"

/* Payload bytes seen so far: hash, count, age prefix check. */
struct payload_state {
	struct amana_sha256_ctx	*sha;
	uint64_t		 want;
	uint64_t		 seen;
};

struct envelope_writer {
	struct envelope_header	 hdr;
	uint8_t			 header[ENVELOPE_HEADER_LEN];
	struct payload_state	 ps;
	envelope_sink		 sink;
	void			*ctx;
	uint8_t			 msg[ENVELOPE_SIGNED_LEN];
	int			 have_msg;
	int			 failed;
};

struct envelope_checker {
	struct envelope_header	 hdr;
	uint8_t			 header[ENVELOPE_HEADER_LEN];
	struct payload_state	 ps;
	int			 failed;
};

static void
put_u64be(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int
kind_ok(uint8_t kind, uint64_t ref)
{
	switch (kind) {
	case ENVELOPE_KIND_ALERT:
		return ref == 0;
	case ENVELOPE_KIND_REPLY:
	case ENVELOPE_KIND_ACK:
		return 1;
	default:
		return 0;
	}
}

int
envelope_header_parse(const uint8_t *p, size_t len,
    struct envelope_header *out)
{
	struct envelope_header h;
	struct amana_cur c;

	if (len != ENVELOPE_HEADER_LEN)
		return AMANA_EPARSE;
	amana_cur_init(&c, p, len);
	if (amana_cur_expect(&c, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN) != 0 ||
	    amana_cur_u8(&c, &h.version) != 0 ||
	    amana_cur_u8(&c, &h.kind) != 0 ||
	    amana_cur_copy(&c, h.signer, sizeof(h.signer)) != 0 ||
	    amana_cur_u64be(&c, &h.created) != 0 ||
	    amana_cur_u64be(&c, &h.ref) != 0 ||
	    amana_cur_u64be(&c, &h.payload_len) != 0 ||
	    amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	if (h.version != ENVELOPE_VERSION || !kind_ok(h.kind, h.ref))
		return AMANA_EPARSE;
	if (h.payload_len > ENVELOPE_PAYLOAD_MAX)
		return AMANA_ETOOBIG;
	if (h.payload_len < ENVELOPE_PAYLOAD_MIN)
		return AMANA_EPARSE;
	*out = h;
	return 0;
}

int
envelope_parse(const uint8_t *p, size_t len, struct envelope_view *out)
{
	struct envelope_view v;
	struct amana_cur c;
	int ret;

	amana_cur_init(&c, p, len);
	if (amana_cur_take(&c, ENVELOPE_HEADER_LEN, &v.header) != 0)
		return AMANA_EPARSE;
	if ((ret = envelope_header_parse(v.header, ENVELOPE_HEADER_LEN,
	    &v.hdr)) != 0)
		return ret;
	/* payload_len <= ENVELOPE_PAYLOAD_MAX: fits in size_t (64-bit). */
	if (v.hdr.payload_len > SIZE_MAX)
		return AMANA_ETOOBIG;
	if (amana_cur_take(&c, (size_t)v.hdr.payload_len, &v.payload) != 0 ||
	    amana_cur_take(&c, ENVELOPE_SIG_LEN, &v.sig) != 0 ||
	    amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	if (memcmp(v.payload, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN) != 0)
		return AMANA_EPARSE;
	*out = v;
	return 0;
}

void
envelope_signed_msg(const uint8_t header[static ENVELOPE_HEADER_LEN],
    const uint8_t payload_hash[static ENVELOPE_HASH_LEN],
    uint8_t out[static ENVELOPE_SIGNED_LEN])
{
	memcpy(out, ENVELOPE_DOMAIN, ENVELOPE_DOMAIN_LEN);
	memcpy(out + ENVELOPE_DOMAIN_LEN, header, ENVELOPE_HEADER_LEN);
	memcpy(out + ENVELOPE_DOMAIN_LEN + ENVELOPE_HEADER_LEN, payload_hash,
	    ENVELOPE_HASH_LEN);
}

static int
verify_msg(const uint8_t header[static ENVELOPE_HEADER_LEN],
    const uint8_t signer[static ENVELOPE_PK_LEN],
    const uint8_t payload_hash[static ENVELOPE_HASH_LEN],
    const uint8_t sig[static ENVELOPE_SIG_LEN],
    const uint8_t pk[static ENVELOPE_PK_LEN])
{
	uint8_t msg[ENVELOPE_SIGNED_LEN];

	if (sodium_memcmp(signer, pk, ENVELOPE_PK_LEN) != 0)
		return AMANA_EBADKEY;
	envelope_signed_msg(header, payload_hash, msg);
	if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
		return AMANA_EBADSIG;
	return 0;
}

int
envelope_verify(const struct envelope_view *v,
    const uint8_t pk[static ENVELOPE_PK_LEN])
{
	uint8_t h[ENVELOPE_HASH_LEN];

	amana_sha256(h, v->payload, (size_t)v->hdr.payload_len);
	return verify_msg(v->header, v->hdr.signer, h, v->sig, pk);
}

void
envelope_hash(const uint8_t *p, size_t len,
    uint8_t out[static ENVELOPE_HASH_LEN])
{
	amana_sha256(out, p, len);
}

int
envelope_header_format(const struct envelope_header *h,
    uint8_t out[static ENVELOPE_HEADER_LEN])
{
	uint8_t *q = out;

	if (!kind_ok(h->kind, h->ref) ||
	    h->payload_len < ENVELOPE_PAYLOAD_MIN ||
	    h->payload_len > ENVELOPE_PAYLOAD_MAX)
		return AMANA_EINVAL;
	memcpy(q, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN);
	q += ENVELOPE_MAGIC_LEN;
	*q++ = ENVELOPE_VERSION;
	*q++ = h->kind;
	memcpy(q, h->signer, ENVELOPE_PK_LEN);
	q += ENVELOPE_PK_LEN;
	put_u64be(q, h->created);
	put_u64be(q + 8, h->ref);
	put_u64be(q + 16, h->payload_len);
	return 0;
}

/* Hashes payload bytes, checking the count and the age prefix. */
static int
payload_feed(struct payload_state *ps, const uint8_t *p, size_t len)
{
	size_t i;

	if (len > ps->want - ps->seen)
		return AMANA_ERANGE;
	for (i = 0; i < len && ps->seen + i < ENVELOPE_PAYLOAD_MIN; i++)
		if (p[i] != (uint8_t)ENVELOPE_AGE_PREFIX[ps->seen + i])
			return AMANA_EPARSE;
	amana_sha256_update(ps->sha, p, len);
	ps->seen += len;
	return 0;
}

int
envelope_writer_new(const struct envelope_header *h, envelope_sink sink,
    void *ctx, struct envelope_writer **out)
{
	struct envelope_writer *w = NULL;
	int ret;

	if (sink == NULL)
		return AMANA_EINVAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return AMANA_ENOMEM;
	if ((ret = envelope_header_format(h, w->header)) != 0)
		goto out;
	if ((ret = envelope_header_parse(w->header, ENVELOPE_HEADER_LEN,
	    &w->hdr)) != 0)
		goto out;
	if ((ret = amana_sha256_new(&w->ps.sha)) != 0)
		goto out;
	w->ps.want = w->hdr.payload_len;
	w->sink = sink;
	w->ctx = ctx;
	ret = sink(ctx, w->header, ENVELOPE_HEADER_LEN);
out:
	if (ret != 0) {
		envelope_writer_free(w);
		return ret;
	}
	*out = w;
	return 0;
}

int
envelope_writer_write(struct envelope_writer *w, const uint8_t *p,
    size_t len)
{
	int ret;

	if (w->failed)
		return AMANA_EINVAL;
	if ((ret = payload_feed(&w->ps, p, len)) == 0 && len > 0)
		ret = w->sink(w->ctx, p, len);
	if (ret != 0)
		w->failed = 1;
	return ret;
}

int
envelope_writer_msg(struct envelope_writer *w,
    uint8_t msg[static ENVELOPE_SIGNED_LEN])
{
	uint8_t h[ENVELOPE_HASH_LEN];

	if (w->failed || w->have_msg)
		return AMANA_EINVAL;
	if (w->ps.seen != w->ps.want) {
		w->failed = 1;
		return AMANA_ERANGE;
	}
	amana_sha256_final(w->ps.sha, h);
	envelope_signed_msg(w->header, h, w->msg);
	memcpy(msg, w->msg, ENVELOPE_SIGNED_LEN);
	w->have_msg = 1;
	return 0;
}

int
envelope_writer_finish_sig(struct envelope_writer *w,
    const uint8_t sig[static ENVELOPE_SIG_LEN])
{
	if (w->failed || !w->have_msg)
		return AMANA_EINVAL;
	w->failed = 1;		/* finished either way */
	if (crypto_sign_verify_detached(sig, w->msg, ENVELOPE_SIGNED_LEN,
	    w->hdr.signer) != 0)
		return AMANA_EBADSIG;
	return w->sink(w->ctx, sig, ENVELOPE_SIG_LEN);
}

int
envelope_writer_finish_sk(struct envelope_writer *w,
    const uint8_t sk[static 64])
{
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[ENVELOPE_SIG_LEN];
	int ret;

	if (w->failed)
		return AMANA_EINVAL;
	/* libsodium's sk is seed || pk. */
	if (sodium_memcmp(sk + 32, w->hdr.signer, ENVELOPE_PK_LEN) != 0) {
		w->failed = 1;
		return AMANA_EBADKEY;
	}
	if ((ret = envelope_writer_msg(w, msg)) != 0)
		return ret;
	if (crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk) != 0) {
		w->failed = 1;
		return AMANA_EINVAL;
	}
	return envelope_writer_finish_sig(w, sig);
}

void
envelope_writer_free(struct envelope_writer *w)
{
	if (w == NULL)
		return;
	amana_sha256_free(w->ps.sha);
	free(w);
}

int
envelope_checker_new(const uint8_t *header, size_t header_len,
    struct envelope_checker **out)
{
	struct envelope_checker *c = NULL;
	int ret;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AMANA_ENOMEM;
	if ((ret = envelope_header_parse(header, header_len, &c->hdr)) != 0)
		goto out;
	memcpy(c->header, header, ENVELOPE_HEADER_LEN);
	if ((ret = amana_sha256_new(&c->ps.sha)) != 0)
		goto out;
	c->ps.want = c->hdr.payload_len;
out:
	if (ret != 0) {
		envelope_checker_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

const struct envelope_header *
envelope_checker_header(const struct envelope_checker *c)
{
	return &c->hdr;
}

int
envelope_checker_payload(struct envelope_checker *c, const uint8_t *p,
    size_t len)
{
	int ret;

	if (c->failed)
		return AMANA_EINVAL;
	if ((ret = payload_feed(&c->ps, p, len)) != 0)
		c->failed = 1;
	return ret;
}

int
envelope_checker_finish(struct envelope_checker *c,
    const uint8_t sig[static ENVELOPE_SIG_LEN],
    const uint8_t pk[static ENVELOPE_PK_LEN])
{
	uint8_t h[ENVELOPE_HASH_LEN];

	if (c->failed)
		return AMANA_EINVAL;
	c->failed = 1;
	if (c->ps.seen != c->ps.want)
		return AMANA_ERANGE;
	amana_sha256_final(c->ps.sha, h);
	return verify_msg(c->header, c->hdr.signer, h, sig, pk);
}

void
envelope_checker_free(struct envelope_checker *c)
{
	if (c == NULL)
		return;
	amana_sha256_free(c->ps.sha);
	free(c);
}
