/*
 * hw_probe.h: measurements of a node's persistent memory for `vostok hw-check`.
 *
 * These functions live in libvostok-vos so that they map, write and persist through the same
 * PMDK (libpmem) that the pools of the PMDK backend use: a figure measured here is the cost the
 * store pays on that media. They touch no pool and share no state with the vos_* functions; a
 * failure returns a negative VOS_ERR_* code and leaves a sentence for vos_last_message().
 *
 * Thread safety: every function may be called from any thread; calls on different paths do
 * not interfere.
 */
#ifndef VOSTOK_HW_PROBE_H
#define VOSTOK_HW_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest write one persist sample may measure, and the largest sample count of one call. */
#define VOS_HW_WRITE_BYTES_MAX (1u << 20)
#define VOS_HW_SAMPLES_MAX     (1u << 24)

/* What vos_hw_persist() learned of the mapping it measured. */
typedef struct vos_hw_persist_info {
	uint64_t mapped_bytes;  /* the length libpmem mapped */
	uint64_t elapsed_ns;    /* the whole measured loop, first write to last persist */
	uint32_t is_pmem;       /* 1: libpmem persists with cache flushes (a DAX mapping, or
	                         * PMEM_IS_PMEM_FORCE=1); 0: it persisted with msync */
	int32_t  auto_flush;    /* pmem_has_auto_flush(): 1 the platform flushes CPU caches on
	                         * power loss (eADR), 0 it does not, -1 unknown */
	uint64_t reserved[2];   /* 0 */
} vos_hw_persist_info_t;    /* 40 bytes */

/*
 * Creates the file at path (VOS_ERR_EXIST if it exists) with bytes allocated, maps it with
 * MAP_SHARED_VALIDATE | MAP_SYNC, unmaps it and removes it. Returns 1 when the mapping
 * succeeded (the file system is DAX: stores reach persistent memory with cache flushes alone),
 * 0 when the kernel refused MAP_SYNC for this file (EOPNOTSUPP or EINVAL: not DAX), or a
 * negative code when the file could not be made. bytes: 4096 .. 1 GiB, a multiple of 4096.
 */
int vos_hw_map_sync(const char *path, uint64_t bytes);

/*
 * Creates the file at path (VOS_ERR_EXIST if it exists) of file_bytes, maps it with libpmem,
 * and measures `samples` persists of write_bytes each: copy write_bytes of changing data to the
 * next aligned slot of the file (wrapping at its end) and make them durable (pmem_memcpy_persist
 * on persistent memory, memcpy and pmem_msync elsewhere). The time of sample i in nanoseconds
 * goes to latencies_ns[i]; the mapping is then removed and the file left for the caller to
 * delete. write_bytes: 8 .. VOS_HW_WRITE_BYTES_MAX, a multiple of 8; file_bytes: at least
 * write_bytes, at most 1 GiB; samples: 1 .. VOS_HW_SAMPLES_MAX.
 */
int vos_hw_persist(const char *path, uint64_t file_bytes, uint32_t write_bytes, uint32_t samples,
		   uint64_t *latencies_ns, vos_hw_persist_info_t *info_out);

#ifdef __cplusplus
}
#endif

#endif /* VOSTOK_HW_PROBE_H */
