package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeSetTest {
    private static final int FILE = 0100644;

    /** A set by identity: a node once, whatever it is added again; a removal keeps the others. */
    @Test
    void holdsEachNodeOnceAndKeepsTheOthersAtARemoval() {
        NodeSet set = new NodeSet();
        Node one = node(2);
        Node two = node(3);
        Node three = node(4);
        assertThat(set.add(one)).isTrue();
        assertThat(set.add(two)).as("past the first slot").isTrue();
        assertThat(set.add(three)).isTrue();
        assertThat(set.add(two)).as("already there").isFalse();
        assertThat(set).containsExactlyInAnyOrder(one, two, three);

        assertThat(set.remove(one)).isTrue();
        assertThat(set.remove(one)).as("gone already").isFalse();
        assertThat(set.contains(one)).isFalse();
        assertThat(List.copyOf(set)).containsExactlyInAnyOrder(two, three);
        assertThat(set.remove(two)).isTrue();
        assertThat(set.remove(three)).isTrue();
        assertThat(set).isEmpty();
        assertThat(set.add(one)).as("after emptying").isTrue();
        assertThat(set).containsExactly(one);
    }

    private static Node node(long id) {
        return new Node(id, -1, 1, id, FILE, true);
    }
}
