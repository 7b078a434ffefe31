package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
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
 * directory's file handle and the name in it. The handle of each directory is taken when it is
 * marked, so an event's handle names its node without opening it (which would need
 * CAP_DAC_READ_SEARCH).
 *
 * <p>With CAP_SYS_ADMIN the queue and the marks are unlimited. Without it (a user's mount,
 * Linux 5.13 or later) the queue holds {@code max_queued_events} (16,384), and an overflow
 * counts as a change of everything, and the user's marks are bounded by {@code
 * max_user_marks}: a directory that cannot be marked leaves files at the short timeout from then
 * on. Where the kernel allows no watch at all, the kernel keeps files for the short timeout.
 *
 * <p>The daemon's own changes (every change made through the mount, and its staging) come from
 * its own process, whichever caller's identity its thread has taken, and are left out by the
 * event's pid: an unprivileged listener is told only its own process's pid (other processes'
 * events carry 0), which is all this needs. A mark on the whole filesystem was tried first: it
 * made every process creating files anywhere on it (a root filesystem) pay for an event the
 * daemon then threw away.
 */
final class BackingWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackingWatch.class);

    private static final int FAN_CLOEXEC = 0x1;
    private static final int FAN_UNLIMITED_QUEUE = 0x10;
    private static final int FAN_UNLIMITED_MARKS = 0x20;
    private static final int FAN_REPORT_DFID_NAME = 0xc00;
    private static final int FAN_MARK_ADD = 0x1;
    private static final int EPERM = 1;
    private static final int EINVAL = 22;
    /**
     * name_to_handle_at's handle in the form fanotify reports it (Linux 6.5), which differs from
     * an openable handle only on filesystems that cannot be exported; older kernels refuse the
     * flag, and report openable handles.
     */
    private static final int AT_HANDLE_FID = 0x200;
    private static final int MAX_HANDLE_SZ = 128;
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
    /**
     * How long the watch lets events gather after reading only the daemon's own. Each publish
     * makes three (the temp file's chmod and close, the rename), and woken for each one, the
     * watch's thread cost an O_TRUNC rewrite 4 to 6 of its 25 to 29 context switches. A change
     * behind the mount's back that comes meanwhile shows at most this much later, and only while
     * the daemon is making changes itself.
     */
    private static final long OWN_EVENTS_GATHER_NANOS = 2_000_000L;

    private final int fd;
    private final long device;
    private final Invalidations invalidations;
    private final int ownPid = (int) ProcessHandle.current().pid();
    private final Pointer events = Memory.allocateDirect(Libc.RUNTIME, BUFFER);
    /** Where a directory's handle is taken; guarded by itself. */
    private final Pointer handle = Memory.allocateDirect(Libc.RUNTIME, HANDLE_HEADER + MAX_HANDLE_SZ);
    private final Pointer mountId = Memory.allocateDirect(Libc.RUNTIME, 8);
    /**
     * The directory node of each marked directory's handle. Every mark is on one filesystem (the
     * root's device), so the handle alone tells them apart. A mark may outlive its node (it
     * goes when the kernel evicts the inode), but its events then name no node, as before the
     * node.
     */
    private final Map<HandleKey, Node> directories = new ConcurrentHashMap<>();
    private final Map<Node, HandleKey> handles = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private BackingWatch(int fd, long device, Invalidations invalidations) {
        this.fd = fd;
        this.device = device;
        this.invalidations = invalidations;
    }

    /**
     * Watches the root directory and, from now on, every directory node on its
     * filesystem as the table adds it, from a thread of its own; null where it may not.
     */
    static BackingWatch start(NodeTable nodes, Invalidations invalidations) {
        int fd = C.fanotify_init(FAN_CLOEXEC | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS | FAN_REPORT_DFID_NAME,
                Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0 && Libc.errno() == EPERM) {
            fd = C.fanotify_init(FAN_CLOEXEC | FAN_REPORT_DFID_NAME, Libc.O_RDONLY | Libc.O_CLOEXEC);
        }
        if (fd < 0) {
            LOG.info("no watch on the backing directory (fanotify: errno {}): the kernel keeps files {} s",
                    Libc.errno(), KernelTimeouts.KEEP);
            return null;
        }
        BackingWatch watch = new BackingWatch(fd, nodes.root.dev, invalidations);
        int failed = watch.mark(nodes.root);
        if (failed != 0) {
            LOG.info("no watch on the backing directory (errno {}): the kernel keeps files {} s",
                    failed, KernelTimeouts.KEEP);
            C.close(fd);
            return null;
        }
        nodes.onDirectoryAdded(watch::watch);
        nodes.onDirectoryDropped(watch::forget);
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
        if (dir.dev == device && !closed) {
            int failed = mark(dir);
            if (failed != 0) {
                LOG.warn("the watch on the backing directory could not mark a directory (errno {}): "
                        + "the kernel keeps files {} s", failed, KernelTimeouts.KEEP);
                invalidations.watchIncomplete();
            }
        }
    }

    /**
     * Notes {@code dir}'s handle, then marks it, so that its first event finds it; 0, or the
     * errno of what failed (ENOSPC: the user's marks are all taken).
     */
    private int mark(Node dir) {
        HandleKey key = handle(dir);
        if (key == null) {
            return Libc.errno();
        }
        directories.put(key, dir);
        handles.put(dir, key);
        return C.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, EVENTS, dir.fd, ".") == 0 ? 0 : Libc.errno();
    }

    /** The handle of directory {@code dir} as the events report it, or null (errno set). */
    private HandleKey handle(Node dir) {
        synchronized (handle) {
            handle.putInt(0, MAX_HANDLE_SZ);
            int taken = C.name_to_handle_at(dir.fd, "", handle, mountId, Libc.AT_EMPTY_PATH | AT_HANDLE_FID);
            if (taken != 0 && Libc.errno() == EINVAL) {
                handle.putInt(0, MAX_HANDLE_SZ);
                taken = C.name_to_handle_at(dir.fd, "", handle, mountId, Libc.AT_EMPTY_PATH);
            }
            if (taken != 0) {
                return null;
            }
            byte[] bytes = new byte[HANDLE_HEADER + handle.getInt(0)];
            handle.get(0, bytes, 0, bytes.length);
            return new HandleKey(bytes);
        }
    }

    /** {@code dir}'s node is gone: its handle names no node any more. */
    private void forget(Node dir) {
        HandleKey key = handles.remove(dir);
        if (key != null) {
            directories.remove(key, dir);
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
            boolean foreign = false;
            for (int at = 0; at < length; at += events.getInt(at)) {
                foreign |= handle(at);
            }
            if (!foreign) {
                LockSupport.parkNanos(OWN_EVENTS_GATHER_NANOS);
            }
        }
    }

    /** Handles the event at {@code at}: whether it was another process's (or a lost one). */
    private boolean handle(int at) {
        long mask = events.getLong(at + EVENT_MASK);
        if ((mask & FAN_Q_OVERFLOW) != 0) {
            invalidations.everythingChanged();
            return true;
        }
        if (events.getInt(at + EVENT_PID) == ownPid) {
            return false;
        }
        int end = at + events.getInt(at);
        for (int info = at + (events.getShort(at + 6) & 0xffff); info < end;
                info += events.getShort(info + 2) & 0xffff) {
            if (events.getByte(info) == FAN_EVENT_INFO_TYPE_DFID_NAME) {
                changed(info + INFO_HANDLE, (mask & NAME_CHANGES) != 0);
            }
        }
        return true;
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

    /** The directory node of the event's handle at {@code at}, or null if the daemon has none. */
    private Node directory(int at) {
        byte[] bytes = new byte[HANDLE_HEADER + events.getInt(at)];
        events.get(at, bytes, 0, bytes.length);
        return directories.get(new HandleKey(bytes));
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
