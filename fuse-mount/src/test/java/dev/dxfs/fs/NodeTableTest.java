package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class NodeTableTest {
    private static final int FILE = 0100644;
    private static final int DIRECTORY = 040755;

    private final NodeTable nodes = new NodeTable(-1, 1, 1, DIRECTORY);
    private long inodes = 1;

    /**
     * What pruning asks the kernel to let go of: nodes nothing holds open, leaves only, those
     * unused longest first, so that the files a build keeps using stay and a walk's pass does not.
     */
    @Test
    void theUnusedNodesComeLongestUnusedFirst() throws FsException {
        Node first = file(nodes.root, "first");
        Node second = file(nodes.root, "second");
        Node third = file(nodes.root, "third");
        Node directory = add(nodes.root, "dir", DIRECTORY);
        Node inside = file(directory, "inside");
        Node open = file(nodes.root, "open");
        nodes.pin(open);
        pause();
        nodes.get(first.id);
        pause();
        assertThat(unused(3)).containsExactly(second.id, third.id, inside.id);
        assertThat(unused(10)).as("all but the open file and the directory holding a name")
                .containsExactly(second.id, third.id, inside.id, first.id);
    }

    /**
     * A new file's node is its creator's until the publish puts its inode at the name; from then
     * on lookups of the name answer it, and make no second node of the inode.
     */
    @Test
    void aNewFilesNodeAnswersLookupsOnceItsPublishSharesIt() {
        long ino = ++inodes;
        Node created = nodes.add(nodes.root, "new", -1, 1, ino, FILE, true, 0);
        assertThat(nodes.reuse(nodes.root, "new", 1, ino, FILE, false)).as("before its publish").isNull();
        nodes.share(created);
        assertThat(created.shareable).isTrue();
        assertThat(nodes.reuse(nodes.root, "new", 1, ino, FILE, false)).as("after its publish").isSameAs(created);
        assertThat(nodes.nodesOfInode(created)).containsExactly(created);
        assertThat(nodes.reuse(nodes.root, "new", 1, ino + 1, FILE, false)).as("once another inode is at the name")
                .isNull();
    }

    /**
     * A request past the mark waits for the FORGETs that a prune brings: the wait ends with the
     * one that drops a node, and once its time is up without one.
     */
    @Test
    void aWaitForFewerNodesEndsWithTheForgetThatDropsOne() throws InterruptedException {
        Node file = file(nodes.root, "file");
        assertThat(nodes.awaitFewer(2, TimeUnit.MILLISECONDS.toNanos(20))).as("with no forget").isFalse();
        Thread kernel = new Thread(() -> {
            pause();
            nodes.forget(file.id, 1);
        });
        long start = System.nanoTime();
        kernel.start();
        assertThat(nodes.awaitFewer(2, TimeUnit.SECONDS.toNanos(30))).as("with the file's forget").isTrue();
        assertThat(System.nanoTime() - start).as("waited, ended by the forget, not by its time")
                .isLessThan(TimeUnit.SECONDS.toNanos(15));
        assertThat(nodes.size()).isEqualTo(1);
        kernel.join();
    }

    private long[] unused(int max) {
        long[] ids = new long[max];
        return Arrays.copyOf(ids, nodes.unused(ids, max));
    }

    private Node file(Node parent, String name) {
        return add(parent, name, FILE);
    }

    private Node add(Node parent, String name, int mode) {
        Node node = nodes.add(parent, name, -1, 1, ++inodes, mode, false, 0);
        pause();
        return node;
    }

    /** Apart in time, whatever the clock's resolution. */
    private static void pause() {
        LockSupport.parkNanos(2_000_000);
    }
}
