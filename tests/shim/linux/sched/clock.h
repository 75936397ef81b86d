/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/sched/clock.h>: see tests/shim/shim.h. */
#ifndef _LINUX_SCHED_CLOCK_H
#define _LINUX_SCHED_CLOCK_H
#include "../../shim.h"
#endif
