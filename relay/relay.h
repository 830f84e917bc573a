/*
 * relay: the context shared by the relay's modules (one per process,
 * created by main and passed explicitly; no globals). Loop thread unless a
 * field says otherwise.
 */
#ifndef RELAY_RELAY_H
#define RELAY_RELAY_H
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "commit.h"
#include "config.h"
#include "limits.h"
#include "metrics.h"
#include "note.h"
#include "signer.h"
#include "store.h"
#include "verify.h"

struct relay_conn;

struct relay {
	struct relay_config	 cfg;
	struct event_base	*base;
	struct evhttp		*http;		/* TLS API listener */
	struct evhttp		*admin;		/* plain HTTP, loopback */
	struct evconnlistener	*listener;	/* of http, paused at max */
	SSL_CTX			*ssl;
	char			 tls_dir[RELAY_PATH_MAX + 8];	/* after chroot */
	char			 authority_path[RELAY_PATH_MAX];
	int			 ssl_ex_idx;
	struct store		*st;
	struct relay_commit	*commit;
	struct relay_verify	*verify;	/* envelope signatures */
	struct relay_signer	*signer;
	struct relay_metrics	 metrics;	/* any thread (atomics) */
	struct relay_rate	*rate;
	struct relay_nonce	*nonce;
	struct note_verifier	 log_vk;	/* relay.vkey: origin = name */
	struct note_verifier	 authority;
	int			 have_authority;
	size_t			 conns;		/* open TLS connections */
	struct relay_conn	*conn_list;	/* http.c: the same, listed */
	size_t			 buffered;	/* input bytes they hold */
	size_t			 buffered_live;	/* of those, not closing */
	int			 paused;	/* listener disabled at max */
	int			 stopping;	/* SIGTERM seen */
	void			*roster_cache;	/* roster_check.c */
	uint8_t			*empty_ckpt;	/* signed size-0 checkpoint */
	size_t			 empty_ckpt_len;
};

/* api.c: installs the API routes on r->http and r->admin. */
void	relay_api_install(struct relay *r);
/*
 * api.c: the verification callback: charges the rate limit and submits
 * the job to the commit queue, or answers it (loop thread).
 */
void	relay_api_verified(struct relay_job *j, void *arg);
/* api.c: the commit callback that answers a job (loop thread). */
void	relay_api_done(struct relay_job *j, void *arg);

/*
 * relay_reply_error: sends status with a one-line text/plain body
 * (msg, NUL-terminated literal, without the newline) and counts the
 * rejection class. req: borrowed, answered.
 */
void	relay_reply_error(struct relay *r, struct evhttp_request *req,
	    int status, enum relay_reject cls, const char *msg);

/* http.c: binds the listeners and sets limits. Returns 0 or AMANA_EIO. */
int	relay_http_start(struct relay *r) AMANA_WUR;
/* http.c: stops accepting new connections (SIGTERM). */
void	relay_http_stop_accepting(struct relay *r);
/* http.c: applies r->cfg's timeout, header and body limits (SIGHUP). */
void	relay_http_apply_limits(struct relay *r);
/* http.c: reloads cert.pem/key.pem into a new SSL_CTX (SIGHUP). */
int	relay_http_reload_tls(struct relay *r) AMANA_WUR;

#endif
