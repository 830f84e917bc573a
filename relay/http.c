/*
 * http: the listeners. The API listener speaks TLS (bufferevent_openssl
 * through evhttp_set_bevcb); the admin listener is plain HTTP meant for
 * loopback. Each TLS connection gets a struct relay_conn, owned through
 * an SSL ex_data slot whose free callback releases it (every connection
 * owns exactly one SSL, freed once with its bufferevent); at
 * max_connections the listener is paused and resumed when one closes. No
 * peer address is ever read: evhttp learns it, we never ask.
 *
 * Memory budget. libevent 2.1's evhttp keeps a request's bytes in the
 * connection's input evbuffer (a Content-Length body stays there until
 * complete; chunks move to the request's own buffer) and calls the
 * handler only at the end, so max_body_bytes alone lets max_connections
 * slow clients pin connections x body bytes. An evbuffer callback on each
 * input counts every byte added; bytes drained stay counted (evhttp moved
 * them into the request: headers or body) until the response has left
 * the output buffer, when the request is over and only the input's
 * unread bytes remain. When the bytes of open connections plus the bodies
 * queued for the writer pass max_memory_bytes, the connection holding the
 * most is shut down (shutdown(2) on its socket: evhttp sees end of file
 * and frees the connection by its usual path, which keeps a request the
 * handler still owns alive). Nothing is freed inside the callback.
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

/* One open TLS connection (loop thread). */
struct relay_conn {
	struct relay		*r;
	struct bufferevent	*bev;		/* owns the SSL that owns us */
	struct evbuffer_cb_entry *in_cb, *out_cb;
	struct relay_conn	*prev, *next;	/* r->conn_list */
	size_t			 held;		/* bytes counted for us */
	int			 closing;	/* shut down over budget */
};

static void
publish(struct relay *r)
{
	atomic_store_explicit(&r->metrics.buffered_bytes, r->buffered,
	    memory_order_relaxed);
}

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

/* Stops counting c's bytes as live and shuts its socket down. */
static void
conn_shut(struct relay_conn *c)
{
	struct relay *r = c->r;
	evutil_socket_t fd;

	c->closing = 1;
	r->buffered_live -= c->held;
	atomic_fetch_add_explicit(&r->metrics.memory_closes, 1,
	    memory_order_relaxed);
	if ((fd = bufferevent_getfd(c->bev)) >= 0)
		(void)shutdown(fd, SHUT_RDWR);
}

/*
 * Over budget: shuts down the connections holding the most until the
 * live bytes plus the queued bodies fit (at most one pass per open
 * connection; only reached when over budget).
 */
static void
enforce_budget(struct relay *r)
{
	struct relay_conn *c, *big;
	size_t queued, max = r->cfg.max_memory_bytes;

	queued = (size_t)atomic_load_explicit(&r->metrics.body_bytes,
	    memory_order_relaxed);
	while (r->buffered_live > max || queued > max - r->buffered_live) {
		big = NULL;
		for (c = r->conn_list; c != NULL; c = c->next)
			if (!c->closing && c->held > 0 &&
			    (big == NULL || c->held > big->held))
				big = c;
		if (big == NULL)
			return;
		conn_shut(big);
	}
}

/* Input callback: counts the bytes the connection received. */
static void
in_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct relay_conn *c = arg;
	struct relay *r = c->r;

	if (info->n_added == 0)
		return;
	c->held += info->n_added;
	r->buffered += info->n_added;
	if (!c->closing) {
		r->buffered_live += info->n_added;
		enforce_budget(r);
	}
	publish(r);
}

/*
 * Output callback: once a response has been written out, the request it
 * answered is over; only the input's unread (pipelined) bytes remain.
 */
static void
out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct relay_conn *c = arg;
	struct relay *r = c->r;
	size_t left, drop;

	if (info->n_deleted == 0 || evbuffer_get_length(b) != 0)
		return;
	left = evbuffer_get_length(bufferevent_get_input(c->bev));
	if (left >= c->held)
		return;
	drop = c->held - left;
	c->held = left;
	r->buffered -= drop;
	if (!c->closing)
		r->buffered_live -= drop;
	publish(r);
}

/* OpenSSL calls this when a connection's SSL is freed (ptr: its conn). */
static void
ssl_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct relay_conn *c = ptr;
	struct relay *r;

	if (c == NULL)
		return;
	r = c->r;
	/* The evbuffers outlive the SSL briefly: no callback may see c. */
	(void)evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
	    c->in_cb);
	(void)evbuffer_remove_cb_entry(bufferevent_get_output(c->bev),
	    c->out_cb);
	r->buffered -= c->held;
	if (!c->closing)
		r->buffered_live -= c->held;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		r->conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	publish(r);
	free(c);
	conn_closed(r);
}

static struct bufferevent *
bevcb(struct event_base *base, void *arg)
{
	struct relay *r = arg;
	struct relay_conn *c;
	struct bufferevent *bev;
	SSL *ssl;

	/*
	 * Returning NULL would make evhttp fall back to a plain-text
	 * bufferevent on the TLS port: fail closed instead.
	 */
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (ssl = SSL_new(r->ssl)) == NULL)
		abort();
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		abort();
	c->r = r;
	c->bev = bev;
	c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), in_cb, c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), out_cb, c);
	if (c->in_cb == NULL || c->out_cb == NULL)
		abort();
	/* Counted only once the bufferevent owns ssl (frees it once). */
	if (SSL_set_ex_data(ssl, r->ssl_ex_idx, c) != 1)
		abort();
	if ((c->next = r->conn_list) != NULL)
		c->next->prev = c;
	r->conn_list = c;
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
	/* A lower max_memory_bytes closes the largest holders now. */
	enforce_budget(r);
	publish(r);
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
