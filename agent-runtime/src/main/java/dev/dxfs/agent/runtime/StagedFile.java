package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.WriteKind;
import dev.dxfs.policy.WriteState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * One staged write in a JVM: the temp file the tool writes instead of its target, published
 * over the target once, by the policy's commit protocol, when the tool closes it (or drops it,
 * or exits). Its life is the policy's {@link WriteState}, as a daemon's write handle: a write
 * that failed makes it FAILED, and it then never publishes; the close reports the failure and
 * the temp file goes. The agent cannot see each write succeed (a mapped buffer writes without
 * a call), so a staged write counts as changed from its open, even an edit.
 */
final class StagedFile {
    private final StagingDirectory dir;
    private final Path target;
    private final Path temp;
    /** Whether the target existed at the open: a rewrite or edit, not a new file. */
    private final boolean existed;
    /** The mode a new file is published with, and the owner and group the temp file has from its open. */
    private final Commit.Attributes created;
    private volatile Commit.Attributes explicit;
    private final boolean durable;
    /** Whether this JVM runs as root: it may keep owners, and setuid bits, as the kernel would. */
    private final boolean keepOwner;
    /** Whether this JVM is in a group: it keeps a setgid bit that marks no program of its own group. */
    private final IntPredicate inGroup;
    /** Guarded by this. */
    private final WriteState state = WriteState.opened(WriteKind.REWRITE);
    /** The first write that failed; guarded by this. */
    private IOException failure;
    /** Whether the temp file is published or removed, and the staging directory released; guarded by this. */
    private boolean settled;
    /**
     * The streams, files and channels of this JVM writing the temp file: a second write-open of
     * the target joins the first, as a second descriptor of one file; guarded by this.
     */
    private int owners = 1;
    /** Whether the temp file was opened by an owner; guarded by this. */
    private boolean opened;

    StagedFile(StagingDirectory dir, Path target, Path temp, boolean existed,
            Commit.Attributes created, boolean durable, boolean keepOwner, IntPredicate inGroup) {
        this.dir = dir;
        this.target = target;
        this.temp = temp;
        this.existed = existed;
        this.created = created;
        this.durable = durable;
        this.keepOwner = keepOwner;
        this.inGroup = inGroup;
    }

    Path target() {
        return target;
    }

    Path temp() {
        return temp;
    }

    boolean existed() {
        return existed;
    }

    /**
     * Whether this is the first open of the temp file by an owner: then it holds nothing (an
     * edit's holds its copy, but an edit's open does not truncate), and a truncating open need
     * not truncate it.
     */
    synchronized boolean firstOpen() {
        boolean first = !opened;
        opened = true;
        return first;
    }

    /**
     * The first owner's open, which makes the temp file itself, failed: whether the temp file is
     * made now ({@link StagingDirectory#makeAgain}), so that the open may try again on it.
     */
    synchronized boolean madeAgain() {
        try {
            return Guard.run(() -> dir.makeAgain(temp));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** One more owner writes the temp file, which is published when the last one is done; false when it is too late. */
    synchronized boolean join() {
        if (settled || state.orphaned()) {
            return false;
        }
        owners++;
        return true;
    }

    /**
     * An owner is done (closed, or collected unclosed): the last one publishes, as {@link #publish}.
     *
     * @param report whether a failed write is reported (to a close), by an IOException
     */
    void leave(boolean report) throws IOException {
        synchronized (this) {
            if (--owners > 0) {
                return;
            }
        }
        publish(report);
    }

    /** An owner's open failed: the temp file goes if no other owner writes it. */
    void abandon() {
        synchronized (this) {
            if (--owners > 0) {
                return;
            }
        }
        discard();
    }

    synchronized boolean settled() {
        return settled;
    }

    /** Whether the write still answers for its target: not published early, discarded or deleted. */
    synchronized boolean live() {
        return !settled && !state.orphaned();
    }

    /** The mode, owner and group the file gets if it is new. */
    Commit.Attributes created() {
        return created;
    }

    /**
     * Attributes the published file must have whatever it replaces (negative fields unset): a
     * copy or move publishes what the JDK's own would have made.
     */
    void explicit(Commit.Attributes attributes) {
        explicit = attributes;
    }

    /** A write to the temp file failed: the version it holds is broken, and is never published. */
    synchronized void writeFailed(IOException cause) {
        if (settled) {
            return;
        }
        if (failure == null) {
            failure = cause;
        }
        if (state.phase() != WriteState.Phase.FAILED) {
            state.changeFailed();
        }
    }

    /**
     * The writer is done: publishes the temp file over the target, the first time only. After a
     * failed write the temp file is discarded instead.
     *
     * @param report whether a failed write is reported (to a close), by an IOException
     */
    void publish(boolean report) throws IOException {
        WriteState.Action action;
        IOException failed;
        synchronized (this) {
            if (settled) {
                return;
            }
            settled = true;
            failed = state.flush() == WriteState.Action.FAIL ? failure : null;
            action = state.release(false);
        }
        if (action != WriteState.Action.PUBLISH) {
            dir.discard(temp);
        } else {
            try {
                commit();
            } catch (IOException | RuntimeException e) {
                dir.discard(temp);
                throw e;
            }
            dir.release();
        }
        if (failed != null && report) {
            throw new IOException(target + ": not written, a write to it failed (" + failed.getMessage() + ")",
                    failed);
        }
    }

    private void commit() throws IOException {
        Commit.publish(new Steps(), new Commit.Request(explicit, created, durable, keepOwner, keepOwner, inGroup));
        if (AgentLog.debugging()) {
            AgentLog.debug("published " + target);
        }
    }

    /**
     * The writer renames its file while it is still writing it (the policy's early publish): what
     * it wrote is published now, so that the rename finds it. The writer's descriptor is then the
     * published file's, which the rename moves, and its later writes go there, as without the
     * agent: this staged write is done. After a failed write nothing is published, and the
     * rename is left to fail or to move the previous version.
     */
    void publishNow() throws IOException {
        synchronized (this) {
            if (settled || state.publishNow() != WriteState.Action.PUBLISH) {
                return;
            }
            settled = true;
        }
        try {
            commit();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                state.publishFailed();
                settled = false;
            }
            throw e;
        }
        dir.release();
    }

    /**
     * The writer deletes its file while it is still writing it: what it writes then vanishes, as
     * an unlinked file's writes do, so nothing is published and the temp file goes at the close.
     */
    synchronized void orphan() {
        if (!settled) {
            state.orphan();
        }
    }

    /** Drops the temp file unpublished (its open, or the staged operation, failed), the first time only. */
    void discard() {
        synchronized (this) {
            if (settled) {
                return;
            }
            settled = true;
            state.changeFailed();
            state.release(false);
        }
        dir.discard(temp);
    }

    /** The commit steps on java.nio's unix attribute view. */
    private final class Steps implements Commit.Steps {
        @Override
        public Commit.Attributes replaced() throws IOException {
            try {
                Map<String, Object> attributes = Files.readAttributes(target, "unix:mode,uid,gid",
                        LinkOption.NOFOLLOW_LINKS);
                return new Commit.Attributes((Integer) attributes.get("mode"), (Integer) attributes.get("uid"),
                        (Integer) attributes.get("gid"));
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public void applyMode(int mode) throws IOException {
            Files.setAttribute(temp, "unix:mode", mode);
        }

        /** The temp file is this JVM's, in the group given to it at the open ({@link #created}): only a change is made. */
        @Override
        public void applyOwner(int uid, int gid) throws IOException {
            if (uid != created.uid()) {
                Files.setAttribute(temp, "unix:uid", uid);
            }
            if (gid != created.gid()) {
                Files.setAttribute(temp, "unix:gid", gid);
            }
        }

        @Override
        public void syncTemp() throws IOException {
            sync(temp);
        }

        @Override
        public void replaceTarget() throws IOException {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void syncDirectory() throws IOException {
            sync(target.getParent());
        }

        private static void sync(Path path) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }
}
