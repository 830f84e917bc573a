/* signer: the key-holding process. See signer.h. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "ckpt.h"
#include "config.h"
#include "signer.h"

#ifndef __USE_GNU
/* glibc declares these only under _GNU_SOURCE, which the force-included
 * amana_poison.h comes too early for. */
int	setresuid(uid_t, uid_t, uid_t);
int	setresgid(gid_t, gid_t, gid_t);
#endif

struct relay_signer {
	int		 fd;
	pid_t		 pid;
	pthread_mutex_t	 mu;
};

static int
join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return AMANA_ERANGE;
	return 0;
}

int
relay_keys_ensure(const char *dir, const char *origin,
    struct note_verifier *vk, int *created)
{
	char kpath[RELAY_PATH_MAX + 16], vpath[RELAY_PATH_MAX + 16];
	struct note_signer *s = NULL;
	struct note_verifier v;
	struct amana_buf sk, vb;
	int ret;

	*created = 0;
	amana_buf_init(&sk, NOTE_SKEY_MAX + 2, 1);
	amana_buf_init(&vb, NOTE_VKEY_MAX + 2, 0);
	if ((ret = join(kpath, sizeof(kpath), dir, "relay.key")) != 0 ||
	    (ret = join(vpath, sizeof(vpath), dir, "relay.vkey")) != 0)
		goto out;
	if (access(kpath, F_OK) != 0) {
		if ((ret = note_signer_generate(origin, &s)) != 0 ||
		    (ret = note_signer_format(s, &sk)) != 0 ||
		    (ret = amana_buf_u8(&sk, '\n')) != 0)
			goto out;
		note_signer_verifier(s, &v);
		if ((ret = note_verifier_format(&v, &vb)) != 0 ||
		    (ret = amana_buf_u8(&vb, '\n')) != 0)
			goto out;
		(void)unlink(vpath);	/* a stale vkey without its key */
		if ((ret = amana_file_write_new(kpath, 0600, sk.p,
		    sk.len)) != 0)
			goto out;
		if ((ret = amana_file_write_atomic(vpath, 0644, vb.p,
		    vb.len)) != 0)
			goto out;
		*created = 1;
		amana_buf_reset(&vb);
	}
	if ((ret = amana_file_read(vpath, &vb)) != 0)
		goto out;
	ret = note_verifier_parse(vb.p, vb.len, vk);
out:
	note_signer_free(s);
	amana_buf_free(&sk);
	amana_buf_free(&vb);
	return ret;
}

int
relay_privdrop(const char *user, const char *dir)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL)
		return AMANA_ENOENT;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (dir != NULL && (chroot(dir) != 0 || chdir("/") != 0))
		return AMANA_EIO;
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return AMANA_EIO;
	if (setuid(0) == 0)	/* must not be able to regain root */
		return AMANA_EIO;
	return 0;
}

static int
read_full(int fd, void *p, size_t len)
{
	uint8_t *q = p;
	ssize_t n;

	while (len > 0) {
		n = read(fd, q, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return AMANA_EIO;
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * What the signer agrees to sign: a C2SP checkpoint body for its own
 * origin, exactly as ckpt_format writes it (no extension lines). A
 * compromised network process can then not get arbitrary text, such as a
 * roster record or a cosignature for another log, signed with the log key.
 */
static int
signable(const struct note_signer *s, const uint8_t *p, size_t len)
{
	struct ckpt c;

	if (ckpt_parse(p, len, &c) != 0 || c.ext_len != 0 ||
	    strcmp(c.origin, note_signer_name(s)) != 0)
		return AMANA_EDENIED;
	return 0;
}

/* The child: never returns. */
static void __attribute__((noreturn))
signer_main(int fd, const char *key_path, const char *user,
    const char *chroot_dir)
{
	struct note_signer *s = NULL;
	struct amana_buf kb, out;
	uint8_t hdr[5], *body = NULL;
	uint32_t len;
	int code = 1, ret;

	amana_buf_init(&kb, NOTE_SKEY_MAX + 2, 1);
	amana_buf_init(&out, NOTE_MAX_LEN + 5, 0);
	(void)signal(SIGINT, SIG_IGN);	/* the parent decides when to stop */
	(void)signal(SIGTERM, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	if (amana_file_read(key_path, &kb) != 0 ||
	    note_signer_parse(kb.p, kb.len, &s) != 0) {
		fprintf(stderr, "amana-relay signer: cannot load the log key\n");
		goto out;
	}
	amana_buf_free(&kb);
	if (relay_privdrop(user, chroot_dir) != 0) {
		fprintf(stderr, "amana-relay signer: cannot drop privileges\n");
		goto out;
	}
	if ((body = malloc(NOTE_MAX_LEN)) == NULL)
		goto out;
	for (;;) {
		if (read_full(fd, hdr, sizeof(hdr)) != 0) {
			code = 0;	/* parent closed: normal exit */
			goto out;
		}
		len = get_u32(hdr);
		if (hdr[4] != RELAY_SIGNER_MSG_SIGN || len == 0 ||
		    len > NOTE_MAX_LEN) {
			fprintf(stderr, "amana-relay signer: bad message\n");
			goto out;
		}
		if (read_full(fd, body, len) != 0)
			goto out;
		amana_buf_reset(&out);
		if (amana_buf_append(&out, hdr, 5) != 0)
			goto out;
		if ((ret = signable(s, body, len)) == 0)
			ret = note_sign(s, body, len, &out);
		if (ret != 0) {
			out.len = 5;
			out.p[4] = (uint8_t)-ret;
		} else
			out.p[4] = 0;
		put_u32(out.p, (uint32_t)(out.len - 5));
		if (amana_file_write_all(fd, out.p, out.len) != 0)
			goto out;
	}
out:
	note_signer_free(s);
	amana_buf_free(&kb);
	amana_buf_free(&out);
	free(body);
	_exit(code);
}

int
relay_signer_start(const char *key_path, const char *user,
    const char *chroot_dir, struct relay_signer **out)
{
	struct relay_signer *s;
	int sv[2];
	pid_t pid;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AMANA_ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(s);
		return AMANA_EIO;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		free(s);
		return AMANA_EIO;
	}
	if (pid == 0) {
		close(sv[0]);
		signer_main(sv[1], key_path, user, chroot_dir);
	}
	close(sv[1]);
	s->fd = sv[0];
	s->pid = pid;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return 0;
}

int
relay_signer_sign(struct relay_signer *s, const uint8_t *text, size_t text_len,
    struct amana_buf *out)
{
	uint8_t hdr[5];
	uint32_t len;
	size_t old = out->len;
	int ret;

	if (text_len == 0 || text_len > NOTE_MAX_LEN)
		return AMANA_ETOOBIG;
	put_u32(hdr, (uint32_t)text_len);
	hdr[4] = RELAY_SIGNER_MSG_SIGN;
	pthread_mutex_lock(&s->mu);
	ret = AMANA_EIO;
	if (s->fd < 0 || amana_file_write_all(s->fd, hdr, sizeof(hdr)) != 0 ||
	    amana_file_write_all(s->fd, text, text_len) != 0 ||
	    read_full(s->fd, hdr, sizeof(hdr)) != 0)
		goto fail;
	len = get_u32(hdr);
	if (hdr[4] != 0) {
		if (len != 0 || hdr[4] > -AMANA_ERR_MIN)
			goto fail;
		ret = -(int)hdr[4];
		goto out;
	}
	if (len == 0 || len > NOTE_MAX_LEN)
		goto fail;
	if ((ret = amana_buf_reserve(out, len)) != 0)
		goto fail;	/* cannot resync: the reply is unread */
	if ((ret = read_full(s->fd, out->p + out->len, len)) != 0)
		goto fail;
	out->len += len;
	ret = 0;
	goto out;
fail:
	/* The stream is out of step: stop using this signer. */
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	out->len = old;
	if (ret == 0)
		ret = AMANA_EIO;
out:
	pthread_mutex_unlock(&s->mu);
	return ret;
}

void
relay_signer_stop(struct relay_signer *s)
{
	int st;

	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_destroy(&s->mu);
	free(s);
}
