package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears of the changes made in the backing tree behind the mount's back (a process whose
 * descriptor or working directory predates the mount, another mount namespace, a bind mount of
 * the same directory), so that the kernel forgets what it keeps of the names and files they
 * touch at once instead of at its timeout: fanotify, with a mark on each directory the daemon
 * has a node for (the kernel keeps names only in those), reporting each change by its
 * directory's file handle and the name in it. Needs CAP_SYS_ADMIN (an unlimited queue and
 * marks) and CAP_DAC_READ_SEARCH (opening the handle); without them there is no watch, and the
 * kernel keeps files for the short timeout.
 *
 * <p>The daemon's own changes (every change made through the mount, and its staging) come from
 * its own process, whichever caller's identity its thread has taken, and are left out by the
 * event's pid. A mark on the whole filesystem was tried first: it made every process creating
 * files anywhere on it (a root filesystem) pay for an event the daemon then threw away.
 */
final class BackingWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackingWatch.class);

    private static final int FAN_CLOEXEC = 0x1;
    private static final int FAN_UNLIMITED_QUEUE = 0x10;
    private static final int FAN_UNLIMITED_MARKS = 0x20;
    private static final int FAN_REPORT_DFID_NAME = 0xc00;
    private static final int FAN_MARK_ADD = 0x1;
    /** The mark lives as long as the kernel keeps the directory's inode: the node's descriptor holds it. */
    private static final int FAN_MARK_EVICTABLE = 0x200;
    private static final long FAN_CLOSE_WRITE = 0x8;
    private static final long FAN_ATTRIB = 0x4;
    private static final long FAN_MOVED_FROM = 0x40;
    private static final long FAN_MOVED_TO = 0x80;
    private static final long FAN_CREATE = 0x100;
    private static final long FAN_DELETE = 0x200;
    private static final long FAN_Q_OVERFLOW = 0x4000;
    private static final long FAN_EVENT_ON_CHILD = 0x08000000L;
    private static final long FAN_ONDIR = 0x40000000L;
    /** What changes a name's meaning (a chmod may make a file executable, whose name is never kept). */
    private static final long NAME_CHANGES = FAN_ATTRIB | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_CREATE | FAN_DELETE;
    /**
     * A write or truncate changes the size and times, and is heard at its writer's close: an
     * event per write made writers several times slower (300,000 writes of 16 bytes: 0.1 s
     * unwatched, 0.4 to 0.7 s watched), where a close is one event per writer.
     */
    private static final long EVENTS = NAME_CHANGES | FAN_CLOSE_WRITE | FAN_ONDIR | FAN_EVENT_ON_CHILD;
    private static final int FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
    /** struct fanotify_event_metadata: event_len, vers, reserved, metadata_len, mask, fd, pid. */
    private static final int EVENT_MASK = 8;
    private static final int EVENT_PID = 20;
    /** struct fanotify_event_info_fid: the info header (4 bytes), the fsid (8), a struct file_handle. */
    private static final int INFO_HANDLE = 12;
    /** struct file_handle: handle_bytes, handle_type, then the handle. */
    private static final int HANDLE_HEADER = 8;
    private static final int BUFFER = 64 * 1024;
    private static final int EINTR = 4;
    private static final int CACHED = 16384;

    private final int fd;
    private final int rootFd;
    private final long device;
    private final NodeTable nodes;
    private final Invalidations invalidations;
    private final int ownPid = (int) ProcessHandle.current().pid();
    private final Pointer events = Memory.allocateDirect(Libc.RUNTIME, BUFFER);
    private final Pointer stat = Memory.allocateDirect(Libc.RUNTIME, 256);
    /**
     * The inodes of the directories whose handles the events named lately: the backing
     * filesystem's other directories (the rest of a root filesystem, other users' builds) send
     * events too, and a handle's open for each would cost more than its event.
     */
    private final Map<HandleKey, long[]> inodes = new LinkedHashMap<>(CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<HandleKey, long[]> eldest) {
            return size() > CACHED;
        }
    };
    private volatile boolean closed;

    private BackingWatch(int fd, int rootFd, NodeTable nodes, Invalidations invalidations) {
        this.fd = fd;
        this.rootFd = rootFd;
        this.device = nodes.root.dev;
        this.nodes = nodes;
        this.invalidations = invalidations;
    }

    /**
     * Watches the directory {@code rootFd} and, from now on, every directory node on its
     * filesystem as the table adds it, from a thread of its own; null where it may not.
     */
    static BackingWatch start(int rootFd, NodeTable nodes, Invalidations invalidations) {
        int fd = C.fanotify_init(FAN_CLOEXEC | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS | FAN_REPORT_DFID_NAME,
                Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0) {
            LOG.info("no watch on the backing directory (fanotify: errno {}): the kernel keeps files {} s",
                    Libc.errno(), KernelTimeouts.KEEP);
            return null;
        }
        if (C.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, EVENTS, rootFd, null) != 0) {
            LOG.info("no watch on the backing directory (fanotify_mark: errno {}): the kernel keeps files {} s",
                    Libc.errno(), KernelTimeouts.KEEP);
            C.close(fd);
            return null;
        }
        BackingWatch watch = new BackingWatch(fd, rootFd, nodes, invalidations);
        nodes.onDirectoryAdded(watch::watch);
        Thread reader = new Thread(watch::run, "dxfs-watch");
        reader.setDaemon(true);
        reader.start();
        return watch;
    }

    /**
     * Marks a new directory node before its lookup is answered, so that nothing the kernel keeps
     * of the names in it predates the mark. A directory on another filesystem (mounted inside
     * the backing tree) is not watched, and its files get the short timeout.
     */
    private void watch(Node dir) {
        if (dir.dev == device && !closed
                && C.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, EVENTS, dir.fd, ".") != 0) {
            LOG.warn("the watch on the backing directory could not mark a directory (errno {}): the kernel keeps files {} s",
                    Libc.errno(), KernelTimeouts.KEEP);
            invalidations.watchIncomplete();
        }
    }

    private void run() {
        try {
            read();
        } catch (RuntimeException e) {
            LOG.error("the watch on the backing directory failed", e);
        } finally {
            C.close(fd);
        }
        if (!closed) {
            // The kernel would keep what changes behind the mount's back for the long timeout.
            invalidations.watchLost();
        }
    }

    private void read() {
        while (!closed) {
            long length = C.read(fd, events, BUFFER);
            if (length < 0) {
                if (closed || Libc.errno() != EINTR) {
                    LOG.error("the watch on the backing directory failed (errno {})", Libc.errno());
                    return;
                }
                continue;
            }
            for (int at = 0; at < length; at += events.getInt(at)) {
                handle(at);
            }
        }
    }

    private void handle(int at) {
        long mask = events.getLong(at + EVENT_MASK);
        if ((mask & FAN_Q_OVERFLOW) != 0) {
            invalidations.everythingChanged();
            return;
        }
        if (events.getInt(at + EVENT_PID) == ownPid) {
            return;
        }
        int end = at + events.getInt(at);
        for (int info = at + (events.getShort(at + 6) & 0xffff); info < end;
                info += events.getShort(info + 2) & 0xffff) {
            if (events.getByte(info) == FAN_EVENT_INFO_TYPE_DFID_NAME) {
                changed(info + INFO_HANDLE, (mask & NAME_CHANGES) != 0);
            }
        }
    }

    /**
     * A change of the name after the handle at {@code handle} in the directory it is a handle of
     * ("." for the directory itself, which no node is bound to by that name).
     */
    private void changed(int handle, boolean nameChanged) {
        Node dir = directory(handle);
        if (dir != null) {
            int nameAt = handle + HANDLE_HEADER + events.getInt(handle);
            String name = events.getString(nameAt, BUFFER - nameAt, StandardCharsets.ISO_8859_1);
            invalidations.changedBehind(new NodeTable.Binding(dir, name), nameChanged);
        }
    }

    /** The directory node of the handle at {@code handle}, or null if the daemon has none. */
    private Node directory(int handle) {
        byte[] bytes = new byte[HANDLE_HEADER + events.getInt(handle)];
        events.get(handle, bytes, 0, bytes.length);
        HandleKey key = new HandleKey(bytes);
        long[] inode = inodes.get(key);
        if (inode == null) {
            inode = inode(handle);
            if (inode == null) {
                return null;
            }
            inodes.put(key, inode);
        }
        return nodes.directory(inode[0], inode[1]);
    }

    /** The device and inode number of the directory of the handle at {@code handle}, or null if it is gone. */
    private long[] inode(int handle) {
        int dir = C.open_by_handle_at(rootFd, events.slice(handle), Libc.O_PATH | Libc.O_CLOEXEC);
        if (dir < 0) {
            return null;
        }
        try {
            return C.fstat(dir, stat) == 0
                    ? new long[] {stat.getLong(StatFields.DEV), stat.getLong(StatFields.INO)} : null;
        } finally {
            C.close(dir);
        }
    }

    /** A file handle's bytes, compared by content. */
    private record HandleKey(byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof HandleKey key && Arrays.equals(bytes, key.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** The watch stops at its next event (its thread closes the descriptor it reads). */
    @Override
    public void close() {
        closed = true;
    }
}
