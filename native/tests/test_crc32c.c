/*
 * test_crc32c: both CRC-32C implementations give the standard check values and agree with a
 * bit-at-a-time reference on every length and alignment, and extending a CRC equals one CRC
 * of the concatenation.
 */
#include "check.h"

#include "crc32c.h"

#include <stdio.h>
#include <string.h>

static uint32_t reference(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

int main(void)
{
	static uint8_t buf[8192 + 16];
	uint8_t zeros[32] = { 0 };

	test_init("crc32c", true);
	CHECK(crc32c(0, "123456789", 9) == 0xe3069283u);
	CHECK(crc32c_sw(0, "123456789", 9) == 0xe3069283u);
	CHECK(crc32c_sw(0, zeros, 32) == 0x8a9136aau); /* RFC 3720 B.4 */
	CHECK(crc32c(0, "", 0) == 0);
	test_fill(buf, sizeof(buf), 7);
	for (size_t off = 0; off < 16; off++) {
		for (size_t len = 0; len < 8192; len += 1 + len / 16) {
			uint32_t want = reference(buf + off, len);

			CHECK(crc32c_sw(0, buf + off, len) == want);
			CHECK(crc32c(0, buf + off, len) == want);
			if (crc32c_hw_available())
				CHECK(crc32c_hw(0, buf + off, len) == want);
			CHECK(crc32c(crc32c(0, buf + off, len / 3), buf + off + len / 3,
				     len - len / 3) == want);
		}
	}
	CHECK(crc32c(0, buf, 8192) == reference(buf, 8192));
	printf("test_crc32c: OK (hardware instruction %s)\n",
	       crc32c_hw_available() ? "used" : "absent, tables used");
	return 0;
}
