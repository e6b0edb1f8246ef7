@ gic-regs.S - core 0 checks GIC semantics, polling with IRQs masked.
@
@ Core 1 is a helper driven by requests (send an SGI, poll its IAR, read
@ its pending bits).  Each check prints the observed value, masked to
@ the bits it checks: "ok <name> 0x..." or "FAIL <name> got 0x... want 0x...".
@ Transcript: see README.md; last line "gic-regs ok".

	.include "board.inc"
	.syntax	unified
	.arm

	@ requests to core 1
	.equ	REQ_SEND_SGI3,	1		@ SGI 3 to core 0 by target list
	.equ	REQ_POLL_IAR,	2		@ acknowledge (and EOI) what is pending
	.equ	REQ_PENDING,	3		@ read its banked GICD_ISPENDR0

	.equ	POLLS, 1000			@ IAR reads before giving up on an SGI
	.equ	PMR_LOW, 0x80			@ below GIC_PRIO_SGI: masks SGIs

	.text
	.global	main
main:
	push	{r4-r6, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	wait_word
	ldr	r4, =GICD_BASE
	ldr	r5, =GICC_BASE

	@ GICD_TYPER.CPUNumber is cores - 1
	ldr	r0, [r4, #GICD_TYPER]
	ubfx	r0, r0, #5, #3
	mov	r1, #1
	ldr	r2, =n_typer
	bl	check

	ldr	r0, [r5, #GICC_IAR]
	ldr	r1, =GIC_SPURIOUS
	ldr	r2, =n_iar_idle
	bl	check

	@ the SGI source core comes back in IAR[12:10]
	mov	r0, #REQ_SEND_SGI3
	bl	request
	bl	poll_iar
	mov	r6, r0
	ldr	r1, =(1 << GIC_IAR_CPU_SHIFT) | 3
	ldr	r2, =n_sgi_src
	bl	check

	@ active from IAR to EOIR
	ldr	r0, [r4, #GICD_ISACTIVER]
	ubfx	r0, r0, #3, #1
	mov	r1, #1
	ldr	r2, =n_active
	bl	check
	str	r6, [r5, #GICC_EOIR]
	ldr	r0, [r4, #GICD_ISACTIVER]
	ubfx	r0, r0, #3, #1
	mov	r1, #0
	ldr	r2, =n_inactive
	bl	check

	@ priority masking: an SGI at GIC_PRIO_SGI with PMR below it stays
	@ pending and is not signalled; opening PMR lets it through
	ldrb	r0, [r4, #GICD_IPRIORITYR + 4]
	mov	r1, #GIC_PRIO_SGI
	ldr	r2, =n_prio
	bl	check
	mov	r0, #PMR_LOW
	str	r0, [r5, #GICC_PMR]
	ldr	r0, =SGIR_FILTER_SELF | 4
	bl	gic_sgir
	ldr	r0, [r5, #GICC_IAR]
	ldr	r1, =GIC_SPURIOUS
	ldr	r2, =n_pmr_iar
	bl	check
	ldr	r0, [r4, #GICD_ISPENDR]
	ubfx	r0, r0, #4, #1
	mov	r1, #1
	ldr	r2, =n_pmr_pend
	bl	check
	mov	r0, #GIC_PMR_OPEN
	str	r0, [r5, #GICC_PMR]
	@ HPPIR only now: QEMU 7.2 reads it as 1023 while PMR masks the SGI
	@ and leaves out the SGI source bits, so check just the id, unmasked
	ldr	r0, [r5, #GICC_HPPIR]
	ubfx	r0, r0, #0, #10
	mov	r1, #4
	ldr	r2, =n_pmr_hppir
	bl	check
	bl	poll_iar
	mov	r6, r0
	mov	r1, #4				@ from core 0 itself
	ldr	r2, =n_pmr_open
	bl	check
	str	r6, [r5, #GICC_EOIR]

	@ SGIR filter 2: the writer only
	ldr	r0, =SGIR_FILTER_SELF | 5
	bl	gic_sgir
	bl	poll_iar
	mov	r6, r0
	mov	r1, #5
	ldr	r2, =n_self_0
	bl	check
	str	r6, [r5, #GICC_EOIR]
	mov	r0, #REQ_PENDING
	bl	request
	ubfx	r0, r0, #5, #1
	mov	r1, #0
	ldr	r2, =n_self_1
	bl	check

	@ SGIR filter 1: everyone but the writer
	ldr	r0, =SGIR_FILTER_OTHERS | 6
	bl	gic_sgir
	ldr	r0, [r4, #GICD_ISPENDR]
	ubfx	r0, r0, #6, #1
	mov	r1, #0
	ldr	r2, =n_others_0
	bl	check
	ldr	r0, [r5, #GICC_IAR]
	ldr	r1, =GIC_SPURIOUS
	ldr	r2, =n_others_0i
	bl	check
	mov	r0, #REQ_POLL_IAR
	bl	request
	mov	r1, #6				@ from core 0
	ldr	r2, =n_others_1
	bl	check

	@ SGIR filter 0 with a list of both cores
	ldr	r0, =SGIR_FILTER_LIST | (3 << SGIR_TARGETS_SHIFT) | 7
	bl	gic_sgir
	bl	poll_iar
	mov	r6, r0
	mov	r1, #7
	ldr	r2, =n_list_0
	bl	check
	str	r6, [r5, #GICC_EOIR]
	mov	r0, #REQ_POLL_IAR
	bl	request
	mov	r1, #7
	ldr	r2, =n_list_1
	bl	check

	ldr	r0, =fails
	ldr	r4, [r0]
	cmp	r4, #0
	ldreq	r0, =str_ok
	ldrne	r0, =str_bad
	bl	puts
	mov	r0, r4
	pop	{r4-r6, pc}

@ check(r0 = got, r1 = want, r2 = name)
check:
	push	{r4-r6, lr}
	mov	r4, r0
	mov	r5, r1
	mov	r6, r2
	cmp	r4, r5
	ldreq	r0, =str_okp
	ldrne	r0, =str_failp
	bl	puts
	mov	r0, r6
	bl	puts
	cmp	r4, r5
	ldreq	r0, =str_sp
	ldrne	r0, =str_got
	bl	puts
	mov	r0, r4
	bl	print_hex
	cmp	r4, r5
	beq	1f
	ldr	r0, =str_want
	bl	puts
	mov	r0, r5
	bl	print_hex
	ldr	r0, =fails
	ldr	r1, [r0]
	add	r1, r1, #1
	str	r1, [r0]
1:	mov	r0, #'\n'
	bl	putc
	pop	{r4-r6, pc}

@ poll_iar() -> r0: this core's IAR, read until it is not spurious or
@ POLLS reads have been spurious (an SGI need not land at once).
	.global	poll_iar
poll_iar:
	ldr	r1, =GICC_BASE
	ldr	r2, =POLLS
	ldr	r3, =GIC_SPURIOUS
1:	ldr	r0, [r1, #GICC_IAR]
	cmp	r0, r3
	bxne	lr
	subs	r2, r2, #1
	bne	1b
	bx	lr

@ request(r0 = REQ_*) -> r0: core 1's answer
request:
	push	{r4, lr}
	ldr	r1, =req_seq
	ldr	r4, [r1]
	add	r4, r4, #1
	str	r4, [r1]
	orr	r1, r0, r4, lsl #8		@ req = seq << 8 | what
	ldr	r0, =req
	bl	post_word
	ldr	r0, =rsp_seq
	mov	r1, r4
	bl	wait_word
	ldr	r0, =rsp_val
	ldr	r0, [r0]
	pop	{r4, pc}

@ Core 1: serve requests, IRQs masked throughout.
	.global	secondary_main
secondary_main:
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	post_word
	mov	r6, #1				@ the sequence number we wait for
1:	ldr	r0, =req
2:	ldr	r4, [r0]
	cmp	r6, r4, lsr #8
	beq	3f
	wfe
	b	2b
3:	dmb					@ req before anything core 0 stored ahead of it
	and	r4, r4, #0xff
	cmp	r4, #REQ_SEND_SGI3
	beq	s_send
	cmp	r4, #REQ_POLL_IAR
	beq	s_poll
	ldr	r0, =GICD_BASE			@ REQ_PENDING
	ldr	r5, [r0, #GICD_ISPENDR]
	b	s_reply
s_send:
	mov	r0, #3
	mov	r1, #(1 << 0)
	bl	gic_send_sgi
	mov	r5, #0
	b	s_reply
s_poll:
	bl	poll_iar
	mov	r5, r0
	ldr	r1, =GIC_SPURIOUS
	cmp	r0, r1
	ldrne	r1, =GICC_BASE
	strne	r0, [r1, #GICC_EOIR]
s_reply:
	ldr	r0, =rsp_val
	str	r5, [r0]
	ldr	r0, =rsp_seq
	mov	r1, r6
	bl	post_word			@ its dmb orders rsp_val first
	add	r6, r6, #1
	b	1b

	.ltorg

	.data
	.balign	4
cpu1_ready:	.word	0		@ core 1 -> 0
req:		.word	0		@ core 0 -> 1: seq << 8 | REQ_*
req_seq:	.word	0		@ core 0 only
rsp_val:	.word	0		@ core 1 -> 0
rsp_seq:	.word	0		@ core 1 -> 0, published after rsp_val
fails:		.word	0		@ core 0 only

	.section .rodata
str_okp:	.asciz	"ok "
str_failp:	.asciz	"FAIL "
str_sp:		.asciz	" "
str_got:	.asciz	" got "
str_want:	.asciz	" want "
str_ok:		.asciz	"gic-regs ok\n"
str_bad:	.asciz	"gic-regs FAIL\n"
n_typer:	.asciz	"typer-cpus"
n_iar_idle:	.asciz	"iar-idle-spurious"
n_sgi_src:	.asciz	"sgi-from-cpu1-iar"
n_active:	.asciz	"active-after-iar"
n_inactive:	.asciz	"inactive-after-eoi"
n_prio:		.asciz	"sgi4-priority"
n_pmr_iar:	.asciz	"pmr-masked-iar-spurious"
n_pmr_pend:	.asciz	"pmr-masked-pending"
n_pmr_hppir:	.asciz	"pmr-open-hppir"
n_pmr_open:	.asciz	"pmr-open-iar"
n_self_0:	.asciz	"filter-self-cpu0-iar"
n_self_1:	.asciz	"filter-self-cpu1-not-pending"
n_others_0:	.asciz	"filter-others-cpu0-not-pending"
n_others_0i:	.asciz	"filter-others-cpu0-iar-spurious"
n_others_1:	.asciz	"filter-others-cpu1-iar"
n_list_0:	.asciz	"filter-list-cpu0-iar"
n_list_1:	.asciz	"filter-list-cpu1-iar"
