/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __BITS_BPF_H
#define __BITS_BPF_H

/*
 * 1 when v > c, else 0, without a branch: for v <= c + 2^63, c - v wraps
 * below zero exactly when v > c, which sets its top bit. The callers keep v
 * far below that bound.
 */
#define GT_BIT(v, c)	(((__u64)(c) - (v)) >> 63)

/*
 * Index of the highest set bit of v (floor(log2(v))); 0 for v == 0.
 *
 * Straight-line code: BPF has no count-leading-zeros instruction, and a
 * compare is a branch in BPF. Every branch ends a translation block under
 * an emulator, and costs a prediction on hardware; this runs twice per
 * traced call. The first step tests the high word (hi | -hi has its top
 * bit set exactly when hi != 0); from then on v < 2^32 and GT_BIT holds.
 */
static __always_inline __u64 log2l(__u64 v)
{
	__u64 hi = v >> 32, r, shift;

	/* Opaque to the compiler, which would turn it back into a compare. */
	hi |= -hi;
	barrier_var(hi);
	r = (hi >> 63) << 5; v >>= r;
	shift = GT_BIT(v, 0xffff) << 4; v >>= shift; r |= shift;
	shift = GT_BIT(v, 0xff) << 3; v >>= shift; r |= shift;
	shift = GT_BIT(v, 0xf) << 2; v >>= shift; r |= shift;
	shift = GT_BIT(v, 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * Order of a KHO page key: its highest set bit is 64 - PAGE_SHIFT - order.
 * Keys no encoding makes (0 and 1 come out as order 52, wider ones wrap
 * around) fall outside 0..KHOSCOPE_NR_ORDERS - 1 for the caller to count.
 */
static __always_inline __u32 kho_key_order(__u64 key)
{
	return 64 - KHOSCOPE_PAGE_SHIFT - (__u32)log2l(key);
}

#endif /* __BITS_BPF_H */
