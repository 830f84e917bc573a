#include <string.h>

#include "reqhead.h"

void
reqhead_start(struct reqhead *h, size_t max)
{
	memset(h, 0, sizeof(*h));
	h->max = max;
}

size_t
reqhead_feed(struct reqhead *h, const uint8_t *p, size_t len)
{
	size_t i;
	uint8_t ch;

	if (h->done)
		return 0;
	for (i = 0; i < len; i++) {
		ch = p[i];
		if (++h->bytes > h->max)
			h->head_over = 1;
		if (ch == '\n') {
			if (h->line_no > 0 && h->line_len == (size_t)h->prev_cr) {
				h->done = 1;
				return i + 1;
			}
			h->line_no++;
			h->line_len = 0;
			h->prev_cr = 0;
			continue;
		}
		h->line_len++;
		h->prev_cr = ch == '\r';
		if (h->line_no == 0 && h->line_len > h->max)
			h->line_over = 1;
		if (h->line_no > 0 && h->line_len <= REQHEAD_TE_LEN) {
			if (ch >= 'A' && ch <= 'Z')
				ch = (uint8_t)(ch - 'A' + 'a');
			h->start[h->line_len - 1] = ch;
			if (h->line_len == REQHEAD_TE_LEN &&
			    memcmp(h->start, REQHEAD_TE, REQHEAD_TE_LEN) == 0)
				h->has_te = 1;
		}
	}
	return len;
}
