/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/mm.h>: see tests/shim/shim.h. */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H
#include "../shim.h"
#endif
