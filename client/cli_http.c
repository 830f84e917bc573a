#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cli_http.h"

#define HDR_MAX		8
/* A file body is read in BODY_CHUNK pieces while under BODY_LOW queued. */
#define BODY_CHUNK	((size_t)64 << 10)
#define BODY_LOW	((size_t)256 << 10)

struct cli_http {
	struct event_base	*base;
	SSL_CTX			*ctx;
	struct evhttp_connection *conn;
	struct bufferevent	*bev;		/* owned by conn */
	SSL			*ssl;		/* owned by bev */
	int			 conn_used;	/* a request went over conn */
	int			 conn_dead;	/* closed: make a new one */
	int			 host_is_ip;
	int			 port;
	char			 host[256];
	char			 prefix[512];
	char			 origin[300];
	char			 err[320];
};

struct call {
	struct cli_http		*h;
	struct cli_http_resp	*resp;
	size_t			 max;
	int			 done;
	int			 got;		/* a response arrived */
	int			 too_big;
	int			 nomem;
	int			 reqerr;	/* evhttp_request_error + 1 */
	long			 retry_after;	/* -1: none */
	/* progress */
	int			 progress;
	size_t			 total;
	size_t			 sent;
	int			 last_pct;
	const char		*want_header;
	/* a body streamed from a file */
	int			 body_is_fd;
	int			 body_fd;
	size_t			 body_off;	/* bytes queued so far */
	int			 body_err;	/* read failure: abort */
	int			 refilling;	/* inside refill() */
	size_t			 drained;	/* bytes written out */
};

static void
set_err(struct cli_http *h, const char *what, const char *detail)
{
	int n;

	n = snprintf(h->err, sizeof(h->err), "%s %s%s%s", what, h->origin,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	if (n < 0)
		h->err[0] = '\0';
}

const char *
cli_http_errmsg(const struct cli_http *h)
{
	return h->err[0] != '\0' ? h->err : "network failure";
}

const char *
cli_http_origin(const struct cli_http *h)
{
	return h->origin;
}

int
cli_http_new(const char *url, const char *ca_file, struct cli_http **out)
{
	struct evhttp_uri *uri = NULL;
	struct cli_http *h = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	const char *scheme, *host, *path;
	size_t plen;
	int port, n, ret = AMANA_EINVAL;

	if (url == NULL)
		return AMANA_EINVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return AMANA_ENOMEM;
	if ((uri = evhttp_uri_parse_with_flags(url, 0)) == NULL)
		goto out;
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	path = evhttp_uri_get_path(uri);
	if (scheme == NULL || strcmp(scheme, "https") != 0 || host == NULL ||
	    *host == '\0' || evhttp_uri_get_query(uri) != NULL ||
	    evhttp_uri_get_fragment(uri) != NULL ||
	    evhttp_uri_get_userinfo(uri) != NULL)
		goto out;
	port = evhttp_uri_get_port(uri);
	if (port == -1)
		port = 443;
	if (port <= 0 || port > 65535)
		goto out;
	h->port = port;
	/* evhttp keeps IPv6 literals bracketed */
	n = snprintf(h->host, sizeof(h->host), "%s", host);
	if (n < 0 || (size_t)n >= sizeof(h->host))
		goto out;
	if (h->host[0] == '[') {
		plen = strlen(h->host);
		if (plen < 3 || h->host[plen - 1] != ']')
			goto out;
		memmove(h->host, h->host + 1, plen - 2);
		h->host[plen - 2] = '\0';
	}
	h->host_is_ip = inet_pton(AF_INET, h->host, &a4) == 1 ||
	    inet_pton(AF_INET6, h->host, &a6) == 1;
	if (path == NULL)
		path = "";
	n = snprintf(h->prefix, sizeof(h->prefix), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(h->prefix))
		goto out;
	plen = strlen(h->prefix);
	while (plen > 0 && h->prefix[plen - 1] == '/')
		h->prefix[--plen] = '\0';
	n = snprintf(h->origin, sizeof(h->origin), "%s:%d", host, port);
	if (n < 0 || (size_t)n >= sizeof(h->origin))
		goto out;

	ret = AMANA_ENOMEM;
	if ((h->base = event_base_new()) == NULL ||
	    (h->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto out;
	ret = AMANA_ENET;
	if (SSL_CTX_set_min_proto_version(h->ctx, TLS1_2_VERSION) != 1)
		goto out;
	SSL_CTX_set_verify(h->ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file != NULL) {
		if (access(ca_file, R_OK) != 0) {
			ret = AMANA_ENOENT;
			goto out;
		}
		if (SSL_CTX_load_verify_locations(h->ctx, ca_file, NULL) !=
		    1) {
			ret = AMANA_EPARSE;
			goto out;
		}
	} else if (SSL_CTX_set_default_verify_paths(h->ctx) != 1)
		goto out;
	ret = 0;
	*out = h;
	h = NULL;
out:
	ERR_clear_error();
	if (uri != NULL)
		evhttp_uri_free(uri);
	cli_http_free(h);
	return ret;
}

static void
drop_conn(struct cli_http *h)
{
	if (h->conn != NULL)
		evhttp_connection_free(h->conn);	/* frees bev, ssl */
	h->conn = NULL;
	h->bev = NULL;
	h->ssl = NULL;
	h->conn_used = 0;
	h->conn_dead = 0;
}

void
cli_http_free(struct cli_http *h)
{
	if (h == NULL)
		return;
	drop_conn(h);
	if (h->ctx != NULL)
		SSL_CTX_free(h->ctx);
	if (h->base != NULL)
		event_base_free(h->base);
	free(h);
}

void
cli_http_resp_free(struct cli_http_resp *resp)
{
	amana_buf_free(&resp->body);
	resp->status = 0;
	resp->line[0] = '\0';
	resp->header[0] = '\0';
}

static void
on_close(struct evhttp_connection *conn, void *arg)
{
	struct cli_http *h = arg;

	(void)conn;
	h->conn_dead = 1;
}

/*
 * Queues more of a file body into buf until BODY_LOW bytes wait or the
 * body is all queued. Returns 0, AMANA_EIO (read error, short file),
 * AMANA_ERANGE (offset beyond off_t) or AMANA_ENOMEM.
 */
static int
refill(struct call *c, struct evbuffer *buf, size_t low)
{
	struct evbuffer_iovec v;
	size_t want;
	ssize_t n;

	while (c->body_off < c->total && evbuffer_get_length(buf) < low) {
		want = c->total - c->body_off;
		if (want > BODY_CHUNK)
			want = BODY_CHUNK;
		if (c->body_off > (size_t)INT64_MAX - want)
			return AMANA_ERANGE;
		if (evbuffer_reserve_space(buf, (ev_ssize_t)want, &v, 1) < 1)
			return AMANA_ENOMEM;
		do
			n = pread(c->body_fd, v.iov_base, want,
			    (off_t)c->body_off);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return AMANA_EIO;	/* error, or the file shrank */
		v.iov_len = (size_t)n;
		if (evbuffer_commit_space(buf, &v, 1) != 0)
			return AMANA_ENOMEM;
		c->body_off += (size_t)n;
	}
	return 0;
}

static void
on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct call *c = arg;
	int pct;

	if (c->done)
		return;
	c->drained += info->n_deleted;
	/* refill as the connection drains (not from our own additions) */
	if (c->body_is_fd && !c->body_err && !c->refilling &&
	    info->n_deleted > 0) {
		c->refilling = 1;
		if (refill(c, buf, BODY_LOW) != 0) {
			c->body_err = 1;
			event_base_loopbreak(c->h->base);
		}
		c->refilling = 0;
	}
	if (!c->progress || info->n_deleted == 0)
		return;
	c->sent += info->n_deleted;
	if (c->sent > c->total)
		c->sent = c->total;
	pct = (int)((double)c->sent * 100.0 / (double)c->total);
	if (pct == c->last_pct)
		return;
	c->last_pct = pct;
	fprintf(stderr, "\rupload %3d%% (%.1f of %.1f MiB)", pct,
	    (double)c->sent / 1048576.0, (double)c->total / 1048576.0);
	if (pct == 100)
		fputc('\n', stderr);
}

static int
make_conn(struct cli_http *h, struct call *c)
{
	X509_VERIFY_PARAM *param;

	if ((h->ssl = SSL_new(h->ctx)) == NULL)
		return AMANA_ENOMEM;
	param = SSL_get0_param(h->ssl);
	if (h->host_is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(param, h->host) != 1)
			goto fail;
	} else {
		X509_VERIFY_PARAM_set_hostflags(param,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(h->ssl, h->host) != 1 ||
		    SSL_set_tlsext_host_name(h->ssl, h->host) != 1)
			goto fail;
	}
	h->bev = bufferevent_openssl_socket_new(h->base, -1, h->ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (h->bev == NULL)
		goto fail;
	bufferevent_openssl_set_allow_dirty_shutdown(h->bev, 1);
	h->conn = evhttp_connection_base_bufferevent_new(h->base, NULL,
	    h->bev, h->host, (unsigned short)h->port);
	if (h->conn == NULL) {
		bufferevent_free(h->bev);	/* frees ssl */
		h->bev = NULL;
		h->ssl = NULL;
		return AMANA_ENOMEM;
	}
	evhttp_connection_set_timeout(h->conn, CLI_HTTP_TIMEOUT_S);
	evhttp_connection_set_retries(h->conn, 0);
	evhttp_connection_set_closecb(h->conn, on_close, h);
	if ((c->progress || c->body_is_fd) &&
	    evbuffer_add_cb(bufferevent_get_output(h->bev), on_output, c) ==
	    NULL) {
		drop_conn(h);
		return AMANA_ENOMEM;
	}
	return 0;
fail:
	if (h->bev == NULL && h->ssl != NULL)
		SSL_free(h->ssl);
	h->ssl = NULL;
	return AMANA_ENET;
}

static void
on_error(enum evhttp_request_error err, void *arg)
{
	struct call *c = arg;

	c->reqerr = (int)err + 1;
}

static void
copy_line(char *dst, size_t dst_size, const uint8_t *p, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < dst_size; i++) {
		if (p[i] == '\n' || p[i] == '\r')
			break;
		dst[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	}
	dst[o] = '\0';
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct call *c = arg;
	struct evbuffer *in;
	const char *ra;
	size_t len;
	unsigned long v;
	char *end;

	c->done = 1;
	event_base_loopbreak(c->h->base);
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	c->got = 1;
	c->resp->status = evhttp_request_get_response_code(req);
	/* the server closes after this answer: do not reuse the connection */
	ra = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Connection");
	if ((req->major == 1 && req->minor == 0 && (ra == NULL ||
	    evutil_ascii_strcasecmp(ra, "keep-alive") != 0)) ||
	    (ra != NULL && evutil_ascii_strcasecmp(ra, "close") == 0))
		c->h->conn_dead = 1;
	ra = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Retry-After");
	if (ra != NULL && *ra >= '0' && *ra <= '9') {
		errno = 0;
		v = strtoul(ra, &end, 10);
		if (errno == 0 && *end == '\0')
			c->retry_after = v > CLI_HTTP_RETRY_AFTER_MAX ?
			    CLI_HTTP_RETRY_AFTER_MAX : (long)v;
	}
	if (c->want_header != NULL && (ra = evhttp_find_header(
	    evhttp_request_get_input_headers(req), c->want_header)) != NULL)
		copy_line(c->resp->header, sizeof(c->resp->header),
		    (const uint8_t *)ra, strlen(ra));
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > c->max) {
		c->too_big = 1;
		return;
	}
	if (amana_buf_reserve(&c->resp->body, len) != 0) {
		c->nomem = 1;
		return;
	}
	if (evbuffer_remove(in, c->resp->body.p + c->resp->body.len, len) !=
	    (int)len) {
		c->nomem = 1;
		return;
	}
	c->resp->body.len += len;
	if (c->resp->status / 100 != 2)
		copy_line(c->resp->line, sizeof(c->resp->line),
		    c->resp->body.p, c->resp->body.len);
}

static void
explain_failure(struct cli_http *h, const struct call *c)
{
	char detail[200];
	unsigned long e;
	long vr;

	if (h->ssl != NULL && (vr = SSL_get_verify_result(h->ssl)) !=
	    X509_V_OK) {
		set_err(h, "untrusted TLS certificate from",
		    X509_verify_cert_error_string(vr));
		return;
	}
	/* libevent reports socket errors as library-0 "openssl" errors */
	if (h->bev != NULL && (e = bufferevent_get_openssl_error(h->bev)) !=
	    0 && ERR_GET_LIB(e) != 0) {
		ERR_error_string_n(e, detail, sizeof(detail));
		set_err(h, "TLS failure with", detail);
		return;
	}
	if (c->reqerr == EVREQ_HTTP_TIMEOUT + 1) {
		set_err(h, "timed out talking to", NULL);
		return;
	}
	if (c->too_big) {
		set_err(h, "response too large from", NULL);
		return;
	}
	if (c->body_is_fd && c->drained > 0) {
		/* a relay answers 413 and closes on a body over its limit */
		(void)snprintf(detail, sizeof(detail), "%.1f of %.1f MiB "
		    "sent; is the body over the relay's max_body_bytes?",
		    (double)(c->drained < c->total ? c->drained : c->total) /
		    1048576.0, (double)c->total / 1048576.0);
		set_err(h, "connection lost while sending to", detail);
		return;
	}
	if (h->ssl != NULL && SSL_is_init_finished(h->ssl))
		set_err(h, "connection lost to", NULL);
	else
		set_err(h, "cannot connect to", NULL);
}

static int
try_once(struct cli_http *h, const struct cli_http_req *req,
    struct cli_http_resp *resp, struct call *c)
{
	struct cli_http_hdr hdrs[HDR_MAX];
	struct evhttp_request *r = NULL;
	struct evkeyvalq *oh;
	struct evbuffer *ob;
	enum evhttp_cmd_type type;
	char hostport[300], path[4096], clen[24];
	size_t nh = 0, i;
	int n, ret;

	memset(c, 0, sizeof(*c));
	c->h = h;
	c->resp = resp;
	c->max = req->resp_max;
	c->retry_after = -1;
	c->total = req->body_len;
	c->want_header = req->want_header;
	c->last_pct = -1;
	c->progress = req->progress && req->body_len >= (4u << 20) &&
	    isatty(STDERR_FILENO);
	c->body_is_fd = req->body_is_fd;
	c->body_fd = req->body_fd;
	cli_http_resp_free(resp);
	amana_buf_init(&resp->body, req->resp_max, 0);

	if (strcmp(req->method, "GET") == 0)
		type = EVHTTP_REQ_GET;
	else if (strcmp(req->method, "POST") == 0)
		type = EVHTTP_REQ_POST;
	else
		return AMANA_EINVAL;
	n = snprintf(path, sizeof(path), "%s%s", h->prefix, req->path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return AMANA_ERANGE;
	if (req->body_is_fd && (req->hdr_fn != NULL || req->body_fd < 0))
		return AMANA_EINVAL;
	if (req->hdr_fn != NULL && (ret = req->hdr_fn(req->hdr_arg,
	    req->method, path, req->body, req->body_len, hdrs, HDR_MAX,
	    &nh)) != 0)
		return ret;
	/* let libevent notice a connection the server closed meanwhile */
	if (h->conn != NULL)
		(void)event_base_loop(h->base, EVLOOP_NONBLOCK);
	/* the output callback points at this try's stack: own conn */
	if (h->conn != NULL && (h->conn_dead || c->progress ||
	    c->body_is_fd || (h->conn_used && !req->idempotent)))
		drop_conn(h);
	if (h->conn == NULL && (ret = make_conn(h, c)) != 0) {
		set_err(h, "cannot set up TLS for", NULL);
		return ret;
	}
	if ((r = evhttp_request_new(on_done, c)) == NULL)
		return AMANA_ENOMEM;
	evhttp_request_set_error_cb(r, on_error);
	oh = evhttp_request_get_output_headers(r);
	if (h->port == 443)
		n = snprintf(hostport, sizeof(hostport), "%s%s%s",
		    h->host_is_ip && strchr(h->host, ':') ? "[" : "", h->host,
		    h->host_is_ip && strchr(h->host, ':') ? "]" : "");
	else
		n = snprintf(hostport, sizeof(hostport), "%s%s%s:%d",
		    h->host_is_ip && strchr(h->host, ':') ? "[" : "", h->host,
		    h->host_is_ip && strchr(h->host, ':') ? "]" : "", h->port);
	if (n < 0 || (size_t)n >= sizeof(hostport)) {
		evhttp_request_free(r);
		return AMANA_ERANGE;
	}
	ret = AMANA_ENOMEM;
	if (evhttp_add_header(oh, "Host", hostport) != 0 ||
	    evhttp_add_header(oh, "User-Agent", "amana/0.1") != 0 ||
	    (req->content_type != NULL && evhttp_add_header(oh,
	    "Content-Type", req->content_type) != 0))
		goto fail;
	for (i = 0; i < nh; i++)
		if (evhttp_add_header(oh, hdrs[i].name, hdrs[i].value) != 0)
			goto fail;
	if (req->body_is_fd) {
		/* the first BODY_LOW bytes now, the rest as it drains */
		n = snprintf(clen, sizeof(clen), "%zu", req->body_len);
		if (n < 0 || (size_t)n >= sizeof(clen) ||
		    evhttp_add_header(oh, "Content-Length", clen) != 0)
			goto fail;
		if ((ret = refill(c, evhttp_request_get_output_buffer(r),
		    BODY_LOW)) != 0) {
			set_err(h, "cannot read the body to send to", NULL);
			goto fail;
		}
	} else if (req->body_len > 0) {
		ob = evhttp_request_get_output_buffer(r);
		if (evbuffer_add_reference(ob, req->body, req->body_len, NULL,
		    NULL) != 0)
			goto fail;
	}
	evhttp_connection_set_max_body_size(h->conn,
	    req->resp_max > (size_t)SSIZE_MAX ? SSIZE_MAX :
	    (ev_ssize_t)req->resp_max);
	h->conn_used = 1;
	if (evhttp_make_request(h->conn, r, type, path) != 0) {
		/* evhttp freed r */
		drop_conn(h);
		set_err(h, "cannot send request to", NULL);
		return AMANA_ENET;
	}
	r = NULL;
	if (event_base_dispatch(h->base) < 0 || c->body_err) {
		drop_conn(h);
		if (c->body_err) {
			set_err(h, "cannot read the body to send to", NULL);
			return AMANA_EIO;
		}
		set_err(h, "event loop failure with", NULL);
		return AMANA_ENET;
	}
	if (!c->done) {
		drop_conn(h);
		set_err(h, "event loop failure with", NULL);
		return AMANA_ENET;
	}
	if (c->progress || c->body_is_fd) {
		if (c->progress && c->last_pct >= 0 && c->last_pct < 100)
			fputc('\n', stderr);
		c->progress = 0;
		drop_conn(h);
	}
	if (c->nomem)
		return AMANA_ENOMEM;
	if (c->too_big || c->reqerr == EVREQ_HTTP_DATA_TOO_LONG + 1) {
		c->too_big = 1;
		explain_failure(h, c);
		drop_conn(h);
		return AMANA_ETOOBIG;
	}
	if (!c->got) {
		explain_failure(h, c);
		drop_conn(h);
		ERR_clear_error();
		return AMANA_ENET;
	}
	return 0;
fail:
	evhttp_request_free(r);
	return ret;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
cli_http_do(struct cli_http *h, const struct cli_http_req *req,
    struct cli_http_resp *resp)
{
	struct call c;
	int net_tries = 0, busy_tries = 0, ret;
	long backoff = 250;

	h->err[0] = '\0';
	amana_buf_init(&resp->body, req->resp_max, 0);
	for (;;) {
		ret = try_once(h, req, resp, &c);
		if (ret == AMANA_ENET && req->idempotent &&
		    ++net_tries < CLI_HTTP_TRIES) {
			sleep_ms(backoff);
			backoff *= 2;
			continue;
		}
		if (ret != 0)
			return ret;
		if (resp->status == 503 && c.retry_after >= 0 &&
		    ++busy_tries < CLI_HTTP_BUSY_TRIES) {
			sleep_ms(c.retry_after > 0 ? c.retry_after * 1000L :
			    100);
			continue;
		}
		if (resp->status == 503) {
			set_err(h, "relay busy:", NULL);
			return AMANA_EBUSY;
		}
		return 0;
	}
}
