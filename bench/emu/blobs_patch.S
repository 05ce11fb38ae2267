/*
 * blobs_patch.S - bench_patch's binary test data (gen_patch), included as
 * is (.incbin) through the assembler's include path (-Wa,-I<data dir>):
 *   bench_patch       patch.bin, the patch the applier reads
 *   bench_patch_base  base.bin, the old image: the device's active slot,
 *                     read as memory-mapped flash
 */
    .section .rodata.bench_patch, "a", %progbits
    .balign 4
    .global bench_patch
bench_patch:
    .incbin "patch.bin"
    .balign 4
    .global bench_patch_base
bench_patch_base:
    .incbin "base.bin"
