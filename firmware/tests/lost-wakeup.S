@ lost-wakeup.S - the classic lost wake-up: check, then WFI, with IRQs on.
@
@ Core 1 looks at "work" with IRQs enabled and then sleeps in WFI.  If
@ core 0's one SGI is taken between the look and the WFI, the handler sets
@ "work", returns to the WFI, and core 1 sleeps for ever: nothing else will
@ interrupt it.  Core 0 sleeps in WFE waiting for core 1's answer, so the
@ machine deadlocks.  Most interleavings pass; exploration finds the one
@ that does not.  (lib/sync.S irq_wait_word is the fix: look with IRQs
@ masked, WFI wakes on a masked IRQ.)
@
@   lost-wakeup ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	ldr	r0, =online
	mov	r1, #1
	bl	wait_word
	mov	r0, #1				@ SGI 1
	mov	r1, #(1 << 1)			@ to core 1
	bl	gic_send_sgi
	ldr	r0, =done
	mov	r1, #1
	bl	wait_word			@ WFE: no answer, no wake
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	bl	gic_cpu_init
	ldr	r0, =online
	mov	r1, #1
	bl	post_word
	ldr	r4, =work
	cpsie	i				@ the bug: IRQs on across the look and the WFI
1:	ldr	r0, [r4]
	cmp	r0, #0
	bne	2f
	wfi
	b	1b
2:	ldr	r0, =done
	mov	r1, #1
	bl	post_word
	b	park

	.global	irq_handler
irq_handler:
	ldr	r1, =work
	mov	r2, #1
	str	r2, [r1]
	bx	lr

	.ltorg

	.data
	.balign	4
online:	.word	0
work:	.word	0
done:	.word	0

	.section .rodata
str_ok:	.asciz	"lost-wakeup ok\n"
