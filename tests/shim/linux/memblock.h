/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/memblock.h>: see tests/shim/shim.h. */
#ifndef _LINUX_MEMBLOCK_H
#define _LINUX_MEMBLOCK_H
#include "../shim.h"
#endif
