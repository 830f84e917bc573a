/*
 * keyfile: secret key files at rest (see keyfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "keyfile.h"

#define BEGIN_LINE	"-----BEGIN AGE ENCRYPTED FILE-----"
#define VERSION_LINE	"age-encryption.org/v1\n"
#define PASS_FILE_MAX	(64 * 1024)

int
keyfile_is_encrypted(const uint8_t *p, size_t len)
{
	size_t	 i = 0;

	if (p == NULL)
		return 0;
	if (len >= strlen(VERSION_LINE) &&
	    memcmp(p, VERSION_LINE, strlen(VERSION_LINE)) == 0)
		return 1;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return len - i >= strlen(BEGIN_LINE) &&
	    memcmp(p + i, BEGIN_LINE, strlen(BEGIN_LINE)) == 0;
}

int
keyfile_write_log_n(const char *path, const uint8_t *secret, size_t len,
    const uint8_t *pass, size_t pass_len, int log_n)
{
	struct amana_buf ct;
	int		 ret;

	if (path == NULL || secret == NULL || len == 0 ||
	    len > KEYFILE_MAX - 4096)
		return AMANA_EINVAL;
	if (pass == NULL || pass_len == 0)
		return amana_file_write_new(path, 0600, secret, len);
	amana_buf_init(&ct, KEYFILE_MAX, 0);
	if ((ret = age_encrypt_buf_scrypt(pass, pass_len, log_n, secret, len,
	    &ct)) == 0)
		ret = amana_file_write_new(path, 0600, ct.p, ct.len);
	amana_buf_free(&ct);
	return ret;
}

int
keyfile_write(const char *path, const uint8_t *secret, size_t len,
    const uint8_t *pass, size_t pass_len)
{
	return keyfile_write_log_n(path, secret, len, pass, pass_len,
	    KEYFILE_SCRYPT_LOG_N);
}

int
keyfile_read(const char *path, keyfile_pass_fn get_pass, void *ctx,
    struct amana_buf *secure_out)
{
	struct amana_buf raw, pass, plain;
	struct age_dec_keys keys;
	int		 ret;

	if (path == NULL || secure_out == NULL)
		return AMANA_EINVAL;
	amana_buf_init(&raw, KEYFILE_MAX, 1);
	amana_buf_init(&pass, KEYFILE_PASS_MAX, 1);
	amana_buf_init(&plain, KEYFILE_MAX, 1);
	if ((ret = amana_file_read(path, &raw)) != 0)
		goto out;
	if (!keyfile_is_encrypted(raw.p, raw.len)) {
		ret = amana_buf_append(secure_out, raw.p, raw.len);
		goto out;
	}
	ret = AMANA_EINVAL;
	if (get_pass == NULL)
		goto out;
	if ((ret = get_pass(ctx, &pass)) != 0)
		goto out;
	ret = AMANA_EPASS;
	if (pass.len == 0)
		goto out;
	memset(&keys, 0, sizeof(keys));
	keys.pass = pass.p;
	keys.pass_len = pass.len;
	ret = age_decrypt_buf(&keys, raw.p, raw.len, &plain);
	if (ret == AMANA_ENOMATCH)
		ret = AMANA_EPASS;
	if (ret != 0)
		goto out;
	ret = amana_buf_append(secure_out, plain.p, plain.len);
out:
	amana_buf_free(&raw);
	amana_buf_free(&pass);
	amana_buf_free(&plain);
	return ret;
}

/* First line of the file, without "\n" or "\r\n". */
static int
pass_from_file(const char *file, struct amana_buf *out)
{
	struct amana_buf raw;
	const uint8_t	*nl;
	size_t		 n;
	int		 ret;

	amana_buf_init(&raw, PASS_FILE_MAX, 1);
	if ((ret = amana_file_read(file, &raw)) != 0)
		goto out;
	n = raw.len;
	if (n > 0 && (nl = memchr(raw.p, '\n', raw.len)) != NULL)
		n = (size_t)(nl - raw.p);
	if (n > 0 && raw.p[n - 1] == '\r')
		n--;
	ret = AMANA_EINVAL;
	if (n == 0)
		goto out;
	ret = AMANA_ETOOBIG;
	if (n > KEYFILE_PASS_MAX)
		goto out;
	ret = amana_buf_append(out, raw.p, n);
out:
	amana_buf_free(&raw);
	return ret;
}

static int
tty_puts(int fd, const char *s)
{
	return amana_file_write_all(fd, s, strlen(s));
}

/* One line from the terminal with echo off. */
static int
tty_read_line(int fd, const char *prompt, struct amana_buf *out)
{
	struct termios	 old, noecho;
	uint8_t		 ch;
	ssize_t		 r;
	int		 ret, restored = 0;

	if (tcgetattr(fd, &old) != 0)
		return AMANA_EIO;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	if ((ret = tty_puts(fd, prompt)) != 0)
		return ret;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) != 0)
		return AMANA_EIO;
	ret = 0;
	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = AMANA_EIO;
			break;
		}
		if (r == 0 || ch == '\n')
			break;
		if (out->len >= KEYFILE_PASS_MAX) {
			ret = AMANA_ETOOBIG;
			continue;	/* drain the line */
		}
		if (ret == 0 && (ret = amana_buf_u8(out, ch)) != 0)
			continue;
	}
	ch = 0;
	if (tcsetattr(fd, TCSAFLUSH, &old) == 0)
		restored = 1;
	(void)tty_puts(fd, "\n");
	if (ret == 0 && !restored)
		ret = AMANA_EIO;
	if (ret == 0 && out->len > 0 && out->p[out->len - 1] == '\r')
		out->len--;
	return ret;
}

int
keyfile_passphrase(const char *passphrase_file, const char *prompt,
    int confirm, struct amana_buf *secure_out)
{
	struct amana_buf a, b;
	int		 fd = -1, ret;

	if (secure_out == NULL)
		return AMANA_EINVAL;
	if (passphrase_file != NULL)
		return pass_from_file(passphrase_file, secure_out);
	amana_buf_init(&a, KEYFILE_PASS_MAX + 1, 1);
	amana_buf_init(&b, KEYFILE_PASS_MAX + 1, 1);
	ret = AMANA_EIO;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		goto out;
	if ((ret = tty_read_line(fd, prompt != NULL ? prompt :
	    "Passphrase: ", &a)) != 0)
		goto out;
	ret = AMANA_EINVAL;
	if (a.len == 0)
		goto out;
	if (confirm) {
		if ((ret = tty_read_line(fd, "Confirm passphrase: ",
		    &b)) != 0)
			goto out;
		ret = AMANA_EINVAL;
		if (a.len != b.len || sodium_memcmp(a.p, b.p, a.len) != 0)
			goto out;
	}
	ret = amana_buf_append(secure_out, a.p, a.len);
out:
	if (fd >= 0)
		close(fd);
	amana_buf_free(&a);
	amana_buf_free(&b);
	return ret;
}

int
keyfile_pass_cb(void *ctx, struct amana_buf *secure_out)
{
	const struct keyfile_pass_src *src = ctx;

	if (src == NULL)
		return AMANA_EINVAL;
	return keyfile_passphrase(src->file, src->prompt, 0, secure_out);
}
