/*
 * fuzz_reqsig: reqsig_parse on four header values taken from the input
 * (split at '\n'); a parsed signature is then verified against a fixed
 * request, which must fail or succeed without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "reqsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[4] = { NULL, NULL, NULL, NULL };
	size_t len[4] = { 0, 0, 0, 0 }, i, k = 0, start = 0;
	struct reqsig rs;

	for (i = 0; i <= size && k < 4; i++) {
		if (i == size || data[i] == '\n') {
			part[k] = (const char *)data + start;
			len[k++] = i - start;
			start = i + 1;
		}
	}
	if (reqsig_parse(&rs, part[0], len[0], part[1], len[1], part[2],
	    len[2], part[3], len[3]) == 0)
		(void)!reqsig_verify(&rs, "GET", "/v1/alerts?from=0", NULL, 0,
		    rs.time);
	return 0;
}
