/*
 * cli_env: `amana envelope payload` and `amana receipt verify`, offline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "amana_codec.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "envelope.h"
#include "receipt.h"

#define ENV_CHUNK	((size_t)64 << 10)

_Static_assert(ENVELOPE_HASH_LEN == LOGENTRY_HASH_LEN,
    "a log entry's hash is the SHA-256 of the whole envelope");

/* Reads exactly len bytes at *off of fd into p. 0 or AMANA_EIO. */
static int
read_at(int fd, uint8_t *p, size_t len, uint64_t *off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)*off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return AMANA_EIO;
		p += n;
		len -= (size_t)n;
		*off += (uint64_t)n;
	}
	return 0;
}

int
cli_open_envelope(const char *cmd, const char *path, int *fd_out,
    struct envelope_header *hdr, uint8_t hash[ENVELOPE_HASH_LEN],
    size_t *len_out)
{
	struct envelope_checker *ck = NULL;
	struct amana_sha256_ctx *sha = NULL;
	const struct envelope_header *eh;
	struct stat st;
	uint8_t head[ENVELOPE_HEADER_LEN], sig[ENVELOPE_SIG_LEN], *buf = NULL;
	uint64_t off = 0, left;
	size_t n;
	int fd = -1, ret = CLI_FAIL, err;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = errno == ENOENT ? cli_fail(cmd, "%s: no such file",
		    path) : cli_fail(cmd, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ret = cli_fail(cmd, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > ENVELOPE_MAX) {
		ret = cli_fail(cmd, "%s: too large for an envelope", path);
		goto out;
	}
	if ((buf = malloc(ENV_CHUNK)) == NULL ||
	    amana_sha256_new(&sha) != 0) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	if (read_at(fd, head, sizeof(head), &off) != 0 ||
	    (err = envelope_checker_new(head, sizeof(head), &ck)) != 0) {
		ret = cli_fail(cmd, "%s: not an Amana envelope", path);
		goto out;
	}
	eh = envelope_checker_header(ck);
	if ((uint64_t)st.st_size != ENVELOPE_OVERHEAD + eh->payload_len) {
		ret = cli_fail(cmd, "%s: not an Amana envelope (its length "
		    "differs from its header's)", path);
		goto out;
	}
	amana_sha256_update(sha, head, sizeof(head));
	for (left = eh->payload_len; left > 0; left -= n) {
		n = left > ENV_CHUNK ? ENV_CHUNK : (size_t)left;
		if (read_at(fd, buf, n, &off) != 0) {
			ret = cli_fail(cmd, "%s: cannot read it (did it "
			    "change?)", path);
			goto out;
		}
		if ((err = envelope_checker_payload(ck, buf, n)) != 0) {
			ret = cli_fail(cmd, "%s: not an Amana envelope (%s)",
			    path, amana_strerror(err));
			goto out;
		}
		amana_sha256_update(sha, buf, n);
	}
	if (read_at(fd, sig, sizeof(sig), &off) != 0) {
		ret = cli_fail(cmd, "%s: cannot read it (did it change?)",
		    path);
		goto out;
	}
	amana_sha256_update(sha, sig, sizeof(sig));
	if (envelope_checker_finish(ck, sig, eh->signer) != 0) {
		ret = cli_fail(cmd, "%s: the envelope's signature does not "
		    "verify", path);
		goto out;
	}
	*hdr = *eh;
	amana_sha256_final(sha, hash);
	*len_out = (size_t)off;
	*fd_out = fd;
	fd = -1;
	ret = CLI_OK;
out:
	envelope_checker_free(ck);
	amana_sha256_free(sha);
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

int
cli_stream_payload(const char *cmd, const char *path, int fd,
    const struct envelope_header *hdr, const uint8_t hash[ENVELOPE_HASH_LEN],
    cli_payload_sink sink, void *ctx, int *sink_err)
{
	struct amana_sha256_ctx *sha = NULL;
	uint8_t h[ENVELOPE_HASH_LEN], *buf = NULL;
	uint64_t off = 0, start, lim, pay_end, end;
	size_t n;
	int ret = CLI_FAIL, err;

	*sink_err = 0;
	if ((buf = malloc(ENV_CHUNK)) == NULL ||
	    amana_sha256_new(&sha) != 0) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	/* pieces never straddle the header, payload and signature parts */
	pay_end = ENVELOPE_HEADER_LEN + hdr->payload_len;
	end = pay_end + ENVELOPE_SIG_LEN;
	while (off < end) {
		lim = off < ENVELOPE_HEADER_LEN ? ENVELOPE_HEADER_LEN :
		    off < pay_end ? pay_end : end;
		n = lim - off > ENV_CHUNK ? ENV_CHUNK : (size_t)(lim - off);
		start = off;
		if (read_at(fd, buf, n, &off) != 0) {
			ret = cli_fail(cmd, "%s: cannot read it (did it "
			    "change?)", path);
			goto out;
		}
		amana_sha256_update(sha, buf, n);
		if (start >= ENVELOPE_HEADER_LEN && start < pay_end &&
		    (err = sink(ctx, buf, n)) != 0) {
			*sink_err = err;
			goto out;
		}
	}
	amana_sha256_final(sha, h);
	if (sodium_memcmp(h, hash, sizeof(h)) != 0) {
		ret = cli_fail(cmd, "%s: changed while it was read; the output "
		    "is not to be trusted", path);
		goto out;
	}
	ret = CLI_OK;
out:
	amana_sha256_free(sha);
	free(buf);
	return ret;
}

static int
stdout_sink(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	return cli_stdout_write(p, len) != 0 ? AMANA_EIO : 0;
}

int
cli_cmd_envelope(int argc, char **argv)
{
	struct envelope_header hdr;
	struct cli_args a;
	uint8_t hash[ENVELOPE_HASH_LEN];
	size_t len;
	int ret = CLI_USAGE, fd = -1, err;

	if (cli_args_parse("envelope", argc, argv, NULL, 0, &a) != 0)
		goto out;
	if (a.npos != 2 || strcmp(a.pos[0], "payload") != 0) {
		ret = cli_usage("envelope", "expected: payload ENVELOPE");
		goto out;
	}
	/* checked whole (header, length, signature) before any byte is out */
	if ((ret = cli_open_envelope("envelope", a.pos[1], &fd, &hdr, hash,
	    &len)) != CLI_OK)
		goto out;
	if (isatty(STDOUT_FILENO)) {
		ret = cli_fail("envelope", "refusing to write binary output "
		    "to a terminal; redirect stdout to a file");
		goto out;
	}
	ret = cli_stream_payload("envelope", a.pos[1], fd, &hdr, hash,
	    stdout_sink, NULL, &err);
	if (err != 0)
		ret = cli_fail("envelope", "cannot write the output");
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
cli_check_receipt(const char *cmd, const char *what, const uint8_t *p,
    size_t len, const struct note_verifier *log_key, const uint8_t *env,
    size_t env_len, struct receipt_view *out)
{
	int err;

	switch ((err = receipt_verify(p, len, log_key, env, env_len, out))) {
	case 0:
		return CLI_OK;
	case AMANA_EBADSIG:
		return cli_fail(cmd, "%s: the checkpoint is not signed by the "
		    "log key %s", what, log_key->name);
	case AMANA_EPROOF:
		return cli_fail(cmd, "%s: the inclusion proof does not verify",
		    what);
	case AMANA_ENOMATCH:
		return cli_fail(cmd, "%s: the receipt is for another envelope",
		    what);
	default:
		return cli_fail(cmd, "%s: not a valid receipt (%s)", what,
		    amana_strerror(err));
	}
}

int
cli_cmd_receipt(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "log-key", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct envelope_header hdr;
	struct receipt_view rv;
	struct note_verifier lk;
	struct amana_buf rb;
	struct cli_args a;
	const char *lkpath;
	uint8_t hash[ENVELOPE_HASH_LEN];
	size_t len;
	int ret = CLI_USAGE, err, fd = -1;

	amana_buf_init(&rb, RECEIPT_MAX_LEN, 0);
	if (cli_args_parse("receipt", argc, argv, opts, nopts, &a) != 0)
		goto out;
	if (a.npos < 2 || a.npos > 3 || strcmp(a.pos[0], "verify") != 0) {
		ret = cli_usage("receipt", "expected: verify --log-key VKEYFILE "
		    "RECEIPT [ENVELOPE]");
		goto out;
	}
	if ((lkpath = cli_opt_get(opts, nopts, "log-key")) == NULL) {
		ret = cli_usage("receipt", "missing --log-key VKEYFILE");
		goto out;
	}
	if ((ret = cli_load_verifier("receipt", lkpath, &lk)) != CLI_OK)
		goto out;
	if ((err = amana_file_read(a.pos[1], &rb)) != 0) {
		ret = cli_fail("receipt", "%s: %s", a.pos[1], err ==
		    AMANA_ENOENT ? "no such file" : amana_strerror(err));
		goto out;
	}
	/* streamed once (constant memory): only its SHA-256 is compared */
	if (a.npos == 3 && (ret = cli_open_envelope("receipt", a.pos[2], &fd,
	    &hdr, hash, &len)) != CLI_OK)
		goto out;
	if ((ret = cli_check_receipt("receipt", a.pos[1], rb.p, rb.len, &lk,
	    NULL, 0, &rv)) != CLI_OK)
		goto out;
	if (a.npos == 3 && sodium_memcmp(rv.entry.hash, hash,
	    sizeof(hash)) != 0) {
		ret = cli_fail("receipt", "%s: the receipt is for another "
		    "envelope", a.pos[1]);
		goto out;
	}
	printf("%llu\n", (unsigned long long)rv.index);
	ret = CLI_OK;
out:
	if (fd >= 0)
		close(fd);
	amana_buf_free(&rb);
	cli_args_free(opts, nopts);
	return ret;
}
