package dev.dxfs.fs;

import java.util.concurrent.atomic.AtomicLong;

/** Counters reported by {@code dxfs status}. */
public final class MountStats {
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong concurrentCommits = new AtomicLong();
    private final AtomicLong bytesStaged = new AtomicLong();
    private final AtomicLong discarded = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong sharedNodes = new AtomicLong();
    private final AtomicLong textBusyPrevented = new AtomicLong();

    void committed(boolean concurrent) {
        commits.incrementAndGet();
        if (concurrent) {
            concurrentCommits.incrementAndGet();
        }
    }

    void staged(long bytes) {
        bytesStaged.addAndGet(bytes);
    }

    void discarded() {
        discarded.incrementAndGet();
    }

    void error() {
        errors.incrementAndGet();
    }

    void retried() {
        retries.incrementAndGet();
    }

    void sharedNode() {
        sharedNodes.incrementAndGet();
    }

    void preventedTextBusy() {
        textBusyPrevented.incrementAndGet();
    }

    public long commits() {
        return commits.get();
    }

    public long concurrentCommits() {
        return concurrentCommits.get();
    }

    public long bytesStaged() {
        return bytesStaged.get();
    }

    public long discardedWrites() {
        return discarded.get();
    }

    public long errors() {
        return errors.get();
    }

    /** Opens sent back to look their name up again, because their node served another version. */
    public long retries() {
        return retries.get();
    }

    /** Opens that had to share a node with another version after their one retry. */
    public long sharedNodes() {
        return sharedNodes.get();
    }

    /** Staged writes opened while a program ran from the name they write: natively, ETXTBSY. */
    public long textBusyPrevented() {
        return textBusyPrevented.get();
    }
}
