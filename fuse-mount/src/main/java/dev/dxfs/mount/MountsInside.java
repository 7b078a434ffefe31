package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Whether a filesystem is mounted inside a mount point, asked often and cheaply: the mount table
 * is read again only when it changed, which a poll of {@code /proc/self/mountinfo} tells (the
 * kernel marks it with POLLPRI at every mount and unmount in the namespace). A mount table that
 * cannot be read or watched counts as having one.
 */
final class MountsInside implements BooleanSupplier {
    private final Path dir;
    private final int watch;
    private final Pointer pollFd = Memory.allocateDirect(Libc.RUNTIME, 8);
    private boolean present;

    MountsInside(Path dir) {
        this.dir = dir;
        // Opened before the first read: a change made in between is polled, and read again.
        this.watch = Libc.C.open("/proc/self/mountinfo", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        this.present = read();
    }

    @Override
    public synchronized boolean getAsBoolean() {
        if (watch < 0) {
            return true;
        }
        pollFd.putInt(0, watch);
        pollFd.putShort(4, Libc.POLLPRI);
        pollFd.putShort(6, (short) 0);
        if (Libc.C.poll(pollFd, 1, 0) != 0) {
            present = read();
        }
        return present;
    }

    private boolean read() {
        try {
            return !MountTable.mountsBelow(dir).isEmpty();
        } catch (CliException e) {
            return true;
        }
    }
}
