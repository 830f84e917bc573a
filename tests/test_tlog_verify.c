/*
 * test_tlog_verify: the database-free verification side of the log
 * (crypto/: ckpt, tile, logentry, receipt, with merkle and note).
 *  - reference logs in tests/vectors/tlog (sizes 0, 1, 7, 256, 257, 1000,
 *    70000, made by an independent implementation): each checkpoint
 *    verifies with its vkey; the root rebuilt with merkle_range from the
 *    entry bundles (entry i == "entry i") equals the checkpoint's and the
 *    README's; every hash tile, full and partial, at every level equals
 *    the hashes computed here, at the path tile_path_format gives and
 *    exactly the widths tile_span predicts; inclusion proofs for sampled
 *    indices and consistency proofs between every pair of sizes verify
 *    against the checkpoints' roots;
 *  - tile paths: known forms, round trips and hostile paths;
 *  - checkpoint and log-entry parsers: canonical forms only, every
 *    truncation refused;
 *  - receipts: a size-7 log of log entries signed by a generated key;
 *    receipts for every index verify (with the envelope too); a wrong
 *    envelope, key or origin fails; every truncation and byte flip of a
 *    receipt is refused.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_codec.h"
#include "amana_cur.h"
#include "ckpt.h"
#include "logentry.h"
#include "merkle.h"
#include "note.h"
#include "receipt.h"
#include "testlib.h"
#include "tile.h"

static const struct {
	uint64_t	 size;
	const char	*root;
} logs[] = {
	{ 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ 1, "dziFphNIniTOLPdhmdakI/BC5LvxLX7s7pEu8nbGVwE=" },
	{ 7, "mMl/C6MXXNCLAx3QhLncTmSbZNGijm6mlGRlAxc6tYc=" },
	{ 256, "2mWW2VNp9f7zIquOTg2jsLUCNqqcijsdJG90Ecni4y4=" },
	{ 257, "XB/f6DU1gCLyOS3keNvgU/wTDP4dOggoeakM9r8Uv34=" },
	{ 1000, "NGxrnLicS3b6ydyyDNqG46AcCldBfBOQKOrNRTj96Vs=" },
	{ 70000, "o5IPun8jmgcam9EHIfE0Gt3vuu3ttBx+JEN6nRa98Ao=" },
};
#define N_LOGS (sizeof(logs) / sizeof(logs[0]))
#define MAX_LEAVES 70000

/* Level-0 hashes of the largest log, computed from entry text. */
static uint8_t (*all_leaves)[32];
static uint8_t ckpt_roots[N_LOGS][32];

/* Reads a file if it exists: 0, or -1 when it cannot be opened. */
static int
read_opt(const char *path, struct amana_buf *b)
{
	FILE *f;
	uint8_t chunk[8192];
	size_t n;

	amana_buf_reset(b);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (amana_buf_append(b, chunk, n) != 0) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

static const char *
log_path(uint64_t size, const char *rel)
{
	char tmp[256];
	int n = snprintf(tmp, sizeof(tmp), "tlog/size-%llu/%s",
	    (unsigned long long)size, rel);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return "";
	return test_vector_path(tmp);
}

/* Root of a perfect subtree of 2^k hashes (k <= 8) at h, in place copy. */
static void
perfect_root(const uint8_t (*h)[32], size_t n, uint8_t out[32])
{
	uint8_t tmp[256][32];
	size_t i;

	memcpy(tmp, h, n * 32);
	for (; n > 1; n /= 2)
		for (i = 0; i < n / 2; i++)
			merkle_node_hash(tmp[i], tmp[2 * i], tmp[2 * i + 1]);
	memcpy(out, tmp[0], 32);
}

/* ---- RFC 6962 reference proofs over all_leaves ---- */

static void
mth(uint64_t lo, uint64_t n, uint8_t out[32])
{
	struct merkle_range r;
	uint64_t i;

	merkle_range_init(&r);
	for (i = 0; i < n; i++)
		if (merkle_range_append(&r, all_leaves[lo + i]) != 0)
			abort();
	merkle_range_root(&r, out);
}

static void
mth_cb(void *ctx, uint64_t lo, uint64_t n, uint8_t out[32])
{
	(void)ctx;
	mth(lo, n, out);
}

static void
check_log(size_t li)
{
	uint64_t size = logs[li].size, i, n, n_full, idx;
	struct amana_buf b, vk;
	struct note_verifier key;
	struct merkle_range r;
	struct ckpt c;
	struct amana_cur cur;
	uint8_t root[32], want[32], (*lvl)[32] = NULL, (*next)[32] = NULL;
	uint8_t proof[MERKLE_PROOF_MAX][32];
	const uint8_t *e;
	size_t e_len, dec, np;
	unsigned w;
	int level, ok;
	char path[TILE_PATH_MAX], txt[32];
	uint64_t lvl_n;

	amana_buf_init(&b, 1 << 20, 0);
	amana_buf_init(&vk, 4096, 0);
	test_read_file(log_path(size, "vkey"), &vk);
	CHECK(note_verifier_parse(vk.p, vk.len, &key) == 0);
	test_read_file(log_path(size, "checkpoint"), &b);
	memset(&c, 0, sizeof(c));
	CHECK(ckpt_verify(b.p, b.len, &key, &c) == 0);
	CHECK(strcmp(c.origin, "amana.test/vectors") == 0);
	CHECK_EQ(c.size, size);
	CHECK(c.ext == NULL && c.ext_len == 0);
	CHECK(amana_b64_decode(want, 32, &dec, logs[li].root,
	    strlen(logs[li].root), 1) == 0 && dec == 32);
	CHECK(memcmp(c.root, want, 32) == 0);
	memcpy(ckpt_roots[li], c.root, 32);
	/* A flipped byte in the checkpoint note is refused. */
	b.p[b.len / 2] ^= 0x01;
	CHECK(ckpt_verify(b.p, b.len, &key, &c) != 0);

	/* Entry bundles -> leaves -> root. */
	merkle_range_init(&r);
	idx = 0;
	tile_span(size, 0, &n_full, &w);
	for (n = 0; n <= n_full; n++) {
		unsigned width = n < n_full ? 0 : w;
		int ret;

		if (n == n_full && w == 0)
			break;
		CHECK(tile_path_format(0, n, width, 1, path, sizeof(path)) == 0);
		ret = read_opt(log_path(size, path), &b);
		CHECK(ret == 0);
		if (ret != 0) {
			fprintf(stderr, "  missing %s\n", path);
			continue;
		}
		amana_cur_init(&cur, b.p, b.len);
		ok = 1;
		while (amana_cur_left(&cur) > 0) {
			int tl;

			if (tile_bundle_next(&cur, &e, &e_len) != 0) {
				ok = 0;
				break;
			}
			tl = snprintf(txt, sizeof(txt), "entry %llu",
			    (unsigned long long)idx);
			ok &= e_len == (size_t)tl && memcmp(e, txt, e_len) == 0;
			if (idx < MAX_LEAVES)
				merkle_leaf_hash(all_leaves[idx], e, e_len);
			ok &= merkle_range_append(&r, all_leaves[idx]) == 0;
			idx++;
		}
		CHECK(ok);
		CHECK_EQ(idx, n * 256 + (width ? width : 256));
		/* The full bundle never has a .p twin used instead. */
	}
	CHECK_EQ(idx, size);
	merkle_range_root(&r, root);
	CHECK(memcmp(root, c.root, 32) == 0);

	/* Hash tiles at every level. */
	lvl = all_leaves;
	lvl_n = size;
	for (level = 0; level < 4; level++) {
		tile_span(size, level, &n_full, &w);
		CHECK_EQ(n_full, lvl_n / 256);
		CHECK_EQ(w, lvl_n % 256);
		for (n = 0; n <= n_full; n++) {
			unsigned width = n < n_full ? 0 : w;
			size_t cnt = width ? width : 256;

			if (n == n_full && w == 0)
				break;
			CHECK(tile_path_format(level, n, width, 0, path,
			    sizeof(path)) == 0);
			if (read_opt(log_path(size, path), &b) != 0) {
				fprintf(stderr, "  missing %s\n", path);
				CHECK(0);
				continue;
			}
			CHECK(b.len == cnt * 32 &&
			    memcmp(b.p, lvl[n * 256], cnt * 32) == 0);
		}
		/* Nothing at the next index or as a bigger partial. */
		CHECK(tile_path_format(level, n_full + 1, 0, 0, path,
		    sizeof(path)) == 0);
		CHECK(read_opt(log_path(size, path), &b) != 0);
		/* Next level: roots of full tiles. */
		if (n_full == 0)
			break;
		next = calloc(n_full, 32);
		CHECK(next != NULL);
		if (next == NULL)
			break;
		for (i = 0; i < n_full; i++)
			perfect_root((const uint8_t (*)[32])lvl[i * 256], 256,
			    next[i]);
		if (lvl != all_leaves)
			free(lvl);
		lvl = next;
		lvl_n = n_full;
	}
	if (lvl != all_leaves)
		free(lvl);
	/* No tile above the highest level that has one. */
	tile_span(size, level + 1, &n_full, &w);
	CHECK(n_full == 0 && w == 0);

	/* Inclusion proofs for sampled indices. */
	for (i = 0; i < size; i += (size < 300 ? 1 : 997)) {
		np = 0;
		test_ref_path(mth_cb, NULL, i, 0, size, proof, &np);
		CHECK(merkle_verify_inclusion(i, size, all_leaves[i],
		    (const uint8_t (*)[32])proof, np, c.root) == 0);
		if (size > 1)
			CHECK(merkle_verify_inclusion(i, size,
			    all_leaves[(i + 1) % size],
			    (const uint8_t (*)[32])proof, np, c.root) != 0);
	}
	amana_buf_free(&b);
	amana_buf_free(&vk);
}

static void
check_consistency(void)
{
	uint8_t proof[MERKLE_PROOF_MAX][32];
	size_t a, z, np;

	for (a = 0; a < N_LOGS; a++)
		for (z = a; z < N_LOGS; z++) {
			np = 0;
			if (logs[a].size > 0 && logs[a].size < logs[z].size)
				test_ref_subproof(mth_cb, NULL, logs[a].size,
				    0, logs[z].size, 1, proof, &np);
			CHECK(merkle_verify_consistency(logs[a].size,
			    logs[z].size, ckpt_roots[a], ckpt_roots[z],
			    (const uint8_t (*)[32])proof, np) == 0);
			if (a != z && logs[a].size > 0)
				CHECK(merkle_verify_consistency(logs[a].size,
				    logs[z].size, ckpt_roots[z], ckpt_roots[a],
				    (const uint8_t (*)[32])proof, np) != 0);
		}
}

static void
check_tile_paths(void)
{
	static const char *bad[] = {
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/00/000",
		"tile/01/000", "tile/64/000", "tile/-1/000", "tile/0/00",
		"tile/0/0000", "tile/0/x000/001", "tile/0/x001", "tile/0/x001/",
		"tile/0/001/", "tile/0/X001/000", "tile/0/000.p/0",
		"tile/0/000.p/256", "tile/0/000.p/01", "tile/0/000.p/",
		"tile/0/000.p", "tile/0/000.q/1", "/tile/0/000",
		"tile/0/../000", "tile/0/./000", "tile/entries/..",
		"tile/entries/x001/../000", "tile/0/000/", "tile/0/000 ",
		"tile/ 0/000", "tile/0//000", "tile/entries/000.p/1/",
		"tile/entry/000", "tile/entries", "tile/entries/",
		"tile/1/x072/x057/x594/x037/x927/936",	/* > max at L1 */
		"tile/0/x018/x446/x744/x073/x709/x551/615",	/* > max at L0 */
		"tile/7/001", "tile/8/001", "tile/63/001",
		"tile/0/x001/x002/x003/x004/x005/x006/x007/008",
		"tile/0/000.p/1x", "tile/0/+01", "tile/0/1e2",
	};
	static const struct {
		const char *path;
		int level;
		uint64_t n;
		unsigned w;
		int ent;
	} good[] = {
		{ "tile/0/000", 0, 0, 0, 0 },
		{ "tile/0/x001/x234/067", 0, 1234067, 0, 0 },
		{ "tile/0/x001/000", 0, 1000, 0, 0 },
		{ "tile/1/999", 1, 999, 0, 0 },
		{ "tile/2/000.p/1", 2, 0, 1, 0 },
		{ "tile/0/273.p/112", 0, 273, 112, 0 },
		{ "tile/entries/x001/x234/067.p/255", 0, 1234067, 255, 1 },
		{ "tile/entries/000", 0, 0, 0, 1 },
		{ "tile/63/000", 63, 0, 0, 0 },
		{ "tile/6/255", 6, 255, 0, 0 },
		{ "tile/0/x072/x057/x594/x037/x927/935", 0,
		    72057594037927935ULL, 0, 0 },
	};
	char out[TILE_PATH_MAX];
	uint64_t n;
	unsigned w;
	int level, ent;
	size_t i, j;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(tile_path_parse(good[i].path, strlen(good[i].path),
		    &level, &n, &w, &ent) == 0);
		CHECK(level == good[i].level && n == good[i].n &&
		    w == good[i].w && ent == good[i].ent);
		CHECK(tile_path_format(good[i].level, good[i].n, good[i].w,
		    good[i].ent, out, sizeof(out)) == 0);
		CHECK(strcmp(out, good[i].path) == 0);
		/* Every truncation is refused or is itself canonical. */
		for (j = 0; j < strlen(good[i].path); j++)
			if (tile_path_parse(good[i].path, j, &level, &n, &w,
			    &ent) == 0)
				CHECK(tile_path_format(level, n, w, ent, out,
				    sizeof(out)) == 0 && strlen(out) == j &&
				    memcmp(out, good[i].path, j) == 0);
		/* A path with one byte dropped is refused or different. */
		for (j = 0; j < strlen(good[i].path); j++) {
			char cut[TILE_PATH_MAX];
			size_t l = strlen(good[i].path);

			memcpy(cut, good[i].path, j);
			memcpy(cut + j, good[i].path + j + 1, l - j - 1);
			if (tile_path_parse(cut, l - 1, &level, &n, &w,
			    &ent) == 0)
				CHECK(tile_path_format(level, n, w, ent, out,
				    sizeof(out)) == 0 && strlen(out) == l - 1 &&
				    memcmp(out, cut, l - 1) == 0);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tile_path_parse(bad[i], strlen(bad[i]), &level, &n,
		    &w, &ent);

		if (r == 0)
			fprintf(stderr, "  accepted bad path %s\n", bad[i]);
		CHECK(r == AMANA_EPARSE);
	}
	/* Round trip over many indices and levels. */
	for (i = 0; i < 3000; i++) {
		uint64_t v = (uint64_t)i * i * 7919 + (i % 5 == 0 ? i << 28 : 0);
		int lv = (int)(i % 3);
		unsigned wd = (unsigned)(i % 256);

		CHECK(tile_path_format(lv, v, wd, 0, out, sizeof(out)) == 0);
		CHECK(tile_path_parse(out, strlen(out), &level, &n, &w,
		    &ent) == 0 && level == lv && n == v && w == wd && !ent);
	}
	CHECK(tile_path_format(0, UINT64_MAX, 0, 0, out, sizeof(out)) ==
	    AMANA_EINVAL);
	CHECK(tile_path_format(64, 0, 0, 0, out, sizeof(out)) == AMANA_EINVAL);
	CHECK(tile_path_format(1, 0, 0, 1, out, sizeof(out)) == AMANA_EINVAL);
	CHECK(tile_path_format(0, 0, 256, 0, out, sizeof(out)) ==
	    AMANA_EINVAL);
	CHECK(tile_path_format(0, 1234067, 0, 0, out, 10) == AMANA_ERANGE);
	/* tile_span: the specification's 70,000 example. */
	{
		uint64_t f;

		tile_span(70000, 0, &f, &w);
		CHECK(f == 273 && w == 112);
		tile_span(70000, 1, &f, &w);
		CHECK(f == 1 && w == 17);
		tile_span(70000, 2, &f, &w);
		CHECK(f == 0 && w == 1);
		tile_span(256, 1, &f, &w);
		CHECK(f == 0 && w == 1);
		tile_span(UINT64_MAX, 7, &f, &w);
		CHECK(f == 0 && w == 255);
	}
	/* Bundles: truncated length or body. */
	{
		static const uint8_t bund[] = { 0, 2, 'a', 'b', 0, 0, 0, 3, 'x' };
		struct amana_cur c;
		const uint8_t *e;
		size_t el;

		amana_cur_init(&c, bund, sizeof(bund));
		CHECK(tile_bundle_next(&c, &e, &el) == 0 && el == 2 &&
		    e[0] == 'a');
		CHECK(tile_bundle_next(&c, &e, &el) == 0 && el == 0);
		CHECK(tile_bundle_next(&c, &e, &el) == AMANA_EPARSE);
		CHECK_EQ(c.off, 6);
		amana_cur_init(&c, bund, 1);
		CHECK(tile_bundle_next(&c, &e, &el) == AMANA_EPARSE);
		/* Every truncation: whole entries, then a refused read. */
		for (j = 0; j < sizeof(bund); j++) {
			size_t got = 0;

			amana_cur_init(&c, bund, j);
			while (tile_bundle_next(&c, &e, &el) == 0)
				got++;
			CHECK(got == (j >= 6 ? 2u : j >= 4 ? 1u : 0u));
			CHECK(c.off == (j >= 6 ? 6u : j >= 4 ? 4u : 0u));
		}
	}
}

static void
check_ckpt_logentry(void)
{
	static const char *bad[] = {
		"", "o\n", "o\n1\n", "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next",
		"o\t\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\nAA==\n",
	};
	struct ckpt c, c2;
	struct amana_buf b;
	struct logentry le, le2;
	uint8_t enc[LOGENTRY_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = ckpt_parse((const uint8_t *)bad[i], strlen(bad[i]), &c);

		if (r == 0)
			fprintf(stderr, "  accepted checkpoint %zu\n", i);
		CHECK(r == AMANA_EPARSE);
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.origin, "example.com/log", 16);
	c.size = UINT64_MAX;
	test_fill(c.root, 32, 3);
	amana_buf_init(&b, 4096, 0);
	CHECK(ckpt_format(&c, &b) == 0);
	CHECK(ckpt_parse(b.p, b.len, &c2) == 0);
	CHECK(strcmp(c2.origin, c.origin) == 0 && c2.size == c.size &&
	    memcmp(c2.root, c.root, 32) == 0 && c2.ext_len == 0);
	for (i = 0; i < b.len; i++)
		CHECK(ckpt_parse(b.p, i, &c2) == AMANA_EPARSE);
	/* Extension lines are carried verbatim. */
	c.ext = (const uint8_t *)"x1\nx2\n";
	c.ext_len = 6;
	amana_buf_reset(&b);
	CHECK(ckpt_format(&c, &b) == 0);
	CHECK(ckpt_parse(b.p, b.len, &c2) == 0 && c2.ext_len == 6 &&
	    memcmp(c2.ext, "x1\nx2\n", 6) == 0);
	c.ext = (const uint8_t *)"\n";
	c.ext_len = 1;
	CHECK(ckpt_format(&c, &b) == AMANA_EINVAL);
	c.ext = NULL;
	c.ext_len = 0;
	c.origin[0] = '\0';
	CHECK(ckpt_format(&c, &b) == AMANA_EINVAL);
	amana_buf_free(&b);

	/* Log entries. */
	le.kind = LOGENTRY_ALERT;
	le.time_ms = 0x0102030405060708ULL;
	test_fill(le.hash, 32, 9);
	CHECK(logentry_encode(enc, &le) == 0);
	CHECK(enc[0] == 1 && enc[1] == 1 && enc[8] == 8 &&
	    memcmp(enc + 9, le.hash, 32) == 0);
	CHECK(logentry_decode(enc, sizeof(enc), &le2) == 0);
	CHECK(le2.kind == le.kind && le2.time_ms == le.time_ms &&
	    memcmp(le2.hash, le.hash, 32) == 0);
	for (i = 0; i < LOGENTRY_LEN; i++)
		CHECK(logentry_decode(enc, i, &le2) == AMANA_EPARSE);
	{
		uint8_t longer[LOGENTRY_LEN + 1];

		memcpy(longer, enc, LOGENTRY_LEN);
		longer[LOGENTRY_LEN] = 0;
		CHECK(logentry_decode(longer, sizeof(longer), &le2) ==
		    AMANA_EPARSE);
	}
	for (i = 0; i < 256; i++) {
		enc[0] = (uint8_t)i;
		CHECK((logentry_decode(enc, LOGENTRY_LEN, &le2) == 0) ==
		    (i >= 1 && i <= 7));
		le.kind = (uint8_t)i;
		CHECK((logentry_encode(enc, &le) == 0) == (i >= 1 && i <= 7));
	}
	/* The worked example of docs/PROTOCOL.md section 6. */
	{
		char hex[2 * LOGENTRY_LEN + 1];

		le.kind = LOGENTRY_ALERT;
		le.time_ms = 1795753988000ULL;
		amana_sha256(le.hash, "", 0);
		CHECK(logentry_encode(enc, &le) == 0);
		CHECK(amana_hex_encode(hex, sizeof(hex), enc, sizeof(enc)) == 0);
		CHECK(strcmp(hex, "01000001a21b474fa0e3b0c44298fc1c149afbf4c8996"
		    "fb92427ae41e4649b934ca495991b7852b855") == 0);
	}
	CHECK(strcmp(logentry_kind_name(LOGENTRY_PURGE), "purge") == 0);
	CHECK(strcmp(logentry_kind_name(9), "unknown") == 0);
}

static void
check_receipts(void)
{
	struct note_signer *s = NULL, *other = NULL;
	struct note_verifier v, vo;
	struct receipt_view *rv = NULL;
	struct amana_buf body, note, rc;
	struct merkle_range r;
	struct ckpt c;
	uint8_t env[7][100], entries[7][LOGENTRY_LEN];
	uint8_t proof[MERKLE_PROOF_MAX][32];
	size_t np, i;
	uint64_t idx;
	int all;

	amana_buf_init(&body, 4096, 0);
	amana_buf_init(&note, NOTE_MAX_LEN, 0);
	amana_buf_init(&rc, RECEIPT_MAX_LEN, 0);
	rv = malloc(sizeof(*rv));
	CHECK(rv != NULL);
	CHECK(note_signer_generate("amana.test/log", &s) == 0);
	CHECK(note_signer_generate("amana.test/evil", &other) == 0);
	if (s == NULL || other == NULL || rv == NULL)
		goto out;
	note_signer_verifier(s, &v);
	note_signer_verifier(other, &vo);
	/* Seven alerts: log entries hashing made-up envelopes. */
	merkle_range_init(&r);
	for (i = 0; i < 7; i++) {
		struct logentry le;

		test_fill(env[i], sizeof(env[i]), 100 + i);
		le.kind = (uint8_t)(i % 7 + 1);
		le.time_ms = 1790000000000ULL + i;
		amana_sha256(le.hash, env[i], sizeof(env[i]));
		CHECK(logentry_encode(entries[i], &le) == 0);
		merkle_leaf_hash(all_leaves[i], entries[i], LOGENTRY_LEN);
		CHECK(merkle_range_append(&r, all_leaves[i]) == 0);
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.origin, v.name, strlen(v.name) + 1);
	c.size = 7;
	merkle_range_root(&r, c.root);
	CHECK(ckpt_format(&c, &body) == 0);
	CHECK(note_sign(s, body.p, body.len, &note) == 0);
	for (idx = 0; idx < 7; idx++) {
		np = 0;
		test_ref_path(mth_cb, NULL, idx, 0, 7, proof, &np);
		amana_buf_reset(&rc);
		CHECK(receipt_format(idx, entries[idx], LOGENTRY_LEN,
		    (const uint8_t (*)[32])proof, np, note.p, note.len,
		    &rc) == 0);
		CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) == 0);
		CHECK(rv->index == idx && rv->entry.kind == idx % 7 + 1 &&
		    rv->ckpt.size == 7 && rv->n_proof == np);
		CHECK(receipt_verify(rc.p, rc.len, &v, env[idx],
		    sizeof(env[idx]), rv) == 0);
		CHECK(receipt_verify(rc.p, rc.len, &v, env[(idx + 1) % 7],
		    sizeof(env[0]), rv) == AMANA_ENOMATCH);
		CHECK(receipt_verify(rc.p, rc.len, &vo, NULL, 0, rv) ==
		    AMANA_EBADSIG);
		/* Another index's entry with this proof fails. */
		amana_buf_reset(&rc);
		CHECK(receipt_format(idx, entries[(idx + 1) % 7], LOGENTRY_LEN,
		    (const uint8_t (*)[32])proof, np, note.p, note.len,
		    &rc) == 0);
		CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) ==
		    AMANA_EPROOF);
	}
	/* With a memo of proof lines: the same text as without, whatever
	 * came before (neighbours share lines; the last proof has a hash
	 * changed at a place the memo holds, so it is encoded again). */
	{
		static const uint64_t order[] = { 0, 1, 2, 3, 4, 5, 6, 6, 5,
		    3, 0, 2, 1 };
		struct receipt_memo *m = calloc(1, sizeof(*m));
		struct amana_buf a, b;
		size_t k, nk = sizeof(order) / sizeof(order[0]);

		amana_buf_init(&a, 4096, 0);
		amana_buf_init(&b, 4096, 0);
		CHECK(m != NULL);
		for (k = 0; m != NULL && k < nk; k++) {
			np = 0;
			test_ref_path(mth_cb, NULL, order[k], 0, 7, proof, &np);
			if (k == nk - 1)
				proof[np - 1][5] ^= 1;
			amana_buf_reset(&a);
			amana_buf_reset(&b);
			CHECK(receipt_format(order[k], entries[order[k]],
			    LOGENTRY_LEN, (const uint8_t (*)[32])proof, np,
			    note.p, note.len, &a) == 0);
			CHECK(receipt_format_memo(order[k], entries[order[k]],
			    LOGENTRY_LEN, (const uint8_t (*)[32])proof, np,
			    note.p, note.len, m, &b) == 0);
			CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		}
		CHECK(m == NULL || m->n == 3);
		free(m);
		amana_buf_free(&a);
		amana_buf_free(&b);
	}
	/* Index 3 in full: the exact text, then every truncation and flip. */
	np = 0;
	test_ref_path(mth_cb, NULL, 3, 0, 7, proof, &np);
	amana_buf_reset(&rc);
	CHECK(receipt_format(3, entries[3], LOGENTRY_LEN,
	    (const uint8_t (*)[32])proof, np, note.p, note.len, &rc) == 0);
	CHECK(rc.len > 40 && memcmp(rc.p, "c2sp.org/tlog-proof@v1\nextra ",
	    29) == 0);
	CHECK(strstr(amana_buf_cstr(&rc), "\nindex 3\n") != NULL);
	CHECK(receipt_parse(rc.p, rc.len, rv) == 0 && rv->has_extra &&
	    rv->extra_len == LOGENTRY_LEN && rv->n_proof == 3);
	all = 1;
	for (i = 0; i < rc.len; i++)
		if (receipt_verify(rc.p, i, &v, env[3], sizeof(env[3]),
		    rv) == 0) {
			fprintf(stderr, "  receipt truncation %zu accepted\n",
			    i);
			all = 0;
		}
	CHECK(all);
	all = 1;
	for (i = 0; i < rc.len; i++) {
		rc.p[i] ^= 0x01;
		if (receipt_verify(rc.p, rc.len, &v, env[3], sizeof(env[3]),
		    rv) == 0) {
			fprintf(stderr, "  receipt flip %zu accepted\n", i);
			all = 0;
		}
		rc.p[i] ^= 0x01;
	}
	CHECK(all);
	CHECK(receipt_verify(rc.p, rc.len, &v, env[3], sizeof(env[3]), rv) ==
	    0);
	/* Appended bytes are refused. */
	CHECK(amana_buf_str(&rc, "\n") == 0);
	CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) != 0);
	/* Without extra data: parses, but is no Amana receipt. */
	amana_buf_reset(&rc);
	CHECK(receipt_format(3, NULL, 0, (const uint8_t (*)[32])proof, np,
	    note.p, note.len, &rc) == 0);
	CHECK(receipt_parse(rc.p, rc.len, rv) == 0 && !rv->has_extra);
	CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) == AMANA_EPARSE);
	/* Index past the tree, leading zero in index. */
	amana_buf_reset(&rc);
	CHECK(receipt_format(7, entries[3], LOGENTRY_LEN,
	    (const uint8_t (*)[32])proof, np, note.p, note.len, &rc) == 0);
	CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) == AMANA_EPROOF);
	{
		static const char r0[] = "c2sp.org/tlog-proof@v1\nindex 03\n\n";

		amana_buf_reset(&rc);
		CHECK(amana_buf_str(&rc, r0) == 0 &&
		    amana_buf_append(&rc, note.p, note.len) == 0);
		CHECK(receipt_parse(rc.p, rc.len, rv) == AMANA_EPARSE);
		/* "index 3" then two blank lines: the checkpoint part
		 * starts with a blank line and no longer verifies. */
		rc.p[29] = '3';
		rc.p[30] = '\n';
		CHECK(receipt_verify(rc.p, rc.len, &v, NULL, 0, rv) != 0);
	}
	/* A checkpoint signed by the right key for another origin. */
	{
		struct note_signer *s2 = NULL;
		struct note_verifier v2;

		amana_buf_reset(&body);
		memcpy(c.origin, "amana.test/other", 17);
		CHECK(ckpt_format(&c, &body) == 0);
		amana_buf_reset(&note);
		CHECK(note_signer_generate("amana.test/log", &s2) == 0);
		if (s2 != NULL) {
			note_signer_verifier(s2, &v2);
			CHECK(note_sign(s2, body.p, body.len, &note) == 0);
			amana_buf_reset(&rc);
			CHECK(receipt_format(3, entries[3], LOGENTRY_LEN,
			    (const uint8_t (*)[32])proof, np, note.p,
			    note.len, &rc) == 0);
			CHECK(receipt_verify(rc.p, rc.len, &v2, NULL, 0,
			    rv) == AMANA_EBADSIG);
			note_signer_free(s2);
		}
	}
out:
	free(rv);
	note_signer_free(s);
	note_signer_free(other);
	amana_buf_free(&body);
	amana_buf_free(&note);
	amana_buf_free(&rc);
}

int
main(void)
{
	size_t i;

	test_begin("tlog_verify");
	if (sodium_init() < 0)
		return 1;
	all_leaves = calloc(MAX_LEAVES, 32);
	if (all_leaves == NULL)
		return 1;
	for (i = 0; i < N_LOGS; i++)
		check_log(i);
	check_consistency();
	check_tile_paths();
	check_ckpt_logentry();
	check_receipts();
	free(all_leaves);
	return test_done();
}
