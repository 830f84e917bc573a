/*
 * receipt: C2SP tlog-proof receipts. See receipt.h.
 */
#include <string.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "amana_size.h"
#include "receipt.h"

static const char header[] = "c2sp.org/tlog-proof@v1";

/* Appends pfx (pfx_len bytes), base64 of p (len bytes, padded) and a
 * newline, encoding in place. */
static int
put_b64_line(struct amana_buf *out, const char *pfx, size_t pfx_len,
    const uint8_t *p, size_t len)
{
	size_t b64_len = amana_b64_len(len, 1);
	int ret;

	if ((ret = amana_buf_append(out, pfx, pfx_len)) != 0 ||
	    (ret = amana_buf_reserve(out, b64_len + 1)) != 0 ||
	    (ret = amana_b64_encode((char *)out->p + out->len,
	    out->cap - out->len, p, len, 1)) != 0)
		return ret;
	out->len += b64_len;
	return amana_buf_u8(out, '\n');
}

int
receipt_format(uint64_t index, const uint8_t *extra, size_t extra_len,
    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
    const uint8_t *signed_ckpt, size_t ckpt_len, struct amana_buf *out)
{
	return receipt_format_memo(index, extra, extra_len, proof, n,
	    signed_ckpt, ckpt_len, NULL, out);
}

/* Appends the line of proof hash i, from memo when it holds that hash
 * there, else encoded (and then kept in memo). */
static int
put_proof_line(struct amana_buf *out, const uint8_t (*proof)[MERKLE_HASH_LEN],
    size_t i, struct receipt_memo *memo)
{
	size_t at = out->len;
	int ret;

	if (memo == NULL)
		return put_b64_line(out, "", 0, proof[i], MERKLE_HASH_LEN);
	if (i < memo->n && memcmp(memo->hash[i], proof[i],
	    MERKLE_HASH_LEN) == 0)
		return amana_buf_append(out, memo->line[i], RECEIPT_LINE_LEN);
	if ((ret = put_b64_line(out, "", 0, proof[i], MERKLE_HASH_LEN)) != 0)
		return ret;
	memcpy(memo->hash[i], proof[i], MERKLE_HASH_LEN);
	memcpy(memo->line[i], out->p + at, RECEIPT_LINE_LEN);
	return 0;
}

int
receipt_format_memo(uint64_t index, const uint8_t *extra, size_t extra_len,
    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t n,
    const uint8_t *signed_ckpt, size_t ckpt_len, struct receipt_memo *memo,
    struct amana_buf *out)
{
	char num[AMANA_DEC_U64_MAX_LEN + 1];
	size_t old_len = out->len, i, num_len = 0;
	int ret;

	if ((extra == NULL && extra_len != 0) ||
	    (extra != NULL && (extra_len == 0 ||
	    extra_len > RECEIPT_EXTRA_MAX)) ||
	    n > RECEIPT_PROOF_MAX || (n > 0 && proof == NULL) ||
	    signed_ckpt == NULL || ckpt_len == 0 ||
	    ckpt_len > NOTE_MAX_LEN)
		return AMANA_EINVAL;
	if ((ret = amana_dec_u64_format(num, sizeof(num), index,
	    &num_len)) != 0)
		return ret;
	/* One allocation, for exactly the receipt (all terms bounded). */
	if ((ret = amana_buf_reserve(out, sizeof(header) +
	    (extra != NULL ? 7 + amana_b64_len(extra_len, 1) : 0) +
	    7 + num_len + n * RECEIPT_LINE_LEN + 1 + ckpt_len)) != 0 ||
	    (ret = amana_buf_append(out, header, sizeof(header) - 1)) != 0 ||
	    (ret = amana_buf_u8(out, '\n')) != 0)
		goto out;
	if (extra != NULL &&
	    (ret = put_b64_line(out, "extra ", 6, extra, extra_len)) != 0)
		goto out;
	if ((ret = amana_buf_append(out, "index ", 6)) != 0 ||
	    (ret = amana_buf_append(out, num, num_len)) != 0 ||
	    (ret = amana_buf_u8(out, '\n')) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((ret = put_proof_line(out, proof, i, memo)) != 0)
			goto out;
	/* Every place below n holds a pair now (the places from the last n
	 * on still hold earlier ones). */
	if (memo != NULL && n > memo->n)
		memo->n = n;
	if ((ret = amana_buf_u8(out, '\n')) != 0 ||
	    (ret = amana_buf_append(out, signed_ckpt, ckpt_len)) != 0)
		goto out;
out:
	if (ret != 0)
		out->len = old_len;
	return ret;
}

int
receipt_parse(const uint8_t *p, size_t len, struct receipt_view *out)
{
	static const char extra_pfx[] = "extra ", index_pfx[] = "index ";
	struct receipt_view tmp, *v = &tmp;
	struct note_view nv;
	struct amana_cur c;
	const uint8_t *line;
	size_t line_len, dec_len;
	int ret = AMANA_EPARSE;

	if (p == NULL && len != 0)
		return AMANA_EINVAL;
	if (len > RECEIPT_MAX_LEN)
		return AMANA_ETOOBIG;
	memset(v, 0, sizeof(*v));
	amana_cur_init(&c, p, len);
	if (amana_cur_line(&c, &line, &line_len) != 0 ||
	    line_len != sizeof(header) - 1 ||
	    memcmp(line, header, line_len) != 0)
		goto out;
	if (amana_cur_line(&c, &line, &line_len) != 0)
		goto out;
	if (line_len >= sizeof(extra_pfx) - 1 &&
	    memcmp(line, extra_pfx, sizeof(extra_pfx) - 1) == 0) {
		line += sizeof(extra_pfx) - 1;
		line_len -= sizeof(extra_pfx) - 1;
		if (line_len == 0 || amana_b64_decode(v->extra,
		    sizeof(v->extra), &v->extra_len, (const char *)line,
		    line_len, 1) != 0)
			goto out;
		v->has_extra = 1;
		if (amana_cur_line(&c, &line, &line_len) != 0)
			goto out;
	}
	if (line_len < sizeof(index_pfx) - 1 ||
	    memcmp(line, index_pfx, sizeof(index_pfx) - 1) != 0 ||
	    amana_dec_u64_parse(line + sizeof(index_pfx) - 1,
	    line_len - (sizeof(index_pfx) - 1), &v->index) != 0)
		goto out;
	for (;;) {
		if (amana_cur_line(&c, &line, &line_len) != 0)
			goto out;
		if (line_len == 0)
			break;
		if (v->n_proof == RECEIPT_PROOF_MAX ||
		    line_len != RECEIPT_LINE_LEN - 1 ||
		    amana_b64_decode(v->proof[v->n_proof], MERKLE_HASH_LEN,
		    &dec_len, (const char *)line, line_len, 1) != 0 ||
		    dec_len != MERKLE_HASH_LEN)
			goto out;
		v->n_proof++;
	}
	v->ckpt_note = p + c.off;
	v->ckpt_note_len = amana_cur_left(&c);
	if ((ret = note_open(v->ckpt_note, v->ckpt_note_len, &nv)) != 0)
		goto out;
	memcpy(out, v, sizeof(*v));
	ret = 0;
out:
	return ret;
}

int
receipt_verify(const uint8_t *p, size_t len,
    const struct note_verifier *log_key, const uint8_t *envelope,
    size_t env_len, struct receipt_view *out)
{
	struct receipt_view tmp, *v = &tmp;
	uint8_t leaf[MERKLE_HASH_LEN], h[AMANA_SHA256_LEN];
	int ret;

	if (log_key == NULL || (envelope == NULL && env_len != 0))
		return AMANA_EINVAL;
	if ((ret = receipt_parse(p, len, v)) != 0)
		goto out;
	if ((ret = ckpt_verify(v->ckpt_note, v->ckpt_note_len, log_key,
	    &v->ckpt)) != 0)
		goto out;
	ret = AMANA_EPARSE;
	if (!v->has_extra ||
	    logentry_decode(v->extra, v->extra_len, &v->entry) != 0)
		goto out;
	merkle_leaf_hash(leaf, v->extra, v->extra_len);
	if ((ret = merkle_verify_inclusion(v->index, v->ckpt.size, leaf,
	    (const uint8_t (*)[MERKLE_HASH_LEN])v->proof, v->n_proof,
	    v->ckpt.root)) != 0)
		goto out;
	if (envelope != NULL) {
		amana_sha256(h, envelope, env_len);
		if (sodium_memcmp(h, v->entry.hash, sizeof(h)) != 0) {
			ret = AMANA_ENOMATCH;
			goto out;
		}
	}
	memcpy(out, v, sizeof(*v));
	ret = 0;
out:
	return ret;
}
