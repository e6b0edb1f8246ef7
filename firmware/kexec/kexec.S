@ kexec.S - Linux kexec on a two-core ARM board: stop the secondary, copy
@ the new kernel over the old one, hand over.  One source, four variants
@ (--defsym VARIANT=n), each a version of ipi_cpu_stop() and of what the
@ primary waits for before it overwrites system RAM:
@
@   0 none        mainline 3.7: the stopped cpu spins in cpu_relax(), in the
@                 old kernel's text, while the primary copies over it.
@   1 notify      the 2012 RFC "ARM: smp: introduce smp_notify_cpu_stop":
@                 the stopping cpu jumps to a holding pen in SRAM, but the
@                 primary only waits for it to go offline, which it does
@                 *before* the jump: it may still be in system RAM when the
@                 copy starts.
@   2 notify-ack  the same pen, which acks from SRAM; the primary waits for
@                 the ack before it copies.
@   3 cpu-kill    the stopping cpu powers itself off (penlab's power
@                 controller); the primary waits for its power to go, and the
@                 new kernel powers it on at its secondary entry.
@
@ The "old kernel" is everything linked in system RAM at 0x60000000.  The
@ new kernel is a position-independent image staged at 0x60100000
@ (.kexec_image, kexec.ld).  relocate_new_kernel and the pen live in SRAM
@ (.sram), which the copy does not touch.  Only cpu0 prints, each line at a
@ point fixed by synchronization, so the transcript does not depend on the
@ interleaving:
@
@   old kernel: cpu1 online
@   kexec: stopping cpu1
@   kexec: cpu1 offline
@   kexec: cpu1 in the pen		(notify-ack)
@   kexec: cpu1 powered off		(cpu-kill)
@   kexec: Bye!
@   new kernel: booted
@   new kernel: image checksum ok
@   new kernel: releasing cpu1	(cpu-kill: new kernel: powering on cpu1)
@   new kernel: cpu1 checked in
@
@ Bounded waits give up after POLL_LIMIT polls (Linux: one second of
@ udelay(1)).  none/notify then go on, as Linux does, after its warning;
@ notify-ack/cpu-kill refuse to copy and fail the run.

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	V_NONE,			0
	.equ	V_NOTIFY,		1
	.equ	V_NOTIFY_ACK,		2
	.equ	V_CPU_KILL,		3
	.ifndef	VARIANT
	.error	"kexec.S: assemble with --defsym VARIANT=0..3 (none, notify, notify-ack, cpu-kill)"
	.endif
	.equ	PEN,			(VARIANT == V_NOTIFY) || (VARIANT == V_NOTIFY_ACK)
	@ --defsym NK_UNORDERED=1: the new kernel publishes pen_entry and
	@ pen_release with no barrier between them (kexec-notify-ack-nodmb)
	.ifndef	NK_UNORDERED
	.equ	NK_UNORDERED,		0
	.endif

	.equ	IPI_CPU_STOP,		6
	.equ	POLL_LIMIT,		1000000
	.equ	IDLE_WORK,		16		@ delay-loop passes with IRQs masked

	@ penlab's power controller (penlab only: nothing there on QEMU)
	.equ	PWR_BASE,		0x1f000000
	.equ	PWR_STATUS,		0x00		@ RO: bit n = cpu n powered
	.equ	PWR_OFF,		0x04		@ WO: bit n: cpu n stops at once
	.equ	PWR_ON,			0x08		@ WO: bit n: cpu n restarts at PWR_ENTRY[n]
	.equ	PWR_ENTRY,		0x10		@ RW: + 4 * n

	@ kexec indirection list entries (include/linux/kexec.h)
	.equ	IND_DESTINATION,	0x1
	.equ	IND_INDIRECTION,	0x2
	.equ	IND_DONE,		0x4
	.equ	IND_SOURCE,		0x8
	.equ	PAGE_SIZE,		4096
	.equ	KEXEC_MAX_PAGES,	32

@ ---------------------------------------------------------------------------
@ The old kernel (system RAM)
@ ---------------------------------------------------------------------------

	.text

@ main(): cpu0.  Boot, then kernel_kexec(): machine_shutdown(),
@ machine_kexec().  Returns only if the hand-over is refused.
	.global	main
	.type	main, %function
main:
	push	{r4, lr}
	bl	gic_dist_init
	bl	gic_cpu_init

	@ wait for cpu1 to come online: it posts its flag with sev, so WFE
	ldr	r0, =cpu_online
	ldr	r4, =POLL_LIMIT
	.global	boot_wait
boot_wait:
	ldr	r1, [r0, #4]
	cmp	r1, #0
	bne	1f
	subs	r4, r4, #1
	beq	9f
	wfe					@ woken by cpu1's sev, or for no reason: re-check
	b	boot_wait
1:	dmb					@ cpu1 online before anything it set up before it
	ldr	r0, =str_online
	bl	puts

	bl	machine_shutdown
	cmp	r0, #0
	bne	8f
	ldr	r0, =str_bye
	bl	puts
	bl	machine_kexec			@ does not return

8:	ldr	r0, =str_refuse
	b	7f
9:	ldr	r0, =str_boot_fail
7:	bl	puts
	mov	r0, #1
	pop	{r4, pc}
	.size	main, . - main

@ machine_shutdown() -> r0 = 0, or -1: the other cpu did not stop.
	.global	machine_shutdown
	.type	machine_shutdown, %function
machine_shutdown:
	push	{r4, lr}
	ldr	r0, =str_stopping
	bl	puts
	bl	smp_send_stop
	mov	r4, r0
	.if	VARIANT == V_NONE || VARIANT == V_NOTIFY
	cmp	r4, #0
	ldreq	r0, =str_offline
	ldrne	r0, =str_smp_fail		@ Linux warns and goes on
	bl	puts
	mov	r4, #0
	.else
	cmp	r4, #0
	bne	1f
	ldr	r0, =str_offline
	bl	puts
	.endif
	@ smp_kill_cpus(): for_each_cpu(cpu, mask) platform_cpu_kill(cpu)
	mov	r0, #1
	bl	platform_cpu_kill
	.if	VARIANT == V_NOTIFY_ACK || VARIANT == V_CPU_KILL
	cmp	r0, #0				@ 0: it did not die, the copy is not safe
	moveq	r4, #-1
	.endif
1:	mov	r0, r4
	pop	{r4, pc}
	.size	machine_shutdown, . - machine_shutdown

@ smp_send_stop() -> r0 = 0 once cpu1 is offline, -1 if it stays online.
	.global	smp_send_stop
	.type	smp_send_stop, %function
smp_send_stop:
	@ smp_cross_call(mask of the other online cpus, IPI_CPU_STOP)
	ldr	r1, =GICD_BASE
	ldr	r0, =(1 << (SGIR_TARGETS_SHIFT + 1)) | IPI_CPU_STOP
	dsb					@ all we stored so far visible before cpu1 can act on the IPI
	str	r0, [r1, #GICD_SGIR]

	@ wait up to "one second" (POLL_LIMIT polls) for cpu1 to go offline
	ldr	r0, =cpu_online
	ldr	r2, =POLL_LIMIT
	.global	smp_stop_wait
smp_stop_wait:
	ldr	r1, [r0, #4]
	cmp	r1, #0
	beq	1f
	yield					@ cpu_relax(): lets a single-threaded emulator run cpu1
	subs	r2, r2, #1
	bne	smp_stop_wait
	mov	r0, #-1
	bx	lr
1:	dmb					@ cpu1 offline before the accesses we make because of it
	mov	r0, #0
	bx	lr
	.size	smp_send_stop, . - smp_send_stop

@ platform_cpu_kill(r0 = cpu) -> r0 = 1 once the cpu is dead, 0 if not.
	.global	platform_cpu_kill
	.type	platform_cpu_kill, %function
platform_cpu_kill:
	.if	VARIANT == V_NOTIFY_ACK
	@ wait for the pen's ack, written from SRAM: the cpu has left system RAM
	ldr	r1, =pen_ack
	add	r1, r1, r0, lsl #2
	ldr	r2, =POLL_LIMIT
	.global	kill_wait_ack
kill_wait_ack:
	ldr	r3, [r1]
	cmp	r3, #0
	bne	1f
	yield					@ cpu_relax()
	subs	r2, r2, #1
	bne	kill_wait_ack
	mov	r0, #0
	bx	lr
1:	dmb					@ the ack before the copy that it allows
	push	{r4, lr}
	ldr	r0, =str_in_pen
	bl	puts
	mov	r0, #1
	pop	{r4, pc}
	.elseif	VARIANT == V_CPU_KILL
	@ wait for the power controller to report the cpu off
	ldr	r1, =PWR_BASE
	mov	r12, #1
	lsl	r12, r12, r0
	ldr	r2, =POLL_LIMIT
	.global	kill_wait_off
kill_wait_off:
	ldr	r3, [r1, #PWR_STATUS]
	tst	r3, r12
	beq	1f
	subs	r2, r2, #1
	bne	kill_wait_off
	mov	r0, #0
	bx	lr
1:	dmb					@ the power-off seen before the copy that it allows
	push	{r4, lr}
	ldr	r0, =str_powered_off
	bl	puts
	mov	r0, #1
	pop	{r4, pc}
	.else
	mov	r0, #1				@ nothing this platform can do: report success
	bx	lr
	.endif
	.size	platform_cpu_kill, . - platform_cpu_kill

@ machine_kexec(): build the indirection list in the control page, checksum
@ the staged image for the new kernel to check, set the control page's
@ parameters and run relocate_new_kernel there.  Does not return.
	.global	machine_kexec
	.type	machine_kexec, %function
machine_kexec:
	cpsid	if				@ local_irq_disable(): masked since boot already
	ldr	r0, =kexec_ind_list
	ldr	r1, =DRAM_BASE | IND_DESTINATION
	str	r1, [r0], #4
	ldr	r2, =__kexec_image_start
	ldr	r3, =__kexec_image_end
1:	orr	r1, r2, #IND_SOURCE
	str	r1, [r0], #4
	add	r2, r2, #PAGE_SIZE
	cmp	r2, r3
	blo	1b
	mov	r1, #IND_DONE
	str	r1, [r0]

	@ sum of the image's words (kexec-tools' purgatory checks a digest)
	ldr	r2, =__kexec_image_start
	mov	r1, #0
2:	ldr	r0, [r2], #4
	add	r1, r1, r0
	cmp	r2, r3
	blo	2b
	ldr	r0, =kexec_image_csum
	str	r1, [r0]

	ldr	r0, =kexec_indirection_page
	ldr	r1, =kexec_ind_list
	str	r1, [r0]
	ldr	r0, =kexec_start_address
	ldr	r1, =DRAM_BASE
	str	r1, [r0]
	@ Linux copies relocate_new_kernel into the control page first and
	@ flushes the I-cache; ours is linked there, nothing to synchronize.
	ldr	r0, =relocate_new_kernel
	bx	r0
	.size	machine_kexec, . - machine_kexec

@ secondary_main(): cpu1.  Online, then the idle loop.
	.global	secondary_main
	.type	secondary_main, %function
secondary_main:
	bl	gic_cpu_init
	mrc	p15, 0, r4, c0, c0, 5		@ MPIDR
	and	r4, r4, #3
	ldr	r0, =cpu_online
	add	r0, r0, r4, lsl #2
	mov	r1, #1
	bl	post_word			@ set_cpu_online(); dmb/dsb/sev inside
	.global	cpu_idle
cpu_idle:
	@ Work with IRQs masked: an IPI arriving now stays pending until
	@ cpsie (the maintainer's worry: the stop may be taken late).
	cpsid	i
	ldr	r0, =idle_ticks
	ldr	r1, [r0]
	add	r1, r1, #1
	str	r1, [r0]
	mov	r1, #IDLE_WORK
1:	subs	r1, r1, #1
	bne	1b
	cpsie	i				@ a pending IPI is taken here...
	wfi					@ ...or wakes us here
	b	cpu_idle
	.size	secondary_main, . - secondary_main

@ irq_handler(r0 = IAR): IRQ mode, IRQs masked, IRQ stack.  cpu0 never
@ unmasks IRQs, so this is cpu1's.
	.global	irq_handler
	.type	irq_handler, %function
irq_handler:
	ubfx	r1, r0, #0, #10
	cmp	r1, #IPI_CPU_STOP
	beq	ipi_cpu_stop			@ does not return
	bx	lr				@ no other IPI is sent
	.size	irq_handler, . - irq_handler

@ ipi_cpu_stop(r0 = IAR): never returns.
	.global	ipi_cpu_stop
	.type	ipi_cpu_stop, %function
ipi_cpu_stop:
	ldr	r1, =GICC_BASE
	str	r0, [r1, #GICC_EOIR]		@ as Linux EOIs an IPI before handling it: irq_vec's EOI never comes
	mrc	p15, 0, r4, c0, c0, 5		@ MPIDR
	and	r4, r4, #3

	@ set_cpu_online(cpu, false)
	ldr	r0, =cpu_online
	mov	r1, #0
	dmb					@ our earlier accesses to kernel data before we read as offline
	str	r1, [r0, r4, lsl #2]
	.global	cpu_stop_offline
cpu_stop_offline:
	dsb					@ the offline store complete before we go on: from here on the primary may copy

	cpsid	if				@ local_fiq_disable(); local_irq_disable()
	.if	PEN
	mov	r0, r4
	bl	smp_notify_cpu_stop		@ on this board: to the pen, no return
	.elseif	VARIANT == V_CPU_KILL
	mov	r0, r4
	bl	platform_cpu_die		@ powers this cpu off, no return
	.endif
	.global	cpu_stop_relax
cpu_stop_relax:
	b	cpu_stop_relax			@ while (1) cpu_relax();
	.size	ipi_cpu_stop, . - ipi_cpu_stop

	.if	PEN
@ smp_notify_cpu_stop(r0 = cpu): the RFC's hook, called by the stopping cpu
@ after it went offline; the platform's notifier takes it to its pen.
	.global	smp_notify_cpu_stop
	.type	smp_notify_cpu_stop, %function
smp_notify_cpu_stop:
	ldr	r1, =smp_cpu_stop_notifier
	ldr	r1, [r1]
	cmp	r1, #0
	bxeq	lr
	bx	r1				@ tail call: the notifier returns for us, if it does
	.size	smp_notify_cpu_stop, . - smp_notify_cpu_stop

@ vexpress_cpu_stop(r0 = cpu): the platform's notifier.  Parks the cpu in
@ the SRAM pen, where the new kernel will find it.
	.global	vexpress_cpu_stop
	.type	vexpress_cpu_stop, %function
vexpress_cpu_stop:
	ldr	r1, =kexec_pen			@ 0x48000000: out of branch range
	bx	r1
	.size	vexpress_cpu_stop, . - vexpress_cpu_stop
	.endif

	.if	VARIANT == V_CPU_KILL
@ platform_cpu_die(r0 = cpu): power this cpu off.  Does not return.
	.global	platform_cpu_die
	.type	platform_cpu_die, %function
platform_cpu_die:
	ldr	r1, =PWR_BASE
	mov	r2, #1
	lsl	r2, r2, r0
	dsb					@ our stores complete before the power goes
	str	r2, [r1, #PWR_OFF]
1:	wfi					@ not reached: PWR_OFF stops us at once
	b	1b
	.size	platform_cpu_die, . - platform_cpu_die
	.endif

	.ltorg

	.data
	.balign	4
	@ cpu n writes word n only: no exclusive monitor spans the cores
	.global	cpu_online
cpu_online:	.word	1, 0, 0, 0
idle_ticks:	.word	0		@ cpu1's idle passes
	.if	PEN
smp_cpu_stop_notifier:
		.word	vexpress_cpu_stop
	.endif

	.section .rodata
str_online:	.asciz	"old kernel: cpu1 online\n"
str_boot_fail:	.asciz	"old kernel: cpu1 did not come online\n"
str_stopping:	.asciz	"kexec: stopping cpu1\n"
str_offline:	.asciz	"kexec: cpu1 offline\n"
str_smp_fail:	.asciz	"SMP: failed to stop secondary CPUs\n"
str_refuse:	.asciz	"kexec: cpu1 did not stop, not copying\n"
str_bye:	.asciz	"kexec: Bye!\n"
	.if	VARIANT == V_NOTIFY_ACK
str_in_pen:	.asciz	"kexec: cpu1 in the pen\n"
	.elseif	VARIANT == V_CPU_KILL
str_powered_off: .asciz	"kexec: cpu1 powered off\n"
	.endif

@ ---------------------------------------------------------------------------
@ The control page and the pen (on-chip SRAM: survives the copy)
@ ---------------------------------------------------------------------------

	.section .sram, "ax"
	.balign	32

@ relocate_new_kernel: cpu0, SVC, IRQ/FIQ masked, MMU and caches off, no
@ stack.  Walks the indirection list, copying each source page to its
@ destination, then enters the new kernel at kexec_start_address
@ (arch/arm/kernel/relocate_kernel.S, with an ldm/stm copy).
	.global	relocate_new_kernel
	.type	relocate_new_kernel, %function
relocate_new_kernel:
	ldr	r0, kexec_indirection_page
	ldr	r1, kexec_start_address
0:	ldr	r3, [r0], #4			@ next entry
	tst	r3, #IND_DESTINATION
	bicne	r4, r3, #IND_DESTINATION	@ where the next source pages go
	bne	0b
	tst	r3, #IND_INDIRECTION
	bicne	r0, r3, #IND_INDIRECTION	@ the list goes on there
	bne	0b
	tst	r3, #IND_DONE
	bne	2f
	tst	r3, #IND_SOURCE
	beq	0b
	bic	r3, r3, #IND_SOURCE
	mov	r2, #PAGE_SIZE / 32
	.global	relocate_copy
relocate_copy:
	ldmia	r3!, {r5-r12}
	stmia	r4!, {r5-r12}
	subs	r2, r2, #1
	bne	relocate_copy
	b	0b
2:	dsb					@ the copy complete (every store done) before...
	isb					@ ...we fetch from it: nothing of the old kernel prefetched
	mov	r0, #0				@ boot protocol: r0 = 0 (r1/r2 unused here)
	bx	r1
	.size	relocate_new_kernel, . - relocate_new_kernel

	.global	kexec_indirection_page, kexec_start_address
kexec_indirection_page:	.word	0
kexec_start_address:	.word	0

	.if	PEN
@ kexec_pen(r0 = cpu): the holding pen.  IRQ/FIQ masked, no stack.  Sleeps
@ until pen_release holds this cpu's id, then jumps to pen_entry.
	.global	__penlab_pen_start, __penlab_pen_end
__penlab_pen_start:
	.global	kexec_pen
	.type	kexec_pen, %function
kexec_pen:
	.if	VARIANT == V_NOTIFY_ACK
	@ We fetch only from SRAM now: tell the primary it may copy.
	ldr	r1, =pen_ack
	mov	r2, #1
	str	r2, [r1, r0, lsl #2]
	dsb					@ the ack visible before the event announcing it
	sev					@ wake a primary waiting for the ack in WFE
	.endif
	ldr	r1, =pen_release
	.global	pen_wait
pen_wait:
	ldr	r2, [r1]
	cmp	r2, r0
	beq	1f
	wfe					@ woken by the release's sev, or for no reason: re-check
	b	pen_wait
1:	dmb					@ the release read before the entry address it publishes
	ldr	r1, =pen_entry
	ldr	r1, [r1]
	isb					@ another cpu wrote the code we jump to: fetch it only from here on
	bx	r1
	.size	kexec_pen, . - kexec_pen
__penlab_pen_end:
	.ltorg					@ the pen's literals stay in SRAM too
	.endif

	.balign	4
	.global	pen_release, pen_entry, pen_ack, nk_checkin, kexec_image_csum
pen_release:	.word	-1		@ new kernel -> pen: the id of the cpu to let out
pen_entry:	.word	0		@ new kernel -> pen: where it goes (written first)
pen_ack:	.word	0, 0, 0, 0	@ cpu n -> cpu0: in the pen (notify-ack)
nk_checkin:	.word	0		@ cpu1 -> cpu0: MPIDR, from the new kernel
kexec_image_csum: .word	0		@ old kernel -> new kernel: sum of the image's words
	.global	kexec_ind_list, kexec_ind_list_end
kexec_ind_list:	.space	4 * (KEXEC_MAX_PAGES + 2)
kexec_ind_list_end:

@ ---------------------------------------------------------------------------
@ The new kernel: staged at 0x60100000, runs at 0x60000000.  Position
@ independent: adr and PC-relative loads only; absolute addresses only for
@ devices and SRAM words.  No stack, no calls into the old kernel (gone).
@ ---------------------------------------------------------------------------

	.section .kexec_image, "ax"
	.balign	4
	.global	new_kernel
	.type	new_kernel, %function
new_kernel:
	b	nk_primary
nk_size:
	.word	__kexec_image_size

nk_primary:					@ cpu0, from relocate_new_kernel
	adr	r0, nk_str_booted
	bl	nk_puts

	@ the copy is intact: the words we run from sum as the staged ones did
	adr	r2, new_kernel
	ldr	r3, nk_size
	add	r3, r2, r3
	mov	r1, #0
1:	ldr	r0, [r2], #4
	add	r1, r1, r0
	cmp	r2, r3
	blo	1b
	ldr	r0, =kexec_image_csum
	ldr	r0, [r0]
	cmp	r0, r1
	adrne	r0, nk_str_csum_bad
	bne	nk_fail
	adr	r0, nk_str_csum_ok
	bl	nk_puts

	.if	VARIANT == V_CPU_KILL
	adr	r0, nk_str_power_on
	bl	nk_puts
	adr	r0, nk_secondary		@ where we run now, not where we were linked
	ldr	r1, =PWR_BASE
	str	r0, [r1, #PWR_ENTRY + 4]
	dsb					@ the entry address set before the power-on that uses it
	mov	r0, #1 << 1
	str	r0, [r1, #PWR_ON]
	.else
	adr	r0, nk_str_release
	bl	nk_puts
	adr	r0, nk_secondary		@ where we run now, not where we were linked
	ldr	r1, =pen_entry
	str	r0, [r1]
	.if	!NK_UNORDERED
	dsb					@ the entry visible before the release
	.endif
	ldr	r1, =pen_release
	mov	r0, #1
	str	r0, [r1]
	dsb					@ the release visible before the event
	sev					@ wake the pen's WFE
	.endif

	@ wait for cpu1 to check in: it sevs after posting, so WFE
	ldr	r1, =nk_checkin
	ldr	r2, =POLL_LIMIT
	.global	nk_wait_checkin
nk_wait_checkin:
	ldr	r0, [r1]
	cmp	r0, #0
	bne	2f
	subs	r2, r2, #1
	adreq	r0, nk_str_no_checkin
	beq	nk_fail
	wfe					@ woken by cpu1's sev, or for no reason: re-check
	b	nk_wait_checkin
2:	dmb					@ the check-in before anything cpu1 did before it
	ldr	r1, =0x80000001
	cmp	r0, r1
	adrne	r0, nk_str_bad_checkin
	bne	nk_fail
	adr	r0, nk_str_checkin
	bl	nk_puts
	ldr	r1, =ADP_Stopped_ApplicationExit
	b	nk_exit
nk_fail:
	bl	nk_puts
	ldr	r1, =ADP_Stopped_InternalError
nk_exit:
	mov	r0, #SYS_EXIT
	svc	#SEMI_SVC_ARM
	b	nk_exit
	.size	new_kernel, . - new_kernel

@ nk_secondary: cpu1, from the pen (IRQ mode) or from power-on reset (SVC).
	.global	nk_secondary
	.type	nk_secondary, %function
nk_secondary:
	cpsid	if, #MODE_SVC			@ a kernel's secondary entry: SVC, everything masked
	mrc	p15, 0, r0, c0, c0, 5		@ MPIDR
	ldr	r1, =nk_checkin
	str	r0, [r1]
	dsb					@ the check-in visible before the event
	sev					@ wake the primary's WFE
1:	wfi
	b	1b
	.size	nk_secondary, . - nk_secondary

@ nk_puts(r0 = string): UART0, a leaf (r0-r3 clobbered).
	.type	nk_puts, %function
nk_puts:
	ldr	r1, =UART0_BASE
1:	ldrb	r2, [r0], #1
	cmp	r2, #0
	bxeq	lr
2:	ldr	r3, [r1, #UART_FR]
	tst	r3, #UART_FR_TXFF
	bne	2b
	str	r2, [r1, #UART_DR]
	b	1b
	.size	nk_puts, . - nk_puts

	.ltorg					@ literals inside the image: they are copied with it

	@ word-aligned, so that adr reaches each with one instruction
	.balign	4
nk_str_booted:		.asciz	"new kernel: booted\n"
	.balign	4
nk_str_csum_ok:		.asciz	"new kernel: image checksum ok\n"
	.balign	4
nk_str_csum_bad:	.asciz	"new kernel: image checksum bad\n"
	.balign	4
	.if	VARIANT == V_CPU_KILL
nk_str_power_on:	.asciz	"new kernel: powering on cpu1\n"
	.else
nk_str_release:		.asciz	"new kernel: releasing cpu1\n"
	.endif
	.balign	4
nk_str_checkin:		.asciz	"new kernel: cpu1 checked in\n"
	.balign	4
nk_str_no_checkin:	.asciz	"new kernel: cpu1 did not check in\n"
	.balign	4
nk_str_bad_checkin:	.asciz	"new kernel: wrong cpu checked in\n"
	.balign	4
