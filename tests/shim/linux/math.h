/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/math.h>: see tests/shim/shim.h. */
#ifndef _LINUX_MATH_H
#define _LINUX_MATH_H
#include "../shim.h"
#endif
