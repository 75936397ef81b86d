/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/err.h>: see tests/shim/shim.h. */
#ifndef _LINUX_ERR_H
#define _LINUX_ERR_H
#include "../shim.h"
#endif
