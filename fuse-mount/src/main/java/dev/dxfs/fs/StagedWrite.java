package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.BackingDir.TempFile;
import dev.dxfs.fuse.Credentials;
import dev.dxfs.fuse.Names;
import dev.dxfs.policy.Commit;
import dev.dxfs.policy.WriteKind;
import dev.dxfs.policy.WriteState;
import java.io.IOException;
import java.util.List;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * A write handle whose data goes to a private temp file in the staging directory and is
 * published over its target by rename when the writer closes it. {@link WriteState} decides
 * when; this class does the I/O. All methods hold the handle's monitor: the kernel may send
 * several requests for one handle at once.
 *
 * <p>Whose rights: the writes themselves are made with the identity of the request that makes
 * them (the caller's). The temp file of an existing file, its copy, its publish and its removal
 * are the daemon's (the staging directory is the daemon's alone); a publish first asks, with the
 * writer's identity, whether the writer may replace what is at the name by then.
 */
final class StagedWrite extends OpenFile {
    private static final Logger LOG = LoggerFactory.getLogger(StagedWrite.class);
    private static final int PERMISSION_BITS = 07777;
    /** Publishes tried again when a file keeps appearing at a name that was free a moment before. */
    private static final int PUBLISH_ATTEMPTS = 100;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final Platform PLATFORM = Platform.current();

    private final BackingDir backing;
    private final MountStats stats;
    private final Commit.Attributes created;
    private final boolean durable;
    private final boolean keepOwner;
    /** Whether the writer may keep the replaced file's setuid and setgid bits, as only root may. */
    private final boolean writerIsRoot;
    private final WriteState state;
    private final NodeTable nodes;
    /** The staging directory on the target's filesystem. */
    private final int stagingFd;

    /**
     * The version an in-place edit starts from, opened at its first need (a read, or the copy
     * before the first change of a version that is not empty); -1 until then, and otherwise.
     */
    private int sourceFd;
    private TempFile temp;
    private boolean tempPublished;
    /** Whether the last publish put the file at a name that was free (else it replaced a file). */
    private boolean publishedNewName;
    /** The version it replaces is the empty file its own create made in place ({@link #createdView}). */
    private boolean startsFromItsCreate;
    /** Whether the last publish put the node's own inode at the name, as a file lookups may share. */
    private boolean publishedOwnNode;
    private boolean released;
    /**
     * Whether the release is done, the kernel told what it has to forget of the publish: a
     * request that waits for the release, a lookup of the name, must not be answered before, or
     * the kernel keeps its answer until a late notice drops it, past the next stat or walk.
     */
    private boolean done;
    private int explicitMode = -1;
    private int explicitUid = -1;
    private int explicitGid = -1;
    /** The kernel's number of the latest close seen, and whether a writer a signal killed made it. */
    private long lastClose = -1;
    private boolean lastCloseKilled;
    /** Inode of the published version this handle last saw, to count concurrent commits. */
    private long baseIno;
    /** The errno of the write that failed, reported by every later change and close. */
    private int failure;
    /** Why the daemon dropped the handle itself ({@link #drop}), for the log; null until it does. */
    private String dropped;
    /** Who opened the handle (null: the daemon itself), whose rights a publish may not exceed. */
    private final Credentials.Caller writer;
    /** The thread and the process that opened it: the writer, who sees its own unpublished file. */
    private final int openerTid;
    private final int openerTgid;

    /**
     * A staged write to the name {@code node} is bound to: an edit starts from the node's
     * version, a rewrite from {@code fresh} (a temp file made for it) or a new temp file.
     */
    StagedWrite(Node node, int openerTid, int openerTgid, WriteKind kind, TempFile fresh, Setup setup)
            throws FsException {
        super(node);
        this.openerTid = openerTid;
        this.openerTgid = openerTgid;
        this.backing = setup.backing();
        this.nodes = setup.nodes();
        this.writerIsRoot = setup.writerIsRoot();
        this.stagingFd = setup.stagingFd();
        this.stats = setup.stats();
        this.durable = setup.durable();
        this.keepOwner = setup.keepOwner();
        this.created = setup.created();
        this.state = WriteState.opened(kind);
        this.baseIno = setup.baseIno();
        this.writer = setup.writer();
        this.sourceFd = -1;
        if (kind != WriteKind.EDIT) {
            // The caller's access to the file was checked by its open: the version and the temp
            // file are read and made with the daemon's rights, which the staging directory needs.
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                temp = fresh != null ? fresh : backing.createTemp(tempDirectory(), stagingFd);
            }
        }
    }

    /** What a staged handle needs besides its node: where it lives and how it publishes. */
    record Setup(BackingDir backing, int stagingFd, NodeTable nodes, MountStats stats, Commit.Attributes created,
            long baseIno, boolean durable, boolean keepOwner, boolean writerIsRoot, Credentials.Caller writer) {}

    @Override
    public String toString() {
        return "staged write on " + node();
    }

    /** Whether the calling thread belongs to the process that opened this handle. */
    boolean openedBy(int callerTid, Platform platform) {
        return callerTid == openerTid || platform.processOf(callerTid) == openerTgid;
    }

    /**
     * Whether this handle holds changes that are not published yet: only then does it answer,
     * for its own process, for the name (stat, chmod, ...). Once published, the name's file is
     * the handle's content, and a handle whose RELEASE has not arrived yet must not stand in.
     */
    synchronized boolean unpublished() {
        return state.phase() == WriteState.Phase.DIRTY && !state.orphaned();
    }

    /**
     * Whether this handle's temp file holds changes its node's inode does not have: then its own
     * process must see them through the node (fstat), named or not. An orphaned handle never
     * publishes them, yet its writer reads and stats what it wrote, as natively with an unlinked file.
     */
    synchronized boolean holdsChanges() {
        return state.phase() == WriteState.Phase.DIRTY;
    }

    synchronized void orphan() {
        state.orphan();
    }

    /**
     * Makes sure the daemon's own release of this handle, which no writer closed, never publishes:
     * {@code why} says in the log why its writes were discarded.
     */
    synchronized void drop(String why) {
        dropped = why;
        state.orphan();
    }

    /** Where a new temp file goes: beside its target while the write has a name. */
    private int tempDirectory() {
        NodeTable.Binding target = nodes.binding(node());
        return target == null ? stagingFd : target.parent().fd;
    }

    /**
     * The data's descriptor: the temp file, or the version an edit starts from, opened now if
     * need be (the node's inode, so whenever it is opened it is the same file).
     */
    private int dataFd() throws FsException {
        if (temp != null) {
            return temp.fd();
        }
        if (sourceFd < 0) {
            requireOpen(released);
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                sourceFd = BackingDir.reopen(node(), Libc.O_RDONLY);
            }
        }
        return sourceFd;
    }

    @Override
    synchronized void read(ReadReply reply) throws FsException {
        reply.from(dataFd());
    }

    /**
     * A write that fails (a full disk) breaks the version being written: it is never published,
     * whatever the writer does next (see {@link WriteState}).
     */
    @Override
    synchronized long write(Pointer buf, long size, long offset) throws FsException {
        return staged("write", () -> check(C.pwrite(temp.fd(), buf, size, offset), "write"));
    }

    /** As a write: one that fails breaks the version being written. */
    @Override
    synchronized long copyFrom(int from, long fromOffset, long offset, long length) throws FsException {
        return staged("copy", () -> SparseCopy.copyRange(from, fromOffset, temp.fd(), offset, length));
    }

    /** Bytes put into the temp file, made first if need be. */
    private interface Change {
        long bytes() throws FsException;
    }

    private long staged(String what, Change change) throws FsException {
        requireIntact();
        try {
            prepareChange(Long.MAX_VALUE);
            long bytes = change.bytes();
            stats.staged(bytes);
            return bytes;
        } catch (FsException e) {
            failure = e.errno;
            state.changeFailed();
            LOG.warn("{} to {} failed ({}): it will not be published", what, describe(), OverlayFs.describe(e.errno));
            throw e;
        }
    }

    @Override
    synchronized void truncate(long size) throws FsException {
        requireIntact();
        prepareChange(size);
        check(C.ftruncate(temp.fd(), size), "ftruncate");
    }

    @Override
    synchronized void allocate(int mode, long offset, long length) throws FsException {
        requireIntact();
        prepareChange(Long.MAX_VALUE);
        check(C.fallocate(temp.fd(), mode, offset, length), "fallocate");
    }

    private void requireIntact() throws FsException {
        if (state.phase() == WriteState.Phase.FAILED) {
            throw new FsException(failure, "an earlier write failed");
        }
    }

    /**
     * Makes sure the next change lands in an unpublished temp file: a first change of an in-place
     * edit, or any change after a publish, starts a new temp file as a copy of the current
     * content (only up to {@code keep} bytes, for a truncate).
     */
    private void prepareChange(long keep) throws FsException {
        if (state.needsNewTemp()) {
            TempFile fresh;
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                // An empty version, which a create without O_TRUNC makes, is not even opened: the
                // node's O_PATH descriptor tells its size.
                fresh = temp == null && sourceFd < 0 && BackingDir.fstat(node().fd).st_size.longValue() == 0
                        ? backing.createTemp(tempDirectory(), stagingFd)
                        : backing.copyToTemp(tempDirectory(), stagingFd, dataFd(), keep);
            }
            closeData();
            temp = fresh;
            tempPublished = false;
        }
        state.beforeChange();
    }

    @Override
    synchronized long seek(long offset, int whence) throws FsException {
        return check(C.lseek(dataFd(), offset, whence), "lseek");
    }

    @Override
    synchronized void sync(boolean dataOnly) throws FsException {
        check(dataOnly ? C.fdatasync(dataFd()) : C.fsync(dataFd()), "fsync");
    }

    @Override
    synchronized void stat(Pointer statbuf) throws FsException {
        requireOpen(released);
        // The node's descriptor is the version's as well, so reading its attributes opens nothing.
        check(C.fstat(temp != null ? temp.fd() : node().fd, statbuf), "fstat");
        // What the publish will apply: the file it replaces may have been chmod'ed since the open.
        writersView(statbuf, target());
    }

    /**
     * The writer's view of the file its create has just made in place, from {@code statbuf}, the
     * attributes the create read of it: nothing has written the handle yet, and the name held
     * that file then, so they are the attributes of both the data and the file the publish
     * replaces, which {@link #stat} would read again.
     */
    synchronized void createdView(Pointer statbuf) {
        startsFromItsCreate = true;
        writersView(statbuf, new Commit.Attributes(statbuf.getInt(StatFields.MODE), statbuf.getInt(StatFields.UID),
                statbuf.getInt(StatFields.GID)));
    }

    /** Turns {@code statbuf}, the data's attributes, into the writer's view, {@code target} being replaced. */
    private void writersView(Pointer statbuf, Commit.Attributes target) {
        FileStat stat = FileStat.of(statbuf);
        // The file keeps its inode number while it is written, as natively a write never changes
        // it: SQLite checks at each transaction that its path still names the inode it opened, and
        // took the temp file's for the database moved away (SQLITE_READONLY_DBMOVED).
        stat.st_ino.set(node().ino);
        Commit.Attributes published = Commit.attributes(target, commitRequest());
        stat.st_mode.set((stat.st_mode.intValue() & ~PERMISSION_BITS) | (published.mode() & PERMISSION_BITS));
        stat.st_uid.set(published.uid());
        stat.st_gid.set(published.gid());
        if (state.orphaned()) {
            // The writer's file has lost its name, whatever the temp file has.
            stat.st_nlink.set(0);
        } else if (temp != null && !tempPublished && temp.name() == null) {
            // A temp file without a name stands for the file under the name it will be published to.
            stat.st_nlink.set(1);
        }
    }

    /** A new descriptor of the data written so far, owned by the caller. */
    @Override
    synchronized int duplicate() throws FsException {
        requireOpen(released);
        return (int) check(C.dup(dataFd()), "dup");
    }

    /** A chmod by the writer itself: applied when the handle publishes. */
    synchronized void setMode(int mode) {
        explicitMode = mode & PERMISSION_BITS;
    }

    /** A chown by the writer itself: applied when the handle publishes. -1 keeps a field. */
    synchronized void setOwner(int uid, int gid) {
        if (uid >= 0) {
            explicitUid = uid;
        }
        if (gid >= 0) {
            explicitGid = gid;
        }
    }

    /**
     * Times set by the writer go to the data it is writing (rename keeps them). The temp file may
     * be the daemon's: the kernel checked the change against the file the writer sees.
     */
    synchronized void setTimes(Pointer times) throws FsException {
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            check(C.futimens(dataFd(), times), "futimens");
        }
    }

    /** One close of a descriptor: the writer may not be done, nothing is published; a failed write is reported. */
    @Override
    synchronized void flush() throws FsException {
        settle(state.flush());
    }

    /**
     * A close made by thread {@code tid}, the kernel's request {@code unique}: the last close
     * decides whether the release publishes. Closes of one handle from several processes may be
     * handled out of order; the request numbers give the kernel's order.
     */
    synchronized void closedBy(long unique, boolean killedWriter) {
        if (unique > lastClose) {
            lastClose = unique;
            lastCloseKilled = killedWriter;
        }
    }

    /** Publishes the changes of a file its writer renames or links while still writing it. */
    synchronized void publishNow() throws FsException {
        settle(state.publishNow());
    }

    /**
     * The last close: publishes unless the writer was killed (a half-written file must not
     * replace a whole one), its name was removed, or a write failed.
     */
    @Override
    synchronized NodeTable.Binding release() throws FsException {
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            try {
                return settle(state.release(lastCloseKilled));
            } finally {
                if (temp != null && !tempPublished) {
                    backing.discardTemp(temp);
                    temp = null;
                }
                closeData();
                released = true;
            }
        }
    }

    /** Whether the last publish gave its directory a name (else it replaced the file at the name). */
    synchronized boolean publishedNewName() {
        return publishedNewName;
    }

    /**
     * Whether the last publish replaced a version other than the empty file its own create made:
     * a rewrite, after which the name is not kept for a while ({@link KeptNames#replacedLately}).
     * A create without {@code O_TRUNC} (tar's, git's) is a new file's first content, not a rewrite.
     */
    synchronized boolean publishedARewrite() {
        return !publishedNewName && !startsFromItsCreate;
    }

    /**
     * Whether the last publish put the node's own inode at the name (a new file's first), which
     * lookups of the name may then share: the node stands for the published version.
     */
    synchronized boolean publishedOwnNode() {
        return publishedOwnNode;
    }

    /** The release and what it told the kernel are done: requests waiting for it go on. */
    synchronized void releaseDone() {
        done = true;
        notifyAll();
    }

    /** Returns once this handle's release is done ({@link #releaseDone}). */
    synchronized void awaitReleased() {
        boolean interrupted = false;
        while (!done) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Does what the state machine decided, with the daemon's rights (a publish is the daemon's). */
    private NodeTable.Binding settle(WriteState.Action action) throws FsException {
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            return settleAsDaemon(action);
        }
    }

    private NodeTable.Binding settleAsDaemon(WriteState.Action action) throws FsException {
        switch (action) {
            case PUBLISH -> {
                return publish();
            }
            case DISCARD -> {
                stats.discarded();
                LOG.info("discarded the writes of {}: {}", describe(), failure != 0 ? "a write failed"
                        : dropped != null ? dropped
                        : state.orphaned() ? "its name was removed while it was open" : "its writer was killed");
                return null;
            }
            case FAIL -> throw new FsException(failure, "close after a failed write");
            default -> {
                return null;
            }
        }
    }

    private NodeTable.Binding publish() throws FsException {
        NodeTable.Binding target = nodes.binding(node());
        if (target == null) {
            state.publishFailed();
            throw new FsException(Errno.ENOENT, "publish: the name is gone");
        }
        String path = describe();
        Published steps;
        Commit.Attributes attributes;
        for (int attempt = 1; ; attempt++) {
            steps = new Published(target);
            try {
                attributes = Commit.publish(steps, commitRequest());
                break;
            } catch (IOException e) {
                FsException cause = (FsException) e.getCause();
                if (cause.errno == Errno.EEXIST && steps.absent && attempt < PUBLISH_ATTEMPTS) {
                    // A file appeared at the free name: decide again, with that file there.
                    continue;
                }
                state.publishFailed();
                stats.error();
                LOG.warn("could not publish {}: {} failed with errno {}", path, cause.getMessage(), cause.errno);
                throw cause;
            } finally {
                steps.close();
            }
        }
        tempPublished = true;
        publishedNewName = steps.absent;
        long ino = steps.temp().st_ino.longValue();
        // A new file's temp is its node's inode; an executable's lookups each get a node of their own.
        publishedOwnNode = ino == node().ino && !KernelTimeouts.executable(attributes.mode());
        if (publishedOwnNode) {
            nodes.share(node());
        }
        stats.committed(steps.concurrent);
        if (steps.concurrent) {
            LOG.info("concurrent commit: {} replaced a version published by another writer", path);
        }
        baseIno = ino;
        return target;
    }

    private Commit.Request commitRequest() {
        return new Commit.Request(new Commit.Attributes(explicitMode, explicitUid, explicitGid), created, durable,
                keepOwner, writerIsRoot, gid -> writer != null && writer.inGroup(gid));
    }

    /**
     * The attributes of the file this write replaces: the name's; once the name is gone, those of
     * the version the write started from (a chmod of the name before its unlink changed it, as
     * it changes what a native descriptor shows); null for a new file, or when the name holds
     * something the writer may not replace (its publish would be refused).
     */
    private Commit.Attributes target() throws FsException {
        NodeTable.Binding target = nodes.binding(node());
        FileStat stat = target == null ? null : BackingDir.statOrNull(target.parent().fd, target.name());
        if (stat != null && !replaceable(target, stat)) {
            stat = null;
        }
        if (stat == null && state.orphaned() && baseIno == node().ino) {
            stat = BackingDir.fstat(node().fd);
        }
        return stat == null ? null
                : new Commit.Attributes(stat.st_mode.intValue(), stat.st_uid.intValue(), stat.st_gid.intValue());
    }

    /**
     * Whether a publish would replace {@code stat}, found at the name: the version the write
     * started from, or a regular file the writer may write (see {@link Published#mayReplace}).
     */
    private boolean replaceable(NodeTable.Binding target, FileStat stat) {
        if (stat.st_ino.longValue() == baseIno || !Credentials.switching() || writer == null || writer.uid() == 0) {
            return true;
        }
        if ((stat.st_mode.intValue() & S_IFMT) != S_IFREG) {
            return false;
        }
        int fd = C.openat(target.parent().fd, target.name(), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        try (Credentials.Scope as = Credentials.as(writer)) {
            return Access.mayWrite(fd) == 0;
        } finally {
            C.close(fd);
        }
    }

    /** The name this write publishes to, for the log. */
    private String describe() {
        String path = nodes.path(node());
        return path == null ? toString() : Names.text(path);
    }

    private void closeData() {
        if (temp != null) {
            C.close(temp.fd());
        }
        if (sourceFd >= 0) {
            C.close(sourceFd);
            sourceFd = -1;
        }
    }

    /** The commit steps for a temp file in the staging directory. */
    private final class Published implements Commit.Steps {
        private final NodeTable.Binding target;
        private boolean concurrent;
        /** Whether the name was free: then the rename must not replace what appeared there since. */
        private boolean absent;
        /** The file being replaced (O_PATH), whose attributes the new version takes; -1 for none. */
        private int replacedFd = -1;
        /** Whether {@link #replacedFd} was opened for this publish (else it is the node's own). */
        private boolean ownsReplacedFd;
        /** The temp file's status, read once: its owner until {@link #applyOwner} changes it, and its inode. */
        private FileStat tempStat;

        Published(NodeTable.Binding target) {
            this.target = target;
        }

        void close() {
            if (ownsReplacedFd) {
                C.close(replacedFd);
            }
            replacedFd = -1;
        }

        FileStat temp() throws FsException {
            if (tempStat == null) {
                tempStat = BackingDir.fstat(temp.fd());
            }
            return tempStat;
        }

        /**
         * The attributes of the file at the name now, read from its descriptor, once the writer
         * is found to be allowed to replace it: see {@link #mayReplace}.
         */
        @Override
        public Commit.Attributes replaced() throws IOException {
            return call(() -> {
                Node dir = target.parent();
                FileStat stat = BackingDir.statOrNull(dir.fd, target.name());
                Node node = node();
                if (stat != null && stat.st_ino.longValue() == node.ino && stat.st_dev.longValue() == node.dev) {
                    // The name holds the node's own inode, most often the version the write started
                    // from: the node's descriptor is that file's, and spares an open by name.
                    replacedFd = node.fd;
                } else {
                    int fd = stat == null ? -1
                            : C.openat(dir.fd, target.name(), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                    if (fd < 0) {
                        int errno = stat == null ? Errno.ENOENT : Libc.errno();
                        if (errno != Errno.ENOENT) {
                            throw new FsException(errno, "open target");
                        }
                        mayReplace(dir.fd, true);
                        absent = true;
                        return null;
                    }
                    replacedFd = fd;
                    ownsReplacedFd = true;
                    stat = BackingDir.fstat(fd);
                }
                long ino = stat.st_ino.longValue();
                concurrent = ino != baseIno;
                if (concurrent) {
                    if ((stat.st_mode.intValue() & S_IFMT) != S_IFREG) {
                        refuse("the name is no regular file any more");
                    }
                    mayReplace(replacedFd, false);
                }
                return new Commit.Attributes(stat.st_mode.intValue(), stat.st_uid.intValue(),
                        stat.st_gid.intValue());
            });
        }

        /**
         * The extended attributes of the file being replaced, from the descriptor its attributes
         * were read from, with the daemon's identity (a writer may not be able to read
         * {@code trusted.*}): they are the attributes that file has, which a native rewrite
         * would have kept on it, whoever the writer.
         */
        @Override
        public void keepExtendedAttributes() throws IOException {
            call(() -> {
                List<String> left = ExtendedAttributes.keep(PLATFORM.pathOf(replacedFd), PLATFORM.pathOf(temp.fd()),
                        Commit::keptByARewrite);
                if (!left.isEmpty()) {
                    LOG.warn("{} is published without extended attributes the daemon may not set: {}", describe(),
                            String.join(", ", left));
                }
                return null;
            });
        }

        /**
         * A publish may do no more than its writer may. It was allowed to write the version it
         * opened (its open asked the kernel), or to create the name; by now the name may hold
         * something else (another writer's version, or whatever someone renamed there): that
         * must be a regular file the writer may write, or, with nothing there, the writer must
         * be allowed to create in the directory. The kernel is asked with the writer's identity.
         */
        private void mayReplace(int fd, boolean free) throws FsException {
            if (!Credentials.switching() || writer == null || writer.uid() == 0) {
                return;
            }
            int errno;
            try (Credentials.Scope as = Credentials.as(writer)) {
                errno = free ? Access.mayCreateIn(fd) : Access.mayWrite(fd);
            }
            if (errno != 0) {
                refuse("the writer may not " + (free ? "create in the directory" : "write the file now at the name")
                        + " (" + OverlayFs.describe(errno) + ")");
            }
        }

        private void refuse(String why) throws FsException {
            throw new FsException(Errno.EACCES, "publish: " + why);
        }

        /**
         * The mode, with the writer's identity when the new version is the writer's: the kernel
         * then drops a setgid bit for a group the writer is not in, as in the writer's own chmod.
         */
        @Override
        public void applyMode(int mode) throws IOException {
            call(() -> {
                boolean writers = Credentials.switching() && writer != null && temp().st_uid.intValue() == writer.uid();
                try (Credentials.Scope as = Credentials.as(writers ? writer : null)) {
                    return check(C.fchmod(temp.fd(), mode), "fchmod");
                }
            });
        }

        @Override
        public void applyOwner(int uid, int gid) throws IOException {
            call(() -> {
                FileStat stat = temp();
                // The temp file is private (0600, no set-id bits, no capabilities): a chown to its
                // own owner would change nothing but cost a journaled inode update.
                if (stat.st_uid.intValue() != uid || stat.st_gid.intValue() != gid) {
                    check(C.fchown(temp.fd(), uid, gid), "fchown");
                    stat.st_uid.set(uid);
                    stat.st_gid.set(gid);
                }
                return null;
            });
        }

        @Override
        public void syncTemp() throws IOException {
            call(() -> check(C.fsync(temp.fd()), "fsync"));
        }

        @Override
        public void replaceTarget() throws IOException {
            call(() -> {
                if (absent) {
                    // A rename that finds a file at the name is tried again: named now, it stays so.
                    temp = backing.named(temp);
                }
                backing.publish(temp, target.parent().fd, target.name(), absent);
                return null;
            });
        }

        @Override
        public void syncDirectory() throws IOException {
            call(() -> {
                BackingDir.syncDirectory(target.parent().fd);
                return null;
            });
        }
    }

    private interface Call<T> {
        T run() throws FsException;
    }

    /** Carries an errno through the policy's IOException-based protocol. */
    private static <T> T call(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (FsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
