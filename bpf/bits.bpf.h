/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __BITS_BPF_H
#define __BITS_BPF_H

/* Index of the highest set bit of v (floor(log2(v))); 0 for v == 0. */
static __always_inline __u64 log2l(__u64 v)
{
	__u64 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

#endif /* __BITS_BPF_H */
