/*
 * cli: what the amana subcommands share. Each cli_cmd_* takes the words
 * after its subcommand name (argv[0] is the first of them) and returns the
 * process exit status: CLI_OK, CLI_FAIL (one line on stderr, the user can
 * fix it) or CLI_USAGE (bad usage, one line on stderr). Single-threaded.
 */
#ifndef CLI_H
#define CLI_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

/* Prints "amana CMD: MESSAGE" on stderr; returns CLI_FAIL. */
int	cli_fail(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints "amana CMD: MESSAGE (see 'amana help CMD')"; returns CLI_USAGE. */
int	cli_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Whether cli_fail or cli_usage printed a line yet: main() adds a generic
 * one for a command that failed without saying why (out of memory).
 */
int	cli_error_said(void);
/* The relay URL: opt if set, else $AMANA_RELAY, else NULL. */
const char *cli_relay_url(const char *opt);
/* The CA file: opt if set, else $AMANA_CA (if non-empty), else NULL. */
const char *cli_ca_file(const char *opt);
/*
 * Prints "amana CMD: PATH: why" for an amana_file / keyfile error err
 * (not found, exists, wrong passphrase, ...); returns CLI_FAIL.
 */
int	cli_file_err(const char *cmd, const char *path, int err);
/* Drops trailing '\n' and '\r' bytes from b. */
struct amana_buf;
void	cli_chomp(struct amana_buf *b);
/* Largest public file (verifier key, recipient list) read. */
#define CLI_PUBLIC_FILE_MAX	(64 * 1024)
/* Writes all of p to stdout. Returns 0 or AMANA_EIO. */
int	cli_stdout_write(const void *p, size_t len) AMANA_WUR;

int	cli_cmd_keygen(int argc, char **argv);
int	cli_cmd_accredit(int argc, char **argv);
int	cli_cmd_credential(int argc, char **argv);
int	cli_cmd_revoke(int argc, char **argv);
int	cli_cmd_roster(int argc, char **argv);
int	cli_cmd_submit(int argc, char **argv);
int	cli_cmd_receipt(int argc, char **argv);
int	cli_cmd_fetch(int argc, char **argv);
int	cli_cmd_open(int argc, char **argv);
int	cli_cmd_envelope(int argc, char **argv);
int	cli_cmd_encrypt(int argc, char **argv);
int	cli_cmd_decrypt(int argc, char **argv);
int	cli_cmd_reply(int argc, char **argv);
int	cli_cmd_ack(int argc, char **argv);
int	cli_cmd_inbox(int argc, char **argv);
int	cli_cmd_cases(int argc, char **argv);
int	cli_cmd_audit(int argc, char **argv);
int	cli_cmd_get(int argc, char **argv);

#endif
