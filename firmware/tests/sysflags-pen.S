@ sysflags-pen.S - the vexpress secondary boot protocol, pen in SRAM.
@
@ Core 1 waits in a holding pen placed in on-chip SRAM (.sram, outside
@ system RAM), asleep in WFE until SYS_FLAGS holds an entry address,
@ then jumps to it.  Core 0 writes the entry through SYS_FLAGSCLR/SET,
@ dsb, sev, and waits for core 1 to check in from the entry point.
@ Relies on SYS_FLAGS being 0 at reset (QEMU, penlab).
@
@   releasing cpu1 from the pen
@   cpu1 left the pen, mpidr 0x80000001
@   sysflags-pen ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =str_release
	bl	puts
	ldr	r4, =SYSREG_BASE
	mvn	r0, #0
	str	r0, [r4, #SYS_FLAGSCLR]
	ldr	r0, =pen_exit
	str	r0, [r4, #SYS_FLAGSSET]
	dsb					@ the entry address visible before sev
	sev
	ldr	r0, =arrived
	ldr	r1, =0x80000001
	bl	wait_word			@ bounded by fairness, not a count: penlab reports a hang as such
	ldr	r0, =str_left
	bl	puts
	ldr	r0, =arrived
	ldr	r0, [r0]
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =pen			@ 0x48000000: beyond a branch's reach
	bx	r0

@ Core 1 arrives here from the pen.
pen_exit:
	mrc	p15, 0, r1, c0, c0, 5
	ldr	r0, =arrived
	bl	post_word
	b	park

	.ltorg

	.section .sram, "ax"
	.global	pen
pen:
	ldr	r1, =SYSREG_BASE
1:	ldr	r0, [r1, #SYS_FLAGS]
	cmp	r0, #0
	bne	2f
	wfe
	b	1b
2:	bx	r0
	.ltorg					@ keep the pen's literals in SRAM too

	.data
	.balign	4
arrived:	.word	0		@ core 1 -> 0: its MPIDR, from pen_exit

	.section .rodata
str_release:	.asciz	"releasing cpu1 from the pen\n"
str_left:	.asciz	"cpu1 left the pen, mpidr "
str_ok:		.asciz	"sysflags-pen ok\n"
