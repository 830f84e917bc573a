/*
 * bench_age: age v1 throughput against raw libsodium ChaCha20-Poly1305 IETF
 * over the same bytes in 64 KiB chunks, and peak RSS of a long stream.
 *   bench_age [BUF_MiB [STREAM_MiB]]     defaults 256 and 1024
 * First streams STREAM_MiB of plaintext through age_enc_* into age_dec_*
 * (constant memory; peak RSS from getrusage), then times BUF_MiB in memory:
 * raw AEAD per chunk into an output array, age_encrypt_buf into a
 * preallocated buffer, age streaming with a counting sink, and the same for
 * decryption. Ratios are age throughput / raw throughput (higher is better).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sodium.h>

#include "age.h"

#define CHUNK	AGE_CHUNK_LEN
#define TAG	AGE_TAG_LEN
#define ROUNDS	3

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
peak_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

static int
count_sink(void *ctx, const uint8_t *p, size_t len)
{
	size_t	*n = ctx;

	*n += len;
	return 0;
}

struct pipe_ctx {
	struct age_dec	*d;
};

static int
pipe_sink(void *ctx, const uint8_t *p, size_t len)
{
	struct pipe_ctx *pc = ctx;

	return age_dec_write(pc->d, p, len);
}

static void
raw_nonce(uint8_t n[12], uint64_t ctr, int last)
{
	int	 i;

	memset(n, 0, 12);
	for (i = 0; i < 8; i++)
		n[10 - i] = (uint8_t)(ctr >> (8 * i));
	n[11] = (uint8_t)last;
}

int
main(int argc, char **argv)
{
	struct age_identity *id = NULL;
	uint8_t		 pk[1][AGE_KEY_LEN], key[32], n12[12];
	uint8_t		*pt = NULL, *raw = NULL, *block = NULL;
	struct amana_buf ct, out;
	struct age_enc	*e = NULL;
	struct age_dec	*d = NULL;
	struct age_dec_keys keys;
	struct pipe_ctx	 pc;
	size_t		 buf_mib = 256, stream_mib = 1024, len, off, n, got;
	size_t		 nchunks, i, counted;
	unsigned long long clen;
	uint64_t	 plen;
	double		 t0, t1, t_raw_e = 0, t_raw_d = 0, t_age_e = 0;
	double		 t_age_d = 0, t_st_e = 0, t_st_d = 0;
	long		 rss_before, rss_after;
	int		 r;

	if (argc > 1)
		buf_mib = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		stream_mib = strtoul(argv[2], NULL, 10);
	if (sodium_init() < 0 || buf_mib == 0 || buf_mib > 4096)
		return 1;
	if (age_identity_generate(&id) != 0)
		return 1;
	age_identity_public(id, pk[0]);
	memset(&keys, 0, sizeof(keys));
	keys.ids = &id;
	keys.n_ids = 1;

	/* 1. Stream through encryption and decryption: peak RSS. */
	rss_before = peak_rss_kib();
	if ((block = malloc(1 << 20)) == NULL)
		return 1;
	randombytes_buf(block, 1 << 20);
	counted = 0;
	if (age_dec_new(&keys, count_sink, &counted, &d) != 0)
		return 1;
	pc.d = d;
	if (age_enc_new_x25519((const uint8_t (*)[AGE_KEY_LEN])pk, 1,
	    pipe_sink, &pc, &e) != 0)
		return 1;
	t0 = now();
	for (i = 0; i < stream_mib; i++)
		if (age_enc_write(e, block, 1 << 20) != 0)
			return 1;
	if (age_enc_finish(e) != 0 || age_dec_finish(d) != 0 ||
	    counted != stream_mib << 20) {
		fprintf(stderr, "stream failed\n");
		return 1;
	}
	t0 = now() - t0;
	rss_after = peak_rss_kib();
	age_enc_free(e);
	age_dec_free(d);
	e = NULL;
	d = NULL;
	free(block);
	printf("stream: %zu MiB encrypted and decrypted in %.2f s "
	    "(%.0f MiB/s); peak RSS %.1f MiB (%.1f MiB before)\n",
	    stream_mib, t0, (double)stream_mib / t0,
	    (double)rss_after / 1024.0, (double)rss_before / 1024.0);

	/* 2. In memory. */
	len = buf_mib << 20;
	nchunks = len / CHUNK;
	if (age_payload_len(age_header_len_x25519(1), len, &plen) != 0)
		return 1;
	amana_buf_init(&ct, (size_t)plen, 0);
	amana_buf_init(&out, len, 0);
	if ((pt = malloc(len)) == NULL ||
	    (raw = malloc(len + nchunks * TAG)) == NULL ||
	    amana_buf_reserve(&ct, (size_t)plen) != 0 ||
	    amana_buf_reserve(&out, len) != 0)
		return 1;
	randombytes_buf(pt, len);
	randombytes_buf(key, sizeof(key));
	/* Touch every page first so no run pays the page faults. */
	memset(raw, 0, len + nchunks * TAG);
	memset(ct.p, 0, (size_t)plen);
	memset(out.p, 0, len);

	/* Best of ROUNDS interleaved rounds: the machine is shared. */
	for (r = 0; r < ROUNDS; r++) {
		t0 = now();
		for (i = 0, off = 0; i < nchunks; i++, off += CHUNK + TAG) {
			raw_nonce(n12, i, i + 1 == nchunks);
			crypto_aead_chacha20poly1305_ietf_encrypt(raw + off, &clen,
			    pt + i * CHUNK, CHUNK, NULL, 0, NULL, n12, key);
		}
		t1 = now() - t0;
		if (r == 0 || t1 < t_raw_e)
			t_raw_e = t1;

		ct.len = 0;
		t0 = now();
		if (age_encrypt_buf((const uint8_t (*)[AGE_KEY_LEN])pk, 1, pt, len,
		    &ct) != 0 || ct.len != plen)
			return 1;
		t1 = now() - t0;
		if (r == 0 || t1 < t_age_e)
			t_age_e = t1;

		t0 = now();
		counted = 0;
		if (age_enc_new_x25519((const uint8_t (*)[AGE_KEY_LEN])pk, 1,
		    count_sink, &counted, &e) != 0 || age_enc_write(e, pt, len) != 0 ||
		    age_enc_finish(e) != 0 || counted != plen)
			return 1;
		t1 = now() - t0;
		if (r == 0 || t1 < t_st_e)
			t_st_e = t1;
		age_enc_free(e);

		t0 = now();
		for (i = 0, off = 0; i < nchunks; i++, off += CHUNK + TAG) {
			raw_nonce(n12, i, i + 1 == nchunks);
			if (crypto_aead_chacha20poly1305_ietf_decrypt(pt + i * CHUNK,
			    &clen, NULL, raw + off, CHUNK + TAG, NULL, 0, n12,
			    key) != 0)
				return 1;
		}
		t1 = now() - t0;
		if (r == 0 || t1 < t_raw_d)
			t_raw_d = t1;

		out.len = 0;
		t0 = now();
		if (age_decrypt_buf(&keys, ct.p, ct.len, &out) != 0 ||
		    out.len != len)
			return 1;
		t1 = now() - t0;
		if (r == 0 || t1 < t_age_d)
			t_age_d = t1;

		t0 = now();
		counted = 0;
		if (age_dec_new(&keys, count_sink, &counted, &d) != 0 ||
		    age_dec_write(d, ct.p, ct.len) != 0 || age_dec_finish(d) != 0 ||
		    counted != len)
			return 1;
		t1 = now() - t0;
		if (r == 0 || t1 < t_st_d)
			t_st_d = t1;
		age_dec_free(d);
	}
	got = out.len;
	n = (size_t)plen;

	printf("in memory, %zu MiB (%zu bytes of age file), best of %d:\n",
	    buf_mib, n, ROUNDS);
	printf("  raw chacha20poly1305_ietf encrypt %7.0f MiB/s\n",
	    (double)buf_mib / t_raw_e);
	printf("  age_encrypt_buf (into a buffer)   %7.0f MiB/s  ratio %.3f\n",
	    (double)buf_mib / t_age_e, t_raw_e / t_age_e);
	printf("  age_enc_* (counting sink)         %7.0f MiB/s  ratio %.3f\n",
	    (double)buf_mib / t_st_e, t_raw_e / t_st_e);
	printf("  raw chacha20poly1305_ietf decrypt %7.0f MiB/s\n",
	    (double)buf_mib / t_raw_d);
	printf("  age_decrypt_buf (into a buffer)   %7.0f MiB/s  ratio %.3f\n",
	    (double)buf_mib / t_age_d, t_raw_d / t_age_d);
	printf("  age_dec_* (counting sink)         %7.0f MiB/s  ratio %.3f\n",
	    (double)buf_mib / t_st_d, t_raw_d / t_st_d);
	(void)got;
	free(pt);
	free(raw);
	amana_buf_free(&ct);
	amana_buf_free(&out);
	age_identity_free(id);
	return 0;
}
