/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/processor.h>: see tests/shim/shim.h. */
#ifndef _LINUX_PROCESSOR_H
#define _LINUX_PROCESSOR_H
#include "../shim.h"
#endif
