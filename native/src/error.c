/*
 * error.c: error names and the calling thread's last-failure message.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char message[VOS_MESSAGE_BYTES_MAX];

int vos_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return rc;
}

int vos_fail_context(int rc, const char *fmt, ...)
{
	size_t used = strlen(message);
	va_list ap;

	if (used + 4 >= sizeof(message))
		return rc;
	memcpy(message + used, " (", 2);
	used += 2;
	va_start(ap, fmt);
	vsnprintf(message + used, sizeof(message) - used, fmt, ap);
	va_end(ap);
	used = strlen(message);
	if (used + 1 < sizeof(message)) {
		message[used] = ')';
		message[used + 1] = '\0';
	}
	return rc;
}

void vos_clear_message(void)
{
	message[0] = '\0';
}

const char *vos_message(void)
{
	return message;
}

int vos_errno_code(int err)
{
	switch (err) {
	case 0:
		return VOS_OK;
	case ENOENT:
	case ENOTDIR:
		return VOS_ERR_NONEXIST;
	case EEXIST:
		return VOS_ERR_EXIST;
	case ENOMEM:
	case ENOSPC:
	case EDQUOT:
		return VOS_ERR_NOSPACE;
	case EAGAIN:
	case EBUSY:
		return VOS_ERR_BUSY;
	case EINVAL:
		return VOS_ERR_INVAL;
	case EFBIG:
		return VOS_ERR_TOOBIG;
	default:
		return VOS_ERR_IO;
	}
}

_Noreturn void vos_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "libvostok-vos: invariant broken at %s:%d: %s\n", file, line, cond);
	abort();
}

VOS_EXPORT const char *vos_strerror(int rc)
{
	switch (rc) {
	case VOS_OK:            return "OK";
	case VOS_ERR_INVAL:     return "INVAL";
	case VOS_ERR_NOSPACE:   return "NOSPACE";
	case VOS_ERR_NONEXIST:  return "NONEXIST";
	case VOS_ERR_EXIST:     return "EXIST";
	case VOS_ERR_CORRUPT:   return "CORRUPT";
	case VOS_ERR_IO:        return "IO";
	case VOS_ERR_NOTPOOL:   return "NOTPOOL";
	case VOS_ERR_LAYOUT:    return "LAYOUT";
	case VOS_ERR_BADHANDLE: return "BADHANDLE";
	case VOS_ERR_TOOBIG:    return "TOOBIG";
	case VOS_ERR_TRUNC:     return "TRUNC";
	case VOS_ERR_NOMEM:     return "NOMEM";
	case VOS_ERR_BUSY:      return "BUSY";
	default:                return "UNKNOWN";
	}
}

VOS_EXPORT const char *vos_last_message(void)
{
	return message;
}

VOS_EXPORT uint32_t vos_abi_version(void)
{
	return VOS_ABI_VERSION;
}
