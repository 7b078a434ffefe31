package dev.dxfs.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is calling. FUSE reports the calling thread's id; handles belong to processes, so a
 * thread id is mapped to its process (thread group) through /proc. Only calls on paths that have
 * staged writers need this.
 */
final class Callers {
    private static final Logger LOG = LoggerFactory.getLogger(Callers.class);
    private static final String TGID = "Tgid:";
    /** Fields of /proc/PID/stat, numbered as in proc(5); the third is the first after the name. */
    private static final int FIRST_FIELD_AFTER_NAME = 3;
    private static final int STAT_FLAGS = 9;
    private static final int STAT_EXIT_CODE = 52;
    private static final long PF_EXITING = 0x4;
    private static final long SIGNAL_BITS = 0x7f;
    /** Long enough for any read of /proc that does not block; a FLUSH never waits longer. */
    private static final long EXIT_QUESTION_MILLIS = 200;

    /**
     * Where the questions about an exiting task are asked: a read of /proc about a task in the
     * middle of its exit could wait on that task, which waits for the answer to its FLUSH.
     */
    private final ExecutorService exitQuestions = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "dxfs-exit-question");
        thread.setDaemon(true);
        return thread;
    });

    /** The process id of thread {@code tid}, or -1 when it is gone. */
    int tgidOf(int tid) {
        try {
            String status = new String(Files.readAllBytes(Path.of("/proc/" + tid + "/status")),
                    StandardCharsets.ISO_8859_1);
            int at = status.indexOf(TGID);
            if (at < 0) {
                return -1;
            }
            int end = status.indexOf('\n', at);
            return Integer.parseInt(status.substring(at + TGID.length(), end).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Whether thread {@code tid} is exiting because a signal killed it: its closes are the
     * kernel's, made for a program that never got to finish its writes. The kernel marks an
     * exiting task (PF_EXITING in the flags) and records the exit code before it closes the
     * task's files; a signal death leaves the signal in the code's low bits, a normal exit leaves
     * them 0. When /proc does not answer in time, the close counts as a normal one.
     */
    boolean killedBySignal(int tid) {
        Future<Boolean> answer = exitQuestions.submit(() -> readKilledBySignal(tid));
        try {
            return answer.get(EXIT_QUESTION_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            LOG.warn("/proc/{}/stat did not answer in {} ms: its close counts as a normal one", tid,
                    EXIT_QUESTION_MILLIS);
            return false;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean readKilledBySignal(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + tid + "/stat"), StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long flags = Long.parseLong(fields[STAT_FLAGS - FIRST_FIELD_AFTER_NAME]);
            long exitCode = Long.parseLong(fields[STAT_EXIT_CODE - FIRST_FIELD_AFTER_NAME]);
            return (flags & PF_EXITING) != 0 && (exitCode & SIGNAL_BITS) != 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
