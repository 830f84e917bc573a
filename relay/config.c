/* config: amana-relay settings. See config.h. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "config.h"

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
relay_config_init(struct relay_config *c)
{
	memset(c, 0, sizeof(*c));
	copy_str(c->data_dir, sizeof(c->data_dir), "./amana-data");
	copy_str(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
	c->listen_port = 8443;
	copy_str(c->admin_host, sizeof(c->admin_host), "127.0.0.1");
	c->admin_port = 9443;
	copy_str(c->origin, sizeof(c->origin), "amana.local/log");
	if (gethostname(c->hostname, sizeof(c->hostname)) != 0 ||
	    c->hostname[0] == '\0')
		copy_str(c->hostname, sizeof(c->hostname), "localhost");
	c->hostname[sizeof(c->hostname) - 1] = '\0';
	c->chroot = 1;
	c->max_connections = 1024;
	c->max_header_bytes = 16384;
	c->max_body_bytes = (size_t)64 << 20;
	c->max_memory_bytes = (size_t)512 << 20;
	c->timeout = 30;
	c->queue_max = 4096;
	c->batch_max = 1024;
	c->verify_threads = 0;
	c->rate_per_minute = 600;
	c->rate_burst = 200;
	c->nonce_cache = 65536;
	c->fetch_max = 1000;
	c->store_map_mib = 65536;
}

/* Decimal without sign or leading zeros, lo <= v <= hi. */
static int
parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return AMANA_EPARSE;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 18)
			return AMANA_EPARSE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return AMANA_EPARSE;
	*out = v;
	return 0;
}

static int
set_str(char *dst, size_t size, const char *v)
{
	if (v[0] == '\0' || strlen(v) >= size)
		return AMANA_EPARSE;
	copy_str(dst, size, v);
	return 0;
}

int
relay_parse_hostport(const char *s, char *host, uint16_t *port,
    int allow_zero)
{
	const char *colon, *h = s;
	size_t hlen;
	uint64_t p;

	if ((colon = strrchr(s, ':')) == NULL)
		return AMANA_EPARSE;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h = s + 1;
		hlen -= 2;
	} else if (memchr(s, ':', hlen) != NULL)
		return AMANA_EPARSE;	/* bare IPv6 needs brackets */
	if (hlen == 0 || hlen > RELAY_HOST_MAX)
		return AMANA_EPARSE;
	if (parse_num(colon + 1, allow_zero ? 0 : 1, 65535, &p) != 0)
		return AMANA_EPARSE;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

struct num_key {
	const char	*name;
	size_t		 off;
	int		 is_unsigned;	/* unsigned int, else size_t */
	uint64_t	 lo, hi;
};

#define NK(f, lo, hi) { #f, offsetof(struct relay_config, f), 0, lo, hi }
#define NU(f, lo, hi) { #f, offsetof(struct relay_config, f), 1, lo, hi }
static const struct num_key num_keys[] = {
	NK(max_connections, 1, 1000000),
	NK(max_header_bytes, 1024, 1 << 20),
	NK(max_body_bytes, 4096, (uint64_t)1 << 30),
	NK(max_memory_bytes, 1 << 20, (uint64_t)1 << 40),
	NU(timeout, 1, 3600),
	NK(queue_max, 1, 1000000),
	NK(batch_max, 1, 100000),
	NK(verify_threads, 0, 16),	/* RELAY_VERIFY_THREADS_MAX */
	NU(rate_per_minute, 1, 10000000),
	NU(rate_burst, 1, 10000000),
	NK(nonce_cache, 16, 10000000),
	NK(fetch_max, 1, 100000),
	NK(store_map_mib, 16, (uint64_t)1 << 24),
};

int
relay_config_set(struct relay_config *c, const char *key, const char *value)
{
	uint64_t v;
	size_t i;

	if (strcmp(key, "data") == 0)
		return set_str(c->data_dir, sizeof(c->data_dir), value);
	if (strcmp(key, "listen") == 0)
		return relay_parse_hostport(value, c->listen_host,
		    &c->listen_port, 0);
	if (strcmp(key, "admin") == 0) {
		if (strcmp(value, "off") == 0) {
			c->admin_port = 0;
			return 0;
		}
		return relay_parse_hostport(value, c->admin_host,
		    &c->admin_port, 0);
	}
	if (strcmp(key, "authority") == 0)
		return set_str(c->authority, sizeof(c->authority), value);
	if (strcmp(key, "origin") == 0)
		return set_str(c->origin, sizeof(c->origin), value);
	if (strcmp(key, "hostname") == 0)
		return set_str(c->hostname, sizeof(c->hostname), value);
	if (strcmp(key, "user") == 0)
		return set_str(c->user, sizeof(c->user), value);
	if (strcmp(key, "chroot") == 0) {
		if (strcmp(value, "yes") == 0)
			c->chroot = 1;
		else if (strcmp(value, "no") == 0)
			c->chroot = 0;
		else
			return AMANA_EPARSE;
		return 0;
	}
	for (i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		if (strcmp(key, num_keys[i].name) != 0)
			continue;
		if (parse_num(value, num_keys[i].lo, num_keys[i].hi, &v) != 0)
			return AMANA_EPARSE;
		if (num_keys[i].is_unsigned)
			*(unsigned *)(void *)((char *)c + num_keys[i].off) =
			    (unsigned)v;
		else
			*(size_t *)(void *)((char *)c + num_keys[i].off) =
			    (size_t)v;
		return 0;
	}
	return AMANA_EINVAL;
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
relay_config_load(struct relay_config *c, const char *path, size_t *bad_line)
{
	struct amana_buf file;
	char line[RELAY_CONFIG_LINE_MAX], *key, *val, *eq, *end;
	size_t pos = 0, lineno = 0, n;
	const char *nl;
	int ret;

	amana_buf_init(&file, RELAY_CONFIG_FILE_MAX, 0);
	if ((ret = amana_file_read(path, &file)) != 0)
		goto out;
	while (pos < file.len) {
		lineno++;
		nl = memchr(file.p + pos, '\n', file.len - pos);
		n = nl != NULL ? (size_t)(nl - (const char *)file.p) - pos :
		    file.len - pos;
		ret = AMANA_EPARSE;
		if (n >= sizeof(line) || memchr(file.p + pos, '\0', n) != NULL)
			goto out;
		memcpy(line, file.p + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		key = line;
		while (is_space(*key))
			key++;
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL)
			goto out;
		val = eq + 1;
		end = eq;
		while (end > key && is_space(end[-1]))
			end--;
		*end = '\0';
		while (is_space(*val))
			val++;
		end = val + strlen(val);
		while (end > val && is_space(end[-1]))
			end--;
		*end = '\0';
		if ((ret = relay_config_set(c, key, val)) != 0)
			goto out;
	}
	ret = 0;
out:
	if (ret != 0 && bad_line != NULL)
		*bad_line = lineno;
	amana_buf_free(&file);
	return ret;
}
