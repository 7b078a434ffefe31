package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.BackingDir.TempFile;
import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Credentials;
import dev.dxfs.policy.Commit;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.WriteKind;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * How a staged write starts: which staging directory its temp file goes to (the one on the
 * file's own filesystem, so that the publish is a rename), what it is set up with, and for a new
 * file, the temp file itself, made so that it gets the owner, group, mode and ACL the file would
 * get natively. An open, a create and a staged truncate all start theirs here.
 */
final class Staging {
    private static final int S_ISGID = 02000;

    private final BackingDir backing;
    private final NodeTable nodes;
    private final MountStats stats;
    private final Platform platform;
    private final boolean durable;
    private final boolean privileged;

    Staging(BackingDir backing, NodeTable nodes, MountStats stats, Platform platform, boolean durable,
            boolean privileged) {
        this.backing = backing;
        this.nodes = nodes;
        this.stats = stats;
        this.platform = platform;
        this.durable = durable;
        this.privileged = privileged;
    }

    /**
     * A staged write to the (bound) name of {@code node}, replacing the version {@code current}.
     * A node whose name was removed or renamed over since it was found (a rename through the
     * mount, a moment ago) is sent back (ESTALE): the kernel looks the name up again, and opens
     * what is there now, as an open made just after the rename would. (ENOENT, as before, failed
     * an open with O_CREAT.)
     */
    StagedWrite staged(Node node, WriteKind kind, int tid, int uid, FileStat current) throws FsException {
        Binding binding = nodes.binding(node);
        if (binding == null) {
            throw new FsException(Errno.ESTALE, "staged write to a file that lost its name");
        }
        return new StagedWrite(node, tid, platform.processOf(tid), kind, null,
                setup(stagingFor(binding.parent()), attributes(current), current.st_ino.longValue(), uid));
    }

    /** What a staged write needs; its writer is the caller whose identity the thread acts with. */
    StagedWrite.Setup setup(int stagingFd, Commit.Attributes created, long baseIno, int writerUid) {
        return new StagedWrite.Setup(backing, stagingFd, nodes, stats, created, baseIno, durable, privileged,
                writerUid == 0, Credentials.current());
    }

    /** The staging directory for files in {@code dir}: the one on {@code dir}'s filesystem. */
    int stagingFor(Node dir) throws FsException {
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            return backing.stagingOn(dir.dev, StagingArea.hostOf(dir, this::parentOf, node -> node.dev).fd);
        }
    }

    private Node parentOf(Node dir) {
        Binding binding = nodes.binding(dir);
        return binding == null ? null : binding.parent();
    }

    private static Commit.Attributes attributes(FileStat stat) {
        return new Commit.Attributes(stat.st_mode.intValue(), stat.st_uid.intValue(), stat.st_gid.intValue());
    }

    /** The temp file of a new file, and the mode a native create would have given the file. */
    record NewFile(TempFile temp, int mode) {}

    /**
     * The temp file of a new file in {@code dir}, made with the caller's identity: the kernel
     * decides whether the caller may create a file there, and gives it the owner and group (the
     * caller's, or a setgid directory's) it would give the file itself. It is made with the
     * create {@code mode} and the caller's {@code umask}, so that it gets the mode and the ACL
     * the file would get natively (a default ACL of the directory in place of the umask), and is
     * then made private (0600, which keeps the ACL's named entries; the publish's chmod to that
     * mode gives back the rest). Where the filesystem has no unnamed temp files, the temp file is
     * named in the staging directory, which only the daemon may enter: then the daemon asks the
     * kernel whether the caller may create in {@code dir}, and gives the file the owner and group
     * the kernel would, and the mode under the umask (no default ACL).
     */
    NewFile newFileTemp(Node dir, int staging, int mode, int umask) throws FsException {
        try {
            int fd;
            try (CallerUmask callers = CallerUmask.of(umask)) {
                fd = platform.openUnnamed(dir.fd, Libc.O_RDWR, callers.mode(mode));
            }
            TempFile temp = new TempFile(staging, null, fd);
            try {
                int made = BackingDir.fstat(fd).st_mode.intValue() & StatFields.PERMISSION_BITS;
                check(C.fchmod(fd, 0600), "fchmod temp");
                return new NewFile(temp, made);
            } catch (FsException e) {
                backing.discardTemp(temp);
                throw e;
            }
        } catch (FsException e) {
            if (e.errno != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
        int masked = mode & ~(umask & 0777);
        Credentials.Caller caller = Credentials.current();
        boolean forCaller = Credentials.actingForCaller() && caller != null;
        if (forCaller) {
            int errno = Access.mayCreateIn(dir.fd);
            if (errno != 0) {
                throw new FsException(errno, "create");
            }
        }
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            TempFile temp = backing.createTemp(dir.fd, staging);
            if (forCaller) {
                FileStat parent = BackingDir.fstat(dir.fd);
                int gid = (parent.st_mode.intValue() & S_ISGID) != 0 ? parent.st_gid.intValue() : caller.gid();
                if (C.fchown(temp.fd(), caller.uid(), gid) < 0) {
                    int errno = Libc.errno();
                    backing.discardTemp(temp);
                    throw new FsException(errno, "chown temp");
                }
            }
            return new NewFile(temp, masked);
        }
    }
}
