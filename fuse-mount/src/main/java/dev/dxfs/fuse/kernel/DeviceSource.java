package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.RequestSource;
import java.io.IOException;

/** Requests read from the device by the request threads, each into its own {@link Worker}. */
final class DeviceSource implements RequestSource<Worker> {
    /**
     * What the threads' buffers may take together, were each to carry a 1 MiB read or write: 32
     * threads, and the daemon within 128 MiB of RSS. A buffer's pages are resident only once
     * written ({@link AlignedBuffer}), so threads that serve small requests hold far less.
     */
    private static final long BUFFER_MEMORY = 32L << 20;
    private final Device device;
    private final int maxIo;
    private final Operations operations;
    private volatile boolean exited;
    /** The kernel ended the connection (an unmount): nothing is left to unmount. */
    private volatile boolean unmounted;

    DeviceSource(Device device, int maxIo, Filesystem fs) {
        this.device = device;
        this.maxIo = maxIo;
        this.operations = new Operations(fs, maxIo, agreed -> new Notifications(device, agreed), this::exit);
    }

    boolean unmounted() {
        return unmounted;
    }

    @Override
    public Worker newBuffer() {
        return new Worker(device, maxIo);
    }

    @Override
    public int maxThreads() {
        return (int) Math.max(2, BUFFER_MEMORY / maxIo);
    }

    @Override
    public int receive(Worker worker) throws IOException {
        long length = Sys.C.read(device.fd, worker.inAddress, worker.inCapacity);
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
        return worker.in.getInt(Protocol.IN_OPCODE);
    }

    @Override
    public long releaseHandle(Worker worker) {
        return worker.in.getLong(Protocol.IN_HEADER);
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
        exited = true;
    }
}
