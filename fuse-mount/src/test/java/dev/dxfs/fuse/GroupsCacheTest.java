package dev.dxfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupsCacheTest {
    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final GroupsCache cache = new GroupsCache(100, now::get);

    private int[] read(int... groups) {
        reads.incrementAndGet();
        return groups;
    }

    @Test
    void aThreadsGroupsAreReadOnceWhileItKeepsItsIdentityForAShortTime() {
        assertThat(cache.of(7, 1000, 1000, () -> read(1000, 27))).containsExactly(1000, 27);
        now.set(99);
        assertThat(cache.of(7, 1000, 1000, () -> read(1))).containsExactly(1000, 27);
        assertThat(reads).hasValue(1);

        now.set(100);
        assertThat(cache.of(7, 1000, 1000, () -> read(1000))).as("after the time").containsExactly(1000);
        assertThat(reads).hasValue(2);
    }

    @Test
    void anotherUidOrGidOrThreadIsReadAgain() {
        cache.of(7, 1000, 1000, () -> read(27));
        assertThat(cache.of(7, 1001, 1000, () -> read(5))).containsExactly(5);
        assertThat(cache.of(7, 1001, 1001, () -> read(6))).containsExactly(6);
        assertThat(cache.of(8, 1001, 1001, () -> read(9))).containsExactly(9);
        assertThat(reads).hasValue(4);
    }

    @Test
    void aFailedReadCountsAsNoGroupsAndIsNotKept() {
        cache.of(7, 1000, 1000, () -> read(27));
        now.set(200);
        assertThat(cache.of(7, 1000, 1000, () -> null)).isEmpty();
        assertThat(cache.of(7, 1000, 1000, () -> read(28))).containsExactly(28);
    }
}
