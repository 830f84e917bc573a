/*
 * config: amana-relay settings, from defaults, the config file
 * ("key = value" lines, '#' comments; docs/OPERATIONS.md lists every key)
 * and the command line, in that order of increasing precedence.
 * Plain data; main thread only.
 */
#ifndef RELAY_CONFIG_H
#define RELAY_CONFIG_H
#include <stddef.h>
#include <stdint.h>

#include "amana_err.h"

#define RELAY_PATH_MAX		1024
#define RELAY_HOST_MAX		255
#define RELAY_CONFIG_FILE_MAX	65536	/* bytes of a config file */
#define RELAY_CONFIG_LINE_MAX	2048

struct relay_config {
	char		data_dir[RELAY_PATH_MAX];	/* "./amana-data" */
	char		listen_host[RELAY_HOST_MAX + 1];	/* 127.0.0.1 */
	uint16_t	listen_port;			/* 8443 */
	char		admin_host[RELAY_HOST_MAX + 1];	/* 127.0.0.1 */
	uint16_t	admin_port;			/* 9443; 0 = off */
	char		authority[RELAY_PATH_MAX];	/* vkey file or "" */
	char		origin[RELAY_HOST_MAX + 1];	/* amana.local/log */
	char		hostname[RELAY_HOST_MAX + 1];	/* certificate SAN */
	char		user[64];			/* drop to; "" = none */
	int		chroot;				/* with user: 1 */
	size_t		max_connections;		/* 1024 */
	size_t		max_header_bytes;		/* 16384 */
	size_t		max_body_bytes;			/* 64 MiB */
	size_t		max_memory_bytes;		/* 512 MiB, see http.c */
	unsigned	timeout;			/* read/write/idle s, 30 */
	size_t		queue_max;			/* jobs, 4096 */
	size_t		batch_max;			/* jobs per commit, 1024 */
	size_t		verify_threads;			/* 0: min(2, CPUs) */
	unsigned	rate_per_minute;		/* per key, 600 */
	unsigned	rate_burst;			/* per key, 200 */
	size_t		nonce_cache;			/* entries, 65536 */
	size_t		fetch_max;			/* alerts per GET, 1000 */
	size_t		store_map_mib;			/* LMDB map, 65536 */
};

/* Fills *c with the defaults above. */
void	relay_config_init(struct relay_config *c);

/*
 * relay_config_set: sets one key (as in the config file; command-line
 * flags map to "data", "listen", "authority") from value (NUL-terminated,
 * borrowed). Returns 0, AMANA_EINVAL (unknown key) or AMANA_EPARSE (bad
 * value).
 */
int	relay_config_set(struct relay_config *c, const char *key,
	    const char *value) AMANA_WUR;

/*
 * relay_config_load: reads path (at most RELAY_CONFIG_FILE_MAX bytes) and
 * applies each line. On error, *bad_line (if not NULL) is the 1-based line.
 * Returns 0, AMANA_ENOENT, AMANA_EIO, AMANA_ETOOBIG, AMANA_EINVAL,
 * AMANA_EPARSE.
 */
int	relay_config_load(struct relay_config *c, const char *path,
	    size_t *bad_line) AMANA_WUR;

/*
 * relay_parse_hostport: "HOST:PORT" or "[V6]:PORT" into host (size
 * RELAY_HOST_MAX + 1) and *port (1..65535; 0 is allowed only for
 * allow_zero). Returns 0 or AMANA_EPARSE.
 */
int	relay_parse_hostport(const char *s, char *host, uint16_t *port,
	    int allow_zero) AMANA_WUR;

#endif
