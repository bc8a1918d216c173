/*
 * wal_io.c: the WAL backend's file operations on the system (see wal_io.h).
 */
#include "wal_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int system_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int system_fallocate(int fd, off_t len)
{
	return fallocate(fd, 0, 0, len);
}

static int system_rename(const char *from, const char *to, unsigned int flags)
{
	int rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);

	/* A file system without RENAME_NOREPLACE: check, then rename (a race with another
	 * creator of the same name is the caller's to avoid). */
	if (rc != 0 && errno == EINVAL && (flags & RENAME_NOREPLACE)) {
		if (access(to, F_OK) == 0) {
			errno = EEXIST;
			return -1;
		}
		rc = rename(from, to);
	}
	return rc;
}

const struct wal_io wal_io_posix = {
	.open      = system_open,
	.close     = close,
	.pwrite    = pwrite,
	.fdatasync = fdatasync,
	.fsync     = fsync,
	.fallocate = system_fallocate,
	.ftruncate = ftruncate,
	.rename    = system_rename,
	.unlink    = unlink,
};

const struct wal_io *wal_io = &wal_io_posix;
