// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of bpf/bits.bpf.h, compiled for the host: the BPF programs'
 * branch-free log2l() against the compiler's count of leading zeros, and
 * the order decode of page keys built as the kernel builds them.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stdlib.h>

/* What bpf_helpers.h gives the BPF programs. */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define barrier_var(var) asm volatile("" : "+r"(var))

#include "khoscope.h"
#include "bits.bpf.h"
#include "test.h"

static unsigned int ref_log2(uint64_t v)
{
	return v ? 63 - __builtin_clzll(v) : 0;
}

TEST(log2l_small_values)
{
	uint64_t v;

	for (v = 0; v < (1 << 20); v++)
		ASSERT_EQ(log2l(v), ref_log2(v));
}

TEST(log2l_every_power_of_two_and_its_neighbours)
{
	unsigned int k;

	for (k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;

		ASSERT_EQ(log2l(p), k);
		ASSERT_EQ(log2l(p - 1), ref_log2(p - 1));
		ASSERT_EQ(log2l(p + 1), ref_log2(p + 1));
		ASSERT_EQ(log2l(p | (p - 1)), k);
	}
	ASSERT_EQ(log2l(UINT64_MAX), 63);
}

TEST(log2l_random_values)
{
	unsigned int i;

	srand(1);
	for (i = 0; i < 1000000; i++) {
		uint64_t v = ((uint64_t)rand() << 62) ^ ((uint64_t)rand() << 31) ^ rand();

		v >>= rand() % 64;
		ASSERT_EQ(log2l(v), ref_log2(v));
	}
}

/* A page key as the kernel encodes it: a marker bit above pfn >> order. */
static uint64_t page_key(uint64_t pfn, unsigned int order)
{
	return (1ULL << (64 - KHOSCOPE_PAGE_SHIFT - order)) | (pfn >> order);
}

TEST(gt_bit)
{
	ASSERT_EQ(GT_BIT(0, 0), 0);
	ASSERT_EQ(GT_BIT(1, 0), 1);
	ASSERT_EQ(GT_BIT(0xffff, 0xffff), 0);
	ASSERT_EQ(GT_BIT(0x10000, 0xffff), 1);
	/* untimed: duration 0 and nothing else */
	ASSERT_EQ(GT_BIT(1, 0), 1);
	ASSERT_EQ(GT_BIT(1, 1), 0);
	ASSERT_EQ(GT_BIT(1, 1ULL << 62), 0);
}

TEST(key_order_every_order)
{
	static const uint64_t pfns[] = { 0, 1, 0x1ff, 0x200, 0x12345, 0xfffffffffULL };
	unsigned int order, i;

	for (order = 0; order <= 40; order++)
		for (i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
			uint64_t pfn = pfns[i] << order;	/* aligned to its order */

			if (pfn >> (52 - KHOSCOPE_PAGE_SHIFT))
				continue;	/* beyond 52-bit physical addresses */
			ASSERT_EQ(kho_key_order(page_key(pfn, order)), order);
		}
}

TEST(key_order_of_impossible_keys_is_out_of_range)
{
	ASSERT_TRUE(kho_key_order(0) >= KHOSCOPE_NR_ORDERS);
	ASSERT_TRUE(kho_key_order(1) >= KHOSCOPE_NR_ORDERS);
	ASSERT_TRUE(kho_key_order(1ULL << 53) >= KHOSCOPE_NR_ORDERS);
	ASSERT_TRUE(kho_key_order(UINT64_MAX) >= KHOSCOPE_NR_ORDERS);
}

int main(int argc, char **argv)
{
	return run_tests(argc > 1 ? argv[1] : NULL);
}
