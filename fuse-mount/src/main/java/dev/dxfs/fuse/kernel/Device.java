package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Credentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An open {@code /dev/fuse}: one connection to the kernel, read for requests and written with answers. */
final class Device {
    private static final Logger LOG = LoggerFactory.getLogger(Device.class);

    final int fd;
    /** The files the connection's passthrough opens read from. */
    final BackingFiles backingFiles = new BackingFiles(this::openBacking, this::closeBacking);
    /** A struct fuse_backing_map or a backing id, one per thread that registers or releases one. */
    private final ThreadLocal<AlignedBuffer> ioctlArguments =
            ThreadLocal.withInitial(() -> new AlignedBuffer(Protocol.BACKING_MAP_SIZE));

    Device(int fd) {
        this.fd = fd;
    }

    /**
     * Writes one answer or notification; returns whether the kernel took it. An answer to a
     * request the kernel no longer waits for (its caller was interrupted) is refused with ENOENT.
     */
    boolean write(long address, int length) {
        long written = Sys.C.write(fd, address, length);
        if (written == length) {
            return true;
        }
        int errno = Sys.errno();
        if (written < 0 && errno != Sys.ENOENT && errno != Sys.ENODEV) {
            LOG.warn("an answer to the kernel was refused with errno {}", errno);
        }
        return false;
    }

    /**
     * Registers {@code file} (any descriptor of a regular file, O_PATH too) as a backing file of
     * the connection (FUSE_DEV_IOC_BACKING_OPEN); returns its backing id (above 0), or -errno.
     * The kernel keeps the registering thread's credentials with it and opens the file with them
     * for each open that names the id, so the daemon's own register it, never a caller's.
     */
    int openBacking(int file) {
        AlignedBuffer map = ioctlArguments.get();
        map.bytes.putInt(0, file);
        map.bytes.putInt(4, 0);
        map.bytes.putLong(8, 0);
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            int id = Sys.C.ioctl(fd, Protocol.DEV_IOC_BACKING_OPEN, map.address);
            return id < 0 ? -Sys.errno() : id;
        }
    }

    /** Ends a registration (FUSE_DEV_IOC_BACKING_CLOSE); files opened through it keep their backing file. */
    void closeBacking(int id) {
        AlignedBuffer argument = ioctlArguments.get();
        argument.bytes.putInt(0, id);
        if (Sys.C.ioctl(fd, Protocol.DEV_IOC_BACKING_CLOSE, argument.address) != 0) {
            LOG.warn("backing id {} could not be released: errno {}", id, Sys.errno());
        }
    }

    void close() {
        Sys.C.close(fd);
    }
}
