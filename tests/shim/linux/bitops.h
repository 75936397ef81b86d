/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/bitops.h>: see tests/shim/shim.h. */
#ifndef _LINUX_BITOPS_H
#define _LINUX_BITOPS_H
#include "../shim.h"
#endif
