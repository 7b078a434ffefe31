package dev.dxfs.policy;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * The hidden directory that holds temp files: one at the root of a staged tree, and one at the
 * top of every other filesystem mounted inside it. It sits in the same filesystem as the files
 * it publishes, so a commit is a rename(2), and it is never visible through the overlay.
 */
public final class StagingArea {
    /** Name of the staging directory under the root (and under each other filesystem's top). */
    public static final String DIRECTORY = ".dxfs";

    private static final String SUFFIX = ".tmp";

    private final String owner;
    private final String nonce;
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param owner who creates the temp files ("mount" or "agent"), so that a sweep removes only
     *     the leftovers of its own kind
     */
    public StagingArea(String owner, long pid) {
        if (!owner.matches("[a-z]+")) {
            throw new IllegalArgumentException("owner must be lower-case letters: " + owner);
        }
        this.owner = owner;
        this.nonce = owner + "." + pid + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    /**
     * The directory that holds the staging directory for files in {@code dir}: the topmost
     * directory of {@code dir}'s filesystem within the tree, found by walking up while the
     * parent is on the same device. A commit is a rename, which works only within one
     * filesystem, so a tree that spans several has one staging directory on each.
     *
     * @param parentOf the parent of a directory in the tree, null at the root
     * @param deviceOf the device a directory is on
     */
    public static <D> D hostOf(D dir, UnaryOperator<D> parentOf, ToLongFunction<D> deviceOf) {
        long device = deviceOf.applyAsLong(dir);
        D host = dir;
        for (D parent = parentOf.apply(host); parent != null && deviceOf.applyAsLong(parent) == device;
                parent = parentOf.apply(host)) {
            host = parent;
        }
        return host;
    }

    /** Whether a path relative to the root is the staging directory or inside it. */
    public static boolean isInternal(String relativePath) {
        return relativePath.equals(DIRECTORY) || relativePath.startsWith(DIRECTORY + "/");
    }

    /** A fresh temp file name, unique across processes that share the staging directory. */
    public String nextTempName() {
        return nonce + "." + sequence.incrementAndGet() + SUFFIX;
    }

    /** Whether {@code name} is a temp file that this owner's kind of process created. */
    public boolean isLeftoverOfOwner(String name) {
        return name.startsWith(owner + ".") && name.endsWith(SUFFIX);
    }

    /**
     * The id of the process that created temp file {@code name} (the second field), or -1 for
     * a name of another form. Several processes of one kind can share a staging directory (JVMs
     * with the agent): each may remove only the leftovers of processes that are gone.
     */
    public static long creatorOf(String name) {
        String[] fields = name.split("\\.");
        if (fields.length != 5 || !name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(fields[1]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
