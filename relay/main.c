/*
 * amana-relay: the Amana HTTPS relay. See docs/OPERATIONS.md.
 *
 * Start-up order: config; data folder, log key and TLS material; fork the
 * signer (before any thread); bind; drop privileges (root + user only);
 * open the store (after fork); writer thread; verification workers; event
 * loop.
 * Output: lifecycle lines and counts on stderr; never a peer address, a
 * path, a header or anything else about a request.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "amana_file.h"
#include "ckpt.h"
#include "merkle.h"
#include "relay.h"
#include "roster_check.h"
#include "tlsgen.h"

static const char usage[] =
    "usage: amana-relay [--config F] [--data DIR] [--listen HOST:PORT] "
    "[--authority VKEYFILE]\n"
    "  --config F          settings file (key = value lines; see "
    "docs/OPERATIONS.md)\n"
    "  --data DIR          data folder (default ./amana-data)\n"
    "  --listen HOST:PORT  HTTPS listener (default 127.0.0.1:8443)\n"
    "  --authority F       the authority's signed-note verifier key\n"
    "                      (default: DIR/authority.vkey if present)\n";

struct relay_main {
	struct relay	 r;
	struct event	*sig_term, *sig_int, *sig_hup, *drain_tick;
	const char	*config_arg;	/* --config as given, or NULL */
	char		 config[RELAY_PATH_MAX];	/* reachable; "" none */
};

static void
log_line(const char *what)
{
	fprintf(stderr, "amana-relay: %s\n", what);
}

static int
join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return AMANA_ERANGE;
	return 0;
}

static int
load_authority(struct relay *r, const char *path)
{
	struct amana_buf b;
	struct note_verifier v;
	int ret;

	amana_buf_init(&b, NOTE_VKEY_MAX + 2, 0);
	if ((ret = amana_file_read(path, &b)) == 0 &&
	    (ret = note_verifier_parse(b.p, b.len, &v)) == 0) {
		r->authority = v;
		r->have_authority = 1;
	}
	amana_buf_free(&b);
	return ret;
}

/*
 * SIGTERM drain, every 10 ms: jobs still being verified go on to the
 * commit queue, so it refuses new jobs only once the verification stage
 * is empty; the loop ends when the writer has handed everything back.
 */
static void
drain_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_main *m = arg;
	struct timeval flush = { 0, 200000 };

	if (relay_verify_pending(m->r.verify) > 0)
		return;
	relay_commit_drain(m->r.commit);
	if (relay_commit_pending(m->r.commit) > 0)
		return;
	event_del(m->drain_tick);
	/* Give the last answers a moment to leave the socket buffers. */
	event_base_loopexit(m->r.base, &flush);
}

static void
term_cb(evutil_socket_t sig, short what, void *arg)
{
	struct relay_main *m = arg;
	struct timeval tick = { 0, 10000 };

	if (m->r.stopping)
		return;
	m->r.stopping = 1;
	log_line("stopping: finishing the commit in progress");
	relay_http_stop_accepting(&m->r);
	relay_verify_drain(m->r.verify);
	event_add(m->drain_tick, &tick);
}

/*
 * Re-reads the config file and applies the limits that can change while
 * running (docs/OPERATIONS.md, "Signals"); the other keys need a
 * restart and are ignored here.
 */
static void
reload_config(struct relay_main *m)
{
	struct relay *r = &m->r;
	struct relay_config fresh, *c = &r->cfg;
	size_t bad = 0;
	int ret;

	if (m->config_arg == NULL)
		return;
	if (m->config[0] == '\0') {
		log_line("reload: the config file is outside the chroot; "
		    "limits unchanged (restart to change them)");
		return;
	}
	relay_config_init(&fresh);
	if ((ret = relay_config_load(&fresh, m->config, &bad)) != 0) {
		fprintf(stderr, "amana-relay: reload: config line %zu: %s; "
		    "keeping the old settings\n", bad, amana_strerror(ret));
		return;
	}
	c->max_connections = fresh.max_connections;
	c->max_header_bytes = fresh.max_header_bytes;
	c->max_body_bytes = fresh.max_body_bytes;
	c->max_memory_bytes = fresh.max_memory_bytes;
	c->timeout = fresh.timeout;
	c->queue_max = fresh.queue_max;
	c->rate_per_minute = fresh.rate_per_minute;
	c->rate_burst = fresh.rate_burst;
	c->fetch_max = fresh.fetch_max;
	relay_http_apply_limits(r);
	relay_rate_set(r->rate, c->rate_per_minute, c->rate_burst);
	relay_commit_set_limits(r->commit, c->queue_max, c->max_memory_bytes);
	relay_verify_set_limits(r->verify, c->queue_max, c->max_memory_bytes);
	log_line("reload: limits from the config file applied");
}

static void
hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct relay_main *m = arg;

	reload_config(m);
	if (relay_http_reload_tls(&m->r) != 0)
		log_line("reload: cannot load the TLS certificate; "
		    "keeping the old one");
	if (m->r.authority_path[0] != '\0' &&
	    load_authority(&m->r, m->r.authority_path) != 0)
		log_line("reload: cannot read the authority key; "
		    "keeping the old one");
	relay_roster_changed(&m->r);
	log_line("reloaded certificate, authority key and roster");
}

/*
 * The loop has two priorities: 0 for the commit wake-up (answering
 * receipts that are already durable) and the verification wake-up
 * (handing verified envelopes to the commit queue), 1 (the default) for
 * everything else (TLS, parsing, the duplicate and roster checks; the
 * Ed25519 verification runs in verify.c's workers). Finished receipts do
 * not wait behind a burst of new requests: a wake-up made active (by the
 * writer or a worker) while low-priority callbacks run makes libevent
 * stop after the current one and run the wake-up first
 * (event_process_active_single_queue checks event_continue, which
 * event_active sets for an event of a higher priority than the running
 * one). RELAY_LOOP_BURST only bounds how many low-priority callbacks run
 * between two polls of the sockets: each poll (epoll_wait, level
 * triggered) reports again every connection still readable or writable,
 * so polling every few callbacks costs more than it brings.
 */
#define RELAY_LOOP_BURST	64

/*
 * The epoll backend keeps a change list: event_add/event_del only note
 * the change, and the net change per descriptor is applied once, before
 * epoll_wait. Answering a request enables writing and then reading again
 * on its connection (two epoll_ctl calls without the list, one with it).
 * libevent's caveat for the list (descriptors cloned by dup() confuse it)
 * does not apply: the relay never duplicates a descriptor.
 */

static int
new_base(struct event_base **out)
{
	struct event_config *cfg;
	struct event_base *base = NULL;

	if ((cfg = event_config_new()) == NULL)
		return AMANA_ENOMEM;
	if (event_config_set_max_dispatch_interval(cfg, NULL, RELAY_LOOP_BURST,
	    1) == 0 &&
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ==
	    0)
		base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		return AMANA_ENOMEM;
	if (event_base_priority_init(base, 2) != 0) {
		event_base_free(base);
		return AMANA_EIO;
	}
	*out = base;
	return 0;
}

/* Signs the size-0 checkpoint served until the first commit. */
static int
sign_empty(struct relay *r)
{
	struct amana_buf body, note;
	struct ckpt c;
	size_t n;
	int ret;

	memset(&c, 0, sizeof(c));
	n = strlen(r->log_vk.name);
	if (n >= sizeof(c.origin))
		return AMANA_EINVAL;
	memcpy(c.origin, r->log_vk.name, n + 1);
	merkle_empty_root(c.root);
	amana_buf_init(&body, 4096, 0);
	amana_buf_init(&note, STORE_CKPT_MAX, 0);
	if ((ret = ckpt_format(&c, &body)) == 0 &&
	    (ret = relay_signer_sign(r->signer, body.p, body.len,
	    &note)) == 0)
		amana_buf_steal(&note, &r->empty_ckpt, &r->empty_ckpt_len);
	amana_buf_free(&body);
	amana_buf_free(&note);
	return ret;
}

/*
 * fchowns dirfd/name, opened without following a symbolic link, when it is
 * a directory (want_dir) or a regular file with a single link. Returns 0
 * or -1 (also: refused).
 */
static int
chown_at(int dirfd, const char *name, int want_dir, uid_t uid, gid_t gid)
{
	struct stat st;
	int fd, ok;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | (want_dir ? O_DIRECTORY : 0))) < 0)
		return -1;
	ok = fstat(fd, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) :
	    S_ISREG(st.st_mode) && st.st_nlink == 1) &&
	    fchown(fd, uid, gid) == 0;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * chowns the data folder, the store and the TLS files to user (root + user
 * only), so that the unprivileged process can reload the certificate on
 * SIGHUP (it holds the TLS key in memory anyway). relay.key stays root's:
 * only the signer, which reads it before dropping privileges, needs it.
 * The folder belongs to user after the first start, so nothing below it is
 * trusted: no symbolic link is followed and only single-link regular files
 * are changed, or a planted link (tls/cert.pem -> /etc/shadow) would make
 * root give any file to user.
 */
static void
hand_over(const char *user, const char *data, const char *store_dir)
{
	static const char *const tls[] = { "cert.pem", "key.pem" };
	struct passwd *pw;
	size_t i;
	int dfd = -1, tfd = -1;

	if (geteuid() != 0 || user[0] == '\0' || (pw = getpwnam(user)) == NULL)
		return;
	if ((dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fchown(dfd, pw->pw_uid, pw->pw_gid) != 0 ||
	    amana_file_mkdirs(store_dir, 0700) != 0 ||
	    chown_at(dfd, "log", 1, pw->pw_uid, pw->pw_gid) != 0)
		log_line("cannot hand the data folder to the user");
	if (dfd < 0 || chown_at(dfd, "tls", 1, pw->pw_uid, pw->pw_gid) != 0 ||
	    (tfd = openat(dfd, "tls", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		log_line("cannot hand the TLS files to the user");
	for (i = 0; tfd >= 0 && i < sizeof(tls) / sizeof(tls[0]); i++)
		if (chown_at(tfd, tls[i], 0, pw->pw_uid, pw->pw_gid) != 0)
			log_line("cannot hand the TLS files to the user");
	if (tfd >= 0)
		close(tfd);
	if (dfd >= 0)
		close(dfd);
}

/*
 * The name by which the relay reaches path after chroot(root), into out
 * (size bytes): "" when path does not resolve inside root.
 */
static void
chroot_path(const char *root, const char *path, char *out, size_t size)
{
	char *rr = NULL, *rp = NULL;
	size_t n;

	out[0] = '\0';
	if ((rr = realpath(root, NULL)) == NULL ||
	    (rp = realpath(path, NULL)) == NULL)
		goto out;
	n = strlen(rr);
	if (strncmp(rp, rr, n) != 0 || rp[n] != '/' || strlen(rp + n) >= size)
		goto out;
	memcpy(out, rp + n, strlen(rp + n) + 1);
out:
	free(rr);
	free(rp);
}

static int
parse_args(int argc, char **argv, struct relay_config *cfg,
    const char **config_out)
{
	static const char *const flags[] = { "--data", "--listen",
	    "--authority" };
	static const char *const keys[] = { "data", "listen", "authority" };
	const char *config = NULL;
	size_t bad = 0, k;
	int i, pass, ret;

	for (pass = 0; pass < 2; pass++) {
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--help") == 0 ||
			    strcmp(argv[i], "-h") == 0) {
				fputs(usage, stdout);
				return 1;
			}
			for (k = 0; k < 3; k++)
				if (strcmp(argv[i], flags[k]) == 0)
					break;
			if (k == 3 && strcmp(argv[i], "--config") != 0) {
				fprintf(stderr, "amana-relay: unknown option "
				    "'%.64s' (try --help)\n", argv[i]);
				return 2;
			}
			if (i + 1 >= argc) {
				fprintf(stderr, "amana-relay: %s needs a "
				    "value\n", argv[i]);
				return 2;
			}
			i++;
			if (k == 3) {
				config = argv[i];
				continue;
			}
			if (pass == 1 &&
			    relay_config_set(cfg, keys[k], argv[i]) != 0) {
				fprintf(stderr, "amana-relay: bad value for "
				    "%s\n", flags[k]);
				return 2;
			}
		}
		if (pass == 0 && config != NULL &&
		    (ret = relay_config_load(cfg, config, &bad)) != 0) {
			fprintf(stderr, "amana-relay: config %s: line %zu: "
			    "%s\n", config, bad, amana_strerror(ret));
			return 2;
		}
	}
	*config_out = config;
	return 0;
}

int
main(int argc, char **argv)
{
	struct relay_main m;
	struct relay *r = &m.r;
	struct store_opts so;
	char path[RELAY_PATH_MAX + 32], store_dir[RELAY_PATH_MAX + 32];
	const char *root;
	uint64_t size = 0;
	int created = 0, tls_created = 0, status = 1, ret, use_chroot;

	memset(&m, 0, sizeof(m));
	r->ssl_ex_idx = -1;
	relay_config_init(&r->cfg);
	relay_metrics_init(&r->metrics);
	if ((ret = parse_args(argc, argv, &r->cfg, &m.config_arg)) != 0)
		return ret == 1 ? 0 : 2;
	if (sodium_init() < 0) {
		log_line("cannot initialise libsodium");
		return 1;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (amana_file_mkdirs(r->cfg.data_dir, 0700) != 0 ||
	    chmod(r->cfg.data_dir, 0700) != 0) {
		log_line("cannot create the data folder (check --data)");
		return 1;
	}
	ret = relay_keys_ensure(r->cfg.data_dir, r->cfg.origin, &r->log_vk,
	    &created);
	if (ret != 0) {
		fprintf(stderr, "amana-relay: log key: %s\n",
		    amana_strerror(ret));
		return 1;
	}
	if (created)
		log_line("created a new log key (relay.key, relay.vkey)");
	if (strcmp(r->log_vk.name, r->cfg.origin) != 0)
		log_line("note: the existing relay.key names the log origin; "
		    "the origin setting is ignored");
	if (join(path, sizeof(path), r->cfg.data_dir, "tls") != 0 ||
	    (ret = relay_tls_ensure(path, r->cfg.hostname,
	    &tls_created)) != 0) {
		log_line("cannot create the TLS certificate (check hostname)");
		return 1;
	}
	if (tls_created)
		log_line("created a self-signed certificate (tls/cert.pem)");
	if (r->cfg.authority[0] != '\0') {
		memcpy(r->authority_path, r->cfg.authority,
		    sizeof(r->authority_path));
		if (load_authority(r, r->authority_path) != 0) {
			log_line("cannot read the authority key (--authority)");
			return 1;
		}
	} else if (join(path, sizeof(path), r->cfg.data_dir,
	    "authority.vkey") == 0 && access(path, F_OK) == 0) {
		memcpy(r->authority_path, path, sizeof(r->authority_path));
		if (load_authority(r, path) != 0) {
			log_line("cannot read DIR/authority.vkey");
			return 1;
		}
	} else
		log_line("no authority key: read-only until --authority is "
		    "given (writes answer 503)");

	use_chroot = geteuid() == 0 && r->cfg.user[0] != '\0' && r->cfg.chroot;
	if (use_chroot) {
		/* SIGHUP re-reads these from inside the chroot. */
		if (m.config_arg != NULL)
			chroot_path(r->cfg.data_dir, m.config_arg, m.config,
			    sizeof(m.config));
		if (r->authority_path[0] != '\0') {
			chroot_path(r->cfg.data_dir, r->authority_path, path,
			    sizeof(r->authority_path));
			memcpy(r->authority_path, path, sizeof(r->authority_path));
		}
		if ((m.config_arg != NULL && m.config[0] == '\0') ||
		    (r->have_authority && r->authority_path[0] == '\0'))
			log_line("note: files outside the data folder cannot "
			    "be reloaded on SIGHUP under chroot");
	} else if (m.config_arg != NULL &&
	    strlen(m.config_arg) < sizeof(m.config))
		memcpy(m.config, m.config_arg, strlen(m.config_arg) + 1);
	if (join(path, sizeof(path), r->cfg.data_dir, "relay.key") != 0 ||
	    relay_signer_start(path, r->cfg.user, use_chroot ?
	    r->cfg.data_dir : NULL, &r->signer) != 0) {
		log_line("cannot start the signer process");
		return 1;
	}
	if (evthread_use_pthreads() != 0 || new_base(&r->base) != 0) {
		log_line("cannot create the event loop");
		goto out;
	}
	if (join(r->tls_dir, sizeof(r->tls_dir), r->cfg.data_dir, "tls") != 0 ||
	    relay_tls_ctx(r->tls_dir, &r->ssl) != 0) {
		log_line("cannot load tls/cert.pem and tls/key.pem");
		goto out;
	}
	if (relay_http_start(r) != 0) {
		log_line("cannot listen (address in use or not allowed?)");
		goto out;
	}
	if (join(store_dir, sizeof(store_dir), r->cfg.data_dir, "log") != 0)
		goto out;
	hand_over(r->cfg.user, r->cfg.data_dir, store_dir);
	if (relay_privdrop(r->cfg.user, use_chroot ? r->cfg.data_dir :
	    NULL) != 0) {
		log_line("cannot drop privileges (check user)");
		goto out;
	}
	root = use_chroot ? "" : r->cfg.data_dir;
	if (use_chroot && (join(r->tls_dir, sizeof(r->tls_dir), root,
	    "tls") != 0 || join(store_dir, sizeof(store_dir), root,
	    "log") != 0))
		goto out;
	memset(&so, 0, sizeof(so));
	so.dir = store_dir;
	so.map_size = r->cfg.store_map_mib << 20;
	so.origin = r->log_vk.name;
	if ((ret = store_open(&so, &r->st)) != 0) {
		fprintf(stderr, "amana-relay: cannot open the store: %s\n",
		    amana_strerror(ret));
		goto out;
	}
	if ((ret = store_size(r->st, &size)) != 0)
		goto out;
	atomic_store(&r->metrics.tree_size, size);
	if (size == 0 && sign_empty(r) != 0) {
		log_line("the signer cannot sign the empty checkpoint");
		goto out;
	}
	if (relay_rate_new(r->cfg.rate_per_minute, r->cfg.rate_burst,
	    &r->rate) != 0 ||
	    relay_nonce_new(r->cfg.nonce_cache, 2 * 300 + 1, &r->nonce) != 0 ||
	    relay_commit_new(r->base, r->st, r->signer, &r->metrics,
	    r->cfg.queue_max, r->cfg.batch_max, r->cfg.max_memory_bytes,
	    relay_api_done, r, &r->commit) != 0 ||
	    relay_verify_new(r->base, &r->metrics, r->cfg.verify_threads,
	    r->cfg.queue_max, r->cfg.max_memory_bytes, relay_api_verified, r,
	    &r->verify) != 0) {
		log_line("cannot allocate the queues");
		goto out;
	}
	if ((m.sig_term = evsignal_new(r->base, SIGTERM, term_cb, &m)) == NULL ||
	    (m.sig_int = evsignal_new(r->base, SIGINT, term_cb, &m)) == NULL ||
	    (m.sig_hup = evsignal_new(r->base, SIGHUP, hup_cb, &m)) == NULL ||
	    (m.drain_tick = event_new(r->base, -1, EV_PERSIST, drain_tick_cb,
	    &m)) == NULL || event_add(m.sig_term, NULL) != 0 ||
	    event_add(m.sig_int, NULL) != 0 || event_add(m.sig_hup, NULL) != 0) {
		log_line("cannot install signal handlers");
		goto out;
	}
	fprintf(stderr, "amana-relay: serving log %s (%llu entries)\n",
	    r->log_vk.name, (unsigned long long)size);
	if (event_base_dispatch(r->base) != 0)
		goto out;
	status = 0;
	log_line("stopped");
out:
	relay_verify_free(r->verify);	/* hands its jobs to the commit */
	relay_commit_free(r->commit);	/* joins the writer; answers */
	if (m.sig_term != NULL)
		event_free(m.sig_term);
	if (m.sig_int != NULL)
		event_free(m.sig_int);
	if (m.sig_hup != NULL)
		event_free(m.sig_hup);
	if (m.drain_tick != NULL)
		event_free(m.drain_tick);
	if (r->http != NULL)
		evhttp_free(r->http);
	if (r->admin != NULL)
		evhttp_free(r->admin);
	store_close(r->st);
	relay_signer_stop(r->signer);
	relay_rate_free(r->rate);
	relay_nonce_free(r->nonce);
	SSL_CTX_free(r->ssl);
	free(r->empty_ckpt);
	free(r->roster_cache);
	if (r->base != NULL)
		event_base_free(r->base);
	return status;
}
