/*
 * wal_powerloss.h: a power cut for tests of whole programs on the WAL backend (a replica
 * simulator, say): the pool's files lose what their file system had not synced, as a machine
 * that loses power does, and the pool is opened again from what is left.
 *
 * TEST ONLY. The shipped library exports these three functions so that a test in another
 * language can reach them by name (Java: java.lang.foreign on the loaded libvostok-vos.so), but
 * neither vos.h nor the bindings declare or call them, and nothing happens until a test calls
 * vos_test_powerloss_install(): until then wal_io is the system and these functions are never
 * on any path. Installed, every WAL file operation also reads the bytes it replaces, which
 * costs time and memory no production pool should pay.
 *
 * While installed, the layer remembers for each file opened through wal_io the writes and size
 * changes made since the file's last fdatasync or fsync, with the bytes they replaced, and for
 * each directory the names created and renamed since its last fsync. A power cut is two calls
 * around closing the pool:
 *
 *   vos_test_powerloss_cut(pool)      every file of the pool (the image, pool.*) stops taking
 *                                     changes: writes, syncs, truncations, renames and unlinks
 *                                     on them report success and do nothing, opens of new ones
 *                                     fail with EIO. Close the pool now: its last checkpoint,
 *                                     syncs and closes reach nothing.
 *   vos_test_powerloss_restore(pool, seed)
 *                                     puts the files back as the cut could have left them, the
 *                                     choices drawn from seed: per file, its unsynced writes all
 *                                     kept, all dropped, or each kept, dropped or torn (a prefix
 *                                     of its 512-byte sectors kept); its size that of some moment
 *                                     since its last sync; and a suffix of the pool's unsynced
 *                                     name changes undone (creations and renames; an unlink or
 *                                     a rename over an existing name is never undone, nor
 *                                     anything before it). Returns how many files (and 1 for
 *                                     the names) lost something, or -1 with errno set.
 *
 * Every state it builds is one a disk that writes 512-byte sectors whole and journals names in
 * order could leave; it does not build them all (the C checker in tests/powerloss.c explores
 * them more widely, for single pools).
 */
#ifndef VOSTOK_WAL_POWERLOSS_H
#define VOSTOK_WAL_POWERLOSS_H

#include <stdint.h>

/* Installs the recording layer in wal_io (idempotent). Files opened before are not recorded. */
int vos_test_powerloss_install(void);

/* Cuts the power of the files of the pool at pool_path (the path the pool was opened with). */
int vos_test_powerloss_cut(const char *pool_path);

/* Rebuilds the cut pool's files as a power loss could have left them; see above. */
int vos_test_powerloss_restore(const char *pool_path, uint64_t seed);

#endif /* VOSTOK_WAL_POWERLOSS_H */
