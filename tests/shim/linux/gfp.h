/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/gfp.h>: see tests/shim/shim.h. */
#ifndef __LINUX_GFP_H
#define __LINUX_GFP_H
#include "../shim.h"
#endif
