/*
 * http: the listeners. The API listener speaks TLS (bufferevent_openssl
 * through evhttp_set_bevcb); the admin listener is plain HTTP meant for
 * loopback (a plain socket bufferevent through its own bevcb). Each
 * connection of either gets a struct relay_conn. A TLS connection's is
 * owned through an SSL ex_data slot whose free callback releases it
 * (every connection owns exactly one SSL, freed once with its
 * bufferevent); an admin connection has no SSL, so its relay_conn holds a
 * reference on the bufferevent and is released by the close callback of
 * the evhttp_connection (see admin_bevcb). Only TLS connections count:
 * max_connections, amana_connections and the memory budget are the API
 * listener's; at max_connections its listener is paused and resumed when
 * one closes. No peer address is ever read: evhttp learns it, we never
 * ask.
 *
 * Memory budget. libevent 2.1's evhttp keeps a request's bytes in the
 * connection's input evbuffer (a Content-Length body stays there until
 * complete; chunks move to the request's own buffer) and calls the
 * handler only at the end, so max_body_bytes alone lets max_connections
 * slow clients pin connections x body bytes. An evbuffer callback on each
 * TLS input counts every byte added; bytes drained stay counted (evhttp
 * moved them into the request: headers or body) until the response has
 * left the output buffer, when the request is over and only the input's
 * unread bytes remain. When the bytes of open connections plus the bodies
 * queued for the writer pass max_memory_bytes, the connection holding the
 * most is shut down (shutdown(2) on its socket: evhttp sees end of file
 * and frees the connection by its usual path, which keeps a request the
 * handler still owns alive). Nothing is freed inside the callback. Bytes
 * dropped (below) are never counted.
 *
 * Answers evhttp would give itself. libevent 2.1's evhttp answers a
 * request it cannot parse (bad or over-long request line, headers over
 * max_header_bytes, a bad or excessive Content-Length, broken chunking,
 * an unknown method or Expect) with its own HTML page, and closes a
 * connection whose request stalls without any answer; 2.1 has no hook
 * for either. So each connection (TLS or admin) also watches:
 * - its output: a response whose headers say text/html (evhttp's error
 *   pages; the relay never sends HTML) is replaced, while evhttp is still
 *   writing it into the output buffer and before any byte of it is sent,
 *   by the relay's one-line text answer; the end of the buffer is then
 *   frozen so that evhttp's HTML body is dropped. The status stays
 *   evhttp's, except 400 for a request line or headers over
 *   max_header_bytes, which becomes 414 or 431 (the input tracker below
 *   counted them). Such an answer always ends the connection
 *   (Connection: close): from then on the input is dropped, and once the
 *   answer has been written out the relay lingers (below) instead of
 *   letting evhttp close at once.
 * - its input: a tracker follows the request evhttp is reading (bytes of
 *   the request line and headers, where they end) and a timer enforces
 *   `timeout`: from a request's first byte to the end of its headers (a
 *   deadline: trickling bytes does not extend it), then between body
 *   bytes, and between requests (idle). evhttp's own timeout is set one
 *   second later as a backstop. If the timer expires while evhttp is
 *   still reading a request (its read callback installed and reading
 *   enabled, which is never the case while the relay's handler owns a
 *   request or an answer is being written), the relay takes over the
 *   bufferevent's callbacks, drops the input, writes 408, lingers, then
 *   calls evhttp's own event callback with a read timeout, which frees
 *   the connection as evhttp always does. An idle connection is closed
 *   that way without an answer.
 * Lingering close. Closing a socket with unread input makes the kernel
 * send a reset, which can destroy an answer the client has not read yet
 * (a client still sending the body of a refused request reads nothing
 * until it has sent it all). So after a 408 or a rewritten error answer
 * has been written out, the relay owns the connection: it shuts down its
 * write side (the client reads the answer, then end of file) and reads
 * and drops input until the client closes, CONN_LINGER_MAX bytes have
 * been dropped, or a deadline passes (`timeout` seconds after a refused
 * request, whose client may still be sending; CONN_LINGER_US after a
 * 408, whose client has stalled), then hands the connection back to
 * evhttp's event callback as a read timeout, which frees it.
 * No peer address is ever read or logged on any of these paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

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
#include "reqhead.h"
#include "tlsgen.h"

#define CONN_LINGER_US	1000000u	/* after our 408 */
#define CONN_LINGER_MAX	(1u << 20)	/* bytes dropped while lingering */
#define ADMIN_BODY_MAX	4096		/* admin listener: request body */
#define CONN_LINE_MAX	160		/* bytes of one answer line */

/* Where the request evhttp is reading stands (input side). */
enum conn_phase {
	PH_IDLE,	/* between requests: no byte of the next one yet */
	PH_HEAD,	/* request line and headers */
	PH_BODY,	/* after the headers: body, or with the handler */
};

/* Who drives the connection. */
enum conn_own {
	OWN_EVHTTP,	/* evhttp (unless a request stalls or is refused) */
	OWN_WRITING,	/* us: our 408 is being written */
	OWN_LINGER,	/* us: answer written, input dropped until EOF */
	OWN_RETURNED,	/* handed back to evhttp, which frees it */
};

/* The response in the output buffer (output side). */
enum conn_out {
	OUT_NONE,	/* no final response started since the last one */
	OUT_HEAD,	/* an error response whose headers are not all in */
	OUT_DONE,	/* checked */
};

/* One open connection, TLS or admin (loop thread). */
struct relay_conn {
	struct relay		*r;
	struct bufferevent	*bev;		/* TLS: owns the SSL that owns us;
						   admin: we hold a reference */
	struct evbuffer_cb_entry *in_cb, *out_cb;
	struct relay_conn	*prev, *next;	/* r->conn_list (TLS only) */
	size_t			 held;		/* bytes counted for us (TLS) */
	int			 closing;	/* shut down over budget */
	int			 admin;		/* admin listener: not counted */
	int			 attached;	/* admin: close callback set */
	struct event		*timer;		/* head, body, idle, linger */

	enum conn_phase		 phase;
	struct reqhead		 head;		/* phase PH_HEAD on */
	uint64_t		 last_rx_us;	/* last body byte (monotonic) */

	enum conn_out		 out;
	size_t			 resp_start;	/* its status line's offset */
	int			 frozen;	/* output end frozen (rewrite) */
	int			 out_guard;	/* our own edits of the output */
	int			 refused;	/* an error answer ends it: input
						   dropped, linger once written */

	enum conn_own		 own;
	size_t			 dropped;	/* input bytes dropped (linger) */
	bufferevent_data_cb	 h_read, h_write; /* evhttp's, while we own */
	bufferevent_event_cb	 h_event;
	void			*h_arg;		/* its evhttp_connection */
};

static void	linger_refused(struct relay_conn *);
static void	admin_attach(struct relay_conn *);

static uint64_t
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
arm_us(struct relay_conn *c, uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000u);
	tv.tv_usec = (suseconds_t)(us % 1000000u);
	(void)evtimer_add(c->timer, &tv);
}

/* (Re)starts the timer for r->cfg.timeout seconds. */
static void
arm(struct relay_conn *c)
{
	arm_us(c, (uint64_t)c->r->cfg.timeout * 1000000u);
}

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

/*
 * Feeds the input's bytes from offset off on (those evhttp has not read
 * yet: the tail just received, or a pipelined request). A first byte
 * starts a request and its head deadline; the end of the head starts the
 * body's inactivity timer. The scan stops at three times
 * max_header_bytes: evhttp (which counts at least a third of the raw
 * bytes of each line) has refused the request by then.
 */
static void
track_input(struct relay_conn *c, struct evbuffer *b, size_t off)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v[4];
	size_t len = evbuffer_get_length(b), cap, k, start;
	int i, n;

	if (c->phase == PH_BODY) {
		c->last_rx_us = now_us();
		return;
	}
	if (off >= len)
		return;
	if (c->phase == PH_IDLE) {
		c->phase = PH_HEAD;
		reqhead_start(&c->head, c->r->cfg.max_header_bytes);
		arm(c);		/* the whole head within timeout */
	}
	cap = 3 * c->r->cfg.max_header_bytes + 4;
	while (!c->head.done && off < len && c->head.bytes <= cap) {
		start = off;
		if (evbuffer_ptr_set(b, &pos, off, EVBUFFER_PTR_SET) != 0)
			return;
		n = evbuffer_peek(b, (ev_ssize_t)(len - off), &pos, v, 4);
		for (i = 0; i < n && i < 4 && !c->head.done && off < len;
		    i++) {
			k = v[i].iov_len < len - off ? v[i].iov_len : len - off;
			off += reqhead_feed(&c->head, v[i].iov_base, k);
		}
		if (off == start)
			return;
	}
	if (c->head.done) {
		c->phase = PH_BODY;
		c->last_rx_us = now_us();
		arm(c);		/* body bytes at most timeout apart */
	}
}

/*
 * Input callback: counts the bytes a TLS connection received, and follows
 * the request (both listeners).
 */
static void
in_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct relay_conn *c = arg;
	struct relay *r = c->r;
	size_t len;

	if (info->n_added == 0)
		return;
	if (c->own != OWN_EVHTTP || c->refused) {
		/*
		 * Answered (ours or a refusal): nobody reads this input any
		 * more, so whatever comes is dropped, never counted.
		 */
		c->dropped += info->n_added;
		(void)evbuffer_drain(b, evbuffer_get_length(b));
		if (c->own == OWN_LINGER && c->dropped > CONN_LINGER_MAX)
			event_active(c->timer, EV_TIMEOUT, 1);
		return;
	}
	if (!c->admin) {
		c->held += info->n_added;
		r->buffered += info->n_added;
		if (!c->closing) {
			r->buffered_live += info->n_added;
			enforce_budget(r);
		}
		publish(r);
	}
	len = evbuffer_get_length(b);
	if (!c->closing)
		track_input(c, b, len > info->n_added ? len - info->n_added : 0);
}

/*
 * Writes a complete answer with a one-line text body (line: no newline,
 * at most CONN_LINE_MAX bytes) to out. Returns 0 or AMANA_ENOMEM.
 */
static int
put_answer(struct evbuffer *out, int status, const char *reason,
    const char *line)
{
	char date[64];
	struct tm tm;
	time_t now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	    &tm) == 0)
		date[0] = '\0';
	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: close\r\n"
	    "Content-Length: %zu\r\n\r\n%s\n", status, reason, date,
	    strlen(line) + 1, line) < 0)
		return AMANA_ENOMEM;
	return 0;
}

/*
 * The relay's answer for an error page evhttp made with status code:
 * the status, its reason phrase, the line (into line, CONN_LINE_MAX + 1
 * bytes) and the rejection class.
 */
static int
answer_for(struct relay_conn *c, int code, const char **reason, char *line,
    enum relay_reject *cls)
{
	size_t hmax = c->r->cfg.max_header_bytes;
	size_t bmax = c->admin ? ADMIN_BODY_MAX : c->r->cfg.max_body_bytes;
	int n, status = code;

	*cls = RELAY_REJ_MALFORMED;
	if (code == 400 && c->head.line_over) {
		status = 414;
		*reason = "URI Too Long";
		*cls = RELAY_REJ_TOOBIG;
		n = snprintf(line, CONN_LINE_MAX + 1, "request line too long: "
		    "at most %zu bytes", hmax);
	} else if (code == 400 && c->head.head_over) {
		status = 431;
		*reason = "Request Header Fields Too Large";
		*cls = RELAY_REJ_TOOBIG;
		n = snprintf(line, CONN_LINE_MAX + 1, "request headers too "
		    "large: at most %zu bytes with the request line", hmax);
	} else if (code == 400) {
		*reason = "Bad Request";
		n = snprintf(line, CONN_LINE_MAX + 1, "malformed HTTP request: "
		    "check the request line, headers and Content-Length");
	} else if (code == 413) {
		*reason = "Content Too Large";
		*cls = RELAY_REJ_TOOBIG;
		n = snprintf(line, CONN_LINE_MAX + 1, c->head.has_te ?
		    "request body too large or badly chunked: at most %zu "
		    "bytes" : "request body too large: at most %zu bytes",
		    bmax);
	} else if (code == 417) {
		*reason = "Expectation Failed";
		n = snprintf(line, CONN_LINE_MAX + 1, "unsupported Expect "
		    "header: send Expect: 100-continue or none");
	} else if (code == 501) {
		*reason = "Not Implemented";
		*cls = RELAY_REJ_METHOD;
		n = snprintf(line, CONN_LINE_MAX + 1, "unknown HTTP method: "
		    "%s", c->admin ? "the admin listener answers GET" :
		    "the relay answers GET and POST");
	} else {
		status = code >= 400 && code <= 599 ? code : 400;
		*reason = "Bad Request";
		n = snprintf(line, CONN_LINE_MAX + 1, "request refused by the "
		    "HTTP layer");
	}
	if (n < 0 || n > CONN_LINE_MAX)
		line[0] = '\0';
	return status;
}

/*
 * evhttp has just written the headers of its own HTML error page (from
 * resp_start on) into out, and will add the body next: replace it all
 * with our answer and freeze the end of out so that the body add fails.
 * A 100 Continue not yet sent goes too (a final answer may replace it).
 * Nothing has been sent of it: evhttp writes only after it returns.
 * evhttp's error pages say Connection: close, so evhttp reads nothing
 * more of this connection: the input is dropped from now on (refused),
 * and out_cb lingers once the answer is out.
 */
static void
rewrite_page(struct relay_conn *c, struct evbuffer *out, int code)
{
	char line[CONN_LINE_MAX + 1];
	const char *reason;
	enum relay_reject cls;
	int status;

	status = answer_for(c, code, &reason, line, &cls);
	c->out_guard = 1;
	(void)evbuffer_drain(out, evbuffer_get_length(out));
	(void)put_answer(out, status, reason, line);
	if (evbuffer_freeze(out, 0) == 0)
		c->frozen = 1;
	c->out_guard = 0;
	c->refused = 1;
	relay_metrics_reject(&c->r->metrics, cls);
}

/* Status code of the response at off in out, or -1 if not all in yet. */
static int
status_at(struct evbuffer *out, size_t off)
{
	struct evbuffer_ptr pos;
	char s[12];
	int code;

	if (evbuffer_get_length(out) < off + sizeof(s) ||
	    evbuffer_ptr_set(out, &pos, off, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(out, &pos, s, sizeof(s)) !=
	    (ev_ssize_t)sizeof(s))
		return -1;
	if (memcmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9')
		return 0;	/* not a status line: not ours to judge */
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return code;
}

/* Offset just past the "\r\n\r\n" after off in out, or 0 if not yet. */
static size_t
head_end(struct evbuffer *out, size_t off)
{
	struct evbuffer_ptr pos, at;

	if (evbuffer_ptr_set(out, &pos, off, EVBUFFER_PTR_SET) != 0)
		return 0;
	at = evbuffer_search(out, "\r\n\r\n", 4, &pos);
	if (at.pos < 0)
		return 0;
	return (size_t)at.pos + 4;
}

/*
 * Output side, on each add: finds the status line of the response being
 * written (after any 100 Continue) and, for an error status, whether its
 * headers are evhttp's HTML page. Responses are added whole by one
 * evhttp call, headers before body, so the check runs before the body
 * and before any byte is sent.
 */
static void
watch_output(struct relay_conn *c, struct evbuffer *out)
{
	struct evbuffer_ptr from, at;
	size_t end;
	int code, k;

	for (k = 0; k < 4 && c->out != OUT_DONE; k++) {
		if (c->out == OUT_NONE) {
			if ((code = status_at(out, c->resp_start)) < 0)
				return;
			if (code >= 100 && code < 200) {
				/* interim: the final response follows it */
				if ((end = head_end(out, c->resp_start)) == 0)
					return;
				c->resp_start = end;
				continue;
			}
			c->out = code >= 400 ? OUT_HEAD : OUT_DONE;
			continue;
		}
		/* OUT_HEAD: an error answer; are its headers all in? */
		if ((end = head_end(out, c->resp_start)) == 0)
			return;
		c->out = OUT_DONE;
		if (evbuffer_ptr_set(out, &from, c->resp_start,
		    EVBUFFER_PTR_SET) != 0)
			return;
		at = evbuffer_search_range(out, "\r\nContent-Type: text/html",
		    25, &from, NULL);
		if (at.pos >= 0 && (size_t)at.pos < end)
			rewrite_page(c, out, status_at(out, c->resp_start));
	}
}

/*
 * A final response has been written out: the next request starts with
 * the input's unread (pipelined) bytes, if any.
 */
static void
next_request(struct relay_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->out = OUT_NONE;
	c->resp_start = 0;
	if (c->frozen) {
		(void)evbuffer_unfreeze(out, 0);
		c->frozen = 0;
	}
	c->phase = PH_IDLE;
	arm(c);
	if (!c->closing)
		track_input(c, bufferevent_get_input(c->bev), 0);
}

/*
 * Output callback: once a response has been written out, the request it
 * answered is over; only the input's unread (pipelined) bytes remain. A
 * refusal ends the connection: then the relay lingers.
 */
static void
out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct relay_conn *c = arg;
	struct relay *r = c->r;
	size_t left, drop;

	if (c->out_guard)
		return;		/* our own edit, inside an evhttp add */
	if (c->own != OWN_EVHTTP)
		goto account;
	if (info->n_added > 0)
		watch_output(c, b);
	if (info->n_deleted > 0 && c->out == OUT_NONE)
		c->resp_start -= c->resp_start < info->n_deleted ?
		    c->resp_start : info->n_deleted;
	if (info->n_deleted > 0 && evbuffer_get_length(b) == 0 &&
	    c->out != OUT_NONE) {
		if (c->refused)
			linger_refused(c);
		else
			next_request(c);
	}
account:
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

/*
 * Hands the connection back to evhttp as a read timeout: evhttp's event
 * callback fails the request it was reading (not yet given to the
 * handler) and frees the connection; c stays valid until the SSL is
 * freed, but nothing may use it after this call.
 */
static void
give_back(struct relay_conn *c)
{
	struct bufferevent *bev = c->bev;
	bufferevent_event_cb ev = c->h_event;
	void *arg = c->h_arg;

	c->own = OWN_RETURNED;
	event_del(c->timer);
	bufferevent_setcb(bev, c->h_read, c->h_write, ev, arg);
	ev(bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, arg);
}

/*
 * The answer has been written out and we own the connection: end our
 * side (the client reads the answer, sees the end and closes) and drop
 * what still comes until then, so that unread input does not turn our
 * close into a reset that could destroy the answer before the client
 * reads it. Ends (give_back) at the client's end of file or an error
 * (own_event_cb), after CONN_LINGER_MAX dropped bytes (in_cb) or us
 * microseconds from now (timer_cb), whichever comes first.
 */
static void
linger(struct relay_conn *c, uint64_t us)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	evutil_socket_t fd;

	c->own = OWN_LINGER;
	c->dropped = 0;
	(void)evbuffer_drain(in, evbuffer_get_length(in));
	if ((fd = bufferevent_getfd(c->bev)) >= 0)
		(void)shutdown(fd, SHUT_WR);
	(void)bufferevent_enable(c->bev, EV_READ);
	arm_us(c, us);
}

/* Our 408 has been written: its client has stalled, linger briefly. */
static void
own_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay_conn *c = arg;

	(void)bev;
	if (c->own == OWN_WRITING)
		linger(c, CONN_LINGER_US);
}

/* End of file, error or timeout while we own the connection. */
static void
own_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay_conn *c = arg;

	(void)bev;
	(void)what;
	if (c->own == OWN_WRITING || c->own == OWN_LINGER)
		give_back(c);
}

/*
 * The answer to a refused request has been written out (out_cb, inside
 * the bufferevent's write; evhttp's write callback, which would close
 * now, runs after it): its client may still be sending the body, and
 * reads nothing before it is done. Take the connection (evhttp's
 * callbacks kept for give_back) and linger up to `timeout` seconds.
 */
static void
linger_refused(struct relay_conn *c)
{
	bufferevent_getcb(c->bev, &c->h_read, &c->h_write, &c->h_event,
	    &c->h_arg);
	if (c->h_event == NULL || c->h_arg == c)
		return;		/* not evhttp's: let it close as it does */
	bufferevent_setcb(c->bev, NULL, NULL, own_event_cb, c);
	linger(c, (uint64_t)c->r->cfg.timeout * 1000000u);
}

/*
 * The request evhttp is reading has not come in time: take the
 * connection (evhttp's callbacks ev/arg saved), drop what it holds of
 * the request and answer 408.
 */
static void
answer_timeout(struct relay_conn *c, bufferevent_data_cb rd,
    bufferevent_data_cb wr, bufferevent_event_cb ev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char line[CONN_LINE_MAX + 1];
	int n;

	c->h_read = rd;
	c->h_write = wr;
	c->h_event = ev;
	c->h_arg = arg;
	c->own = OWN_WRITING;
	bufferevent_setcb(c->bev, NULL, own_write_cb, own_event_cb, c);
	(void)evbuffer_drain(in, evbuffer_get_length(in));
	n = snprintf(line, sizeof(line), c->phase == PH_HEAD ?
	    "request headers not received within %u s: send the whole "
	    "request without pausing" : "request body stalled for %u s: "
	    "send the body without pausing", c->r->cfg.timeout);
	if (n < 0 || (size_t)n >= sizeof(line))
		line[0] = '\0';
	relay_metrics_reject(&c->r->metrics, RELAY_REJ_TIMEOUT);
	if (put_answer(bufferevent_get_output(c->bev), 408, "Request Timeout",
	    line) != 0 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
		give_back(c);
		return;
	}
	arm(c);		/* bounds the write too */
}

/*
 * Timer: the head deadline, the body's inactivity, the idle limit
 * between requests, or the end of lingering after our 408.
 */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_conn *c = arg;
	bufferevent_data_cb rd = NULL, wr = NULL;
	bufferevent_event_cb ev = NULL;
	void *cbarg = NULL;
	uint64_t idle, lim;

	(void)fd;
	(void)what;
	if (c->admin && !c->attached) {
		admin_attach(c);
		return;
	}
	if (c->own == OWN_WRITING || c->own == OWN_LINGER) {
		give_back(c);
		return;
	}
	if (c->own != OWN_EVHTTP || c->closing)
		return;
	/*
	 * Only while evhttp reads a request it has not handed over: then
	 * its read callback is set and reading enabled. While the handler
	 * owns a request reading is disabled; while an answer is written
	 * the read callback is unset. Both end with next_request().
	 */
	bufferevent_getcb(c->bev, &rd, &wr, &ev, &cbarg);
	if (rd == NULL || ev == NULL ||
	    !(bufferevent_get_enabled(c->bev) & EV_READ))
		return;
	if (c->phase == PH_BODY) {
		lim = (uint64_t)c->r->cfg.timeout * 1000000u;
		idle = now_us() - c->last_rx_us;
		if (idle < lim) {
			arm_us(c, lim - idle);
			return;
		}
	}
	if (c->phase == PH_IDLE) {
		/* Idle (or no TLS handshake): close, as evhttp would. */
		c->h_read = rd;
		c->h_write = wr;
		c->h_event = ev;
		c->h_arg = cbarg;
		give_back(c);
		return;
	}
	answer_timeout(c, rd, wr, ev, cbarg);
}

/*
 * Releases c, whose bufferevent is being freed: its callbacks on the
 * bufferevent's buffers, its timer and, for a TLS connection, its bytes
 * and its place in the counts. Nothing may use c afterwards.
 */
static void
conn_free(struct relay_conn *c)
{
	struct relay *r = c->r;
	int admin = c->admin;

	/* The evbuffers outlive c briefly: no callback may see c. */
	(void)evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
	    c->in_cb);
	(void)evbuffer_remove_cb_entry(bufferevent_get_output(c->bev),
	    c->out_cb);
	event_free(c->timer);
	if (!admin) {
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
	}
	free(c);
	if (!admin)
		conn_closed(r);
}

/* OpenSSL calls this when a connection's SSL is freed (ptr: its conn). */
static void
ssl_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	if (ptr != NULL)
		conn_free(ptr);
}

/*
 * A new relay_conn for bev, whose input and output it watches; its timer
 * is created but not armed. Returns NULL if out of memory (nothing is
 * left allocated; bev stays the caller's).
 */
static struct relay_conn *
conn_new(struct event_base *base, struct relay *r, struct bufferevent *bev)
{
	struct relay_conn *c = NULL;
	int ok = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	c->r = r;
	c->bev = bev;
	if ((c->timer = evtimer_new(base, timer_cb, c)) == NULL ||
	    (c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), in_cb,
	    c)) == NULL ||
	    (c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), out_cb,
	    c)) == NULL)
		goto out;
	ok = 1;
out:
	if (!ok && c != NULL) {
		if (c->in_cb != NULL)
			(void)evbuffer_remove_cb_entry(
			    bufferevent_get_input(bev), c->in_cb);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		c = NULL;
	}
	return c;
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
	if ((ssl = SSL_new(r->ssl)) == NULL)
		abort();
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		abort();
	if ((c = conn_new(base, r, bev)) == NULL)
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
	arm(c);		/* TLS handshake and first request: idle limit */
	return bev;
}

/* Releases an admin connection's c and its reference on the bufferevent. */
static void
admin_release(struct relay_conn *c)
{
	struct bufferevent *bev = c->bev;

	conn_free(c);
	bufferevent_decref(bev);
}

/*
 * evhttp_connection_free calls this first (for an accepted connection it
 * always does), then frees the bufferevent: our reference goes first, so
 * evhttp's free is the last and closes the socket as usual.
 */
static void
admin_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	admin_release(arg);
}

/*
 * First run of an admin connection's timer (made active by admin_bevcb):
 * the evhttp_connection is the argument of the bufferevent's callbacks
 * (evhttp's, or ours if we already own it); its close callback will
 * release c. If evhttp has freed it already (its callbacks are gone: a
 * failure inside evhttp's accept), c is released now.
 */
static void
admin_attach(struct relay_conn *c)
{
	bufferevent_data_cb rd = NULL, wr = NULL;
	bufferevent_event_cb ev = NULL;
	void *arg = NULL;

	c->attached = 1;
	bufferevent_getcb(c->bev, &rd, &wr, &ev, &arg);
	if (arg == c)
		arg = c->h_arg;
	else if (ev != NULL)
		arm(c);		/* first request: idle limit */
	if (ev == NULL || arg == NULL)
		admin_release(c);
	else
		evhttp_connection_set_closecb(arg, admin_closed, c);
}

/*
 * evhttp_set_bevcb for the plain admin listener: a plain socket
 * bufferevent, evhttp's own kind, watched like a TLS connection's (text
 * answers instead of evhttp's pages, the timer, lingering) but not
 * counted. Without an SSL to own c, c takes a reference on bev, so bev
 * stays valid until c is released; c's timer is made active now, so its
 * first run (admin_attach) comes before evhttp reads anything (the
 * socket is polled only after the active callbacks have run). Out of
 * memory, returns NULL: evhttp then makes its own bufferevent, and that
 * connection gets evhttp's pages.
 */
static struct bufferevent *
admin_bevcb(struct event_base *base, void *arg)
{
	struct relay *r = arg;
	struct relay_conn *c = NULL;
	struct bufferevent *bev = NULL;

	/*
	 * The bufferevent closes the socket when it is freed (evhttp then
	 * only shuts it down), so the socket lives exactly as long as it.
	 */
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto out;
	if ((c = conn_new(base, r, bev)) == NULL) {
		bufferevent_free(bev);
		bev = NULL;
		goto out;
	}
	c->admin = 1;
	bufferevent_incref(bev);
	event_active(c->timer, EV_TIMEOUT, 1);
out:
	return bev;
}

/*
 * evhttp's own limits, for either listener. Its timeout is one second
 * above ours: the connection timer (above) answers or closes first;
 * evhttp's closes without an answer if ours ever failed to.
 */
static void
set_limits(struct relay *r, struct evhttp *h, size_t body_max)
{
	struct timeval tv = { (time_t)r->cfg.timeout + 1, 0 };

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
		set_limits(r, r->admin, ADMIN_BODY_MAX);
		evhttp_set_bevcb(r->admin, admin_bevcb, r);
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
		set_limits(r, r->admin, ADMIN_BODY_MAX);
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
