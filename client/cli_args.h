/*
 * cli_args: the option parser every amana subcommand uses.
 * Options are long ("--name VALUE", "--name=VALUE") with an optional
 * one-letter alias ("-o VALUE"); "--" ends the options; a lone "-" is a
 * positional argument (stdin). Values point into argv (borrowed, valid for
 * the life of main). Single-threaded CLI code.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H
#include <stddef.h>
#include "amana_err.h"

#define CLI_ARGS_MAX_POS	64	/* positional arguments per command */

struct cli_opt {
	const char	*name;		/* long name, without "--" */
	char		 alias;		/* one-letter alias or 0 */
	int		 has_arg;	/* takes a value */
	int		 multi;		/* may be repeated */
	/* results, filled by cli_args_parse */
	size_t		 count;		/* times seen */
	const char	**vals;		/* count values (has_arg), malloc'ed */
};

struct cli_args {
	const char	*pos[CLI_ARGS_MAX_POS];
	size_t		 npos;
};

/*
 * Parses argv[0..argc) (argv[0] is the first argument after the
 * subcommand words) against opts[0..nopts). On a usage error prints one
 * line "amana CMD: ..." on stderr and returns AMANA_EINVAL (exit 2).
 * On success the caller frees with cli_args_free(opts, nopts), which is also
 * safe after a failure. Returns 0, AMANA_EINVAL or AMANA_ENOMEM.
 */
int	cli_args_parse(const char *cmd, int argc, char **argv,
	    struct cli_opt *opts, size_t nopts, struct cli_args *out) AMANA_WUR;
void	cli_args_free(struct cli_opt *opts, size_t nopts);
/* The (last) value of option name, or NULL if absent. */
const char *cli_opt_get(const struct cli_opt *opts, size_t nopts,
	    const char *name);
/* The option named name; NULL if not in the table (a programming error). */
const struct cli_opt *cli_opt_find(const struct cli_opt *opts, size_t nopts,
	    const char *name);
/*
 * Parses a decimal unsigned integer in [min, max] with no sign, spaces or
 * leading zeros (except "0"). Returns 0 or AMANA_EINVAL; *out on success.
 */
int	cli_parse_u64(const char *s, unsigned long long min,
	    unsigned long long max, unsigned long long *out) AMANA_WUR;

#endif
