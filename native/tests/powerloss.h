/*
 * powerloss.h: what a power loss can leave of the WAL backend's files, in the manner of ALICE
 * and CrashMonkey.
 *
 * A recorder, installed as the backend's file operations (wal_io.h), does each operation on
 * the real files and writes it down: creations, writes (with their bytes), size changes,
 * renames, unlinks, and the syncs that make them durable (fdatasync or fsync of a file for its
 * data and size, fsync of the directory for its names). Syncs themselves are not done: the
 * record, not the disk, decides what survives.
 *
 * A crash state is what the files could hold after a power loss just before a given sync
 * (or at the end): everything that a sync before that point made durable, and of what came
 * after the last sync of each file, any part: writes dropped, torn at 512-byte sectors, or
 * applied in another order; names changed in the directory since its last sync survive as a
 * prefix, in order (as a journaling file system keeps them). pl_explore() enumerates crash
 * states at every sync point (none and all of the unsynced operations, each one dropped,
 * prefixes, torn last writes, and random mixes), builds each as real files and hands it to a
 * check.
 */
#ifndef VOSTOK_POWERLOSS_H
#define VOSTOK_POWERLOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts recording the files of directory dir (which must hold only the files to trace),
 * taking what is there now as durable. Installs the recorder as wal_io. */
void pl_start(const char *dir);

/* Stops recording; wal_io becomes a table that does the system's operations but no syncs
 * (durability of the checks' own files does not matter, and syncs are slow). The record
 * stays for pl_explore(). */
void pl_stop(void);

/* Operations recorded so far: a clock for the workload to note when a transaction started
 * and when its commit returned. */
uint64_t pl_now(void);

/* The state to check: the pool's files are in dir; the crash came before operation at (of
 * pl_now()'s clock). */
struct pl_state {
	const char *dir;
	uint64_t    at;
	uint64_t    index;  /* states explored before this one */
	const char *how;    /* which unsynced operations it holds, for a failure's report */
};

/* Prints the record from operation from to operation to (for a failure's report). */
void pl_print(uint64_t from, uint64_t to);

/* Checks one crash state; fails the test (CHECK) if it is wrong. */
typedef void (*pl_check_fn)(const struct pl_state *state, void *arg);

struct pl_limits {
	uint32_t drops_max;   /* "each one dropped" variants per sync point, at most */
	uint32_t prefixes_max; /* prefix variants per sync point, at most */
	uint32_t randoms;     /* random variants per sync point */
};

struct pl_counts {
	uint64_t sync_points; /* crash points explored */
	uint64_t states;      /* distinct crash states built and checked */
	uint64_t ops;         /* operations recorded */
	uint64_t unsynced_max; /* the most operations left unsynced at one crash point */
};

/* Builds and checks crash states at every sync point of the record, under work_dir (emptied
 * and reused for each state). Random choices come from the test's PRNG. */
void pl_explore(const char *work_dir, const struct pl_limits *limits, pl_check_fn check,
		void *arg, struct pl_counts *counts);

/* Forgets the record. */
void pl_reset(void);

#endif /* VOSTOK_POWERLOSS_H */
