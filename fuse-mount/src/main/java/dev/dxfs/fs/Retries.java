package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Threads whose open was answered ESTALE, with the name their retry will look up. The kernel
 * retries such an open once, with a lookup of the name from the same thread: that lookup gets a
 * node of its own, and the open that follows it is let through even if it still meets another
 * version (a node reached through /proc), as a second ESTALE would fail the caller's open.
 */
final class Retries {
    private final Map<Integer, Binding> retrying = new ConcurrentHashMap<>();

    /** Thread {@code tid}'s open of the file at {@code name} is sent back to the kernel. */
    void sentBack(int tid, Binding name) {
        retrying.put(tid, name);
    }

    /** Whether thread {@code tid} is looking up {@code name} again after its open was sent back. */
    boolean retries(int tid, Binding name) {
        return name.equals(retrying.get(tid));
    }

    /** Whether this open of thread {@code tid} is its retry; it gets no second one. */
    boolean take(int tid) {
        return retrying.remove(tid) != null;
    }

    /**
     * Whether this create of {@code name} by thread {@code tid} is its retry; it gets no second
     * one. A mark for another name goes too: that retry's lookup found something the create
     * never saw (a symlink it followed).
     */
    boolean take(int tid, Binding name) {
        return name.equals(retrying.remove(tid));
    }
}
