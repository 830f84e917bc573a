/*
 * age_internal: pieces of the age module shared by its source files, its
 * tests and its fuzz targets. Not for other modules.
 */
#ifndef AMANA_AGE_INTERNAL_H
#define AMANA_AGE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "age.h"

/* ---- Bech32 (BIP173 without the 90-character limit) ---- */

/* Longest Bech32 string and human-readable part we handle. */
#define AGE_BECH32_MAX		1024
#define AGE_BECH32_HRP_MAX	83

/*
 * age_bech32_encode: hrp (lower case, 1..AGE_BECH32_HRP_MAX printable
 * ASCII, borrowed) and data[0..len) into a NUL-terminated string, upper
 * case when upper is set. AMANA_EINVAL (bad hrp), AMANA_ERANGE (out too
 * small or result above AGE_BECH32_MAX).
 */
int	age_bech32_encode(char *out, size_t out_size, const char *hrp,
	    const uint8_t *data, size_t len, int upper) AMANA_WUR;
/*
 * age_bech32_decode: parses s[0..len): all lower or all upper case, one
 * checksum-valid Bech32 string whose 5-bit data converts to bytes with at
 * most 4 zero padding bits. Writes the lower-cased hrp (NUL-terminated)
 * into hrp (hrp_size bytes), the data into out (out_max bytes), *out_len,
 * and *upper (1 when the string was upper case). AMANA_EPARSE, AMANA_ERANGE.
 */
int	age_bech32_decode(const uint8_t *s, size_t len, char *hrp,
	    size_t hrp_size, uint8_t *out, size_t out_max, size_t *out_len,
	    int *upper) AMANA_WUR;

/* ---- Header ---- */

struct age_stanza {
	const uint8_t	*args;		/* text after "-> ", into the header */
	size_t		 args_len;
	size_t		 n_args;
	size_t		 body_off;	/* decoded body, in age_header.bodies */
	size_t		 body_len;
};

struct age_header {
	struct age_stanza *stanzas;	/* malloc'ed */
	size_t		 n_stanzas;
	uint8_t		*bodies;	/* malloc'ed, decoded stanza bodies */
	size_t		 mac_off;	/* bytes covered by the MAC */
	uint8_t		 mac[32];
};

/*
 * age_header_parse: p[0..len) must be exactly one v1 header, from the
 * version line to the MAC line's "\n" inclusive (borrowed; out points into
 * it). Strict per the spec: version, "-> " argument lines of VCHAR
 * arguments separated by single spaces, canonical unpadded base64 bodies in
 * 64-column lines ending with a shorter line, "--- " and a 43-character MAC.
 * At most AGE_STANZAS_MAX stanzas. On success free with age_header_free.
 * AMANA_EHEADER, AMANA_ENOMEM.
 */
int	age_header_parse(const uint8_t *p, size_t len, struct age_header *out)
	    AMANA_WUR;
void	age_header_free(struct age_header *h);
/*
 * age_stanza_arg: the i-th argument of s (borrowed from the header).
 * Returns 0 or AMANA_EHEADER when there is no such argument.
 */
int	age_stanza_arg(const struct age_stanza *s, size_t i,
	    const uint8_t **arg, size_t *arg_len) AMANA_WUR;

/* ---- Armor (decoding only) ---- */

#define AGE_ARMOR_LINE_MAX	80

struct age_armor {
	int		 state;
	uint8_t		 line[AGE_ARMOR_LINE_MAX];
	size_t		 line_len;
	int		 final_seen;	/* a short or padded line was read */
	int		 any_line;
};

void	age_armor_init(struct age_armor *a);
/*
 * age_armor_write: feeds armored text p[0..len); decoded bytes go to
 * sink(ctx, ...). Returns 0, AMANA_EARMOR, or the sink's error.
 */
int	age_armor_write(struct age_armor *a, const uint8_t *p, size_t len,
	    age_sink sink, void *ctx) AMANA_WUR;
/* End of input: 0 when the END line was seen, else AMANA_EARMOR. */
int	age_armor_finish(struct age_armor *a, age_sink sink, void *ctx)
	    AMANA_WUR;

/* ---- Primitives ---- */

/* HKDF-SHA-256 with 32 bytes of output. */
void	age_hkdf(uint8_t out[static 32], const uint8_t *ikm, size_t ikm_len,
	    const uint8_t *salt, size_t salt_len, const char *info);

#endif
