/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/fault-inject.h>: see tests/shim/shim.h. */
#ifndef _LINUX_FAULT_INJECT_H
#define _LINUX_FAULT_INJECT_H
#include "../shim.h"
#endif
