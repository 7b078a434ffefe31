package dev.dxfs.fs;

import dev.dxfs.fuse.BoundedWait;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the close the kernel makes for a writer a signal killed from a normal close. Only a close
 * made in the writer's exit can be one, and the kernel takes an exiting task's memory before it
 * closes its files: whether the closer still has its memory is read on the request thread, by a
 * read that takes no lock that sleeps, and a closer that has it closed the file itself. Which
 * signal ended a closer in its exit is read from /proc/TID/stat, which takes a sleeping lock of
 * the task's process (exec_update_lock, since the kernel's fix of 2026 and its stable backports),
 * one an exec holds across waits of its own (on some kernels, the FLUSHes of its O_CLOEXEC files):
 * that question is asked on a side thread, and one not answered in time counts as a normal close.
 */
final class KilledWriters {
    private static final Logger LOG = LoggerFactory.getLogger(KilledWriters.class);
    /** Long enough for a read of /proc that does not block; a FLUSH never waits longer. */
    private static final long ANSWER_MILLIS = 200;

    private final Platform platform;
    private final BoundedWait questions = new BoundedWait("dxfs-exit-question");

    KilledWriters(Platform platform) {
        this.platform = platform;
    }

    /** Whether the close thread {@code tid} makes is one for a process a signal killed. */
    boolean closedForKilled(int tid) {
        if (!platform.leftItsMemory(tid)) {
            return false;
        }
        Optional<Boolean> killed = questions.call(() -> platform.killedBySignal(tid), ANSWER_MILLIS);
        if (killed.isEmpty()) {
            LOG.warn("no answer in {} ms whether thread {} was killed: its close counts as a normal one",
                    ANSWER_MILLIS, tid);
        }
        return killed.orElse(false);
    }
}
