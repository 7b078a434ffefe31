package dev.dxfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NegotiationTest {
    /** A kernel that offers every feature there is (each bit of fuse_init_in.flags and flags2). */
    private static final int EVERYTHING = -1;
    private static final int MIB = 1 << 20;

    @Test
    void aNewerKernelGetsOurNewestMinorAndOnlyTheFeaturesTheMountUses() {
        ByteBuffer out = answerBuffer();
        Negotiation agreed = Negotiation.answer(offer(7, 45, EVERYTHING, EVERYTHING, 131072), 0, out, MIB);

        assertThat(agreed.minor()).isEqualTo(Protocol.NEWEST_MINOR);
        assertThat(agreed.flags()).isEqualTo(Protocol.ASYNC_READ | Protocol.ATOMIC_O_TRUNC | Protocol.BIG_WRITES
                | Protocol.DONT_MASK | Protocol.HANDLE_KILLPRIV | Protocol.POSIX_ACL | Protocol.MAX_PAGES
                | Protocol.INIT_EXT);
        assertThat(agreed.flags2()).isEqualTo(Protocol.DIRECT_IO_ALLOW_MMAP | Protocol.PASSTHROUGH);
        assertThat(agreed.answerSize()).isEqualTo(64);
        assertThat(out.getInt(0)).isEqualTo(7);
        assertThat(out.getInt(4)).isEqualTo(Protocol.NEWEST_MINOR);
        assertThat(out.getInt(8)).as("max_readahead, as offered").isEqualTo(131072);
        assertThat(out.getInt(12)).isEqualTo(agreed.flags());
        assertThat(out.getShort(16)).as("max_background").isEqualTo((short) 4096);
        assertThat(out.getShort(18)).as("congestion_threshold").isEqualTo((short) 3072);
        assertThat(out.getInt(20)).as("max_write").isEqualTo(MIB);
        assertThat(out.getInt(24)).as("time_gran: the kernel's default").isZero();
        assertThat(out.getShort(28)).as("max_pages: 1 MiB of 4 KiB pages").isEqualTo((short) 256);
        assertThat(out.getInt(32)).as("flags2").isEqualTo(Protocol.DIRECT_IO_ALLOW_MMAP | Protocol.PASSTHROUGH);
        assertThat(out.getInt(36)).as("max_stack_depth").isEqualTo(1);
    }

    @Test
    void aKernelWithoutFlags2GetsNoneOfItsFeatures() {
        // 7.31 (Linux 5.4): MAX_PAGES, but fuse_init_in ends after flags; what follows is not flags2.
        int offered = Protocol.ASYNC_READ | Protocol.MAX_PAGES;
        ByteBuffer out = answerBuffer();
        Negotiation agreed = Negotiation.answer(offer(7, 31, offered, EVERYTHING, 131072), 0, out, MIB);

        assertThat(agreed.flags()).isEqualTo(offered);
        assertThat(agreed.flags2()).isZero();
        assertThat(out.getInt(32)).isZero();
    }

    @Test
    void passthroughIsAskedForInFlags2WithAStackDepthOfOneWhenTheKernelOffersIt() {
        ByteBuffer out = answerBuffer();
        Negotiation agreed = Negotiation.answer(offer(7, 45, EVERYTHING, Protocol.PASSTHROUGH | 1, 131072), 0, out, MIB);

        assertThat(agreed.passthrough()).isTrue();
        assertThat(out.getInt(12) & Protocol.INIT_EXT).as("flags, with INIT_EXT").isNotZero();
        assertThat(out.getInt(32)).as("flags2: passthrough alone").isEqualTo(Protocol.PASSTHROUGH);
        assertThat(out.getInt(36)).as("max_stack_depth").isEqualTo(1);

        ByteBuffer without = answerBuffer();
        assertThat(Negotiation.answer(offer(7, 45, EVERYTHING, 0, 131072), 0, without, MIB).passthrough()).isFalse();
        assertThat(without.getInt(12) & Protocol.INIT_EXT).isZero();
        assertThat(without.getInt(32)).isZero();
        assertThat(without.getInt(36)).isZero();
        assertThat(Negotiation.answer(offer(7, 39, EVERYTHING, EVERYTHING, 131072), 0, answerBuffer(), MIB).passthrough())
                .as("7.39 has no backing ids").isFalse();
    }

    @Test
    void anOlderKernelKeepsItsMinorItsShorterAnswerAndLeavesOutWhatItDoesNotOffer() {
        // 7.19 (Linux 3.5): no POSIX_ACL yet.
        int offered = Protocol.ASYNC_READ | Protocol.ATOMIC_O_TRUNC | Protocol.BIG_WRITES | Protocol.DONT_MASK;
        ByteBuffer out = answerBuffer();
        Negotiation agreed = Negotiation.answer(offer(7, 19, offered, 0, 65536), 0, out, 131072);

        assertThat(agreed.minor()).isEqualTo(19);
        assertThat(agreed.flags()).isEqualTo(offered);
        assertThat(agreed.answerSize()).isEqualTo(24);
        assertThat(out.getInt(4)).isEqualTo(19);
    }

    @Test
    void aNewerMajorIsAnsweredWithOursAloneAndTooOldAProtocolIsRefused() {
        ByteBuffer out = answerBuffer();
        assertThat(Negotiation.answer(offer(8, 0, EVERYTHING, EVERYTHING, 131072), 0, out, 131072)).isNull();
        assertThat(out.getInt(0)).isEqualTo(7);

        assertThatThrownBy(() -> Negotiation.answer(offer(7, 11, 0, 0, 131072), 0, answerBuffer(), 131072))
                .hasMessageContaining("7.11");
    }

    private static ByteBuffer offer(int major, int minor, int flags, int flags2, int maxReadahead) {
        ByteBuffer in = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        in.putInt(0, major).putInt(4, minor).putInt(8, maxReadahead).putInt(12, flags).putInt(16, flags2);
        return in;
    }

    private static ByteBuffer answerBuffer() {
        return ByteBuffer.allocate(Protocol.INIT_OUT_SIZE).order(ByteOrder.nativeOrder());
    }
}
