@ gic.S - GICv1 set-up and SGIs (Cortex-A9 MPCore private GIC).
@
@ SGI/PPI enables and priorities (word 0 of ISENABLER, words 0-7 of
@ IPRIORITYR) are banked: each core configures its own copy in
@ gic_cpu_init.  Only the distributor enable is shared.

	.include "board.inc"
	.syntax	unified
	.arm
	.text

@ gic_dist_init(): core 0, once.  Nothing global to program for SGIs, so
@ this is disable (quiesce before configuring, as on a real boot) + enable.
	.global	gic_dist_init
	.type	gic_dist_init, %function
gic_dist_init:
	ldr	r0, =GICD_BASE
	mov	r1, #0
	str	r1, [r0, #GICD_CTLR]
	mov	r1, #1
	str	r1, [r0, #GICD_CTLR]
	bx	lr
	.size	gic_dist_init, . - gic_dist_init

@ gic_cpu_init(): every core, for itself.
	.global	gic_cpu_init
	.type	gic_cpu_init, %function
gic_cpu_init:
	ldr	r0, =GICD_BASE
	ldr	r1, =0xffff
	str	r1, [r0, #GICD_ISENABLER]	@ SGIs 0-15 (banked)
	ldr	r1, =GIC_PRIO_SGI * 0x01010101
	str	r1, [r0, #GICD_IPRIORITYR + 0]	@ SGIs 0-15 (banked)
	str	r1, [r0, #GICD_IPRIORITYR + 4]
	str	r1, [r0, #GICD_IPRIORITYR + 8]
	str	r1, [r0, #GICD_IPRIORITYR + 12]
	ldr	r0, =GICC_BASE
	mov	r1, #GIC_PMR_OPEN
	str	r1, [r0, #GICC_PMR]
	mov	r1, #1
	str	r1, [r0, #GICC_CTLR]
	bx	lr
	.size	gic_cpu_init, . - gic_cpu_init

@ gic_send_sgi(r0 = SGI id, r1 = target core mask)
	.global	gic_send_sgi
	.type	gic_send_sgi, %function
gic_send_sgi:
	orr	r0, r0, r1, lsl #SGIR_TARGETS_SHIFT
	@ fall through

@ gic_sgir(r0 = raw GICD_SGIR value): filter, targets and id
	.global	gic_sgir
	.type	gic_sgir, %function
gic_sgir:
	ldr	r1, =GICD_BASE
	dsb					@ our stores (the message) visible before the SGI announcing it
	str	r0, [r1, #GICD_SGIR]
	bx	lr
	.size	gic_sgir, . - gic_sgir
	.size	gic_send_sgi, . - gic_send_sgi

	.ltorg
