/*
 * amana get: one verified HTTPS GET, body to stdout. A diagnostic that
 * exercises cli_http exactly as every networked subcommand does.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_http.h"

#define GET_MAX		(64u << 20)

int
cli_cmd_get(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "ca", 0, 1, 0, 0, NULL },
	};
	struct cli_http_resp resp = { 0 };
	struct cli_http_req req = { 0 };
	struct cli_http *h = NULL;
	struct cli_args a;
	char base[1024];
	const char *url, *slash;
	int n, ret = CLI_USAGE, err;

	if (cli_args_parse("get", argc, argv, opts, 1, &a) != 0)
		goto out;
	if (a.npos != 1) {
		ret = cli_usage("get", "expected one URL");
		goto out;
	}
	url = a.pos[0];
	ret = CLI_FAIL;
	if (strncmp(url, "https://", 8) != 0) {
		ret = cli_usage("get", "URL must start with https://");
		goto out;
	}
	slash = strchr(url + 8, '/');
	n = snprintf(base, sizeof(base), "%.*s",
	    slash != NULL ? (int)(slash - url) : (int)strlen(url), url);
	if (n < 0 || (size_t)n >= sizeof(base)) {
		ret = cli_usage("get", "URL too long");
		goto out;
	}
	if ((err = cli_http_new(base, cli_ca_file(cli_opt_get(opts, 1,
	    "ca")), &h)) != 0) {
		ret = err == AMANA_EINVAL ? cli_usage("get", "bad URL %s",
		    url) : cli_fail("get", "cannot use the CA file: %s",
		    amana_strerror(err));
		goto out;
	}
	req.method = "GET";
	req.path = slash != NULL ? slash : "/";
	req.idempotent = 1;
	req.resp_max = GET_MAX;
	if ((err = cli_http_do(h, &req, &resp)) != 0) {
		ret = cli_fail("get", "%s", err == AMANA_ENET ||
		    err == AMANA_EBUSY || err == AMANA_ETOOBIG ?
		    cli_http_errmsg(h) : amana_strerror(err));
		goto out;
	}
	if (resp.status / 100 != 2) {
		ret = cli_fail("get", "relay answered %d: %s", resp.status,
		    resp.line);
		goto out;
	}
	if (cli_stdout_write(resp.body.p, resp.body.len) != 0) {
		ret = cli_fail("get", "cannot write the output");
		goto out;
	}
	ret = CLI_OK;
out:
	cli_http_resp_free(&resp);
	cli_http_free(h);
	cli_args_free(opts, 1);
	return ret;
}
