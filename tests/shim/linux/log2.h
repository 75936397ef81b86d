/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/log2.h>: see tests/shim/shim.h. */
#ifndef _LINUX_LOG2_H
#define _LINUX_LOG2_H
#include "../shim.h"
#endif
