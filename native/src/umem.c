/*
 * umem.c: picks the backend of an existing pool file by what the file starts with.
 */
#include "umem.h"

#include "error.h"
#include "umem_wal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int umem_probe(const char *path, uint32_t *backend_out,
	       char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX])
{
	uint64_t magic = 0;
	ssize_t got = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd >= 0) {
		got = pread(fd, &magic, sizeof(magic), 0);
		close(fd);
	}
	/* Anything that is not a WAL image, errors included, is left to the PMDK backend's
	 * checks, which say what is wrong with the file. */
	if (got != (ssize_t)sizeof(magic) || magic != WAL_IMAGE_MAGIC) {
		*backend_out = UMEM_BACKEND_PMEM;
		return umem_pmem_layout(path, layout_out);
	}
	*backend_out = UMEM_BACKEND_WAL;
	rc = umem_wal_layout(path, layout_out);
	return rc;
}

int umem_open(uint32_t backend, const char *path, const char *layout, uint64_t root_size,
	      struct umem **um_out)
{
	if (backend == UMEM_BACKEND_WAL)
		return umem_wal_open(path, layout, root_size, um_out);
	return umem_pmem_open(path, layout, root_size, um_out);
}

int umem_remove(uint32_t backend, const char *path)
{
	if (backend == UMEM_BACKEND_WAL)
		return umem_wal_remove(path);
	return umem_pmem_remove(path);
}
