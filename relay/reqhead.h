/*
 * reqhead: follows the request line and headers of one HTTP/1.x request
 * as its raw bytes arrive, beside evhttp's own parser (relay/http.c uses
 * it to tell an over-long request line (414) or head (431) from other
 * malformed requests, and to know where the head ends so that the body's
 * inactivity timer can start). Lines end at LF (a CR before it is part of
 * the line's count but not of an empty line); the head ends at the first
 * empty line after the request line. Any bytes are accepted; nothing is
 * allocated; feeding a request in pieces gives the same state as feeding
 * it whole.
 */
#ifndef RELAY_REQHEAD_H
#define RELAY_REQHEAD_H
#include <stddef.h>
#include <stdint.h>

#define REQHEAD_TE		"transfer-encoding:"
#define REQHEAD_TE_LEN		18

struct reqhead {
	size_t	max;		/* limit for the request line and the head */
	size_t	bytes;		/* bytes of the head so far, raw */
	size_t	line_len;	/* bytes of the current line, LF excluded */
	size_t	line_no;	/* 0: the request line */
	uint8_t	start[REQHEAD_TE_LEN];	/* the line's start, lowercased */
	int	prev_cr;	/* the last byte was CR */
	int	line_over;	/* the request line passed max */
	int	head_over;	/* request line + headers passed max */
	int	has_te;		/* a Transfer-Encoding header was seen */
	int	done;		/* the empty line that ends the head was read */
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
