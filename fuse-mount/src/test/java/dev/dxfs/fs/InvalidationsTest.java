package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fuse.KernelCache;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidationsTest {
    private static final int FILE = 0100644;
    private static final int EXECUTABLE = 0100755;
    private static final int DIRECTORY = 040755;

    private final NodeTable nodes = new NodeTable(-1, 1, 1, DIRECTORY);
    private final Invalidations invalidations = new Invalidations(nodes, new KeptNames(), () -> false);
    private final List<Long> pruned = new ArrayList<>();
    private long inodes = 1;

    InvalidationsTest() {
        invalidations.connect(new KernelCache() {
            @Override
            public void forgetAttributes(long node) {
            }

            @Override
            public boolean prunes() {
                return true;
            }

            @Override
            public void prune(long[] ids, int count) {
                for (int i = 0; i < count; i++) {
                    pruned.add(ids[i]);
                }
            }
        });
    }

    /**
     * After a publish the name holds another inode: the kernel is asked to drop the name it keeps
     * of the writer's node, which would otherwise cost the next walk a second LOOKUP.
     */
    @Test
    void aPublishedNodeIsLetGo() {
        Node written = add(nodes.root, "f", FILE, false);
        invalidations.released(written, true, false);
        assertThat(pruned).containsExactly(written.id);
    }

    /** An executable's node is answered to one lookup only: once released, its name is of no use. */
    @Test
    void aNodeMadeForOneLookupIsLetGoAtItsRelease() {
        Node executable = add(nodes.root, "app", EXECUTABLE, true);
        Node shared = add(nodes.root, "f", FILE, false);
        invalidations.released(shared, false, false);
        assertThat(pruned).as("a node the next lookup answers again").isEmpty();
        invalidations.released(executable, false, false);
        assertThat(pruned).containsExactly(executable.id);
    }

    /**
     * The kernel drops with a name the directories above it that nothing uses any more: the last
     * name in a directory is left, or the next walk would look the directory up again.
     */
    @Test
    void theLastNameInADirectoryStays() {
        Node directory = add(nodes.root, "dir", DIRECTORY, false);
        Node alone = add(directory, "alone", FILE, false);
        invalidations.released(alone, true, false);
        assertThat(pruned).isEmpty();
        Node sibling = add(directory, "sibling", FILE, false);
        invalidations.released(sibling, true, false);
        assertThat(pruned).containsExactly(sibling.id);
    }

    /**
     * The kernel's RELEASE comes after the close returned: a stat by the closing process's next
     * step may have looked the name up again, and that name stays.
     */
    @Test
    void aNodeGivenAgainSinceTheOpenStays() {
        Node written = add(nodes.root, "f", FILE, false);
        invalidations.released(written, true, true);
        assertThat(pruned).isEmpty();
    }

    private Node add(Node parent, String name, int mode, boolean fresh) {
        return nodes.add(parent, name, -1, 1, ++inodes, mode, fresh, 0);
    }
}
