package dev.dxfs.fuse;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
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
 *
 * @param <B> a thread's receive buffer, of the transport's {@link RequestSource}
 */
public final class RequestLoop<B> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLoop.class);
    /** Idle threads beyond this end, as in libfuse. */
    private static final int MAX_IDLE = 10;
    private static final int FUSE_FORGET = 2;
    private static final int FUSE_RELEASE = 18;
    private static final int FUSE_BATCH_FORGET = 42;

    private final RequestSource<B> source;
    private final Filesystem fs;
    /** Held from a receive until the request's arrival is told: the order the kernel queued in. */
    private final ReentrantLock receiving = new ReentrantLock();
    /**
     * Receive buffers of threads that ended, for the next threads: a burst of requests starts
     * threads, and each would otherwise allocate its buffer anew, from its own malloc arena,
     * and the daemon's memory would creep up with every burst.
     */
    private final Queue<B> spare = new ConcurrentLinkedQueue<>();
    private int idle;
    private int running;
    private boolean failed;

    public RequestLoop(RequestSource<B> source, Filesystem fs) {
        this.source = source;
        this.fs = fs;
    }

    /** Serves until the session ends (the filesystem is unmounted); returns whether it failed. */
    public boolean run() {
        synchronized (this) {
            startWorker();
            while (running > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    source.exit();
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

    private void work() {
        // Workers are started between requests, yet a thread's identity is its creator's: start
        // from the daemon's own whatever happens (each request takes its caller's, Credentials).
        Credentials.resetThread();
        B buf = spare.poll();
        if (buf == null) {
            buf = source.newBuffer();
        }
        try {
            while (true) {
                int length = receive(buf);
                if (length < 0) {
                    return;
                }
                if (length == 0) {
                    continue;
                }
                boolean forget = isForget(source.opcode(buf));
                source.process(buf, length);
                synchronized (this) {
                    if (!forget && ++idle > MAX_IDLE) {
                        idle--;
                        return;
                    }
                }
            }
        } finally {
            spare.add(buf);
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
    private int receive(B buf) {
        receiving.lock();
        try {
            if (source.exited()) {
                return -1;
            }
            int length;
            try {
                length = source.receive(buf);
            } catch (IOException e) {
                LOG.error("reading the FUSE device failed: {}", e.getMessage());
                synchronized (this) {
                    failed = true;
                }
                length = -1;
            }
            if (length <= 0) {
                if (length < 0) {
                    source.exit();
                }
                return length;
            }
            int opcode = source.opcode(buf);
            if (opcode == FUSE_RELEASE) {
                fs.releaseQueued(source.releaseHandle(buf));
            }
            synchronized (this) {
                // Like libfuse, a burst of FORGETs (answered at once) starts no threads. At the
                // source's bound, the next request waits for a thread to be done: a request only
                // ever waits for releases already received, so no thread waits for one unreceived.
                if (!isForget(opcode) && --idle == 0 && running < source.maxThreads()) {
                    startWorker();
                }
            }
            return length;
        } finally {
            receiving.unlock();
        }
    }

    private static boolean isForget(int opcode) {
        return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET;
    }
}
