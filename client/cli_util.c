#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "amana_buf.h"

#include "amana_file.h"
#include "cli.h"
#include "cli_keys.h"

/* Error lines printed so far (cli_error_said). */
static unsigned long said;

int
cli_error_said(void)
{
	return said != 0;
}

/* "amana CMD: MESSAGE" on stderr, without the end of the line. */
static void say(const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
say(const char *cmd, const char *fmt, va_list ap)
{
	said++;
	fprintf(stderr, "amana %s: ", cmd);
	vfprintf(stderr, fmt, ap);
}

int
cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cmd, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'amana help %s')\n", cmd);
	return CLI_USAGE;
}

const char *
cli_relay_url(const char *opt)
{
	const char *e;

	if (opt != NULL)
		return opt;
	e = getenv("AMANA_RELAY");
	return e != NULL && *e != '\0' ? e : NULL;
}

const char *
cli_ca_file(const char *opt)
{
	const char *e;

	if (opt != NULL)
		return opt;
	e = getenv("AMANA_CA");
	return e != NULL && *e != '\0' ? e : NULL;
}

int
cli_stdout_write(const void *p, size_t len)
{
	return amana_file_write_all(STDOUT_FILENO, p, len);
}

void
cli_chomp(struct amana_buf *b)
{
	while (b->len > 0 && (b->p[b->len - 1] == '\n' ||
	    b->p[b->len - 1] == '\r'))
		b->len--;
}

int
cli_file_err(const char *cmd, const char *path, int err)
{
	switch (err) {
	case AMANA_ENOENT:
		return cli_fail(cmd, "%s: no such file", path);
	case AMANA_EEXIST:
		return cli_fail(cmd, "%s: already exists; refusing to "
		    "overwrite it", path);
	case AMANA_EPASS:
		return cli_fail(cmd, "%s: wrong passphrase", path);
	case AMANA_ETOOBIG:
		return cli_fail(cmd, "%s: file too large", path);
	default:
		return cli_fail(cmd, "%s: %s", path, amana_strerror(err));
	}
}

int
cli_load_verifier(const char *cmd, const char *path,
    struct note_verifier *out)
{
	struct amana_buf b;
	int ret = CLI_OK, err;

	amana_buf_init(&b, CLI_PUBLIC_FILE_MAX, 0);
	if ((err = amana_file_read(path, &b)) != 0) {
		ret = cli_file_err(cmd, path, err);
		goto out;
	}
	cli_chomp(&b);
	if ((err = note_verifier_parse(b.p, b.len, out)) != 0)
		ret = cli_fail(cmd, "%s: not a verifier key file (%s)", path,
		    amana_strerror(err));
out:
	amana_buf_free(&b);
	return ret;
}

