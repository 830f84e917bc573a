/*
 * age_armor: streaming decoder of age's ASCII armor, the strict PEM of
 * RFC 7468 section 3 (figure 3) with label "AGE ENCRYPTED FILE":
 * optional whitespace, the BEGIN line, padded canonical base64 in lines of
 * exactly 64 columns with a last line of 4 to 64 columns, the END line,
 * optional whitespace. Lines end in LF or CRLF; the END line may end the
 * input without one. Nothing else is accepted.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "age_internal.h"
#include "amana_codec.h"

#define BEGIN_LINE	"-----BEGIN AGE ENCRYPTED FILE-----"
#define END_LINE	"-----END AGE ENCRYPTED FILE-----"
#define ARMOR_COLS	64

enum { S_LEAD, S_BEGIN, S_BODY, S_TRAIL, S_FAILED };

static int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
age_armor_init(struct age_armor *a)
{
	memset(a, 0, sizeof(*a));
	a->state = S_LEAD;
}

static int
line_is(const uint8_t *l, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(l, lit, len) == 0;
}

/* One complete line without its end of line. */
static int
armor_line(struct age_armor *a, age_sink sink, void *ctx)
{
	uint8_t	 dec[ARMOR_COLS / 4 * 3];
	size_t	 len = a->line_len, dec_len;
	int	 ret;

	if (len > 0 && a->line[len - 1] == '\r')
		len--;
	if (a->state == S_BEGIN) {
		if (!line_is(a->line, len, BEGIN_LINE))
			return AMANA_EARMOR;
		a->state = S_BODY;
		return 0;
	}
	if (line_is(a->line, len, END_LINE)) {
		a->state = S_TRAIL;
		return 0;
	}
	if (a->final_seen || len == 0 || len > ARMOR_COLS || len % 4 != 0)
		return AMANA_EARMOR;
	if (amana_b64_decode(dec, sizeof(dec), &dec_len,
	    (const char *)a->line, len, 1) != 0)
		return AMANA_EARMOR;
	if (len < ARMOR_COLS || a->line[len - 1] == '=')
		a->final_seen = 1;
	a->any_line = 1;
	ret = sink(ctx, dec, dec_len);
	return ret;
}

int
age_armor_write(struct age_armor *a, const uint8_t *p, size_t len,
    age_sink sink, void *ctx)
{
	size_t	 i;
	int	 ret;

	for (i = 0; i < len; i++) {
		uint8_t ch = p[i];

		switch (a->state) {
		case S_FAILED:
			return AMANA_EARMOR;
		case S_LEAD:
			if (is_ws(ch))
				continue;
			a->state = S_BEGIN;
			/* FALLTHROUGH */
		case S_BEGIN:
		case S_BODY:
			if (ch != '\n') {
				if (a->line_len >= sizeof(a->line)) {
					a->state = S_FAILED;
					return AMANA_EARMOR;
				}
				a->line[a->line_len++] = ch;
				continue;
			}
			ret = armor_line(a, sink, ctx);
			a->line_len = 0;
			if (ret != 0) {
				a->state = S_FAILED;
				return ret;
			}
			continue;
		case S_TRAIL:
			if (!is_ws(ch)) {
				a->state = S_FAILED;
				return AMANA_EARMOR;
			}
			continue;
		}
	}
	return 0;
}

int
age_armor_finish(struct age_armor *a, age_sink sink, void *ctx)
{
	int	 ret;

	if (a->state == S_BODY && a->line_len > 0) {
		/* Only the END line may lack its end of line. */
		if (!line_is(a->line, a->line_len, END_LINE)) {
			a->state = S_FAILED;
			return AMANA_EARMOR;
		}
		ret = armor_line(a, sink, ctx);
		a->line_len = 0;
		if (ret != 0)
			return ret;
	}
	if (a->state != S_TRAIL) {
		a->state = S_FAILED;
		return AMANA_EARMOR;
	}
	return 0;
}
