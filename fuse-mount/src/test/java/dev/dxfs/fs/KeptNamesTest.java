package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import org.junit.jupiter.api.Test;

class KeptNamesTest {
    private static final Node DIR = new Node(1, -1, 1, 1, 040755, true);
    private static final Node OTHER_DIR = new Node(2, -1, 1, 2, 040755, true);
    private static final Binding NAME = new Binding(DIR, "f");

    private final KeptNames names = new KeptNames();
    private int epochs;
    private final KernelCache kernel = new KernelCache() {
        @Override
        public void forgetAttributes(long node) {
        }

        @Override
        public void forgetNames() {
            epochs++;
        }
    };

    @Test
    void aNameCountsWhileItIsLookedUpAndStaysCountedOnlyIfKept() {
        names.resolving(NAME);
        assertThat(names.mayBeKept(NAME)).as("looked up now").isTrue();
        names.answered(NAME, false);
        assertThat(names.mayBeKept(NAME)).as("answered, not kept").isFalse();
        names.resolving(NAME);
        names.answered(NAME, true);
        assertThat(names.mayBeKept(NAME)).as("answered, kept").isTrue();
        assertThat(names.keptUntil(NAME) - System.nanoTime()).as("for the kernel's keeping time at least")
                .isGreaterThan((long) (KernelTimeouts.KEEP * 1e9) / 2);
        assertThat(names.mayBeKept(new Binding(OTHER_DIR, "f"))).as("the same name in another directory").isFalse();
    }

    @Test
    void theEpochForgetsKeptNamesButNotLookupsInProgress() {
        Binding inProgress = new Binding(DIR, "g");
        names.resolving(NAME);
        names.answered(NAME, true);
        names.resolving(inProgress);
        names.forgetAll(kernel);
        assertThat(epochs).isEqualTo(1);
        assertThat(names.mayBeKept(NAME)).as("kept before the epoch").isFalse();
        assertThat(names.mayBeKept(inProgress)).as("looked up across the epoch").isTrue();
        names.answered(inProgress, true);
        assertThat(names.mayBeKept(inProgress)).as("answered kept after the epoch").isTrue();
    }

    @Test
    void aRenameThroughTheKernelMovesAKeptName() {
        Binding to = new Binding(OTHER_DIR, "renamed");
        names.resolving(NAME);
        names.answered(NAME, true);
        names.renamed(NAME, to, false);
        assertThat(names.mayBeKept(to)).isTrue();

        Binding unkept = new Binding(DIR, "unkept");
        names.renamed(to, unkept, true);
        assertThat(names.mayBeKept(unkept)).as("exchanged with a kept name").isTrue();
    }
}
