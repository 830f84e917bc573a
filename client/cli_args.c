#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"

static struct cli_opt *
find_long(struct cli_opt *opts, size_t nopts, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == len &&
		    memcmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static struct cli_opt *
find_alias(struct cli_opt *opts, size_t nopts, char c)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (opts[i].alias != 0 && opts[i].alias == c)
			return &opts[i];
	return NULL;
}

void
cli_args_free(struct cli_opt *opts, size_t nopts)
{
	size_t i;

	for (i = 0; i < nopts; i++) {
		free(opts[i].vals);
		opts[i].vals = NULL;
		opts[i].count = 0;
	}
}

static int
usage_err(const char *cmd, const char *what, const char *arg)
{
	(void)cli_usage(cmd, "%s %s", what, arg);
	return AMANA_EINVAL;
}

int
cli_args_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts,
    size_t nopts, struct cli_args *out)
{
	struct cli_opt *o;
	const char *a, *val, *eq;
	size_t i, namelen;
	int k, only_pos = 0;

	out->npos = 0;
	for (i = 0; i < nopts; i++) {
		opts[i].count = 0;
		opts[i].vals = NULL;
	}
	for (i = 0; i < nopts; i++) {
		if (!opts[i].has_arg)
			continue;
		if ((opts[i].vals = calloc((size_t)argc + 1,
		    sizeof(*opts[i].vals))) == NULL)
			return AMANA_ENOMEM;
	}
	for (k = 0; k < argc; k++) {
		a = argv[k];
		val = NULL;
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (out->npos == CLI_ARGS_MAX_POS)
				return usage_err(cmd, "too many arguments at",
				    a);
			out->pos[out->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			namelen = eq != NULL ? (size_t)(eq - (a + 2)) :
			    strlen(a + 2);
			o = find_long(opts, nopts, a + 2, namelen);
			if (eq != NULL)
				val = eq + 1;
		} else {
			o = a[2] == '\0' ? find_alias(opts, nopts, a[1]) :
			    NULL;
		}
		if (o == NULL)
			return usage_err(cmd, "unknown option", a);
		if (o->count > 0 && !o->multi)
			return usage_err(cmd, "option given twice:", a);
		if (!o->has_arg) {
			if (val != NULL)
				return usage_err(cmd,
				    "option takes no value:", a);
			o->count++;
			continue;
		}
		if (val == NULL) {
			if (k + 1 >= argc)
				return usage_err(cmd, "missing value for", a);
			val = argv[++k];
		}
		o->vals[o->count++] = val;
	}
	return 0;
}

const struct cli_opt *
cli_opt_find(const struct cli_opt *opts, size_t nopts, const char *name)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

const char *
cli_opt_get(const struct cli_opt *opts, size_t nopts, const char *name)
{
	const struct cli_opt *o = cli_opt_find(opts, nopts, name);

	if (o == NULL || o->count == 0 || o->vals == NULL)
		return NULL;
	return o->vals[o->count - 1];
}

int
cli_parse_u64(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;
	const char *q;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return AMANA_EINVAL;
	for (q = s; *q != '\0'; q++) {
		if (*q < '0' || *q > '9')
			return AMANA_EINVAL;
		if (v > (~0ULL - 9) / 10)
			return AMANA_EINVAL;
		v = v * 10 + (unsigned long long)(*q - '0');
	}
	if (v < min || v > max)
		return AMANA_EINVAL;
	*out = v;
	return 0;
}
