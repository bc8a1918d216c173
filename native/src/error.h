/*
 * error.h: error codes and the calling thread's last-failure message.
 *
 * Every internal function returns VOS_OK or a negative VOS_ERR_* code (vos.h). The place that
 * first sees a failure describes it with vos_fail(), which keeps one sentence for the calling
 * thread; callers above pass the code on without rewriting the message.
 */
#ifndef VOSTOK_ERROR_H
#define VOSTOK_ERROR_H

#include "vostok/vos.h"

/* The ABI functions are the only symbols the shared library exports. */
#define VOS_EXPORT __attribute__((visibility("default")))

/* Message buffer size; longer messages are cut. */
#define VOS_MESSAGE_BYTES_MAX 1024u

/* Keeps a printf-style message for the calling thread and returns rc. */
int vos_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends " (context)" to the calling thread's message, so an outer layer can say where an inner
 * failure happened; returns rc. */
int vos_fail_context(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forgets the calling thread's message; every ABI entry point calls it first. */
void vos_clear_message(void);

const char *vos_message(void);

/* Maps an errno value to a VOS code (ENOENT: NONEXIST, ENOMEM/ENOSPC: NOSPACE, ...). */
int vos_errno_code(int err);

/* Always-on invariant check: a broken invariant in persistent data is reported as CORRUPT by
 * the caller; a broken invariant in the program itself stops it, loudly. */
#define VOS_ASSERT(cond)                                                                     \
	do {                                                                                 \
		if (!(cond))                                                                 \
			vos_assert_fail(#cond, __FILE__, __LINE__);                          \
	} while (0)

_Noreturn void vos_assert_fail(const char *cond, const char *file, int line);

#endif /* VOSTOK_ERROR_H */
