/*
 * http: the listeners. The API listener speaks TLS (bufferevent_openssl
 * through evhttp_set_bevcb); the admin listener is plain HTTP meant for
 * loopback. Connections are counted through an SSL ex_data free callback
 * (every connection owns exactly one SSL); at max_connections the
 * listener is paused and resumed when one closes. No peer address is ever
 * read: evhttp learns it, we never ask.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "relay.h"
#include "tlsgen.h"

static void
conn_closed(struct relay *r)
{
	if (r->conns > 0)
		r->conns--;
	atomic_store(&r->metrics.connections, r->conns);
	if (r->paused && r->conns < r->cfg.max_connections &&
	    r->listener != NULL && !r->stopping) {
		evconnlistener_enable(r->listener);
		r->paused = 0;
	}
}

/* OpenSSL calls this when a connection's SSL is freed (ptr: the relay). */
static void
ssl_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	if (ptr != NULL)
		conn_closed(ptr);
}

static struct bufferevent *
bevcb(struct event_base *base, void *arg)
{
	struct relay *r = arg;
	struct bufferevent *bev;
	SSL *ssl;

	/*
	 * Returning NULL would make evhttp fall back to a plain-text
	 * bufferevent on the TLS port: fail closed instead.
	 */
	if ((ssl = SSL_new(r->ssl)) == NULL)
		abort();
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		abort();
	/* Counted only once the bufferevent owns ssl (frees it once). */
	if (SSL_set_ex_data(ssl, r->ssl_ex_idx, r) != 1)
		abort();
	r->conns++;
	atomic_store(&r->metrics.connections, r->conns);
	atomic_fetch_add(&r->metrics.connections_total, 1);
	if (r->conns >= r->cfg.max_connections && r->listener != NULL &&
	    !r->paused) {
		evconnlistener_disable(r->listener);
		r->paused = 1;
	}
	return bev;
}

static void
set_limits(struct relay *r, struct evhttp *h, size_t body_max)
{
	struct timeval tv = { (time_t)r->cfg.timeout, 0 };

	evhttp_set_timeout_tv(h, &tv);
	evhttp_set_max_headers_size(h, (ev_ssize_t)r->cfg.max_header_bytes);
	evhttp_set_max_body_size(h, (ev_ssize_t)body_max);
	/* Every method reaches our dispatcher, which answers 405 itself. */
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h, "text/plain; charset=utf-8");
}

int
relay_http_start(struct relay *r)
{
	struct evhttp_bound_socket *bs;

	if (r->ssl_ex_idx < 0 &&
	    (r->ssl_ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    ssl_ex_free)) < 0)
		return AMANA_ENOMEM;
	if ((r->http = evhttp_new(r->base)) == NULL)
		return AMANA_ENOMEM;
	set_limits(r, r->http, r->cfg.max_body_bytes);
	evhttp_set_bevcb(r->http, bevcb, r);
	if ((bs = evhttp_bind_socket_with_handle(r->http, r->cfg.listen_host,
	    r->cfg.listen_port)) == NULL)
		return AMANA_EIO;
	r->listener = evhttp_bound_socket_get_listener(bs);
	/*
	 * Accepted sockets inherit TCP_NODELAY on Linux: without it a receipt
	 * split over several TLS records waits for the client's delayed ACK.
	 */
	{
		int one = 1;

		(void)setsockopt(evhttp_bound_socket_get_fd(bs), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
	}
	if (r->cfg.admin_port != 0) {
		if ((r->admin = evhttp_new(r->base)) == NULL)
			return AMANA_ENOMEM;
		set_limits(r, r->admin, 4096);
		if (evhttp_bind_socket_with_handle(r->admin,
		    r->cfg.admin_host, r->cfg.admin_port) == NULL)
			return AMANA_EIO;
	}
	relay_api_install(r);
	return 0;
}

void
relay_http_apply_limits(struct relay *r)
{
	set_limits(r, r->http, r->cfg.max_body_bytes);
	if (r->admin != NULL)
		set_limits(r, r->admin, 4096);
	/* A lower max_connections takes effect as connections close. */
	if (r->paused && !r->stopping && r->listener != NULL &&
	    r->conns < r->cfg.max_connections) {
		evconnlistener_enable(r->listener);
		r->paused = 0;
	}
}

void
relay_http_stop_accepting(struct relay *r)
{
	if (r->listener != NULL && !r->paused)
		evconnlistener_disable(r->listener);
	r->paused = 1;
}

int
relay_http_reload_tls(struct relay *r)
{
	SSL_CTX *fresh = NULL;
	int ret;

	if ((ret = relay_tls_ctx(r->tls_dir, &fresh)) != 0)
		return ret;
	/* Live connections keep a reference to the old context. */
	SSL_CTX_free(r->ssl);
	r->ssl = fresh;
	return 0;
}
