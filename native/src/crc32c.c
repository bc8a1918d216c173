/*
 * crc32c.c: CRC-32C with the SSE4.2 instruction, or slicing-by-8 tables where it is missing.
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <nmmintrin.h>
#define CRC32C_HAVE_X86 1
#endif

/* The reflected Castagnoli polynomial. */
#define CRC32C_POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = table[0][n];

		for (int k = 1; k < 8; k++) {
			c = table[0][c & 0xff] ^ (c >> 8);
			table[k][n] = c;
		}
	}
}

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc;

	pthread_once(&table_once, table_init);
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
		len--;
	}
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w ^= c; /* little-endian: the low four bytes meet the running CRC */
		c = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
		    table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^
		    table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len > 0) {
		c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
		len--;
	}
	return ~c;
}

#ifdef CRC32C_HAVE_X86
/*
 * The crc32 instruction takes 3 cycles but can start one per cycle, so long buffers are cut
 * into three blocks whose CRCs run side by side and are then combined: with the CRC register
 * linear over GF(2), crc(A B C) = shift(crc(A), |B| + |C|) ^ shift(crc(B), |C|) ^ crc(C), where
 * crc(B) and crc(C) start from 0 and shift(x, n) is the register after n zero bytes, a linear
 * map kept as four 256-entry tables per n.
 */
#define LONG_BLOCK  256u
#define SHORT_BLOCK 64u

struct shift_table {
	uint32_t t[4][256];
};

static struct shift_table shift_long1, shift_long2, shift_short1, shift_short2;
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

/* A linear map on 32-bit registers, as the images of the 32 unit vectors. */
struct gf2_matrix {
	uint32_t col[32];
};

static uint32_t gf2_apply(const struct gf2_matrix *m, uint32_t v)
{
	uint32_t r = 0;

	for (int i = 0; v != 0; i++, v >>= 1)
		if (v & 1)
			r ^= m->col[i];
	return r;
}

static void gf2_compose(struct gf2_matrix *out, const struct gf2_matrix *a,
			const struct gf2_matrix *b)
{
	struct gf2_matrix r;

	for (int i = 0; i < 32; i++)
		r.col[i] = gf2_apply(a, b->col[i]);
	*out = r;
}

/* The map "feed n zero bytes". */
static void zeros_matrix(struct gf2_matrix *out, uint32_t n)
{
	struct gf2_matrix byte, acc;

	pthread_once(&table_once, table_init);
	for (int i = 0; i < 32; i++) {
		uint32_t c = 1u << i;

		byte.col[i] = table[0][c & 0xff] ^ (c >> 8);
		acc.col[i] = 1u << i;
	}
	for (; n > 0; n >>= 1) {
		if (n & 1)
			gf2_compose(&acc, &byte, &acc);
		gf2_compose(&byte, &byte, &byte);
	}
	*out = acc;
}

static void shift_table_init(struct shift_table *st, uint32_t n)
{
	struct gf2_matrix m;

	zeros_matrix(&m, n);
	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++)
			st->t[k][b] = gf2_apply(&m, b << (8 * k));
}

static void shift_init(void)
{
	shift_table_init(&shift_long1, LONG_BLOCK);
	shift_table_init(&shift_long2, 2 * LONG_BLOCK);
	shift_table_init(&shift_short1, SHORT_BLOCK);
	shift_table_init(&shift_short2, 2 * SHORT_BLOCK);
}

static inline uint32_t shift(const struct shift_table *st, uint32_t c)
{
	return st->t[0][c & 0xff] ^ st->t[1][(c >> 8) & 0xff] ^ st->t[2][(c >> 16) & 0xff] ^
	       st->t[3][c >> 24];
}

/* Three blocks of block bytes side by side, from register c; returns the register after
 * them. */
__attribute__((target("sse4.2"))) static inline uint64_t
crc3(uint64_t c, const uint8_t *p, uint32_t block, const struct shift_table *one,
     const struct shift_table *two)
{
	uint64_t c1 = 0, c2 = 0;

	for (uint32_t i = 0; i < block; i += 8) {
		uint64_t w0, w1, w2;

		memcpy(&w0, p + i, 8);
		memcpy(&w1, p + block + i, 8);
		memcpy(&w2, p + 2 * block + i, 8);
		c = _mm_crc32_u64(c, w0);
		c1 = _mm_crc32_u64(c1, w1);
		c2 = _mm_crc32_u64(c2, w2);
	}
	return shift(two, (uint32_t)c) ^ shift(one, (uint32_t)c1) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = (uint32_t)~crc;

	/* Only the three-block loops need the shift tables: short buffers (keys, headers, most
	 * calls) do not pay for the check. */
	if (len >= 3 * SHORT_BLOCK)
		pthread_once(&shift_once, shift_init);
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	for (; len >= 3 * LONG_BLOCK; p += 3 * LONG_BLOCK, len -= 3 * LONG_BLOCK)
		c = crc3(c, p, LONG_BLOCK, &shift_long1, &shift_long2);
	for (; len >= 3 * SHORT_BLOCK; p += 3 * SHORT_BLOCK, len -= 3 * SHORT_BLOCK)
		c = crc3(c, p, SHORT_BLOCK, &shift_short1, &shift_short2);
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	while (len > 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	return ~(uint32_t)c;
}

bool crc32c_hw_available(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return false;
	return (ecx & bit_SSE4_2) != 0;
}
#else
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}

bool crc32c_hw_available(void)
{
	return false;
}
#endif

typedef uint32_t (*crc32c_fn)(uint32_t, const void *, size_t);

/* The implementation, chosen at the first call; NULL until then. */
static crc32c_fn crc32c_impl;
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;

static void impl_init(void)
{
	__atomic_store_n(&crc32c_impl, crc32c_hw_available() ? crc32c_hw : crc32c_sw,
			 __ATOMIC_RELEASE);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	/* Chosen already on every call but the first few: one load, no call into libc. */
	crc32c_fn f = __atomic_load_n(&crc32c_impl, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		pthread_once(&impl_once, impl_init);
		f = __atomic_load_n(&crc32c_impl, __ATOMIC_ACQUIRE);
	}
	return f(crc, buf, len);
}
