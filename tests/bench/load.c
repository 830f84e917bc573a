/*
 * bench_load: load generator for amana-relay. CONNS threads, one TLS
 * keep-alive connection each, POST unique signed alert envelopes
 * (payload SIZE bytes, default 4096) to /v1/alerts for SECONDS seconds, or
 * at a fixed total RATE (alerts/s, 0 = as fast as possible). Reports
 * alerts/s (201 answers) and receipt latency p50/p99 (send to last byte).
 *
 *   bench_load HOST PORT CAFILE NGO.key CONNS SECONDS [SIZE] [RATE]
 *
 * The NGO key must be accredited on the relay, and the relay's
 * rate_per_minute/rate_burst set high enough (docs/PERFORMANCE.md).
 */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "envelope.h"
#include "note.h"

struct bench {
	const char		*host, *port;
	SSL_CTX			*ctx;
	struct note_signer	*ngo;
	size_t			 size;
	double			 seconds, rate_per_conn;
	uint64_t		 t_end;
};

struct worker {
	struct bench	*b;
	pthread_t	 thr;
	unsigned	 id;
	uint64_t	 ok, fail;
	uint64_t	*lat;		/* microseconds */
	size_t		 n_lat, cap_lat;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

/* A fresh envelope (unique payload) appended to out. */
static int
make_envelope(struct bench *b, uint8_t *payload, struct amana_buf *out)
{
	struct envelope_writer *w = NULL;
	struct envelope_header h;
	struct note_verifier v;
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[ENVELOPE_SIG_LEN];
	int ret;

	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	h.created = (uint64_t)time(NULL);
	h.payload_len = b->size;
	note_signer_verifier(b->ngo, &v);
	memcpy(h.signer, v.pk, sizeof(h.signer));
	randombytes_buf(payload + ENVELOPE_PAYLOAD_MIN,
	    b->size - ENVELOPE_PAYLOAD_MIN);
	if ((ret = envelope_writer_new(&h, sink, out, &w)) == 0 &&
	    (ret = envelope_writer_write(w, payload, b->size)) == 0 &&
	    (ret = envelope_writer_msg(w, msg)) == 0 &&
	    (ret = note_sign_raw(b->ngo, msg, sizeof(msg), sig)) == 0)
		ret = envelope_writer_finish_sig(w, sig);
	envelope_writer_free(w);
	return ret;
}

static SSL *
connect_tls(struct bench *b)
{
	struct addrinfo hints, *ai = NULL;
	SSL *ssl = NULL;
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(b->host, b->port, &hints, &ai) != 0)
		return NULL;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
	if ((ssl = SSL_new(b->ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, "localhost") != 1 ||
	    SSL_connect(ssl) != 1)
		goto fail;
	freeaddrinfo(ai);
	return ssl;
fail:
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return NULL;
}

/* Reads one response; returns the status or -1. */
static int
read_response(SSL *ssl, char *buf, size_t cap)
{
	size_t have = 0, need = 0, hdr_end = 0, clen = 0;
	char *p, *e;
	int n, status = -1;

	for (;;) {
		if (have == cap)
			return -1;
		if ((n = SSL_read(ssl, buf + have, (int)(cap - have))) <= 0)
			return -1;
		have += (size_t)n;
		if (hdr_end == 0) {
			buf[have < cap ? have : cap - 1] = '\0';
			if ((e = strstr(buf, "\r\n\r\n")) == NULL)
				continue;
			hdr_end = (size_t)(e - buf) + 4;
			if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
				return -1;
			for (p = buf; p < e; p++) {
				if (strncasecmp(p, "\r\nContent-Length:", 17) ==
				    0) {
					clen = strtoul(p + 17, NULL, 10);
					break;
				}
			}
			need = hdr_end + clen;
		}
		if (have >= need)
			return status;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	struct amana_buf env, req;
	uint8_t *payload = NULL;
	char *resp = NULL;
	SSL *ssl = NULL;
	uint64_t t0, next = now_us(), gap = 0;
	int status;

	amana_buf_init(&env, b->size + 4096, 0);
	amana_buf_init(&req, b->size + 8192, 0);
	if ((payload = malloc(b->size)) == NULL ||
	    (resp = malloc(1 << 20)) == NULL)
		goto out;
	memcpy(payload, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	if (b->rate_per_conn > 0)
		gap = (uint64_t)(1e6 / b->rate_per_conn);
	while (now_us() < b->t_end) {
		if (ssl == NULL && (ssl = connect_tls(b)) == NULL) {
			w->fail++;
			usleep(10000);
			continue;
		}
		amana_buf_reset(&env);
		amana_buf_reset(&req);
		if (make_envelope(b, payload, &env) != 0 ||
		    amana_buf_printf(&req, "POST /v1/alerts HTTP/1.1\r\n"
		    "Host: localhost\r\nContent-Type: application/octet-stream"
		    "\r\nContent-Length: %zu\r\n\r\n", env.len) != 0 ||
		    amana_buf_append(&req, env.p, env.len) != 0)
			break;
		if (gap > 0) {
			while (now_us() < next)
				usleep(200);
			next += gap;
		}
		t0 = now_us();
		if (SSL_write(ssl, req.p, (int)req.len) != (int)req.len ||
		    (status = read_response(ssl, resp, 1 << 20)) < 0) {
			SSL_free(ssl);
			ssl = NULL;
			w->fail++;
			continue;
		}
		if (status != 201) {
			w->fail++;
			continue;
		}
		w->ok++;
		if (w->n_lat == w->cap_lat) {
			size_t nc = w->cap_lat ? w->cap_lat * 2 : 4096;
			uint64_t *nl = realloc(w->lat, nc * sizeof(*nl));

			if (nl == NULL)
				break;
			w->lat = nl;
			w->cap_lat = nc;
		}
		w->lat[w->n_lat++] = now_us() - t0;
	}
out:
	if (ssl != NULL)
		SSL_free(ssl);	/* the fd leaks until exit: fine here */
	free(payload);
	free(resp);
	amana_buf_free(&env);
	amana_buf_free(&req);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct worker *w = NULL;
	struct amana_buf key;
	uint64_t ok = 0, fail = 0, *all = NULL, t0;
	size_t n = 0, i, k, conns;
	double secs;
	int ret = 1;

	if (argc < 7) {
		fprintf(stderr, "usage: bench_load HOST PORT CAFILE NGO.key "
		    "CONNS SECONDS [SIZE] [RATE]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	memset(&b, 0, sizeof(b));
	b.host = argv[1];
	b.port = argv[2];
	conns = strtoul(argv[5], NULL, 10);
	b.seconds = strtod(argv[6], NULL);
	b.size = argc > 7 ? strtoul(argv[7], NULL, 10) : 4096;
	if (argc > 8 && conns > 0)
		b.rate_per_conn = strtod(argv[8], NULL) / (double)conns;
	if (conns == 0 || conns > 4096 || b.size < 64 || b.size > (1u << 24))
		return 2;
	amana_buf_init(&key, NOTE_SKEY_MAX + 2, 1);
	if (amana_file_read(argv[4], &key) != 0 ||
	    note_signer_parse(key.p, key.len, &b.ngo) != 0) {
		fprintf(stderr, "bench_load: cannot read %s\n", argv[4]);
		goto out;
	}
	if ((b.ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_load_verify_locations(b.ctx, argv[3], NULL) != 1)
		goto out;
	SSL_CTX_set_verify(b.ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_min_proto_version(b.ctx, TLS1_2_VERSION);
	if ((w = calloc(conns, sizeof(*w))) == NULL)
		goto out;
	t0 = now_us();
	b.t_end = t0 + (uint64_t)(b.seconds * 1e6);
	for (i = 0; i < conns; i++) {
		w[i].b = &b;
		w[i].id = (unsigned)i;
		if (pthread_create(&w[i].thr, NULL, worker_main, &w[i]) != 0)
			goto out;
	}
	for (i = 0; i < conns; i++) {
		pthread_join(w[i].thr, NULL);
		ok += w[i].ok;
		fail += w[i].fail;
		n += w[i].n_lat;
	}
	secs = (double)(now_us() - t0) / 1e6;
	if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL)
		goto out;
	for (i = 0, k = 0; i < conns; i++) {
		memcpy(all + k, w[i].lat, w[i].n_lat * sizeof(*all));
		k += w[i].n_lat;
	}
	qsort(all, n, sizeof(*all), cmp_u64);
	printf("conns %zu size %zu seconds %.1f: %llu alerts (201), %llu "
	    "failed, %.0f alerts/s, latency p50 %.2f ms p99 %.2f ms\n", conns,
	    b.size, secs, (unsigned long long)ok, (unsigned long long)fail,
	    (double)ok / secs, n ? (double)all[n / 2] / 1000.0 : 0.0,
	    n ? (double)all[n * 99 / 100] / 1000.0 : 0.0);
	ret = 0;
out:
	if (w != NULL)
		for (i = 0; i < conns; i++)
			free(w[i].lat);
	free(w);
	free(all);
	SSL_CTX_free(b.ctx);
	note_signer_free(b.ngo);
	amana_buf_free(&key);
	return ret;
}
