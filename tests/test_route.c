/*
 * relay/route.c: request targets as the relay reads them (hostile input):
 * every resource, every refusal, and every truncation of valid targets.
 */
#include <string.h>

#include "route.h"
#include "testlib.h"

struct rcase {
	const char	*target;
	int		 ret;		/* 0 or AMANA_EPARSE */
	int		 kind;
	int		 has_query;
	uint64_t	 alert;
};

static const struct rcase cases[] = {
	{ "/checkpoint", 0, ROUTE_CHECKPOINT, 0, 0 },
	{ "/tile/0/000", 0, ROUTE_TILE, 0, 0 },
	{ "/tile/entries/x001/234.p/7", 0, ROUTE_TILE, 0, 0 },
	{ "/v1/alerts", 0, ROUTE_ALERTS, 0, 0 },
	{ "/v1/alerts?from=3&limit=2", 0, ROUTE_ALERTS, 1, 0 },
	{ "/v1/alerts?", 0, ROUTE_ALERTS, 1, 0 },
	{ "/v1/alerts/0/replies", 0, ROUTE_REPLIES, 0, 0 },
	{ "/v1/alerts/18446744073709551615/replies", 0, ROUTE_REPLIES, 0,
	    UINT64_MAX },
	{ "/v1/alerts/42/replies?x", 0, ROUTE_REPLIES, 1, 42 },
	{ "/v1/roster", 0, ROUTE_ROSTER, 0, 0 },
	/* well-formed, nothing there */
	{ "/", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/checkpoints", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/01/replies", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/-1/replies", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/18446744073709551616/replies", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/4/replies/", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/v1/alerts/4/reply", 0, ROUTE_UNKNOWN, 0, 0 },
	{ "/tile", 0, ROUTE_UNKNOWN, 0, 0 },
	/* malformed */
	{ "", AMANA_EPARSE, 0, 0, 0 },
	{ "checkpoint", AMANA_EPARSE, 0, 0, 0 },
	{ "/check point", AMANA_EPARSE, 0, 0, 0 },
	{ "/v1/%61lerts", AMANA_EPARSE, 0, 0, 0 },
	{ "/v1\\alerts", AMANA_EPARSE, 0, 0, 0 },
	{ "/tile/../checkpoint", AMANA_EPARSE, 0, 0, 0 },
	{ "/tile/.x", AMANA_EPARSE, 0, 0, 0 },
	{ "//checkpoint", AMANA_EPARSE, 0, 0, 0 },
	{ "/v1/alerts?q=\x7f", AMANA_EPARSE, 0, 0, 0 },
};

static void
test_targets(void)
{
	struct route rt;
	size_t i;
	int ret;

	test_begin("route: targets");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];

		ret = route_parse((const uint8_t *)c->target,
		    strlen(c->target), &rt);
		CHECK_EQ(ret, c->ret);
		if (ret != 0)
			continue;
		CHECK_EQ((int)rt.kind, c->kind);
		CHECK_EQ(rt.has_query, c->has_query);
		if (c->kind == ROUTE_REPLIES)
			CHECK(rt.alert == c->alert);
		CHECK(rt.path_len <= strlen(c->target));
		CHECK_EQ(rt.has_query, c->target[rt.path_len] == '?');
	}
}

static void
test_truncations(void)
{
	static const char t[] = "/v1/alerts/123/replies";
	struct route rt;
	size_t n;

	test_begin("route: every truncation of a replies target");
	for (n = 0; n < sizeof(t) - 1; n++) {
		if (route_parse((const uint8_t *)t, n, &rt) == 0)
			CHECK(rt.kind != ROUTE_REPLIES);
	}
	CHECK_EQ(route_parse((const uint8_t *)t, sizeof(t) - 1, &rt), 0);
	CHECK_EQ((int)rt.kind, ROUTE_REPLIES);
	CHECK(rt.alert == 123);
}

static void
test_query(void)
{
	static const char *const bad[] = { "from", "from=", "from=01",
	    "limit=0", "from=1&from=2", "limit=1&limit=1", "x=1",
	    "&from=1", "from=1&&limit=2", "from=18446744073709551616",
	    "from=1&limit=2&x", "from=+1", "FROM=1" };
	uint64_t from, limit;
	size_t i;

	test_begin("route: list query");
	from = 7, limit = 9;
	CHECK_EQ(route_list_query(NULL, 0, &from, &limit), 0);
	CHECK(from == 7 && limit == 9);
	CHECK_EQ(route_list_query((const uint8_t *)"limit=5&from=0", 14,
	    &from, &limit), 0);
	CHECK(from == 0 && limit == 5);
	CHECK_EQ(route_list_query((const uint8_t *)"from=3&", 7, &from,
	    &limit), 0);
	CHECK(from == 3 && limit == 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(route_list_query((const uint8_t *)bad[i],
		    strlen(bad[i]), &from, &limit), AMANA_EPARSE);
}

int
main(void)
{
	test_targets();
	test_truncations();
	test_query();
	return test_done();
}
