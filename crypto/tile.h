/*
 * tile: C2SP tlog-tiles paths and entry bundles (c2sp.org/tlog-tiles).
 *
 *	tile/<L>/<N>[.p/<W>]		hash tiles, L in 0..63
 *	tile/entries/<N>[.p/<W>]	entry bundles
 *
 * <N> is written in 3-digit groups, all but the last prefixed with 'x'
 * (1234067 -> x001/x234/067); <W> is 1..255 for partial tiles. Paths here
 * have no leading '/'. Any thread.
 */
#ifndef AMANA_TILE_H
#define AMANA_TILE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_cur.h"
#include "amana_err.h"

#define TILE_HEIGHT	8
#define TILE_WIDTH	256		/* hashes (or entries) in a full tile */
#define TILE_LEVEL_MAX	63
#define TILE_PATH_MAX	80		/* longest path, with its NUL */
#define TILE_HASH_LEN	32

/*
 * tile_path_format: writes the NUL-terminated path of tile (level, n) —
 * or of entry bundle n when entries != 0 (level must be 0) — into
 * out[0..out_size). width: 0 for a full tile, 1..255 for a partial one.
 * Returns 0, AMANA_EINVAL (level, width, or n beyond the uint64 index
 * space) or AMANA_ERANGE (out too small).
 */
int	tile_path_format(int level, uint64_t n, unsigned width, int entries,
	    char *out, size_t out_size) AMANA_WUR;

/*
 * tile_path_parse: strict inverse of tile_path_format on a hostile path
 * (path[0..len), borrowed, no NUL needed): rejects anything
 * tile_path_format would not produce (leading zeros, "..", empty or
 * overlong components, upper-case, level > 63, width 0 or > 255, n beyond
 * the uint64 index space). Outputs written only on success; *level is 0
 * for entry bundles. Returns 0 or AMANA_EPARSE.
 */
int	tile_path_parse(const char *path, size_t len, int *level, uint64_t *n,
	    unsigned *width, int *entries) AMANA_WUR;

/*
 * tile_span: for a tree of `size` leaves, the number of full tiles at
 * `level` (0..63) and the width of the trailing partial tile there
 * (0: none). Entry bundles follow level 0.
 */
void	tile_span(uint64_t size, int level, uint64_t *n_full,
	    unsigned *partial_width);

/*
 * tile_bundle_next: reads one entry (u16 BE length, then the bytes) from
 * an entry bundle. *entry points into the cursor's input.
 * Returns 0 or AMANA_EPARSE (truncated); the cursor is unchanged on error.
 */
int	tile_bundle_next(struct amana_cur *c, const uint8_t **entry,
	    size_t *len) AMANA_WUR;

#endif
