package dev.dxfs.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * A node the kernel knows by its id: one version of one backing file, held by an O_PATH
 * descriptor, so that a node keeps standing for the version it was looked up as whatever later
 * happens to the name. The kernel keeps one page cache, one size and one write ban (ETXTBSY) per
 * node; giving out nodes is how dxfs decides who shares those.
 */
final class Node {
    static final long ROOT_ID = 1;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    final long id;
    /** O_PATH descriptor of the backing inode (the root's is a directory descriptor). */
    final int fd;
    final long dev;
    final long ino;
    /** The type bits of the backing inode. */
    final int type;
    /**
     * Whether lookups of its name may be answered with this node (see {@link NodeTable}): a
     * new file's node becomes so at its publish ({@link NodeTable#share}).
     */
    volatile boolean shareable;

    private final List<OpenFile> handles = new ArrayList<>();
    /** When a request last named the node ({@link System#nanoTime}): pruning lets go of the longest unused first. */
    private volatile long used = System.nanoTime();
    /**
     * When the watch last heard of a change to the node behind the mount's back
     * ({@link System#nanoTime}), 0 if never. Written by the watch's thread alone.
     */
    private volatile long changedBehind;
    /** How many times the kernel has been given the node ({@link #given}). */
    private volatile long given;
    /**
     * Whether the node was made for one lookup of an executable, which later lookups may be
     * answered with once it is idle ({@link #takeFor}).
     */
    volatile boolean perWalk;
    /** The thread whose lookup was answered with this per-walk node and that has not opened it yet, 0 if none. */
    private int walker;

    Node(long id, int fd, long dev, long ino, int mode, boolean shareable) {
        this.id = id;
        this.fd = fd;
        this.dev = dev;
        this.ino = ino;
        this.type = mode & S_IFMT;
        this.shareable = shareable;
    }

    /**
     * Notes a change behind the mount's back at {@code now}; returns whether it starts a run of
     * changes: the first in {@code quietNanos}.
     */
    boolean changedBehind(long now, long quietNanos) {
        long before = changedBehind;
        changedBehind = now;
        return before == 0 || now - before > quietNanos;
    }

    /** Whether a change behind the mount's back came within {@code nanos} of {@code now}. */
    boolean changedBehindWithin(long now, long nanos) {
        long last = changedBehind;
        return last != 0 && now - last <= nanos;
    }

    /** The kernel was given the node once more (a lookup or a create answered with it); under the node table's lock. */
    void given() {
        given++;
    }

    /** How many times the kernel has been given the node. */
    long timesGiven() {
        return given;
    }

    /** A request names the node: it is in use now. */
    void touch() {
        used = System.nanoTime();
    }

    long lastUsed() {
        return used;
    }

    boolean isRegular() {
        return type == S_IFREG;
    }

    boolean isDirectory() {
        return type == S_IFDIR;
    }

    boolean isSymlink() {
        return type == S_IFLNK;
    }

    static boolean isRegular(int mode) {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** The path through which the backing inode itself is reached (opened, chmod-ed, ...). */
    String inodePath() {
        return Platform.current().pathOf(fd);
    }

    /**
     * Gives a per-walk node to thread {@code tid}'s lookup if nothing can be using it: no other
     * thread's lookup got it without opening it since, and every handle of it is closed in the
     * kernel (its RELEASE received), so no program runs from it and no writer holds it. A write
     * ban is an open file's, and goes before that file's RELEASE; a walk that got the node and
     * has not opened it yet might still exec it, or open it for writing, so it keeps the node
     * to itself until it opens.
     */
    synchronized boolean takeFor(int tid) {
        if (walker != 0 && walker != tid) {
            return false;
        }
        for (OpenFile file : handles) {
            if (!file.isClosedByKernel()) {
                return false;
            }
        }
        walker = tid;
        return true;
    }

    /** Thread {@code tid}'s lookup was answered with this new per-walk node. */
    synchronized void madeFor(int tid) {
        perWalk = true;
        walker = tid;
    }

    /** Thread {@code tid} opens the node: a walk of its that got the node is over. */
    synchronized void openedBy(int tid) {
        if (walker == tid) {
            walker = 0;
        }
    }

    /** Adds an open file; one already added (at its admission) stays added once. */
    synchronized void add(OpenFile file) {
        if (!handles.contains(file)) {
            handles.add(file);
        }
    }

    synchronized void remove(OpenFile file) {
        handles.remove(file);
    }

    synchronized List<OpenFile> handles() {
        return List.copyOf(handles);
    }

    // The three questions below are asked at every lookup and open. The daemon's only compiler,
    // C1, does no escape analysis: a stream there is four objects per question, an iterator one.

    /** Whether a staged write is open on this node. */
    synchronized boolean hasStagedWriters() {
        for (int i = 0; i < handles.size(); i++) {
            if (handles.get(i) instanceof StagedWrite) {
                return true;
            }
        }
        return false;
    }

    /** Whether a handle that is not a staged write (a reader, an exec, an appender) is open. */
    synchronized boolean hasPlainHandles() {
        for (int i = 0; i < handles.size(); i++) {
            if (handles.get(i) instanceof PlainFile) {
                return true;
            }
        }
        return false;
    }

    synchronized boolean isExecuting() {
        for (int i = 0; i < handles.size(); i++) {
            if (handles.get(i) instanceof PlainFile plain && plain.executes()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "node " + id + " (inode " + ino + ")";
    }
}
