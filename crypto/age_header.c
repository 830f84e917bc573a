/*
 * age_header: strict parser of the age v1 text header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "age_internal.h"
#include "amana_codec.h"
#include "amana_cur.h"

#define VERSION_LINE	"age-encryption.org/v1"
#define BODY_COLS	64
#define MAC_B64_LEN	43

static int
is_b64char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Arguments: 1*VCHAR separated by single spaces; at least one. */
static int
count_args(const uint8_t *p, size_t len, size_t *n)
{
	size_t	 i, count = 1;

	if (len == 0 || p[0] == ' ' || p[len - 1] == ' ')
		return AMANA_EHEADER;
	for (i = 0; i < len; i++) {
		if (p[i] == ' ') {
			if (p[i - 1] == ' ')
				return AMANA_EHEADER;
			count++;
			continue;
		}
		if (p[i] < 0x21 || p[i] > 0x7e)
			return AMANA_EHEADER;
	}
	*n = count;
	return 0;
}

int
age_stanza_arg(const struct age_stanza *s, size_t i, const uint8_t **arg,
    size_t *arg_len)
{
	size_t	 k = 0, start = 0, j;

	if (i >= s->n_args)
		return AMANA_EHEADER;
	for (j = 0; j <= s->args_len; j++) {
		if (j < s->args_len && s->args[j] != ' ')
			continue;
		if (k == i) {
			*arg = s->args + start;
			*arg_len = j - start;
			return 0;
		}
		k++;
		start = j + 1;
	}
	return AMANA_EHEADER;
}

void
age_header_free(struct age_header *h)
{
	if (h == NULL)
		return;
	free(h->stanzas);
	free(h->bodies);
	memset(h, 0, sizeof(*h));
}

static int
push_stanza(struct age_header *h, size_t *cap, const struct age_stanza *s)
{
	struct age_stanza *n;
	size_t		 ncap;

	if (h->n_stanzas >= AGE_STANZAS_MAX)
		return AMANA_EHEADER;
	if (h->n_stanzas == *cap) {
		ncap = *cap == 0 ? 4 : *cap * 2;
		if (ncap > AGE_STANZAS_MAX)
			ncap = AGE_STANZAS_MAX;
		n = realloc(h->stanzas, ncap * sizeof(*n));
		if (n == NULL)
			return AMANA_ENOMEM;
		h->stanzas = n;
		*cap = ncap;
	}
	h->stanzas[h->n_stanzas++] = *s;
	return 0;
}

int
age_header_parse(const uint8_t *p, size_t len, struct age_header *out)
{
	struct amana_cur c;
	struct age_header h;
	struct age_stanza st;
	const uint8_t	*line;
	size_t		 line_len, cap = 0, bodies_len = 0, dec_len, i;
	size_t		 line_off;
	int		 ret = AMANA_EHEADER, done = 0;

	memset(&h, 0, sizeof(h));
	if (len == 0 || len > AGE_HEADER_MAX)
		return AMANA_EHEADER;
	amana_cur_init(&c, p, len);
	/* Decoded bodies are shorter than their text: len bytes suffice. */
	if ((h.bodies = malloc(len)) == NULL)
		return AMANA_ENOMEM;

	if (amana_cur_line(&c, &line, &line_len) != 0 ||
	    line_len != strlen(VERSION_LINE) ||
	    memcmp(line, VERSION_LINE, line_len) != 0)
		goto out;

	while (!done) {
		line_off = c.off;
		if (amana_cur_line(&c, &line, &line_len) != 0)
			goto out;
		if (line_len >= 3 && memcmp(line, "---", 3) == 0) {
			/* "--- " 43base64char */
			if (h.n_stanzas == 0 || line_len != 4 + MAC_B64_LEN ||
			    line[3] != ' ')
				goto out;
			if (amana_b64_decode(h.mac, sizeof(h.mac), &dec_len,
			    (const char *)line + 4, MAC_B64_LEN, 0) != 0 ||
			    dec_len != sizeof(h.mac))
				goto out;
			h.mac_off = line_off + 3;
			done = 1;
			continue;
		}
		if (line_len < 3 || memcmp(line, "-> ", 3) != 0)
			goto out;
		memset(&st, 0, sizeof(st));
		st.args = line + 3;
		st.args_len = line_len - 3;
		if (count_args(st.args, st.args_len, &st.n_args) != 0)
			goto out;
		st.body_off = bodies_len;
		/* Body: full 64-column lines, then one shorter line. */
		for (;;) {
			if (amana_cur_line(&c, &line, &line_len) != 0 ||
			    line_len > BODY_COLS)
				goto out;
			for (i = 0; i < line_len; i++)
				if (!is_b64char(line[i]))
					goto out;
			if (amana_b64_decode(h.bodies + bodies_len,
			    len - bodies_len, &dec_len, (const char *)line,
			    line_len, 0) != 0)
				goto out;
			bodies_len += dec_len;
			if (line_len < BODY_COLS)
				break;
		}
		st.body_len = bodies_len - st.body_off;
		if ((ret = push_stanza(&h, &cap, &st)) != 0)
			goto out;
		ret = AMANA_EHEADER;
	}
	if (amana_cur_done(&c) != 0)
		goto out;
	ret = 0;
	*out = h;
out:
	if (ret != 0)
		age_header_free(&h);
	return ret;
}
