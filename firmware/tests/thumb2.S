@ thumb2.S - both cores run Thumb-2; output and exit through semihosting
@ (SVC 0xab) from Thumb.
@
@ Each core switches to Thumb and checks its MPIDR there; core 1 posts
@ its finding, core 0 answers, core 1 confirms (ready/go/done).  Core 0
@ prints with SYS_WRITE0 (one SYS_WRITEC) and exits with SYS_EXIT:
@
@   thumb2: cpu0 mpidr ok
@   thumb2: cpu1 mpidr ok
@   thumb2 ok

	.include "board.inc"
	.syntax	unified

	.equ	CPU_OK, 0x600d			@ a core read the MPIDR it should, in Thumb

	.arm
	.text
	.global	main
	.global	secondary_main
main:
secondary_main:
	ldr	r1, =t_entry			@ a Thumb function: bit 0 is set
	bx	r1

	.thumb
	.thumb_func
t_entry:
	mrc	p15, 0, r4, c0, c0, 5
	and	r5, r4, #3			@ cpu id
	bl	t_self_check			@ r0 = CPU_OK or what went wrong
	cmp	r5, #0
	bne	t_core1

	@ core 0
	mov	r6, r0
	ldr	r0, =t_ready
	bl	t_wait_nonzero
	ldr	r0, =t_go
	movs	r1, #1
	bl	t_post
	ldr	r0, =t_done
	bl	t_wait_nonzero

	movs	r7, #0				@ failures
	ldr	r1, =CPU_OK
	cmp	r6, r1
	itee	eq
	ldreq	r1, =str_cpu0_ok
	ldrne	r1, =str_cpu0_bad
	addne	r7, #1
	movs	r0, #SYS_WRITE0
	svc	#SEMI_SVC_THUMB

	ldr	r0, =t_ready
	ldr	r0, [r0]
	ldr	r1, =CPU_OK
	cmp	r0, r1
	itee	eq
	ldreq	r1, =str_cpu1_ok
	ldrne	r1, =str_cpu1_bad
	addne	r7, #1
	movs	r0, #SYS_WRITE0
	svc	#SEMI_SVC_THUMB

	cmp	r7, #0
	ite	eq
	ldreq	r1, =str_ok
	ldrne	r1, =str_bad
	movs	r0, #SYS_WRITE0
	svc	#SEMI_SVC_THUMB
	ldr	r1, =t_newline			@ SYS_WRITEC takes a pointer to the byte
	movs	r0, #SYS_WRITEC
	svc	#SEMI_SVC_THUMB

	cmp	r7, #0
	ite	eq
	ldreq	r1, =ADP_Stopped_ApplicationExit
	ldrne	r1, =ADP_Stopped_InternalError
	movs	r0, #SYS_EXIT
	svc	#SEMI_SVC_THUMB
	b	.				@ not reached under a semihosting host

t_core1:
	mov	r1, r0
	ldr	r0, =t_ready
	bl	t_post				@ CPU_OK (non-zero in every case)
	ldr	r0, =t_go
	bl	t_wait_nonzero
	ldr	r0, =t_done
	movs	r1, #1
	bl	t_post
	cpsid	if
1:	wfi
	b	1b

@ t_self_check(r4 = MPIDR, r5 = cpu id) -> r0: CPU_OK if MPIDR, read in
@ Thumb, is 0x80000000 | id, else the MPIDR itself (bit 31: never CPU_OK).
@ (CPSR.T can't be checked: MRS reads the execution state bits as zero.)
	.thumb_func
t_self_check:
	orr	r1, r5, #0x80000000
	cmp	r4, r1
	ite	eq
	ldreq	r0, =CPU_OK
	movne	r0, r4
	bx	lr

@ t_post(r0 = addr, r1 = value): publish, as post_word in ARM.
	.thumb_func
t_post:
	dmb					@ earlier stores before the flag
	str	r1, [r0]
	dsb					@ flag visible before sev
	sev
	bx	lr

@ t_wait_nonzero(r0 = addr): WFE until the word is non-zero.
	.thumb_func
t_wait_nonzero:
1:	ldr	r1, [r0]
	cbnz	r1, 2f
	wfe
	b	1b
2:	dmb					@ the flag before what it publishes
	bx	lr

	.ltorg

	.data
	.balign	4
t_ready:	.word	0		@ core 1 -> 0: CPU_OK or core 1's MPIDR
t_go:		.word	0		@ core 0 -> 1
t_done:		.word	0		@ core 1 -> 0

	.section .rodata
t_newline:	.byte	'\n'
str_cpu0_ok:	.asciz	"thumb2: cpu0 mpidr ok\n"
str_cpu0_bad:	.asciz	"thumb2: cpu0 FAIL\n"
str_cpu1_ok:	.asciz	"thumb2: cpu1 mpidr ok\n"
str_cpu1_bad:	.asciz	"thumb2: cpu1 FAIL\n"
str_ok:		.asciz	"thumb2 ok"
str_bad:	.asciz	"thumb2 FAIL"
