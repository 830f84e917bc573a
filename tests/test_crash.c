/*
 * test_crash: kill -9 during group commits. Each round forks a child that
 * opens the store and appends batches of random sizes (alerts, replies,
 * resubmissions), writing every receipt it was given to a file; the parent
 * kills it at a random moment with SIGKILL, reopens the store and checks:
 * every receipted record is present with the same index and verifies
 * against its receipt, the tree matches every checkpoint ever returned,
 * and a consistency proof from each of them to the current tree verifies.
 * Dedup merge cycles of 16 entries, so that kills also land while dedup
 * keys move between the tiers (docs/STORAGE.md).
 * Rounds: AMANA_CRASH_ROUNDS (default 100); seed: AMANA_CRASH_SEED.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_file.h"
#include "ckpt.h"
#include "merkle.h"
#include "note.h"
#include "receipt.h"
#include "store.h"
#include "testlib.h"

/* Small dedup merge cycles: kills land in every phase of the merge. */
#define CRASH_DEDUP_CYCLE	16

#define ORIGIN		"amana.test/crash"
#define MAX_CKPTS	100000
#define MAX_RECS	200000

struct rec {
	uint64_t	index;
	uint8_t		hash[32];
};

struct cp {
	uint64_t	size;
	uint8_t		root[32];
};

struct state {
	struct note_signer	*signer;
	struct note_verifier	 v;
	char			 dir[4096];
	char			 frames[4096];
	struct rec		*recs;
	size_t			 n_recs;
	struct cp		*cps;
	size_t			 n_cps;
	unsigned long		 receipts;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return note_sign(ctx, body, len, out);
}

/* The child: appends until killed. Never returns. */
static void
child(struct state *S, uint64_t seed)
{
	struct store_opts o;
	struct store *st = NULL;
	struct store_item it[64];
	struct store_result res[64];
	static uint8_t data[64][2048];
	uint64_t alerts[256], s = seed | 1, ctr = 0;
	size_t n_alerts = 0, n, i, len;
	struct amana_buf frame;
	uint8_t hash[32];
	int fd;

	fd = open(S->frames, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	memset(&o, 0, sizeof(o));
	o.dir = S->dir;
	o.origin = ORIGIN;
	o.map_size = (size_t)1 << 30;
	o.dedup_cycle = CRASH_DEDUP_CYCLE;
	if (fd < 0 || store_open(&o, &st) != 0)
		_exit(3);
	amana_buf_init(&frame, 1 << 20, 0);
	for (;;) {
		n = 1 + rnd(&s) % (rnd(&s) % 4 == 0 ? 64 : 8);
		memset(it, 0, sizeof(it));
		for (i = 0; i < n; i++) {
			len = 16 + rnd(&s) % 2000;
			test_fill(data[i], len, seed * 1000003 + ctr++);
			it[i].kind = LOGENTRY_ALERT;
			it[i].data = data[i];
			it[i].len = len;
			if (n_alerts > 0 && rnd(&s) % 4 == 0) {
				it[i].kind = LOGENTRY_REPLY;
				it[i].ref = alerts[rnd(&s) % n_alerts];
			} else if (i > 0 && rnd(&s) % 8 == 0) {
				/* a resubmission within the batch */
				it[i] = it[i - 1];
			}
		}
		if (store_append(st, it, n, (uint64_t)time(NULL) * 1000, sign_cb,
		    S->signer, res) != 0)
			_exit(4);
		for (i = 0; i < n; i++) {
			if (res[i].err != 0)
				_exit(5);
			amana_sha256(hash, it[i].data, it[i].len);
			amana_buf_reset(&frame);
			if (amana_buf_u64be(&frame, res[i].index) != 0 ||
			    amana_buf_append(&frame, hash, 32) != 0 ||
			    amana_buf_u32be(&frame,
			    (uint32_t)res[i].receipt.len) != 0 ||
			    amana_buf_append(&frame, res[i].receipt.p,
			    res[i].receipt.len) != 0 ||
			    amana_file_write_all(fd, frame.p, frame.len) != 0)
				_exit(6);
			if (it[i].kind == LOGENTRY_ALERT && n_alerts < 256)
				alerts[n_alerts++] = res[i].index;
		}
		store_results_free(res, n);
	}
}

static void
add_cp(struct state *S, const struct ckpt *c)
{
	size_t i;

	for (i = S->n_cps; i > 0; i--)
		if (S->cps[i - 1].size == c->size) {
			CHECK(memcmp(S->cps[i - 1].root, c->root, 32) == 0);
			return;
		}
	if (S->n_cps < MAX_CKPTS) {
		S->cps[S->n_cps].size = c->size;
		memcpy(S->cps[S->n_cps].root, c->root, 32);
		S->n_cps++;
	}
}

/* Reads the child's frames: every one must be in the reopened store. */
static void
check_frames(struct state *S, struct store *st)
{
	struct amana_buf file, env;
	struct amana_cur c;
	struct receipt_view *rv;
	const uint8_t *hash, *rcpt;
	uint8_t h[32];
	uint64_t index, found;
	uint32_t len;

	if ((rv = malloc(sizeof(*rv))) == NULL)
		abort();
	amana_buf_init(&file, (size_t)256 << 20, 0);
	amana_buf_init(&env, 1 << 20, 0);
	test_read_file(S->frames, &file);
	amana_cur_init(&c, file.p, file.len);
	for (;;) {
		/* A frame cut short by the kill was never fully given. */
		if (amana_cur_u64be(&c, &index) != 0 ||
		    amana_cur_take(&c, 32, &hash) != 0 ||
		    amana_cur_u32be(&c, &len) != 0 ||
		    amana_cur_take(&c, len, &rcpt) != 0)
			break;
		S->receipts++;
		CHECK_EQ(store_lookup(st, hash, &found), 0);
		CHECK_EQ(found, index);
		amana_buf_reset(&env);
		CHECK_EQ(store_envelope(st, index, &env), 0);
		amana_sha256(h, env.p, env.len);
		CHECK(memcmp(h, hash, 32) == 0);
		CHECK_EQ(receipt_verify(rcpt, len, &S->v, env.p, env.len, rv),
		    0);
		CHECK_EQ(rv->index, index);
		add_cp(S, &rv->ckpt);
		if (S->n_recs < MAX_RECS) {
			S->recs[S->n_recs].index = index;
			memcpy(S->recs[S->n_recs].hash, hash, 32);
			S->n_recs++;
		}
	}
	amana_buf_free(&file);
	amana_buf_free(&env);
	free(rv);
}

/* The tree matches every checkpoint; each is consistent with now. */
static void
check_tree(struct state *S, struct store *st)
{
	struct amana_buf ck, proof;
	struct ckpt cur;
	uint8_t root[32];
	uint64_t size;
	size_t i;

	amana_buf_init(&ck, 1 << 16, 0);
	amana_buf_init(&proof, 64 * 32, 0);
	CHECK_EQ(store_size(st, &size), 0);
	if (size == 0) {
		CHECK_EQ(S->n_cps, 0);
		goto out;
	}
	CHECK_EQ(store_checkpoint(st, &ck), 0);
	CHECK_EQ(ckpt_verify(ck.p, ck.len, &S->v, &cur), 0);
	CHECK_EQ(cur.size, size);
	add_cp(S, &cur);
	for (i = 0; i < S->n_cps; i++) {
		CHECK(S->cps[i].size <= size);
		CHECK_EQ(store_root(st, S->cps[i].size, root), 0);
		CHECK(memcmp(root, S->cps[i].root, 32) == 0);
		amana_buf_reset(&proof);
		CHECK_EQ(store_consistency_proof(st, S->cps[i].size, size,
		    &proof), 0);
		CHECK_EQ(merkle_verify_consistency(S->cps[i].size, size,
		    S->cps[i].root, cur.root,
		    (const uint8_t (*)[32])(void *)proof.p, proof.len / 32), 0);
	}
out:
	amana_buf_free(&ck);
	amana_buf_free(&proof);
}

int
main(void)
{
	static struct state S;
	struct store_opts o;
	struct store *st = NULL;
	const char *b = getenv("AMANA_BUILD"), *e;
	uint64_t seed, s, size, last = 0;
	unsigned long rounds = 100, r, grew = 0;
	struct timespec ts;
	size_t i;
	pid_t pid;
	int status, fd;
	char base[2048];

	test_begin("crash");
	if (sodium_init() < 0)
		return 1;
	if ((e = getenv("AMANA_CRASH_ROUNDS")) != NULL)
		rounds = strtoul(e, NULL, 10);
	seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if ((e = getenv("AMANA_CRASH_SEED")) != NULL)
		seed = strtoull(e, NULL, 10);
	printf("crash: %lu rounds, seed %llu\n", rounds,
	    (unsigned long long)seed);
	s = seed | 1;
	(void)snprintf(base, sizeof(base), "%s/test-tmp",
	    b != NULL ? b : ".");
	(void)mkdir(base, 0700);
	if (snprintf(S.dir, sizeof(S.dir), "%s/crash", base) < 0 ||
	    snprintf(S.frames, sizeof(S.frames), "%s/crash-frames", base) < 0)
		return 1;
	test_rm_store(S.dir);
	S.recs = calloc(MAX_RECS, sizeof(*S.recs));
	S.cps = calloc(MAX_CKPTS, sizeof(*S.cps));
	if (S.recs == NULL || S.cps == NULL ||
	    note_signer_generate(ORIGIN, &S.signer) != 0)
		return 1;
	note_signer_verifier(S.signer, &S.v);
	memset(&o, 0, sizeof(o));
	o.dir = S.dir;
	o.origin = ORIGIN;
	o.map_size = (size_t)1 << 30;
	o.dedup_cycle = CRASH_DEDUP_CYCLE;
	for (r = 0; r < rounds; r++) {
		uint64_t cseed = rnd(&s);

		/* An empty frames file: a child killed before it opens its
		 * own (slow start under the sanitizers) reported nothing. */
		if ((fd = open(S.frames, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600)) < 0)
			return 1;
		(void)close(fd);
		fflush(stdout);
		fflush(stderr);
		if ((pid = fork()) < 0)
			return 1;
		if (pid == 0)
			child(&S, cseed);
		/* Kill it 0-40 ms in: at open, mid-batch, mid-commit. */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rnd(&s) % 40000) * 1000;
		(void)nanosleep(&ts, NULL);
		(void)kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		if (WIFEXITED(status))
			fprintf(stderr, "  child exited %d\n",
			    WEXITSTATUS(status));
		CHECK_EQ(store_open(&o, &st), 0);
		if (st == NULL)
			break;
		check_frames(&S, st);
		check_tree(&S, st);
		CHECK_EQ(store_size(st, &size), 0);
		CHECK(size >= last);
		grew += size > last;
		last = size;
		store_close(st);
		st = NULL;
	}
	/* Finally every record ever receipted, with its index. */
	CHECK_EQ(store_open(&o, &st), 0);
	if (st != NULL) {
		uint64_t found;

		for (i = 0; i < S.n_recs; i++) {
			CHECK_EQ(store_lookup(st, S.recs[i].hash, &found), 0);
			CHECK_EQ(found, S.recs[i].index);
		}
		store_close(st);
	}
	printf("crash: %lu receipts, %zu checkpoints, final size %llu, "
	    "grew in %lu of %lu rounds\n", S.receipts, S.n_cps,
	    (unsigned long long)last, grew, rounds);
	CHECK(grew > rounds / 4);
	test_rm_store(S.dir);
	(void)unlink(S.frames);
	note_signer_free(S.signer);
	free(S.recs);
	free(S.cps);
	return test_done();
}
