/*
 * blobs.S - the benchmarks' binary test data, included as is (.incbin):
 *   bench_stream     stream.bin, the framed raw deflate stream (gen deflate)
 *   bench_container  container.fwpk, packed by fwpack (when BENCH_CONTAINER)
 *   bench_image      image.bin, what the stream inflates to: the flash
 *                    that the resumable decoder reads history back from
 *                    (when BENCH_IMAGE)
 *   bench_cimage     container-image.bin, the image that container holds
 *                    (when BENCH_CIMAGE: what a resumed run reads back)
 * Found through the assembler's include path (-Wa,-I<data dir>).  In
 * read-only data on Cortex-M; in program memory on AVR (read with
 * memcpy_P / pgm_read_byte).
 */
#ifdef __AVR__
    .section .progmem.data.bench_blobs, "a", @progbits
#else
    .section .rodata.bench_blobs, "a", %progbits
#endif
    .balign 4
    .global bench_stream
bench_stream:
    .incbin "stream.bin"
    .global bench_stream_end
bench_stream_end:

#ifdef BENCH_IMAGE
    .balign 4
    .global bench_image
bench_image:
    .incbin "image.bin"
#endif

#ifdef BENCH_CONTAINER
    .balign 4
    .global bench_container
bench_container:
    .incbin "container.fwpk"
    .global bench_container_end
bench_container_end:
#endif

#ifdef BENCH_CIMAGE
    .balign 4
    .global bench_cimage
bench_cimage:
    .incbin "container-image.bin"
    .global bench_cimage_end
bench_cimage_end:
#endif
