@ wfi-masked.S - WFI wakes for a pending IRQ even while CPSR.I masks it.
@
@ Core 1, IRQs masked, sleeps in WFI; core 0 sends it SGI 1.  Core 1
@ wakes without taking the exception, acknowledges by polling its IAR,
@ EOIs and reports:
@
@   cpu1 woke with irqs masked, iar 0x00000001
@   wfi-masked ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	bl	gic_dist_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	wait_word
	mov	r0, #1
	mov	r1, #(1 << 1)
	bl	gic_send_sgi
	ldr	r0, =cpu1_done
	mov	r1, #1
	bl	wait_word

	ldr	r4, =cpu1_iar
	ldr	r4, [r4]
	ldr	r0, =cpu1_cpsr
	ldr	r0, [r0]
	tst	r0, #PSR_I
	ldrne	r0, =str_masked
	ldreq	r0, =str_unmasked
	bl	puts
	mov	r0, r4
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	ldr	r0, =cpu1_cpsr
	ldr	r0, [r0]
	mov	r1, #1				@ failed, until proven otherwise
	tst	r0, #PSR_I
	beq	2f
	cmp	r4, #1				@ SGI 1 from core 0
	moveq	r1, #0
2:	mov	r4, r1
	cmp	r4, #0
	ldreq	r0, =str_ok
	ldrne	r0, =str_bad
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	cpsid	i				@ as at reset; say it
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	post_word
	ldr	r4, =GICC_BASE
	ldr	r5, =GIC_SPURIOUS
1:	wfi					@ the SGI may be pending already: then no sleep at all
	ldr	r6, [r4, #GICC_IAR]
	cmp	r6, r5
	beq	1b				@ WFI may also end for no reason
	str	r6, [r4, #GICC_EOIR]
	mrs	r0, cpsr
	ldr	r1, =cpu1_cpsr
	str	r0, [r1]
	ldr	r1, =cpu1_iar
	str	r6, [r1]
	ldr	r0, =cpu1_done
	mov	r1, #1
	b	post_word			@ orders cpu1_iar/cpsr before done

	.ltorg

	.data
	.balign	4
cpu1_ready:	.word	0		@ core 1 -> 0
cpu1_iar:	.word	0		@ core 1 -> 0, before cpu1_done
cpu1_cpsr:	.word	0		@ core 1 -> 0, before cpu1_done
cpu1_done:	.word	0		@ core 1 -> 0

	.section .rodata
str_masked:	.asciz	"cpu1 woke with irqs masked, iar "
str_unmasked:	.asciz	"cpu1 woke with irqs UNMASKED, iar "
str_ok:		.asciz	"wfi-masked ok\n"
str_bad:	.asciz	"wfi-masked FAIL\n"
