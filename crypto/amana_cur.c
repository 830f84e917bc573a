#include <string.h>

#include "amana_cur.h"

void
amana_cur_init(struct amana_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p == NULL ? 0 : len;
	c->off = 0;
}

size_t
amana_cur_left(const struct amana_cur *c)
{
	return c->len - c->off;
}

int
amana_cur_done(const struct amana_cur *c)
{
	return c->off == c->len ? 0 : AMANA_EPARSE;
}

int
amana_cur_take(struct amana_cur *c, size_t n, const uint8_t **out)
{
	if (n > c->len - c->off)
		return AMANA_EPARSE;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

int
amana_cur_copy(struct amana_cur *c, void *dst, size_t n)
{
	const uint8_t *q;
	int ret;

	if ((ret = amana_cur_take(c, n, &q)) != 0)
		return ret;
	if (n > 0)
		memcpy(dst, q, n);
	return 0;
}

int
amana_cur_u8(struct amana_cur *c, uint8_t *out)
{
	const uint8_t *q;
	int ret;

	if ((ret = amana_cur_take(c, 1, &q)) != 0)
		return ret;
	*out = q[0];
	return 0;
}

int
amana_cur_u16be(struct amana_cur *c, uint16_t *out)
{
	const uint8_t *q;
	int ret;

	if ((ret = amana_cur_take(c, 2, &q)) != 0)
		return ret;
	*out = (uint16_t)((unsigned)q[0] << 8 | q[1]);
	return 0;
}

int
amana_cur_u32be(struct amana_cur *c, uint32_t *out)
{
	const uint8_t *q;
	int ret;

	if ((ret = amana_cur_take(c, 4, &q)) != 0)
		return ret;
	*out = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
	return 0;
}

int
amana_cur_u64be(struct amana_cur *c, uint64_t *out)
{
	uint32_t hi, lo;
	size_t save = c->off;
	int ret;

	if ((ret = amana_cur_u32be(c, &hi)) != 0)
		return ret;
	if ((ret = amana_cur_u32be(c, &lo)) != 0) {
		c->off = save;
		return ret;
	}
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

int
amana_cur_expect(struct amana_cur *c, const void *lit, size_t n)
{
	if (n > c->len - c->off || memcmp(c->p + c->off, lit, n) != 0)
		return AMANA_EPARSE;
	c->off += n;
	return 0;
}

int
amana_cur_line(struct amana_cur *c, const uint8_t **line, size_t *line_len)
{
	const uint8_t *start = c->p + c->off, *nl;
	size_t left = c->len - c->off;

	if (left == 0 || (nl = memchr(start, '\n', left)) == NULL)
		return AMANA_EPARSE;
	*line = start;
	*line_len = (size_t)(nl - start);
	c->off += *line_len + 1;
	return 0;
}
