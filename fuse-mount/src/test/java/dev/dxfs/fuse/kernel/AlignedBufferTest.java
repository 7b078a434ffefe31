package dev.dxfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import org.junit.jupiter.api.Test;

/** A request thread's buffer: page-aligned, and resident only where it has been written. */
class AlignedBufferTest {
    private static final int MIB = 1 << 20;

    /** mincore(2): which pages of a range are resident. */
    public interface Residency {
        int mincore(Pointer addr, long length, @Out byte[] vec);
    }

    private static final Residency C = LibraryLoader.create(Residency.class).failImmediately().load("c");

    @Test
    void startsOnAPageBoundaryWithWholePages() {
        AlignedBuffer buffer = new AlignedBuffer(MIB + 1);

        assertThat(buffer.address % AlignedBuffer.PAGE).isZero();
        assertThat(buffer.bytes.capacity()).isEqualTo(MIB + AlignedBuffer.PAGE);
    }

    @Test
    void onlyThePagesWrittenAreResident() {
        AlignedBuffer buffer = new AlignedBuffer(MIB);
        assertThat(residentPages(buffer)).isZero();

        buffer.bytes.put(0, (byte) 1);
        buffer.bytes.putLong(100 * AlignedBuffer.PAGE + 8, 42);

        assertThat(residentPages(buffer)).isEqualTo(2);
    }

    @Test
    void theBufferAndTheAddressAreTheSameMemory() {
        AlignedBuffer buffer = new AlignedBuffer(2 * AlignedBuffer.PAGE);
        buffer.bytes.putInt(AlignedBuffer.PAGE + 4, 0x12345678);

        assertThat(buffer.pointer(AlignedBuffer.PAGE).getInt(4)).isEqualTo(0x12345678);
    }

    private static int residentPages(AlignedBuffer buffer) {
        byte[] pages = new byte[buffer.bytes.capacity() / AlignedBuffer.PAGE];
        assertThat(C.mincore(Pointer.wrap(Sys.RUNTIME, buffer.address), buffer.bytes.capacity(), pages)).isZero();
        int resident = 0;
        for (byte page : pages) {
            resident += page & 1;
        }
        return resident;
    }
}
