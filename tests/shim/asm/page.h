/* SPDX-License-Identifier: GPL-2.0 */
/* User-space shim of <asm/page.h>: see tests/shim/shim.h. */
#ifndef _ASM_X86_PAGE_H
#define _ASM_X86_PAGE_H
#include "../shim.h"
#endif
