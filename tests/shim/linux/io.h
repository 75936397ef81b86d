/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/io.h>: see tests/shim/shim.h. */
#ifndef _LINUX_IO_H
#define _LINUX_IO_H
#include "../shim.h"
#endif
