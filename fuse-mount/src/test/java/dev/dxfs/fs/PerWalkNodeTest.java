package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * An executable's node is made for one walk and answered again to a later walk only when nothing
 * can be using it: an exec bans writes to its node before the daemon hears of the open, so a
 * writer must never get a node that a program may be started from, or is running from.
 */
class PerWalkNodeTest {
    private static final int PROGRAM = 0100755;
    private static final int WALKER = 101;
    private static final int OTHER = 202;

    private final Node node = new Node(2, -1, 1, 2, PROGRAM, false);

    @Test
    void noOtherWalkGetsTheNodeBeforeItsWalkHasOpenedIt() {
        node.madeFor(WALKER);
        assertThat(node.takeFor(OTHER)).as("its walk may still exec it, or open it for writing").isFalse();
        assertThat(node.takeFor(WALKER)).as("the same thread's next walk: its first is over").isTrue();
    }

    @Test
    void noWalkGetsTheNodeWhileAHandleOfItIsOpenInTheKernel() {
        node.madeFor(WALKER);
        OpenFile exec = openedBy(WALKER, true);
        assertThat(node.takeFor(OTHER)).as("a program runs from it").isFalse();
        exec.closedByKernel();
        assertThat(node.takeFor(OTHER)).as("its RELEASE is received: the write ban went before it").isTrue();
        assertThat(node.takeFor(WALKER)).as("now the other walk's until it opens").isFalse();
    }

    @Test
    void anOpenByAnotherThreadDoesNotEndTheWalk() {
        node.madeFor(WALKER);
        OpenFile reopened = openedBy(OTHER, false);
        reopened.closedByKernel();
        assertThat(node.takeFor(OTHER)).as("a reopen through /proc is not the walk's open").isFalse();
    }

    /** A handle of the node that {@code thread} opened, to run the program or to read it. */
    private OpenFile openedBy(int thread, boolean executes) {
        OpenFile file = new PlainFile(node, -1, executes, true, false);
        node.add(file);
        node.openedBy(thread);
        return file;
    }
}
