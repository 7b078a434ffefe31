package dev.dxfs.policy;

import static dev.dxfs.policy.OpenFlags.FMODE_EXEC;
import static dev.dxfs.policy.OpenFlags.O_APPEND;
import static dev.dxfs.policy.OpenFlags.O_CREAT;
import static dev.dxfs.policy.OpenFlags.O_EXCL;
import static dev.dxfs.policy.OpenFlags.O_RDONLY;
import static dev.dxfs.policy.OpenFlags.O_RDWR;
import static dev.dxfs.policy.OpenFlags.O_TRUNC;
import static dev.dxfs.policy.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenFlagsTest {
    // The daemon compares these with the flags the kernel passes, so they must be Linux's values.
    @Test
    void valuesAreThoseOfLinux() {
        assertThat(OpenFlags.O_ACCMODE).isEqualTo(03);
        assertThat(O_RDONLY).isEqualTo(00);
        assertThat(O_WRONLY).isEqualTo(01);
        assertThat(O_RDWR).isEqualTo(02);
        assertThat(O_CREAT).isEqualTo(0100);
        assertThat(O_EXCL).isEqualTo(0200);
        assertThat(O_TRUNC).isEqualTo(01000);
        assertThat(O_APPEND).isEqualTo(02000);
        assertThat(FMODE_EXEC).isEqualTo(040);
    }

    @Test
    void accessModeDecidesReadsAndWrites() {
        assertThat(OpenFlags.reads(O_RDONLY)).isTrue();
        assertThat(OpenFlags.writes(O_RDONLY)).isFalse();
        assertThat(OpenFlags.reads(O_WRONLY)).isFalse();
        assertThat(OpenFlags.writes(O_WRONLY)).isTrue();
        assertThat(OpenFlags.reads(O_RDWR)).isTrue();
        assertThat(OpenFlags.writes(O_RDWR)).isTrue();
        // other bits never change the access mode
        int others = O_CREAT | O_EXCL | O_TRUNC | O_APPEND | FMODE_EXEC;
        assertThat(OpenFlags.writes(O_RDONLY | others)).isFalse();
        assertThat(OpenFlags.reads(O_WRONLY | others)).isFalse();
    }

    @Test
    void eachPredicateTestsItsOwnBit() {
        int all = O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | FMODE_EXEC;

        assertThat(OpenFlags.truncates(all)).isTrue();
        assertThat(OpenFlags.truncates(all & ~O_TRUNC)).isFalse();
        assertThat(OpenFlags.appends(all)).isTrue();
        assertThat(OpenFlags.appends(all & ~O_APPEND)).isFalse();
        assertThat(OpenFlags.exclusive(all)).isTrue();
        assertThat(OpenFlags.exclusive(all & ~O_EXCL)).isFalse();
        assertThat(OpenFlags.executes(all)).isTrue();
        assertThat(OpenFlags.executes(all & ~FMODE_EXEC)).isFalse();
    }
}
