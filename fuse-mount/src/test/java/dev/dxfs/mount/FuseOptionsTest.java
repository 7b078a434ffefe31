package dev.dxfs.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FuseOptionsTest {

    @Test
    void takesTheCommandLinesOptionsKeepsKernelFlagsAndIgnoresMountsAndSystemds() throws CliException {
        // What mount.fuse hands over for an fstab line "defaults,nofail,_netdev,x-systemd.automount,..."
        MountOptions options = FuseOptions.parse(List.of(
                "rw,allow_other,fsync,include=*.bin,exclude=*.log,nofail,dev,suid,noexec,nonempty",
                "defaults,_netdev,x-systemd.automount,comment=x-gvfs-show,debug"));

        assertThat(options.allowOther).isTrue();
        assertThat(options.durable).isTrue();
        assertThat(options.debug).isTrue();
        assertThat(options.includes).containsExactly("*.bin");
        assertThat(options.excludes).containsExactly("*.log");
        assertThat(options.mountFlags).containsExactly("rw", "dev", "suid", "noexec");
    }

    @Test
    void aCommaInsideAGlobIsEscaped() throws CliException {
        assertThat(FuseOptions.parse(List.of("include=*.{so\\,bin},fsync")).includes).containsExactly("*.{so,bin}");
    }

    @Test
    void choosesTheTransportByName() throws CliException {
        assertThat(FuseOptions.parse(List.of("fsync")).transport()).isEqualTo(Transport.KERNEL);
        assertThat(FuseOptions.parse(List.of("transport=libfuse,fsync")).transport()).isEqualTo(Transport.LIBFUSE);
        assertThat(FuseOptions.parse(List.of("transport=kernel,fsync")).transport()).isEqualTo(Transport.KERNEL);
        assertThatThrownBy(() -> FuseOptions.parse(List.of("transport=fast")))
                .hasMessage("unknown transport 'fast': kernel or libfuse");
        assertThatThrownBy(() -> FuseOptions.parse(List.of("transport")))
                .hasMessage("mount option 'transport' needs a value: transport=NAME");
    }

    @Test
    void refusesUnknownOptionsAndMisusedOnesNamingThem() {
        assertThatThrownBy(() -> FuseOptions.parse(List.of("allow_other,big_writes")))
                .hasMessageStartingWith("unknown mount option 'big_writes': dxfs takes allow_other, fsync");
        assertThatThrownBy(() -> FuseOptions.parse(List.of("include")))
                .hasMessage("mount option 'include' needs a glob: include=GLOB");
        assertThatThrownBy(() -> FuseOptions.parse(List.of("fsync=yes")))
                .hasMessage("mount option 'fsync=yes' takes no value: write it alone");
    }
}
