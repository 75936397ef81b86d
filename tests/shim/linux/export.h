/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/export.h>: see tests/shim/shim.h. */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H
#include "../shim.h"
#endif
