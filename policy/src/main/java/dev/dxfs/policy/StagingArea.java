package dev.dxfs.policy;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * The hidden directory that holds temp files: one at the root of a staged tree, and one at the
 * top of every other filesystem mounted inside it. It sits in the same filesystem as the files
 * it publishes, so a commit is a rename(2), and it is never visible through the overlay.
 *
 * <p>Its name is {@link #DIRECTORY} unless something of a user's is there: then the next free
 * one of {@link #name}'s names. The daemon makes it with {@link #OWN_MODE}, by which it knows
 * its own (a leftover of a daemon that was killed, to sweep and reuse) from anything else at
 * those names, which it leaves as it is.
 */
public final class StagingArea {
    /** Name of the staging directory under the root (and under each other filesystem's top). */
    public static final String DIRECTORY = ".dxfs";
    /**
     * The mode of a staging directory dxfs made: its user's alone (0700), and the sticky bit,
     * which means nothing on a directory only its owner may enter, to tell it from a directory
     * of the same name that someone else made. mkdir(2) sets the bit with the directory.
     */
    public static final int OWN_MODE = 01700;
    /** How many names a staging directory may take: {@code .dxfs}, then {@code .dxfs.1} to {@code .dxfs.99}. */
    public static final int NAMES = 100;

    private static final String SUFFIX = ".tmp";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    /** The permission bits and the sticky bit; setgid comes from a setgid parent directory. */
    private static final int OWN_BITS = 01777;

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
     * filesystem, so a tree that spans several has one staging directory on each. The root
     * itself is its own host, and no device is asked for (the agent's is a stat(2), and most
     * of a tool's writes are at the top of its output directory).
     *
     * @param parentOf the parent of a directory in the tree, null at the root
     * @param deviceOf the device a directory is on
     */
    public static <D> D hostOf(D dir, UnaryOperator<D> parentOf, ToLongFunction<D> deviceOf) {
        D parent = parentOf.apply(dir);
        if (parent == null) {
            return dir;
        }
        long device = deviceOf.applyAsLong(dir);
        D host = dir;
        for (; parent != null && deviceOf.applyAsLong(parent) == device; parent = parentOf.apply(host)) {
            host = parent;
        }
        return host;
    }

    /** The staging directory's name number {@code index}: {@code .dxfs}, {@code .dxfs.1}, ... */
    public static String name(int index) {
        if (index < 0 || index >= NAMES) {
            throw new IllegalArgumentException("no staging name number " + index);
        }
        return index == 0 ? DIRECTORY : DIRECTORY + "." + index;
    }

    /** The number of {@code name} among the staging directory's names, or -1 for any other name. */
    public static int indexOf(String name) {
        if (name.equals(DIRECTORY)) {
            return 0;
        }
        String prefix = DIRECTORY + ".";
        if (!name.startsWith(prefix) || !name.substring(prefix.length()).matches("[1-9][0-9]?")) {
            return -1;
        }
        return Integer.parseInt(name.substring(prefix.length()));
    }

    /**
     * Whether a file with {@code mode} (st_mode) and owner {@code uid}, found at a staging name,
     * is a staging directory that dxfs made as user {@code ownUid}: a directory of that user's
     * with mode {@link #OWN_MODE}. Anything else there (a user's directory or file, a symlink) is
     * not dxfs's, whatever it holds.
     */
    public static boolean isOwn(int mode, int uid, int ownUid) {
        return (mode & S_IFMT) == S_IFDIR && (mode & OWN_BITS) == OWN_MODE && uid == ownUid;
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
