/*
 * bench_load: load generator for amana-relay (and for the nginx baseline
 * of tests/bench/relay_bench.sh).
 *
 *   bench_load HOST PORT CAFILE NGO.key CONNS SECONDS [SIZE] [RATE] [WANT]
 *       [cycle]
 *   bench_load verify SECONDS
 *
 * The first form signs unique alert envelopes (payload SIZE bytes, default
 * 4096) BEFORE the clock starts, opens CONNS TLS keep-alive connections,
 * then POSTs them to /v1/alerts for SECONDS seconds from one thread (epoll,
 * non-blocking OpenSSL), so the generator's own cost is small and does not
 * include signing:
 *  - RATE 0 (default): closed loop, every idle connection sends at once
 *    (peak throughput); latency is send to last byte of the answer.
 *  - RATE > 0: open loop. Request i is due at start + i / RATE whether or
 *    not earlier answers came back; a due request waits for an idle
 *    connection, and its latency counts from when it was DUE (no
 *    coordinated omission). A timerfd wakes the loop at each due time.
 * WANT (default 201) is the status counted as success.
 * The run stops early when the pre-signed envelopes run out, unless the
 * tenth argument is "cycle": then a pool of at most 20000 is sent over and
 * over (for the nginx baseline, which does not care; the relay would
 * answer 200 to a resent envelope).
 * Output: one line, "key value" pairs (see the printf at the end).
 *
 * The second form prints libsodium Ed25519 verifications per second on
 * one core (crypto_sign_verify_detached over an ENVELOPE_SIGNED_LEN
 * message, as envelope_verify does).
 *
 * The NGO key must be accredited on the relay, and the relay's
 * rate_per_minute/rate_burst set high enough (docs/PERFORMANCE.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "envelope.h"
#include "note.h"

#define LOAD_CONNS_MAX		4096
#define LOAD_PRE_MAX		2000000	/* pre-signed requests */
#define LOAD_RESP_MAX		65536	/* bytes of one answer */

struct conn {
	SSL		*ssl;
	int		 fd;
	int		 busy;		/* a request is in flight */
	const uint8_t	*out;		/* unsent part of the request */
	size_t		 out_len;
	uint64_t	 t_start;	/* due (open loop) or send time */
	char		*resp;
	size_t		 have;
};

struct load {
	const char	*host, *port;
	SSL_CTX		*ctx;
	uint8_t		*reqs;		/* n_pre requests, stride bytes */
	size_t		*req_len;
	size_t		 n_pre, stride, next;
	int		 cycle;		/* reuse the pool (nginx baseline) */
	struct conn	*c;
	size_t		 conns;
	double		 rate;
	int		 want;
	uint64_t	 ok, fail, other, reconnects;
	uint32_t	*lat;		/* microseconds, one per answer */
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

/* One HTTP request with a fresh envelope (unique payload) into out. */
static int
make_request(struct note_signer *ngo, size_t size, uint8_t *payload,
    struct amana_buf *env, struct amana_buf *out)
{
	struct envelope_writer *w = NULL;
	struct envelope_header h;
	struct note_verifier v;
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[ENVELOPE_SIG_LEN];
	int ret;

	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	h.created = (uint64_t)time(NULL);
	h.payload_len = size;
	note_signer_verifier(ngo, &v);
	memcpy(h.signer, v.pk, sizeof(h.signer));
	randombytes_buf(payload + ENVELOPE_PAYLOAD_MIN,
	    size - ENVELOPE_PAYLOAD_MIN);
	amana_buf_reset(env);
	if ((ret = envelope_writer_new(&h, sink, env, &w)) == 0 &&
	    (ret = envelope_writer_write(w, payload, size)) == 0 &&
	    (ret = envelope_writer_msg(w, msg)) == 0 &&
	    (ret = note_sign_raw(ngo, msg, sizeof(msg), sig)) == 0)
		ret = envelope_writer_finish_sig(w, sig);
	envelope_writer_free(w);
	if (ret != 0)
		return ret;
	if ((ret = amana_buf_printf(out, "POST /v1/alerts HTTP/1.1\r\n"
	    "Host: localhost\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %zu\r\n\r\n", env->len)) != 0)
		return ret;
	return amana_buf_append(out, env->p, env->len);
}

static int
presign(struct load *l, struct note_signer *ngo, size_t size)
{
	struct amana_buf env, req;
	uint8_t *payload;
	size_t i;
	int ret = AMANA_ENOMEM;

	l->stride = size + 1024;
	amana_buf_init(&env, size + 512, 0);
	amana_buf_init(&req, l->stride, 0);
	if ((payload = malloc(size)) == NULL ||
	    (l->reqs = malloc(l->n_pre * l->stride)) == NULL ||
	    (l->req_len = calloc(l->n_pre, sizeof(size_t))) == NULL)
		goto out;
	memcpy(payload, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	for (i = 0; i < l->n_pre; i++) {
		amana_buf_reset(&req);
		if ((ret = make_request(ngo, size, payload, &env, &req)) != 0)
			goto out;
		memcpy(l->reqs + i * l->stride, req.p, req.len);
		l->req_len[i] = req.len;
	}
	ret = 0;
out:
	free(payload);
	amana_buf_free(&env);
	amana_buf_free(&req);
	return ret;
}

/* Blocking connect and handshake, then non-blocking. */
static int
conn_open(struct load *l, struct conn *c)
{
	struct addrinfo hints, *ai = NULL;
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(l->host, l->port, &hints, &ai) != 0)
		return -1;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c->ssl = SSL_new(l->ctx)) == NULL || SSL_set_fd(c->ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, "localhost") != 1 ||
	    SSL_connect(c->ssl) != 1)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	freeaddrinfo(ai);
	c->fd = fd;
	c->busy = 0;
	c->have = 0;
	return 0;
fail:
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->fd = -1;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->busy = 0;
}

/*
 * The answer in c->resp[0..have): 0 incomplete, 1 complete (*status,
 * *close set), -1 malformed.
 */
static int
parse_answer(struct conn *c, int *status, int *close_after)
{
	char *e, *p;
	size_t hdr, clen = 0;

	c->resp[c->have] = '\0';
	if ((e = strstr(c->resp, "\r\n\r\n")) == NULL)
		return c->have >= LOAD_RESP_MAX - 1 ? -1 : 0;
	hdr = (size_t)(e - c->resp) + 4;
	if (sscanf(c->resp, "HTTP/1.1 %d", status) != 1)
		return -1;
	*close_after = 0;
	for (p = c->resp; p < e; p++) {
		if (strncasecmp(p, "\r\nContent-Length:", 17) == 0)
			clen = strtoul(p + 17, NULL, 10);
		else if (strncasecmp(p, "\r\nConnection: close", 19) == 0)
			*close_after = 1;
	}
	if (clen > LOAD_RESP_MAX - 1 - hdr)
		return -1;
	return c->have >= hdr + clen ? 1 : 0;
}

/* Writes what the socket takes. 0 ok (maybe partial), -1 broken. */
static int
conn_write(struct conn *c)
{
	int n;

	while (c->out_len > 0) {
		n = SSL_write(c->ssl, c->out, (int)c->out_len);
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			if (e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ)
				return 0;
			return -1;
		}
		c->out += n;
		c->out_len -= (size_t)n;
	}
	return 0;
}

static void
conn_send(struct load *l, struct conn *c, uint64_t t_start)
{
	size_t i = l->next++ % l->n_pre;

	c->out = l->reqs + i * l->stride;
	c->out_len = l->req_len[i];
	c->t_start = t_start;
	c->busy = 1;
	c->have = 0;
	if (conn_write(c) != 0) {
		l->fail++;
		conn_close(c);
	}
}

/* Reads what is there; on a complete answer, records it. */
static void
conn_read(struct load *l, struct conn *c, uint64_t now)
{
	int n, status = 0, close_after = 0, r;

	if (c->out_len > 0 && conn_write(c) != 0)
		goto broken;
	for (;;) {
		n = SSL_read(c->ssl, c->resp + c->have,
		    (int)(LOAD_RESP_MAX - 1 - c->have));
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return;
			goto broken;
		}
		c->have += (size_t)n;
		if ((r = parse_answer(c, &status, &close_after)) < 0)
			goto broken;
		if (r == 1)
			break;
	}
	if (!c->busy)
		goto broken;	/* an answer nobody asked for */
	if (status == l->want) {
		l->ok++;
		if (l->n_lat < l->cap_lat)
			l->lat[l->n_lat++] = (uint32_t)(now - c->t_start);
	} else
		l->other++;
	c->busy = 0;
	c->have = 0;
	if (close_after)
		conn_close(c);
	return;
broken:
	if (c->busy)
		l->fail++;
	conn_close(c);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
verify_mode(double seconds)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[crypto_sign_BYTES];
	uint64_t t0, t, n = 0;
	size_t i;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	sodium_memzero(sk, sizeof(sk));
	t0 = now_us();
	do {
		for (i = 0; i < 256; i++)
			if (crypto_sign_verify_detached(sig, msg, sizeof(msg),
			    pk) != 0)
				return 1;
		n += 256;
		t = now_us();
	} while ((double)(t - t0) < seconds * 1e6);
	printf("verify_per_s %.0f\n", (double)n * 1e6 / (double)(t - t0));
	return 0;
}

/* Arms tfd for due_us (CLOCK_MONOTONIC); 0 disarms it. */
static int
arm(int tfd, uint64_t due_us)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(due_us / 1000000u);
	its.it_value.tv_nsec = (long)(due_us % 1000000u) * 1000;
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The run itself. Returns 0 or 1. */
static int
run(struct load *l, double seconds)
{
	struct epoll_event ev, evs[256];
	uint64_t t0, t_end, now, gap_ns = 0, sent_due = 0, due;
	size_t i, idle_scan = 0;
	int ep = -1, tfd = -1, n, k, ret = 1;
	uint64_t expired;

	if ((ep = epoll_create1(0)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK)) < 0)
		goto out;
	for (i = 0; i < l->conns; i++) {
		ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
		ev.data.u64 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, l->c[i].fd, &ev) != 0)
			goto out;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = UINT64_MAX;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) != 0)
		goto out;
	if (l->rate > 0)
		gap_ns = (uint64_t)(1e9 / l->rate);
	t0 = now_us();
	t_end = t0 + (uint64_t)(seconds * 1e6);
	for (;;) {
		now = now_us();
		if (now >= t_end || (!l->cycle && l->next >= l->n_pre))
			break;
		/* Hand out work. */
		if (l->rate <= 0) {
			for (i = 0; i < l->conns &&
			    (l->cycle || l->next < l->n_pre); i++)
				if (l->c[i].ssl != NULL && !l->c[i].busy)
					conn_send(l, &l->c[i], now_us());
		} else {
			for (;;) {
				due = t0 + sent_due * gap_ns / 1000u;
				if (due > now ||
				    (!l->cycle && l->next >= l->n_pre))
					break;
				for (k = 0; k < (int)l->conns; k++) {
					i = (idle_scan + (size_t)k) % l->conns;
					if (l->c[i].ssl != NULL &&
					    !l->c[i].busy)
						break;
				}
				if (k == (int)l->conns)
					break;	/* all busy: it waits */
				idle_scan = i + 1;
				conn_send(l, &l->c[i], due);
				sent_due++;
			}
			/*
			 * Wake at the next due time; with a backlog (every
			 * connection busy) only an answer can help: no timer,
			 * or the loop would spin and steal the relay's CPU.
			 */
			due = t0 + sent_due * gap_ns / 1000u;
			if (arm(tfd, due > now ? due : 0) != 0)
				goto out;
		}
		/* Reconnect what broke (counts as failures already). */
		for (i = 0; i < l->conns; i++) {
			if (l->c[i].ssl != NULL)
				continue;
			l->reconnects++;
			if (conn_open(l, &l->c[i]) != 0)
				continue;
			ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
			ev.data.u64 = i;
			(void)epoll_ctl(ep, EPOLL_CTL_ADD, l->c[i].fd, &ev);
		}
		n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			goto out;
		now = now_us();
		for (k = 0; k < n; k++) {
			if (evs[k].data.u64 == UINT64_MAX) {
				(void)!read(tfd, &expired, sizeof(expired));
				continue;
			}
			i = (size_t)evs[k].data.u64;
			if (l->c[i].ssl != NULL)
				conn_read(l, &l->c[i], now);
		}
	}
	ret = 0;
out:
	if (ep >= 0)
		close(ep);
	if (tfd >= 0)
		close(tfd);
	return ret;
}

int
main(int argc, char **argv)
{
	struct load l;
	struct note_signer *ngo = NULL;
	struct amana_buf key;
	uint64_t t0;
	size_t size, i;
	double seconds, secs;
	int ret = 1;

	if (argc == 3 && strcmp(argv[1], "verify") == 0) {
		if (sodium_init() < 0)
			return 1;
		return verify_mode(strtod(argv[2], NULL));
	}
	if (argc < 7) {
		fprintf(stderr, "usage: bench_load HOST PORT CAFILE NGO.key "
		    "CONNS SECONDS [SIZE] [RATE] [WANT] [cycle]\n"
		    "       bench_load verify SECONDS\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	memset(&l, 0, sizeof(l));
	l.host = argv[1];
	l.port = argv[2];
	l.conns = strtoul(argv[5], NULL, 10);
	seconds = strtod(argv[6], NULL);
	size = argc > 7 ? strtoul(argv[7], NULL, 10) : 4096;
	l.rate = argc > 8 ? strtod(argv[8], NULL) : 0;
	l.want = argc > 9 ? (int)strtol(argv[9], NULL, 10) : 201;
	l.cycle = argc > 10 && strcmp(argv[10], "cycle") == 0;
	if (l.conns == 0 || l.conns > LOAD_CONNS_MAX || size < 64 ||
	    size > (1u << 20) || !(seconds > 0 && seconds <= 600))
		return 2;
	/* Enough envelopes for the run: the rate, or 25k/s at peak. */
	secs = (l.rate > 0 ? l.rate : 25000.0) * seconds * 1.05 + 64;
	l.n_pre = secs > LOAD_PRE_MAX ? LOAD_PRE_MAX : (size_t)secs;
	if (l.cycle && l.n_pre > 20000)
		l.n_pre = 20000;
	amana_buf_init(&key, NOTE_SKEY_MAX + 2, 1);
	if (amana_file_read(argv[4], &key) != 0 ||
	    note_signer_parse(key.p, key.len, &ngo) != 0) {
		fprintf(stderr, "bench_load: cannot read %s\n", argv[4]);
		goto out;
	}
	l.cap_lat = LOAD_PRE_MAX;
	if (presign(&l, ngo, size) != 0 ||
	    (l.lat = calloc(LOAD_PRE_MAX, sizeof(*l.lat))) == NULL ||
	    (l.c = calloc(l.conns, sizeof(*l.c))) == NULL) {
		fprintf(stderr, "bench_load: out of memory\n");
		goto out;
	}
	if ((l.ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_load_verify_locations(l.ctx, argv[3], NULL) != 1)
		goto out;
	SSL_CTX_set_verify(l.ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_min_proto_version(l.ctx, TLS1_3_VERSION);
	SSL_CTX_set_mode(l.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	for (i = 0; i < l.conns; i++) {
		l.c[i].fd = -1;
		if ((l.c[i].resp = malloc(LOAD_RESP_MAX)) == NULL ||
		    conn_open(&l, &l.c[i]) != 0) {
			fprintf(stderr, "bench_load: cannot connect\n");
			goto out;
		}
	}
	fprintf(stderr, "bench_load: %zu requests ready, %zu connections: "
	    "running\n", l.n_pre, l.conns);
	t0 = now_us();
	if (run(&l, seconds) != 0)
		goto out;
	secs = (double)(now_us() - t0) / 1e6;
	qsort(l.lat, l.n_lat, sizeof(*l.lat), cmp_u32);
	printf("conns %zu size %zu rate %.0f seconds %.2f ok %llu other %llu "
	    "fail %llu per_s %.0f p50_ms %.2f p99_ms %.2f p999_ms %.2f "
	    "max_ms %.2f\n", l.conns, size, l.rate, secs,
	    (unsigned long long)l.ok, (unsigned long long)l.other,
	    (unsigned long long)l.fail, (double)l.ok / secs,
	    l.n_lat ? l.lat[l.n_lat / 2] / 1000.0 : 0.0,
	    l.n_lat ? l.lat[l.n_lat * 99 / 100] / 1000.0 : 0.0,
	    l.n_lat ? l.lat[l.n_lat * 999 / 1000] / 1000.0 : 0.0,
	    l.n_lat ? l.lat[l.n_lat - 1] / 1000.0 : 0.0);
	ret = 0;
out:
	if (l.c != NULL)
		for (i = 0; i < l.conns; i++) {
			conn_close(&l.c[i]);
			free(l.c[i].resp);
		}
	free(l.c);
	free(l.lat);
	free(l.reqs);
	free(l.req_len);
	SSL_CTX_free(l.ctx);
	note_signer_free(ngo);
	amana_buf_free(&key);
	return ret;
}
