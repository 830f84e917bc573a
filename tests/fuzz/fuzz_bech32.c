/*
 * fuzz_bech32: Bech32 decoding, and age recipient and identity strings.
 * Whatever decodes must encode back to the very same string (canonical).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"
#include "age_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct age_identity *id = NULL;
	struct amana_buf b;
	uint8_t		 out[AGE_BECH32_MAX], pk[AGE_KEY_LEN];
	char		 hrp[AGE_BECH32_HRP_MAX + 1], enc[AGE_BECH32_MAX + 1];
	char		 rs[AGE_RECIPIENT_STR_LEN + 1];
	size_t		 n = 0;
	int		 upper = 0;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		init = 1;
	}
	if (age_bech32_decode(data, size, hrp, sizeof(hrp), out, sizeof(out),
	    &n, &upper) == 0) {
		if (age_bech32_encode(enc, sizeof(enc), hrp, out, n,
		    upper) != 0 || strlen(enc) != size ||
		    memcmp(enc, data, size) != 0)
			abort();
	}
	if (age_recipient_parse(data, size, pk) == 0) {
		if (age_recipient_format(pk, rs, sizeof(rs)) != 0 ||
		    size != AGE_RECIPIENT_STR_LEN || memcmp(rs, data, size) != 0)
			abort();
	}
	if (age_identity_parse(data, size, &id) == 0) {
		amana_buf_init(&b, 4096, 1);
		if (age_identity_format(id, &b) != 0 || b.len != size ||
		    memcmp(b.p, data, size) != 0)
			abort();
		amana_buf_free(&b);
		age_identity_free(id);
	}
	return 0;
}
