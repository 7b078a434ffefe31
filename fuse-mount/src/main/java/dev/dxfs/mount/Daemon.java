package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import dev.dxfs.fuse.Names;
import dev.dxfs.fs.OverlayFs;
import dev.dxfs.fuse.MountSettings;
import dev.dxfs.policy.StagingPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mounted filesystem's process. It opens the directory, mounts over it, says "ready" on its
 * standard output once the mount answers, and serves until it is unmounted (dxfs unmount,
 * fusermount -u, SIGTERM or SIGINT). Then it discards the writes still open and exits.
 */
final class Daemon {
    static final String READY = "ready";
    static final String ERROR = "error: ";
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final long CLEANUP_SECONDS = 2;

    private final Path dir;
    private final MountOptions options;
    private final Path log;
    private final PrintStream answer;
    private final Runnable onLive;
    private final CountDownLatch finished = new CountDownLatch(1);

    /**
     * @param log the log file, for the status; null when the log goes to stderr
     * @param onLive run once the mount answers, after "ready"
     */
    Daemon(Path dir, MountOptions options, Path log, PrintStream answer, Runnable onLive) {
        this.dir = dir;
        this.options = options;
        this.log = log;
        this.answer = answer;
        this.onLive = onLive;
    }

    void run() throws CliException, IOException {
        Transport transport = options.transport();
        String transportName = transport.name().toLowerCase(Locale.ROOT);
        if (transport == Transport.LIBFUSE) {
            Preflight.requireLibfuse();
        }
        // Modes come from the callers: a request applies its caller's umask to what it creates.
        Libc.C.umask(0);
        OpenFileLimit.raise();
        StagingPolicy policy = new StagingPolicy(options.filter());
        long deviceBefore = device(dir);
        OverlayFs fs = OverlayFs.over(dir.toString(), policy, options.durable, new MountsInside(dir),
                () -> announceWhenLive(deviceBefore));
        try (ControlServer control = ControlServer.start(RuntimePaths.socketFor(dir), () -> StatusJson.of(dir, transportName, log, fs))) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> unmountOnSignal(fs), "dxfs-shutdown"));
            // Before the mount: from then on, a mount at dir whose recorded daemon is gone is stale.
            DaemonPid.record(dir);
            MountSettings settings = settings(transport);
            LOG.info("mounting over {} (pid {}, {} transport, {})", dir, ProcessHandle.current().pid(), transportName,
                    settings);
            transport.serve(settings, fs);
            LOG.info("unmounted {}", dir);
        } finally {
            fs.close();
            DaemonPid.forget(dir);
            finished.countDown();
        }
    }

    /**
     * How long the kernel keeps names and attributes is chosen per answer, not here (see
     * {@code KernelTimeouts}): an executable's name is never kept, so a writer never resolves to
     * a node that an exec has pinned.
     */
    private MountSettings settings(Transport transport) {
        return new MountSettings(Names.bytes(dir.toString()), "dxfs", options.allowOther, options.mountFlags, transport.maxIo);
    }

    /** Called from FUSE init: reports ready once a stat of the mount point is answered by us. */
    private void announceWhenLive(long deviceBefore) {
        Thread announcer = new Thread(() -> {
            while (device(dir) == deviceBefore) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
            LOG.info("mounted over {}", dir);
            answer.println(READY);
            answer.close();
            onLive.run();
        }, "dxfs-ready");
        announcer.setDaemon(true);
        announcer.start();
    }

    private static long device(Path path) {
        Pointer stat = Memory.allocateDirect(Libc.RUNTIME, 256);
        return Libc.C.stat(Names.bytes(path.toString()), stat) < 0 ? -1 : stat.getLong(0);
    }

    /**
     * A lazy unmount stops new use at once, but the kernel keeps the filesystem alive while a
     * process still has a file open in it, and then the loop does not end: the open writes are
     * discarded here, so that nothing half-written is published and no temp file outlives us.
     */
    private void unmountOnSignal(OverlayFs fs) {
        if (finished.getCount() == 0) {
            return;
        }
        LOG.info("signal received: unmounting {}", dir);
        try {
            new ProcessBuilder("fusermount", "-uz", dir.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            if (!finished.await(CLEANUP_SECONDS, TimeUnit.SECONDS)) {
                LOG.info("files are still open in {}: discarding their writes", dir);
                fs.close();
                // The JVM halts once this returns, before the serving thread gets to it.
                DaemonPid.forget(dir);
            }
        } catch (IOException e) {
            LOG.warn("could not unmount {} at shutdown: {}", dir, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
