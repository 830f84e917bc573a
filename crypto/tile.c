/*
 * tile: C2SP tlog-tiles paths and entry bundles. See tile.h.
 */
#include <stdio.h>
#include <string.h>

#include "amana_codec.h"
#include "tile.h"

static const char tile_pfx[] = "tile/";
static const char entries_pfx[] = "entries/";

/* Largest tile index n at level such that n * 256^(level+1) fits. */
static uint64_t
n_max(int level)
{
	unsigned shift = 8 * ((unsigned)level + 1);

	return shift >= 64 ? 0 : UINT64_MAX >> shift;
}

int
tile_path_format(int level, uint64_t n, unsigned width, int entries,
    char *out, size_t out_size)
{
	char num[40], digits[24];
	size_t nd, i, o = 0, pad;
	int r;

	if (level < 0 || level > TILE_LEVEL_MAX || width > 255 ||
	    (entries && level != 0) || n > n_max(level))
		return AMANA_EINVAL;
	if (amana_dec_u64_format(digits, sizeof(digits), n, &nd) != 0)
		return AMANA_EINVAL;
	/* Zero-pad to a multiple of 3, then split into groups. */
	pad = (3 - nd % 3) % 3;
	for (i = 0; i < pad + nd; i++) {
		if (i > 0 && i % 3 == 0)
			num[o++] = '/';
		if (i % 3 == 0 && i + 3 < pad + nd)
			num[o++] = 'x';
		num[o++] = i < pad ? '0' : digits[i - pad];
	}
	num[o] = '\0';
	if (entries)
		r = snprintf(out, out_size, "tile/entries/%s", num);
	else
		r = snprintf(out, out_size, "tile/%d/%s", level, num);
	if (r < 0 || (size_t)r >= out_size)
		return AMANA_ERANGE;
	if (width > 0) {
		o = (size_t)r;
		r = snprintf(out + o, out_size - o, ".p/%u", width);
		if (r < 0 || (size_t)r >= out_size - o)
			return AMANA_ERANGE;
	}
	return 0;
}

/* Decimal without leading zeros, at most max, consumed from p[*i..len). */
static int
small_dec(const char *p, size_t len, size_t *i, unsigned max, unsigned *out)
{
	uint64_t v = 0;
	size_t end = *i;

	while (end < len && end - *i <= 3 && p[end] >= '0' && p[end] <= '9')
		end++;
	if (end - *i > 3 || amana_dec_u64_parse((const uint8_t *)p + *i,
	    end - *i, &v) != 0 || v > max)
		return AMANA_EPARSE;
	*i = end;
	*out = (unsigned)v;
	return 0;
}

static int
three_digits(const char *p, size_t len, size_t i, unsigned *out)
{
	if (len - i < 3 || p[i] < '0' || p[i] > '9' || p[i + 1] < '0' ||
	    p[i + 1] > '9' || p[i + 2] < '0' || p[i + 2] > '9')
		return AMANA_EPARSE;
	*out = (unsigned)(p[i] - '0') * 100 + (unsigned)(p[i + 1] - '0') * 10 +
	    (unsigned)(p[i + 2] - '0');
	return 0;
}

int
tile_path_parse(const char *path, size_t len, int *level, uint64_t *n,
    unsigned *width, int *entries)
{
	size_t i = 0, groups = 0;
	unsigned lv = 0, w = 0, g;
	uint64_t v = 0;
	int ent = 0;

	if (path == NULL || len >= TILE_PATH_MAX ||
	    len < sizeof(tile_pfx) - 1 ||
	    memcmp(path, tile_pfx, sizeof(tile_pfx) - 1) != 0)
		return AMANA_EPARSE;
	i = sizeof(tile_pfx) - 1;
	if (len - i >= sizeof(entries_pfx) - 1 &&
	    memcmp(path + i, entries_pfx, sizeof(entries_pfx) - 1) == 0) {
		ent = 1;
		i += sizeof(entries_pfx) - 1;
	} else {
		if (small_dec(path, len, &i, TILE_LEVEL_MAX, &lv) != 0 ||
		    i >= len || path[i] != '/')
			return AMANA_EPARSE;
		i++;
	}
	/* Groups "xDDD/" then a final "DDD". */
	for (;;) {
		int more = i < len && path[i] == 'x';

		if (more)
			i++;
		if (three_digits(path, len, i, &g) != 0)
			return AMANA_EPARSE;
		/* No leading all-zero group (non-canonical). */
		if (groups == 0 && more && g == 0)
			return AMANA_EPARSE;
		if (groups == 7 || v > (UINT64_MAX - g) / 1000)
			return AMANA_EPARSE;
		v = v * 1000 + g;
		groups++;
		i += 3;
		if (!more)
			break;
		if (i >= len || path[i] != '/')
			return AMANA_EPARSE;
		i++;
	}
	if (i < len) {
		if (len - i < 3 || memcmp(path + i, ".p/", 3) != 0)
			return AMANA_EPARSE;
		i += 3;
		if (small_dec(path, len, &i, 255, &w) != 0 || w == 0)
			return AMANA_EPARSE;
	}
	if (i != len || v > n_max((int)lv))
		return AMANA_EPARSE;
	*level = (int)lv;
	*n = v;
	*width = w;
	*entries = ent;
	return 0;
}

void
tile_span(uint64_t size, int level, uint64_t *n_full, unsigned *partial_width)
{
	unsigned shift;

	*n_full = 0;
	*partial_width = 0;
	if (level < 0 || level > TILE_LEVEL_MAX)
		return;
	shift = 8 * (unsigned)level;
	if (shift >= 64)
		return;
	*partial_width = (unsigned)((size >> shift) & 0xff);
	if (shift + 8 < 64)
		*n_full = size >> (shift + 8);
}

int
tile_bundle_next(struct amana_cur *c, const uint8_t **entry, size_t *len)
{
	size_t off = c->off;
	const uint8_t *q;
	uint16_t n;

	if (amana_cur_u16be(c, &n) != 0)
		return AMANA_EPARSE;
	if (amana_cur_take(c, n, &q) != 0) {
		c->off = off;
		return AMANA_EPARSE;
	}
	*entry = q;
	*len = n;
	return 0;
}
