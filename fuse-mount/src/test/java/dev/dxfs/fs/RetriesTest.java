package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fs.NodeTable.Binding;
import org.junit.jupiter.api.Test;

class RetriesTest {
    private final Node dir = new Node(Node.ROOT_ID, -1, 1, 2, 0040755, true);
    private final Binding x = new Binding(dir, "x");
    private final Binding y = new Binding(dir, "y");
    private final Retries retries = new Retries();

    @Test
    void aCreateSentBackIsTheRetryOfItsThreadAndNameOnce() {
        retries.sentBack(7, x);

        assertThat(retries.take(8, x)).as("another thread").isFalse();
        assertThat(retries.take(7, x)).as("the retry").isTrue();
        assertThat(retries.take(7, x)).as("a second retry").isFalse();
    }

    /** The retry's lookup found a symlink and followed it: the thread's next create is no retry. */
    @Test
    void aMarkForAnotherNameGoesWithoutMakingARetry() {
        retries.sentBack(7, x);

        assertThat(retries.take(7, y)).isFalse();
        assertThat(retries.take(7, x)).as("the mark for x is gone").isFalse();
    }
}
