package dev.dxfs.fuse;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a session's requests on a pool of threads that take turns at the device, as libfuse's
 * own multi-threaded loop does, with one difference: a thread receives a request and tells the
 * filesystem of a RELEASE ({@link Filesystem#releaseQueued}) before the next thread may receive.
 *
 * <p>The kernel queues requests in the order their callers made them, and the last
 * {@code close(2)} of a file queues its RELEASE before the call returns. So whatever the closer
 * does next (an exec of the file, a {@code stat}, a child's exit that lets its parent go on)
 * arrives after the RELEASE, and the filesystem, having heard of the RELEASE first, can make it
 * wait for that RELEASE to be handled. Once received, requests run concurrently.
 */
final class RequestLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLoop.class);
    /** Idle threads beyond this end, as in libfuse. */
    private static final int MAX_IDLE = 10;
    private static final int HEADER_OPCODE = 4;
    /** struct fuse_in_header is 40 bytes; a RELEASE's fuse_release_in starts with the handle. */
    private static final int RELEASE_HANDLE = 40;
    private static final int FUSE_FORGET = 2;
    private static final int FUSE_RELEASE = 18;
    private static final int FUSE_BATCH_FORGET = 42;
    private static final int EINTR = 4;

    private final Pointer session;
    private final Pointer channel;
    private final Filesystem fs;
    private final long bufferSize;
    /** Held from a receive until the request's arrival is told: the order the kernel queued in. */
    private final ReentrantLock receiving = new ReentrantLock();
    /**
     * Receive buffers of threads that ended, for the next threads: a burst of requests starts
     * threads, and each would otherwise allocate its buffer anew, from its own malloc arena,
     * and the daemon's memory would creep up with every burst.
     */
    private final Queue<Buffers> spare = new ConcurrentLinkedQueue<>();
    private int idle;
    private int running;
    private boolean failed;

    RequestLoop(Pointer session, Pointer channel, Filesystem fs) {
        this.session = session;
        this.channel = channel;
        this.fs = fs;
        this.bufferSize = FuseLib.F.fuse_chan_bufsize(channel);
    }

    /** Serves until the session ends (the filesystem is unmounted); returns whether it failed. */
    boolean run() {
        synchronized (this) {
            startWorker();
            while (running > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    FuseLib.F.fuse_session_exit(session);
                    Thread.currentThread().interrupt();
                    return true;
                }
            }
            return failed;
        }
    }

    /** Called holding this loop's monitor. */
    private void startWorker() {
        running++;
        idle++;
        Thread worker = new Thread(this::work, "dxfs-fuse");
        // The daemon's shutdown (a signal) must not wait for threads blocked reading the device.
        worker.setDaemon(true);
        worker.start();
    }

    /** A worker's request buffer, and where it tells libfuse its channel. */
    private record Buffers(Pointer request, Pointer channelRef) {}

    private void work() {
        // Workers are started between requests, yet a thread's identity is its creator's: start
        // from the daemon's own whatever happens (each request takes its caller's, Credentials).
        Credentials.resetThread();
        Buffers buffers = spare.poll();
        if (buffers == null) {
            buffers = new Buffers(Memory.allocateDirect(Request.RUNTIME, (int) bufferSize),
                    Memory.allocateDirect(Request.RUNTIME, Long.BYTES));
        }
        Pointer buf = buffers.request();
        Pointer channelRef = buffers.channelRef();
        try {
            while (true) {
                int length = receive(buf, channelRef);
                if (length < 0) {
                    return;
                }
                if (length == 0) {
                    continue;
                }
                boolean forget = isForget(buf);
                FuseLib.F.fuse_session_process(session, buf, length, channel);
                synchronized (this) {
                    if (!forget && ++idle > MAX_IDLE) {
                        idle--;
                        return;
                    }
                }
            }
        } finally {
            spare.add(buffers);
            synchronized (this) {
                running--;
                notifyAll();
            }
        }
    }

    /**
     * Receives one request into {@code buf} and tells its arrival; returns its length, 0 for none
     * (interrupted), or -1 once the session is over. Keeps one thread ready to receive the next.
     */
    private int receive(Pointer buf, Pointer channelRef) {
        receiving.lock();
        try {
            if (FuseLib.F.fuse_session_exited(session) != 0) {
                return -1;
            }
            channelRef.putPointer(0, channel);
            int length = FuseLib.F.fuse_chan_recv(channelRef, buf, bufferSize);
            if (length == -EINTR) {
                return 0;
            }
            if (length <= 0) {
                if (length < 0) {
                    LOG.error("reading the FUSE device failed with errno {}", -length);
                    synchronized (this) {
                        failed = true;
                    }
                }
                FuseLib.F.fuse_session_exit(session);
                return -1;
            }
            if (buf.getInt(HEADER_OPCODE) == FUSE_RELEASE) {
                fs.releaseQueued(buf.getLong(RELEASE_HANDLE));
            }
            synchronized (this) {
                // Like libfuse, a burst of FORGETs (answered at once) starts no threads.
                if (!isForget(buf) && --idle == 0) {
                    startWorker();
                }
            }
            return length;
        } finally {
            receiving.unlock();
        }
    }

    private static boolean isForget(Pointer buf) {
        int opcode = buf.getInt(HEADER_OPCODE);
        return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET;
    }
}
