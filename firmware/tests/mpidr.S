@ mpidr.S - each core reads its own MPIDR; core 0 prints and checks both.
@
@   cpu0 mpidr 0x80000000
@   cpu1 mpidr 0x80000001
@   mpidr ok

	.include "board.inc"
	.syntax	unified
	.arm
	.text

	.global	secondary_main
secondary_main:
	mrc	p15, 0, r1, c0, c0, 5
	ldr	r0, =mpidr1
	b	post_word			@ core 0 waits for it to be non-zero

	.global	main
main:
	push	{r4, r5, r6, lr}
	mrc	p15, 0, r4, c0, c0, 5
	ldr	r5, =mpidr1
1:	ldr	r0, [r5]			@ MPIDR is never 0: bit 31 reads as one
	cmp	r0, #0
	bne	2f
	wfe
	b	1b
2:	ldr	r0, =str_cpu0
	bl	puts
	mov	r0, r4
	bl	print_hex
	ldr	r0, =str_cpu1
	bl	puts
	ldr	r0, [r5]
	bl	print_hex
	mov	r0, #'\n'
	bl	putc

	ldr	r0, [r5]
	ldr	r1, =0x80000001
	ldr	r2, =0x80000000
	cmp	r0, r1
	cmpeq	r4, r2
	ldreq	r0, =str_ok
	ldrne	r0, =str_bad
	moveq	r4, #0
	movne	r4, #1
	bl	puts
	mov	r0, r4
	pop	{r4, r5, r6, pc}

	.data
	.balign	4
mpidr1:	.word	0

	.section .rodata
str_cpu0:	.asciz	"cpu0 mpidr "
str_cpu1:	.asciz	"\ncpu1 mpidr "
str_ok:		.asciz	"mpidr ok\n"
str_bad:	.asciz	"mpidr FAIL\n"
