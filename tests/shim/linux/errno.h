/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <linux/errno.h>: the errno values of the uapi header. */
#ifndef _LINUX_ERRNO_H
#include_next <linux/errno.h>
#endif
