@ start.S - entry for every core.
@
@ All cores arrive here together (QEMU -kernel with a non-Linux ELF, and
@ penlab), in SVC mode with IRQ/FIQ masked and the MMU and caches off.
@ Core 0 runs main(0), core 1 secondary_main(1); others park.  When main
@ returns, its r0 decides the semihosting exit: 0 success, else failure.

	.include "board.inc"
	.syntax	unified
	.arm

	.section .text.start, "ax"
	.global	_start
	.type	_start, %function
_start:
	mrc	p15, 0, r4, c0, c0, 5		@ MPIDR
	and	r4, r4, #3			@ cpu id

	ldr	r0, =vectors
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR
	isb					@ VBAR in effect before this core can fault

	@ this core's block: [IRQ stack | SVC stack], stacks grow down
	ldr	r0, =__stacks_start
	ldr	r1, =__stack_cpu_size
	mla	r0, r1, r4, r0
	add	sp, r0, r1			@ SVC: top of the block
	ldr	r1, =__stack_irq_size
	add	r0, r0, r1
	cps	#MODE_IRQ
	mov	sp, r0				@ IRQ: below the SVC stack
	cps	#MODE_SVC

	mov	r0, r4
	cmp	r4, #1
	beq	1f
	bhi	park
	bl	main
	cmp	r0, #0
	beq	exit_success
	b	exit_failure
1:	bl	secondary_main
	b	park
	.size	_start, . - _start

	.text
@ park: never returns.  Masked WFI sleeps until the end of the run, yet a
@ stray SGI only wakes it to sleep again instead of taking an exception.
	.global	park
	.type	park, %function
park:
	cpsid	if
1:	wfi
	b	1b
	.size	park, . - park

@ The default secondary has nothing to do.
	.weak	secondary_main
	.type	secondary_main, %function
secondary_main:
	b	park
	.size	secondary_main, . - secondary_main

	.ltorg
