/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/bits.h>: see tests/shim/shim.h. */
#ifndef __LINUX_BITS_H
#define __LINUX_BITS_H
#include "../shim.h"
#endif
