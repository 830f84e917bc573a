/*
 * route: the relay's reading of a request target (hostile input), apart
 * from libevent so that it can be tested and fuzzed alone. Targets are
 * taken as sent: no percent-decoding (docs/PROTOCOL.md section 8).
 */
#ifndef RELAY_ROUTE_H
#define RELAY_ROUTE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

enum route_kind {
	ROUTE_UNKNOWN,		/* well-formed, no such resource: 404 */
	ROUTE_CHECKPOINT,	/* /checkpoint */
	ROUTE_TILE,		/* /tile/... (tile_path_parse reads the rest) */
	ROUTE_ALERTS,		/* /v1/alerts */
	ROUTE_REPLIES,		/* /v1/alerts/{alert}/replies */
	ROUTE_ROSTER,		/* /v1/roster */
};

struct route {
	enum route_kind	 kind;
	size_t		 path_len;	/* the path: p[0 .. path_len) */
	int		 has_query;	/* a '?' follows the path */
	const uint8_t	*query;		/* after the '?' (may be empty) */
	size_t		 query_len;
	uint64_t	 alert;		/* ROUTE_REPLIES: canonical decimal */
};

/*
 * route_parse: the target p[0..len) into *out (pointers into p). 0, or
 * AMANA_EPARSE: empty, not starting with '/', a byte outside '!'..'~', a
 * '%' or '\', or "/." or "//" in the path.
 */
int	route_parse(const uint8_t *p, size_t len, struct route *out) AMANA_WUR;

/*
 * route_list_query: the query of GET /v1/alerts, "from=N&limit=M" in any
 * order, each at most once, canonical decimals, limit >= 1; an empty query
 * keeps *from and *limit. 0 or AMANA_EPARSE (anything else).
 */
int	route_list_query(const uint8_t *p, size_t len, uint64_t *from,
	    uint64_t *limit) AMANA_WUR;

#endif
