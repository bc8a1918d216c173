/*
 * hw_probe.c: MAP_SYNC and persist-latency probes of a data directory (vostok/hw_probe.h).
 *
 * The persist loop copies with pmem_memcpy_persist, as libpmemobj's transactions do when they
 * write a range: small copies are stores followed by cache-line flushes and a fence, large ones
 * non-temporal stores and a fence. Where the file is not persistent memory, libpmem's answer is
 * msync, and that is what is measured there, so the figure is always the cost of durability.
 */
#include "vostok/hw_probe.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libpmem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define HW_PAGE_BYTES     4096u
#define HW_FILE_BYTES_MAX (1ull << 30)
#define HW_LINE_BYTES     64u

_Static_assert(sizeof(vos_hw_persist_info_t) == 40, "vos_hw_persist_info_t layout");

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

VOS_EXPORT int vos_hw_map_sync(const char *path, uint64_t bytes)
{
	int fd, rc, err;
	void *addr;

	vos_clear_message();
	if (path == NULL || bytes < HW_PAGE_BYTES || bytes > HW_FILE_BYTES_MAX || bytes % HW_PAGE_BYTES != 0)
		return vos_fail(VOS_ERR_INVAL, "vos_hw_map_sync: a path and 4096 .. 1 GiB bytes in pages are needed, "
				"not %llu bytes", (unsigned long long)bytes);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return vos_fail(errno == EEXIST ? VOS_ERR_EXIST : VOS_ERR_IO, "cannot create %s: %s", path,
				strerror(errno));
	rc = posix_fallocate(fd, 0, (off_t)bytes);
	if (rc != 0) {
		close(fd);
		unlink(path);
		return vos_fail(rc == ENOSPC ? VOS_ERR_NOSPACE : VOS_ERR_IO, "cannot allocate %llu bytes for %s: %s",
				(unsigned long long)bytes, path, strerror(rc));
	}
	addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	err = errno;
	if (addr == MAP_FAILED) {
		close(fd);
		unlink(path);
		/* EOPNOTSUPP: the file system or this file is not DAX. EINVAL: a kernel older than
		 * MAP_SHARED_VALIDATE (4.15), which cannot promise MAP_SYNC either. */
		if (err == EOPNOTSUPP || err == EINVAL)
			return 0;
		return vos_fail(VOS_ERR_IO, "mmap of %s with MAP_SYNC failed: %s", path, strerror(err));
	}
	munmap(addr, bytes);
	close(fd);
	if (unlink(path) != 0)
		return vos_fail(VOS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
	return 1;
}

static void fill(char *buf, uint32_t len, uint64_t sample)
{
	/* Each sample writes different bytes, so no layer can skip a copy as redundant. */
	memset(buf, (int)(sample & 0xff), len);
	memcpy(buf, &sample, sizeof(sample));
}

VOS_EXPORT int vos_hw_persist(const char *path, uint64_t file_bytes, uint32_t write_bytes, uint32_t samples,
			      uint64_t *latencies_ns, vos_hw_persist_info_t *info_out)
{
	size_t mapped = 0;
	int is_pmem = 0;
	uint64_t slot, slots, start, began, last = 0;
	char *base, *src;
	uint32_t i;
	int rc = VOS_OK;

	vos_clear_message();
	if (path == NULL || latencies_ns == NULL || info_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "vos_hw_persist: path, latencies_ns and info_out are required");
	if (write_bytes < 8 || write_bytes > VOS_HW_WRITE_BYTES_MAX || write_bytes % 8 != 0)
		return vos_fail(VOS_ERR_INVAL, "vos_hw_persist: write_bytes must be 8 .. %u and a multiple of 8, not %u",
				VOS_HW_WRITE_BYTES_MAX, write_bytes);
	if (samples == 0 || samples > VOS_HW_SAMPLES_MAX)
		return vos_fail(VOS_ERR_INVAL, "vos_hw_persist: samples must be 1 .. %u, not %u", VOS_HW_SAMPLES_MAX,
				samples);
	/* Slots start on cache lines (and pages, for page-sized writes), as pool writes do. */
	slot = ((uint64_t)write_bytes + HW_LINE_BYTES - 1) / HW_LINE_BYTES * HW_LINE_BYTES;
	if (file_bytes < slot || file_bytes > HW_FILE_BYTES_MAX)
		return vos_fail(VOS_ERR_INVAL, "vos_hw_persist: file_bytes must be %llu .. 1 GiB, not %llu",
				(unsigned long long)slot, (unsigned long long)file_bytes);
	slots = file_bytes / slot;
	memset(info_out, 0, sizeof(*info_out));

	src = aligned_alloc(HW_LINE_BYTES, slot);
	if (src == NULL)
		return vos_fail(VOS_ERR_NOMEM, "vos_hw_persist: no memory for a %llu-byte buffer",
				(unsigned long long)slot);
	base = pmem_map_file(path, (size_t)file_bytes, PMEM_FILE_CREATE | PMEM_FILE_EXCL, 0600, &mapped, &is_pmem);
	if (base == NULL) {
		int err = errno;

		free(src);
		return vos_fail(err == EEXIST ? VOS_ERR_EXIST : VOS_ERR_IO, "cannot map %s with libpmem: %s", path,
				pmem_errormsg());
	}
	VOS_ASSERT(mapped >= slots * slot);

	began = now_ns();
	for (i = 0; i < samples; i++) {
		char *dst = base + (i % slots) * slot;

		fill(src, write_bytes, i);
		start = now_ns();
		if (is_pmem) {
			pmem_memcpy_persist(dst, src, write_bytes);
		} else {
			memcpy(dst, src, write_bytes);
			if (pmem_msync(dst, write_bytes) != 0) {
				rc = vos_fail(VOS_ERR_IO, "msync of %s failed: %s", path, pmem_errormsg());
				break;
			}
		}
		last = now_ns();
		latencies_ns[i] = last - start;
	}
	if (rc == VOS_OK) {
		/* The last copy must read back as written: a mapping that loses stores is no place for
		 * a pool. */
		uint32_t n = samples - 1;

		fill(src, write_bytes, n);
		if (memcmp(base + (n % slots) * slot, src, write_bytes) != 0)
			rc = vos_fail(VOS_ERR_IO, "%s: the last persisted write does not read back", path);
	}
	info_out->mapped_bytes = mapped;
	info_out->elapsed_ns = last > began ? last - began : 0;
	info_out->is_pmem = is_pmem ? 1u : 0u;
	info_out->auto_flush = pmem_has_auto_flush();
	pmem_unmap(base, mapped);
	free(src);
	return rc;
}
