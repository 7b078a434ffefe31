package dev.dxfs.fs;

import java.util.function.BooleanSupplier;

/**
 * Whether another filesystem is mounted inside the mount. The epoch that makes the kernel forget
 * every name it keeps ({@link KeptNames}) also unmounts it: the kernel drops a name from an older
 * epoch without asking the daemon, and a dropped name takes what is mounted on it or below it
 * along (lazily, as {@code umount -l} does). So while something is mounted inside, file names are
 * not kept and the epoch is not raised.
 */
final class InnerMounts {
    /** How old an answer may be for a lookup: the time a name is kept. */
    private static final long LOOKUP_NANOS = (long) (KernelTimeouts.KEEP * 1e9);

    private final BooleanSupplier reader;
    private volatile boolean present;
    private volatile long readAt;

    /** @param reader reads the mount table: whether a mount lies below the mount point */
    InnerMounts(BooleanSupplier reader) {
        this.reader = reader;
        this.readAt = System.nanoTime() - LOOKUP_NANOS;
    }

    /** For a lookup deciding whether its name may be kept: read at most once per keeping time. */
    boolean recently() {
        long now = System.nanoTime();
        if (now - readAt >= LOOKUP_NANOS) {
            present = reader.getAsBoolean();
            readAt = now;
        }
        return present;
    }

    /** Before the epoch is raised: read now. */
    boolean now() {
        present = reader.getAsBoolean();
        readAt = System.nanoTime();
        return present;
    }
}
