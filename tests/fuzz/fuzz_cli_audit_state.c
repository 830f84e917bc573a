/*
 * fuzz_cli_audit_state: the auditor's state file parser
 * (client/cli_parse.c: cli_audit_state_parse). Whatever parses must
 * format back to the very same bytes (one canonical form).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amana_codec.h"
#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_audit_state st;
	char root[64], out[CLI_AUDIT_STATE_MAX + 64];
	int n;

	if (cli_audit_state_parse(data, size, &st) != 0)
		return 0;
	if (strlen(st.origin) == 0 || strlen(st.origin) > CKPT_ORIGIN_MAX)
		abort();
	if (amana_b64_encode(root, sizeof(root), st.root, sizeof(st.root),
	    1) != 0)
		abort();
	n = snprintf(out, sizeof(out), CLI_AUDIT_STATE_MAGIC "\norigin %s\n"
	    "size %llu\nroot %s\n", st.origin, (unsigned long long)st.size,
	    root);
	if (n < 0 || (size_t)n >= sizeof(out) || (size_t)n != size ||
	    memcmp(out, data, size) != 0)
		abort();
	return 0;
}
