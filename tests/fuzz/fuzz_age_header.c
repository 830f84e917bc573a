/*
 * fuzz_age_header: the age v1 header parser, then the whole push decryptor
 * (header, stanza unwrapping, MAC, STREAM, armor detection) with a fixed
 * identity and passphrase, fed in two pieces split where the input says.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"
#include "age_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The testkit's identity, so seeds made from its vectors go deep. */
static const char id_s[] = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VK"
    "NX2MMDKWYKLMGR48UAWX40Q2P2LM0";

static int
count_sink(void *ctx, const uint8_t *p, size_t len)
{
	size_t	*n = ctx;

	*n += len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct age_identity *id;
	struct age_header h;
	struct age_dec_keys keys;
	struct age_dec	*d = NULL;
	const uint8_t	*a;
	size_t		 i, j, alen, split, released = 0;

	if (id == NULL) {
		if (sodium_init() < 0 || age_identity_parse(
		    (const uint8_t *)id_s, sizeof(id_s) - 1, &id) != 0)
			abort();
	}
	if (age_header_parse(data, size, &h) == 0) {
		if (h.n_stanzas == 0 || h.mac_off >= size)
			abort();
		for (i = 0; i < h.n_stanzas; i++) {
			if (h.stanzas[i].n_args == 0)
				abort();
			for (j = 0; j < h.stanzas[i].n_args; j++)
				if (age_stanza_arg(&h.stanzas[i], j, &a,
				    &alen) != 0 || alen == 0)
					abort();
		}
		age_header_free(&h);
	}

	memset(&keys, 0, sizeof(keys));
	keys.ids = &id;
	keys.n_ids = 1;
	keys.pass = (const uint8_t *)"password";
	keys.pass_len = 8;
	keys.max_log_n = 12;		/* keep scrypt cheap */
	if (age_dec_new(&keys, count_sink, &released, &d) != 0)
		abort();
	split = size > 0 ? data[0] % (size + 1) : 0;
	if (age_dec_write(d, data, split) == 0 &&
	    age_dec_write(d, data + split, size - split) == 0)
		(void)age_dec_finish(d);
	age_dec_free(d);
	if (released > size)
		abort();
	return 0;
}
