#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_size.h"

static const char empty_str[1] = "";

void
amana_buf_init(struct amana_buf *b, size_t max, int secure)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->secure = secure;
}

static void
release(uint8_t *p, size_t cap, int secure)
{
	if (p == NULL)
		return;
	if (secure)
		sodium_free(p);
	else
		free(p);
	(void)cap;
}

void
amana_buf_free(struct amana_buf *b)
{
	release(b->p, b->cap, b->secure);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
amana_buf_reset(struct amana_buf *b)
{
	if (b->secure && b->p != NULL)
		sodium_memzero(b->p, b->cap);
	b->len = 0;
}

int
amana_buf_reserve(struct amana_buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *np;

	if (amana_size_add(b->len, n, &need) != 0 || need > b->max)
		return AMANA_ETOOBIG;
	if (amana_size_add(need, 1, &need) != 0)	/* room for a NUL */
		return AMANA_ETOOBIG;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (b->max < SIZE_MAX && ncap > b->max + 1)
		ncap = b->max + 1 > need ? b->max + 1 : need;
	if (b->secure) {
		if ((np = sodium_malloc(ncap)) == NULL)
			return AMANA_ENOMEM;
		if (b->len > 0)
			memcpy(np, b->p, b->len);
		release(b->p, b->cap, 1);
	} else if ((np = realloc(b->p, ncap)) == NULL)
		return AMANA_ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
amana_buf_append(struct amana_buf *b, const void *p, size_t n)
{
	int ret;

	if (n == 0)
		return 0;
	if ((ret = amana_buf_reserve(b, n)) != 0)
		return ret;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
amana_buf_u8(struct amana_buf *b, uint8_t v)
{
	return amana_buf_append(b, &v, 1);
}

int
amana_buf_u16be(struct amana_buf *b, uint16_t v)
{
	uint8_t q[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return amana_buf_append(b, q, sizeof(q));
}

int
amana_buf_u32be(struct amana_buf *b, uint32_t v)
{
	uint8_t q[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	return amana_buf_append(b, q, sizeof(q));
}

int
amana_buf_u64be(struct amana_buf *b, uint64_t v)
{
	uint8_t q[8];
	int i;

	for (i = 0; i < 8; i++)
		q[i] = (uint8_t)(v >> (56 - 8 * i));
	return amana_buf_append(b, q, sizeof(q));
}

int
amana_buf_str(struct amana_buf *b, const char *s)
{
	return amana_buf_append(b, s, strlen(s));
}

int
amana_buf_printf(struct amana_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AMANA_EINVAL;
	if ((ret = amana_buf_reserve(b, (size_t)n)) != 0)
		return ret;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		return AMANA_EINVAL;
	b->len += (size_t)n;
	return 0;
}

const char *
amana_buf_cstr(struct amana_buf *b)
{
	if (b->p == NULL)
		return empty_str;
	b->p[b->len] = '\0';	/* reserve keeps one spare byte */
	return (const char *)b->p;
}

void
amana_buf_steal(struct amana_buf *b, uint8_t **out, size_t *out_len)
{
	*out = b->p;
	*out_len = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}
