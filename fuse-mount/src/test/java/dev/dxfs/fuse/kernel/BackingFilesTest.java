package dev.dxfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which backing id each open of a node names: the kernel fails with EIO an open that names none
 * when it completes after one of the node's opens that passes through, and it completes opens in
 * the openers' own time, not in the order they were answered.
 */
class BackingFilesTest {
    private static final long NODE = 5;
    private static final int VERSION_FD = 40;

    private final List<Integer> registered = new ArrayList<>();
    private final List<Integer> unregistered = new ArrayList<>();
    private final BackingFiles files = new BackingFiles(fd -> {
        registered.add(fd);
        return registered.size();
    }, unregistered::add);

    @BeforeEach
    void passthroughAgreed() {
        files.enable();
    }

    @Test
    void readersOfAVersionShareOneRegistrationEndedByTheLastRelease() {
        int first = files.open(NODE, 1, VERSION_FD);
        int second = files.open(NODE, 2, VERSION_FD);

        assertThat(first).isPositive();
        assertThat(second).isEqualTo(first);
        files.released(1);
        assertThat(unregistered).isEmpty();
        files.released(2);
        assertThat(unregistered).containsExactly(first);
    }

    @Test
    void aStagedWriterNamesTheNodesRegistrationWhenThereIsOne() {
        int reader = files.open(NODE, 1, VERSION_FD);

        assertThat(files.open(NODE, 2, -1)).isEqualTo(reader);
    }

    @Test
    void noRegistrationIsMadeWhileAnOpenAnsweredWithoutOneMayStillBeCompleting() {
        assertThat(files.open(NODE, 1, -1)).isZero();

        // A retried reader that must share the staged writer's node: had it registered the
        // version, and the kernel completed its open first, the writer's open would fail with EIO.
        assertThat(files.open(NODE, 2, VERSION_FD)).isZero();
        assertThat(registered).isEmpty();

        files.released(1);
        files.released(2);
        assertThat(files.open(NODE, 3, VERSION_FD)).isPositive();
    }

    @Test
    void anOpenWhoseAnswerTheKernelRefusedGivesItsCountBack() {
        files.open(NODE, 1, -1);
        files.released(1);

        assertThat(files.open(NODE, 2, VERSION_FD)).isPositive();
    }

    @Test
    void otherNodesAreNotHeldBack() {
        files.open(NODE, 1, -1);

        assertThat(files.open(NODE + 1, 2, VERSION_FD)).isPositive();
    }
}
