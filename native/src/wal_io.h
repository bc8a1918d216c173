/*
 * wal_io.h: every file operation of the WAL backend that can change what a power loss leaves
 * on the disk, behind one small interface.
 *
 * The backend calls these instead of the system calls: open (which may create or truncate),
 * close, pwrite, fdatasync, fsync (of a directory, to make names durable), fallocate,
 * ftruncate, rename (with renameat2's flags: RENAME_NOREPLACE) and unlink. Reads (pread, mmap, lseek, fstat, readdir) and hints that
 * promise nothing about durability (sync_file_range, flock) go to the system directly.
 *
 * wal_io_posix is the system. A test installs its own table in wal_io before it creates or
 * opens a pool, to record what was written and synced when, and rebuilds from the record the
 * files as a power loss at any moment could leave them (tests/powerloss.c). Each function
 * behaves as the system call of its name: it returns -1 with errno set on failure.
 */
#ifndef VOSTOK_WAL_IO_H
#define VOSTOK_WAL_IO_H

#include <stddef.h>
#include <sys/types.h>

struct wal_io {
	int     (*open)(const char *path, int flags, mode_t mode);
	int     (*close)(int fd);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	int     (*fdatasync)(int fd);
	int     (*fsync)(int fd);
	int     (*fallocate)(int fd, off_t len); /* mode 0 from offset 0: allocate and extend */
	int     (*ftruncate)(int fd, off_t len);
	int     (*rename)(const char *from, const char *to, unsigned int flags); /* renameat2's */
	int     (*unlink)(const char *path);
};

extern const struct wal_io wal_io_posix;

/* The table in use; &wal_io_posix unless a test installed its own while no pool was open. */
extern const struct wal_io *wal_io;

#endif /* VOSTOK_WAL_IO_H */
