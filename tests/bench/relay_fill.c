/*
 * bench_relay_fill: fills a relay's data folder with COUNT signed alert
 * envelopes (payload SIZE bytes, default 4096) through store_append, in
 * batches of 1024 with a checkpoint signed by DIR/relay.key: the same
 * format and the same code path as the relay's writer thread, without
 * HTTPS. For the RSS and start-up figures of docs/PERFORMANCE.md.
 *
 *   bench_relay_fill DIR COUNT [SIZE]
 *
 * DIR is a data folder the relay created (it has relay.key); its log/ store
 * is created if missing. Stop the relay first: one writer per store.
 * Prints the rate and the final tree size. Not for production folders.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "envelope.h"
#include "note.h"
#include "store.h"

#define FILL_BATCH	1024

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return note_sign(ctx, body, len, out);
}

static int
sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
make_envelope(struct note_signer *ngo, const uint8_t *pk, uint8_t *payload,
    size_t size, struct amana_buf *out)
{
	struct envelope_writer *w = NULL;
	struct envelope_header h;
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[ENVELOPE_SIG_LEN];
	int ret;

	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	h.created = (uint64_t)time(NULL);
	h.payload_len = size;
	memcpy(h.signer, pk, sizeof(h.signer));
	randombytes_buf(payload + ENVELOPE_PAYLOAD_MIN,
	    size - ENVELOPE_PAYLOAD_MIN);
	if ((ret = envelope_writer_new(&h, sink, out, &w)) == 0 &&
	    (ret = envelope_writer_write(w, payload, size)) == 0 &&
	    (ret = envelope_writer_msg(w, msg)) == 0 &&
	    (ret = note_sign_raw(ngo, msg, sizeof(msg), sig)) == 0)
		ret = envelope_writer_finish_sig(w, sig);
	envelope_writer_free(w);
	return ret;
}

int
main(int argc, char **argv)
{
	struct note_signer *log = NULL, *ngo = NULL;
	struct note_verifier lv, nv;
	struct store *st = NULL;
	struct store_opts so;
	struct store_item *items = NULL;
	struct store_result *res = NULL;
	struct amana_buf key, *env = NULL;
	char path[4096];
	uint8_t *payload = NULL;
	uint64_t count, done = 0, size0 = 0, size1 = 0;
	size_t size, n, i;
	double t0;
	int ret = 1, err, k;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_relay_fill DIR COUNT [SIZE]\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	size = argc > 3 ? strtoul(argv[3], NULL, 10) : 4096;
	if (count == 0 || count > 100000000 || size < 64 ||
	    size > ((size_t)1 << 20) || sodium_init() < 0)
		return 2;
	amana_buf_init(&key, NOTE_SKEY_MAX + 2, 1);
	k = snprintf(path, sizeof(path), "%s/relay.key", argv[1]);
	if (k < 0 || (size_t)k >= sizeof(path) ||
	    amana_file_read(path, &key) != 0 ||
	    note_signer_parse(key.p, key.len, &log) != 0) {
		fprintf(stderr, "bench_relay_fill: cannot read %s\n", path);
		goto out;
	}
	note_signer_verifier(log, &lv);
	if (note_signer_generate("ngo.fill", &ngo) != 0)
		goto out;
	note_signer_verifier(ngo, &nv);
	k = snprintf(path, sizeof(path), "%s/log", argv[1]);
	if (k < 0 || (size_t)k >= sizeof(path))
		goto out;
	memset(&so, 0, sizeof(so));
	so.dir = path;
	so.map_size = (size_t)65536 << 20;	/* the relay's default */
	so.origin = lv.name;
	if ((err = store_open(&so, &st)) != 0) {
		fprintf(stderr, "bench_relay_fill: store: %s\n",
		    amana_strerror(err));
		goto out;
	}
	if ((items = calloc(FILL_BATCH, sizeof(*items))) == NULL ||
	    (res = calloc(FILL_BATCH, sizeof(*res))) == NULL ||
	    (env = calloc(FILL_BATCH, sizeof(*env))) == NULL ||
	    (payload = malloc(size)) == NULL)
		goto out;
	memcpy(payload, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	for (i = 0; i < FILL_BATCH; i++)
		amana_buf_init(&env[i], size + 512, 0);
	if (store_size(st, &size0) != 0)
		goto out;
	t0 = now_s();
	while (done < count) {
		n = count - done < FILL_BATCH ? (size_t)(count - done) :
		    FILL_BATCH;
		for (i = 0; i < n; i++) {
			amana_buf_reset(&env[i]);
			if (make_envelope(ngo, nv.pk, payload, size,
			    &env[i]) != 0)
				goto out;
			memset(&items[i], 0, sizeof(items[i]));
			items[i].kind = LOGENTRY_ALERT;
			items[i].data = env[i].p;
			items[i].len = env[i].len;
		}
		err = store_append(st, items, n, (uint64_t)time(NULL) * 1000u,
		    sign_cb, log, res);
		store_results_free(res, n);
		if (err != 0) {
			fprintf(stderr, "bench_relay_fill: append: %s\n",
			    amana_strerror(err));
			goto out;
		}
		done += n;
		if (done % (FILL_BATCH * 100) == 0)
			fprintf(stderr, "bench_relay_fill: %llu\n",
			    (unsigned long long)done);
	}
	if (store_size(st, &size1) != 0)
		goto out;
	printf("filled %llu alerts of %zu bytes in %.1f s (%.0f/s); tree "
	    "size %llu -> %llu\n", (unsigned long long)done, size,
	    now_s() - t0, (double)done / (now_s() - t0),
	    (unsigned long long)size0, (unsigned long long)size1);
	ret = 0;
out:
	if (env != NULL)
		for (i = 0; i < FILL_BATCH; i++)
			amana_buf_free(&env[i]);
	free(env);
	free(items);
	free(res);
	free(payload);
	store_close(st);
	note_signer_free(log);
	note_signer_free(ngo);
	amana_buf_free(&key);
	return ret;
}
