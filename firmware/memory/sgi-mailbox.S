@ sgi-mailbox.S - a message announced by an SGI, as Linux's IPIs are: the
@ sender stores a mailbox word, then writes GICD_SGIR; the receiver's IRQ
@ handler reads the mailbox.  The store must be visible before the SGI is
@ taken, which is why Linux's gic_raise_softirq had dsb() before the
@ SGIR write (later kernels relax it to dmb(ishst) for GICv2: see
@ docs/memory-model.md).  Assembled with --defsym BARRIER=2 (the DSB),
@ 1 (a DMB where the DSB was) and 0 (no barrier).  Under --memory relaxed
@ penlab does not order a device write after buffered stores by a DMB,
@ only by a DSB: with BARRIER=0 or 1 the SGI may arrive while the mailbox
@ still holds 0, and the handler fails the run.
@
@   sending SGI 1 / cpu1: mailbox 0x5a5a0001 / message received
@   (stale: sending SGI 1 / cpu1: mailbox stale, the SGI came first)

	.include "board.inc"
	.syntax	unified
	.arm

	.ifndef	BARRIER
	.error	"sgi-mailbox.S: assemble with --defsym BARRIER=0 (none), 1 (dmb) or 2 (dsb)"
	.endif

	.equ	SGI_MAIL, 1
	.equ	MESSAGE, 0x5a5a0001

	.text
	.global	main
main:
	push	{r4, lr}
	bl	gic_dist_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	wait_word			@ core 1 takes SGIs
	ldr	r0, =str_send
	bl	puts

	ldr	r0, =mailbox
	ldr	r1, =MESSAGE
	str	r1, [r0]
	ldr	r1, =GICD_BASE
	ldr	r2, =(1 << (SGIR_TARGETS_SHIFT + 1)) | SGI_MAIL
	.if	BARRIER == 2
	dsb					@ the mailbox visible before the SGI announcing it
	.elseif	BARRIER == 1
	dmb					@ the SGIR write after the mailbox; penlab: not the SGI it raises
	.endif
sgir:	str	r2, [r1, #GICD_SGIR]

	ldr	r0, =received
	mov	r1, #1
	bl	wait_word			@ the handler read the message
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	post_word
	cpsie	i
1:	wfi					@ all work is in irq_handler
	b	1b

@ irq_handler(r0 = IAR), core 1 only: SGI 1 from core 0, nothing else.
	.global	irq_handler
irq_handler:
	push	{r4, lr}
	ldr	r1, =(0 << GIC_IAR_CPU_SHIFT) | SGI_MAIL
	cmp	r0, r1
	bne	bad
	ldr	r0, =mailbox
	ldr	r4, [r0]			@ the message the SGI announces
	ldr	r1, =MESSAGE
	cmp	r4, r1
	bne	stale
	ldr	r0, =str_mail
	bl	puts
	mov	r0, r4
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	ldr	r0, =received
	mov	r1, #1
	bl	post_word
	pop	{r4, pc}
stale:	ldr	r0, =str_stale
	bl	puts
	b	exit_failure
bad:	ldr	r0, =str_bad
	bl	puts
	b	exit_failure

	.ltorg

	.data
	.balign	4
cpu1_ready:	.word	0		@ core 1 -> core 0
mailbox:	.word	0		@ core 0 -> core 1's handler
received:	.word	0		@ core 1's handler -> core 0

	.section .rodata
str_send:	.asciz	"sending SGI 1\n"
str_mail:	.asciz	"cpu1: mailbox "
str_ok:		.asciz	"message received\n"
str_stale:	.asciz	"cpu1: mailbox stale, the SGI came first\n"
str_bad:	.asciz	"cpu1: unexpected irq\n"
