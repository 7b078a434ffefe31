package dev.dxfs.fs;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private final ExecutorService questions = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "dxfs-exit-question");
        thread.setDaemon(true);
        return thread;
    });

    KilledWriters(Platform platform) {
        this.platform = platform;
    }

    /** Whether the close thread {@code tid} makes is one for a process a signal killed. */
    boolean closedForKilled(int tid) {
        Future<Boolean> answer = questions.submit(() -> platform.killedBySignal(tid));
        try {
            return answer.get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            LOG.warn("no answer in {} ms whether thread {} was killed: its close counts as a normal one",
                    ANSWER_MILLIS, tid);
            return false;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
