/*
 * pad: the padded length of an alert or reply record's plaintext.
 *
 * Records are padded with zero bytes so that their length leaks little:
 * every length up to PAD_FLOOR becomes PAD_FLOOR; above it the length is
 * rounded up so that only its 4 most significant bits may be non-zero
 * (8 sizes per doubling, PADME-style). The growth above the floor is
 * always below 12.5%. Pure function; any thread.
 */
#ifndef AMANA_PAD_H
#define AMANA_PAD_H
#include <stdint.h>
#include "amana_err.h"

#define PAD_FLOOR	16384u	/* every record is at least 16 KiB */
#define PAD_KEEP_BITS	4	/* significant bits kept above the floor */

/*
 * pad_len: the padded length of a len-byte record, written to *out
 * (>= len). Returns 0, or AMANA_ERANGE when the padded length would not
 * fit in 64 bits (*out untouched).
 */
int	pad_len(uint64_t len, uint64_t *out) AMANA_WUR;

#endif
