package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class KeptNamesTest {
    private static final Node DIR = new Node(1, -1, 1, 1, 040755, true);
    private static final Node OTHER_DIR = new Node(2, -1, 1, 2, 040755, true);
    private static final Binding NAME = new Binding(DIR, "f");

    private final KeptNames names = new KeptNames();
    private int epochs;
    /** What happens while the epoch rises: another thread's look at the names. */
    private Runnable duringTheRise = () -> { };
    private final KernelCache kernel = new KernelCache() {
        @Override
        public void forgetAttributes(long node) {
        }

        @Override
        public void forgetNames() {
            duringTheRise.run();
            epochs++;
        }
    };

    @Test
    void aNameCountsWhileItIsLookedUpAndStaysCountedOnlyIfKept() {
        names.resolving(NAME);
        assertThat(names.mayBeKept(NAME)).as("looked up now").isTrue();
        names.answered(NAME, 0);
        assertThat(names.mayBeKept(NAME)).as("answered, not kept").isFalse();
        names.resolving(NAME);
        names.answered(NAME, KernelTimeouts.KEEP);
        assertThat(names.mayBeKept(NAME)).as("answered, kept").isTrue();
        assertThat(names.keptUntil(NAME) - System.nanoTime()).as("for the keeping time it was answered with, and a second")
                .isBetween((long) (KernelTimeouts.KEEP * 1e9), (long) ((KernelTimeouts.KEEP + 1) * 1e9));
        assertThat(names.mayBeKept(new Binding(OTHER_DIR, "f"))).as("the same name in another directory").isFalse();
    }

    @Test
    void theEpochForgetsKeptNamesButNotLookupsInProgress() {
        Binding inProgress = new Binding(DIR, "g");
        names.resolving(NAME);
        names.answered(NAME, KernelTimeouts.KEEP);
        names.resolving(inProgress);
        names.forgetAll(kernel);
        assertThat(epochs).isEqualTo(1);
        assertThat(names.mayBeKept(NAME)).as("kept before the epoch").isFalse();
        assertThat(names.mayBeKept(inProgress)).as("looked up across the epoch").isTrue();
        names.answered(inProgress, KernelTimeouts.KEEP);
        assertThat(names.mayBeKept(inProgress)).as("answered kept after the epoch").isTrue();
    }

    /**
     * Two writers' closes at once: the second asks whether a name may be kept while the first's
     * epoch is still being sent. The name counts until the epoch has risen (else the second
     * close raised none, and the kernel kept the name past the second publish); a name answered
     * kept meanwhile stays counted.
     */
    @Test
    void aKeptNameCountsUntilTheEpochHasRisen() {
        Binding answeredMeanwhile = new Binding(DIR, "meanwhile");
        names.resolving(NAME);
        names.answered(NAME, KernelTimeouts.KEEP);
        boolean[] keptDuringTheRise = new boolean[1];
        duringTheRise = () -> {
            keptDuringTheRise[0] = names.mayBeKept(NAME);
            names.resolving(answeredMeanwhile);
            names.answered(answeredMeanwhile, KernelTimeouts.KEEP);
        };
        names.forgetAll(kernel);
        assertThat(keptDuringTheRise[0]).as("kept while the epoch rises").isTrue();
        assertThat(names.mayBeKept(NAME)).as("once it has risen").isFalse();
        assertThat(names.mayBeKept(answeredMeanwhile)).as("answered kept while it rose").isTrue();
    }

    @Test
    void aRenameThroughTheKernelMovesAKeptName() {
        Binding to = new Binding(OTHER_DIR, "renamed");
        names.resolving(NAME);
        names.answered(NAME, KernelTimeouts.KEEP);
        names.renamed(NAME, to, false);
        assertThat(names.mayBeKept(to)).isTrue();

        Binding unkept = new Binding(DIR, "unkept");
        names.renamed(to, unkept, true);
        assertThat(names.mayBeKept(unkept)).as("exchanged with a kept name").isTrue();
    }

    /** A name the epoch made the kernel forget is not kept at a new name either once renamed. */
    @Test
    void aRenameAfterTheEpochMovesNoForgottenName() {
        Binding to = new Binding(OTHER_DIR, "renamed");
        names.resolving(NAME);
        names.answered(NAME, KernelTimeouts.KEEP);
        names.forgetAll(kernel);
        names.renamed(NAME, to, false);
        assertThat(names.mayBeKept(to)).isFalse();
        assertThat(names.keptUntil(to) - System.nanoTime()).as("nothing to wait for").isLessThanOrEqualTo(0);
    }

    /**
     * The kernel may have a lookup's answer, and send a rename of the name, before the lookup's
     * thread notes that it answered the name kept: the new name counts as kept all the same.
     */
    @Test
    void aRenameWhileTheNameIsStillBeingAnsweredMovesItAsKept() {
        Binding to = new Binding(OTHER_DIR, "renamed");
        names.resolving(NAME);
        names.renamed(NAME, to, false);
        names.answered(NAME, KernelTimeouts.KEEP);
        assertThat(names.mayBeKept(to)).isTrue();
        assertThat(names.keptUntil(to) - System.nanoTime()).as("for as long as a lookup keeps a name, and a second")
                .isBetween((long) (KernelTimeouts.KEEP * 1e9), (long) ((KernelTimeouts.KEEP + 1) * 1e9));
    }

    /**
     * A name whose file a publish replaced is not given to keep for a while, in whatever node of
     * its directory it is looked up next (the kernel may have forgotten the directory's inode and
     * been given a new node of it); the same name elsewhere, and other names, are.
     */
    @Test
    void aNameWhoseFileWasReplacedIsNotKeptInAnyNodeOfItsDirectory() {
        Node sameDirectoryAgain = new Node(3, -1, DIR.dev, DIR.ino, 040755, true);
        assertThat(names.replacedLately(NAME)).as("before any publish").isFalse();
        names.replaced(NAME);
        assertThat(names.replacedLately(NAME)).as("right after its publish").isTrue();
        assertThat(names.replacedLately(new Binding(sameDirectoryAgain, "f"))).as("through another node of the directory")
                .isTrue();
        assertThat(names.replacedLately(new Binding(OTHER_DIR, "f"))).as("the same name in another directory").isFalse();
        assertThat(names.replacedLately(new Binding(DIR, "g"))).as("another name").isFalse();
    }

    /**
     * Where names cannot be forgotten, a change waits for what the kernel was actually given: a
     * name answered for a moment is waited for that moment and the second the kernel may start
     * it late (not for twice the usual timeout, 2 s; the half second above it is this test's own
     * scheduling); a lookup still in progress is waited for, then its answer.
     */
    @Test
    void theWaitForANameEndsWithTheTimeoutItsAnswerGave() throws Exception {
        double given = 0.2;
        names.resolving(NAME);
        names.answered(NAME, given);
        long start = System.nanoTime();
        names.awaitExpiry(NAME);
        assertThat(System.nanoTime() - start).as("waited")
                .isBetween((long) (given * 1e9), (long) ((given + 1.5) * 1e9));

        names.resolving(NAME);
        Thread answer = new Thread(() -> {
            LockSupport.parkNanos(200_000_000L);
            names.answered(NAME, 0);
        });
        answer.start();
        names.awaitExpiry(NAME);
        assertThat(names.mayBeKept(NAME)).as("once waited for: the lookup in progress was answered, not kept").isFalse();
        answer.join();
    }
}
