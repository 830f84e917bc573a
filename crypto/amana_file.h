/*
 * amana_file: small, careful file I/O. Paths are opened with O_NOFOLLOW and
 * O_CLOEXEC. Any thread; no global state.
 */
#ifndef AMANA_FILE_H
#define AMANA_FILE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "amana_buf.h"

/*
 * Appends the whole file at path ("-" is stdin) to out, which caps it
 * (AMANA_ETOOBIG past out->max). AMANA_ENOENT, AMANA_EIO.
 */
int	amana_file_read(const char *path, struct amana_buf *out) AMANA_WUR;
/*
 * Creates path with O_EXCL and the given mode, writes p[0..len), fsyncs.
 * AMANA_EEXIST if it exists; on any failure the partial file is removed.
 */
int	amana_file_write_new(const char *path, mode_t mode, const void *p,
	    size_t len) AMANA_WUR;
/*
 * Writes p[0..len) to a temporary file beside path, fsyncs, renames it over
 * path and fsyncs the directory: readers see the old file or the new one.
 */
int	amana_file_write_atomic(const char *path, mode_t mode, const void *p,
	    size_t len) AMANA_WUR;
/* Writes all of p to fd, retrying on EINTR and short writes. AMANA_EIO. */
int	amana_file_write_all(int fd, const void *p, size_t len) AMANA_WUR;
/* mkdir -p with the given mode for each created component. AMANA_EIO. */
int	amana_file_mkdirs(const char *path, mode_t mode) AMANA_WUR;

#endif
