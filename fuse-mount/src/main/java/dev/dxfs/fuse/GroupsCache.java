package dev.dxfs.fuse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The supplementary groups of the threads that made recent requests, so that a thread making
 * many requests in a row has its groups read from /proc once in a while rather than at each
 * request (libfuse reads the whole status file, twice: it is longer than its first buffer).
 *
 * <p>An answer is kept for a thread id with its fsuid and fsgid, for a short time: a request
 * with another fsuid or fsgid reads again, and so does one after that time. So groups a thread
 * changes without changing its fsuid or fsgid (which takes CAP_SETGID) count late by at most
 * that time, and a thread id freed and given to a new thread of the same user would need the
 * kernel to hand out every other id within that time first. A read that failed is not kept.
 */
final class GroupsCache {
    /** Entries beyond this many make an insert drop the expired ones. */
    private static final int SWEEP_ABOVE = 4096;

    private record Entry(int uid, int gid, int[] groups, long readAt) {}

    private final long maxAgeNanos;
    private final LongSupplier clock;
    private final Map<Integer, Entry> byTid = new ConcurrentHashMap<>();

    GroupsCache(long maxAgeNanos, LongSupplier clock) {
        this.maxAgeNanos = maxAgeNanos;
        this.clock = clock;
    }

    /**
     * The groups of thread {@code tid}, acting with {@code uid} and {@code gid}: kept ones, or
     * what {@code read} answers (null: unknown, which counts as none and is not kept).
     */
    int[] of(int tid, int uid, int gid, Supplier<int[]> read) {
        long now = clock.getAsLong();
        Entry known = byTid.get(tid);
        if (known != null && known.uid == uid && known.gid == gid && now - known.readAt < maxAgeNanos) {
            return known.groups;
        }
        int[] groups = read.get();
        if (groups == null) {
            byTid.remove(tid);
            return new int[0];
        }
        if (byTid.size() >= SWEEP_ABOVE) {
            byTid.values().removeIf(entry -> now - entry.readAt >= maxAgeNanos);
        }
        byTid.put(tid, new Entry(uid, gid, groups, now));
        return groups;
    }
}
