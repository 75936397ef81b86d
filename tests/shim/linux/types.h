/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/types.h>: see tests/shim/shim.h. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H
#include "../shim.h"
#endif
