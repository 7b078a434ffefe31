package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fuse.Names;
import dev.dxfs.policy.StagingArea;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * The directory the overlay is mounted over, reached through a descriptor opened before the
 * mount, and every file below it through a descriptor of its own ({@link Node}), so the daemon
 * never calls into its own mount for backing I/O.
 */
final class BackingDir implements AutoCloseable {
    private static final int DIRENT_NAME_OFFSET = 19;
    private static final int DIRENT_TYPE_OFFSET = 18;

    private final int rootFd;
    private final StagingArea staging;
    private final Platform platform = Platform.current();
    /** The uid the daemon makes its staging directories as. */
    private final int ownUid = C.geteuid();
    /** The staging directory of each filesystem in the tree, by device. */
    private final Map<Long, Staging> stagingByDevice = new ConcurrentHashMap<>();

    private BackingDir(int rootFd, StagingArea staging) {
        this.rootFd = rootFd;
        this.staging = staging;
    }

    /**
     * Opens {@code directory} (which must not yet be covered by the mount), creates its staging
     * directory and removes what a crashed daemon left there.
     */
    static BackingDir open(String directory, StagingArea staging) throws FsException {
        int rootFd = (int) check(C.open(Names.bytes(directory), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0),
                "open " + directory);
        try {
            BackingDir dir = new BackingDir(rootFd, staging);
            dir.stagingOn(fstat(rootFd).st_dev.longValue(), rootFd);
            return dir;
        } catch (FsException e) {
            C.close(rootFd);
            throw e;
        }
    }

    /**
     * A staging directory: its descriptor, its name and inode, and the directory that holds it
     * (a descriptor of our own: the node that gave it may be forgotten by the time the daemon
     * stops and removes the staging directory) and that directory's inode.
     */
    private record Staging(int fd, String name, long ino, int hostFd, long hostIno) {}

    /**
     * The staging directory for files on device {@code dev}, in {@code hostFd} (the topmost
     * directory of that filesystem in the tree), chosen, made or swept at its first use: the
     * first of the staging names ({@link StagingArea#name}) that is free or holds a staging
     * directory the daemon's user made ({@link StagingArea#isOwn}). What a user has at a staging
     * name, a directory of their own (whatever it holds, whatever its mode), a file or a
     * symlink, stays as it is, and the name stays theirs through the mount. A staging directory
     * of the daemon's user's at another of the names (left by a daemon that was killed while
     * something of a user's held an earlier name) is swept and removed when empty.
     */
    int stagingOn(long dev, int hostFd) throws FsException {
        Staging known = stagingByDevice.get(dev);
        if (known != null) {
            return known.fd();
        }
        synchronized (stagingByDevice) {
            known = stagingByDevice.get(dev);
            if (known != null) {
                return known.fd();
            }
            Staging chosen = choose(hostFd);
            stagingByDevice.put(dev, chosen);
            return chosen.fd();
        }
    }

    private Staging choose(int hostFd) throws FsException {
        long hostIno = fstat(hostFd).st_ino.longValue();
        Set<Integer> present = new TreeSet<>();
        for (Entry entry : list(hostFd)) {
            int index = StagingArea.indexOf(new String(entry.name(), StandardCharsets.ISO_8859_1));
            if (index >= 0) {
                present.add(index);
            }
        }
        Staging chosen = null;
        for (int index = 0; index < StagingArea.NAMES && chosen == null; index++) {
            String name = StagingArea.name(index);
            int fd = present.contains(index) ? openOwn(hostFd, name) : makeOwn(hostFd, name);
            if (fd >= 0) {
                sweepLeftovers(fd);
                chosen = new Staging(fd, name, fstat(fd).st_ino.longValue(),
                        hostFd == rootFd ? rootFd : (int) check(C.dup(hostFd), "dup"), hostIno);
                present.remove(index);
            }
        }
        if (chosen == null) {
            throw new NoStagingName();
        }
        for (int index : present) {
            String name = StagingArea.name(index);
            int fd = openOwn(hostFd, name);
            if (fd >= 0) {
                try {
                    long ino = fstat(fd).st_ino.longValue();
                    sweepLeftovers(fd);
                    removeIfSame(hostFd, name, ino);
                } catch (FsException e) {
                    // A leftover that cannot be swept now stays for a later mount.
                } finally {
                    C.close(fd);
                }
            }
        }
        return chosen;
    }

    /**
     * A new staging directory at {@code name}: made with {@link StagingArea#OWN_MODE} in one
     * step (mkdir(2) sets the sticky bit), without any ACL, so that nothing made in it inherits
     * one. -1 when the name is taken meanwhile and is not the daemon's.
     */
    private int makeOwn(int hostFd, String name) throws FsException {
        if (C.mkdirat(hostFd, name, StagingArea.OWN_MODE) < 0) {
            int errno = Libc.errno();
            if (errno != Errno.EEXIST) {
                throw new FsException(errno, "mkdir " + name);
            }
            return openOwn(hostFd, name);
        }
        int fd = (int) check(C.openat(hostFd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
                0), "open " + name);
        String path = platform.pathOf(fd);
        try {
            // A default ACL of the host directory became this one's, and its mode's group bits.
            ExtendedAttributes.remove(path, ExtendedAttributes.DEFAULT_ACL);
            ExtendedAttributes.remove(path, ExtendedAttributes.ACCESS_ACL);
            check(C.fchmod(fd, StagingArea.OWN_MODE), "chmod " + name);
        } catch (FsException e) {
            C.close(fd);
            throw e;
        }
        return fd;
    }

    /** A descriptor of the staging directory the daemon's user made at {@code name}, or -1 for anything else there. */
    private int openOwn(int hostFd, String name) throws FsException {
        int fd = C.openat(hostFd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            // Not a directory (ENOTDIR, ELOOP: a file, a symlink), gone, or not ours to enter.
            return -1;
        }
        FileStat stat = fstat(fd);
        if (!StagingArea.isOwn(stat.st_mode.intValue(), stat.st_uid.intValue(), ownUid)) {
            C.close(fd);
            return -1;
        }
        return fd;
    }

    /** Removes the empty directory {@code name} if it is still the inode {@code ino}. */
    private static void removeIfSame(int hostFd, String name, long ino) {
        try {
            FileStat stat = statOrNull(hostFd, name);
            if (stat != null && stat.st_ino.longValue() == ino) {
                C.unlinkat(hostFd, name, Libc.AT_REMOVEDIR);
            }
        } catch (FsException e) {
            // Left as it is.
        }
    }

    /**
     * The name of the staging directory held by the directory {@code dirIno} on device
     * {@code dev}, or null when it holds none: that name, and only that one, is not the mount's.
     */
    String stagingIn(long dev, long dirIno) {
        Staging known = stagingByDevice.get(dev);
        return known != null && known.hostIno() == dirIno ? known.name() : null;
    }

    /**
     * A staging directory is no name of the mount's: it cannot be found, made or removed. Only
     * the name the daemon's staging directory has is; a user's own {@code .dxfs} is the user's.
     */
    void refuseStaging(Node dir, String name, int errno) throws FsException {
        if (name.equals(stagingIn(dir.dev, dir.ino))) {
            throw new FsException(errno, "the staging directory");
        }
    }

    /** The entries of directory {@code dir} that are the mount's: all but a staging directory. */
    List<Entry> visibleEntries(Node dir) throws FsException {
        List<Entry> entries = list(dir.fd);
        String staging = stagingIn(dir.dev, dir.ino);
        if (staging != null) {
            byte[] hidden = staging.getBytes(StandardCharsets.ISO_8859_1);
            entries.removeIf(entry -> Arrays.equals(entry.name(), hidden));
        }
        return entries;
    }

    int rootFd() {
        return rootFd;
    }

    /** The attributes of {@code name} in directory {@code dirFd}, or null when nothing is there. */
    static FileStat statOrNull(int dirFd, String name) throws FsException {
        FileStat stat = newStat();
        if (C.fstatat(dirFd, name, Struct.getMemory(stat), Libc.AT_SYMLINK_NOFOLLOW) < 0) {
            int errno = Libc.errno();
            if (errno == Errno.ENOENT || errno == 20 /* ENOTDIR */) {
                return null;
            }
            throw new FsException(errno, "stat");
        }
        return stat;
    }

    static FileStat newStat() {
        FileStat stat = new FileStat(Libc.RUNTIME);
        Struct.getMemory(stat);
        return stat;
    }

    static FileStat fstat(int fd) throws FsException {
        FileStat stat = newStat();
        check(C.fstat(fd, Struct.getMemory(stat)), "fstat");
        return stat;
    }

    /** A new open file description of the version {@code node} stands for. */
    static int reopen(Node node, int flags) throws FsException {
        return (int) check(C.open(node.inodePath(), flags | Libc.O_CLOEXEC, 0), "open");
    }

    /**
     * Creates a new private temp file (mode 0600) for a file in directory {@code dirFd}. Where
     * the filesystem allows, it has no name until its publish: the filesystem allocates it as
     * it would a file of that directory (not all in one directory, whose allocation group
     * becomes a hot spot), and it vanishes with the daemon should the daemon die. Elsewhere it
     * is named in the staging directory {@code stagingFd}.
     */
    TempFile createTemp(int dirFd, int stagingFd) throws FsException {
        try {
            return new TempFile(stagingFd, null, platform.openUnnamed(dirFd, Libc.O_RDWR, 0600));
        } catch (FsException e) {
            if (e.errno != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
        String name = staging.nextTempName();
        int fd = (int) check(C.openat(stagingFd, name,
                Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0600), "create temp");
        return new TempFile(stagingFd, name, fd);
    }

    /**
     * Fills a fresh temp file with the first {@code keep} bytes of {@code sourceFd} (all of it
     * when {@code keep} is larger): a reflink where the filesystem offers one (constant time),
     * else an in-kernel copy that never passes through the daemon's memory and keeps the file's
     * holes and preallocated ranges ({@link SparseCopy}).
     */
    TempFile copyToTemp(int dirFd, int stagingFd, int sourceFd, long keep) throws FsException {
        TempFile temp = createTemp(dirFd, stagingFd);
        try {
            long size = fstat(sourceFd).st_size.longValue();
            // An empty version (the file a create without O_TRUNC made) has nothing to copy.
            if (size > 0 && (keep < size || C.ioctl(temp.fd(), Libc.FICLONE, sourceFd) != 0)) {
                SparseCopy.copy(sourceFd, temp.fd(), Math.min(keep, size));
            }
            return temp;
        } catch (FsException e) {
            discardTemp(temp);
            throw e;
        }
    }

    /**
     * Atomically replaces {@code name} in directory {@code dirFd} by the temp file. rename(2)
     * moves names, so a temp file without one is first linked into the staging directory: a
     * crash between the link and the rename leaves it to the next mount's sweep. With
     * {@code noReplace}, a file that appeared at the name meanwhile is not replaced (EEXIST),
     * where the filesystem can tell (RENAME_NOREPLACE).
     */
    void publish(TempFile temp, int dirFd, String name, boolean noReplace) throws FsException {
        String tempName = named(temp).name();
        int renamed = noReplace ? C.renameat2(temp.stagingFd(), tempName, dirFd, name, Libc.RENAME_NOREPLACE) : -1;
        if (!noReplace || renamed < 0 && Libc.errno() == Errno.EINVAL) {
            renamed = C.renameat(temp.stagingFd(), tempName, dirFd, name);
        }
        if (renamed < 0) {
            int errno = Libc.errno();
            if (temp.name() == null) {
                C.unlinkat(temp.stagingFd(), tempName, 0);
            }
            throw new FsException(errno, "rename");
        }
    }

    /**
     * The temp file with a name in the staging directory: itself when it has one. An unnamed
     * temp file can be linked once: once named, it keeps its name until published or discarded.
     */
    TempFile named(TempFile temp) throws FsException {
        if (temp.name() != null) {
            return temp;
        }
        String tempName = staging.nextTempName();
        check(C.linkat(Libc.AT_FDCWD, platform.pathOf(temp.fd()), temp.stagingFd(), tempName,
                Libc.AT_SYMLINK_FOLLOW), "link temp");
        return new TempFile(temp.stagingFd(), tempName, temp.fd());
    }

    void discardTemp(TempFile temp) {
        C.close(temp.fd());
        if (temp.name() != null) {
            C.unlinkat(temp.stagingFd(), temp.name(), 0);
        }
    }

    /** Syncs a directory, so that a rename in it is durable. */
    static void syncDirectory(int dirFd) throws FsException {
        int fd = openDirectory(dirFd);
        try {
            check(C.fsync(fd), "fsync directory");
        } finally {
            C.close(fd);
        }
    }

    /** A readable descriptor of the directory {@code dirFd} refers to (which may be O_PATH). */
    static int openDirectory(int dirFd) throws FsException {
        return (int) check(C.openat(dirFd, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0),
                "open directory");
    }

    /** One directory entry: the raw name bytes, the inode number and the d_type. */
    record Entry(byte[] name, long ino, int type) {}

    /** Lists the directory {@code dirFd} refers to. */
    static List<Entry> list(int dirFd) throws FsException {
        int fd = openDirectory(dirFd);
        Pointer dir = C.fdopendir(fd);
        if (dir == null) {
            int errno = Libc.errno();
            C.close(fd);
            throw new FsException(errno, "fdopendir");
        }
        try {
            List<Entry> entries = new ArrayList<>();
            for (Pointer entry = C.readdir(dir); entry != null; entry = C.readdir(dir)) {
                int length = (int) entry.indexOf(DIRENT_NAME_OFFSET, (byte) 0);
                byte[] name = new byte[length];
                entry.get(DIRENT_NAME_OFFSET, name, 0, length);
                entries.add(new Entry(name, entry.getLong(0), entry.getByte(DIRENT_TYPE_OFFSET)));
            }
            return entries;
        } finally {
            C.closedir(dir);
        }
    }

    private void sweepLeftovers(int stagingFd) throws FsException {
        int fd = (int) check(C.openat(stagingFd, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0),
                "open staging");
        Pointer dir = C.fdopendir(fd);
        if (dir == null) {
            C.close(fd);
            return;
        }
        try {
            for (Pointer entry = C.readdir(dir); entry != null; entry = C.readdir(dir)) {
                String name = entry.getString(DIRENT_NAME_OFFSET);
                if (staging.isLeftoverOfOwner(name)) {
                    C.unlinkat(stagingFd, name, 0);
                }
            }
        } finally {
            C.closedir(dir);
        }
    }

    /**
     * Closes every descriptor and removes the staging directories that are empty (rmdir removes
     * only an empty directory), if their names still hold them: once the daemon has stopped, the
     * backing tree holds only what its users wrote. One that holds something stays: a temp file
     * of a JVM with the agent, or a publish that is still under way.
     */
    @Override
    public void close() {
        stagingByDevice.forEach((dev, known) -> {
            C.close(known.fd());
            removeIfSame(known.hostFd(), known.name(), known.ino());
            if (known.hostFd() != rootFd) {
                C.close(known.hostFd());
            }
        });
        C.close(rootFd);
    }

    /** Every name the staging directory may take holds something of a user's. */
    static final class NoStagingName extends FsException {
        private static final long serialVersionUID = 1L;

        NoStagingName() {
            super(Errno.EEXIST, "every name dxfs may give its hidden staging directory (" + StagingArea.name(0) + " to "
                    + StagingArea.name(StagingArea.NAMES - 1) + ") holds a file of a user's: move one of them away");
        }
    }

    /**
     * A private temp file, and the staging directory of its filesystem.
     *
     * @param name its name in the staging directory, or null when it has none
     */
    record TempFile(int stagingFd, String name, int fd) {}
}
