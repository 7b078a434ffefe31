package dev.dxfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an open's answer tells the kernel about the handle, from what the filesystem chose. */
class KernelFileInfoTest {
    private final KernelFileInfo file = new KernelFileInfo();

    @Test
    void aHandleWithNothingToFlushGetsNoFlushWithDirectIo() {
        file.reset(0, 0).directIo();
        file.nothingToFlush();

        assertThat(file.openFlags(0)).isEqualTo(Protocol.FOPEN_DIRECT_IO | Protocol.FOPEN_NOFLUSH);
    }

    @Test
    void aHandleThatMayHaveSomethingToFlushKeepsItsFlushes() {
        file.reset(0, 1).directIo();

        assertThat(file.openFlags(0)).isEqualTo(Protocol.FOPEN_DIRECT_IO);
    }

    @Test
    void aReaderThatPassesThroughGetsNoFlushAndAWriterNamingTheFileKeepsDirectIo() {
        file.reset(0, 0).passThrough(3, false);
        file.nothingToFlush();
        assertThat(file.openFlags(7)).isEqualTo(Protocol.FOPEN_PASSTHROUGH | Protocol.FOPEN_NOFLUSH);

        file.reset(0, 1).passThrough(3, true);
        assertThat(file.openFlags(7)).isEqualTo(Protocol.FOPEN_PASSTHROUGH | Protocol.FOPEN_DIRECT_IO);
    }

    @Test
    void aNewRequestForgetsWhatTheLastOneChose() {
        file.reset(0, 0).nothingToFlush();

        assertThat(file.reset(0, 0).openFlags(0)).isZero();
    }
}
