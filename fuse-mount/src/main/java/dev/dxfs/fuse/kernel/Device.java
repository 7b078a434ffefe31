package dev.dxfs.fuse.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An open {@code /dev/fuse}: one connection to the kernel, read for requests and written with answers. */
final class Device {
    private static final Logger LOG = LoggerFactory.getLogger(Device.class);

    final int fd;

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

    void close() {
        Sys.C.close(fd);
    }
}
