package dev.dxfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fs.Libc;
import org.junit.jupiter.api.Test;

class EffectiveUserTest {

    @Test
    void isTheUidLibcNames() {
        assertThat(EffectiveUser.id()).isEqualTo(Libc.C.geteuid());
    }
}
