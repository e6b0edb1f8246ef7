@ pl310.S - what Linux's cache-l2x0.c does to the PL310 at boot: read the
@ cache ID and aux control, set aux control, invalidate every way and wait
@ for it, sync, enable; then clean and invalidate a line by address and
@ disable.  Maintenance completes at once on penlab and on QEMU.
@
@   pl310 id 0x410000c8 / aux 0x02020000 / inv way done / sync done / enabled 1 / pl310 ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	L2_CACHE_ID,		0x000
	.equ	L2_CTRL,		0x100
	.equ	L2_AUX_CTRL,		0x104
	.equ	L2_TAG_LATENCY,		0x108
	.equ	L2_DATA_LATENCY,	0x10c
	.equ	L2_CACHE_SYNC,		0x730
	.equ	L2_INV_WAY,		0x77c
	.equ	L2_CLEAN_INV_LINE_PA,	0x7f0

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r4, =L2CC_BASE
	ldr	r0, =str_id
	bl	puts
	ldr	r0, [r4, #L2_CACHE_ID]
	bl	print_hex
	ldr	r0, =str_aux
	bl	puts
	ldr	r0, [r4, #L2_AUX_CTRL]
	bl	print_hex
	mov	r0, #'\n'
	bl	putc

	ldr	r0, =0x02020000			@ aux: 16 ways kept, as vexpress' l2x0_init passes
	str	r0, [r4, #L2_AUX_CTRL]
	mov	r0, #0
	str	r0, [r4, #L2_TAG_LATENCY]
	str	r0, [r4, #L2_DATA_LATENCY]
	ldr	r0, =0xffff			@ every way
	str	r0, [r4, #L2_INV_WAY]
1:	ldr	r0, [r4, #L2_INV_WAY]		@ until the ways are done
	cmp	r0, #0
	bne	1b
	ldr	r0, =str_inv
	bl	puts
	mov	r0, #0
	str	r0, [r4, #L2_CACHE_SYNC]
2:	ldr	r0, [r4, #L2_CACHE_SYNC]
	tst	r0, #1
	bne	2b
	ldr	r0, =str_sync
	bl	puts
	mov	r0, #1
	str	r0, [r4, #L2_CTRL]
	ldr	r0, =str_en
	bl	puts
	ldr	r0, [r4, #L2_CTRL]
	bl	print_udec
	mov	r0, #'\n'
	bl	putc

	ldr	r0, =str_id			@ a line by physical address
	str	r0, [r4, #L2_CLEAN_INV_LINE_PA]
	mov	r0, #0
	str	r0, [r4, #L2_CACHE_SYNC]
	str	r0, [r4, #L2_CTRL]
	ldr	r0, [r4, #L2_CTRL]
	cmp	r0, #0
	ldreq	r0, =str_ok
	ldrne	r0, =str_bad
	moveq	r4, #0
	movne	r4, #1
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.ltorg
	.section .rodata
str_id:		.asciz	"pl310 id "
str_aux:	.asciz	"\naux "
str_inv:	.asciz	"inv way done\n"
str_sync:	.asciz	"sync done\n"
str_en:		.asciz	"enabled "
str_ok:		.asciz	"pl310 ok\n"
str_bad:	.asciz	"pl310 FAIL\n"
