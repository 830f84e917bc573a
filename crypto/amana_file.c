#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amana_file.h"

int
amana_file_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *q = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, q, len > SSIZE_MAX ? SSIZE_MAX : len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return AMANA_EIO;
		}
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

int
amana_file_read(const char *path, struct amana_buf *out)
{
	uint8_t chunk[16384];
	int fd = -1, ret = 0;
	ssize_t n;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? AMANA_ENOENT : AMANA_EIO;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = AMANA_EIO;
			break;
		}
		if (n == 0 ||
		    (ret = amana_buf_append(out, chunk, (size_t)n)) != 0)
			break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	/* chunk may have held secret bytes of a key file */
	explicit_bzero(chunk, sizeof(chunk));
	return ret;
}

static int
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, ret = 0;
	int n;

	if (slash == NULL)
		n = snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		n = snprintf(dir, sizeof(dir), "/");
	else
		n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
		    path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return AMANA_ERANGE;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return AMANA_EIO;
	if (fsync(fd) != 0)
		ret = AMANA_EIO;
	close(fd);
	return ret;
}

int
amana_file_write_new(const char *path, mode_t mode, const void *p, size_t len)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0)
		return errno == EEXIST ? AMANA_EEXIST : AMANA_EIO;
	if ((ret = amana_file_write_all(fd, p, len)) == 0 && fsync(fd) != 0)
		ret = AMANA_EIO;
	if (close(fd) != 0 && ret == 0)
		ret = AMANA_EIO;
	if (ret == 0)
		ret = sync_dir_of(path);
	if (ret != 0)
		unlink(path);
	return ret;
}

int
amana_file_write_atomic(const char *path, mode_t mode, const void *p,
    size_t len)
{
	char tmp[PATH_MAX];
	int n, ret;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return AMANA_ERANGE;
	(void)unlink(tmp);
	if ((ret = amana_file_write_new(tmp, mode, p, len)) != 0)
		return ret;
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return AMANA_EIO;
	}
	return sync_dir_of(path);
}

int
amana_file_mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return AMANA_ERANGE;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return AMANA_EIO;
		if (i < n)
			tmp[i] = '/';
	}
	return 0;
}
