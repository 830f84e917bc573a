/* tlsgen: self-signed ECDSA P-256 certificate and the server context. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * -I relay/ makes <limits.h> name relay/limits.h here, so the INT_MAX that
 * <openssl/err.h> uses comes from the compiler.
 */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "amana_buf.h"
#include "amana_file.h"
#include "config.h"
#include "tlsgen.h"

#define TLS_PEM_MAX	((size_t)1 << 20)	/* bytes of cert.pem, key.pem */

static int
path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return AMANA_ERANGE;
	return 0;
}

static int
host_ok(const char *h)
{
	size_t i;

	if (h[0] == '\0' || strlen(h) > 253)
		return 0;
	for (i = 0; h[i] != '\0'; i++) {
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		    h[i] == '.'))
			return 0;
	}
	return 1;
}

/* Appends the PEM that write() produces into a memory BIO to out. */
static int
bio_to_buf(BIO *bio, struct amana_buf *out)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || p == NULL)
		return AMANA_ENOMEM;
	return amana_buf_append(out, p, (size_t)n);
}

static int
generate(const char *cert_path, const char *key_path, const char *hostname)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	X509_NAME *name;
	BIO *kb = NULL, *cb = NULL;
	BIGNUM *serial = NULL;
	struct amana_buf kpem, cpem;
	char san[600];
	int n, ret = AMANA_ENOMEM;

	amana_buf_init(&kpem, 1 << 16, 1);
	amana_buf_init(&cpem, 1 << 16, 0);
	n = snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1",
	    hostname);
	if (n < 0 || (size_t)n >= sizeof(san)) {
		ret = AMANA_EINVAL;
		goto out;
	}
	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    (serial = BN_new()) == NULL)
		goto out;
	if (X509_set_version(x, 2) != 1 ||
	    BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400) == NULL ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)hostname, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto out;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    san)) == NULL || X509_add_ext(x, ext, -1) != 1)
		goto out;
	X509_EXTENSION_free(ext);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage,
	    "serverAuth")) == NULL || X509_add_ext(x, ext, -1) != 1)
		goto out;
	if (X509_sign(x, pkey, EVP_sha256()) <= 0)
		goto out;
	if ((kb = BIO_new(BIO_s_mem())) == NULL ||
	    (cb = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1)
		goto out;
	if ((ret = bio_to_buf(kb, &kpem)) != 0 ||
	    (ret = bio_to_buf(cb, &cpem)) != 0)
		goto out;
	if ((ret = amana_file_write_new(key_path, 0600, kpem.p, kpem.len)) != 0)
		goto out;
	if ((ret = amana_file_write_new(cert_path, 0644, cpem.p,
	    cpem.len)) != 0) {
		(void)unlink(key_path);
		goto out;
	}
	ret = 0;
out:
	X509_EXTENSION_free(ext);
	BN_free(serial);
	BIO_free(kb);	/* memory BIO: the key PEM is wiped with kpem */
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(pkey);
	amana_buf_free(&kpem);
	amana_buf_free(&cpem);
	return ret;
}

/* tls_dir must be a directory itself, not a symbolic link to one. */
static int
real_dir(const char *tls_dir)
{
	struct stat st;

	if (lstat(tls_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return AMANA_EIO;
	return 0;
}

/*
 * Reads dirfd/name into out, never through a symbolic link and only from
 * a regular file. The data folder belongs to the unprivileged user while
 * root reads these files at start: a planted link must not make root load
 * (and hand to the network process) some other file, such as another
 * service's private key.
 */
static int
read_at(int dirfd, const char *name, struct amana_buf *out)
{
	uint8_t chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, ret = AMANA_EIO;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return AMANA_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if ((ret = amana_buf_append(out, chunk, (size_t)n)) != 0)
			goto out;
		ret = AMANA_EIO;
	}
	ret = 0;
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	return ret;
}

/* Never prompts for a passphrase: the relay's key is not encrypted. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* Leaf certificate then any chain certificates, from PEM in b. */
static int
use_chain(SSL_CTX *ctx, const struct amana_buf *b)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	int ret = AMANA_EIO;

	if (b->len == 0 || b->len > TLS_PEM_MAX ||
	    (bio = BIO_new_mem_buf(b->p, (int)b->len)) == NULL)
		goto out;
	if ((x = PEM_read_bio_X509_AUX(bio, NULL, no_passphrase, NULL)) ==
	    NULL || SSL_CTX_use_certificate(ctx, x) != 1)
		goto out;
	X509_free(x);
	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) !=
	    NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1)
			goto out;
		x = NULL;	/* owned by ctx */
	}
	ERR_clear_error();	/* the end of the PEM stream */
	ret = 0;
out:
	X509_free(x);
	BIO_free(bio);
	return ret;
}

static int
use_key(SSL_CTX *ctx, const struct amana_buf *b)
{
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	int ret = AMANA_EIO;

	if (b->len == 0 || b->len > TLS_PEM_MAX ||
	    (bio = BIO_new_mem_buf(b->p, (int)b->len)) == NULL)
		goto out;
	if ((k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) ==
	    NULL || SSL_CTX_use_PrivateKey(ctx, k) != 1)
		goto out;
	ret = 0;
out:
	EVP_PKEY_free(k);
	BIO_free(bio);
	return ret;
}

int
relay_tls_ensure(const char *tls_dir, const char *hostname, int *created)
{
	char cert[RELAY_PATH_MAX + 16], key[RELAY_PATH_MAX + 16];
	int have_c, have_k, ret;

	*created = 0;
	if (!host_ok(hostname))
		return AMANA_EINVAL;
	if ((ret = path_join(cert, sizeof(cert), tls_dir, "cert.pem")) != 0 ||
	    (ret = path_join(key, sizeof(key), tls_dir, "key.pem")) != 0)
		return ret;
	have_c = access(cert, F_OK) == 0;
	have_k = access(key, F_OK) == 0;
	if (have_c && have_k)
		return 0;
	if (have_c != have_k)
		return AMANA_EINVAL;
	if ((ret = amana_file_mkdirs(tls_dir, 0700)) != 0)
		return ret;
	if ((ret = real_dir(tls_dir)) != 0)
		return ret;
	if ((ret = generate(cert, key, hostname)) != 0)
		return ret;
	*created = 1;
	return 0;
}

int
relay_tls_ctx(const char *tls_dir, SSL_CTX **out)
{
	struct amana_buf cpem, kpem;
	SSL_CTX *ctx = NULL;
	int dfd = -1, ret;

	amana_buf_init(&cpem, TLS_PEM_MAX, 0);
	amana_buf_init(&kpem, TLS_PEM_MAX, 1);
	ret = AMANA_EIO;
	if ((dfd = open(tls_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || read_at(dfd, "cert.pem", &cpem) != 0 ||
	    read_at(dfd, "key.pem", &kpem) != 0)
		goto out;
	ret = AMANA_ENOMEM;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto out;
	ret = AMANA_EIO;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1 ||
	    use_chain(ctx, &cpem) != 0 || use_key(ctx, &kpem) != 0 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto out;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	*out = ctx;
	ctx = NULL;
	ret = 0;
out:
	SSL_CTX_free(ctx);
	if (dfd >= 0)
		close(dfd);
	amana_buf_free(&cpem);
	amana_buf_free(&kpem);	/* wipes the key PEM */
	return ret;
}
