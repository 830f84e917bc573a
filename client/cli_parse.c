/*
 * cli_parse: see cli_parse.h. No I/O, no allocation.
 */
#include <string.h>

#include "amana_codec.h"
#include "cli_parse.h"
#include "tile.h"

int
cli_frame_next(struct amana_cur *c, struct cli_frame *f)
{
	struct amana_cur save = *c;
	uint64_t len;

	if (amana_cur_u64be(c, &f->index) != 0 ||
	    amana_cur_u64be(c, &len) != 0 || len > amana_cur_left(c) ||
	    amana_cur_take(c, (size_t)len, &f->p) != 0) {
		*c = save;
		return AMANA_EPARSE;
	}
	f->len = (size_t)len;
	return 0;
}

int
cli_frames_check(const uint8_t *p, size_t len, uint64_t min_index,
    size_t frame_max, size_t *count)
{
	struct amana_cur c;
	struct cli_frame f;
	size_t n = 0;

	amana_cur_init(&c, p, len);
	while (amana_cur_left(&c) > 0) {
		if (cli_frame_next(&c, &f) != 0 || f.index < min_index ||
		    f.len > frame_max)
			return AMANA_EPARSE;
		if (f.index == UINT64_MAX)
			return AMANA_EPARSE;
		min_index = f.index + 1;	/* strictly increasing */
		n++;
	}
	*count = n;
	return 0;
}

/* "key value\n": *v, *v_len the value (1 byte or more). */
static int
line_value(struct amana_cur *c, const char *key, const uint8_t **v,
    size_t *v_len)
{
	const uint8_t *line;
	size_t len, klen = strlen(key);

	if (amana_cur_line(c, &line, &len) != 0 || len <= klen + 1 ||
	    memcmp(line, key, klen) != 0 || line[klen] != ' ')
		return AMANA_EPARSE;
	*v = line + klen + 1;
	*v_len = len - klen - 1;
	return 0;
}

/* Canonical decimal u64: digits only, no leading zero (except "0"). */
static int
dec_u64(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && p[0] == '0'))
		return AMANA_EPARSE;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return AMANA_EPARSE;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

int
cli_audit_state_parse(const uint8_t *p, size_t len,
    struct cli_audit_state *out)
{
	struct cli_audit_state st;
	struct amana_cur c;
	const uint8_t *v;
	size_t vl, rl;

	if (len > CLI_AUDIT_STATE_MAX)
		return AMANA_ETOOBIG;
	memset(&st, 0, sizeof(st));
	amana_cur_init(&c, p, len);
	if (amana_cur_expect(&c, CLI_AUDIT_STATE_MAGIC "\n",
	    strlen(CLI_AUDIT_STATE_MAGIC) + 1) != 0)
		return AMANA_EPARSE;
	if (line_value(&c, "origin", &v, &vl) != 0 || vl > CKPT_ORIGIN_MAX ||
	    memchr(v, '\0', vl) != NULL)
		return AMANA_EPARSE;
	memcpy(st.origin, v, vl);
	st.origin[vl] = '\0';
	if (line_value(&c, "size", &v, &vl) != 0 ||
	    dec_u64(v, vl, &st.size) != 0)
		return AMANA_EPARSE;
	if (line_value(&c, "root", &v, &vl) != 0 ||
	    amana_b64_decode(st.root, sizeof(st.root), &rl, (const char *)v,
	    vl, 1) != 0 || rl != MERKLE_HASH_LEN)
		return AMANA_EPARSE;
	if (amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	*out = st;
	return 0;
}

int
cli_bundle_parse(const uint8_t *p, size_t len, unsigned w,
    int (*cb)(void *, const uint8_t *, size_t), void *arg)
{
	struct amana_cur c;
	const uint8_t *e;
	size_t elen;
	unsigned i;
	int err;

	/* the whole bundle first: nothing acted on if it is malformed */
	amana_cur_init(&c, p, len);
	for (i = 0; i < w; i++)
		if (tile_bundle_next(&c, &e, &elen) != 0)
			return AMANA_EPARSE;
	if (amana_cur_done(&c) != 0)
		return AMANA_EPARSE;
	if (cb == NULL)
		return 0;
	amana_cur_init(&c, p, len);
	for (i = 0; i < w; i++) {
		if (tile_bundle_next(&c, &e, &elen) != 0)
			return AMANA_EPARSE;
		if ((err = cb(arg, e, elen)) != 0)
			return err;
	}
	return 0;
}

int
cli_recipients_parse(const uint8_t *p, size_t len,
    uint8_t (*pks)[AGE_KEY_LEN], size_t max, size_t *n, size_t *bad_line)
{
	struct amana_cur c;
	const uint8_t *line;
	size_t line_len, np = *n, lineno = 0, before = *n;

	amana_cur_init(&c, p, len);
	while (amana_cur_left(&c) > 0) {
		lineno++;
		if (amana_cur_line(&c, &line, &line_len) != 0) {
			/* the last line without its '\n' */
			line_len = amana_cur_left(&c);
			if (amana_cur_take(&c, line_len, &line) != 0)
				return AMANA_EPARSE;
		}
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0 || line[0] == '#')
			continue;
		if (np >= max)
			return AMANA_ERANGE;
		if (line_len != AGE_RECIPIENT_STR_LEN ||
		    age_recipient_parse(line, line_len, pks[np]) != 0) {
			*bad_line = lineno;
			return AMANA_EPARSE;
		}
		np++;
	}
	if (np == before)
		return AMANA_ENOENT;
	*n = np;
	return 0;
}
