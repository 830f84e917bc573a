/*
 * cli_http: the CLI's HTTPS client (libevent evhttp over
 * bufferevent_openssl). Certificate verification is always on: the trust
 * anchors are the CA file given (--ca FILE / $AMANA_CA) or else the system
 * store; the certificate must name the URL's host (DNS name or IP address).
 * TLS 1.2 or newer. Plain http:// URLs are refused.
 * Idempotent requests are retried on network failures with backoff; any
 * request answered 503 with Retry-After is retried after that delay.
 * Single-threaded: one struct cli_http per thread; it runs its own
 * event_base while a request is in flight.
 */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"

#define CLI_HTTP_TIMEOUT_S	30		/* connect and read, per try */
#define CLI_HTTP_TRIES		4		/* network tries, idempotent */
#define CLI_HTTP_RETRY_AFTER_MAX 30		/* seconds we wait on 503 */
#define CLI_HTTP_BUSY_TRIES	5		/* 503 tries */
#define CLI_HTTP_ERR_MAX	240		/* error line, bytes */

struct cli_http;

struct cli_http_hdr {
	const char	*name;
	const char	*value;
};

/*
 * Called before every try (so that signed requests get a fresh time and
 * nonce): fills at most max headers into out (strings owned by arg, valid
 * until the next call or the end of cli_http_do) and sets *n.
 * Returns 0 or a negative AMANA_E* that aborts the request.
 */
typedef int (*cli_http_hdr_fn)(void *arg, const char *method,
    const char *path, const uint8_t *body, size_t body_len,
    struct cli_http_hdr *out, size_t max, size_t *n);

struct cli_http_req {
	const char		*method;	/* "GET" or "POST" */
	const char		*path;		/* "/..." with query; appended
						   to the URL's path */
	const uint8_t		*body;		/* borrowed, may be NULL */
	size_t			 body_len;
	/*
	 * body_is_fd: the body is instead body_len bytes of the open file
	 * body_fd (borrowed, read with pread from offset 0 on every try),
	 * streamed as the connection drains, so memory stays a few hundred
	 * KiB whatever body_len; sent with a Content-Length. Not with
	 * hdr_fn (a signature needs the body in memory).
	 */
	int			 body_is_fd;
	int			 body_fd;
	const char		*content_type;	/* NULL: none */
	cli_http_hdr_fn		 hdr_fn;	/* NULL: no extra headers */
	void			*hdr_arg;
	int			 idempotent;	/* retry on network failure */
	size_t			 resp_max;	/* cap on the response body */
	int			 progress;	/* progress bar on a tty */
	const char		*want_header;	/* response header to keep */
};

struct cli_http_resp {
	int			 status;	/* HTTP status */
	struct amana_buf	 body;		/* response body (owned) */
	char			 line[CLI_HTTP_ERR_MAX]; /* printable first
						   line of a non-2xx body */
	char			 header[128];	/* want_header's value or "" */
};

/*
 * Parses url ("https://host[:port][/prefix]") and prepares a TLS context
 * trusting ca_file (PEM, borrowed) or the system store when NULL.
 * *out is owned by the caller (cli_http_free).
 * Returns 0, AMANA_EINVAL (bad or non-https URL), AMANA_ENOENT (CA file
 * unreadable), AMANA_ENET, AMANA_ENOMEM. On failure cli_http_errmsg-style
 * detail is printed nowhere; the caller reports.
 */
int	cli_http_new(const char *url, const char *ca_file,
	    struct cli_http **out) AMANA_WUR;
void	cli_http_free(struct cli_http *h);
/*
 * Sends req and waits for the answer. On 0, resp->status is any HTTP status
 * (the caller decides) and resp->body holds at most req->resp_max bytes;
 * free with cli_http_resp_free (also safe after a failure).
 * Returns 0, AMANA_ENET (unreachable, TLS or certificate failure, timeout;
 * cli_http_errmsg explains), AMANA_ETOOBIG (response over resp_max),
 * AMANA_EBUSY (still 503 after the tries), AMANA_EIO (body_fd unreadable
 * or shorter than body_len), AMANA_EINVAL (body_is_fd with hdr_fn),
 * AMANA_ENOMEM, or hdr_fn's error.
 */
int	cli_http_do(struct cli_http *h, const struct cli_http_req *req,
	    struct cli_http_resp *resp) AMANA_WUR;
void	cli_http_resp_free(struct cli_http_resp *resp);
/* One line describing the last failure (static storage inside h). */
const char *cli_http_errmsg(const struct cli_http *h);
/* "host:port" of the relay, for messages. */
const char *cli_http_origin(const struct cli_http *h);

#endif
