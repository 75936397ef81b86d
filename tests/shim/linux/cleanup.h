/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/cleanup.h>: see tests/shim/shim.h. */
#ifndef _LINUX_CLEANUP_H
#define _LINUX_CLEANUP_H
#include "../shim.h"
#endif
