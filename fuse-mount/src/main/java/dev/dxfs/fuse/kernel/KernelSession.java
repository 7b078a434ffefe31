package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.MountSettings;
import dev.dxfs.fuse.RequestLoop;
import dev.dxfs.fuse.RequestSource;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FUSE session served over {@code /dev/fuse} directly, without libfuse: mounts, serves requests
 * on the {@link RequestLoop}'s threads until the filesystem is unmounted, then tears down.
 */
public final class KernelSession implements RequestSource<Worker> {
    private static final Logger LOG = LoggerFactory.getLogger(KernelSession.class);

    private final MountSettings settings;
    private final Device device;
    private final Operations operations;
    private volatile boolean exited;
    /** The kernel ended the connection (an unmount): nothing is left to unmount. */
    private volatile boolean unmounted;

    private KernelSession(MountSettings settings, Device device, Filesystem fs) {
        this.settings = settings;
        this.device = device;
        this.operations = new Operations(fs, settings.maxIo(), new Notifications(device), this::exit);
    }

    /** Mounts {@code fs} as {@code settings} say and serves it; returns once it is unmounted. */
    public static void serve(MountSettings settings, Filesystem fs) throws IOException {
        Device device = DeviceMount.mount(settings);
        KernelSession session = new KernelSession(settings, device, fs);
        boolean failed;
        try {
            failed = new RequestLoop<>(session, fs).run();
        } finally {
            device.close();
            if (!session.unmounted) {
                DeviceMount.unmount(settings);
            }
        }
        if (failed) {
            throw new IOException("the FUSE session of " + settings.mountPoint() + " ended with an error");
        }
    }

    @Override
    public Worker newBuffer() {
        return new Worker(device, settings.maxIo());
    }

    @Override
    public int receive(Worker worker) throws IOException {
        long length = Sys.C.read(device.fd, worker.in.address, worker.in.bytes.capacity());
        if (length > 0) {
            return (int) length;
        }
        int errno = Sys.errno();
        if (length < 0 && (errno == Sys.EINTR || errno == Sys.EAGAIN || errno == Sys.ENOENT)) {
            return 0;
        }
        if (length == 0 || errno == Sys.ENODEV) {
            unmounted = true;
            return -1;
        }
        throw new IOException("errno " + errno);
    }

    @Override
    public int opcode(Worker worker) {
        return worker.in.bytes.getInt(Protocol.IN_OPCODE);
    }

    @Override
    public long releaseHandle(Worker worker) {
        return worker.in.bytes.getLong(Protocol.IN_HEADER);
    }

    @Override
    public void process(Worker worker, int length) {
        operations.handle(worker);
    }

    @Override
    public boolean exited() {
        return exited;
    }

    @Override
    public void exit() {
        if (!exited) {
            LOG.debug("the session of {} ends", settings.mountPoint());
        }
        exited = true;
    }
}
