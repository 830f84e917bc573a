/*
 * tlsgen: the relay's TLS material. A self-signed ECDSA P-256 certificate
 * (SHA-256, 10 years, SAN: the host name, "localhost" and 127.0.0.1) is
 * created on first start in DIR/tls/; later starts reuse it. Main process,
 * before any thread starts.
 */
#ifndef RELAY_TLSGEN_H
#define RELAY_TLSGEN_H
#include <openssl/ssl.h>

#include "amana_err.h"

/*
 * relay_tls_ensure: creates tls_dir (0700) with cert.pem (0644) and key.pem
 * (0600) unless both exist. hostname: NUL-terminated, borrowed, used as the
 * subject CN and first DNS SAN. *created set to 1 when it generated them.
 * Returns 0, AMANA_EIO (also: tls_dir is a symbolic link), AMANA_ENOMEM,
 * AMANA_EINVAL (bad host name, or only one of the two files exists).
 */
int	relay_tls_ensure(const char *tls_dir, const char *hostname,
	    int *created) AMANA_WUR;

/*
 * relay_tls_ctx: a server SSL_CTX for tls_dir/cert.pem and key.pem
 * (regular files of at most 1 MiB each, read through no symbolic link:
 * neither tls_dir nor the files may be one):
 * TLS 1.2 minimum (1.3 preferred by OpenSSL), forward-secret AEAD ciphers
 * only, no compression, no renegotiation, no session tickets.
 * *out owned by the caller (SSL_CTX_free).
 * Returns 0, AMANA_EIO (unreadable or mismatched files), AMANA_ENOMEM.
 */
int	relay_tls_ctx(const char *tls_dir, SSL_CTX **out) AMANA_WUR;

#endif
