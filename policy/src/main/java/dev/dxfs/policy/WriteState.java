package dev.dxfs.policy;

/**
 * The life of one staged write handle, from open to its last close. It decides when a new temp
 * file is needed and when the handle publishes; the adapter does the I/O. Not thread-safe: the
 * adapter calls it under the handle's lock.
 *
 * <pre>
 *            open(REWRITE)                open(EDIT)
 *                 |                           |
 *                 v        write/truncate     v
 *              DIRTY  &lt;------------------  CLEAN   (reads go to the version opened)
 *               |  ^                          |
 *  publishNow / |  | write/truncate           |
 *     release   v  |  (new temp, copy)        |
 *             PUBLISHED  ------------------&gt;  |
 *                          release            v
 *                                          CLOSED
 * </pre>
 *
 * A handle publishes when its writer is done: at its last close (release), when every
 * descriptor of the open file is closed, dups and children's copies included. A close of one
 * descriptor among several publishes nothing, so a shell's {@code cmd > f}, which opens f,
 * moves the descriptor to 1 and closes the original before cmd runs, never publishes the bare
 * truncation. Only a rename or link of a file its writer is still creating publishes early
 * ({@link #publishNow}): the name must exist to be renamed. A change after such a publish first
 * gets a new temp file that starts as a copy of what was published.
 *
 * <p>An orphaned handle (its name was unlinked or renamed over after it opened) keeps accepting
 * writes but never publishes, as writes to an unlinked file vanish natively: its temp file is
 * discarded at release. So is a handle whose last close came from a writer a signal killed.
 *
 * <p>A handle whose write failed (the disk is full) is FAILED for good: the version it was
 * writing can no longer be complete, so it never publishes; every later change and every close
 * fails, so that a writer that checks only {@code close(2)} learns it too, and release discards
 * its temp file. The published file stays the previous complete version.
 */
public final class WriteState {
    /** Where the handle is in its life. */
    public enum Phase {
        /** In-place edit with no change yet: no temp file exists. */
        CLEAN,
        /** The temp file holds changes not yet published. */
        DIRTY,
        /** The temp file has been published; the next change needs a new temp file. */
        PUBLISHED,
        /** A change failed: nothing of this handle is published any more. */
        FAILED,
        /** Released: nothing more happens. */
        CLOSED
    }

    /** What the adapter must do on a close. */
    public enum Action {
        NOTHING,
        PUBLISH,
        DISCARD,
        /** Report the failed change to the close. */
        FAIL
    }

    private Phase phase;
    private boolean orphaned;
    private int publications;

    private WriteState(Phase phase) {
        this.phase = phase;
    }

    /** The state of a handle just opened with the given kind (which must be staged). */
    public static WriteState opened(WriteKind kind) {
        if (!kind.staged()) {
            throw new IllegalArgumentException("not a staged write: " + kind);
        }
        return new WriteState(kind == WriteKind.REWRITE ? Phase.DIRTY : Phase.CLEAN);
    }

    public Phase phase() {
        return phase;
    }

    public boolean orphaned() {
        return orphaned;
    }

    public int publications() {
        return publications;
    }

    /** Whether the next change needs a new temp file first (see {@link #beforeChange}). */
    public boolean needsNewTemp() {
        return phase == Phase.CLEAN || phase == Phase.PUBLISHED;
    }

    /**
     * Called before every write or truncate. Returns true when the adapter must first create a
     * new temp file holding a copy of the handle's current content.
     */
    public boolean beforeChange() {
        requireOpen();
        if (phase == Phase.FAILED) {
            throw new IllegalStateException("a change of this handle failed");
        }
        boolean needsTemp = needsNewTemp();
        phase = Phase.DIRTY;
        return needsTemp;
    }

    /** A write (or the copy before it) failed: the unpublished version is broken. */
    public void changeFailed() {
        requireOpen();
        phase = Phase.FAILED;
    }

    /** The name this handle writes was unlinked or replaced by someone else. */
    public void orphan() {
        orphaned = true;
    }

    /**
     * A close of one descriptor of the handle (FUSE FLUSH): the writer may not be done, so
     * nothing is published; a failed change is reported.
     */
    public Action flush() {
        requireOpen();
        return phase == Phase.FAILED ? Action.FAIL : Action.NOTHING;
    }

    /** The writer renames or links the file while still writing it: what it has is published now. */
    public Action publishNow() {
        requireOpen();
        return settle(false);
    }

    /**
     * The last close (FUSE RELEASE): whatever is unpublished is settled, then the handle is done.
     *
     * @param writerKilled whether that close came from a writer a signal killed: what it wrote is
     *     discarded, a half-written file must not replace a whole one
     */
    public Action release(boolean writerKilled) {
        requireOpen();
        Action action = writerKilled && phase == Phase.DIRTY ? Action.DISCARD : settle(true);
        phase = Phase.CLOSED;
        return action;
    }

    /**
     * The adapter could not publish: the changes stay pending (for the release, after a
     * {@link #publishNow}). After a failed publish at release the handle stays closed and the
     * adapter discards the temp file.
     */
    public void publishFailed() {
        if (phase != Phase.CLOSED) {
            phase = Phase.DIRTY;
        }
        publications--;
    }

    private Action settle(boolean last) {
        if (phase == Phase.FAILED) {
            return last ? Action.DISCARD : Action.FAIL;
        }
        if (phase != Phase.DIRTY) {
            return Action.NOTHING;
        }
        if (orphaned) {
            return last ? Action.DISCARD : Action.NOTHING;
        }
        phase = Phase.PUBLISHED;
        publications++;
        return Action.PUBLISH;
    }

    private void requireOpen() {
        if (phase == Phase.CLOSED) {
            throw new IllegalStateException("handle already released");
        }
    }
}
