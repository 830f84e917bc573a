/*
 * reqhead: follows the request line and headers of one HTTP/1.x request
 * as its raw bytes arrive, beside evhttp's own parser (relay/http.c uses
 * it to tell an over-long request line (414) or head (431) from other
 * malformed requests, and to know where the head ends so that the body's
 * inactivity timer can start). It counts as evhttp does (libevent 2.1,
 * evhttp_parse_firstline_ / evhttp_parse_headers_): a line is its bytes
 * up to LF, without the LF and without one CR right before it; the
 * request line may hold max of them, and the request line plus the
 * headers, complete lines and the part of the current one received (a CR
 * at its end not counted), max in all; the head ends at the first header line that is empty or starts
 * with a NUL byte. Any bytes are accepted; nothing is allocated; feeding
 * a request in pieces gives the same state as feeding it whole.
 */
#ifndef RELAY_REQHEAD_H
#define RELAY_REQHEAD_H
#include <stddef.h>
#include <stdint.h>

#define REQHEAD_TE		"transfer-encoding:"
#define REQHEAD_TE_LEN		18

struct reqhead {
	size_t	max;		/* limit, as evhttp's max_headers_size */
	size_t	bytes;		/* raw bytes of the head taken so far */
	size_t	size;		/* evhttp's count of the complete lines */
	size_t	line_len;	/* the current line's bytes, CR before LF not */
	size_t	line_no;	/* 0: the request line */
	uint8_t	start[REQHEAD_TE_LEN];	/* the line's start, lowercased */
	int	cr;		/* a CR was the last byte: counted if no LF */
	int	nul;		/* the current line starts with a NUL byte */
	int	line_over;	/* the request line passed max */
	int	head_over;	/* request line + headers passed max */
	int	has_te;		/* a Transfer-Encoding header was seen */
	int	done;		/* the line that ends the head was read */
};

/* reqhead_start: a new request whose head may take max bytes. */
void	reqhead_start(struct reqhead *h, size_t max);

/*
 * reqhead_feed: the next len bytes of the request at p (p may be NULL when
 * len is 0). Returns how many of them belong to the head: len, or fewer
 * when the head ended inside them (then h->done is set and the rest is the
 * body or the next request). Once done, feeding returns 0.
 */
size_t	reqhead_feed(struct reqhead *h, const uint8_t *p, size_t len);

#endif
