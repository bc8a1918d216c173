/*
 * crc32c.h: CRC-32C (Castagnoli), the checksum of every stored value.
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a
 * slicing-by-8 table otherwise; both give the same result.
 */
#ifndef VOSTOK_CRC32C_H
#define VOSTOK_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Extends crc, the CRC-32C of some preceding bytes (0 for none), over buf[0 .. len). So
 * crc32c(0, "123456789", 9) == 0xE3069283 and crc32c(crc32c(0, a, n), b, m) is the CRC-32C
 * of a followed by b. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The two implementations, for tests; crc32c_hw() may be called only when
 * crc32c_hw_available(). */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool crc32c_hw_available(void);

#endif /* VOSTOK_CRC32C_H */
