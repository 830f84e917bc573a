#include <string.h>

#include "amana_codec.h"
#include "route.h"

/* Whether p[0..len) contains the two bytes a, b in a row. */
static int
has_pair(const uint8_t *p, size_t len, uint8_t a, uint8_t b)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (p[i] == a && p[i + 1] == b)
			return 1;
	return 0;
}

/* Whether path p[0..len) is exactly the C string s. */
static int
is(const uint8_t *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

/* /v1/alerts/{alert}/replies: 0 and *alert, or -1. */
static int
match_replies(const uint8_t *p, size_t len, uint64_t *alert)
{
	static const char pre[] = "/v1/alerts/", suf[] = "/replies";
	const size_t pl = sizeof(pre) - 1, sl = sizeof(suf) - 1;
	const uint8_t *slash;

	if (len < pl || memcmp(p, pre, pl) != 0)
		return -1;
	p += pl;
	len -= pl;
	if ((slash = memchr(p, '/', len)) == NULL ||
	    (size_t)(p + len - slash) != sl || memcmp(slash, suf, sl) != 0)
		return -1;
	return amana_dec_u64_parse(p, (size_t)(slash - p), alert) == 0 ?
	    0 : -1;
}

int
route_parse(const uint8_t *p, size_t len, struct route *out)
{
	const uint8_t *q;
	size_t i, plen;

	memset(out, 0, sizeof(*out));
	if (len == 0 || p[0] != '/')
		return AMANA_EPARSE;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == '%' || p[i] == '\\')
			return AMANA_EPARSE;
	q = memchr(p, '?', len);
	plen = q != NULL ? (size_t)(q - p) : len;
	if (has_pair(p, plen, '/', '.') || has_pair(p, plen, '/', '/'))
		return AMANA_EPARSE;
	out->path_len = plen;
	if (q != NULL) {
		out->has_query = 1;
		out->query = q + 1;
		out->query_len = len - plen - 1;
	}
	if (is(p, plen, "/checkpoint"))
		out->kind = ROUTE_CHECKPOINT;
	else if (plen >= 6 && memcmp(p, "/tile/", 6) == 0)
		out->kind = ROUTE_TILE;
	else if (is(p, plen, "/v1/alerts"))
		out->kind = ROUTE_ALERTS;
	else if (match_replies(p, plen, &out->alert) == 0)
		out->kind = ROUTE_REPLIES;
	else if (is(p, plen, "/v1/roster"))
		out->kind = ROUTE_ROSTER;
	else
		out->kind = ROUTE_UNKNOWN;
	return 0;
}

int
route_list_query(const uint8_t *p, size_t len, uint64_t *from,
    uint64_t *limit)
{
	const uint8_t *amp, *eq;
	size_t n;
	int seen_from = 0, seen_limit = 0;

	while (len > 0) {
		amp = memchr(p, '&', len);
		n = amp != NULL ? (size_t)(amp - p) : len;
		if ((eq = memchr(p, '=', n)) == NULL)
			return AMANA_EPARSE;
		if (eq - p == 4 && memcmp(p, "from", 4) == 0 && !seen_from) {
			seen_from = 1;
			if (amana_dec_u64_parse(eq + 1, n - 5, from) != 0)
				return AMANA_EPARSE;
		} else if (eq - p == 5 && memcmp(p, "limit", 5) == 0 &&
		    !seen_limit) {
			seen_limit = 1;
			if (amana_dec_u64_parse(eq + 1, n - 6, limit) != 0 ||
			    *limit == 0)
				return AMANA_EPARSE;
		} else
			return AMANA_EPARSE;
		if (amp == NULL)
			break;
		len -= n + 1;
		p = amp + 1;
	}
	return 0;
}
