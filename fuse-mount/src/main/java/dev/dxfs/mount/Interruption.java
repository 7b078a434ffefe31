package dev.dxfs.mount;

import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * SIGINT, SIGTERM and SIGHUP sent to {@code dxfs run}: each is passed on at once to the
 * command's whole process group; if processes of the group are left {@code killAfter} after the
 * first, the group is killed (SIGKILL), so that {@code run} never waits forever and never leaves
 * a process working on the mount it is about to remove. They replace the JVM's own handling of
 * these signals (exiting at once), which would leave the command running. A signal that was
 * ignored when dxfs started (nohup) stays ignored, for dxfs and for the command.
 */
final class Interruption {
    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};
    /** How long processes that stay after SIGKILL are waited for (they may still be dying). */
    private static final long KILLED_MILLIS = 2000;

    private final long killAfterNanos;
    private int received;
    private long deadline;
    private Job job;
    private boolean settled;

    private Interruption(long killAfterNanos) {
        this.killAfterNanos = killAfterNanos;
    }

    static Interruption install(double killAfterSeconds) {
        // Bounded so that deadlines, counted on System.nanoTime(), do not overflow.
        Interruption interruption = new Interruption((long) Math.min(killAfterSeconds * 1e9, Long.MAX_VALUE / 2));
        for (String name : SIGNALS) {
            Signal.handle(new Signal(name), signal -> interruption.received(signal.getNumber()));
        }
        return interruption;
    }

    /** The first signal received, or 0. */
    synchronized int signal() {
        return received;
    }

    /** From now on, signals go to {@code started}, and one received before it started goes now. */
    synchronized void forwardTo(Job started) {
        job = started;
        if (received != 0) {
            job.signal(received);
            escalate();
        }
    }

    private synchronized void received(int signal) {
        boolean first = received == 0;
        if (first) {
            received = signal;
            deadline = System.nanoTime() + killAfterNanos;
        }
        if (job != null && !settled) {
            job.signal(signal);
            if (first) {
                escalate();
            }
        }
    }

    private void escalate() {
        Thread killer = new Thread(() -> {
            long left = deadline - System.nanoTime();
            try {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, left));
            } catch (InterruptedException e) {
                return;
            }
            kill();
        }, "dxfs-run-kill-after");
        killer.setDaemon(true);
        killer.start();
    }

    private synchronized void kill() {
        if (!settled) {
            job.signal(JobCalls.SIGKILL);
        }
    }

    /**
     * Once the command has ended: if a signal was received, waits for the rest of its group to
     * end too, killed when the time is up. After this, no signal goes to the group's id, which
     * another process group may take once it is free.
     */
    void settle() {
        long waitMillis;
        synchronized (this) {
            waitMillis = received == 0 ? 0 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000) + KILLED_MILLIS;
        }
        if (waitMillis > 0) {
            job.awaitEmpty(waitMillis);
        }
        synchronized (this) {
            settled = true;
        }
    }
}
