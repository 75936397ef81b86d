/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/mutex_types.h>: see tests/shim/shim.h. */
#ifndef __LINUX_MUTEX_TYPES_H
#define __LINUX_MUTEX_TYPES_H
#include "../shim.h"
#endif
