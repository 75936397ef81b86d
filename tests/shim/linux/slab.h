/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/slab.h>: see tests/shim/shim.h. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H
#include "../shim.h"
#endif
