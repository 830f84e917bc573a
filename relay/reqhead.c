#include <string.h>

#include "reqhead.h"

void
reqhead_start(struct reqhead *h, size_t max)
{
	memset(h, 0, sizeof(*h));
	h->max = max;
}

/* One byte of the current line's content (not its end of line). */
static void
content(struct reqhead *h, uint8_t ch)
{
	if (h->line_len == 0)
		h->nul = ch == '\0';
	h->line_len++;
	if (h->line_no > 0 && h->line_len <= REQHEAD_TE_LEN) {
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		h->start[h->line_len - 1] = ch;
		if (h->line_len == REQHEAD_TE_LEN &&
		    memcmp(h->start, REQHEAD_TE, REQHEAD_TE_LEN) == 0)
			h->has_te = 1;
	}
}

size_t
reqhead_feed(struct reqhead *h, const uint8_t *p, size_t len)
{
	size_t i, part;

	if (h->done)
		return 0;
	for (i = 0; i < len; i++) {
		h->bytes++;
		if (p[i] == '\n') {
			h->cr = 0;	/* the CR before LF is not counted */
			h->size += h->line_len;
			if (h->line_no == 0 && h->line_len > h->max)
				h->line_over = 1;
			if (h->size > h->max)
				h->head_over = 1;
			if (h->line_no > 0 && (h->line_len == 0 || h->nul)) {
				h->done = 1;
				return i + 1;
			}
			h->line_no++;
			h->line_len = 0;
			h->nul = 0;
			continue;
		}
		if (h->cr)
			content(h, '\r');	/* not before LF: content */
		h->cr = p[i] == '\r';
		if (!h->cr)
			content(h, p[i]);
		/*
		 * evhttp refuses a partial line once what it holds passes
		 * max; a CR at the end is left out (an LF may follow), so a
		 * complete line is never judged by a byte it does not count.
		 */
		part = h->line_len;
		if (h->line_no == 0 && part > h->max)
			h->line_over = 1;
		if (part > h->max - (h->size < h->max ? h->size : h->max))
			h->head_over = 1;
	}
	return len;
}
