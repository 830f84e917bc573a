/*
 * fuzz_route: relay/route.c on hostile request targets. An accepted
 * target keeps every promise of route.h (allowed bytes only, no "/." or
 * "//" in the path, the query right after the '?', a replies route that
 * formats back to its path); the input is also read as a list query.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../relay/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route rt;
	char back[64];
	uint64_t from = 0, limit = 1;
	size_t i;
	int n;

	if (route_parse(data, size, &rt) == 0) {
		if (size == 0 || data[0] != '/' || rt.path_len > size ||
		    rt.has_query != (rt.path_len < size) ||
		    (rt.has_query && (data[rt.path_len] != '?' ||
		    rt.query != data + rt.path_len + 1 ||
		    rt.query_len != size - rt.path_len - 1)))
			abort();
		for (i = 0; i < size; i++)
			if (data[i] <= ' ' || data[i] > '~' || data[i] == '%' ||
			    data[i] == '\\')
				abort();
		for (i = 0; i + 1 < rt.path_len; i++)
			if (data[i] == '/' && (data[i + 1] == '/' ||
			    data[i + 1] == '.'))
				abort();
		if (rt.kind == ROUTE_REPLIES) {
			n = snprintf(back, sizeof(back),
			    "/v1/alerts/%llu/replies",
			    (unsigned long long)rt.alert);
			if (n < 0 || (size_t)n != rt.path_len ||
			    memcmp(back, data, rt.path_len) != 0)
				abort();
		}
	}
	if (route_list_query(data, size, &from, &limit) == 0 && limit == 0)
		abort();
	return 0;
}
