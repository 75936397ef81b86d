/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/sched.h>: see tests/shim/shim.h. */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H
#include "../shim.h"
#endif
