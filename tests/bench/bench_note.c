/*
 * bench_note: signed-note verifications per second (note_verify on a
 * checkpoint-sized note, parsing included) against raw libsodium
 * crypto_sign_verify_detached over the same text and signature.
 * Prints both rates and their ratio (goal >= 0.9).
 * Usage: bench_note [iterations per round, default 20000]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "amana_buf.h"
#include "ckpt.h"
#include "note.h"

#define ROUNDS 5

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long
parse_count(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return *end == '\0' && v > 0 ? v : 0;
}

int
main(int argc, char **argv)
{
	struct note_signer *s = NULL;
	struct note_verifier v;
	struct note_view view;
	struct amana_buf body, note;
	struct ckpt c;
	uint8_t sig[NOTE_SIG_LEN];
	unsigned long iters = 20000, i, bad = 0;
	double t0, t_note, t_raw, best_note = 1e9, best_raw = 1e9;
	int round, ret = 1;

	if (argc > 1 && (iters = parse_count(argv[1])) == 0) {
		fprintf(stderr, "usage: bench_note [iterations]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	amana_buf_init(&body, 4096, 0);
	amana_buf_init(&note, NOTE_MAX_LEN, 0);
	if (note_signer_generate("bench.amana.test/log", &s) != 0)
		goto out;
	note_signer_verifier(s, &v);
	memset(&c, 0, sizeof(c));
	memcpy(c.origin, v.name, strlen(v.name) + 1);
	c.size = 123456789;
	randombytes_buf(c.root, sizeof(c.root));
	if (ckpt_format(&c, &body) != 0 ||
	    note_sign(s, body.p, body.len, &note) != 0 ||
	    note_sign_raw(s, body.p, body.len, sig) != 0)
		goto out;
	for (round = 0; round < ROUNDS; round++) {
		t0 = now();
		for (i = 0; i < iters; i++)
			bad += note_verify(note.p, note.len, &v, 1, &view) != 0;
		t_note = now() - t0;
		t0 = now();
		for (i = 0; i < iters; i++)
			bad += crypto_sign_verify_detached(sig, body.p,
			    body.len, v.pk) != 0;
		t_raw = now() - t0;
		if (t_note < best_note)
			best_note = t_note;
		if (t_raw < best_raw)
			best_raw = t_raw;
	}
	if (bad != 0) {
		fprintf(stderr, "bench_note: %lu verifications failed\n", bad);
		goto out;
	}
	printf("note bytes %zu, text bytes %zu, %lu iterations x %d rounds "
	    "(best round)\n", note.len, body.len, iters, ROUNDS);
	printf("note_verify:                 %.0f verifications/s\n",
	    (double)iters / best_note);
	printf("crypto_sign_verify_detached: %.0f verifications/s\n",
	    (double)iters / best_raw);
	printf("ratio: %.3f (goal >= 0.9)\n", best_raw / best_note);
	ret = 0;
out:
	note_signer_free(s);
	amana_buf_free(&body);
	amana_buf_free(&note);
	return ret;
}
