@ boot-secondary.S - Linux 3.6 platsmp.c's boot_secondary, a bounded wait
@ whose clock lives in memory.
@
@ Core 0 takes boot_lock, writes pen_release = 1 and then waits at most
@ "one second" for the secondary to answer pen_release = -1.  Its clock is
@ a jiffies word in memory that only core 0 advances (the board has no
@ timer: udelay() stands for a tick), and udelay() counts its loops in a
@ local on the stack.  Core 1 spins in versatile_secondary_startup's pen
@ until pen_release names it, answers -1 (platform_secondary_init), waits
@ for boot_lock to drop and comes online.
@
@ The wait writes memory on every pass, but nothing another core reads:
@ it is waiting, not working, and a fair scheduler hands its turn to core 1
@ instead of letting it spend the whole second.  If it does not, core 0
@ gives up: "CPU1: failed to boot" and exit failure.
@
@   CPU1: booted / boot-secondary ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	HZ,		0x40000		@ jiffies in the one-second bound
	.equ	UDELAY_LOOPS,	10		@ udelay(10)

	.text
	.global	main
main:
	push	{r4-r6, lr}
	ldr	r0, =boot_lock			@ spin_lock(&boot_lock): ours alone here
	mov	r1, #1
	str	r1, [r0]
	ldr	r4, =pen_release
	mov	r0, #1				@ write_pen_release(cpu_logical_map(1))
	str	r0, [r4]
	dsb					@ pen_release out before we start timing the answer

	@ timeout = jiffies + HZ; while (time_before(jiffies, timeout))
	ldr	r5, =jiffies
	ldr	r6, [r5]
	add	r6, r6, #HZ
	.global	boot_wait
boot_wait:
	ldr	r0, [r5]
	sub	r0, r0, r6
	cmp	r0, #0
	bge	1f
	dmb					@ smp_rmb(): the clock before pen_release
	ldr	r0, [r4]
	cmn	r0, #1
	beq	1f
	mov	r0, #UDELAY_LOOPS
	bl	udelay
	b	boot_wait
	.global	boot_wait_end
boot_wait_end:
1:	ldr	r0, =boot_lock			@ spin_unlock(&boot_lock)
	mov	r1, #0
	dmb					@ the critical section before the unlock
	str	r1, [r0]
	ldr	r0, [r4]
	cmn	r0, #1
	bne	2f
	ldr	r0, =cpu1_online		@ __cpu_up: wait for it to come online
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_booted
	bl	puts
	mov	r0, #0
	pop	{r4-r6, pc}
2:	ldr	r0, =str_failed
	bl	puts
	mov	r0, #1
	pop	{r4-r6, pc}

@ udelay(r0 = loops): a delay loop counting in a stack local (as unoptimised
@ C keeps it), then one tick of the clock it stands for
	.type	udelay, %function
udelay:
	sub	sp, sp, #8
	str	r0, [sp]
1:	ldr	r0, [sp]
	subs	r0, r0, #1
	str	r0, [sp]
	bne	1b
	ldr	r1, =jiffies
	ldr	r0, [r1]
	add	r0, r0, #1
	str	r0, [r1]
	add	sp, sp, #8
	bx	lr
	.size	udelay, . - udelay

	.global	secondary_main
secondary_main:
	ldr	r6, =pen_release		@ versatile_secondary_startup's pen
pen:	ldr	r7, [r6]
	cmp	r7, r0
	bne	pen
	dmb					@ released before we touch what the primary set up
	mvn	r1, #0				@ platform_secondary_init: write_pen_release(-1)
	str	r1, [r6]
	dsb					@ the answer out before we queue on boot_lock
	ldr	r0, =boot_lock			@ spin_lock(&boot_lock); spin_unlock(&boot_lock)
1:	ldr	r1, [r0]
	cmp	r1, #0
	bne	1b
	dmb					@ the primary's critical section before what follows
	ldr	r0, =cpu1_online		@ set_cpu_online(1, true)
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg

	.data
	.balign	4
pen_release:	.word	-1
boot_lock:	.word	0
cpu1_online:	.word	0
jiffies:	.word	0

	.section .rodata
str_booted:	.asciz	"CPU1: booted\nboot-secondary ok\n"
str_failed:	.asciz	"CPU1: failed to boot\n"
