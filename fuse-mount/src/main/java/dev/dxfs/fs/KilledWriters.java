package dev.dxfs.fs;

import dev.dxfs.fuse.BoundedWait;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the close the kernel makes for a writer a signal killed from a normal close. The question
 * is asked about a task in the middle of its exit, which waits for the answer to its FLUSH: so it
 * is asked on a side thread, and a question not answered in time counts as a normal close.
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
        Optional<Boolean> killed = questions.call(() -> platform.killedBySignal(tid), ANSWER_MILLIS);
        if (killed.isEmpty()) {
            LOG.warn("no answer in {} ms whether thread {} was killed: its close counts as a normal one",
                    ANSWER_MILLIS, tid);
        }
        return killed.orElse(false);
    }
}
