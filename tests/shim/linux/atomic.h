/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/atomic.h>: see tests/shim/shim.h. */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H
#include "../shim.h"
#endif
