/*
 * keyfile: secret key files at rest.
 *
 * A key file holds one secret text (for example an "AGE-SECRET-KEY-1..."
 * identity file or a signed-note signer key). It is created with O_EXCL and
 * mode 0600. With a passphrase its content is an age v1 file with one scrypt
 * stanza (so the stock `age -d` opens it too); without, it is the plain
 * text. Secrets live in sodium_malloc memory (secure amana_buf) and are wiped
 * on every path. Passphrases come from a file or from the terminal, never
 * from argv or the environment. Call sodium_init() first. Any thread, but
 * keyfile_passphrase prompts on the process's controlling terminal.
 */
#ifndef AMANA_KEYFILE_H
#define AMANA_KEYFILE_H
#include <stddef.h>
#include <stdint.h>
#include "amana_buf.h"
#include "amana_err.h"

/* Largest key file read or written (plain or encrypted). */
#define KEYFILE_MAX		(64 * 1024)
/* scrypt work factor (log2 N) used by keyfile_write. */
#define KEYFILE_SCRYPT_LOG_N	18
/* Longest passphrase accepted (bytes, without the newline). */
#define KEYFILE_PASS_MAX	1024

/*
 * Obtains a passphrase; called by keyfile_read only when the file is
 * encrypted. Appends the passphrase (no newline) to secure_out and returns
 * 0, or returns a negative AMANA_E* code that keyfile_read passes back.
 */
typedef int (*keyfile_pass_fn)(void *ctx, struct amana_buf *secure_out);

/*
 * keyfile_write: creates path (O_EXCL, mode 0600, fsync) holding
 * secret[0..len) (SECRET, borrowed, 1 <= len <= KEYFILE_MAX - 4096).
 * pass (SECRET, borrowed) NULL or pass_len 0: plain text; else an age
 * scrypt file with work factor KEYFILE_SCRYPT_LOG_N.
 * AMANA_EINVAL, AMANA_EEXIST, AMANA_EIO, AMANA_ENOMEM, AMANA_ETOOBIG.
 */
int	keyfile_write(const char *path, const uint8_t *secret, size_t len,
	    const uint8_t *pass, size_t pass_len) AMANA_WUR;
/* keyfile_write_log_n: the same with an explicit work factor (1..22). */
int	keyfile_write_log_n(const char *path, const uint8_t *secret,
	    size_t len, const uint8_t *pass, size_t pass_len, int log_n)
	    AMANA_WUR;
/*
 * keyfile_is_encrypted: 1 when p[0..len) is an age file (binary, or armored
 * after optional whitespace), else 0.
 */
int	keyfile_is_encrypted(const uint8_t *p, size_t len);
/*
 * keyfile_read: reads path (at most KEYFILE_MAX bytes). A plain file is
 * appended to secure_out as is. An encrypted one calls get_pass(ctx, ...)
 * once (get_pass may be NULL only if the file is known to be plain) and
 * appends the decrypted text. secure_out should be a secure buffer; it is
 * left unchanged on failure.
 * AMANA_ENOENT, AMANA_EIO, AMANA_ETOOBIG, AMANA_ENOMEM, AMANA_EINVAL (no
 * get_pass for an encrypted file), AMANA_EPASS (wrong passphrase), the
 * age decryption errors for a damaged file (AMANA_EHEADER, AMANA_EMAC,
 * AMANA_EPAYLOAD, AMANA_EARMOR), or get_pass's error.
 */
int	keyfile_read(const char *path, keyfile_pass_fn get_pass, void *ctx,
	    struct amana_buf *secure_out) AMANA_WUR;
/*
 * keyfile_passphrase: with passphrase_file non-NULL, reads its first line
 * (without "\n" or "\r\n"; the file may hold just that line, at most
 * KEYFILE_PASS_MAX bytes). Else prompts on /dev/tty with echo off (prompt
 * borrowed, printed on the terminal), and with confirm set asks twice and
 * requires both to match. Appends the passphrase to secure_out.
 * AMANA_EINVAL (empty passphrase, mismatch on confirm), AMANA_ENOENT,
 * AMANA_EIO (no terminal), AMANA_ETOOBIG, AMANA_ENOMEM.
 */
int	keyfile_passphrase(const char *passphrase_file, const char *prompt,
	    int confirm, struct amana_buf *secure_out) AMANA_WUR;

/* Ready-made keyfile_pass_fn: ctx is a const struct keyfile_pass_src *. */
struct keyfile_pass_src {
	const char	*file;		/* NULL: prompt on the terminal */
	const char	*prompt;
};
int	keyfile_pass_cb(void *ctx, struct amana_buf *secure_out) AMANA_WUR;

#endif
