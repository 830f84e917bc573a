/*
 * test_tlog: the tree walker (store/tlog) against merkle.h, and the store's
 * log against the independent reference logs in tests/vectors/tlog: tiles,
 * entry bundles and checkpoint bodies byte for byte, roots, and proofs that
 * verify (also against the reference roots of the smaller logs).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "amana_codec.h"
#include "ckpt.h"
#include "merkle.h"
#include "note.h"
#include "store.h"
#include "testlib.h"
#include "tile.h"
#include "tlog.h"

#define ORIGIN "amana.test/vectors"

static const uint64_t sizes[] = { 0, 1, 7, 256, 257, 1000, 70000 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* ---- in-memory tlog_src: leaf hashes and emitted nodes ---- */

struct memnode {
	unsigned	level;
	uint64_t	index;
	uint8_t		h[32];
};

struct memsrc {
	uint8_t		(*leaf)[32];
	size_t		 n_leaf;
	struct memnode	*nodes;
	size_t		 n_nodes;
	size_t		 cap_nodes;
};

static int
mem_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static 32])
{
	struct memsrc *m = ctx;
	size_t i;

	if (level == 0) {
		if (index >= m->n_leaf)
			return AMANA_ENOENT;
		memcpy(out, m->leaf[index], 32);
		return 0;
	}
	for (i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].level == level && m->nodes[i].index == index) {
			memcpy(out, m->nodes[i].h, 32);
			return 0;
		}
	return AMANA_ENOENT;
}

static int
mem_emit(void *ctx, unsigned level, uint64_t index, const uint8_t h[static 32])
{
	struct memsrc *m = ctx;

	if (level % TLOG_STRIDE != 0 || level == 0)
		return AMANA_EINVAL;
	if (m->n_nodes == m->cap_nodes)
		return AMANA_ENOMEM;
	m->nodes[m->n_nodes].level = level;
	m->nodes[m->n_nodes].index = index;
	memcpy(m->nodes[m->n_nodes].h, h, 32);
	m->n_nodes++;
	return 0;
}

/* Counts the fetches of a memsrc, for the memo test. */
struct countsrc {
	struct memsrc	*m;
	unsigned long	 gets;
	uint64_t	 leaf_lo, leaf_hi;	/* leaves counted in batch_gets */
	unsigned long	 batch_gets;
};

static int
count_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static 32])
{
	struct countsrc *c = ctx;

	c->gets++;
	if (level == 0 && index >= c->leaf_lo && index < c->leaf_hi)
		c->batch_gets++;
	return mem_get(c->m, level, index, out);
}

/*
 * The memo (tlog_src.cache): proofs through it equal proofs without it, a
 * proof asked again needs no fetch at all, and nodes and ranges with the
 * same numbers never stand for each other.
 */
static void
test_memo(struct memsrc *m, const uint8_t (*root)[32])
{
	struct tlog_cache_slot *cache;
	struct countsrc c = { m, 0, 0, 0, 0 };
	struct tlog_src plain = { mem_get, m, NULL };
	struct tlog_src memo = { count_get, &c, NULL };
	struct amana_buf p1, p2;
	uint8_t a[32], b[32];
	uint64_t i, size;

	if ((cache = calloc(TLOG_CACHE_SLOTS, sizeof(*cache))) == NULL)
		abort();
	memo.cache = cache;
	amana_buf_init(&p1, 64 * 32, 0);
	amana_buf_init(&p2, 64 * 32, 0);
	/* A batch of receipts: indexes 500..599 in trees of 550 and 600. */
	for (size = 550; size <= 600; size += 50)
		for (i = 500; i < size; i++) {
			amana_buf_reset(&p1);
			amana_buf_reset(&p2);
			CHECK_EQ(tlog_inclusion_proof(&plain, i, size, &p1), 0);
			CHECK_EQ(tlog_inclusion_proof(&memo, i, size, &p2), 0);
			CHECK(p1.len == p2.len &&
			    memcmp(p1.p, p2.p, p1.len) == 0);
			CHECK_EQ(merkle_verify_inclusion(i, size, m->leaf[i],
			    (const uint8_t (*)[32])(void *)p2.p, p2.len / 32,
			    root[size]), 0);
		}
	c.gets = 0;
	amana_buf_reset(&p2);
	CHECK_EQ(tlog_inclusion_proof(&memo, 577, 600, &p2), 0);
	CHECK_EQ(c.gets, 0);
	/* Range [1, 3) next to node (level 1, index 1) = leaves [2, 4), and
	 * node (level 0, index 3) next to range [3, 5): all distinct. */
	CHECK_EQ(tlog_range(&memo, 1, 3, a), 0);
	CHECK_EQ(tlog_node(&memo, 1, 1, b), 0);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK_EQ(tlog_range(&plain, 2, 4, a), 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK_EQ(tlog_node(&memo, 0, 3, a), 0);
	CHECK(memcmp(a, m->leaf[3], 32) == 0);
	CHECK_EQ(tlog_range(&memo, 3, 5, b), 0);
	CHECK_EQ(tlog_range(&plain, 3, 5, a), 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK(tlog_node(&memo, 63, 0, a) == AMANA_EINVAL);
	CHECK(tlog_range(&memo, 0, TLOG_SIZE_MAX + 1, a) == AMANA_EINVAL);
	/* Seeded leaves (a writer's batch [536, 600)) are never fetched: the
	 * batch's proofs in the tree of 600 fetch no leaf of it, and equal
	 * the proofs without the memo. */
	memset(cache, 0, TLOG_CACHE_SLOTS * sizeof(*cache));
	for (i = 536; i < 600; i++)
		tlog_cache_seed(cache, 0, i, m->leaf[i]);
	tlog_cache_seed(NULL, 0, 0, m->leaf[0]);	/* no memo: no-op */
	c.leaf_lo = 536;
	c.leaf_hi = 600;
	for (i = 536; i < 600; i++) {
		amana_buf_reset(&p1);
		amana_buf_reset(&p2);
		CHECK_EQ(tlog_inclusion_proof(&plain, i, 600, &p1), 0);
		CHECK_EQ(tlog_inclusion_proof(&memo, i, 600, &p2), 0);
		CHECK(p1.len == p2.len && memcmp(p1.p, p2.p, p1.len) == 0);
	}
	CHECK_EQ(c.batch_gets, 0);
	/* A proof memo: the same proofs as without, leaves in any order,
	 * the tree size changing under it (it is then not used). */
	{
		static const uint64_t sz[] = { 1, 2, 7, 550, 600, 599, 600 };
		struct tlog_proof_memo *pm = calloc(1, sizeof(*pm));
		size_t t, o;

		CHECK(pm != NULL);
		for (t = 0; pm != NULL && t < sizeof(sz) / sizeof(sz[0]); t++)
			for (o = 0; o < 3; o++)
				for (i = 0; i < sz[t]; i++) {
					uint64_t x = o == 0 ? i : o == 1 ?
					    sz[t] - 1 - i : i * 7919 % sz[t];

					amana_buf_reset(&p1);
					amana_buf_reset(&p2);
					CHECK_EQ(tlog_inclusion_proof(&plain, x,
					    sz[t], &p1), 0);
					CHECK_EQ(tlog_inclusion_proof_memo(
					    &plain, x, sz[t], pm, &p2), 0);
					CHECK(p1.len == p2.len && memcmp(p1.p,
					    p2.p, p1.len) == 0);
				}
		if (pm != NULL)
			CHECK(tlog_inclusion_proof_memo(&plain, 600, 600, pm,
			    &p2) == AMANA_EINVAL);
		/* A tree of one leaf into a buffer never written: empty. */
		{
			struct amana_buf e;

			amana_buf_init(&e, 64, 0);
			if (pm != NULL)
				CHECK(tlog_inclusion_proof_memo(&plain, 0, 1,
				    pm, &e) == 0 && e.len == 0 && pm->n == 0);
			amana_buf_free(&e);
		}
		free(pm);
	}
	amana_buf_free(&p1);
	amana_buf_free(&p2);
	free(cache);
}

/* Frontier, tlog_root and proofs against merkle_range and merkle_verify. */
static void
test_walker(void)
{
	enum { N = 600 };
	struct memsrc m;
	struct tlog_frontier f, f2;
	struct merkle_range r;
	struct tlog_cache_slot *cache;
	struct tlog_src src;
	struct amana_buf proof, enc;
	uint8_t root[N + 1][32], a[32], b[32];
	char text[32];
	uint64_t i, j, k;
	int n, ret;

	memset(&m, 0, sizeof(m));
	m.leaf = calloc(N, 32);
	m.cap_nodes = N;
	m.nodes = calloc(N, sizeof(*m.nodes));
	cache = calloc(TLOG_CACHE_SLOTS, sizeof(*cache));
	if (m.leaf == NULL || m.nodes == NULL || cache == NULL)
		abort();
	src.get = mem_get;
	src.ctx = &m;
	src.cache = cache;
	amana_buf_init(&proof, 64 * 32, 0);
	amana_buf_init(&enc, 8 + 64 * 32, 0);
	tlog_frontier_init(&f);
	merkle_range_init(&r);
	merkle_empty_root(a);
	tlog_frontier_root(&f, b);
	CHECK(memcmp(a, b, 32) == 0);
	memcpy(root[0], a, 32);
	for (i = 0; i < N; i++) {
		n = snprintf(text, sizeof(text), "leaf %llu",
		    (unsigned long long)i);
		CHECK(n > 0 && (size_t)n < sizeof(text));
		merkle_leaf_hash(m.leaf[i], (const uint8_t *)text, (size_t)n);
		m.n_leaf = i + 1;
		CHECK_EQ(tlog_frontier_push(&f, m.leaf[i], mem_emit, &m), 0);
		CHECK_EQ(merkle_range_append(&r, m.leaf[i]), 0);
		merkle_range_root(&r, a);
		tlog_frontier_root(&f, root[i + 1]);
		CHECK(memcmp(a, root[i + 1], 32) == 0);
		/* Encoded frontier round-trips; every truncation fails. */
		amana_buf_reset(&enc);
		CHECK_EQ(tlog_frontier_encode(&f, &enc), 0);
		CHECK_EQ(tlog_frontier_decode(&f2, enc.p, enc.len), 0);
		CHECK(f2.size == f.size && f2.n == f.n &&
		    memcmp(f2.h, f.h, f.n * 32) == 0);
		for (k = 0; k < enc.len; k++)
			CHECK(tlog_frontier_decode(&f2, enc.p, k) != 0);
	}
	/* 600 leaves: levels 4 and 8 nodes are stored, 37 + 2. */
	CHECK_EQ(m.n_nodes, N / 16 + N / 256);
	for (i = 0; i <= N; i++) {
		CHECK_EQ(tlog_root(&src, i, a), 0);
		CHECK(memcmp(a, root[i], 32) == 0);
	}
	/* Inclusion: every leaf in some sizes; consistency: many pairs. */
	for (j = 1; j <= N; j += (j < 40 ? 1 : 37)) {
		for (i = 0; i < j; i++) {
			amana_buf_reset(&proof);
			CHECK_EQ(tlog_inclusion_proof(&src, i, j, &proof), 0);
			ret = merkle_verify_inclusion(i, j, m.leaf[i],
			    (const uint8_t (*)[32])(void *)proof.p,
			    proof.len / 32, root[j]);
			CHECK_EQ(ret, 0);
		}
		for (i = 0; i <= j; i++) {
			amana_buf_reset(&proof);
			CHECK_EQ(tlog_consistency_proof(&src, i, j, &proof),
			    0);
			if (i == 0)
				continue;
			ret = merkle_verify_consistency(i, j, root[i],
			    root[j], (const uint8_t (*)[32])(void *)proof.p,
			    proof.len / 32);
			CHECK_EQ(ret, 0);
			/* A wrong old root must not verify. */
			if (i < j && proof.len > 0)
				CHECK(merkle_verify_consistency(i, j, root[i - 1],
				    root[j], (const uint8_t (*)[32])(void *)
				    proof.p, proof.len / 32) != 0);
		}
	}
	CHECK(tlog_inclusion_proof(&src, 5, 5, &proof) == AMANA_EINVAL);
	CHECK(tlog_consistency_proof(&src, 6, 5, &proof) == AMANA_EINVAL);
	/* Tiles: at 600 leaves level 0 has tiles 0 and 1 and 2.p/88. */
	amana_buf_free(&proof);
	amana_buf_init(&proof, 256 * 32, 0);
	CHECK_EQ(tlog_hash_tile(&src, 0, 2, 88, N, &proof), 0);
	CHECK_EQ(proof.len, 88 * 32);
	CHECK(memcmp(proof.p, m.leaf[512], 32) == 0);
	CHECK(memcmp(proof.p + 87 * 32, m.leaf[599], 32) == 0);
	amana_buf_reset(&proof);
	CHECK_EQ(tlog_hash_tile(&src, 0, 1, 256, N, &proof), 0);
	CHECK(memcmp(proof.p + 255 * 32, m.leaf[511], 32) == 0);
	amana_buf_reset(&proof);
	CHECK_EQ(tlog_hash_tile(&src, 1, 0, 2, N, &proof), 0);
	CHECK_EQ(tlog_node(&src, 8, 1, a), 0);
	CHECK(memcmp(proof.p + 32, a, 32) == 0);
	CHECK_EQ(tlog_range(&src, 256, 512, b), 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK(tlog_hash_tile(&src, 0, 2, 89, N, &proof) == AMANA_ENOENT);
	CHECK(tlog_hash_tile(&src, 0, 3, 1, N, &proof) == AMANA_ENOENT);
	CHECK(tlog_hash_tile(&src, 0, 0, 0, N, &proof) == AMANA_EINVAL);
	CHECK(tlog_hash_tile(&src, 1, 0, 3, N, &proof) == AMANA_ENOENT);
	test_memo(&m, (const uint8_t (*)[32])root);
	amana_buf_free(&proof);
	amana_buf_free(&enc);
	free(cache);
	free(m.leaf);
	free(m.nodes);
}

/* ---- the store against the reference logs ---- */

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return note_sign(ctx, body, len, out);
}

/* Reads a reference checkpoint; the body and parsed fields. */
static int
ref_ckpt(uint64_t size, struct amana_buf *file, struct ckpt *c,
    size_t *body_len)
{
	char rel[64];
	struct note_view nv;

	(void)snprintf(rel, sizeof(rel), "tlog/size-%llu/checkpoint",
	    (unsigned long long)size);
	test_read_file(test_vector_path(rel), file);
	if (note_open(file->p, file->len, &nv) != 0 ||
	    ckpt_parse(nv.text, nv.text_len, c) != 0)
		return -1;
	*body_len = nv.text_len;
	return 0;
}

struct walk {
	struct store	*st;
	size_t		 prefix;	/* length of ".../size-N/" */
	unsigned long	 files;
	unsigned long	 same;
};

static void
walk_tiles(struct walk *w, const char *dir)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	struct stat sb;
	struct amana_buf ref, got;
	int level, entries, n;
	uint64_t idx;
	unsigned width;

	if ((d = opendir(dir)) == NULL) {
		CHECK(0);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) ||
		    stat(path, &sb) != 0) {
			CHECK(0);
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			walk_tiles(w, path);
			continue;
		}
		w->files++;
		CHECK_EQ(tile_path_parse(path + w->prefix,
		    strlen(path + w->prefix), &level, &idx, &width, &entries),
		    0);
		amana_buf_init(&ref, 1 << 20, 0);
		amana_buf_init(&got, 1 << 20, 0);
		test_read_file(path, &ref);
		if (width == 0)
			width = TLOG_TILE_WIDTH;
		if (entries)
			CHECK_EQ(store_entries(w->st, idx, width, &got), 0);
		else
			CHECK_EQ(store_tile(w->st, (unsigned)level, idx, width,
			    &got), 0);
		if (got.len == ref.len && memcmp(got.p, ref.p, ref.len) == 0)
			w->same++;
		else
			fprintf(stderr, "  differs: %s\n", path + w->prefix);
		amana_buf_free(&ref);
		amana_buf_free(&got);
	}
	closedir(d);
}

/* Number of tile files tlog-tiles defines for a tree of size leaves. */
static unsigned long
expected_tiles(uint64_t size)
{
	unsigned long total = 0;
	uint64_t full;
	unsigned partial;
	int level;

	for (level = 0; level < 8; level++) {
		tile_span(size, level, &full, &partial);
		total += full + (partial != 0);
	}
	tile_span(size, 0, &full, &partial);
	return total + full + (partial != 0);	/* entry bundles */
}

static void
test_reference(struct note_signer *signer)
{
	struct store_opts o;
	struct store *st = NULL;
	struct amana_buf file, got, proof;
	struct ckpt c, refc[N_SIZES];
	struct walk w;
	char dir[4096], rel[64], text[32], *names;
	const uint8_t *leaves[1000];
	size_t lens[1000], body_len = 0, k, j;
	uint8_t root[32], leaf[32];
	uint64_t have = 0, size, i, step;
	int ret, n;

	/* The reference roots, for the cross-size checks below. */
	for (k = 0; k < N_SIZES; k++) {
		amana_buf_init(&file, 1 << 16, 0);
		CHECK_EQ(ref_ckpt(sizes[k], &file, &refc[k], &body_len), 0);
		refc[k].ext = NULL;
		amana_buf_free(&file);
	}
	if ((names = malloc(1000 * 32)) == NULL)
		abort();
	test_store_dir(dir, sizeof(dir), "tlog-ref");
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.origin = ORIGIN;
	o.raw_log = 1;
	o.map_size = (size_t)64 << 20;
	CHECK_EQ(store_open(&o, &st), 0);
	if (st == NULL)
		goto out;
	/* One store grows through every reference size in turn. */
	for (k = 0; k < N_SIZES; k++) {
		size = sizes[k];
		while (have < size) {
			for (j = 0; j < 1000 && have < size; j++, have++) {
				n = snprintf(names + j * 32, 32, "entry %llu",
				    (unsigned long long)have);
				leaves[j] = (const uint8_t *)names + j * 32;
				lens[j] = (size_t)n;
			}
			CHECK_EQ(store_append_raw(st, leaves, lens, j, sign_cb,
			    signer), 0);
		}
		CHECK_EQ(store_size(st, &i), 0);
		CHECK_EQ(i, size);
		/* Checkpoint body byte for byte, and the root. */
		amana_buf_init(&file, 1 << 16, 0);
		amana_buf_init(&got, 1 << 16, 0);
		CHECK_EQ(ref_ckpt(size, &file, &c, &body_len), 0);
		ret = store_checkpoint(st, &got);
		if (size == 0) {
			CHECK_EQ(ret, AMANA_ENOENT);
		} else {
			CHECK_EQ(ret, 0);
			CHECK(got.len > body_len &&
			    memcmp(got.p, file.p, body_len) == 0);
		}
		CHECK_EQ(store_root(st, size, root), 0);
		CHECK(memcmp(root, c.root, 32) == 0);
		amana_buf_free(&file);
		amana_buf_free(&got);
		/* Every tile and bundle of the reference, byte for byte. */
		if (size > 0) {
			(void)snprintf(rel, sizeof(rel), "tlog/size-%llu/",
			    (unsigned long long)size);
			memset(&w, 0, sizeof(w));
			w.st = st;
			w.prefix = strlen(test_vector_path(rel));
			(void)snprintf(rel, sizeof(rel), "tlog/size-%llu/tile",
			    (unsigned long long)size);
			walk_tiles(&w, test_vector_path(rel));
			CHECK_EQ(w.files, expected_tiles(size));
			CHECK_EQ(w.same, w.files);
		}
		/* Inclusion proofs of "entry i" to the reference root. */
		amana_buf_init(&proof, 64 * 32, 0);
		step = size > 2000 ? 97 : 1;
		for (i = 0; i < size; i += step) {
			n = snprintf(text, sizeof(text), "entry %llu",
			    (unsigned long long)i);
			merkle_leaf_hash(leaf, (const uint8_t *)text,
			    (size_t)n);
			amana_buf_reset(&proof);
			CHECK_EQ(store_inclusion_proof(st, i, size, &proof), 0);
			CHECK_EQ(merkle_verify_inclusion(i, size, leaf,
			    (const uint8_t (*)[32])(void *)proof.p,
			    proof.len / 32, c.root), 0);
		}
		/* Consistency from every smaller reference log to this one,
		 * and their roots recomputed from this larger store. */
		for (j = 0; j < k; j++) {
			if (sizes[j] == 0)
				continue;
			CHECK_EQ(store_root(st, sizes[j], root), 0);
			CHECK(memcmp(root, refc[j].root, 32) == 0);
			amana_buf_reset(&proof);
			CHECK_EQ(store_consistency_proof(st, sizes[j], size,
			    &proof), 0);
			CHECK_EQ(merkle_verify_consistency(sizes[j], size,
			    refc[j].root, c.root,
			    (const uint8_t (*)[32])(void *)proof.p,
			    proof.len / 32), 0);
		}
		CHECK(store_inclusion_proof(st, size, size + 1, &proof) ==
		    AMANA_EINVAL);
		amana_buf_free(&proof);
	}
	/* Reopening keeps it all; the wrong mode or origin is refused. */
	store_close(st);
	st = NULL;
	o.raw_log = 0;
	CHECK_EQ(store_open(&o, &st), AMANA_EINVAL);
	o.raw_log = 1;
	o.origin = "other.example/log";
	CHECK_EQ(store_open(&o, &st), AMANA_EINVAL);
	o.origin = ORIGIN;
	CHECK_EQ(store_open(&o, &st), 0);
	if (st != NULL) {
		CHECK_EQ(store_root(st, 70000, root), 0);
		CHECK(memcmp(root, refc[N_SIZES - 1].root, 32) == 0);
	}
out:
	store_close(st);
	test_rm_store(dir);
	free(names);
}

int
main(void)
{
	struct note_signer *signer = NULL;
	char base[4096];
	const char *b = getenv("AMANA_BUILD");

	test_begin("tlog");
	if (sodium_init() < 0)
		return 1;
	(void)snprintf(base, sizeof(base), "%s/test-tmp",
	    b != NULL ? b : ".");
	(void)mkdir(base, 0700);
	test_walker();
	if (note_signer_generate(ORIGIN, &signer) != 0)
		return 1;
	test_reference(signer);
	note_signer_free(signer);
	return test_done();
}
