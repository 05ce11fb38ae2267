/*
 * blobs_lzma.S - bench_lzma's binary test data, included as is (.incbin)
 * through the assembler's include path (-Wa,-I<data dir>):
 *   bench_lzma        lzma.bin, the raw LZMA stream (gen lzma)
 *   bench_lzma_image  image.bin, the bytes it decodes to: the 'flash' that
 *                     the far reader reads back
 * In read-only data on Cortex-M; in program memory on AVR (memcpy_P).
 */
#ifdef __AVR__
    .section .progmem.data.bench_lzma, "a", @progbits
#else
    .section .rodata.bench_lzma, "a", %progbits
#endif
    .balign 4
    .global bench_lzma
bench_lzma:
    .incbin "lzma.bin"
    .global bench_lzma_end
bench_lzma_end:
    .balign 4
    .global bench_lzma_image
bench_lzma_image:
    .incbin "image.bin"
