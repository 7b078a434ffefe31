package dev.dxfs.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WriteKindTest {
    @Test
    void onlyRewritesAndEditsAreStaged() {
        assertThat(WriteKind.REWRITE.staged()).isTrue();
        assertThat(WriteKind.EDIT.staged()).isTrue();
        assertThat(WriteKind.READ.staged()).isFalse();
        assertThat(WriteKind.APPEND.staged()).isFalse();
        assertThat(WriteKind.UNSTAGED.staged()).isFalse();
    }
}
