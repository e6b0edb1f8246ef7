@ exceptions.S - every synchronous exception enters this program's own
@ vectors and returns: UDF (ARM and Thumb), a coprocessor instruction no
@ coprocessor answers, SVC with a non-semihosting immediate, BKPT (a
@ prefetch abort) and an unaligned load with SCTLR.A set (a data abort).
@ Each handler checks its mode, that LR less the architectural offset is
@ the excepting instruction, and the fault status; then returns past it.
@
@   undef arm ok / undef coprocessor ok / undef thumb ok / svc 5 ok /
@   pabt bkpt ok / ifsr 0x00000002 / dabt alignment ok / dfsr 0x00000001 / exceptions ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4-r6, lr}
	ldr	r0, =my_vectors
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR
	isb					@ the new vectors in effect before the first exception
	mrs	r4, cpsr			@ abort and undef stacks
	cps	#MODE_UND
	ldr	sp, =und_stack_top
	cps	#MODE_ABT
	ldr	sp, =abt_stack_top
	msr	cpsr_c, r4

	ldr	r0, =udf_arm
	bl	expect
udf_arm:
	.word	0xe7f000f0			@ udf #0

	ldr	r0, =cp_insn
	bl	expect
cp_insn:
	mrc	p7, 0, r0, c0, c0, 0		@ no coprocessor 7: undefined

	ldr	r0, =udf_thumb
	bl	expect
	ldr	r0, =thumb_part + 1
	bx	r0
	.thumb
thumb_part:
udf_thumb:
	udf	#1
	ldr	r0, =back_in_arm
	bx	r0
	.ltorg
	.arm
	.balign	4
back_in_arm:

	ldr	r0, =svc_insn
	bl	expect
svc_insn:
	svc	#5

	ldr	r0, =bkpt_insn
	bl	expect
bkpt_insn:
	bkpt	#0x12

	ldr	r0, =align_insn
	bl	expect
	mrc	p15, 0, r0, c1, c0, 0
	orr	r0, r0, #2			@ SCTLR.A: alignment checking
	mcr	p15, 0, r0, c1, c0, 0
	isb					@ checking on before the load
	ldr	r5, =word + 1
	mov	r6, #0x55
align_insn:
	ldr	r6, [r5]			@ aborts: r6 keeps 0x55
	cmp	r6, #0x55
	bne	fail

	ldr	r0, =count
	ldr	r0, [r0]
	cmp	r0, #6
	bne	fail
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4-r6, pc}
fail:
	ldr	r0, =str_bad
	bl	puts
	mov	r0, #1
	pop	{r4-r6, pc}

@ expect(r0 = address of the next excepting instruction)
expect:
	ldr	r1, =expected
	str	r0, [r1]
	bx	lr

@ check(r0 = what, r1 = excepting address from LR, r2 = mode wanted):
@ prints "<what> ok" or "<what> bad"; counts the good ones
check:
	push	{r4, lr}
	mrs	r3, cpsr
	and	r3, r3, #0x1f
	ldr	r12, =expected
	ldr	r12, [r12]
	cmp	r1, r12
	cmpeq	r3, r2
	moveq	r4, #1
	movne	r4, #0
	bl	puts
	cmp	r4, #1
	ldreq	r0, =str_good
	ldrne	r0, =str_wrong
	bl	puts
	ldr	r1, =count
	ldr	r0, [r1]
	add	r0, r0, r4
	str	r0, [r1]
	pop	{r4, pc}

	.balign	32				@ VBAR[4:0] are reserved
my_vectors:
	b	.
	b	on_undef
	b	on_svc
	b	on_pabt
	b	on_dabt
	b	.
	b	.
	b	.

on_undef:
	push	{r0-r3, r12, lr}
	mrs	r0, spsr
	tst	r0, #PSR_T
	subne	r1, lr, #2			@ LR: the instruction + 2 (Thumb) or + 4 (ARM)
	subeq	r1, lr, #4
	ldr	r2, =udf_thumb
	cmp	r1, r2
	ldreq	r0, =str_undef_thumb
	beq	1f
	ldr	r2, =cp_insn
	cmp	r1, r2
	ldreq	r0, =str_undef_cp
	ldrne	r0, =str_undef_arm
1:	mov	r2, #MODE_UND
	bl	check
	pop	{r0-r3, r12, lr}
	movs	pc, lr				@ past it (a 16-bit UDF: LR is the next instruction)

on_svc:
	push	{r0-r3, r12, lr}
	ldr	r0, [lr, #-4]
	bic	r0, r0, #0xff000000
	cmp	r0, #5				@ the immediate
	bne	exit_failure
	sub	r1, lr, #4			@ LR: the next instruction
	ldr	r0, =str_svc
	mov	r2, #MODE_SVC
	bl	check
	pop	{r0-r3, r12, lr}
	movs	pc, lr

on_pabt:
	push	{r0-r3, r12, lr}
	sub	r1, lr, #4			@ LR: the instruction + 4
	ldr	r0, =str_pabt
	mov	r2, #MODE_ABT
	bl	check
	ldr	r0, =str_ifsr
	bl	puts
	mrc	p15, 0, r0, c5, c0, 1		@ IFSR
	ldr	r1, =0x40f			@ FS: 0b00010, debug event
	and	r0, r0, r1
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	pop	{r0-r3, r12, lr}
	movs	pc, lr				@ past the BKPT

on_dabt:
	push	{r0-r3, r12, lr}
	sub	r1, lr, #8			@ LR: the instruction + 8
	ldr	r0, =str_dabt
	mov	r2, #MODE_ABT
	bl	check
	mrc	p15, 0, r0, c6, c0, 0		@ DFAR: the address
	ldr	r1, =word + 1
	cmp	r0, r1
	bne	exit_failure
	ldr	r0, =str_dfsr
	bl	puts
	mrc	p15, 0, r0, c5, c0, 0		@ DFSR
	ldr	r1, =0xc0f			@ FS and WnR: 0b00001, alignment, a read
	and	r0, r0, r1
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	mrc	p15, 0, r0, c1, c0, 0
	bic	r0, r0, #2			@ SCTLR.A off again
	mcr	p15, 0, r0, c1, c0, 0
	isb
	pop	{r0-r3, r12, lr}
	subs	pc, lr, #4			@ past the load

	.ltorg
	.data
	.balign	8
word:		.word	0x11223344, 0x55667788
expected:	.word	0
count:		.word	0
	.bss
	.balign	8
		.space	512
und_stack_top:
		.space	512
abt_stack_top:

	.section .rodata
str_undef_arm:	.asciz	"undef arm"
str_undef_cp:	.asciz	"undef coprocessor"
str_undef_thumb: .asciz	"undef thumb"
str_svc:	.asciz	"svc 5"
str_pabt:	.asciz	"pabt bkpt"
str_dabt:	.asciz	"dabt alignment"
str_good:	.asciz	" ok\n"
str_wrong:	.asciz	" bad\n"
str_ifsr:	.asciz	"ifsr "
str_dfsr:	.asciz	"dfsr "
str_ok:		.asciz	"exceptions ok\n"
str_bad:	.asciz	"exceptions FAIL\n"
