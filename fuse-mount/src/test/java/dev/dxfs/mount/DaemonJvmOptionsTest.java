package dev.dxfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DaemonJvmOptionsTest {
    @Test
    void readsTheOptionsAndNothingOfTheComments() {
        assertThat(DaemonJvmOptions.read())
                .contains("-Xmx64m", "-XX:+UseSerialGC", "-XX:TrimNativeHeapInterval=2000")
                .allSatisfy(option -> assertThat(option).startsWith("-").doesNotContain("#"));
    }
}
