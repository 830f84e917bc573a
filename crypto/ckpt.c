/*
 * ckpt: C2SP tlog-checkpoint bodies. See ckpt.h.
 */
#include <string.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "ckpt.h"

#define ROOT_B64_LEN	44	/* padded base64 of 32 bytes */

static int
origin_valid(const uint8_t *p, size_t len)
{
	if (len == 0 || len > CKPT_ORIGIN_MAX || memchr(p, '\n', len) != NULL)
		return AMANA_EPARSE;
	return note_text_valid(p, len);
}

/* Extension lines: each non-empty and '\n'-terminated, valid text. */
static int
ext_valid(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	if (len > CKPT_EXT_MAX || p[0] == '\n' || p[len - 1] != '\n' ||
	    note_text_valid(p, len) != 0)
		return AMANA_EPARSE;
	for (i = 1; i < len; i++)
		if (p[i] == '\n' && p[i - 1] == '\n')
			return AMANA_EPARSE;
	return 0;
}

int
ckpt_format(const struct ckpt *c, struct amana_buf *body)
{
	char b64[ROOT_B64_LEN + 1];
	size_t origin_len = strnlen(c->origin, CKPT_ORIGIN_MAX + 1);
	size_t old_len = body->len;
	int ret;

	if (origin_valid((const uint8_t *)c->origin, origin_len) != 0 ||
	    (c->ext == NULL && c->ext_len != 0) ||
	    ext_valid(c->ext, c->ext_len) != 0)
		return AMANA_EINVAL;
	if ((ret = amana_b64_encode(b64, sizeof(b64), c->root,
	    MERKLE_HASH_LEN, 1)) != 0)
		return ret;
	if ((ret = amana_buf_printf(body, "%s\n%llu\n%s\n", c->origin,
	    (unsigned long long)c->size, b64)) != 0 ||
	    (c->ext_len > 0 &&
	    (ret = amana_buf_append(body, c->ext, c->ext_len)) != 0)) {
		body->len = old_len;
		return ret;
	}
	return 0;
}

int
ckpt_parse(const uint8_t *p, size_t len, struct ckpt *out)
{
	struct amana_cur cur;
	struct ckpt c;
	const uint8_t *line;
	size_t line_len, root_len;

	memset(&c, 0, sizeof(c));
	amana_cur_init(&cur, p, len);
	if (amana_cur_line(&cur, &line, &line_len) != 0 ||
	    origin_valid(line, line_len) != 0)
		return AMANA_EPARSE;
	memcpy(c.origin, line, line_len);
	c.origin[line_len] = '\0';
	if (amana_cur_line(&cur, &line, &line_len) != 0 ||
	    amana_dec_u64_parse(line, line_len, &c.size) != 0)
		return AMANA_EPARSE;
	if (amana_cur_line(&cur, &line, &line_len) != 0 ||
	    line_len != ROOT_B64_LEN ||
	    amana_b64_decode(c.root, MERKLE_HASH_LEN, &root_len,
	    (const char *)line, line_len, 1) != 0 ||
	    root_len != MERKLE_HASH_LEN)
		return AMANA_EPARSE;
	c.ext_len = amana_cur_left(&cur);
	c.ext = c.ext_len > 0 ? p + cur.off : NULL;
	if (ext_valid(c.ext, c.ext_len) != 0)
		return AMANA_EPARSE;
	*out = c;
	return 0;
}

int
ckpt_verify(const uint8_t *p, size_t len, const struct note_verifier *log_key,
    struct ckpt *out)
{
	struct note_view v;
	struct ckpt c;
	int ret;

	if ((ret = note_verify(p, len, log_key, 1, &v)) != 0)
		return ret;
	if ((ret = ckpt_parse(v.text, v.text_len, &c)) != 0)
		return ret;
	if (strncmp(c.origin, log_key->name, sizeof(c.origin)) != 0)
		return AMANA_EBADSIG;
	*out = c;
	return 0;
}
